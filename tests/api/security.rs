//! Regression tests for what a penetration test found, each written as the attack.

use serde_json::{json, Value};

use crate::cases::{child, join, plan, sighting, world};
use crate::harness::problem;
use crate::on_both;

on_both! {
    // An Idempotency-Key does not outlive the caller's relationship with the child: a replay
    // is a read of the first record, authorised and logged as one.
    async fn a_replay_by_an_ex_member_is_refused_and_logged(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Ivy", "2016-06-06", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        let member = join(&app, &w, &p, &w.teacher, "2026-01-05").await;
        let body = sighting(&c, "2026-01-14T10:00:00Z", "school_contact", "school", "seen");
        let send = || {
            app.client.post(app.url("/api/v1/sightings")).bearer_auth(&w.teacher.token).header("Idempotency-Key", "ivy-0114").json(&body).send()
        };
        let first = send().await.unwrap();
        assert_eq!(first.status(), 201);
        let first: Value = first.json().await.unwrap();
        // While a member, the retry answers the first record, and the log shows the read.
        let again = send().await.unwrap();
        assert_eq!(again.status(), 200);
        assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
        let log: Value = app.get(&format!("/api/v1/children/{c}/access-log"), &w.manager.token).await.json().await.unwrap();
        assert!(log["items"].as_array().unwrap().iter().any(|e| e["user_id"] == w.teacher.id.as_str() && e["action"] == "replay_sighting" && e["outcome"] == "ok"), "{log:#}");

        // The teacher leaves the core group; the same request again is answered as for a
        // child that does not exist, and the refusal is in the child's access log.
        let res = app.send_json(reqwest::Method::PATCH, &format!("/api/v1/plans/{p}/members/{member}"), &w.lead.token, &json!({"until": "2026-02-01"})).await;
        assert_eq!(res.status(), 204, "{:?}", res.text().await);
        let replay = problem(send().await.unwrap(), 404).await;
        assert!(!replay.to_string().contains(first["id"].as_str().unwrap()), "{replay}");
        assert!(!replay.to_string().contains("Ivy"));
        let log: Value = app.get(&format!("/api/v1/children/{c}/access-log"), &w.manager.token).await.json().await.unwrap();
        assert!(log["items"].as_array().unwrap().iter().any(|e| e["user_id"] == w.teacher.id.as_str() && e["outcome"] == "not_found"), "{log:#}");
    }

    // A draft is its author's alone: to anyone else — an auditor, who reads everything, or
    // the team manager — writing to it answers exactly as for a record that does not exist.
    async fn a_write_to_another_authors_draft_answers_like_a_missing_record(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Oak", "2017-07-07", None).await;
        plan(&app, &w, &c, "2026-01-05").await;
        let mut body = sighting(&c, "2026-01-14T10:00:00Z", "home_visit", "home", "seen");
        body["status"] = json!("draft");
        let draft: Value = app.post("/api/v1/sightings", &w.lead.token, &body).await.json().await.unwrap();
        let id = draft["id"].as_str().unwrap();
        let mut correction = body.clone();
        correction["reason"] = json!("Typed in the wrong room");
        for who in [&w.auditor, &w.manager, &w.chair] {
            for (method, path, body) in [
                (reqwest::Method::GET, "/api/v1/sightings/{}".to_string(), json!(null)),
                (reqwest::Method::PUT, "/api/v1/sightings/{}".to_string(), body.clone()),
                (reqwest::Method::POST, "/api/v1/sightings/{}/finalise".to_string(), json!({})),
                (reqwest::Method::POST, "/api/v1/sightings/{}/corrections".to_string(), correction.clone()),
                (reqwest::Method::POST, "/api/v1/sightings/{}/decision".to_string(), json!({"decision": "Visit again"})),
            ] {
                let ask = |target: &str| {
                    let request = app.client.request(method.clone(), app.url(&path.replace("{}", target))).bearer_auth(&who.token);
                    let request = if method == reqwest::Method::GET { request } else { request.json(&body) };
                    async move {
                        let res = request.send().await.unwrap();
                        (res.status().as_u16(), res.text().await.unwrap())
                    }
                };
                let on_draft = ask(id).await;
                let on_nothing = ask("no-such-sighting").await;
                assert_eq!(on_draft.0, 404, "{method} {path}: {}", on_draft.1);
                assert_eq!(on_draft, on_nothing, "{method} {path}");
            }
        }
        // The draft is as its author left it.
        let still: Value = app.get(&format!("/api/v1/sightings/{id}"), &w.lead.token).await.json().await.unwrap();
        assert_eq!(still["status"], "draft");
    }
}
