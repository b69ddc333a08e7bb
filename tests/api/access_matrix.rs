//! Every route × every role × inside and outside the relationship. Routes are read from the
//! served OpenAPI document, so a new route fails this test until it is classified here.

use reqwest::Method;
use serde_json::{json, Value};

use crate::cases::{child, join, plan, sighting, world};
use crate::harness::{without_known_at, TestApp};
use crate::on_both;

/// What a route is, for access purposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Open to anyone (login, refresh) or to any signed-in user about themselves.
    Public,
    /// Accounts and settings: decided by role alone.
    Admin,
    /// About one child's record: hidden (404) outside the relationship.
    Case,
    /// Lists the caller's own children.
    Dashboard,
    /// Creates new case records (families, children): social care only.
    CreateCase,
    /// The caller's own work across children (`/me/actions`, `/me/drafts`).
    Own,
    /// Decided by role: reports (team manager, CP chair, auditor), the chair's plans (CP
    /// chair), the audit sample (auditor).
    Role(&'static [&'static str]),
}

fn classify(path: &str) -> Kind {
    match path {
        "/healthz"
        | "/readyz"
        | "/api/v1/auth/login"
        | "/api/v1/auth/refresh"
        | "/api/v1/auth/logout"
        | "/api/v1/auth/reset-password"
        | "/api/v1/me"
        | "/api/v1/me/password" => Kind::Public,
        "/api/v1/dashboard" => Kind::Dashboard,
        "/api/v1/me/actions" | "/api/v1/me/drafts" => Kind::Own,
        "/api/v1/chair/plans" => Kind::Role(&["chair", "other_chair"]),
        "/api/v1/reports/audit-sample" => Kind::Role(&["auditor"]),
        p if p.starts_with("/api/v1/reports/") => Kind::Role(&[
            "manager",
            "other_manager",
            "chair",
            "other_chair",
            "auditor",
        ]),
        "/api/v1/families" | "/api/v1/children" => Kind::CreateCase,
        p if p.starts_with("/api/v1/children/")
            || p.starts_with("/api/v1/plans/")
            || p.starts_with("/api/v1/sightings")
            || p.starts_with("/api/v1/meetings/")
            || p.starts_with("/api/v1/minutes/")
            || p.starts_with("/api/v1/actions/")
            || p == "/api/v1/visits" =>
        {
            Kind::Case
        }
        p if [
            "/api/v1/agencies",
            "/api/v1/teams",
            "/api/v1/users",
            "/api/v1/calendars",
            "/api/v1/policy",
        ]
        .iter()
        .any(|a| p.starts_with(a)) =>
        {
            Kind::Admin
        }
        other => {
            panic!("route {other} is not classified in the access matrix: decide who may use it")
        }
    }
}

struct Ids {
    meeting: String,
    minutes: String,
    action: String,
    child: String,
    plan: String,
    sighting: String,
    member: String,
}

/// The request for a route, about the given ids (real ones, or ones that do not exist).
fn request(
    app: &TestApp,
    method: &str,
    path: &str,
    ids: &Ids,
    token: &str,
) -> reqwest::RequestBuilder {
    let url = path
        .replace("/children/{id}", &format!("/children/{}", ids.child))
        .replace("/plans/{id}", &format!("/plans/{}", ids.plan))
        .replace("/sightings/{id}", &format!("/sightings/{}", ids.sighting))
        .replace("{member_id}", &ids.member)
        .replace("/meetings/{id}", &format!("/meetings/{}", ids.meeting))
        .replace("/minutes/{id}", &format!("/minutes/{}", ids.minutes))
        .replace("/actions/{id}", &format!("/actions/{}", ids.action));
    let body = match (method, path) {
        (_, "/api/v1/sightings") | (_, "/api/v1/sightings/{id}") => sighting(
            &ids.child,
            "2026-01-20T10:00:00Z",
            "other_contact",
            "office",
            "seen",
        ),
        (_, "/api/v1/sightings/{id}/corrections") => {
            let mut b = sighting(
                &ids.child,
                "2026-01-20T10:00:00Z",
                "other_contact",
                "office",
                "seen",
            );
            b["reason"] = json!("matrix");
            b
        }
        (_, "/api/v1/visits") => {
            json!({"occurred_at": "2026-01-20T10:00:00Z", "location": "home", "kind": "home_visit",
                                         "children": [{"child_id": ids.child, "outcome": "seen"}]})
        }
        (_, "/api/v1/children/{id}/plans") => {
            json!({"start_date": "2026-01-05", "category": "neglect", "team_id": "t",
                                                      "lead_social_worker_id": "l", "cp_chair_id": "c"})
        }
        (_, "/api/v1/plans/{id}/members") => json!({"user_id": "u"}),
        (_, "/api/v1/plans/{id}/members/{member_id}") => json!({"until": "2026-02-01"}),
        (_, "/api/v1/plans/{id}/end") => json!({"end_date": "2026-02-01", "reason": "other"}),
        (_, "/api/v1/plans/{id}/visit-frequency") => {
            json!({"visit_frequency": null, "agreed_by": "c", "reason": "matrix"})
        }
        (_, "/api/v1/sightings/{id}/decision") => json!({"decision": "matrix"}),
        (_, "/api/v1/plans/{id}/meetings") => json!({"held_on": "2026-01-15"}),
        (_, "/api/v1/meetings/{id}/attendance") => json!({"attendance": []}),
        (_, "/api/v1/meetings/{id}/minutes") => json!({"body": "Matrix minutes."}),
        (_, "/api/v1/minutes/{id}") => json!({"body": "Changed."}),
        (_, "/api/v1/plans/{id}/actions") => {
            json!({"description": "Matrix", "owner_id": "u", "due_on": "2026-12-31"})
        }
        (_, "/api/v1/actions/{id}") => json!({"status": "done"}),
        (_, "/api/v1/actions/{id}/progress") => json!({"note": "Matrix"}),
        (_, "/api/v1/plans/{id}/reviews") => {
            json!({"held_on": "2026-02-01", "outcome": "plan_continues"})
        }
        (_, "/api/v1/plans/{id}/covers") => {
            json!({"user_id": "u", "from": "2026-02-01", "until": "2026-02-14"})
        }
        _ => json!({}),
    };
    let method: Method = method.to_uppercase().parse().unwrap();
    let url = match path {
        "/api/v1/reports/visits" => format!("{url}?month=2026-01"),
        "/api/v1/reports/audit-sample" => format!("{url}?month=2026-01&seed=matrix"),
        "/api/v1/reports/core-groups" => format!("{url}?from=2026-01-01&to=2026-03-31"),
        _ => url,
    };
    let builder = app
        .client
        .request(method.clone(), app.url(&url))
        .header("If-Match", "\"1\"")
        .bearer_auth(token);
    if method == Method::GET {
        builder
    } else {
        builder.json(&body)
    }
}

async fn answer(app: &TestApp, method: &str, path: &str, ids: &Ids, token: &str) -> (u16, Value) {
    let res = request(app, method, path, ids, token).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

on_both! {
    async fn no_route_tells_an_outsider_that_a_child_exists(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Zed", "2014-02-02", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        let member = join(&app, &w, &p, &w.teacher, "2026-01-05").await;
        let s: Value = app.post("/api/v1/sightings", &w.lead.token, &sighting(&c, "2026-01-14T10:00:00Z", "home_visit", "home", "not_seen")).await.json().await.unwrap();
        let meeting: Value = app.post(&format!("/api/v1/plans/{p}/meetings"), &w.lead.token, &json!({"held_on": "2026-01-15"})).await.json().await.unwrap();
        let meeting_id = meeting["id"].as_str().unwrap().to_string();
        let minutes: Value = app.post(&format!("/api/v1/meetings/{meeting_id}/minutes"), &w.lead.token, &json!({"body": "Minutes of the first core group."})).await.json().await.unwrap();
        let minutes_id = minutes["id"].as_str().unwrap().to_string();
        let res = app.client.post(app.url(&format!("/api/v1/minutes/{minutes_id}/publish"))).bearer_auth(&w.lead.token).header("If-Match", "\"1\"").send().await.unwrap();
        assert_eq!(res.status(), 200);
        let action: Value = app.post(&format!("/api/v1/plans/{p}/actions"), &w.lead.token, &json!({"description": "Share attendance records", "owner_id": w.teacher.id, "due_on": "2026-12-31"})).await.json().await.unwrap();
        // The teacher's own draft, for the routes of the caller's own work.
        let mut draft = sighting(&c, "2026-01-15T10:00:00Z", "school_contact", "school", "seen");
        draft["status"] = json!("draft");
        assert_eq!(app.post("/api/v1/sightings", &w.teacher.token, &draft).await.status(), 201);
        let real = Ids { meeting: meeting_id, minutes: minutes_id, action: action["id"].as_str().unwrap().to_string(), child: c.clone(), plan: p, sighting: s["id"].as_str().unwrap().to_string(), member };
        let missing = Ids { meeting: "no-such-meeting".into(), minutes: "no-such-minutes".into(), action: "no-such-action".into(), child: "no-such-child".into(), plan: "no-such-plan".into(), sighting: "no-such-sighting".into(), member: "no-such-member".into() };

        let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
        let mut routes = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                routes.push((method.clone(), path.clone(), classify(path)));
            }
        }
        assert!(routes.len() >= 30, "{} routes", routes.len());

        let outsiders = [
            ("practitioner outside the core group", &w.other_teacher),
            ("social worker of another team", &w.other_worker),
            ("team manager of another team", &w.other_manager),
            ("admin", &w.admin),
        ];
        for (method, path, kind) in &routes {
            match kind {
                Kind::Case => {
                    for (who, outsider) in &outsiders {
                        let hidden = answer(&app, method, path, &real, &outsider.token).await;
                        let absent = answer(&app, method, path, &missing, &outsider.token).await;
                        assert_eq!(hidden, absent, "{method} {path} as {who}: the answer differs for a real child");
                        assert!(!hidden.1.to_string().contains("Zed"), "{method} {path} as {who} leaked a name");
                        assert!(hidden.0 >= 400, "{method} {path} as {who} answered {}", hidden.0);
                    }
                    // Inside the relationship, reads succeed.
                    if method == "get" {
                        for (who, insider) in [("lead", &w.lead), ("manager", &w.manager), ("chair", &w.chair), ("auditor", &w.auditor)] {
                            let (status, body) = answer(&app, method, path, &real, &insider.token).await;
                            if path.ends_with("/access-log") && who == "lead" {
                                assert_eq!(status, 403, "{path} as {who}");
                            } else {
                                assert_eq!(status, 200, "{method} {path} as {who}: {body}");
                            }
                        }
                        let (status, _) = answer(&app, method, path, &real, &w.teacher.token).await;
                        // The log and the chair's view of implementation are not for practitioners.
                        let expected = if path.ends_with("/access-log") || path.ends_with("/implementation") { 403 } else { 200 };
                        assert_eq!(status, expected, "{method} {path} as the core-group teacher");
                    }
                    // Without a token: 401, whatever the child.
                    let res = request(&app, method, path, &real, "not-a-token").send().await.unwrap();
                    assert_eq!(res.status(), 401, "{method} {path} without a valid token");
                }
                Kind::Admin if method != "get" => {
                    // Never a success for anyone but an admin (an empty body may be refused
                    // before the role is: accounts.rs sends valid bodies and expects 403).
                    for (who, user) in [("lead", &w.lead), ("teacher", &w.teacher), ("chair", &w.chair), ("auditor", &w.auditor), ("manager", &w.manager)] {
                        let (status, _) = answer(&app, method, path, &real, &user.token).await;
                        assert!(status == 400 || status == 403 || status == 404, "{method} {path} as {who}: {status}");
                    }
                }
                Kind::Dashboard => {
                    for (who, outsider) in &outsiders[..3] {
                        let (status, body) = answer(&app, method, path, &real, &outsider.token).await;
                        assert_eq!(status, 200, "{who}");
                        assert_eq!(body["children"], json!([]), "{who} sees nobody");
                    }
                    assert_eq!(answer(&app, method, path, &real, &w.admin.token).await.0, 403);
                }
                Kind::CreateCase => {
                    for (who, user) in [("teacher", &w.teacher), ("chair", &w.chair), ("auditor", &w.auditor), ("admin", &w.admin)] {
                        let (status, _) = answer(&app, method, path, &real, &user.token).await;
                        assert!(status == 403 || status == 400, "{method} {path} as {who}: {status}");
                    }
                }
                Kind::Own => {
                    // Outsiders own nothing here; the teacher sees their own action, their own draft.
                    for (who, outsider) in &outsiders {
                        let (status, body) = answer(&app, method, path, &real, &outsider.token).await;
                        assert_eq!(status, 200, "{who}");
                        assert_eq!(body["items"], json!([]), "{who} owns nothing");
                    }
                    let (status, body) = answer(&app, method, path, &real, &w.teacher.token).await;
                    assert_eq!(status, 200);
                    assert_eq!(body["items"].as_array().unwrap().len(), 1, "{body}");
                }
                Kind::Role(allowed) => {
                    let everyone = [
                        ("lead", &w.lead), ("manager", &w.manager), ("chair", &w.chair),
                        ("teacher", &w.teacher), ("auditor", &w.auditor), ("admin", &w.admin),
                        ("other_teacher", &w.other_teacher), ("other_worker", &w.other_worker),
                        ("other_manager", &w.other_manager), ("other_chair", &w.other_chair),
                    ];
                    for (who, user) in everyone {
                        let (status, body) = answer(&app, method, path, &real, &user.token).await;
                        let expected = if allowed.contains(&who) { 200 } else { 403 };
                        assert_eq!(status, expected, "{method} {path} as {who}: {body}");
                        assert!(!body.to_string().contains("Zed") || who == "auditor" || who == "chair", "{method} {path} as {who} named a child");
                    }
                    let res = request(&app, method, path, &real, "not-a-token").send().await.unwrap();
                    assert_eq!(res.status(), 401, "{method} {path} without a valid token");
                }
                _ => {}
            }
        }
        // A CP chair reads every open plan, but not a closed one they did not chair.
        let closed = child(&app, &w, "Yan", "2013-03-03", None).await;
        let closed_plan = plan(&app, &w, &closed, "2026-01-05").await;
        let res = app.post(&format!("/api/v1/plans/{closed_plan}/end"), &w.lead.token, &json!({"end_date": "2026-03-01", "reason": "no_longer_at_risk"})).await;
        assert_eq!(res.status(), 200);
        let closed_ids = Ids { meeting: "no-such-meeting".into(), minutes: "no-such-minutes".into(), action: "no-such-action".into(), child: closed.clone(), plan: closed_plan, sighting: "no-such-sighting".into(), member: "no-such-member".into() };
        for (method, path, kind) in &routes {
            if *kind != Kind::Case || !(path.starts_with("/api/v1/children") || path.starts_with("/api/v1/plans")) {
                continue;
            }
            let hidden = answer(&app, method, path, &closed_ids, &w.other_chair.token).await;
            let absent = answer(&app, method, path, &missing, &w.other_chair.token).await;
            assert_eq!(hidden, absent, "{method} {path} as a chair of nothing, for a closed plan");
            if method == "get" && !path.ends_with("/access-log") {
                assert_eq!(answer(&app, method, path, &closed_ids, &w.chair.token).await.0, 200, "{path} as its chair");
                assert_eq!(answer(&app, method, path, &closed_ids, &w.other_chair.token).await.0, 404);
            }
        }
        assert_eq!(answer(&app, "get", "/api/v1/children/{id}", &real, &w.other_chair.token).await.0, 200, "every open plan");

        // Nothing an outsider sent was stored.
        let chronology: Value = app.get(&format!("/api/v1/children/{c}/chronology"), &w.lead.token).await.json().await.unwrap();
        let sightings = chronology["entries"].as_array().unwrap().iter().filter(|e| e["type"] == "sighting").count();
        assert_eq!(sightings, 1);
    }
}

/// The routes about one plan or what belongs to it (meetings, minutes, actions), and the
/// writes about one record of a plan (decisions, corrections).
fn about_a_plan(path: &str) -> bool {
    [
        "/api/v1/plans/",
        "/api/v1/meetings/",
        "/api/v1/minutes/",
        "/api/v1/actions/",
    ]
    .iter()
    .any(|p| path.starts_with(p))
        || (path.starts_with("/api/v1/sightings/{id}/"))
}

/// A team's id, read from one of its members.
async fn team_of(app: &TestApp, user_id: &str) -> String {
    let id = user_id.to_string();
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

on_both! {
    // A child on a second plan: the first (ended) was led by a social worker of the Court Team,
    // managed by that team and chaired by another chair; the second (open) belongs to another
    // team and chair. Ties to the ended plan give no authority over the open one — on any route.
    async fn an_ended_plan_gives_no_authority_over_the_open_one(app) {
        let w = world(&app).await;
        let court_team = team_of(&app, &w.other_worker.id).await;
        let res = app.post("/api/v1/children", &w.other_worker.token, &json!({"given_name": "Wren", "family_name": "Example", "date_of_birth": "2015-04-04"})).await;
        assert_eq!(res.status(), 201);
        let c = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let res = app.post(&format!("/api/v1/children/{c}/plans"), &w.other_worker.token, &json!({
            "start_date": "2025-03-03", "category": "neglect", "team_id": court_team,
            "lead_social_worker_id": w.other_worker.id, "cp_chair_id": w.other_chair.id})).await;
        assert_eq!(res.status(), 201);
        let old = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let res = app.post(&format!("/api/v1/plans/{old}/end"), &w.other_worker.token, &json!({"end_date": "2025-12-01", "reason": "step_down_to_cin"})).await;
        assert_eq!(res.status(), 200);
        // The second plan, started by the Court Team, is handed to the lead's team and chair.
        let res = app.post(&format!("/api/v1/children/{c}/plans"), &w.other_worker.token, &json!({
            "start_date": "2026-01-05", "category": "neglect", "team_id": w.team_id,
            "lead_social_worker_id": w.lead.id, "cp_chair_id": w.chair.id})).await;
        assert_eq!(res.status(), 201);
        let p = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let member = join(&app, &w, &p, &w.teacher, "2026-01-05").await;
        let s: Value = app.post("/api/v1/sightings", &w.lead.token, &sighting(&c, "2026-01-14T10:00:00Z", "home_visit", "home", "not_seen")).await.json().await.unwrap();
        let meeting: Value = app.post(&format!("/api/v1/plans/{p}/meetings"), &w.lead.token, &json!({"held_on": "2026-01-15"})).await.json().await.unwrap();
        let meeting_id = meeting["id"].as_str().unwrap().to_string();
        let minutes: Value = app.post(&format!("/api/v1/meetings/{meeting_id}/minutes"), &w.lead.token, &json!({"body": "Minutes of the first core group."})).await.json().await.unwrap();
        let minutes_id = minutes["id"].as_str().unwrap().to_string();
        let res = app.client.post(app.url(&format!("/api/v1/minutes/{minutes_id}/publish"))).bearer_auth(&w.lead.token).header("If-Match", "\"1\"").send().await.unwrap();
        assert_eq!(res.status(), 200);
        let action: Value = app.post(&format!("/api/v1/plans/{p}/actions"), &w.lead.token, &json!({"description": "Share attendance records", "owner_id": w.teacher.id, "due_on": "2026-12-31"})).await.json().await.unwrap();
        let real = Ids { meeting: meeting_id.clone(), minutes: minutes_id.clone(), action: action["id"].as_str().unwrap().to_string(), child: c.clone(), plan: p.clone(), sighting: s["id"].as_str().unwrap().to_string(), member: member.clone() };
        let missing = Ids { meeting: "no-such-meeting".into(), minutes: "no-such-minutes".into(), action: "no-such-action".into(), child: "no-such-child".into(), plan: "no-such-plan".into(), sighting: "no-such-sighting".into(), member: "no-such-member".into() };
        let before: Value = app.get(&format!("/api/v1/plans/{p}/core-group"), &w.lead.token).await.json().await.unwrap();

        let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
        let mut routes = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            if about_a_plan(path) {
                for method in item.as_object().unwrap().keys() {
                    routes.push((method.clone(), path.clone()));
                }
            }
        }
        assert!(routes.len() >= 20, "{} plan routes", routes.len());
        for (method, path) in &routes {
            // The old plan's lead and team manager have no tie to this plan: it is hidden
            // from them exactly as a missing one is, reads and writes alike.
            for (who, old) in [("the ended plan's lead", &w.other_worker), ("the ended plan's team manager", &w.other_manager)] {
                let hidden = answer(&app, method, path, &real, &old.token).await;
                let absent = answer(&app, method, path, &missing, &old.token).await;
                assert_eq!(hidden, absent, "{method} {path} as {who}");
            }
            // The old plan's chair reads every open plan, and changes none they do not chair.
            let (status, body) = answer(&app, method, path, &real, &w.other_chair.token).await;
            if method == "get" {
                assert_eq!(status, 200, "{method} {path} as the ended plan's chair: {body}");
            } else {
                assert!(status == 403 || status == 404, "{method} {path} as the ended plan's chair: {status} {body}");
            }
        }

        // The attacks the penetration test saw, with bodies that would otherwise succeed.
        let hv = w.health_visitor.id.clone();
        let attacks: Vec<(&str, String, Value)> = vec![
            ("post", format!("/api/v1/plans/{p}/members"), json!({"user_id": hv, "from": "2026-02-02"})),
            ("patch", format!("/api/v1/plans/{p}/members/{member}"), json!({"until": "2026-02-01"})),
            ("post", format!("/api/v1/plans/{p}/covers"), json!({"user_id": w.other_worker.id, "from": "2026-02-01", "until": "2027-01-31"})),
            ("put", format!("/api/v1/plans/{p}/visit-frequency"), json!({"visit_frequency": {"every": 5, "unit": "working_days"}, "agreed_by": w.chair.id, "reason": "Agreed at review"})),
            ("post", format!("/api/v1/plans/{p}/meetings"), json!({"held_on": "2026-02-10"})),
            ("put", format!("/api/v1/meetings/{meeting_id}/attendance"), json!({"attendance": [{"user_id": w.teacher.id, "status": "attended"}]})),
            ("post", format!("/api/v1/meetings/{meeting_id}/minutes"), json!({"body": "An addendum.", "addendum_to": minutes_id})),
            ("post", format!("/api/v1/plans/{p}/actions"), json!({"description": "Attend the next meeting", "owner_id": w.teacher.id, "due_on": "2026-12-31"})),
            ("patch", format!("/api/v1/actions/{}", real.action), json!({"status": "cancelled"})),
            ("post", format!("/api/v1/plans/{p}/reviews"), json!({"held_on": "2026-02-02", "outcome": "plan_ends"})),
            ("post", format!("/api/v1/sightings/{}/decision", real.sighting), json!({"decision": "Visit again tomorrow"})),
            ("post", format!("/api/v1/plans/{p}/end"), json!({"end_date": "2026-02-02", "reason": "no_longer_at_risk"})),
            ("post", "/api/v1/sightings".to_string(), sighting(&c, "2026-02-02T10:00:00Z", "home_visit", "home", "seen")),
        ];
        for (who, old) in [("the ended plan's lead", &w.other_worker), ("the ended plan's team manager", &w.other_manager), ("the ended plan's chair", &w.other_chair)] {
            for (method, path, body) in &attacks {
                let res = app.client.request(method.to_uppercase().parse().unwrap(), app.url(path))
                    .bearer_auth(&old.token).header("If-Match", "\"1\"").json(body).send().await.unwrap();
                let status = res.status().as_u16();
                assert!(status == 403 || status == 404, "{method} {path} as {who}: {status} {:?}", res.text().await);
            }
        }
        // Nothing they sent was stored: the plan is open, its core group, meetings, actions,
        // reviews, covers and frequency as they were.
        let after: Value = app.get(&format!("/api/v1/plans/{p}/core-group"), &w.lead.token).await.json().await.unwrap();
        assert_eq!(without_known_at(before), without_known_at(after));
        let plan_now: Value = app.get(&format!("/api/v1/plans/{p}"), &w.lead.token).await.json().await.unwrap();
        assert!(plan_now["end_date"].is_null(), "{plan_now}");
        assert_eq!(plan_now["members"].as_array().unwrap().len(), 2, "{plan_now}");
        assert!(plan_now["visit_frequency"].is_null(), "{plan_now}");
        let pid = p.clone();
        let covers = app.store.read(move |conn| coregroup::store::cases::covers_of_plan(conn, &pid)).await.unwrap();
        assert!(covers.is_empty(), "{covers:?}");
        let reviews: Value = app.get(&format!("/api/v1/plans/{p}/reviews"), &w.lead.token).await.json().await.unwrap();
        assert_eq!(reviews["reviews"], json!([]), "{reviews}");
        let actions: Value = app.get(&format!("/api/v1/plans/{p}/actions"), &w.lead.token).await.json().await.unwrap();
        assert_eq!(actions["items"].as_array().unwrap().len(), 1, "{actions}");
        assert_eq!(actions["items"][0]["status"], "open");
        let chronology: Value = app.get(&format!("/api/v1/children/{c}/chronology"), &w.lead.token).await.json().await.unwrap();
        let sightings = chronology["entries"].as_array().unwrap().iter().filter(|e| e["type"] == "sighting").count();
        assert_eq!(sightings, 1);
        let status: Value = app.get(&format!("/api/v1/children/{c}/status"), &w.lead.token).await.json().await.unwrap();
        assert!(status.to_string().contains("failed_visit"), "the missing decision still shows: {status}");

        // The other way: the open plan's people have no authority over the ended plan, and a
        // member of the open plan's core group does not reach the ended plan's records.
        let old_ids = Ids { plan: old.clone(), ..missing_with_child(&c) };
        for (method, path) in &routes {
            if !path.starts_with("/api/v1/plans/") {
                continue;
            }
            let hidden = answer(&app, method, path, &old_ids, &w.teacher.token).await;
            let absent = answer(&app, method, path, &missing, &w.teacher.token).await;
            assert_eq!(hidden, absent, "{method} {path} on the ended plan as the open plan's teacher");
            if method != "get" {
                let (status, _) = answer(&app, method, path, &old_ids, &w.lead.token).await;
                assert!(status == 403 || status == 404, "{method} {path} on the ended plan as the open plan's lead: {status}");
            }
        }
        // The ended plan's own people still read it.
        assert_eq!(app.get(&format!("/api/v1/plans/{old}/core-group"), &w.other_worker.token).await.status(), 200);
        assert_eq!(app.get(&format!("/api/v1/plans/{old}/core-group"), &w.other_chair.token).await.status(), 200);
    }
}

fn missing_with_child(child: &str) -> Ids {
    Ids {
        meeting: "no-such-meeting".into(),
        minutes: "no-such-minutes".into(),
        action: "no-such-action".into(),
        child: child.into(),
        plan: "no-such-plan".into(),
        sighting: "no-such-sighting".into(),
        member: "no-such-member".into(),
    }
}
