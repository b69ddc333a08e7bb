//! A caller's own drafts, and withdrawing one: kept for the audit trail, counted for nothing,
//! shown to nobody but its author.

use coregroup::domain::people::{AgencyKind, Role};
use reqwest::Method;
use serde_json::{json, Value};

use crate::cases::{child, join, person, plan, sighting, world, Person};
use crate::harness::{blamed_fields, problem, without_known_at, TestApp};
use crate::on_both;

/// Records a draft as `who` and answers its id.
async fn draft(app: &TestApp, who: &Person, child_id: &str, at: &str) -> String {
    let mut body = sighting(child_id, at, "school_contact", "school", "seen");
    body["status"] = json!("draft");
    let res = app.post("/api/v1/sightings", &who.token, &body).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn my_drafts(app: &TestApp, who: &Person) -> Vec<Value> {
    let res = app.get("/api/v1/me/drafts", &who.token).await;
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn ids(items: &[Value]) -> Vec<&str> {
    items.iter().map(|i| i["id"].as_str().unwrap()).collect()
}

async fn withdraw(app: &TestApp, who: &Person, id: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/sightings/{id}/withdraw")))
        .bearer_auth(&who.token)
        .send()
        .await
        .unwrap()
}

async fn read(app: &TestApp, who: &Person, id: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/sightings/{id}"), &who.token)
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn status(app: &TestApp, who: &Person, child_id: &str, as_of: &str) -> Value {
    let res = app
        .get(
            &format!("/api/v1/children/{child_id}/status?as_of={as_of}"),
            &who.token,
        )
        .await;
    assert_eq!(res.status(), 200);
    without_known_at(res.json().await.unwrap())
}

fn late_recording(status: &Value) -> Option<&Value> {
    status["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "late_recording")
}

on_both! {
    async fn my_drafts_are_mine_alone_newest_first(app) {
        let w = world(&app).await;
        let robin = child(&app, &w, "Robin", "2017-02-02", None).await;
        let sky = child(&app, &w, "Sky", "2016-03-03", None).await;
        for c in [&robin, &sky] {
            let p = plan(&app, &w, c, "2026-01-05").await;
            join(&app, &w, &p, &w.teacher, "2026-01-05").await;
        }
        let first = draft(&app, &w.teacher, &robin, "2026-01-12T10:00:00Z").await;
        let latest = draft(&app, &w.teacher, &sky, "2026-01-14T10:00:00Z").await;
        let middle = draft(&app, &w.teacher, &robin, "2026-01-13T10:00:00Z").await;
        // Not drafts: a final record, and a draft since withdrawn.
        let res = app.post("/api/v1/sightings", &w.teacher.token, &sighting(&robin, "2026-01-15T10:00:00Z", "school_contact", "school", "seen")).await;
        assert_eq!(res.status(), 201);
        let withdrawn = draft(&app, &w.teacher, &robin, "2026-01-16T10:00:00Z").await;
        assert_eq!(withdraw(&app, &w.teacher, &withdrawn).await.status(), 200);
        // Someone else's draft about the same child.
        let leads = draft(&app, &w.lead, &robin, "2026-01-17T10:00:00Z").await;

        let mine = my_drafts(&app, &w.teacher).await;
        assert_eq!(ids(&mine), [latest.as_str(), middle.as_str(), first.as_str()]);
        assert_eq!(mine[0]["child_name"], "Sky Example");
        assert_eq!(mine[0]["child_id"], sky.as_str());
        assert_eq!(mine[1]["child_name"], "Robin Example");
        assert!(mine.iter().all(|d| d["status"] == "draft" && d["author_id"] == w.teacher.id.as_str()));
        assert_eq!(ids(&my_drafts(&app, &w.lead).await), [leads.as_str()]);
        // Seeing everything does not make anyone else's drafts theirs.
        assert!(my_drafts(&app, &w.auditor).await.is_empty());
        assert!(my_drafts(&app, &w.manager).await.is_empty());

        // Showing the list is a read of each child it named, in the child's access log.
        for c in [&robin, &sky] {
            let log: Value = app.get(&format!("/api/v1/children/{c}/access-log"), &w.manager.token).await.json().await.unwrap();
            assert!(log["items"].as_array().unwrap().iter().any(|e| e["user_id"] == w.teacher.id.as_str() && e["action"] == "read_my_drafts" && e["outcome"] == "ok"), "{log:#}");
        }
    }

    async fn a_draft_about_a_child_out_of_reach_is_not_listed(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Ivy", "2016-06-06", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        let member = join(&app, &w, &p, &w.teacher, "2026-01-05").await;
        let id = draft(&app, &w.teacher, &c, "2026-01-14T10:00:00Z").await;
        assert_eq!(ids(&my_drafts(&app, &w.teacher).await), [id.as_str()]);
        // The teacher leaves the core group: the draft stays theirs, but neither it nor the
        // child's name is shown to them any more.
        let res = app.send_json(Method::PATCH, &format!("/api/v1/plans/{p}/members/{member}"), &w.lead.token, &json!({"until": "2026-02-01"})).await;
        assert_eq!(res.status(), 204, "{:?}", res.text().await);
        let res = app.get("/api/v1/me/drafts", &w.teacher.token).await;
        assert_eq!(res.status(), 200);
        let text = res.text().await.unwrap();
        assert!(!text.contains("Ivy") && !text.contains(&id), "{text}");
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["items"], json!([]));
    }

    async fn the_author_withdraws_a_draft_which_then_counts_for_nothing(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Robin", "2017-02-02", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        join(&app, &w, &p, &w.teacher, "2026-01-05").await;
        let id = draft(&app, &w.teacher, &c, "2026-01-12T10:00:00Z").await;
        // As at the 20th the draft is not a sighting; a school's record is not held to the
        // social-care 48 hours (seed 004).
        let before = status(&app, &w.lead, &c, "2026-01-20").await;
        assert_eq!(before["any_agency"]["last_seen"], Value::Null);
        assert!(late_recording(&before).is_none(), "{before}");

        let res = withdraw(&app, &w.teacher, &id).await;
        assert_eq!(res.status(), 200);
        let withdrawn: Value = res.json().await.unwrap();
        assert_eq!(withdrawn["id"], id.as_str());
        assert_eq!(withdrawn["status"], "withdrawn");
        assert!(withdrawn["withdrawn_at"].is_string(), "{withdrawn}");
        assert_eq!(withdrawn["finalised_at"], Value::Null);
        // Kept, and read by its author alone.
        assert_eq!(read(&app, &w.teacher, &id).await, withdrawn);
        problem(app.get(&format!("/api/v1/sightings/{id}"), &w.lead.token).await, 404).await;
        assert!(my_drafts(&app, &w.teacher).await.is_empty());
        // It did not count before and does not now: as at the 20th nothing has changed (it
        // was late until withdrawn, today).
        assert_eq!(status(&app, &w.lead, &c, "2026-01-20").await, before);
        // Nobody's chronology shows it, its author's included.
        for who in [&w.teacher, &w.lead, &w.auditor] {
            let chronology: Value = app.get(&format!("/api/v1/children/{c}/chronology"), &who.token).await.json().await.unwrap();
            assert!(!chronology.to_string().contains(&id), "{chronology:#}");
        }
        let log: Value = app.get(&format!("/api/v1/children/{c}/access-log"), &w.manager.token).await.json().await.unwrap();
        assert!(log["items"].as_array().unwrap().iter().any(|e| e["user_id"] == w.teacher.id.as_str() && e["action"] == "withdraw_sighting" && e["outcome"] == "ok"), "{log:#}");
    }

    async fn a_late_draft_stops_being_late_when_withdrawn(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Wren", "2015-04-04", None).await;
        plan(&app, &w, &c, "2026-01-05").await;
        let tz = chrono_tz::Europe::London;
        let now = chrono::Utc::now();
        let today = now.with_timezone(&tz).date_naive();
        let five_days_ago = (now - chrono::Duration::days(5)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut body = sighting(&c, &five_days_ago, "home_visit", "home", "seen");
        body["status"] = json!("draft");
        let id = app.post("/api/v1/sightings", &w.lead.token, &body).await.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let today = today.to_string();
        assert_eq!(late_recording(&status(&app, &w.manager, &c, &today).await).unwrap()["severity"], "medium");
        assert_eq!(withdraw(&app, &w.lead, &id).await.status(), 200);
        assert!(late_recording(&status(&app, &w.manager, &c, &today).await).is_none());
    }

    async fn a_decision_about_a_withdrawn_draft_is_not_shown_either(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Ash", "2019-05-05", None).await;
        plan(&app, &w, &c, "2026-01-05").await;
        // The team manager drafts a failed home visit, decides on it, then withdraws it.
        let mut body = sighting(&c, "2026-01-14T10:00:00Z", "home_visit", "home", "not_seen");
        body["status"] = json!("draft");
        let id = app.post("/api/v1/sightings", &w.manager.token, &body).await.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let (path, decision) = (format!("/api/v1/sightings/{id}/decision"), json!({"decision": "Visit again tomorrow"}));
        let decide = || app.post(&path, &w.manager.token, &decision);
        assert_eq!(decide().await.status(), 201);
        assert_eq!(withdraw(&app, &w.manager, &id).await.status(), 200);
        let p = problem(decide().await, 409).await;
        assert!(p["detail"].as_str().unwrap().contains("withdrawn"), "{p}");
        for who in [&w.manager, &w.lead, &w.auditor] {
            let chronology: Value = app.get(&format!("/api/v1/children/{c}/chronology"), &who.token).await.json().await.unwrap();
            assert!(!chronology.to_string().contains(&id), "{chronology:#}");
            assert!(!chronology["entries"].as_array().unwrap().iter().any(|e| e["type"] == "manager_decision"), "{chronology:#}");
        }
    }

    async fn nobody_but_the_author_withdraws_a_draft(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Oak", "2017-07-07", None).await;
        plan(&app, &w, &c, "2026-01-05").await;
        let id = draft(&app, &w.lead, &c, "2026-01-14T10:00:00Z").await;
        let before = read(&app, &w.lead, &id).await;
        // A social worker of the same team, who reads the child's record.
        let colleague = person(&app, "colleague@riverside.example", Role::SocialWorker, Some(("Riverside Children's Services", AgencyKind::SocialCare)), Some("Safeguarding and Support")).await;
        assert_eq!(app.get(&format!("/api/v1/children/{c}"), &colleague.token).await.status(), 200);
        let others = [("a colleague", &colleague), ("the team manager", &w.manager), ("an auditor", &w.auditor), ("the CP chair", &w.chair)];
        for (who, other) in &others {
            let on_draft = withdraw(&app, other, &id).await;
            let on_draft = (on_draft.status().as_u16(), on_draft.text().await.unwrap());
            let on_nothing = withdraw(&app, other, "no-such-sighting").await;
            let on_nothing = (on_nothing.status().as_u16(), on_nothing.text().await.unwrap());
            assert_eq!(on_draft.0, 404, "{who}: {}", on_draft.1);
            assert_eq!(on_draft, on_nothing, "{who}");
        }
        assert_eq!(read(&app, &w.lead, &id).await, before, "nothing changed");
        assert_eq!(ids(&my_drafts(&app, &w.lead).await), [id.as_str()]);
        let log: Value = app.get(&format!("/api/v1/children/{c}/access-log"), &w.manager.token).await.json().await.unwrap();
        for (who, other) in &others {
            assert!(log["items"].as_array().unwrap().iter().any(|e| e["user_id"] == other.id.as_str() && e["action"] == "withdraw_sighting" && e["outcome"] == "not_found"), "{who}: {log:#}");
        }
    }

    async fn a_final_or_withdrawn_record_is_not_withdrawn_edited_or_finalised(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Kit", "2016-03-03", None).await;
        plan(&app, &w, &c, "2026-01-05").await;
        let body = sighting(&c, "2026-01-14T10:00:00Z", "home_visit", "home", "seen");
        let final_: Value = app.post("/api/v1/sightings", &w.lead.token, &body).await.json().await.unwrap();
        let final_id = final_["id"].as_str().unwrap();
        let p = problem(withdraw(&app, &w.lead, final_id).await, 409).await;
        assert!(p["detail"].as_str().unwrap().contains("correction"), "{p}");
        assert_eq!(read(&app, &w.lead, final_id).await, final_);
        assert_eq!(status(&app, &w.lead, &c, "2026-01-15").await["home_visit"]["last_visit"], "2026-01-14");

        let id = draft(&app, &w.lead, &c, "2026-01-13T10:00:00Z").await;
        assert_eq!(withdraw(&app, &w.lead, &id).await.status(), 200);
        let withdrawn = read(&app, &w.lead, &id).await;
        let p = problem(withdraw(&app, &w.lead, &id).await, 409).await;
        assert!(p["detail"].as_str().unwrap().contains("already been withdrawn"), "{p}");
        // Neither edited, finalised nor corrected: it stays as it was withdrawn.
        let mut edit = sighting(&c, "2026-01-13T10:00:00Z", "school_contact", "school", "seen");
        edit["status"] = json!("draft");
        let p = problem(app.send_json(Method::PUT, &format!("/api/v1/sightings/{id}"), &w.lead.token, &edit).await, 409).await;
        assert!(p["detail"].as_str().unwrap().contains("withdrawn"), "{p}");
        let res = app.client.post(app.url(&format!("/api/v1/sightings/{id}/finalise"))).bearer_auth(&w.lead.token).send().await.unwrap();
        let p = problem(res, 409).await;
        assert!(p["detail"].as_str().unwrap().contains("withdrawn"), "{p}");
        let mut fix = edit.clone();
        fix["reason"] = json!("Wrong child");
        problem(app.post(&format!("/api/v1/sightings/{id}/corrections"), &w.lead.token, &fix).await, 409).await;
        assert_eq!(read(&app, &w.lead, &id).await, withdrawn);

        // A record is never made withdrawn.
        let mut born_withdrawn = body.clone();
        born_withdrawn["status"] = json!("withdrawn");
        let p = problem(app.post("/api/v1/sightings", &w.lead.token, &born_withdrawn).await, 422).await;
        assert_eq!(blamed_fields(&p), ["status"]);
    }
}
