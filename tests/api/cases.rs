//! Children, plans, core groups and sightings from every agency, through HTTP.

use coregroup::domain::people::{AgencyKind, Role};
use coregroup::services::admin::{self as accounts, UserRequest};
use coregroup::store::accounts as store;
use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{blamed_fields, problem, TestApp, PASSWORD};
use crate::on_both;

/// A signed-in person of the fictional Riverside core group.
pub struct Person {
    pub id: String,
    pub token: String,
}

pub struct World {
    pub team_id: String,
    pub lead: Person,
    pub manager: Person,
    pub chair: Person,
    pub teacher: Person,
    pub health_visitor: Person,
    pub police: Person,
    pub auditor: Person,
    pub admin: Person,
    /// A social worker of another team.
    pub other_worker: Person,
    /// A team manager of another team.
    pub other_manager: Person,
    /// A second CP chair, who chairs nothing here.
    pub other_chair: Person,
    /// A teacher who is on no core group.
    pub other_teacher: Person,
}

pub async fn person(
    app: &TestApp,
    email: &str,
    role: Role,
    agency: Option<(&str, AgencyKind)>,
    team: Option<&str>,
) -> Person {
    let (email_owned, agency, team) = (
        email.to_string(),
        agency.map(|(n, k)| (n.to_string(), k)),
        team.map(String::from),
    );
    let id = app
        .store
        .write(move |c| {
            let agency_id = match &agency {
                Some((name, kind)) => Some(match store::find_agency_by_name(c, name)? {
                    Some(a) => a.id,
                    None => store::create_agency(c, name, *kind)?.id,
                }),
                None => None,
            };
            let team_id = match (&team, &agency_id) {
                (Some(t), Some(a)) => Some(match store::find_team_by_name(c, a, t)? {
                    Some(found) => found.id,
                    None => store::create_team(c, a, t)?.id,
                }),
                _ => None,
            };
            let request = UserRequest {
                email: email_owned,
                name: "Test Person".into(),
                password: PASSWORD.into(),
                role,
                agency_id,
                team_id,
            };
            let hash = accounts::prepare(&request)
                .map_err(|e| coregroup::store::StoreError::Invalid(e.to_string()))?;
            Ok(accounts::create(c, request, hash)
                .map_err(|e| coregroup::store::StoreError::Invalid(e.to_string()))?
                .id)
        })
        .await
        .unwrap();
    let res = app.login_response(email, PASSWORD).await;
    let body: Value = res.json().await.unwrap();
    Person {
        id,
        token: body["access_token"].as_str().unwrap().to_string(),
    }
}

pub async fn world(app: &TestApp) -> World {
    let council = Some(("Riverside Children's Services", AgencyKind::SocialCare));
    let lead = person(
        app,
        "lead@riverside.example",
        Role::SocialWorker,
        council,
        Some("Safeguarding and Support"),
    )
    .await;
    let manager = person(
        app,
        "manager@riverside.example",
        Role::TeamManager,
        council,
        Some("Safeguarding and Support"),
    )
    .await;
    let other_worker = person(
        app,
        "other@riverside.example",
        Role::SocialWorker,
        council,
        Some("Court Team"),
    )
    .await;
    let other_manager = person(
        app,
        "othermanager@riverside.example",
        Role::TeamManager,
        council,
        Some("Court Team"),
    )
    .await;
    let team_id = {
        let id = lead.id.clone();
        app.store
            .read(move |c| Ok(store::get_user(c, &id)?.unwrap().team_id.unwrap()))
            .await
            .unwrap()
    };
    World {
        team_id,
        lead,
        manager,
        other_worker,
        other_manager,
        other_chair: person(
            app,
            "chair2@riverside.example",
            Role::CpChair,
            Some(("Riverside Safeguarding Unit", AgencyKind::SocialCare)),
            None,
        )
        .await,
        chair: person(
            app,
            "chair@riverside.example",
            Role::CpChair,
            Some(("Riverside Safeguarding Unit", AgencyKind::SocialCare)),
            None,
        )
        .await,
        teacher: person(
            app,
            "teacher@millbrook.example",
            Role::Practitioner,
            Some(("Millbrook Primary", AgencyKind::School)),
            None,
        )
        .await,
        health_visitor: person(
            app,
            "hv@health.example",
            Role::Practitioner,
            Some(("Riverside Community Health", AgencyKind::Health)),
            None,
        )
        .await,
        police: person(
            app,
            "pc@police.example",
            Role::Practitioner,
            Some(("Riverside Police", AgencyKind::Police)),
            None,
        )
        .await,
        auditor: person(app, "audit@partnership.example", Role::Auditor, None, None).await,
        admin: person(app, "admin@riverside.example", Role::Admin, None, None).await,
        other_teacher: person(
            app,
            "teacher@hillside.example",
            Role::Practitioner,
            Some(("Hillside Academy", AgencyKind::School)),
            None,
        )
        .await,
    }
}

pub async fn child(
    app: &TestApp,
    w: &World,
    given: &str,
    dob: &str,
    family: Option<&str>,
) -> String {
    let res = app.post("/api/v1/children", &w.lead.token, &json!({"given_name": given, "family_name": "Example", "date_of_birth": dob, "family_id": family})).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let body: Value = res.json().await.unwrap();
    body["id"].as_str().unwrap().to_string()
}

pub async fn plan(app: &TestApp, w: &World, child_id: &str, start: &str) -> String {
    let res = app
        .post(
            &format!("/api/v1/children/{child_id}/plans"),
            &w.lead.token,
            &json!({
                "start_date": start, "category": "neglect", "team_id": w.team_id,
                "lead_social_worker_id": w.lead.id, "cp_chair_id": w.chair.id,
            }),
        )
        .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["members"].as_array().unwrap().len(),
        1,
        "the lead joins the core group"
    );
    body["id"].as_str().unwrap().to_string()
}

pub async fn join(app: &TestApp, w: &World, plan_id: &str, who: &Person, from: &str) -> String {
    let res = app
        .post(
            &format!("/api/v1/plans/{plan_id}/members"),
            &w.lead.token,
            &json!({"user_id": who.id, "from": from}),
        )
        .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let body: Value = res.json().await.unwrap();
    body["id"].as_str().unwrap().to_string()
}

pub fn sighting(child_id: &str, at: &str, kind: &str, location: &str, outcome: &str) -> Value {
    json!({"child_id": child_id, "occurred_at": at, "kind": kind, "location": location, "outcome": outcome})
}

async fn status(app: &TestApp, token: &str, child_id: &str, as_of: &str) -> Value {
    let res = app
        .get(
            &format!("/api/v1/children/{child_id}/status?as_of={as_of}"),
            token,
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    res.json().await.unwrap()
}

on_both! {
    async fn every_agency_records_and_the_status_agrees(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Alex", "2018-04-01", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        for who in [&w.teacher, &w.health_visitor, &w.police] {
            join(&app, &w, &p, who, "2026-01-05").await;
        }
        let school = app.post("/api/v1/sightings", &w.teacher.token, &sighting(&c, "2026-01-19T10:00:00Z", "school_contact", "school", "seen")).await;
        assert_eq!(school.status(), 201);
        let school: Value = school.json().await.unwrap();
        assert_eq!(school["status"], "final");
        assert_eq!(school["occurred_on"], "2026-01-19");

        // The contract's example: seen 19 Jan 2026, due 2 Mar, due soon on the day.
        let s = status(&app, &w.chair.token, &c, "2026-03-02").await;
        assert_eq!(s["child_id"], c.as_str());
        assert_eq!(s["any_agency"]["last_seen"], "2026-01-19");
        assert_eq!(s["any_agency"]["due"], "2026-03-02");
        assert_eq!(s["any_agency"]["working_days_since_seen"], 30);
        assert_eq!(s["any_agency"]["state"], "due_soon");
        let s = status(&app, &w.chair.token, &c, "2026-03-03").await;
        assert_eq!(s["any_agency"]["state"], "overdue");
        let flag = s["flags"].as_array().unwrap().iter().find(|f| f["code"] == "not_seen_any_agency").unwrap();
        assert_eq!(flag["severity"], "high");
        assert!(flag["message"].as_str().unwrap().contains("Not seen by any agency since Mon 19 Jan 2026"));
        // Never seen by a social worker or at home: counted from the plan's start.
        assert_eq!(s["social_worker"]["last_seen"], Value::Null);
        assert_eq!(s["home_visit"]["last_visit"], Value::Null);
        assert_eq!(s["home_visit"]["state"], "overdue");

        // Health and police records count too; the lead's home visit sets the other clocks.
        assert_eq!(app.post("/api/v1/sightings", &w.health_visitor.token, &sighting(&c, "2026-02-10T09:00:00Z", "health_contact", "home", "seen_with_carer")).await.status(), 201);
        assert_eq!(app.post("/api/v1/sightings", &w.police.token, &sighting(&c, "2026-02-20T21:00:00Z", "police_contact", "home", "seen")).await.status(), 201);
        assert_eq!(app.post("/api/v1/sightings", &w.lead.token, &sighting(&c, "2026-02-24T15:00:00Z", "home_visit", "home", "seen_alone")).await.status(), 201);
        let s = status(&app, &w.teacher.token, &c, "2026-02-25").await;
        assert_eq!(s["any_agency"]["last_seen"], "2026-02-24");
        assert_eq!(s["social_worker"]["last_seen"], "2026-02-24");
        assert_eq!(s["home_visit"]["last_visit"], "2026-02-24");
        assert_eq!(s["any_agency"]["state"], "ok");
        // As at an earlier date, later records do not count.
        let s = status(&app, &w.teacher.token, &c, "2026-02-15").await;
        assert_eq!(s["any_agency"]["last_seen"], "2026-02-10");
    }

    async fn a_family_visit_is_one_record_per_child(app) {
        let w = world(&app).await;
        let family: Value = app.post("/api/v1/families", &w.lead.token, &json!({})).await.json().await.unwrap();
        let family = family["id"].as_str().unwrap();
        let older = child(&app, &w, "Sam", "2015-06-01", Some(family)).await;
        let younger = child(&app, &w, "Jo", "2020-09-01", Some(family)).await;
        plan(&app, &w, &older, "2026-01-05").await;
        plan(&app, &w, &younger, "2026-01-05").await;
        let res = app.post("/api/v1/visits", &w.lead.token, &json!({
            "occurred_at": "2026-01-20T16:00:00Z", "location": "home", "kind": "home_visit", "announced": false,
            "children": [
                {"child_id": older, "outcome": "not_present", "observations": "Out at a friend's house"},
                {"child_id": younger, "outcome": "seen_alone", "bedroom_seen": true, "childs_voice": "Showed me a drawing"},
            ]
        })).await;
        assert_eq!(res.status(), 201);
        let visit: Value = res.json().await.unwrap();
        let records = visit["sightings"].as_array().unwrap();
        assert_eq!(records.len(), 2);
        assert_ne!(records[0]["id"], records[1]["id"]);
        assert_eq!(records[0]["visit_id"], records[1]["visit_id"]);
        assert_eq!(records[0]["outcome"], "not_present");
        assert_eq!(records[1]["outcome"], "seen_alone");
        assert_eq!(records[1]["observations"], Value::Null, "nothing is copied across siblings");

        let s = status(&app, &w.lead.token, &older, "2026-01-21").await;
        assert_eq!(s["home_visit"]["last_visit"], Value::Null);
        assert!(s["flags"].as_array().unwrap().iter().any(|f| f["code"] == "failed_visit_decision"));
        assert!(s["flags"].as_array().unwrap().iter().any(|f| f["code"] == "failed_visit_revisit"));
        let s = status(&app, &w.lead.token, &younger, "2026-01-21").await;
        assert_eq!(s["home_visit"]["last_visit"], "2026-01-20");

        // All or nothing: one bad child refuses the whole visit.
        let before: Value = app.get(&format!("/api/v1/children/{younger}/chronology"), &w.lead.token).await.json().await.unwrap();
        let res = app.post("/api/v1/visits", &w.lead.token, &json!({
            "occurred_at": "2026-01-27T16:00:00Z", "location": "home", "kind": "home_visit",
            "children": [{"child_id": younger, "outcome": "seen"}, {"child_id": "no-such-child", "outcome": "seen"}]
        })).await;
        problem(res, 404).await;
        let after: Value = app.get(&format!("/api/v1/children/{younger}/chronology"), &w.lead.token).await.json().await.unwrap();
        assert_eq!(before["entries"].as_array().unwrap().len(), after["entries"].as_array().unwrap().len());
        let p = problem(app.post("/api/v1/visits", &w.lead.token, &json!({
            "occurred_at": "2026-01-27T16:00:00Z", "location": "home", "kind": "home_visit",
            "children": [{"child_id": younger, "outcome": "seen"}, {"child_id": younger, "outcome": "seen"}]
        })).await, 422).await;
        assert_eq!(blamed_fields(&p), ["children[1].child_id"]);
    }

    async fn drafts_count_only_when_final_and_only_their_author_sees_them(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Robin", "2017-02-02", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        join(&app, &w, &p, &w.teacher, "2026-01-05").await;
        let mut body = sighting(&c, "2026-01-12T10:00:00Z", "school_contact", "school", "seen");
        body["status"] = json!("draft");
        let draft: Value = app.post("/api/v1/sightings", &w.teacher.token, &body).await.json().await.unwrap();
        let id = draft["id"].as_str().unwrap();
        assert_eq!(draft["status"], "draft");
        assert_eq!(status(&app, &w.lead.token, &c, "2026-01-13").await["any_agency"]["last_seen"], Value::Null);
        problem(app.get(&format!("/api/v1/sightings/{id}"), &w.lead.token).await, 404).await;

        // The author edits the draft, then finalises it.
        body["observations"] = json!("Settled in class");
        let res = app.send_json(Method::PUT, &format!("/api/v1/sightings/{id}"), &w.teacher.token, &body).await;
        assert_eq!(res.status(), 200);
        problem(app.send_json(Method::PUT, &format!("/api/v1/sightings/{id}"), &w.lead.token, &body).await, 404).await;
        let res = app.client.post(app.url(&format!("/api/v1/sightings/{id}/finalise"))).bearer_auth(&w.teacher.token).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let final_: Value = res.json().await.unwrap();
        assert_eq!(final_["status"], "final");
        assert_eq!(final_["observations"], "Settled in class");
        assert_eq!(status(&app, &w.lead.token, &c, "2026-01-13").await["any_agency"]["last_seen"], "2026-01-12");
        // A final record is never edited.
        problem(app.send_json(Method::PUT, &format!("/api/v1/sightings/{id}"), &w.teacher.token, &body).await, 409).await;
    }

    async fn a_correction_supersedes_and_both_stay(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Kit", "2016-03-03", None).await;
        plan(&app, &w, &c, "2026-01-05").await;
        let original: Value = app.post("/api/v1/sightings", &w.lead.token, &sighting(&c, "2026-01-14T10:00:00Z", "home_visit", "home", "seen")).await.json().await.unwrap();
        let id = original["id"].as_str().unwrap();
        assert_eq!(status(&app, &w.lead.token, &c, "2026-01-15").await["home_visit"]["last_visit"], "2026-01-14");

        let mut fix = sighting(&c, "2026-01-14T10:00:00Z", "home_visit", "home", "not_seen");
        fix["reason"] = json!("The child was at a relative's; recorded in error as seen");
        let res = app.post(&format!("/api/v1/sightings/{id}/corrections"), &w.lead.token, &fix).await;
        assert_eq!(res.status(), 201);
        let correction: Value = res.json().await.unwrap();
        assert_eq!(correction["supersedes_id"], id);
        assert_eq!(status(&app, &w.lead.token, &c, "2026-01-15").await["home_visit"]["last_visit"], Value::Null);

        let chronology: Value = app.get(&format!("/api/v1/children/{c}/chronology"), &w.lead.token).await.json().await.unwrap();
        let versions: Vec<&Value> = chronology["entries"].as_array().unwrap().iter().filter(|e| e["type"] == "sighting").collect();
        assert_eq!(versions.len(), 2);
        assert!(versions.iter().any(|v| v["sighting"]["superseded_by_id"] == correction["id"]));
        // Correcting the superseded version again is refused.
        problem(app.post(&format!("/api/v1/sightings/{id}/corrections"), &w.lead.token, &fix).await, 409).await;
        let mut no_reason = fix.clone();
        no_reason.as_object_mut().unwrap().remove("reason");
        let p = problem(app.post(&format!("/api/v1/sightings/{}/corrections", correction["id"].as_str().unwrap()), &w.lead.token, &no_reason).await, 422).await;
        assert_eq!(blamed_fields(&p), ["reason"]);
    }

    async fn a_retry_with_the_same_key_answers_the_first_record(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Ash", "2019-05-05", None).await;
        plan(&app, &w, &c, "2026-01-05").await;
        let body = sighting(&c, "2026-01-14T10:00:00Z", "other_contact", "office", "seen");
        let send = |body: Value| {
            app.client.post(app.url("/api/v1/sightings")).bearer_auth(&w.lead.token).header("Idempotency-Key", "visit-0114-ash").json(&body).send()
        };
        let first = send(body.clone()).await.unwrap();
        assert_eq!(first.status(), 201);
        let first: Value = first.json().await.unwrap();
        let again = send(body.clone()).await.unwrap();
        assert_eq!(again.status(), 200);
        let again: Value = again.json().await.unwrap();
        assert_eq!(first["id"], again["id"]);
        let mut other = body.clone();
        other["outcome"] = json!("seen_alone");
        problem(send(other).await.unwrap(), 409).await;
        let chronology: Value = app.get(&format!("/api/v1/children/{c}/chronology"), &w.lead.token).await.json().await.unwrap();
        assert_eq!(chronology["entries"].as_array().unwrap().iter().filter(|e| e["type"] == "sighting").count(), 1);
    }

    async fn bad_sightings_are_refused_naming_the_field(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Lee", "2021-07-07", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        join(&app, &w, &p, &w.teacher, "2026-01-05").await;
        let cases = [
            (sighting(&c, "2099-01-01T10:00:00Z", "school_contact", "school", "seen"), 422, "occurred_at"),
            (sighting(&c, "2021-01-01T10:00:00Z", "school_contact", "school", "seen"), 422, "occurred_at"),
            (sighting(&c, "2025-12-01T10:00:00Z", "school_contact", "school", "seen"), 422, "occurred_at"),
            (sighting(&c, "2026-01-12T10:00:00Z", "home_visit", "home", "seen"), 422, "kind"),
            (sighting(&c, "2026-01-12T10:00:00Z", "school_contact", "playground", "seen"), 400, "location"),
            (sighting(&c, "2026-01-12T10:00:00Z", "school_contact", "school", "glimpsed"), 400, "outcome"),
            (sighting(&c, "12/01/2026", "school_contact", "school", "seen"), 400, "occurred_at"),
        ];
        for (body, status, field) in cases {
            let p = problem(app.post("/api/v1/sightings", &w.teacher.token, &body).await, status).await;
            assert_eq!(blamed_fields(&p), [field], "{body}");
        }
        let s = status(&app, &w.lead.token, &c, "2026-01-20").await;
        assert_eq!(s["any_agency"]["last_seen"], Value::Null, "nothing refused was stored");
    }

    async fn nobody_outside_the_relationship_learns_the_child_exists(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Max", "2014-08-08", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        let s: Value = app.post("/api/v1/sightings", &w.lead.token, &sighting(&c, "2026-01-14T10:00:00Z", "home_visit", "home", "seen")).await.json().await.unwrap();
        let s = s["id"].as_str().unwrap().to_string();
        let reads = [
            format!("/api/v1/children/{c}"), format!("/api/v1/children/{c}/status?as_of=2026-02-01"),
            format!("/api/v1/children/{c}/chronology"), format!("/api/v1/plans/{p}"), format!("/api/v1/sightings/{s}"),
        ];
        let missing = ["/api/v1/children/no-such-child", "/api/v1/children/no-such-child/status", "/api/v1/children/no-such-child/chronology", "/api/v1/plans/no-such-plan", "/api/v1/sightings/no-such-sighting"];
        for outsider in [&w.other_teacher, &w.admin, &w.other_worker, &w.teacher] {
            for (path, absent) in reads.iter().zip(missing) {
                let hidden = problem(app.get(path, &outsider.token).await, 404).await;
                let nothing = problem(app.get(absent, &outsider.token).await, 404).await;
                assert_eq!(hidden, nothing, "{path}: a hidden child must look like no child");
            }
            problem(app.post("/api/v1/sightings", &outsider.token, &sighting(&c, "2026-01-20T10:00:00Z", "school_contact", "school", "seen")).await, 404).await;
        }
        // Readers: the team, the chair, an auditor — and the teacher once on the core group.
        for reader in [&w.lead, &w.manager, &w.chair, &w.auditor] {
            for path in &reads {
                assert_eq!(app.get(path, &reader.token).await.status(), 200, "{path}");
            }
        }
        // An auditor and a chair read but do not record.
        for reader in [&w.auditor, &w.chair] {
            problem(app.post("/api/v1/sightings", &reader.token, &sighting(&c, "2026-01-20T10:00:00Z", "other_contact", "office", "seen")).await, 403).await;
        }
        let member = join(&app, &w, &p, &w.teacher, "2026-01-05").await;
        assert_eq!(app.get(&reads[1], &w.teacher.token).await.status(), 200);
        // After leaving the core group, the child is hidden again.
        let res = app.send_json(Method::PATCH, &format!("/api/v1/plans/{p}/members/{member}"), &w.lead.token, &json!({"until": "2026-01-31"})).await;
        assert_eq!(res.status(), 204);
        problem(app.get(&reads[1], &w.teacher.token).await, 404).await;
    }

    async fn the_access_log_records_reads_and_refusals(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Ola", "2013-09-09", None).await;
        plan(&app, &w, &c, "2026-01-05").await;
        let log_path = format!("/api/v1/children/{c}/access-log");
        let log = |token: &str| {
            let request = app.client.get(app.url(&log_path)).bearer_auth(token);
            async move { request.send().await.unwrap() }
        };
        let before: Value = log(&w.manager.token).await.json().await.unwrap();
        let count = before["items"].as_array().unwrap().len();
        assert_eq!(app.get(&format!("/api/v1/children/{c}/status?as_of=2026-02-01"), &w.auditor.token).await.status(), 200);
        assert_eq!(app.get(&format!("/api/v1/children/{c}/status?as_of=2026-02-01"), &w.other_teacher.token).await.status(), 404);
        let after: Value = log(&w.manager.token).await.json().await.unwrap();
        let items = after["items"].as_array().unwrap();
        // The manager's first look at the log, the auditor's read, the outsider's refusal.
        assert_eq!(items.len(), count + 3, "{items:#?}");
        assert!(items.iter().any(|e| e["user_id"] == w.auditor.id.as_str() && e["action"] == "read_status" && e["outcome"] == "ok"));
        assert!(items.iter().any(|e| e["user_id"] == w.other_teacher.id.as_str() && e["outcome"] == "not_found"));
        assert!(items.iter().all(|e| e["address"].as_str().unwrap().starts_with("127.0.0.1")));
        // Practitioners and the lead social worker do not read the log.
        problem(log(&w.lead.token).await, 403).await;
        problem(log(&w.teacher.token).await, 404).await;
        assert_eq!(log(&w.chair.token).await.status(), 200);
        assert_eq!(log(&w.auditor.token).await.status(), 200);
    }

    async fn plans_are_checked_and_frequency_changes_need_the_chair(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Rae", "2016-10-10", None).await;
        let plans_path = format!("/api/v1/children/{c}/plans");
        let start = |body: Value| {
            let request = app.client.post(app.url(&plans_path)).bearer_auth(&w.lead.token).json(&body);
            async move { request.send().await.unwrap() }
        };
        let good = json!({"start_date": "2026-01-05", "category": "neglect", "team_id": w.team_id, "lead_social_worker_id": w.lead.id, "cp_chair_id": w.chair.id});
        let with = |k: &str, v: Value| { let mut b = good.clone(); b[k] = v; b };
        for (body, status, field) in [
            (with("cp_chair_id", json!(w.teacher.id)), 422, "cp_chair_id"),
            (with("lead_social_worker_id", json!(w.teacher.id)), 422, "lead_social_worker_id"),
            (with("start_date", json!("2099-01-01")), 422, "start_date"),
            (with("category", json!("worry")), 400, "category"),
            (with("region", json!("scotland")), 422, "region"),
            (with("visit_frequency", json!({"every": 0, "unit": "working_days"})), 422, "visit_frequency.every"),
        ] {
            let p = problem(start(body.clone()).await, status).await;
            assert_eq!(blamed_fields(&p), [field], "{body}");
        }
        let res = start(good.clone()).await;
        assert_eq!(res.status(), 201);
        let plan: Value = res.json().await.unwrap();
        let p = plan["id"].as_str().unwrap();
        problem(start(with("start_date", json!("2026-02-01"))).await, 409).await;

        let frequency_path = format!("/api/v1/plans/{p}/visit-frequency");
        let change = |agreed_by: &str| {
            let request = app.client.put(app.url(&frequency_path)).bearer_auth(&w.lead.token)
                .json(&json!({"visit_frequency": {"every": 14, "unit": "calendar_days"}, "agreed_by": agreed_by, "reason": "Agreed at review"}));
            async move { request.send().await.unwrap() }
        };
        let p422 = problem(change(&w.manager.id).await, 422).await;
        assert_eq!(blamed_fields(&p422), ["agreed_by"]);
        let res = change(&w.chair.id).await;
        assert_eq!(res.status(), 200);
        let changed: Value = res.json().await.unwrap();
        assert_eq!(changed["visit_frequency"], json!({"every": 14, "unit": "calendar_days"}));
        let chronology: Value = app.get(&format!("/api/v1/children/{c}/chronology"), &w.lead.token).await.json().await.unwrap();
        assert!(chronology["entries"].as_array().unwrap().iter().any(|e| e["type"] == "visit_frequency_changed"));

        // Ending the plan (stepped down to child in need); a second plan is then allowed.
        let res = app.post(&format!("/api/v1/plans/{p}/end"), &w.lead.token, &json!({"end_date": "2026-06-30", "reason": "step_down_to_cin"})).await;
        assert_eq!(res.status(), 200);
        let second = start(with("start_date", json!("2026-09-01"))).await;
        assert_eq!(second.status(), 201);
        let s = status(&app, &w.chair.token, &c, "2026-09-02").await;
        assert!(s["flags"].as_array().unwrap().iter().any(|f| f["code"] == "long_plan" && f["message"].as_str().unwrap().contains("second plan")));
    }

    async fn a_manager_records_the_decision_after_a_failed_visit(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Ira", "2012-11-11", None).await;
        plan(&app, &w, &c, "2026-01-05").await;
        let failed: Value = app.post("/api/v1/sightings", &w.lead.token, &sighting(&c, "2026-01-12T10:00:00Z", "home_visit", "home", "not_seen")).await.json().await.unwrap();
        let id = failed["id"].as_str().unwrap();
        let s = status(&app, &w.manager.token, &c, "2026-01-14").await;
        let flags = s["flags"].as_array().unwrap();
        let decision = flags.iter().find(|f| f["code"] == "failed_visit_decision").expect("the decision is overdue");
        assert!(decision["message"].as_str().unwrap().contains("No team manager decision"));
        assert!(decision.to_string().contains(id), "its subject is the visit: {decision}");
        assert!(flags.iter().any(|f| f["code"] == "failed_visit_revisit"), "{flags:#?}");
        problem(app.post(&format!("/api/v1/sightings/{id}/decision"), &w.lead.token, &json!({"decision": "Revisit tomorrow"})).await, 403).await;
        let before = chrono::Utc::now();
        let res = app.post(&format!("/api/v1/sightings/{id}/decision"), &w.manager.token, &json!({"decision": "Revisit within 24 hours with the duty worker"})).await;
        assert_eq!(res.status(), 201);
        let made: Value = res.json().await.unwrap();
        // Without decided_at, the discussion took place now.
        let decided_at: chrono::DateTime<chrono::Utc> = made["decided_at"].as_str().unwrap().parse().unwrap();
        assert!(decided_at >= before - chrono::Duration::seconds(1) && decided_at <= chrono::Utc::now(), "{made}");
        assert!(made["recorded_at"].is_string(), "{made}");
        // Recorded today, more than 24 hours after the visit: as at today it is no longer
        // missing (as at January it was).
        let today: Value = app.get(&format!("/api/v1/children/{c}/status"), &w.manager.token).await.json().await.unwrap();
        let flags = today["flags"].as_array().unwrap();
        assert!(!flags.iter().any(|f| f["message"].as_str().unwrap().contains("No team manager decision")), "{flags:#?}");
        assert!(flags.iter().any(|f| f["code"] == "failed_visit_revisit" && f["message"].as_str().unwrap().contains("No further home visit")));
        let then = status(&app, &w.manager.token, &c, "2026-01-14").await;
        assert!(then["flags"].as_array().unwrap().iter().any(|f| f["message"].as_str().unwrap().contains("No team manager decision")));
    }

    async fn a_decision_says_when_the_discussion_took_place(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Oona", "2013-03-03", None).await;
        plan(&app, &w, &c, "2026-01-05").await;
        let failed: Value = app.post("/api/v1/sightings", &w.lead.token, &sighting(&c, "2026-01-12T10:00:00Z", "home_visit", "home", "not_seen")).await.json().await.unwrap();
        let id = failed["id"].as_str().unwrap();
        let url = format!("/api/v1/sightings/{id}/decision");
        // Before the visit, or in the future: refused, naming decided_at.
        let p = problem(app.post(&url, &w.manager.token, &json!({"decision": "Revisit", "decided_at": "2026-01-12T09:59:00Z"})).await, 422).await;
        assert_eq!(blamed_fields(&p), ["decided_at"]);
        let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
        let p = problem(app.post(&url, &w.manager.token, &json!({"decision": "Revisit", "decided_at": tomorrow})).await, 422).await;
        assert_eq!(blamed_fields(&p), ["decided_at"]);
        // Discussed at 18:00 the same day, typed in now: within 24 hours, so no breach.
        let res = app.post(&url, &w.manager.token, &json!({"decision": "Revisit with the duty worker", "decided_at": "2026-01-12T18:00:00Z"})).await;
        assert_eq!(res.status(), 201);
        let made: Value = res.json().await.unwrap();
        assert_eq!(made["decided_at"], "2026-01-12T18:00:00Z");
        let s = status(&app, &w.manager.token, &c, "2026-01-14").await;
        let flags = s["flags"].as_array().unwrap();
        assert!(!flags.iter().any(|f| f["code"] == "failed_visit_decision"), "{flags:#?}");
        assert!(flags.iter().any(|f| f["code"] == "failed_visit_revisit"), "{flags:#?}");
    }
}

fn days_ago(n: i64) -> chrono::NaiveDate {
    chrono::Utc::now().date_naive() - chrono::Duration::days(n)
}

on_both! {
    async fn the_dashboard_lists_visible_children_most_urgent_first(app) {
        let w = world(&app).await;
        // Three children: one never seen (overdue), one seen a while ago, one seen yesterday.
        let start = days_ago(120).to_string();
        let never = child(&app, &w, "Nia", "2015-01-01", None).await;
        let while_ago = child(&app, &w, "Oli", "2015-01-01", None).await;
        let recent = child(&app, &w, "Pat", "2015-01-01", None).await;
        let mut plan_ids = Vec::new();
        for c in [&never, &while_ago, &recent] {
            plan_ids.push(plan(&app, &w, c, &start).await);
        }
        join(&app, &w, &plan_ids[2], &w.teacher, &start).await;
        let at = |n: i64| format!("{}T10:00:00Z", days_ago(n));
        assert_eq!(app.post("/api/v1/sightings", &w.lead.token, &sighting(&while_ago, &at(36), "home_visit", "home", "seen")).await.status(), 201);
        assert_eq!(app.post("/api/v1/sightings", &w.lead.token, &sighting(&recent, &at(1), "home_visit", "home", "seen_alone")).await.status(), 201);
        assert_eq!(app.post("/api/v1/sightings", &w.teacher.token, &sighting(&recent, &(chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339(), "school_contact", "school", "seen")).await.status(), 201);

        let res = app.get("/api/v1/dashboard", &w.chair.token).await;
        assert_eq!(res.status(), 200);
        let board: Value = res.json().await.unwrap();
        let listed: Vec<&str> = board["children"].as_array().unwrap().iter().map(|c| c["child_id"].as_str().unwrap()).collect();
        assert_eq!(listed, [never.as_str(), while_ago.as_str(), recent.as_str()], "most urgent first");
        // The projection (today) agrees with the rules applied to the records, child by child.
        for entry in board["children"].as_array().unwrap() {
            let id = entry["child_id"].as_str().unwrap();
            let full: Value = app.get(&format!("/api/v1/children/{id}/status"), &w.chair.token).await.json().await.unwrap();
            for clock in ["any_agency", "social_worker", "home_visit"] {
                assert_eq!(entry[clock], full[clock], "{clock} of {id}");
            }
        }
        // As at a past date, only the records up to then count.
        let past = days_ago(20).to_string();
        let board: Value = app.get(&format!("/api/v1/dashboard?as_of={past}"), &w.chair.token).await.json().await.unwrap();
        let pat = board["children"].as_array().unwrap().iter().find(|c| c["child_id"] == recent.as_str()).unwrap();
        assert_eq!(pat["any_agency"]["last_seen"], Value::Null);
        let full: Value = app.get(&format!("/api/v1/children/{recent}/status?as_of={past}"), &w.chair.token).await.json().await.unwrap();
        assert_eq!(pat["any_agency"], full["any_agency"]);

        // The teacher sees only the child whose core group they are on; outsiders see nobody.
        let board: Value = app.get("/api/v1/dashboard", &w.teacher.token).await.json().await.unwrap();
        let listed: Vec<&str> = board["children"].as_array().unwrap().iter().map(|c| c["child_id"].as_str().unwrap()).collect();
        assert_eq!(listed, [recent.as_str()]);
        for outsider in [&w.other_teacher, &w.other_worker] {
            let board: Value = app.get("/api/v1/dashboard", &outsider.token).await.json().await.unwrap();
            assert!(board["children"].as_array().unwrap().is_empty());
        }
        problem(app.get("/api/v1/dashboard", &w.admin.token).await, 403).await;
        let board: Value = app.get("/api/v1/dashboard", &w.manager.token).await.json().await.unwrap();
        assert_eq!(board["children"].as_array().unwrap().len(), 3);

        // Each child shown is a logged read.
        let log: Value = app.get(&format!("/api/v1/children/{never}/access-log"), &w.manager.token).await.json().await.unwrap();
        assert!(log["items"].as_array().unwrap().iter().any(|e| e["action"] == "read_dashboard" && e["user_id"] == w.chair.id.as_str()));
    }
}

on_both! {
    async fn a_buddy_covering_for_the_lead_acts_as_the_lead_while_covering(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Uma", "2015-05-05", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        let status_path = format!("/api/v1/children/{c}/status?as_of=2026-02-01");
        problem(app.get(&status_path, &w.other_worker.token).await, 404).await;
        // Cover that ended before today gives nothing.
        let res = app.post(&format!("/api/v1/plans/{p}/covers"), &w.manager.token, &json!({"user_id": w.other_worker.id, "from": "2026-01-10", "until": "2026-01-20"})).await;
        assert_eq!(res.status(), 201);
        problem(app.get(&status_path, &w.other_worker.token).await, 404).await;
        // Cover over today: the buddy reads and records.
        let until = (chrono::Utc::now().date_naive() + chrono::Duration::days(7)).to_string();
        let res = app.post(&format!("/api/v1/plans/{p}/covers"), &w.manager.token, &json!({"user_id": w.other_worker.id, "from": days_ago(1).to_string(), "until": until})).await;
        assert_eq!(res.status(), 201);
        assert_eq!(app.get(&status_path, &w.other_worker.token).await.status(), 200);
        let visit = format!("{}T09:00:00Z", days_ago(1));
        assert_eq!(app.post("/api/v1/sightings", &w.other_worker.token, &sighting(&c, &visit, "home_visit", "home", "seen_alone")).await.status(), 201);
        let board: Value = app.get("/api/v1/dashboard", &w.other_worker.token).await.json().await.unwrap();
        assert_eq!(board["children"].as_array().unwrap().len(), 1);
        // A team manager of another team may be the buddy: nothing before the cover, then
        // reads, records and manages the plan as the lead does; not its team's access log.
        problem(app.get(&status_path, &w.other_manager.token).await, 404).await;
        let join_as_manager = json!({"user_id": w.health_visitor.id, "from": days_ago(1).to_string()});
        problem(app.post(&format!("/api/v1/plans/{p}/members"), &w.other_manager.token, &join_as_manager).await, 404).await;
        let res = app.post(&format!("/api/v1/plans/{p}/covers"), &w.manager.token, &json!({"user_id": w.other_manager.id, "from": days_ago(1).to_string(), "until": until})).await;
        assert_eq!(res.status(), 201);
        assert_eq!(app.get(&status_path, &w.other_manager.token).await.status(), 200);
        let res = app.post(&format!("/api/v1/plans/{p}/members"), &w.other_manager.token, &join_as_manager).await;
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        problem(app.get(&format!("/api/v1/children/{c}/access-log"), &w.other_manager.token).await, 403).await;
        // Only social care covers; the request is checked.
        let p422 = problem(app.post(&format!("/api/v1/plans/{p}/covers"), &w.manager.token, &json!({"user_id": w.teacher.id, "from": "2026-02-01", "until": "2026-02-02"})).await, 422).await;
        assert_eq!(blamed_fields(&p422), ["user_id"]);
        let p422 = problem(app.post(&format!("/api/v1/plans/{p}/covers"), &w.manager.token, &json!({"user_id": w.other_worker.id, "from": "2026-02-10", "until": "2026-02-01"})).await, 422).await;
        assert_eq!(blamed_fields(&p422), ["until"]);
    }
}

on_both! {
    async fn concurrent_records_for_one_child_all_land_and_the_projection_keeps_up(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Vic", "2015-05-05", None).await;
        plan(&app, &w, &c, "2026-01-05").await;
        let requests = (0..24).map(|i| {
            let body = sighting(&c, &format!("2026-02-{:02}T10:00:00Z", i + 1), "home_visit", "home", "seen");
            let request = app.client.post(app.url("/api/v1/sightings")).bearer_auth(&w.lead.token).json(&body);
            async move { request.send().await.unwrap().status().as_u16() }
        });
        let statuses = futures_util::future::join_all(requests).await;
        assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
        // The dashboard (the projection) agrees with the records: the latest is 24 Feb.
        let board: Value = app.get("/api/v1/dashboard?as_of=2026-02-25", &w.lead.token).await.json().await.unwrap();
        let today_board: Value = app.get("/api/v1/dashboard", &w.lead.token).await.json().await.unwrap();
        assert_eq!(board["children"][0]["home_visit"]["last_visit"], "2026-02-24");
        assert_eq!(today_board["children"][0]["home_visit"]["last_visit"], "2026-02-24");
    }
}

on_both! {
    // Sentences people read never print storage words (`not_present`, `home_visit`).
    async fn the_chronology_speaks_in_words_not_codes(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Wyn", "2018-08-08", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        assert_eq!(app.post("/api/v1/sightings", &w.lead.token, &sighting(&c, "2026-01-14T10:00:00Z", "home_visit", "home", "not_present")).await.status(), 201);
        let res = app.post(&format!("/api/v1/plans/{p}/end"), &w.lead.token, &json!({"end_date": "2026-02-01", "reason": "step_down_to_cin"})).await;
        assert_eq!(res.status(), 200);
        let chronology: Value = app.get(&format!("/api/v1/children/{c}/chronology"), &w.lead.token).await.json().await.unwrap();
        let summaries: Vec<&str> = chronology["entries"].as_array().unwrap().iter().map(|e| e["summary"].as_str().unwrap()).collect();
        assert!(summaries.contains(&"Home visit at home: not present"), "{summaries:?}");
        assert!(summaries.contains(&"Plan ended (stepped down to child in need)"), "{summaries:?}");
        for s in &summaries {
            assert!(!s.contains('_'), "a storage word in {s:?}");
        }
    }

    async fn the_dashboard_lists_exactly_the_children_each_caller_may_read(app) {
        // The dashboard's candidates come from the same table as the decision for one child
        // (access::read_scope_of); here one child per kind of tie, and for every user the
        // dashboard lists exactly the children whose record they may open.
        let w = world(&app).await;
        let start = days_ago(30).to_string();
        let (yesterday, next_week) = (days_ago(1).to_string(), days_ago(-7).to_string());
        // A core-group member: the teacher.
        let member = child(&app, &w, "Ada", "2015-01-01", None).await;
        let member_plan = plan(&app, &w, &member, &start).await;
        join(&app, &w, &member_plan, &w.teacher, &start).await;
        // The lead and, as access sees it, nothing else: the Court Team's social worker led
        // the child's earlier, Riverside-team plan, which has ended (a lead stays on the core
        // group while the plan is open); the child's open plan is someone else's.
        let led = child(&app, &w, "Ben", "2015-01-01", None).await;
        let res = app.post(&format!("/api/v1/children/{led}/plans"), &w.lead.token, &json!({
            "start_date": days_ago(90).to_string(), "category": "neglect", "team_id": w.team_id,
            "lead_social_worker_id": w.other_worker.id, "cp_chair_id": w.other_chair.id,
        })).await;
        assert_eq!(res.status(), 201);
        let body: Value = res.json().await.unwrap();
        let old = body["id"].as_str().unwrap();
        let res = app.post(&format!("/api/v1/plans/{old}/end"), &w.lead.token, &json!({"end_date": days_ago(31).to_string(), "reason": "other"})).await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
        plan(&app, &w, &led, &start).await;
        // Cover: the Court Team's social worker covers for the lead, and the Court Team's
        // manager is the buddy on the teacher's child's plan (a manager acts as the lead too).
        let covered = child(&app, &w, "Cal", "2015-01-01", None).await;
        let p = plan(&app, &w, &covered, &start).await;
        let res = app.post(&format!("/api/v1/plans/{p}/covers"), &w.manager.token, &json!({"user_id": w.other_worker.id, "from": yesterday, "until": next_week})).await;
        assert_eq!(res.status(), 201);
        let res = app.post(&format!("/api/v1/plans/{member_plan}/covers"), &w.manager.token, &json!({"user_id": w.other_manager.id, "from": yesterday, "until": next_week})).await;
        assert_eq!(res.status(), 201);
        let children = [member, led, covered];

        let everyone = [
            ("lead", &w.lead), ("manager", &w.manager), ("chair", &w.chair), ("teacher", &w.teacher),
            ("health_visitor", &w.health_visitor), ("police", &w.police), ("auditor", &w.auditor),
            ("other_worker", &w.other_worker), ("other_manager", &w.other_manager),
            ("other_chair", &w.other_chair), ("other_teacher", &w.other_teacher),
        ];
        for (who, person) in everyone {
            let mut readable = Vec::new();
            for c in &children {
                let status = app.get(&format!("/api/v1/children/{c}"), &person.token).await.status();
                assert!(status == 200 || status == 404, "{who} {c}: {status}");
                if status == 200 {
                    readable.push(c.clone());
                }
            }
            let res = app.get("/api/v1/dashboard", &person.token).await;
            assert_eq!(res.status(), 200, "{who}");
            let board: Value = res.json().await.unwrap();
            let mut listed: Vec<String> = board["children"].as_array().unwrap().iter().map(|c| c["child_id"].as_str().unwrap().to_string()).collect();
            listed.sort();
            readable.sort();
            assert_eq!(listed, readable, "{who}");
        }
        // The ties did what they say.
        let sees = |who: &'static str, expected: &[&String]| (who, expected.iter().map(|c| c.to_string()).collect::<Vec<_>>());
        for (who, expected) in [
            sees("teacher", &[&children[0]]),
            sees("other_worker", &[&children[1], &children[2]]),
            sees("other_manager", &[&children[0]]),
            sees("other_teacher", &[]),
        ] {
            let person = everyone.iter().find(|(name, _)| *name == who).unwrap().1;
            let board: Value = app.get("/api/v1/dashboard", &person.token).await.json().await.unwrap();
            let mut listed: Vec<String> = board["children"].as_array().unwrap().iter().map(|c| c["child_id"].as_str().unwrap().to_string()).collect();
            listed.sort();
            let mut expected = expected;
            expected.sort();
            assert_eq!(listed, expected, "{who}");
        }
        problem(app.get("/api/v1/dashboard", &w.admin.token).await, 403).await;
    }
}
