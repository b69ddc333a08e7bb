//! Every kind of bad request is answered with problem+json, never HTML, never a 500.

use coregroup::domain::people::Role;
use serde_json::json;

use crate::harness::{blamed_fields, problem};
use crate::on_both;

on_both! {
    async fn malformed_json_is_a_400(app) {
        let (_, admin) = app.signed_in(Role::Admin).await;
        let res = app.client.post(app.url("/api/v1/agencies")).bearer_auth(&admin)
            .header("content-type", "application/json").body("{\"name\": \"x\", ").send().await.unwrap();
        let p = problem(res, 400).await;
        assert!(p["detail"].as_str().unwrap().contains("not valid JSON"));
        let res = app.client.post(app.url("/api/v1/agencies")).bearer_auth(&admin)
            .header("content-type", "application/json").body("").send().await.unwrap();
        problem(res, 400).await;
        let res = app.client.post(app.url("/api/v1/agencies")).bearer_auth(&admin)
            .header("content-type", "application/json").body("[1,2]").send().await.unwrap();
        problem(res, 400).await;
    }

    async fn a_body_that_is_not_json_is_a_415(app) {
        let (_, admin) = app.signed_in(Role::Admin).await;
        let res = app.client.post(app.url("/api/v1/agencies")).bearer_auth(&admin)
            .header("content-type", "text/plain").body(r#"{"name":"x","kind":"school"}"#).send().await.unwrap();
        problem(res, 415).await;
        let res = app.client.post(app.url("/api/v1/auth/login"))
            .body(r#"{"email":"a@b.example","password":"x"}"#).send().await.unwrap();
        problem(res, 415).await;
    }

    async fn unknown_and_missing_fields_are_named(app) {
        let res = app.client.post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "a@b.example", "password": "x", "remember_me": true})).send().await.unwrap();
        let p = problem(res, 400).await;
        assert_eq!(blamed_fields(&p), ["remember_me"]);
        let res = app.client.post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "a@b.example"})).send().await.unwrap();
        let p = problem(res, 400).await;
        assert_eq!(blamed_fields(&p), ["password"]);
        let res = app.client.post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": ["a"], "password": "x"})).send().await.unwrap();
        let p = problem(res, 400).await;
        assert_eq!(blamed_fields(&p), ["email"]);
    }

    async fn an_oversize_body_is_a_413(app) {
        let (_, admin) = app.signed_in(Role::Admin).await;
        let huge = "x".repeat(200 * 1024);
        let res = app.post("/api/v1/agencies", &admin, &json!({"name": huge, "kind": "school"})).await;
        problem(res, 413).await;
        // Streamed without a length: refused all the same.
        let body = reqwest::Body::wrap_stream(futures_util::stream::iter(
            (0..100).map(|_| Ok::<_, std::io::Error>(vec![b' '; 4096])),
        ));
        let res = app.client.post(app.url("/api/v1/agencies")).bearer_auth(&admin)
            .header("content-type", "application/json").body(body).send().await.unwrap();
        problem(res, 413).await;
    }

    async fn unknown_routes_and_methods_are_problems(app) {
        problem(app.client.get(app.url("/api/v1/no-such-thing")).send().await.unwrap(), 404).await;
        // Outside the API a person is reading: a mistyped address gets a page, not JSON.
        let page = app.client.get(app.url("/no-such-page")).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 404);
        let kind = page.headers()["content-type"].to_str().unwrap().to_string();
        assert!(kind.starts_with("text/html"), "{kind}");
        assert!(page.text().await.unwrap().contains("Page not found"));
        let res = app.client.delete(app.url("/api/v1/auth/login")).send().await.unwrap();
        let status = res.status().as_u16();
        assert!(status == 404 || status == 405, "{status}");
        problem(res, status).await;
    }

    async fn long_and_odd_passwords_do_not_crash_login(app) {
        let long = "p".repeat(10_000);
        problem(app.login_response("a@b.example", &long).await, 401).await;
        problem(app.login_response("a@b.example", "").await, 401).await;
        problem(app.login_response("", "whatever password").await, 422).await;
        problem(app.login_response("'; DROP TABLE users; --", "whatever password").await, 401).await;
    }
}
