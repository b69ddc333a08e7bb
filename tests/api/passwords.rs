//! Changing one's own password, and resetting it with a one-time code an admin issues.

use coregroup::domain::people::Role;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::harness::{blamed_fields, problem, TestApp, TestUser, PASSWORD};
use crate::on_both;

const NEW_PASSWORD: &str = "a brand new passphrase for today";

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({ "refresh_token": token }))
        .send()
        .await
        .unwrap()
}

async fn change(app: &TestApp, token: &str, current: &str, new: &str) -> reqwest::Response {
    app.post(
        "/api/v1/me/password",
        token,
        &json!({"current_password": current, "new_password": new}),
    )
    .await
}

async fn reset(app: &TestApp, email: &str, code: &str, new: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/reset-password"))
        .json(&json!({"email": email, "code": code, "new_password": new}))
        .send()
        .await
        .unwrap()
}

async fn issue(app: &TestApp, admin: &str, user: &TestUser) -> Value {
    let res = app
        .post(
            &format!("/api/v1/users/{}/password-reset", user.id),
            admin,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

fn text(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} in {v}"))
        .to_string()
}

on_both! {
    async fn changing_the_password_ends_every_other_session(app) {
        let user = app.user(Role::SocialWorker).await;
        let here = app.session(&user).await;
        // Another device, or whoever learnt the old password.
        let elsewhere = app.session(&user).await;
        let token = text(&here, "access_token");

        let body = problem(change(&app, &token, "not the password at all", NEW_PASSWORD).await, 422).await;
        assert_eq!(blamed_fields(&body), ["current_password"]);
        let body = problem(change(&app, &token, PASSWORD, "too short").await, 422).await;
        assert_eq!(blamed_fields(&body), ["new_password"]);
        let body = problem(change(&app, &token, PASSWORD, PASSWORD).await, 422).await;
        assert_eq!(blamed_fields(&body), ["new_password"]);
        let res = app.client.post(app.url("/api/v1/me/password")).bearer_auth(&token).json(&json!({"new_password": NEW_PASSWORD})).send().await.unwrap();
        assert_eq!(blamed_fields(&problem(res, 400).await), ["current_password"]);
        // Not signed in: nobody's password changes.
        problem(change(&app, "not-a-token", PASSWORD, NEW_PASSWORD).await, 401).await;

        let res = change(&app, &token, PASSWORD, NEW_PASSWORD).await;
        assert_eq!(res.status(), 200);
        let fresh: Value = res.json().await.unwrap();
        assert_eq!(fresh["user"]["id"], user.id.as_str());
        assert_eq!(app.get("/api/v1/me", &text(&fresh, "access_token")).await.status(), 200);

        // Every other session is over, at once: access and refresh tokens alike, the caller's
        // old pair included (the fresh pair replaces it).
        problem(app.get("/api/v1/me", &text(&elsewhere, "access_token")).await, 401).await;
        problem(refresh(&app, &text(&elsewhere, "refresh_token")).await, 401).await;
        problem(app.get("/api/v1/me", &token).await, 401).await;
        problem(refresh(&app, &text(&here, "refresh_token")).await, 401).await;
        assert_eq!(refresh(&app, &text(&fresh, "refresh_token")).await.status(), 200);

        problem(app.login_response(&user.email, PASSWORD).await, 401).await;
        assert_eq!(app.login_response(&user.email, NEW_PASSWORD).await.status(), 200);
    }

    async fn wrong_current_passwords_count_against_the_sign_in_throttle(app) {
        // The attack: a stolen access token used to guess the password behind it.
        let (user, token) = app.signed_in(Role::Practitioner).await;
        for _ in 0..5 {
            problem(change(&app, &token, "a guess at the password", NEW_PASSWORD).await, 422).await;
        }
        problem(change(&app, &token, PASSWORD, NEW_PASSWORD).await, 429).await;
        problem(app.login_response(&user.email, PASSWORD).await, 429).await;
    }

    async fn an_admin_issues_a_reset_code_that_works_once(app) {
        let (_, admin) = app.signed_in(Role::Admin).await;
        let user = app.user(Role::Practitioner).await;
        let session = app.session(&user).await;
        let path = format!("/api/v1/users/{}/password-reset", user.id);
        for role in [Role::Practitioner, Role::SocialWorker, Role::TeamManager, Role::CpChair, Role::Auditor] {
            let (_, token) = app.signed_in(role).await;
            problem(app.post(&path, &token, &json!({})).await, 403).await;
        }
        problem(app.client.post(app.url(&path)).send().await.unwrap(), 401).await;
        problem(app.post("/api/v1/users/no-such-user/password-reset", &admin, &json!({})).await, 404).await;

        let issued = issue(&app, &admin, &user).await;
        let code = text(&issued, "code");
        assert!(code.replace('-', "").len() >= 26, "{code}: at least 128 bits");
        let expires = chrono::DateTime::parse_from_rfc3339(&text(&issued, "expires_at")).unwrap();
        let hours = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes() as f64 / 60.0;
        assert!((23.9..=24.1).contains(&hours), "expires in {hours} hours");

        // Only the code's SHA-256 is stored.
        let stored: Vec<String> = app.store.read(|c| {
            use coregroup::store::schema::password_resets::dsl::*;
            Ok(password_resets.select(code_hash).load(c)?)
        }).await.unwrap();
        assert_eq!(stored, [coregroup::auth::tokens::reset_code_hash(&code)]);
        assert!(!stored[0].contains(&code.replace('-', "")));

        // A weak new password is refused and leaves the code usable.
        let body = problem(reset(&app, &user.email, &code, "short").await, 422).await;
        assert_eq!(blamed_fields(&body), ["new_password"]);
        // Typed by hand: any case, spaces for dashes.
        let typed = code.to_lowercase().replace('-', " ");
        let res = reset(&app, &user.email.to_uppercase(), &typed, NEW_PASSWORD).await;
        assert_eq!(res.status(), 204);

        // Every session of the user has ended.
        problem(app.get("/api/v1/me", &text(&session, "access_token")).await, 401).await;
        problem(refresh(&app, &text(&session, "refresh_token")).await, 401).await;
        problem(app.login_response(&user.email, PASSWORD).await, 401).await;
        assert_eq!(app.login_response(&user.email, NEW_PASSWORD).await.status(), 200);

        // Once only.
        let body = problem(reset(&app, &user.email, &code, "yet another new passphrase").await, 422).await;
        assert_eq!(blamed_fields(&body), ["code"]);
        assert_eq!(app.login_response(&user.email, NEW_PASSWORD).await.status(), 200);
    }

    async fn reset_codes_that_are_wrong_expired_or_superseded_do_not_work(app) {
        let (_, admin) = app.signed_in(Role::Admin).await;
        let user = app.user(Role::Practitioner).await;
        let first = text(&issue(&app, &admin, &user).await, "code");
        let second = text(&issue(&app, &admin, &user).await, "code");

        // Superseded by the second.
        let superseded = problem(reset(&app, &user.email, &first, NEW_PASSWORD).await, 422).await;
        assert_eq!(blamed_fields(&superseded), ["code"]);
        // Made up.
        let wrong = problem(reset(&app, &user.email, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GG", NEW_PASSWORD).await, 422).await;
        assert_eq!(wrong, superseded);
        // Someone else's e-mail address, or nobody's: the same answer.
        let other = app.user(Role::Practitioner).await;
        assert_eq!(problem(reset(&app, &other.email, &second, NEW_PASSWORD).await, 422).await, wrong);
        assert_eq!(problem(reset(&app, "nobody@agency.example", &second, NEW_PASSWORD).await, 422).await, wrong);
        // Expired (made so in the database).
        let hash = coregroup::auth::tokens::reset_code_hash(&second);
        app.store.write(move |c| {
            use coregroup::store::schema::password_resets::dsl::*;
            diesel::update(password_resets.filter(code_hash.eq(hash)))
                .set(expires_at.eq(chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1)))
                .execute(c)?;
            Ok(())
        }).await.unwrap();
        assert_eq!(problem(reset(&app, &user.email, &second, NEW_PASSWORD).await, 422).await, wrong);
        // Nothing changed.
        assert_eq!(app.login_response(&user.email, PASSWORD).await.status(), 200);
    }

    async fn wrong_reset_codes_are_throttled_like_sign_ins(app) {
        // The attack: guessing codes for an account. Each wrong code counts as a failed
        // attempt for the account and the address, as a wrong password does.
        let (_, admin) = app.signed_in(Role::Admin).await;
        let user = app.user(Role::Practitioner).await;
        let code = text(&issue(&app, &admin, &user).await, "code");
        for i in 0..5 {
            problem(reset(&app, &user.email, &format!("WRONG-CODE-{i}"), NEW_PASSWORD).await, 422).await;
        }
        let res = reset(&app, &user.email, &code, NEW_PASSWORD).await;
        assert!(res.headers().contains_key("retry-after"));
        problem(res, 429).await;
        problem(app.login_response(&user.email, PASSWORD).await, 429).await;
    }

    async fn the_new_routes_are_in_the_openapi_document(app) {
        let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
        for path in ["/api/v1/me/password", "/api/v1/auth/reset-password", "/api/v1/users/{id}/password-reset"] {
            assert!(doc["paths"][path]["post"].is_object(), "{path} is not documented");
        }
    }
}
