//! Account administration: admins only, every field checked.

use coregroup::domain::people::Role;
use reqwest::Method;
use serde_json::json;

use crate::harness::{blamed_fields, problem, TestApp};
use crate::on_both;

async fn agency(app: &TestApp, admin: &str, name: &str, kind: &str) -> serde_json::Value {
    let res = app
        .post(
            "/api/v1/agencies",
            admin,
            &json!({"name": name, "kind": kind}),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

on_both! {
    async fn an_admin_builds_agencies_teams_and_users(app) {
        let (_, admin) = app.signed_in(Role::Admin).await;
        let council = agency(&app, &admin, "Riverside Children's Services", "social_care").await;
        assert_eq!(council["kind"], "social_care");
        assert!(council["id"].is_string());

        let res = app.post("/api/v1/teams", &admin, &json!({"name": "Disabled Children", "agency_id": council["id"]})).await;
        assert_eq!(res.status(), 201);
        let team: serde_json::Value = res.json().await.unwrap();
        assert_eq!(team["agency_id"], council["id"]);

        let res = app.post("/api/v1/users", &admin, &json!({
            "email": "Sam.Worker@Riverside.example", "name": "Sam Worker",
            "password": "twelve chars at least", "role": "social_worker",
            "agency_id": council["id"], "team_id": team["id"],
        })).await;
        assert_eq!(res.status(), 201);
        let user: serde_json::Value = res.json().await.unwrap();
        assert_eq!(user["role"], "social_worker");
        assert_eq!(user["team_id"], team["id"]);
        assert!(user.get("password").is_none() && user.get("password_hash").is_none());

        // The new user can sign in, whatever case the address is typed in.
        let res = app.login_response("sam.worker@riverside.example", "twelve chars at least").await;
        assert_eq!(res.status(), 200);

        let users: serde_json::Value = app.get("/api/v1/users", &admin).await.json().await.unwrap();
        assert!(users["items"].as_array().unwrap().iter().any(|u| u["id"] == user["id"]));
        let one = app.get(&format!("/api/v1/users/{}", user["id"].as_str().unwrap()), &admin).await;
        assert_eq!(one.status(), 200);
        let agencies: serde_json::Value = app.get("/api/v1/agencies", &admin).await.json().await.unwrap();
        assert_eq!(agencies["items"].as_array().unwrap().len(), 1);
        let teams: serde_json::Value = app.get("/api/v1/teams", &admin).await.json().await.unwrap();
        assert_eq!(teams["items"][0]["name"], "Disabled Children");
    }

    async fn email_addresses_are_unique_whatever_their_case(app) {
        let (_, admin) = app.signed_in(Role::Admin).await;
        let body = |email: &str| json!({"email": email, "name": "A Person", "password": "twelve chars at least", "role": "auditor"});
        assert_eq!(app.post("/api/v1/users", &admin, &body("same@agency.example")).await.status(), 201);
        let p = problem(app.post("/api/v1/users", &admin, &body("SAME@Agency.Example")).await, 409).await;
        assert!(p["detail"].as_str().unwrap().contains("e-mail"));
    }

    async fn agency_and_team_names_are_unique(app) {
        let (_, admin) = app.signed_in(Role::Admin).await;
        let a = agency(&app, &admin, "Hillside Academy", "school").await;
        problem(app.post("/api/v1/agencies", &admin, &json!({"name": "hillside academy", "kind": "school"})).await, 409).await;
        let team = json!({"name": "Pastoral", "agency_id": a["id"]});
        assert_eq!(app.post("/api/v1/teams", &admin, &team).await.status(), 201);
        problem(app.post("/api/v1/teams", &admin, &team).await, 409).await;
    }

    async fn every_field_is_checked_and_named(app) {
        let (_, admin) = app.signed_in(Role::Admin).await;
        let a = agency(&app, &admin, "Eastfield Police", "police").await;
        let b = agency(&app, &admin, "Eastfield Health", "health").await;
        let res = app.post("/api/v1/teams", &admin, &json!({"name": "Other team", "agency_id": b["id"]})).await;
        let other_team: serde_json::Value = res.json().await.unwrap();
        let good = json!({"email": "pc@police.example", "name": "A Officer", "password": "twelve chars at least", "role": "practitioner", "agency_id": a["id"]});
        let with = |key: &str, value: serde_json::Value| {
            let mut body = good.clone();
            body[key] = value;
            body
        };
        let cases = [
            (with("email", json!("not-an-email")), 422, "email"),
            (with("name", json!("   ")), 422, "name"),
            (with("password", json!("too short")), 422, "password"),
            (with("role", json!("superuser")), 400, "role"),
            (with("agency_id", json!("no-such-agency")), 422, "agency_id"),
            (with("agency_id", serde_json::Value::Null), 422, "agency_id"),
            (with("team_id", other_team["id"].clone()), 422, "team_id"),
            (with("team_id", json!("no-such-team")), 422, "team_id"),
            (with("email", json!(42)), 400, "email"),
            (with("surprise", json!(true)), 400, "surprise"),
        ];
        for (body, status, field) in cases {
            let p = problem(app.post("/api/v1/users", &admin, &body).await, status).await;
            assert_eq!(blamed_fields(&p), [field], "{body}");
            assert!(p["detail"].as_str().unwrap().contains(field), "{p}");
        }
        let p = problem(app.post("/api/v1/agencies", &admin, &json!({"name": "X", "kind": "hospital"})).await, 400).await;
        assert_eq!(blamed_fields(&p), ["kind"]);
        let p = problem(app.post("/api/v1/teams", &admin, &json!({"name": "X", "agency_id": "nope"})).await, 422).await;
        assert_eq!(blamed_fields(&p), ["agency_id"]);
        // Nothing was stored by any refused request.
        let users: serde_json::Value = app.get("/api/v1/users", &admin).await.json().await.unwrap();
        assert_eq!(users["items"].as_array().unwrap().len(), 1);
    }

    async fn admin_routes_are_refused_to_every_other_role(app) {
        let (_, admin) = app.signed_in(Role::Admin).await;
        let target = app.user(Role::Practitioner).await;
        let a = agency(&app, &admin, "Westgate Nursery", "nursery").await;
        let user_path = format!("/api/v1/users/{}", target.id);
        let writes: Vec<(Method, &str, serde_json::Value)> = vec![
            (Method::POST, "/api/v1/agencies", json!({"name": "Sneaky", "kind": "other"})),
            (Method::POST, "/api/v1/teams", json!({"name": "Sneaky", "agency_id": a["id"]})),
            (Method::POST, "/api/v1/users", json!({"email": "x@y.example", "name": "X", "password": "twelve chars at least", "role": "admin"})),
            (Method::PATCH, &user_path, json!({"role": "admin"})),
        ];
        for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
            let (_, token) = app.signed_in(role).await;
            for (method, path, body) in &writes {
                let res = app.send_json(method.clone(), path, &token, body).await;
                problem(res, 403).await;
            }
            problem(app.get("/api/v1/users", &token).await, 403).await;
            problem(app.get(&user_path, &token).await, 403).await;
            // Without a token at all: 401.
            for (method, path, body) in &writes {
                let res = app.client.request(method.clone(), app.url(path)).json(body).send().await.unwrap();
                problem(res, 401).await;
            }
        }
        // Nothing changed.
        let users: serde_json::Value = app.get("/api/v1/users", &admin).await.json().await.unwrap();
        assert!(users["items"].as_array().unwrap().iter().all(|u| u["email"] != "x@y.example"));
        let target_now: serde_json::Value = app.get(&user_path, &admin).await.json().await.unwrap();
        assert_eq!(target_now["role"], "practitioner");
        let agencies: serde_json::Value = app.get("/api/v1/agencies", &admin).await.json().await.unwrap();
        assert!(agencies["items"].as_array().unwrap().iter().all(|a| a["name"] != "Sneaky"));
    }

    async fn an_admin_cannot_lock_themselves_out(app) {
        let (me, admin) = app.signed_in(Role::Admin).await;
        let path = format!("/api/v1/users/{}", me.id);
        problem(app.send_json(Method::PATCH, &path, &admin, &json!({"active": false})).await, 422).await;
        problem(app.send_json(Method::PATCH, &path, &admin, &json!({"role": "auditor"})).await, 422).await;
        assert_eq!(app.get("/api/v1/me", &admin).await.status(), 200);
    }

    async fn unknown_users_are_not_found(app) {
        let (_, admin) = app.signed_in(Role::Admin).await;
        problem(app.get("/api/v1/users/no-such-id", &admin).await, 404).await;
        problem(app.send_json(Method::PATCH, "/api/v1/users/no-such-id", &admin, &json!({"name": "X"})).await, 404).await;
    }
}
