//! Bank-holiday calendars (import, show) and the rule settings.

use coregroup::domain::people::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{blamed_fields, problem, TestApp};
use crate::on_both;

const SHIPPED: &str = include_str!("../../data/bank-holidays-england-and-wales.json");

fn full_feed() -> String {
    json!({
        "england-and-wales": {"division": "england-and-wales", "events": [
            {"title": "New Year’s Day", "date": "2030-01-01", "notes": "", "bunting": true},
            {"title": "Christmas Day", "date": "2030-12-25", "notes": "", "bunting": true}]},
        "scotland": {"division": "scotland", "events": [
            {"title": "2nd January", "date": "2030-01-02", "notes": "", "bunting": true}]},
        "northern-ireland": {"division": "northern-ireland", "events": [
            {"title": "St Patrick’s Day", "date": "2030-03-18", "notes": "Substitute day", "bunting": true}]}
    })
    .to_string()
}

async fn put_feed(app: &TestApp, token: &str, feed: &str) -> reqwest::Response {
    app.client
        .put(app.url("/api/v1/calendars"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(feed.to_string())
        .send()
        .await
        .unwrap()
}

on_both! {
    async fn the_shipped_calendar_is_in_force_and_shown(app) {
        let (_, token) = app.signed_in(Role::Practitioner).await;
        let list: Value = app.get("/api/v1/calendars", &token).await.json().await.unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        assert_eq!(list["items"][0]["region"], "england-and-wales");
        assert_eq!(list["items"][0]["first"], "2019-01-01");
        assert_eq!(list["items"][0]["last"], "2028-12-31");
        assert_eq!(list["items"][0]["source"], "shipped");
        let one: Value = app.get("/api/v1/calendars/england-and-wales", &token).await.json().await.unwrap();
        let holidays = one["holidays"].as_array().unwrap();
        assert!(holidays.iter().any(|h| h["date"] == "2023-05-08"), "the Coronation");
        problem(app.get("/api/v1/calendars/scotland", &token).await, 404).await;
        problem(app.get("/api/v1/calendars/atlantis", &token).await, 404).await;
    }

    async fn an_admin_imports_a_whole_feed(app) {
        let (_, admin) = app.signed_in(Role::Admin).await;
        let res = put_feed(&app, &admin, &full_feed()).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["items"].as_array().unwrap().len(), 3);
        let scotland: Value = app.get("/api/v1/calendars/scotland", &admin).await.json().await.unwrap();
        assert_eq!(scotland["first"], "2030-01-01");
        assert_eq!(scotland["source"], "imported");
        assert!(scotland["imported_by"].is_string());
        // A second server instance on the same database sees the same calendars.
        let other = app.another_server();
        let res = app.client.get(format!("{other}/api/v1/calendars/northern-ireland")).bearer_auth(&admin).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }

    async fn the_shipped_file_round_trips(app) {
        let (_, admin) = app.signed_in(Role::Admin).await;
        let before: Value = app.get("/api/v1/calendars/england-and-wales", &admin).await.json().await.unwrap();
        assert_eq!(put_feed(&app, &admin, SHIPPED).await.status(), 200);
        let after: Value = app.get("/api/v1/calendars/england-and-wales", &admin).await.json().await.unwrap();
        assert_eq!(before["holidays"], after["holidays"]);
        assert_eq!((&before["first"], &before["last"]), (&after["first"], &after["last"]));
        assert_eq!(after["source"], "imported");
    }

    async fn a_malformed_feed_is_refused_whole_and_the_old_calendar_stays(app) {
        let (_, admin) = app.signed_in(Role::Admin).await;
        let weekend = SHIPPED.replacen("2019-01-01", "2019-01-05", 1);
        let duplicate = SHIPPED.replacen("2019-04-19", "2019-01-01", 1);
        let bad_date = SHIPPED.replacen("2019-04-22", "2019-04-31", 1);
        let unknown = SHIPPED.replacen("\"england-and-wales\": {", "\"wales\": {", 1);
        for (feed, reason) in [
            (weekend, "Saturday"),
            (duplicate, "listed twice"),
            (bad_date, "not a date"),
            (unknown, "unknown division"),
            ("{\"england-and-wales\": ".to_string(), "not valid JSON"),
        ] {
            let p = problem(put_feed(&app, &admin, &feed).await, 422).await;
            assert_eq!(blamed_fields(&p), ["feed"]);
            let detail = p["detail"].as_str().unwrap();
            assert!(detail.contains("line ") && detail.contains(reason), "{detail}");
        }
        let now: Value = app.get("/api/v1/calendars/england-and-wales", &admin).await.json().await.unwrap();
        assert_eq!(now["source"], "shipped");
    }

    async fn only_admins_import_or_change_settings(app) {
        for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
            let (_, token) = app.signed_in(role).await;
            problem(put_feed(&app, &token, &full_feed()).await, 403).await;
            problem(app.send_json(Method::PUT, "/api/v1/policy", &token, &json!({"any_agency_working_days": 60})).await, 403).await;
            assert_eq!(app.get("/api/v1/policy", &token).await.status(), 200);
        }
        let res = app.client.put(app.url("/api/v1/calendars")).header("content-type", "application/json").body(full_feed()).send().await.unwrap();
        problem(res, 401).await;
        let (_, admin) = app.signed_in(Role::Admin).await;
        let policy: Value = app.get("/api/v1/policy", &admin).await.json().await.unwrap();
        assert_eq!(policy["any_agency_working_days"], 30);
        problem(app.get("/api/v1/calendars/scotland", &admin).await, 404).await;
    }

    async fn policy_changes_are_checked_and_merged(app) {
        let (_, admin) = app.signed_in(Role::Admin).await;
        let defaults: Value = app.get("/api/v1/policy", &admin).await.json().await.unwrap();
        assert_eq!(defaults["social_worker_calendar_days"], 20);
        assert_eq!(defaults["home_visit_frequency"], json!({"every": 10, "unit": "working_days"}));

        let res = app.send_json(Method::PUT, "/api/v1/policy", &admin, &json!({"any_agency_working_days": 25, "count_event_day": true})).await;
        assert_eq!(res.status(), 200);
        let now: Value = app.get("/api/v1/policy", &admin).await.json().await.unwrap();
        assert_eq!(now["any_agency_working_days"], 25);
        assert_eq!(now["count_event_day"], true);
        assert_eq!(now["social_worker_calendar_days"], 20, "fields not given keep their values");

        let p = problem(app.send_json(Method::PUT, "/api/v1/policy", &admin, &json!({"any_agency_working_days": 0, "home_visit_share_percent": 101})).await, 422).await;
        assert_eq!(blamed_fields(&p), ["any_agency_working_days", "home_visit_share_percent"]);
        let p = problem(app.send_json(Method::PUT, "/api/v1/policy", &admin, &json!({"any_agency_days": 10})).await, 400).await;
        assert_eq!(blamed_fields(&p), ["any_agency_days"]);
        let p = problem(app.send_json(Method::PUT, "/api/v1/policy", &admin, &json!({"home_visit_frequency": {"every": 14, "unit": "fortnights"}})).await, 400).await;
        assert_eq!(blamed_fields(&p), ["home_visit_frequency.unit"]);
        let after: Value = app.get("/api/v1/policy", &admin).await.json().await.unwrap();
        assert_eq!(after, now, "refused changes changed nothing");
    }
}
