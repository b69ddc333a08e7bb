//! One identity per breach in every answer that carries flags (domain.md §4), and the urgent
//! core group meeting a child unseen by any agency for 30 working days needs (seed 001 §5).

use serde_json::{json, Value};

use crate::cases::{child, join, plan, sighting, world};
use crate::harness::TestApp;
use crate::on_both;
use crate::pages::Browser;

async fn get_ok(app: &TestApp, path: &str, token: &str) -> Value {
    let res = app.get(path, token).await;
    assert_eq!(res.status(), 200, "{path}: {:?}", res.text().await);
    res.json().await.unwrap()
}

/// The breach of the one flag of `code` in a list of flags.
fn breach_of(flags: &Value, code: &str) -> String {
    let found: Vec<&Value> = flags
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect();
    assert_eq!(found.len(), 1, "one {code} in {flags}");
    found[0]["breach"].as_str().unwrap().to_string()
}

on_both! {
    async fn every_flag_names_its_breach_the_same_from_day_to_day(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Robin", "2017-05-05", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        join(&app, &w, &p, &w.teacher, "2026-01-05").await;
        // A core group on 27 Jan that the school missed.
        let res = app.post(&format!("/api/v1/plans/{p}/meetings"), &w.lead.token, &json!({"held_on": "2026-01-27"})).await;
        assert_eq!(res.status(), 201);
        let meeting: Value = res.json().await.unwrap();
        let res = app.send_json(reqwest::Method::PUT, &format!("/api/v1/meetings/{}/attendance", meeting["id"].as_str().unwrap()), &w.lead.token,
            &json!({"attendance": [{"user_id": w.lead.id, "status": "attended"}, {"user_id": w.teacher.id, "status": "apologies"}]})).await;
        assert_eq!(res.status(), 200);

        // Never seen since the plan began: not seen by any agency is overdue from 17 Feb.
        let status = |day: &'static str| {
            let (app, c, token) = (&app, c.clone(), w.lead.token.clone());
            async move { get_ok(app, &format!("/api/v1/children/{c}/status?as_of={day}"), &token).await }
        };
        let friday = status("2026-02-20").await;
        let monday = status("2026-02-23").await;
        for s in [&friday, &monday] {
            for f in s["flags"].as_array().unwrap() {
                let id = f["breach"].as_str().unwrap_or_else(|| panic!("no breach on {f}"));
                assert_eq!(id.len(), 32, "{f}");
            }
        }
        let unseen = breach_of(&friday["flags"], "not_seen_any_agency");
        assert_eq!(breach_of(&monday["flags"], "not_seen_any_agency"), unseen);
        let gap = breach_of(&friday["flags"], "core_group_attendance_gap");
        assert_eq!(breach_of(&monday["flags"], "core_group_attendance_gap"), gap);
        assert_ne!(unseen, gap);

        // The dashboard, the core group, the chair's plans and the implementation name the
        // same breaches.
        let dashboard = get_ok(&app, "/api/v1/dashboard?as_of=2026-02-23", &w.lead.token).await;
        let line = dashboard["children"].as_array().unwrap().iter().find(|l| l["child_id"] == c.as_str()).unwrap().clone();
        assert_eq!(breach_of(&line["flags"], "not_seen_any_agency"), unseen);
        let group = get_ok(&app, &format!("/api/v1/plans/{p}/core-group?as_of=2026-02-23"), &w.lead.token).await;
        assert_eq!(breach_of(&group["flags"], "core_group_attendance_gap"), gap);
        let chair = get_ok(&app, "/api/v1/chair/plans?as_of=2026-02-23", &w.chair.token).await;
        let chaired = chair["plans"].as_array().unwrap().iter().find(|l| l["child_id"] == c.as_str()).unwrap().clone();
        assert_eq!(chaired["breaches"].as_array().unwrap().len(), chaired["flags"].as_array().unwrap().len());
        assert_eq!(breach_of(&chaired["breaches"], "not_seen_any_agency"), unseen);
        let done = get_ok(&app, &format!("/api/v1/plans/{p}/implementation?as_of=2026-02-23"), &w.chair.token).await;
        assert_eq!(breach_of(&done["status"]["flags"], "not_seen_any_agency"), unseen);

        // Seen on 24 Feb: once the clock runs out again, it is another breach.
        let res = app.post("/api/v1/sightings", &w.lead.token, &sighting(&c, "2026-02-24T10:00:00Z", "home_visit", "home", "seen")).await;
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        let later = status("2026-04-20").await;
        assert_ne!(breach_of(&later["flags"], "not_seen_any_agency"), unseen);
        assert_eq!(breach_of(&status("2026-02-23").await["flags"], "not_seen_any_agency"), unseen, "the past stands");

        // The OpenAPI document describes it wherever flags are described.
        let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
        let schemas = &doc["components"]["schemas"];
        for schema in ["FlagView", "GapFlagView", "BreachView"] {
            assert!(schemas[schema]["properties"]["breach"].is_object(), "{schema}: {}", schemas[schema]);
            assert!(schemas[schema]["required"].as_array().unwrap().contains(&json!("breach")), "{schema}");
        }
        assert!(schemas["StatusView"]["properties"]["urgent_meeting"].is_object());
        assert!(schemas["UrgentMeetingView"]["properties"]["held_on"].is_object());
        assert!(schemas["ClockState"]["enum"].as_array().unwrap().contains(&json!("beyond_calendar")), "{}", schemas["ClockState"]);
    }

    async fn the_status_says_whether_the_urgent_meeting_was_held(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Sky", "2017-05-05", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        let status = |day: &'static str| {
            let (app, c, token) = (&app, c.clone(), w.lead.token.clone());
            async move { get_ok(app, &format!("/api/v1/children/{c}/status?as_of={day}"), &token).await }
        };
        // Due to be seen by an agency by 16 Feb: nothing asked for yet.
        assert_eq!(status("2026-02-16").await["urgent_meeting"], json!({
            "required": false, "breach_began": null, "held_on": null, "meeting_id": null, "marked_urgent": null
        }));
        let unseen = status("2026-02-25").await;
        assert_eq!(unseen["urgent_meeting"]["required"], true);
        assert_eq!(unseen["urgent_meeting"]["breach_began"], "2026-02-17");
        assert_eq!(unseen["urgent_meeting"]["held_on"], Value::Null);

        // A core group chaired by the social worker does not count; one chaired by the team
        // manager on 26 Feb does.
        let res = app.post(&format!("/api/v1/plans/{p}/meetings"), &w.lead.token, &json!({"held_on": "2026-02-20"})).await;
        assert_eq!(res.status(), 201);
        let res = app.post(&format!("/api/v1/plans/{p}/meetings"), &w.lead.token,
            &json!({"held_on": "2026-02-26", "chair_id": w.manager.id, "urgent": true})).await;
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        let urgent: Value = res.json().await.unwrap();
        assert_eq!(status("2026-02-25").await["urgent_meeting"]["held_on"], Value::Null);
        let held = status("2026-02-27").await;
        assert_eq!(held["urgent_meeting"], json!({
            "required": true, "breach_began": "2026-02-17", "held_on": "2026-02-26",
            "meeting_id": urgent["id"], "marked_urgent": true
        }));
        // The dashboard's lines carry the clocks only, not the meeting.
        let dashboard = get_ok(&app, "/api/v1/dashboard?as_of=2026-02-27", &w.lead.token).await;
        assert!(dashboard["children"][0].get("urgent_meeting").is_none(), "{}", dashboard["children"][0]);

        // The child's page says it in words.
        let browser = Browser::new(&app);
        browser.sign_in("lead@riverside.example").await;
        let page = browser.get(&format!("/children/{c}?as_of=2026-02-25")).await;
        assert_eq!(page.status, 200, "{page}");
        assert!(page.text().contains("An urgent core group meeting chaired by a team manager has not been held since 17 February 2026"), "{}", page.text());
        let page = browser.get(&format!("/children/{c}?as_of=2026-02-27")).await;
        assert!(page.text().contains("An urgent core group meeting chaired by a team manager was held on 26 February 2026."), "{}", page.text());
        let page = browser.get(&format!("/children/{c}?as_of=2026-02-16")).await;
        assert!(!page.text().contains("urgent core group meeting chaired"), "{}", page.text());
    }
}
