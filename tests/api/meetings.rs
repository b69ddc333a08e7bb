//! Core group meetings, attendance and gaps by agency (contract.md, seed 002).

use reqwest::Method;
use serde_json::{json, Value};

use crate::cases::{child, join, plan, world};
use crate::harness::{blamed_fields, problem, TestApp};
use crate::on_both;

async fn meeting(app: &TestApp, token: &str, plan_id: &str, held_on: &str) -> String {
    let res = app
        .post(
            &format!("/api/v1/plans/{plan_id}/meetings"),
            token,
            &json!({"held_on": held_on}),
        )
        .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let body: Value = res.json().await.unwrap();
    body["id"].as_str().unwrap().to_string()
}

async fn attendance(
    app: &TestApp,
    token: &str,
    meeting_id: &str,
    entries: Value,
) -> reqwest::Response {
    app.send_json(
        Method::PUT,
        &format!("/api/v1/meetings/{meeting_id}/attendance"),
        token,
        &json!({"attendance": entries}),
    )
    .await
}

async fn agency_of(app: &TestApp, user_id: &str) -> String {
    let id = user_id.to_string();
    app.store
        .read(move |c| {
            Ok(coregroup::store::accounts::get_user(c, &id)?
                .unwrap()
                .agency_id
                .unwrap())
        })
        .await
        .unwrap()
}

on_both! {
    async fn gaps_by_agency_and_their_escalation(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Wren", "2016-06-06", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        for who in [&w.teacher, &w.health_visitor] {
            join(&app, &w, &p, who, "2026-01-05").await;
        }
        let school = agency_of(&app, &w.teacher.id).await;
        let health = agency_of(&app, &w.health_visitor.id).await;

        let first = meeting(&app, &w.lead.token, &p, "2026-01-15").await;
        let res = attendance(&app, &w.lead.token, &first, json!([
            {"user_id": w.lead.id, "status": "attended"},
            {"user_id": w.teacher.id, "status": "attended"},
            {"user_id": w.health_visitor.id, "status": "apologies", "contribution": "Weight and development on track"},
        ])).await;
        assert_eq!(res.status(), 200);
        // A police officer joins after the first meeting: not counted as absent from it.
        join(&app, &w, &p, &w.police, "2026-02-01").await;
        let police = agency_of(&app, &w.police.id).await;
        let second = meeting(&app, &w.lead.token, &p, "2026-02-19").await;
        let res = attendance(&app, &w.lead.token, &second, json!([
            {"user_id": w.lead.id, "status": "attended"},
            {"user_id": w.teacher.id, "status": "apologies"},
            {"user_id": w.health_visitor.id, "status": "did_not_attend"},
            {"user_id": w.police.id, "status": "attended"},
        ])).await;
        assert_eq!(res.status(), 200);

        let group: Value = app.get(&format!("/api/v1/plans/{p}/core-group?as_of=2026-02-20"), &w.chair.token).await.json().await.unwrap();
        let meetings = group["meetings"].as_array().unwrap();
        assert_eq!(meetings.len(), 2);
        assert_eq!(meetings[0]["agencies_absent"], json!([health]));
        assert_eq!(meetings[1]["held_on"], "2026-02-19");
        let mut absent: Vec<&str> = meetings[1]["agencies_absent"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
        absent.sort();
        let mut expected = vec![school.as_str(), health.as_str()];
        expected.sort();
        assert_eq!(absent, expected);
        let apologies = meetings[1]["attendance"].as_array().unwrap().iter().find(|a| a["user_id"] == w.teacher.id.as_str()).unwrap();
        assert_eq!(apologies["agency_id"], school.as_str());
        assert_eq!(apologies["status"], "apologies");
        assert!(!meetings[0]["agencies_absent"].as_array().unwrap().contains(&json!(police)));

        let flags = group["flags"].as_array().unwrap();
        assert_eq!(flags.len(), 3, "one per absent agency per meeting: {flags:#?}");
        let health_second = flags.iter().find(|f| f["agency_id"] == health.as_str() && f["meeting_id"] == second.as_str()).unwrap();
        assert_eq!(health_second["code"], "core_group_attendance_gap");
        assert_eq!(health_second["consecutive_missed"], 2);
        assert_eq!(health_second["severity"], "high");
        let school_second = flags.iter().find(|f| f["agency_id"] == school.as_str()).unwrap();
        assert_eq!((school_second["consecutive_missed"].as_u64(), school_second["severity"].as_str()), (Some(1), Some("medium")));

        // Only meetings held by as_of count.
        let early: Value = app.get(&format!("/api/v1/plans/{p}/core-group?as_of=2026-02-01"), &w.chair.token).await.json().await.unwrap();
        assert_eq!(early["meetings"].as_array().unwrap().len(), 1);
        // The child's status carries the latest meeting's gaps, and the first core group was on time.
        let status: Value = app.get(&format!("/api/v1/children/{c}/status?as_of=2026-02-20"), &w.chair.token).await.json().await.unwrap();
        let codes: Vec<&str> = status["flags"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
        assert_eq!(codes.iter().filter(|c| **c == "core_group_attendance_gap").count(), 2);
        assert!(!codes.contains(&"first_core_group_due"));
    }

    async fn attendance_is_checked(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Xan", "2016-06-06", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        let m = meeting(&app, &w.lead.token, &p, "2026-01-15").await;
        // Not a member of the core group that day.
        let body = problem(attendance(&app, &w.lead.token, &m, json!([
            {"user_id": w.lead.id, "status": "attended"}, {"user_id": w.teacher.id, "status": "attended"}])).await, 422).await;
        assert_eq!(blamed_fields(&body), ["attendance[1].user_id"]);
        let body = problem(attendance(&app, &w.lead.token, &m, json!([{"user_id": w.lead.id, "status": "asleep"}])).await, 400).await;
        assert_eq!(blamed_fields(&body), ["attendance[0].status"]);
        let body = problem(attendance(&app, &w.lead.token, &m, json!([
            {"user_id": w.lead.id, "status": "attended", "contribution": "x"}])).await, 422).await;
        assert_eq!(blamed_fields(&body), ["attendance[0].contribution"]);
        // A meeting ahead is scheduled; attendance waits until it is held.
        let ahead = (chrono::Utc::now().date_naive() + chrono::Duration::days(10)).to_string();
        let later = meeting(&app, &w.lead.token, &p, &ahead).await;
        problem(attendance(&app, &w.lead.token, &later, json!([{"user_id": w.lead.id, "status": "attended"}])).await, 422).await;
        // Dates outside the plan, and urgent meetings chaired by anyone but a team manager.
        let body = problem(app.post(&format!("/api/v1/plans/{p}/meetings"), &w.lead.token, &json!({"held_on": "2025-12-01"})).await, 422).await;
        assert_eq!(blamed_fields(&body), ["held_on"]);
        let body = problem(app.post(&format!("/api/v1/plans/{p}/meetings"), &w.lead.token, &json!({"held_on": "2026-02-01", "urgent": true, "chair_id": w.lead.id})).await, 422).await;
        assert_eq!(blamed_fields(&body), ["chair_id"]);
        let res = app.post(&format!("/api/v1/plans/{p}/meetings"), &w.lead.token, &json!({"held_on": "2026-02-01", "urgent": true, "chair_id": w.manager.id})).await;
        assert_eq!(res.status(), 201);
        // Members read; practitioners outside the group and chairs do not write.
        problem(app.post(&format!("/api/v1/plans/{p}/meetings"), &w.chair.token, &json!({"held_on": "2026-02-02"})).await, 403).await;
        problem(app.get(&format!("/api/v1/plans/{p}/core-group"), &w.other_teacher.token).await, 404).await;
    }
}
