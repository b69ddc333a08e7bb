//! Minutes that reach every member, actions and their owners, review conferences, and the
//! CP chair's view of how a plan is carried out (seed 002).

use chrono::{Datelike, Days, Utc, Weekday};
use reqwest::Method;
use serde_json::{json, Value};

use crate::cases::{child, join, person, plan, world, World};
use crate::harness::{blamed_fields, problem, TestApp};
use crate::on_both;
use coregroup::domain::people::{AgencyKind, Role};

async fn meeting(
    app: &TestApp,
    w: &World,
    plan_id: &str,
    held_on: &str,
    attendance: Value,
) -> String {
    let res = app
        .post(
            &format!("/api/v1/plans/{plan_id}/meetings"),
            &w.lead.token,
            &json!({"held_on": held_on}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/meetings/{id}/attendance"),
            &w.lead.token,
            &json!({"attendance": attendance}),
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    id
}

/// Sends a request with `If-Match`.
async fn with_version(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    version: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("If-Match", version);
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

fn etag(res: &reqwest::Response) -> String {
    res.headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string()
}

fn today() -> chrono::NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}

/// The date `n` weekdays after today (enough past any bank holiday for a due date 5
/// working days out when n ≥ 10).
fn weekdays_ahead(n: u32) -> String {
    let mut d = today();
    let mut left = n;
    while left > 0 {
        d = d + Days::new(1);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d.to_string()
}

fn codes(status: &Value) -> Vec<String> {
    status["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

on_both! {
    async fn minutes_reach_every_member_absent_ones_too_and_are_acknowledged(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Ash", "2015-05-05", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        join(&app, &w, &p, &w.teacher, "2026-01-05").await;
        join(&app, &w, &p, &w.health_visitor, "2026-01-05").await;
        let m = meeting(&app, &w, &p, "2026-01-15", json!([
            {"user_id": w.lead.id, "status": "attended"},
            {"user_id": w.teacher.id, "status": "attended"},
            {"user_id": w.health_visitor.id, "status": "did_not_attend"},
        ])).await;
        // The police officer joins after the meeting: the minutes are not theirs.
        join(&app, &w, &p, &w.police, "2026-02-01").await;

        // Only the chair or the lead social worker write minutes.
        problem(app.post(&format!("/api/v1/meetings/{m}/minutes"), &w.teacher.token, &json!({"body": "x"})).await, 403).await;
        let body = problem(app.post(&format!("/api/v1/meetings/{m}/minutes"), &w.lead.token, &json!({"body": "  "})).await, 422).await;
        assert_eq!(blamed_fields(&body), ["body"]);
        let res = app.post(&format!("/api/v1/meetings/{m}/minutes"), &w.lead.token, &json!({"body": "Attendance discussed."})).await;
        assert_eq!(res.status(), 201);
        assert_eq!(etag(&res), "\"1\"");
        let draft: Value = res.json().await.unwrap();
        let id = draft["id"].as_str().unwrap().to_string();
        assert_eq!(draft["status"], "draft");
        problem(app.post(&format!("/api/v1/meetings/{m}/minutes"), &w.lead.token, &json!({"body": "again"})).await, 409).await;

        // A draft is not shown to members.
        problem(app.get(&format!("/api/v1/minutes/{id}"), &w.health_visitor.token).await, 404).await;
        let listed: Value = app.get(&format!("/api/v1/meetings/{m}/minutes"), &w.health_visitor.token).await.json().await.unwrap();
        assert_eq!(listed["items"], json!([]));

        // Drafts are versioned: a stale write is refused and changes nothing.
        let path = format!("/api/v1/minutes/{id}");
        let res = with_version(&app, Method::PUT, &path, &w.lead.token, "\"1\"", Some(json!({"body": "Attendance and school reports discussed."}))).await;
        assert_eq!(res.status(), 200);
        assert_eq!(etag(&res), "\"2\"");
        let res = with_version(&app, Method::PUT, &path, &w.manager.token, "\"1\"", Some(json!({"body": "Overwritten."}))).await;
        problem(res, 412).await;
        let res = app.send_json(Method::PUT, &path, &w.lead.token, &json!({"body": "No version."})).await;
        problem(res, 428).await;
        let now: Value = app.get(&path, &w.lead.token).await.json().await.unwrap();
        assert_eq!(now["body"], "Attendance and school reports discussed.");
        assert_eq!(now["version"], 2);

        // Publication sends them to every member of that day, the absent health visitor too.
        problem(with_version(&app, Method::POST, &format!("{path}/publish"), &w.lead.token, "\"1\"", None).await, 412).await;
        let res = with_version(&app, Method::POST, &format!("{path}/publish"), &w.lead.token, "\"2\"", None).await;
        assert_eq!(res.status(), 200);
        let published: Value = res.json().await.unwrap();
        assert_eq!(published["status"], "published");
        let mut sent: Vec<&str> = published["receipts"].as_array().unwrap().iter().map(|r| r["user_id"].as_str().unwrap()).collect();
        sent.sort();
        let mut expected = vec![w.lead.id.as_str(), w.teacher.id.as_str(), w.health_visitor.id.as_str()];
        expected.sort();
        assert_eq!(sent, expected);
        // Never edited after publication; an addendum is a new document.
        problem(with_version(&app, Method::PUT, &path, &w.lead.token, "\"3\"", Some(json!({"body": "Changed."}))).await, 409).await;
        problem(with_version(&app, Method::POST, &format!("{path}/publish"), &w.lead.token, "\"3\"", None).await, 409).await;
        // The database itself refuses to change or remove them, whatever the code does.
        for sql in [format!("UPDATE minutes SET body = 'tampered' WHERE id = '{id}'"), format!("DELETE FROM minutes WHERE id = '{id}'")] {
            let refused = app.store.write(move |c| {
                use diesel::RunQueryDsl;
                diesel::sql_query(sql).execute(c)?;
                Ok(())
            }).await;
            assert!(refused.is_err(), "the database let published minutes change");
        }
        let res = app.post(&format!("/api/v1/meetings/{m}/minutes"), &w.lead.token, &json!({"body": "Correction: the nursery place starts in March.", "addendum_to": id})).await;
        assert_eq!(res.status(), 201);
        let addendum: Value = res.json().await.unwrap();
        assert_eq!(addendum["addendum_to"], id.as_str());
        // The same statement on a draft goes through: the refusal above was the trigger's.
        let draft_id = addendum["id"].as_str().unwrap().to_string();
        app.store.write(move |c| {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!("UPDATE minutes SET body = 'Correction: the nursery place starts in April.' WHERE id = '{draft_id}'")).execute(c)?;
            Ok(())
        }).await.unwrap();

        // The absent member reads and acknowledges them, and sees only their own receipt.
        let theirs: Value = app.get(&path, &w.health_visitor.token).await.json().await.unwrap();
        assert_eq!(theirs["receipts"].as_array().unwrap().len(), 1);
        assert_eq!(theirs["all_receipts"], false);
        let res = app.post(&format!("{path}/acknowledge"), &w.health_visitor.token, &json!({})).await;
        assert_eq!(res.status(), 200);
        let receipt: Value = res.json().await.unwrap();
        assert_eq!(receipt["acknowledged_on"], today().to_string());
        // Not sent to a later member, and hidden from an outsider.
        problem(app.post(&format!("{path}/acknowledge"), &w.police.token, &json!({})).await, 403).await;
        problem(app.post(&format!("{path}/acknowledge"), &w.other_teacher.token, &json!({})).await, 404).await;

        // The chair sees who has not read them.
        let chair_view: Value = app.get(&path, &w.chair.token).await.json().await.unwrap();
        let mut unread: Vec<&str> = chair_view["not_acknowledged"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
        unread.sort();
        let mut expected = vec![w.lead.id.as_str(), w.teacher.id.as_str()];
        expected.sort();
        assert_eq!(unread, expected);

        // Unread past 5 working days after publication: flagged for each, not for the reader.
        let later = weekdays_ahead(10);
        let status: Value = app.get(&format!("/api/v1/children/{c}/status?as_of={later}"), &w.chair.token).await.json().await.unwrap();
        let unread_flags: Vec<&Value> = status["flags"].as_array().unwrap().iter().filter(|f| f["code"] == "minutes_not_acknowledged").collect();
        assert_eq!(unread_flags.len(), 2, "{unread_flags:#?}");
        assert!(unread_flags.iter().all(|f| f["subject"]["user_id"] != w.health_visitor.id.as_str()));
        // Published today, for a meeting in January: distributed late, which the chair's view shows.
        let done: Value = app.get(&format!("/api/v1/plans/{p}/implementation"), &w.chair.token).await.json().await.unwrap();
        let first = &done["meetings"][0];
        assert_eq!(first["on_time"], true, "held within 10 working days of the start");
        assert_eq!(first["minutes"]["distributed_on_time"], false);
        assert_eq!(first["minutes"]["acknowledged_on_time"], json!([w.health_visitor.id]));
        assert_eq!(first["agencies_absent"].as_array().unwrap().len(), 1);

        // The child's chronology carries the meeting and the minutes sent (not the draft).
        let chronology: Value = app.get(&format!("/api/v1/children/{c}/chronology"), &w.teacher.token).await.json().await.unwrap();
        let kinds: Vec<&str> = chronology["entries"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert!(kinds.contains(&"core_group_meeting"));
        assert_eq!(kinds.iter().filter(|k| **k == "minutes_published").count(), 1, "the addendum is still a draft");
    }

    async fn actions_are_owned_updated_without_lost_updates_and_flag_when_late(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Bay", "2015-05-05", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        join(&app, &w, &p, &w.teacher, "2026-01-05").await;
        join(&app, &w, &p, &w.health_visitor, "2026-01-05").await;
        let m = meeting(&app, &w, &p, "2026-01-15", json!([{"user_id": w.lead.id, "status": "attended"}])).await;

        // The owner is a member; the action is their agency's.
        let body = problem(app.post(&format!("/api/v1/plans/{p}/actions"), &w.lead.token, &json!({"description": "x", "owner_id": w.other_teacher.id, "due_on": "2026-02-01"})).await, 422).await;
        assert_eq!(blamed_fields(&body), ["owner_id"]);
        problem(app.post(&format!("/api/v1/plans/{p}/actions"), &w.teacher.token, &json!({"description": "x", "owner_id": w.teacher.id, "due_on": "2026-02-01"})).await, 403).await;
        let res = app.post(&format!("/api/v1/plans/{p}/actions"), &w.lead.token, &json!({"description": "Share attendance records weekly", "owner_id": w.teacher.id, "due_on": "2026-02-01", "meeting_id": m})).await;
        assert_eq!(res.status(), 201);
        assert_eq!(etag(&res), "\"1\"");
        let action: Value = res.json().await.unwrap();
        let id = action["id"].as_str().unwrap().to_string();
        assert_eq!(action["overdue"], true);
        let on_time = app.post(&format!("/api/v1/plans/{p}/actions"), &w.lead.token, &json!({"description": "Book a health review", "owner_id": w.health_visitor.id, "due_on": "2026-03-01"})).await;
        assert_eq!(on_time.status(), 201);

        // Past its due date and open: flagged for the owner, seen by the chair.
        let status: Value = app.get(&format!("/api/v1/children/{c}/status"), &w.chair.token).await.json().await.unwrap();
        assert_eq!(codes(&status).iter().filter(|c| *c == "action_overdue").count(), 2);
        let was: Value = app.get(&format!("/api/v1/children/{c}/status?as_of=2026-02-02"), &w.chair.token).await.json().await.unwrap();
        assert_eq!(codes(&was).iter().filter(|c| *c == "action_overdue").count(), 1);
        let mine: Value = app.get("/api/v1/me/actions", &w.teacher.token).await.json().await.unwrap();
        assert_eq!(mine["items"].as_array().unwrap().len(), 1);
        assert_eq!(mine["items"][0]["child_id"], c.as_str());

        // Progress notes are the owner's; only the lead reshapes or cancels.
        problem(app.post(&format!("/api/v1/actions/{id}/progress"), &w.health_visitor.token, &json!({"note": "x"})).await, 403).await;
        let res = app.post(&format!("/api/v1/actions/{id}/progress"), &w.teacher.token, &json!({"note": "Attendance 82% this half term."})).await;
        assert_eq!(res.status(), 201);
        let path = format!("/api/v1/actions/{id}");
        problem(with_version(&app, Method::PATCH, &path, &w.teacher.token, "\"1\"", Some(json!({"due_on": "2026-12-01"}))).await, 403).await;
        problem(with_version(&app, Method::PATCH, &path, &w.health_visitor.token, "\"1\"", Some(json!({"status": "done"}))).await, 403).await;
        let body = problem(with_version(&app, Method::PATCH, &path, &w.lead.token, "\"1\"", Some(json!({"due_on": "2024-01-01"}))).await, 422).await;
        assert_eq!(blamed_fields(&body), ["due_on"]);

        // Two people change the same version at once: one wins, the other gets 412.
        let (a, b) = futures_util::future::join(
            with_version(&app, Method::PATCH, &path, &w.teacher.token, "\"1\"", Some(json!({"status": "done"}))),
            with_version(&app, Method::PATCH, &path, &w.lead.token, "\"1\"", Some(json!({"description": "Share attendance records every Friday"}))),
        ).await;
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 412]);
        let after: Value = app.get(&path, &w.teacher.token).await.json().await.unwrap();
        assert_eq!(after["version"], 2);
        assert_eq!(after["progress"].as_array().unwrap().len(), 1);
        let teacher_won = after["status"] == "done";
        assert_eq!(after["description"] == "Share attendance records weekly", teacher_won, "exactly one change landed: {after}");

        // Done: the flag clears (and stays in the record as of a past date).
        if !teacher_won {
            let res = with_version(&app, Method::PATCH, &path, &w.teacher.token, "\"2\"", Some(json!({"status": "done"}))).await;
            assert_eq!(res.status(), 200);
        }
        let status: Value = app.get(&format!("/api/v1/children/{c}/status"), &w.chair.token).await.json().await.unwrap();
        assert_eq!(codes(&status).iter().filter(|c| *c == "action_overdue").count(), 1);
        let was: Value = app.get(&format!("/api/v1/children/{c}/status?as_of=2026-02-02"), &w.chair.token).await.json().await.unwrap();
        assert_eq!(codes(&was).iter().filter(|c| *c == "action_overdue").count(), 1);
        let mine: Value = app.get("/api/v1/me/actions", &w.teacher.token).await.json().await.unwrap();
        assert_eq!(mine["items"][0]["status"], "done");
        let chronology: Value = app.get(&format!("/api/v1/children/{c}/chronology"), &w.teacher.token).await.json().await.unwrap();
        let kinds: Vec<&str> = chronology["entries"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!((kinds.iter().filter(|k| **k == "action_set").count(), kinds.iter().filter(|k| **k == "action_done").count()), (2, 1));

        // The chair's view: actions by agency, the late ones named.
        let done: Value = app.get(&format!("/api/v1/plans/{p}/implementation"), &w.chair.token).await.json().await.unwrap();
        let overdue: Vec<&str> = done["overdue_actions"].as_array().unwrap().iter().map(|a| a["owner_id"].as_str().unwrap()).collect();
        assert_eq!(overdue, [w.health_visitor.id.as_str()]);
        let school = done["actions_by_agency"].as_array().unwrap().iter().find(|a| a["total"] == 1 && a["done"] == 1).unwrap();
        assert_eq!(school["done_on_time"], 0, "done after its due date");
        problem(app.get(&format!("/api/v1/plans/{p}/implementation"), &w.teacher.token).await, 403).await;
        let chaired: Value = app.get("/api/v1/chair/plans", &w.chair.token).await.json().await.unwrap();
        let line = chaired["plans"].as_array().unwrap().iter().find(|l| l["plan_id"] == p.as_str()).unwrap();
        assert_eq!(line["overdue_actions_by_agency"].as_array().unwrap().len(), 1);
        assert_eq!(line["overdue_actions_by_agency"][0]["agency_name"], "Riverside Community Health");
        assert_eq!(line["absent_at_last_meeting"].as_array().unwrap().len(), 2, "{line}");
        let theirs: Value = app.get("/api/v1/chair/plans", &w.other_chair.token).await.json().await.unwrap();
        assert_eq!(theirs["plans"], json!([]));
    }

    async fn an_agency_is_present_when_one_of_its_members_attends(app) {
        let w = world(&app).await;
        let second_teacher = person(&app, "senco@millbrook.example", Role::Practitioner, Some(("Millbrook Primary", AgencyKind::School)), None).await;
        let c = child(&app, &w, "Cal", "2015-05-05", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        join(&app, &w, &p, &w.teacher, "2026-01-05").await;
        join(&app, &w, &p, &second_teacher, "2026-01-05").await;
        meeting(&app, &w, &p, "2026-01-15", json!([
            {"user_id": w.lead.id, "status": "attended"},
            {"user_id": w.teacher.id, "status": "apologies"},
            {"user_id": second_teacher.id, "status": "attended"},
        ])).await;
        meeting(&app, &w, &p, "2026-02-20", json!([
            {"user_id": w.lead.id, "status": "attended"},
            {"user_id": w.teacher.id, "status": "apologies"},
            {"user_id": second_teacher.id, "status": "did_not_attend"},
        ])).await;
        let group: Value = app.get(&format!("/api/v1/plans/{p}/core-group"), &w.chair.token).await.json().await.unwrap();
        assert_eq!(group["meetings"][0]["agencies_absent"], json!([]));
        assert_eq!(group["meetings"][1]["agencies_absent"].as_array().unwrap().len(), 1);
        assert_eq!(group["flags"][0]["consecutive_missed"], 1, "the school attended the first");
        let rate = group["attendance_by_agency"].as_array().unwrap().iter().find(|a| a["agency_name"] == "Millbrook Primary").unwrap();
        assert_eq!((rate["meetings"].as_u64(), rate["attended"].as_u64(), rate["attendance_pct"].as_f64()), (Some(2), Some(1), Some(50.0)));
        // Attendance rate per agency over the plan.
        let done: Value = app.get(&format!("/api/v1/plans/{p}/implementation"), &w.chair.token).await.json().await.unwrap();
        let school = done["attendance_by_agency"].as_array().unwrap().iter().find(|a| a["agency_name"] == "Millbrook Primary").unwrap();
        assert_eq!((school["meetings"].as_u64(), school["attended"].as_u64(), school["attendance_pct"].as_f64()), (Some(2), Some(1), Some(50.0)));
        // The second meeting was 36 days after the first: on time.
        assert_eq!(done["meetings"][1]["on_time"], true);
        assert_eq!(done["meetings"][1]["due"], "2026-02-26");
    }

    async fn reviews_are_due_by_months_and_a_plan_can_end_at_one(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Dee", "2015-05-05", None).await;
        let p = plan(&app, &w, &c, "2026-01-31").await;
        join(&app, &w, &p, &w.teacher, "2026-01-31").await;
        let path = format!("/api/v1/plans/{p}/reviews");
        let reviews: Value = app.get(&path, &w.lead.token).await.json().await.unwrap();
        assert_eq!(reviews["next_review_due"], "2026-04-30", "31 January + 3 months");
        let status: Value = app.get(&format!("/api/v1/children/{c}/status?as_of=2026-05-01"), &w.chair.token).await.json().await.unwrap();
        assert!(codes(&status).contains(&"review_conference_due".to_string()));

        problem(app.post(&path, &w.teacher.token, &json!({"held_on": "2026-04-30", "outcome": "plan_continues"})).await, 403).await;
        let body = problem(app.post(&path, &w.chair.token, &json!({"held_on": "2026-04-30", "outcome": "plan_continues", "end_reason": "other"})).await, 422).await;
        assert_eq!(blamed_fields(&body), ["end_reason"]);
        let res = app.post(&path, &w.chair.token, &json!({"held_on": "2026-04-30", "outcome": "plan_continues"})).await;
        assert_eq!(res.status(), 201);
        let reviews: Value = res.json().await.unwrap();
        assert_eq!(reviews["next_review_due"], "2026-10-30", "then at most every 6 months");
        let status: Value = app.get(&format!("/api/v1/children/{c}/status?as_of=2026-05-01"), &w.chair.token).await.json().await.unwrap();
        assert!(!codes(&status).contains(&"review_conference_due".to_string()));

        // The plan ends at the second review: a step down to child in need.
        let res = app.post(&path, &w.lead.token, &json!({"held_on": "2026-10-29", "outcome": "plan_ends", "notes": "Step down agreed."})).await;
        assert_eq!(res.status(), 201);
        let ended: Value = res.json().await.unwrap();
        assert_eq!((ended["end_date"].as_str(), ended["end_reason"].as_str()), (Some("2026-10-29"), Some("step_down_to_cin")));
        assert_eq!(ended["next_review_due"], Value::Null);
        assert_eq!(ended["reviews"].as_array().unwrap().len(), 2);
        let body = problem(app.post(&path, &w.lead.token, &json!({"held_on": "2026-11-02", "outcome": "plan_continues"})).await, 422).await;
        assert_eq!(blamed_fields(&body), ["plan_id"]);
        let chronology: Value = app.get(&format!("/api/v1/children/{c}/chronology"), &w.lead.token).await.json().await.unwrap();
        let kinds: Vec<&str> = chronology["entries"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(kinds.iter().filter(|k| **k == "review_conference").count(), 2);
        assert!(kinds.contains(&"plan_ended"));
    }
}
