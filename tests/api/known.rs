//! "As known at" through the API (domain.md §3): every answer about a date echoes the
//! `known_at` it was computed from, and asked again with it is the same, byte for byte,
//! whatever was recorded since — drafts finalised, records corrected, records typed up late,
//! frequencies changed, plans ended.

use serde_json::{json, Value};

use crate::cases::{child, join, plan, sighting, world, Person, World};
use crate::harness::{blamed_fields, problem, TestApp};
use crate::on_both;

async fn text(app: &TestApp, who: &Person, path: &str) -> String {
    let res = app.get(path, &who.token).await;
    assert_eq!(res.status(), 200, "{path}: {:?}", res.text().await);
    res.text().await.unwrap()
}

fn known_at_of(answer: &str) -> String {
    let v: Value = serde_json::from_str(answer).unwrap();
    v["known_at"].as_str().expect("known_at echoed").to_string()
}

async fn record(app: &TestApp, who: &Person, body: &Value) -> String {
    let res = app.post("/api/v1/sightings", &who.token, body).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let v: Value = res.json().await.unwrap();
    v["id"].as_str().unwrap().to_string()
}

/// Records about January made after the first answer: a draft finalised, a correction, a
/// visit typed up late, a faster frequency, the plan's end.
async fn change_the_record(app: &TestApp, w: &World, c: &str, p: &str, first_visit: &str) {
    let mut draft = sighting(
        c,
        "2026-01-14T10:00:00Z",
        "school_contact",
        "school",
        "seen",
    );
    draft["status"] = json!("draft");
    let draft_id = record(app, &w.teacher, &draft).await;
    let res = app
        .client
        .post(app.url(&format!("/api/v1/sightings/{draft_id}/finalise")))
        .bearer_auth(&w.teacher.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let mut fix = sighting(c, "2026-01-12T10:00:00Z", "home_visit", "home", "not_seen");
    fix["reason"] = json!("Recorded in error as seen: nobody answered the door");
    let res = app
        .post(
            &format!("/api/v1/sightings/{first_visit}/corrections"),
            &w.lead.token,
            &fix,
        )
        .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    record(
        app,
        &w.lead,
        &sighting(
            c,
            "2026-01-20T15:00:00Z",
            "home_visit",
            "home",
            "seen_alone",
        ),
    )
    .await;
    let res = app
        .client
        .put(app.url(&format!("/api/v1/plans/{p}/visit-frequency")))
        .bearer_auth(&w.lead.token)
        .json(
            &json!({"visit_frequency": {"every": 5, "unit": "working_days"}, "from": "2026-01-12",
                      "agreed_by": w.chair.id, "reason": "Agreed at the core group"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let res = app
        .post(
            &format!("/api/v1/plans/{p}/end"),
            &w.manager.token,
            &json!({"end_date": "2026-01-23", "reason": "no_longer_at_risk"}),
        )
        .await;
    assert!(res.status().is_success(), "{:?}", res.text().await);
}

on_both! {
    async fn an_answer_asked_again_with_its_known_at_is_the_same(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Ari", "2016-10-10", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        join(&app, &w, &p, &w.teacher, "2026-01-05").await;
        let first_visit = record(&app, &w.lead, &sighting(&c, "2026-01-12T10:00:00Z", "home_visit", "home", "seen")).await;

        let paths = [
            (&w.lead, format!("/api/v1/children/{c}/status?as_of=2026-01-16")),
            (&w.lead, "/api/v1/dashboard?as_of=2026-01-16".to_string()),
            (&w.lead, format!("/api/v1/plans/{p}/core-group?as_of=2026-01-16")),
            (&w.chair, format!("/api/v1/plans/{p}/implementation?as_of=2026-01-16")),
            (&w.chair, "/api/v1/chair/plans?as_of=2026-01-16".to_string()),
            (&w.manager, "/api/v1/reports/visits?month=2026-01".to_string()),
            (&w.manager, "/api/v1/reports/plans?as_of=2026-01-16".to_string()),
            (&w.manager, "/api/v1/reports/core-groups?from=2026-01-01&to=2026-01-31".to_string()),
            (&w.auditor, "/api/v1/reports/audit-sample?month=2026-01&seed=s1".to_string()),
        ];
        let mut first = Vec::new();
        for (who, path) in &paths {
            first.push(text(&app, who, path).await);
        }
        // The default answer and the same moment asked for explicitly agree (the fast path
        // and the records agree).
        for ((who, path), answer) in paths.iter().zip(&first) {
            let again = text(&app, who, &format!("{path}&known_at={}", known_at_of(answer))).await;
            assert_eq!(&again, answer, "{path}");
        }
        let status: Value = serde_json::from_str(&first[0]).unwrap();
        assert_eq!(status["home_visit"]["last_visit"], "2026-01-12");

        change_the_record(&app, &w, &c, &p, &first_visit).await;

        // Now the record says otherwise …
        let now: Value = serde_json::from_str(&text(&app, &w.lead, &format!("/api/v1/children/{c}/status?as_of=2026-01-16")).await).unwrap();
        assert_eq!(now["any_agency"]["last_seen"], "2026-01-14");
        assert_eq!(now["home_visit"]["last_visit"], Value::Null);
        assert_eq!(now["home_visit"]["frequency"]["every"], 5);
        // … but every first answer, asked again with its known_at, is unchanged.
        for ((who, path), answer) in paths.iter().zip(&first) {
            let again = text(&app, who, &format!("{path}&known_at={}", known_at_of(answer))).await;
            assert_eq!(&again, answer, "{path}");
        }
    }

    async fn a_visits_report_with_a_fixed_known_at_stays_as_it_was(app) {
        let w = world(&app).await;
        let mut children = Vec::new();
        for name in ["Bo", "Cy", "Di"] {
            let c = child(&app, &w, name, "2015-05-05", None).await;
            plan(&app, &w, &c, "2026-08-03").await;
            children.push(c);
        }
        record(&app, &w.lead, &sighting(&children[0], "2026-09-08T10:00:00Z", "home_visit", "home", "seen")).await;
        let path = "/api/v1/reports/visits?month=2026-09";
        let first = text(&app, &w.manager, path).await;
        let known_at = known_at_of(&first);
        let v: Value = serde_json::from_str(&first).unwrap();
        assert_eq!(v["overall"]["visited"], 1, "{v}");

        // Records about September: added, a draft finalised, the one visit corrected.
        record(&app, &w.lead, &sighting(&children[1], "2026-09-09T10:00:00Z", "home_visit", "home", "seen_alone")).await;
        let mut draft = sighting(&children[2], "2026-09-10T10:00:00Z", "home_visit", "home", "seen");
        draft["status"] = json!("draft");
        let id = record(&app, &w.lead, &draft).await;
        let res = app.client.post(app.url(&format!("/api/v1/sightings/{id}/finalise"))).bearer_auth(&w.lead.token).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let now: Value = serde_json::from_str(&text(&app, &w.manager, path).await).unwrap();
        assert_eq!(now["overall"]["visited"], 3, "{now}");

        let again = text(&app, &w.manager, &format!("{path}&known_at={known_at}")).await;
        assert_eq!(again, first);
        // CSV too.
        let csv_then = app.client.get(app.url(&format!("{path}&known_at={known_at}"))).bearer_auth(&w.manager.token)
            .header("Accept", "text/csv").send().await.unwrap().text().await.unwrap();
        assert!(csv_then.contains("overall"), "{csv_then}");
        assert!(csv_then.lines().any(|l| l.starts_with("overall") && l.contains(",3,1,")), "{csv_then}");
    }

    async fn known_at_is_checked_and_named(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Em", "2016-10-10", None).await;
        plan(&app, &w, &c, "2026-01-05").await;
        for bad in ["yesterday", "2026-01-16", "2026-13-01T00:00:00Z"] {
            let p = problem(app.get(&format!("/api/v1/children/{c}/status?known_at={bad}"), &w.lead.token).await, 422).await;
            assert_eq!(blamed_fields(&p), ["known_at"], "{bad}");
            let p = problem(app.get(&format!("/api/v1/reports/visits?month=2026-01&known_at={bad}"), &w.manager.token).await, 422).await;
            assert_eq!(blamed_fields(&p), ["known_at"], "{bad}");
        }
        // What will be known tomorrow is not known yet.
        let p = problem(app.get(&format!("/api/v1/children/{c}/status?known_at=2099-01-01T00:00:00Z"), &w.lead.token).await, 422).await;
        assert_eq!(blamed_fields(&p), ["known_at"]);
        // Before the plan was recorded, there was no plan to answer about.
        let p = problem(app.get(&format!("/api/v1/children/{c}/status?as_of=2026-01-16&known_at=2020-01-01T00:00:00Z"), &w.lead.token).await, 422).await;
        assert_eq!(blamed_fields(&p), ["known_at"]);
        // An offset is understood; the echo is in UTC to the microsecond.
        let v: Value = app.get(&format!("/api/v1/children/{c}/status?as_of=2026-01-16&known_at=2099-01-01T00:00:00%2B01:00"), &w.lead.token).await.json().await.unwrap();
        assert!(v["type"].is_string(), "{v}");
        let ok: Value = serde_json::from_str(&text(&app, &w.lead, &format!("/api/v1/children/{c}/status?as_of=2026-01-16")).await).unwrap();
        let echoed = ok["known_at"].as_str().unwrap();
        assert!(echoed.ends_with('Z') && echoed.len() == "2026-01-16T23:59:59.000000Z".len(), "{echoed}");
    }
}

on_both! {
    async fn the_dashboards_one_pass_and_its_lists_of_ids_agree(app) {
        // A past dashboard of many children reads every child's records in one pass; of a few,
        // by lists of ids. Both ask the same question of the same records.
        let w = world(&app).await;
        let mut ids = Vec::new();
        for (n, name) in ["Gil", "Hal", "Ivy", "Jem"].iter().enumerate() {
            let c = child(&app, &w, name, "2016-10-10", None).await;
            plan(&app, &w, &c, "2026-01-05").await;
            let day = 12 + n;
            record(&app, &w.lead, &sighting(&c, &format!("2026-01-{day}T10:00:00Z"), "home_visit", "home", "seen")).await;
            record(&app, &w.lead, &sighting(&c, &format!("2026-01-{}T10:00:00Z", day + 3), "other_contact", "office", "seen_alone")).await;
            let mut draft = sighting(&c, "2026-01-20T10:00:00Z", "home_visit", "home", "seen");
            draft["status"] = json!("draft");
            record(&app, &w.lead, &draft).await;
            ids.push(c);
        }
        let moment = chrono::Utc::now().naive_utc();
        for on in ["2026-01-13", "2026-01-16", "2026-02-01"] {
            let on: chrono::NaiveDate = on.parse().unwrap();
            let wanted = ids.clone();
            let (by_lists, whole) = app.store.read(move |c| {
                let by_lists = coregroup::store::sightings::latest_on(c, &wanted, on, moment)?;
                let whole = coregroup::store::sightings::latest_of_every_child(c, on, moment)?;
                Ok((by_lists, whole))
            }).await.unwrap();
            assert!(!by_lists.is_empty());
            for id in &ids {
                assert_eq!(by_lists.get(id), whole.get(id), "{id} on {on}");
            }
        }
    }
}
