//! A due date past a region's bank-holiday calendar (domain.md §4): only that clock says
//! `beyond_calendar`; the rest of the status, every other child on the dashboard and the
//! reports are computed as usual. Admins see each calendar's end, and are told six months
//! before it.

use serde_json::{json, Value};

use crate::cases::{child, plan, sighting, world};
use crate::harness::TestApp;
use crate::on_both;
use crate::pages::Browser;

/// England and Wales for 2025 and 2026 only: the calendar ends on Thu 31 Dec 2026.
fn short_feed() -> String {
    let events: Vec<Value> = [
        ("2025-01-01", "New Year’s Day"),
        ("2025-04-18", "Good Friday"),
        ("2025-04-21", "Easter Monday"),
        ("2025-05-05", "Early May bank holiday"),
        ("2025-05-26", "Spring bank holiday"),
        ("2025-08-25", "Summer bank holiday"),
        ("2025-12-25", "Christmas Day"),
        ("2025-12-26", "Boxing Day"),
        ("2026-01-01", "New Year’s Day"),
        ("2026-04-03", "Good Friday"),
        ("2026-04-06", "Easter Monday"),
        ("2026-05-04", "Early May bank holiday"),
        ("2026-05-25", "Spring bank holiday"),
        ("2026-08-31", "Summer bank holiday"),
        ("2026-12-25", "Christmas Day"),
        ("2026-12-28", "Boxing Day"),
    ]
    .iter()
    .map(|(date, title)| json!({"title": title, "date": date, "notes": "", "bunting": true}))
    .collect();
    json!({"england-and-wales": {"division": "england-and-wales", "events": events}}).to_string()
}

async fn get_ok(app: &TestApp, path: &str, token: &str) -> Value {
    let res = app.get(path, token).await;
    assert_eq!(res.status(), 200, "{path}: {:?}", res.text().await);
    res.json().await.unwrap()
}

on_both! {
    async fn a_due_date_past_the_calendar_answers_beyond_calendar_for_that_clock_only(app) {
        let w = world(&app).await;
        let today = coregroup::services::today(chrono_tz::Europe::London);
        let shipped = get_ok(&app, "/api/v1/calendars", &w.admin.token).await;
        assert_eq!(shipped["items"][0]["ends"], "2028-12-31");
        let horizon = today.checked_add_months(chrono::Months::new(6)).unwrap();
        assert_eq!(shipped["items"][0]["ends_within_six_months"], json!(horizon > "2028-12-31".parse().unwrap()));

        let res = app.client.put(app.url("/api/v1/calendars")).bearer_auth(&w.admin.token)
            .header("content-type", "application/json").body(short_feed()).send().await.unwrap();
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
        let list = get_ok(&app, "/api/v1/calendars", &w.lead.token).await;
        let ew = &list["items"][0];
        assert_eq!((&ew["first"], &ew["last"], &ew["ends"]), (&json!("2025-01-01"), &json!("2026-12-31"), &json!("2026-12-31")));
        assert_eq!(ew["ends_within_six_months"], true);

        // Seen on Fri 20 Nov 2026: 30 working days later is past 31 Dec 2026.
        let late = child(&app, &w, "Ash", "2016-03-03", None).await;
        plan(&app, &w, &late, "2026-10-01").await;
        let res = app.post("/api/v1/sightings", &w.lead.token, &sighting(&late, "2026-11-20T10:00:00Z", "other_contact", "office", "seen")).await;
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        // Seen on 15 Sep 2026: due by 27 Oct, well within the calendar.
        let early = child(&app, &w, "Bay", "2016-03-03", None).await;
        plan(&app, &w, &early, "2026-09-01").await;
        let res = app.post("/api/v1/sightings", &w.lead.token, &sighting(&early, "2026-09-15T10:00:00Z", "other_contact", "office", "seen")).await;
        assert_eq!(res.status(), 201);

        // Today (whenever that is) and as at Mon 23 Nov 2026.
        let now = get_ok(&app, "/api/v1/dashboard", &w.lead.token).await;
        assert_eq!(now["children"].as_array().unwrap().len(), 2, "every child is answered: {now}");
        for line in now["children"].as_array().unwrap() {
            let expected = if line["child_id"] == late.as_str() { "beyond_calendar" } else { "overdue" };
            assert_eq!(line["any_agency"]["state"], expected, "{line}");
        }
        {
            let dashboard = get_ok(&app, "/api/v1/dashboard?as_of=2026-11-23", &w.lead.token).await;
            let lines = dashboard["children"].as_array().unwrap();
            assert_eq!(lines.len(), 2, "every child is answered: {dashboard}");
            let line = |id: &str| lines.iter().find(|l| l["child_id"] == id).unwrap().clone();
            let (a, b) = (line(&late), line(&early));
            assert_eq!(a["any_agency"]["state"], "beyond_calendar", "{a}");
            assert_eq!(a["any_agency"]["calendar_ends"], "2026-12-31");
            assert_eq!(a["any_agency"]["due"], Value::Null);
            assert!(!a["flags"].as_array().unwrap().iter().any(|f| f["code"] == "not_seen_any_agency"), "{a}");
            // The home visit, due 10 working days after the plan began, is overdue as usual.
            assert_eq!(a["home_visit"]["state"], "overdue");
            assert_eq!(a["home_visit"]["due"], "2026-10-15");
            assert!(a["home_visit"].get("calendar_ends").is_none(), "{a}");
            assert_eq!(b["any_agency"]["state"], "overdue", "{b}");
            assert_eq!(b["any_agency"]["due"], "2026-10-27");
            assert!(b["any_agency"].get("calendar_ends").is_none());
        }

        // The child's own status, the chair's view and the reports: answered, not refused.
        let status = get_ok(&app, &format!("/api/v1/children/{late}/status?as_of=2026-11-23"), &w.lead.token).await;
        assert_eq!(status["any_agency"]["state"], "beyond_calendar");
        assert_eq!(status["any_agency"]["calendar_ends"], "2026-12-31");
        assert_eq!(status["any_agency"]["last_seen"], "2026-11-20");
        assert_eq!(status["any_agency"]["working_days_since_seen"], 1);
        assert_eq!(status["social_worker"]["state"], "ok");
        assert_eq!(status["urgent_meeting"]["required"], false);
        get_ok(&app, "/api/v1/chair/plans?as_of=2026-11-23", &w.chair.token).await;
        let report = get_ok(&app, "/api/v1/reports/visits?month=2026-11", &w.manager.token).await;
        assert_eq!(report["overall"]["children"], 2);
        get_ok(&app, "/api/v1/reports/core-groups?from=2026-09-01&to=2026-11-23", &w.manager.token).await;

        // The child's page says where the calendar ends; the admin's home page warns.
        let browser = Browser::new(&app);
        browser.sign_in("lead@riverside.example").await;
        let page = browser.get(&format!("/children/{late}?as_of=2026-11-23")).await;
        assert_eq!(page.status, 200, "{page}");
        assert!(page.text().contains("Due after 31 December 2026, when the bank-holiday calendar ends"), "{}", page.text());
        let admin = Browser::new(&app);
        admin.sign_in("admin@riverside.example").await;
        let home = admin.get("/").await;
        assert_eq!(home.status, 200, "{home}");
        assert!(home.text().contains("bank-holiday calendar"), "{}", home.text());
        assert!(home.text().contains("31 December 2026"), "{}", home.text());
    }
}
