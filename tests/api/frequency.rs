//! A plan's visiting frequency with a history (domain.md §4 `home_visit_due`, seed 001 §7):
//! dated changes, and the rules, the status and the visits report reading the one in force.

use serde_json::{json, Value};

use crate::cases::{child, plan, sighting, world, Person, World};
use crate::harness::{blamed_fields, problem, TestApp};
use crate::on_both;

async fn home_visit(app: &TestApp, who: &Person, child: &str, on: &str) {
    let body = sighting(
        child,
        &format!("{on}T10:00:00Z"),
        "home_visit",
        "home",
        "seen",
    );
    let res = app.post("/api/v1/sightings", &who.token, &body).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
}

async fn change(app: &TestApp, w: &World, plan_id: &str, body: Value) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/api/v1/plans/{plan_id}/visit-frequency")))
        .bearer_auth(&w.lead.token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn every(n: u32, unit: &str) -> Value {
    json!({"every": n, "unit": unit})
}

async fn home_clock(app: &TestApp, w: &World, child_id: &str, as_of: &str) -> Value {
    let res = app
        .get(
            &format!("/api/v1/children/{child_id}/status?as_of={as_of}"),
            &w.chair.token,
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let body: Value = res.json().await.unwrap();
    body["home_visit"].clone()
}

async fn child_record(app: &TestApp, w: &World, child_id: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/children/{child_id}"), &w.lead.token)
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// A child on a plan from Mon 5 Jan 2026, seen at home on 30 Jan and 9 Feb.
async fn visited_child(app: &TestApp, w: &World, name: &str) -> (String, String) {
    let c = child(app, w, name, "2016-10-10", None).await;
    let p = plan(app, w, &c, "2026-01-05").await;
    for on in ["2026-01-30", "2026-02-09"] {
        home_visit(app, &w.lead, &c, on).await;
    }
    (c, p)
}

on_both! {
    async fn a_frequency_change_is_dated_checked_and_kept(app) {
        let w = world(&app).await;
        let (c, p) = visited_child(&app, &w, "Sam").await;
        let agreed = |f: Value, from: Option<&str>| {
            let mut body = json!({"visit_frequency": f, "agreed_by": w.chair.id, "reason": "Agreed at review"});
            if let Some(from) = from {
                body["from"] = json!(from);
            }
            body
        };
        // Before the plan's start; slower than the policy's minimum (seed 001 §7).
        let p422 = problem(change(&app, &w, &p, agreed(every(5, "working_days"), Some("2026-01-02"))).await, 422).await;
        assert_eq!(blamed_fields(&p422), ["from"]);
        for slow in [every(11, "working_days"), every(15, "calendar_days")] {
            let p422 = problem(change(&app, &w, &p, agreed(slow.clone(), Some("2026-02-20"))).await, 422).await;
            assert_eq!(blamed_fields(&p422), ["visit_frequency"], "{slow}");
        }
        // Every 14 calendar days is as often as every 10 working days: allowed.
        let res = change(&app, &w, &p, agreed(every(5, "working_days"), Some("2026-02-20"))).await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);

        // Asked about 13 Feb, the change is not yet in force: due 10 working days after 9 Feb.
        let before = home_clock(&app, &w, &c, "2026-02-13").await;
        assert_eq!(before["due"], "2026-02-23", "{before}");
        assert_eq!(before["frequency"], every(10, "working_days"));
        // Asked about 23 Feb: 5 working days from 9 Feb is 16 Feb, before the change, so due
        // on the change's date, 20 Feb, and overdue.
        let after = home_clock(&app, &w, &c, "2026-02-23").await;
        assert_eq!(after["due"], "2026-02-20", "{after}");
        assert_eq!(after["frequency"], every(5, "working_days"));
        assert_eq!(after["state"], "overdue");

        // With no `from`, the change is in force from today (the service's zone).
        let today = coregroup::services::today(chrono_tz::Europe::London);
        let res = app.client.put(app.url(&format!("/api/v1/plans/{p}/visit-frequency"))).bearer_auth(&w.lead.token)
            .json(&json!({"visit_frequency": every(14, "calendar_days"), "agreed_by": w.chair.id, "reason": "Settled at home"}))
            .send().await.unwrap();
        assert_eq!(res.status(), 200);
        let plan_now: Value = res.json().await.unwrap();
        assert_eq!(plan_now["visit_frequency"], every(14, "calendar_days"));
        let read: Value = app.get(&format!("/api/v1/plans/{p}"), &w.lead.token).await.json().await.unwrap();
        assert_eq!(read["visit_frequency"], every(14, "calendar_days"), "the plan shows the frequency in force today");
        assert_eq!(home_clock(&app, &w, &c, &today.to_string()).await["frequency"], every(14, "calendar_days"));
        assert_eq!(home_clock(&app, &w, &c, "2026-02-23").await["due"], "2026-02-20", "a later change leaves February as it was");

        // The history: each change, its date, who agreed it and why.
        let chronology: Value = app.get(&format!("/api/v1/children/{c}/chronology"), &w.lead.token).await.json().await.unwrap();
        let changes: Vec<&str> = chronology["entries"].as_array().unwrap().iter()
            .filter(|e| e["type"] == "visit_frequency_changed")
            .map(|e| e["summary"].as_str().unwrap())
            .collect();
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert!(changes.iter().any(|s| s.contains("every 5 working days from Fri 20 Feb 2026")
            && s.contains(w.chair.id.as_str()) && s.contains("Agreed at review")), "{changes:?}");
        assert!(changes.iter().any(|s| s.contains("every 14 days") && s.contains("Settled at home")), "{changes:?}");
    }

    async fn the_visits_report_reads_the_frequency_in_force_each_day(app) {
        let w = world(&app).await;
        // Seen 30 Jan, 9 Feb and 23 Feb: every 10 working days, never overdue in February.
        let (steady, _) = visited_child(&app, &w, "Ann").await;
        home_visit(&app, &w.lead, &steady, "2026-02-23").await;
        // The same visits, but every 5 working days from 20 Feb: due 20 Feb, late on the 21st.
        let (faster, p) = visited_child(&app, &w, "Bo").await;
        home_visit(&app, &w.lead, &faster, "2026-02-23").await;
        let body = json!({"visit_frequency": every(5, "working_days"), "from": "2026-02-20", "agreed_by": w.chair.id, "reason": "Concerns raised at school"});
        assert_eq!(change(&app, &w, &p, body).await.status(), 200);
        // The same, changed only from 2 March: February is judged at every 10 working days.
        let (later, p) = visited_child(&app, &w, "Cal").await;
        home_visit(&app, &w.lead, &later, "2026-02-23").await;
        let body = json!({"visit_frequency": every(5, "working_days"), "from": "2026-03-02", "agreed_by": w.chair.id, "reason": "Agreed at review"});
        assert_eq!(change(&app, &w, &p, body).await.status(), 200);

        let report: Value = app.get("/api/v1/reports/visits?month=2026-02", &w.manager.token).await.json().await.unwrap();
        assert_eq!(report["overall"]["children"], 3, "{report}");
        assert_eq!(report["overall"]["visited"], 3, "{report}");
        assert_eq!(report["overall"]["within_timescale"], 2, "{report}");
    }

    async fn a_plan_cannot_start_slower_than_the_minimum(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Dee", "2016-10-10", None).await;
        let start = |f: Value| {
            let (app, c, w) = (&app, c.clone(), &w);
            async move {
                app.post(&format!("/api/v1/children/{c}/plans"), &w.lead.token, &json!({
                    "start_date": "2026-01-05", "category": "neglect", "team_id": w.team_id,
                    "lead_social_worker_id": w.lead.id, "cp_chair_id": w.chair.id, "visit_frequency": f,
                })).await
            }
        };
        // Seed 001 §7: never less often than every 10 working days (the same check as a change).
        for slow in [every(11, "working_days"), every(15, "calendar_days")] {
            let p422 = problem(start(slow.clone()).await, 422).await;
            assert_eq!(blamed_fields(&p422), ["visit_frequency"], "{slow}");
        }
        let res = start(every(14, "calendar_days")).await;
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        let created: Value = res.json().await.unwrap();
        assert_eq!(created["visit_frequency"], every(14, "calendar_days"));
    }

    async fn the_child_record_shows_the_frequency_in_force_today(app) {
        let w = world(&app).await;
        let (c, p) = visited_child(&app, &w, "Eli").await;
        // No frequency of its own: the policy's default is in force.
        let before = child_record(&app, &w, &c).await;
        assert_eq!(before["plans"][0]["visit_frequency"], Value::Null);
        assert_eq!(before["plans"][0]["visit_frequency_in_force"], every(10, "working_days"));

        // Changed from 20 Feb to every 5 working days, then from today to every 14 days.
        let agreed = |f: Value, from: Option<&str>| {
            let mut body = json!({"visit_frequency": f, "agreed_by": w.chair.id, "reason": "Agreed at review"});
            if let Some(from) = from {
                body["from"] = json!(from);
            }
            body
        };
        assert_eq!(change(&app, &w, &p, agreed(every(5, "working_days"), Some("2026-02-20"))).await.status(), 200);
        let now = child_record(&app, &w, &c).await;
        assert_eq!(now["plans"][0]["visit_frequency"], every(5, "working_days"));
        assert_eq!(now["plans"][0]["visit_frequency_in_force"], every(5, "working_days"));
        assert_eq!(change(&app, &w, &p, agreed(every(14, "calendar_days"), None)).await.status(), 200);
        let now = child_record(&app, &w, &c).await;
        assert_eq!(now["plans"][0]["visit_frequency_in_force"], every(14, "calendar_days"));
        // Back to the policy's default from today.
        assert_eq!(change(&app, &w, &p, agreed(Value::Null, None)).await.status(), 200);
        let now = child_record(&app, &w, &c).await;
        assert_eq!(now["plans"][0]["visit_frequency"], Value::Null);
        assert_eq!(now["plans"][0]["visit_frequency_in_force"], every(10, "working_days"));

        // The child's page says it in words.
        assert_eq!(change(&app, &w, &p, agreed(every(14, "calendar_days"), None)).await.status(), 200);
        let browser = crate::pages::Browser::new(&app);
        browser.sign_in("lead@riverside.example").await;
        let page = browser.get(&format!("/children/{c}")).await;
        assert_eq!(page.status, 200, "{page}");
        assert!(page.text().contains("Home visits now Every 14 days"), "{}", page.text());
    }
}
