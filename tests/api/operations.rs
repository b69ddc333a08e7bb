//! Health, security headers, OpenAPI, migrations.

use crate::on_both;

on_both! {
    async fn health_and_readiness(app) {
        let res = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let res = app.client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["status"], "ready");
    }

    async fn security_headers_on_every_answer(app) {
        for path in ["/healthz", "/api/v1/me", "/api/v1/nowhere", "/api/v1/openapi.json"] {
            let res = app.client.get(app.url(path)).send().await.unwrap();
            let h = res.headers();
            let csp = h["content-security-policy"].to_str().unwrap();
            assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
            assert!(csp.contains("default-src 'self'"), "{path}");
            assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
            assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
            assert!(h.contains_key("x-request-id"), "{path}");
        }
        let res = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(res.headers()["cache-control"], "no-store");
    }

    async fn openapi_lists_every_route(app) {
        let res = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let doc: serde_json::Value = res.json().await.unwrap();
        let paths = doc["paths"].as_object().unwrap();
        for (path, method) in [
            ("/api/v1/auth/login", "post"), ("/api/v1/auth/refresh", "post"),
            ("/api/v1/auth/logout", "post"), ("/api/v1/me", "get"),
            ("/api/v1/agencies", "post"), ("/api/v1/agencies", "get"),
            ("/api/v1/teams", "post"), ("/api/v1/teams", "get"),
            ("/api/v1/users", "post"), ("/api/v1/users", "get"),
            ("/api/v1/users/{id}", "get"), ("/api/v1/users/{id}", "patch"),
            ("/healthz", "get"), ("/readyz", "get"),
        ] {
            assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} missing");
        }
        // And every documented route exists: none answers "no such resource" for its method.
        for (path, item) in paths {
            for method in item.as_object().unwrap().keys() {
                let url = app.url(&path.replace("{id}", "x"));
                let res = app.client.request(method.to_uppercase().parse().unwrap(), url)
                    .header("content-type", "application/json").body("{}").send().await.unwrap();
                let body: serde_json::Value = res.json().await.unwrap_or_default();
                assert_ne!(body["detail"], "no such resource", "{method} {path}");
            }
        }
        let res = app.client.get(app.url("/api/v1/docs/")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().contains("swagger-ui"));
    }

    async fn migrations_run_twice_are_a_no_op(app) {
        assert_eq!(app.store.migrate().unwrap(), 0);
        // A second server on the same database starts cleanly (its migrations find nothing to do).
        let other = app.another_server();
        assert_eq!(app.client.get(format!("{other}/readyz")).send().await.unwrap().status(), 200);
    }
}
