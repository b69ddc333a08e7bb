//! Reports for managers, chairs and the partnership: figures worked out by hand, CSV that a
//! spreadsheet cannot run, and a reproducible audit sample (seeds 000, 002, 003).

use serde_json::{json, Value};

use crate::cases::{child, join, plan, sighting, world, Person, World};
use crate::harness::{blamed_fields, problem, TestApp};
use crate::on_both;

async fn team_of(app: &TestApp, user: &Person) -> String {
    let id = user.id.clone();
    app.store
        .read(move |c| {
            Ok(coregroup::store::accounts::get_user(c, &id)?
                .unwrap()
                .team_id
                .unwrap())
        })
        .await
        .unwrap()
}

/// A child and a plan of `worker`'s team, led by them.
async fn case_of(
    app: &TestApp,
    w: &World,
    worker: &Person,
    team: &str,
    name: &str,
    start: &str,
) -> (String, String) {
    let res = app
        .post(
            "/api/v1/children",
            &worker.token,
            &json!({"given_name": name, "family_name": "Example", "date_of_birth": "2016-04-04"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let c = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .post(
            &format!("/api/v1/children/{c}/plans"),
            &worker.token,
            &json!({
        "start_date": start, "category": "neglect", "team_id": team,
        "lead_social_worker_id": worker.id, "cp_chair_id": w.chair.id}),
        )
        .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let p = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    (c, p)
}

async fn record(app: &TestApp, token: &str, body: Value) {
    let res = app.post("/api/v1/sightings", token, &body).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
}

async fn home_visit(app: &TestApp, who: &Person, child: &str, on: &str, outcome: &str) {
    record(
        app,
        &who.token,
        sighting(
            child,
            &format!("{on}T10:00:00Z"),
            "home_visit",
            "home",
            outcome,
        ),
    )
    .await;
}

async fn csv(app: &TestApp, path: &str, token: &str) -> (String, String) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let kind = res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    (kind, res.text().await.unwrap())
}

on_both! {
    async fn the_visits_report_matches_a_count_by_hand(app) {
        let w = world(&app).await;
        let ours = w.team_id.clone();
        let court = team_of(&app, &w.other_worker).await;

        // Safeguarding and Support (the lead's team).
        // A: visits 28 Aug, 10 and 24 Sep, each within 10 working days (31 Aug is a bank
        // holiday): visited, within timescale.
        let (a, _) = case_of(&app, &w, &w.lead, &ours, "Ava", "2026-08-03").await;
        for on in ["2026-08-28", "2026-09-10", "2026-09-24"] {
            home_visit(&app, &w.lead, &a, on, "seen_alone").await;
        }
        // B: last visited 20 Aug, due by 4 Sep, next visited 25 Sep: visited, not within.
        let (b, _) = case_of(&app, &w, &w.lead, &ours, "Ben", "2026-06-01").await;
        home_visit(&app, &w.lead, &b, "2026-08-20", "seen").await;
        home_visit(&app, &w.lead, &b, "2026-09-25", "seen_with_carer").await;
        // C: a home visit that did not see him, and a school sighting: not visited.
        let (c, p_c) = case_of(&app, &w, &w.lead, &ours, "Cy", "2026-06-01").await;
        home_visit(&app, &w.lead, &c, "2026-09-15", "not_seen").await;
        join(&app, &w, &p_c, &w.teacher, "2026-06-01").await;
        record(&app, &w.teacher.token, sighting(&c, "2026-09-16T09:00:00Z", "school_contact", "school", "seen")).await;
        // D: plan ended before the month's last day: not counted.
        let (d, p_d) = case_of(&app, &w, &w.lead, &ours, "Di", "2026-06-01").await;
        home_visit(&app, &w.lead, &d, "2026-09-03", "seen").await;
        let res = app.post(&format!("/api/v1/plans/{p_d}/end"), &w.lead.token, &json!({"end_date": "2026-09-20", "reason": "no_longer_at_risk"})).await;
        assert_eq!(res.status(), 200);

        // Court Team.
        // E: plan from 21 Sep, visited 22 Sep: visited, within.
        let (e, _) = case_of(&app, &w, &w.other_worker, &court, "Eli", "2026-09-21").await;
        home_visit(&app, &w.other_worker, &e, "2026-09-22", "seen").await;
        // F: a draft visit only: not visited.
        let (f, _) = case_of(&app, &w, &w.other_worker, &court, "Fay", "2026-07-01").await;
        let mut draft = sighting(&f, "2026-09-09T10:00:00Z", "home_visit", "home", "seen");
        draft["status"] = json!("draft");
        record(&app, &w.other_worker.token, draft).await;

        let report: Value = app.get("/api/v1/reports/visits?month=2026-09", &w.manager.token).await.json().await.unwrap();
        assert_eq!(report["month"], "2026-09");
        assert_eq!(report["overall"], json!({"children": 5, "visited": 3, "visited_pct": 60.0, "within_timescale": 2, "within_timescale_pct": 40.0}));
        let team = |id: &str| report["teams"].as_array().unwrap().iter().find(|t| t["team_id"] == id).unwrap().clone();
        let s = team(&ours);
        assert_eq!((s["team_name"].as_str(), s["children"].as_u64(), s["visited"].as_u64(), s["visited_pct"].as_f64(), s["within_timescale"].as_u64(), s["within_timescale_pct"].as_f64()),
                   (Some("Safeguarding and Support"), Some(3), Some(2), Some(66.7), Some(1), Some(33.3)));
        let ct = team(&court);
        assert_eq!((ct["children"].as_u64(), ct["visited"].as_u64(), ct["visited_pct"].as_f64(), ct["within_timescale"].as_u64()), (Some(2), Some(1), Some(50.0), Some(1)));

        // The month before: A from 3 Aug, visited 28 Aug: due by 17 Aug, so late.
        let august: Value = app.get("/api/v1/reports/visits?month=2026-08", &w.chair.token).await.json().await.unwrap();
        assert_eq!(august["overall"]["children"], 5, "A, B, C, D, F were on plans on 31 August");
        assert_eq!(august["overall"]["visited"], 2);
        assert_eq!(august["overall"]["within_timescale"], 0);

        // CSV: one row per team and an overall row.
        let (kind, text) = csv(&app, "/api/v1/reports/visits?month=2026-09", &w.auditor.token).await;
        assert!(kind.starts_with("text/csv"), "{kind}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "team_id,team_name,children,visited,visited_pct,within_timescale,within_timescale_pct");
        assert_eq!(lines.len(), 4);
        assert!(lines.contains(&format!("{court},Court Team,2,1,50.0,1,50.0").as_str()), "{text}");
        assert!(lines.contains(&format!("{ours},Safeguarding and Support,3,2,66.7,1,33.3").as_str()), "{text}");
        assert_eq!(lines[3], "overall,All teams,5,3,60.0,2,40.0");

        // Bad months are named; practitioners and social workers do not read reports.
        let body = problem(app.get("/api/v1/reports/visits?month=2026-13", &w.manager.token).await, 422).await;
        assert_eq!(blamed_fields(&body), ["month"]);
        problem(app.get("/api/v1/reports/visits?month=2026-09", &w.lead.token).await, 403).await;
    }

    async fn csv_cells_cannot_run_as_formulas(app) {
        let w = world(&app).await;
        // An admin names a team the way an attacker would.
        let me: Value = app.get("/api/v1/me", &w.lead.token).await.json().await.unwrap();
        let agency = me["agency_id"].as_str().map(String::from).unwrap_or_else(|| {
            panic!("the lead has an agency: {me}")
        });
        let res = app.post("/api/v1/teams", &w.admin.token, &json!({"name": "=HYPERLINK(\"http://attacker.example\",\"Open\")", "agency_id": agency})).await;
        assert_eq!(res.status(), 201);
        let team = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        case_of(&app, &w, &w.lead, &team, "Gus", "2026-08-03").await;
        let (_, text) = csv(&app, "/api/v1/reports/visits?month=2026-09", &w.manager.token).await;
        let row = text.lines().find(|l| l.starts_with(&team)).unwrap();
        assert_eq!(row, format!("{team},\"'=HYPERLINK(\"\"http://attacker.example\"\",\"\"Open\"\")\",1,0,0.0,0,0.0"));
        for line in text.lines() {
            for cell in line.split(',') {
                let cell = cell.trim_start_matches('"');
                assert!(!cell.starts_with(['=', '+', '-', '@']), "{line}");
            }
        }
    }

    async fn plans_and_core_group_reports(app) {
        let w = world(&app).await;
        // A plan open over 15 months, and a second plan for the same child.
        let long = child(&app, &w, "Hal", "2014-01-01", None).await;
        plan(&app, &w, &long, "2025-01-06").await;
        let repeat = child(&app, &w, "Ivy", "2014-01-01", None).await;
        let first = plan(&app, &w, &repeat, "2025-03-03").await;
        let res = app.post(&format!("/api/v1/plans/{first}/end"), &w.lead.token, &json!({"end_date": "2025-09-01", "reason": "step_down_to_cin"})).await;
        assert_eq!(res.status(), 200);
        let second = plan(&app, &w, &repeat, "2026-02-02").await;
        let report: Value = app.get("/api/v1/reports/plans?as_of=2026-06-01", &w.chair.token).await.json().await.unwrap();
        assert_eq!(report["overall"], json!({"open": 2, "over_12_months": 1, "over_15_months": 1, "second_or_subsequent": 1}));
        let listed: Vec<(&str, u64)> = report["plans"].as_array().unwrap().iter().map(|p| (p["child_id"].as_str().unwrap(), p["plan_number"].as_u64().unwrap())).collect();
        assert_eq!(listed, [(long.as_str(), 1), (repeat.as_str(), 2)]);
        assert!(!report.to_string().contains("Hal"), "counts and ids, not names");
        let (_, text) = csv(&app, "/api/v1/reports/plans?as_of=2026-06-01", &w.manager.token).await;
        assert!(text.ends_with("overall,All teams,2,1,1,1\r\n"), "{text}");

        // Core groups: the school attended one of two meetings; its action was late.
        join(&app, &w, &second, &w.teacher, "2026-02-02").await;
        let mut meetings = Vec::new();
        for (on, status) in [("2026-02-12", "attended"), ("2026-03-20", "did_not_attend")] {
            let m: Value = app.post(&format!("/api/v1/plans/{second}/meetings"), &w.lead.token, &json!({"held_on": on})).await.json().await.unwrap();
            let res = app.send_json(reqwest::Method::PUT, &format!("/api/v1/meetings/{}/attendance", m["id"].as_str().unwrap()), &w.lead.token,
                &json!({"attendance": [{"user_id": w.lead.id, "status": "attended"}, {"user_id": w.teacher.id, "status": status}]})).await;
            assert_eq!(res.status(), 200);
            meetings.push(m["id"].as_str().unwrap().to_string());
        }
        // Set at the first meeting, due 1 March, still open.
        let res = app.post(&format!("/api/v1/plans/{second}/actions"), &w.lead.token, &json!({"description": "Attendance plan", "owner_id": w.teacher.id, "due_on": "2026-03-01", "meeting_id": meetings[0]})).await;
        assert_eq!(res.status(), 201);
        let report: Value = app.get("/api/v1/reports/core-groups?from=2026-02-01&to=2026-03-31", &w.manager.token).await.json().await.unwrap();
        assert_eq!(report["meetings"], 2);
        assert_eq!(report["meetings_on_time"], 2);
        assert_eq!(report["minutes_on_time"], 0);
        let school = report["agencies"].as_array().unwrap().iter().find(|a| a["agency_name"] == "Millbrook Primary").unwrap();
        assert_eq!((school["meetings"].as_u64(), school["attended"].as_u64(), school["attendance_pct"].as_f64()), (Some(2), Some(1), Some(50.0)));
        assert_eq!((school["actions_due"].as_u64(), school["not_done"].as_u64()), (Some(1), Some(1)), "{school}");
        let body = problem(app.get("/api/v1/reports/core-groups?from=2026-03-31&to=2026-02-01", &w.manager.token).await, 422).await;
        assert_eq!(blamed_fields(&body), ["to"]);
        let (_, text) = csv(&app, "/api/v1/reports/core-groups?from=2026-02-01&to=2026-03-31", &w.auditor.token).await;
        assert!(text.lines().any(|l| l.contains("Millbrook Primary,2,1,50.0")), "{text}");
    }

    async fn the_audit_sample_is_reproducible_and_finds_copied_records(app) {
        let w = world(&app).await;
        let family: Value = app.post("/api/v1/families", &w.lead.token, &json!({})).await.json().await.unwrap();
        let fam = family["id"].as_str().unwrap();
        let mut siblings = Vec::new();
        for (name, dob) in [("Jo", "2012-02-02"), ("Kit", "2015-03-03"), ("Lu", "2019-04-04")] {
            let c = child(&app, &w, name, dob, Some(fam)).await;
            plan(&app, &w, &c, "2026-06-01").await;
            siblings.push(c);
        }
        for i in 0..6 {
            let c = child(&app, &w, &format!("Solo{i}"), "2013-01-01", None).await;
            plan(&app, &w, &c, "2026-06-01").await;
        }
        // A family visit: the same words copied onto the two older children's records,
        // the youngest not present.
        let copied = "Home warm. Children played well together.";
        let res = app.post("/api/v1/visits", &w.lead.token, &json!({
            "occurred_at": "2026-09-08T16:00:00Z", "location": "home", "kind": "home_visit",
            "children": [
                {"child_id": siblings[0], "outcome": "seen", "observations": copied},
                {"child_id": siblings[1], "outcome": "seen", "observations": copied},
                {"child_id": siblings[2], "outcome": "not_present"},
            ]})).await;
        assert_eq!(res.status(), 201, "{:?}", res.text().await);

        let path = "/api/v1/reports/audit-sample?month=2026-09&size=4&seed=committee-2026-09";
        let first: Value = app.get(path, &w.auditor.token).await.json().await.unwrap();
        // Asked again with the moment it echoed: the same sample, byte for byte.
        let known_at = first["known_at"].as_str().unwrap();
        let again = app.get(&format!("{path}&known_at={known_at}"), &w.auditor.token).await.text().await.unwrap();
        assert_eq!(serde_json::to_string(&first).unwrap(), serde_json::to_string(&serde_json::from_str::<Value>(&again).unwrap()).unwrap(), "the same seed draws the same sample");
        assert_eq!(first["drawn"], 4);
        let ids: Vec<&str> = first["sample"].as_array().unwrap().iter().map(|c| c["child_id"].as_str().unwrap()).collect();
        // Whenever one sibling is drawn, all three are in the sample.
        let any_sibling = siblings.iter().any(|s| ids.contains(&s.as_str()));
        assert_eq!(siblings.iter().all(|s| ids.contains(&s.as_str())), any_sibling);
        // Some seed draws the family: then the copies and the absent child are found.
        let mut found = None;
        for n in 0..50 {
            let sample: Value = app.get(&format!("/api/v1/reports/audit-sample?month=2026-09&size=2&seed=s{n}"), &w.auditor.token).await.json().await.unwrap();
            if sample["sample"].as_array().unwrap().iter().any(|c| c["child_id"] == siblings[0].as_str()) {
                found = Some(sample);
                break;
            }
        }
        let sample = found.expect("one of 50 seeds draws the family");
        let finding = |id: &str| sample["sample"].as_array().unwrap().iter().find(|c| c["child_id"] == id).unwrap()["finding"].as_str().unwrap().to_string();
        assert_eq!(finding(&siblings[0]), "not_child_specific");
        assert_eq!(finding(&siblings[1]), "not_child_specific");
        assert_eq!(finding(&siblings[2]), "visited_not_seen");
        assert_eq!(sample["seen_with_record"], 0);

        // For auditors only; the size is bounded and the seed required.
        problem(app.get(path, &w.manager.token).await, 403).await;
        let body = problem(app.get("/api/v1/reports/audit-sample?month=2026-09&size=0&seed=x", &w.auditor.token).await, 422).await;
        assert_eq!(blamed_fields(&body), ["size"]);
        let body = problem(app.get("/api/v1/reports/audit-sample?month=2026-09", &w.auditor.token).await, 422).await;
        assert_eq!(blamed_fields(&body), ["seed"]);
        let (_, text) = csv(&app, path, &w.auditor.token).await;
        assert_eq!(text.lines().count(), 1 + first["children"].as_u64().unwrap() as usize);
    }
}
