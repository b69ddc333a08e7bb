//! Text on the way in. Control characters (but tab, CR and LF) are refused in every text
//! field of every body, in query strings and in stored headers, naming the field and storing
//! nothing, the same on both databases; a path whose id holds one names no record (404).
//! Dates of birth start at 1900; CSV cells cannot hide a formula behind an invisible or
//! fullwidth first character.

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};

use crate::cases::{child, join, plan, sighting, world, World};
use crate::harness::{blamed_fields, problem, TestApp, PASSWORD};
use crate::on_both;

/// What every text field is sent with: NUL (which PostgreSQL cannot store) and, in turn,
/// one other refused character: ESC (a terminal escape), DEL, a C1 control (CSI) and SOH.
const NUL: &str = "before\u{0}after";
const OTHERS: [&str; 4] = ["\u{1b}[2J", "del\u{7f}", "csi\u{9b}31m", "\u{1}"];

/// One step of a path into a request body: a key, or the last element of an array.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Last,
}

/// The paths of every free-text or id field of a schema in the OpenAPI document: strings
/// that are neither enumerations nor dates.
fn text_fields(doc: &Value, schema: &Value, at: &[Step], out: &mut Vec<Vec<Step>>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap();
        return text_fields(doc, &doc["components"]["schemas"][name], at, out);
    }
    if schema.get("enum").is_some() {
        return;
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for alternative in schema[key].as_array().into_iter().flatten() {
            text_fields(doc, alternative, at, out);
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            let mut next = at.to_vec();
            next.push(Step::Key(name.clone()));
            text_fields(doc, property, &next, out);
        }
    }
    if types.contains(&"array") {
        let mut next = at.to_vec();
        next.push(Step::Last);
        text_fields(doc, &schema["items"], &next, out);
    }
    let date = matches!(schema["format"].as_str(), Some("date" | "date-time"));
    if types.contains(&"string") && !date {
        out.push(at.to_vec());
    }
}

/// Puts `value` at `path` in `body` (adding the key when absent) and returns the field's
/// name as the API gives it (`children[1].observations`).
fn put_at(body: &mut Value, path: &[Step], value: Value) -> String {
    let mut name = String::new();
    let mut here = body;
    for (i, step) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        match step {
            Step::Key(key) => {
                if !name.is_empty() {
                    name.push('.');
                }
                name.push_str(key);
                let object = here.as_object_mut().expect("an object in the body");
                if last {
                    object.insert(key.clone(), value);
                    return name;
                }
                let next_is_array = path[i + 1] == Step::Last;
                here = object.entry(key.clone()).or_insert_with(|| {
                    if next_is_array {
                        json!([{}])
                    } else {
                        json!({})
                    }
                });
                if here.is_null() {
                    *here = if next_is_array {
                        json!([{}])
                    } else {
                        json!({})
                    };
                }
            }
            Step::Last => {
                let array = here.as_array_mut().expect("an array in the body");
                assert!(!array.is_empty(), "the body needs an element at {name}");
                let index = array.len() - 1;
                name.push_str(&format!("[{index}]"));
                if last {
                    array[index] = value;
                    return name;
                }
                here = &mut array[index];
            }
        }
    }
    name
}

/// Records every route's body is about, made through the API.
struct Fixture {
    w: World,
    agency: String,
    family: String,
    plan: String,
    ending_plan: String,
    unplanned_child: String,
    child: String,
    sibling: String,
    meeting: String,
    fresh_meeting: String,
    minutes: String,
    action: String,
    final_sighting: String,
    draft_sighting: String,
    failed_sighting: String,
    member: String,
    refresh_token: String,
}

async fn created(res: reqwest::Response) -> String {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body["id"].as_str().unwrap().to_string()
}

async fn fixture(app: &TestApp) -> Fixture {
    let w = world(app).await;
    let me: Value = app
        .get("/api/v1/me", &w.lead.token)
        .await
        .json()
        .await
        .unwrap();
    let agency = me["agency_id"].as_str().unwrap().to_string();
    let family = created(
        app.post("/api/v1/families", &w.lead.token, &json!({}))
            .await,
    )
    .await;
    let c = child(app, &w, "Ada", "2016-02-02", Some(&family)).await;
    let sibling = child(app, &w, "Bo", "2019-03-03", Some(&family)).await;
    let unplanned_child = child(app, &w, "Cy", "2017-04-04", None).await;
    let ending = child(app, &w, "Di", "2015-05-05", None).await;
    let p = plan(app, &w, &c, "2026-01-05").await;
    plan(app, &w, &sibling, "2026-01-05").await;
    let ending_plan = plan(app, &w, &ending, "2026-01-05").await;
    join(app, &w, &p, &w.teacher, "2026-01-05").await;
    let member = join(app, &w, &p, &w.health_visitor, "2026-01-05").await;
    let meeting = created(
        app.post(
            &format!("/api/v1/plans/{p}/meetings"),
            &w.lead.token,
            &json!({"held_on": "2026-01-15"}),
        )
        .await,
    )
    .await;
    let fresh_meeting = created(
        app.post(
            &format!("/api/v1/plans/{p}/meetings"),
            &w.lead.token,
            &json!({"held_on": "2026-02-12"}),
        )
        .await,
    )
    .await;
    let minutes = created(
        app.post(
            &format!("/api/v1/meetings/{meeting}/minutes"),
            &w.lead.token,
            &json!({"body": "Draft minutes."}),
        )
        .await,
    )
    .await;
    let action = created(
        app.post(
            &format!("/api/v1/plans/{p}/actions"),
            &w.lead.token,
            &json!({"description": "Share attendance weekly", "owner_id": w.teacher.id, "due_on": "2026-12-31"}),
        )
        .await,
    )
    .await;
    let final_sighting = created(
        app.post(
            "/api/v1/sightings",
            &w.lead.token,
            &sighting(&c, "2026-01-14T10:00:00Z", "home_visit", "home", "seen"),
        )
        .await,
    )
    .await;
    let mut draft = sighting(
        &c,
        "2026-01-13T10:00:00Z",
        "other_contact",
        "office",
        "seen",
    );
    draft["status"] = json!("draft");
    let draft_sighting = created(app.post("/api/v1/sightings", &w.lead.token, &draft).await).await;
    let failed_sighting = created(
        app.post(
            "/api/v1/sightings",
            &w.lead.token,
            &sighting(&c, "2026-01-20T10:00:00Z", "home_visit", "home", "not_seen"),
        )
        .await,
    )
    .await;
    let session = app
        .session(&app.user(coregroup::domain::people::Role::Auditor).await)
        .await;
    let refresh_token = session["refresh_token"].as_str().unwrap().to_string();
    Fixture {
        agency,
        family,
        plan: p,
        ending_plan,
        unplanned_child,
        child: c,
        sibling,
        meeting,
        fresh_meeting,
        minutes,
        action,
        final_sighting,
        draft_sighting,
        failed_sighting,
        member,
        refresh_token,
        w,
    }
}

/// A route's request: who sends it, to which URL, a body it accepts as it is, and the text
/// fields it carries beyond its documented schema.
struct Request {
    token: Option<String>,
    url: String,
    body: Value,
    if_match: bool,
    undocumented: &'static [&'static str],
}

/// The accepted request for each route with a JSON body. A route not listed here is still
/// checked, with an empty body (the check comes before the body is read as its type).
fn request_for(method: &str, route: &str, f: &Fixture) -> Option<Request> {
    let w = &f.w;
    let t = |p: &crate::cases::Person| Some(p.token.clone());
    let (token, url, body) = match (method, route) {
        ("post", "/api/v1/auth/login") => (
            None,
            route.to_string(),
            json!({"email": "lead@riverside.example", "password": PASSWORD}),
        ),
        ("post", "/api/v1/auth/refresh") => (
            None,
            route.to_string(),
            json!({"refresh_token": f.refresh_token}),
        ),
        ("post", "/api/v1/agencies") => (
            t(&w.admin),
            route.to_string(),
            json!({"name": "Input Agency", "kind": "school"}),
        ),
        ("post", "/api/v1/teams") => (
            t(&w.admin),
            route.to_string(),
            json!({"name": "Input Team", "agency_id": f.agency}),
        ),
        ("post", "/api/v1/users") => (
            t(&w.admin),
            route.to_string(),
            json!({"email": "new.person@input.example", "name": "New Person",
                   "password": "a long enough password", "role": "practitioner",
                   "agency_id": f.agency, "team_id": w.team_id}),
        ),
        ("patch", "/api/v1/users/{id}") => (
            t(&w.admin),
            format!("/api/v1/users/{}", w.other_teacher.id),
            json!({"name": "Renamed Person"}),
        ),
        ("put", "/api/v1/policy") => (t(&w.admin), route.to_string(), json!({})),
        ("post", "/api/v1/children") => (
            t(&w.lead),
            route.to_string(),
            json!({"given_name": "Eve", "family_name": "Example", "date_of_birth": "2019-05-05",
                   "family_id": f.family}),
        ),
        ("post", "/api/v1/children/{id}/plans") => (
            t(&w.lead),
            format!("/api/v1/children/{}/plans", f.unplanned_child),
            json!({"start_date": "2026-01-05", "category": "neglect", "team_id": w.team_id,
                   "lead_social_worker_id": w.lead.id, "cp_chair_id": w.chair.id}),
        ),
        ("put", "/api/v1/meetings/{id}/attendance") => (
            t(&w.lead),
            format!("/api/v1/meetings/{}/attendance", f.fresh_meeting),
            json!({"attendance": [
                {"user_id": w.lead.id, "status": "attended"},
                {"user_id": w.teacher.id, "status": "apologies", "contribution": "Settled in class"}]}),
        ),
        ("post", "/api/v1/meetings/{id}/minutes") => (
            t(&w.lead),
            format!("/api/v1/meetings/{}/minutes", f.fresh_meeting),
            json!({"body": "Minutes of the meeting."}),
        ),
        ("put", "/api/v1/minutes/{id}") => (
            t(&w.lead),
            format!("/api/v1/minutes/{}", f.minutes),
            json!({"body": "Changed minutes."}),
        ),
        ("post", "/api/v1/plans/{id}/actions") => (
            t(&w.lead),
            format!("/api/v1/plans/{}/actions", f.plan),
            json!({"description": "Book a health review", "owner_id": w.health_visitor.id,
                   "due_on": "2026-12-31", "meeting_id": f.meeting}),
        ),
        ("post", "/api/v1/plans/{id}/covers") => (
            t(&w.manager),
            format!("/api/v1/plans/{}/covers", f.plan),
            json!({"user_id": w.other_worker.id, "from": "2026-02-01", "until": "2026-02-10"}),
        ),
        ("post", "/api/v1/plans/{id}/end") => (
            t(&w.lead),
            format!("/api/v1/plans/{}/end", f.ending_plan),
            json!({"end_date": "2026-06-30", "reason": "other"}),
        ),
        ("post", "/api/v1/plans/{id}/meetings") => (
            t(&w.lead),
            format!("/api/v1/plans/{}/meetings", f.plan),
            json!({"held_on": "2026-03-10", "chair_id": w.chair.id}),
        ),
        ("post", "/api/v1/plans/{id}/members") => (
            t(&w.lead),
            format!("/api/v1/plans/{}/members", f.plan),
            json!({"user_id": w.police.id, "from": "2026-01-05"}),
        ),
        ("patch", "/api/v1/plans/{id}/members/{member_id}") => (
            t(&w.lead),
            format!("/api/v1/plans/{}/members/{}", f.plan, f.member),
            json!({"until": "2026-06-30"}),
        ),
        ("post", "/api/v1/plans/{id}/reviews") => (
            t(&w.chair),
            format!("/api/v1/plans/{}/reviews", f.plan),
            json!({"held_on": "2026-03-01", "outcome": "plan_continues", "notes": "Going well"}),
        ),
        ("put", "/api/v1/plans/{id}/visit-frequency") => (
            t(&w.lead),
            format!("/api/v1/plans/{}/visit-frequency", f.plan),
            json!({"visit_frequency": {"every": 14, "unit": "calendar_days"},
                   "agreed_by": w.chair.id, "reason": "Agreed at review"}),
        ),
        ("post", "/api/v1/sightings") => (
            t(&w.lead),
            route.to_string(),
            sighting(
                &f.child,
                "2026-01-21T10:00:00Z",
                "home_visit",
                "home",
                "seen_alone",
            ),
        ),
        ("put", "/api/v1/sightings/{id}") => {
            let mut body = sighting(
                &f.child,
                "2026-01-13T11:00:00Z",
                "other_contact",
                "office",
                "seen",
            );
            body["status"] = json!("draft");
            (
                t(&w.lead),
                format!("/api/v1/sightings/{}", f.draft_sighting),
                body,
            )
        }
        ("post", "/api/v1/sightings/{id}/corrections") => {
            let mut body = sighting(
                &f.child,
                "2026-01-14T10:00:00Z",
                "home_visit",
                "home",
                "not_seen",
            );
            body["reason"] = json!("Recorded in error as seen");
            (
                t(&w.lead),
                format!("/api/v1/sightings/{}/corrections", f.final_sighting),
                body,
            )
        }
        ("post", "/api/v1/sightings/{id}/decision") => (
            t(&w.manager),
            format!("/api/v1/sightings/{}/decision", f.failed_sighting),
            json!({"decision": "Revisit tomorrow"}),
        ),
        ("post", "/api/v1/visits") => (
            t(&w.lead),
            route.to_string(),
            json!({"occurred_at": "2026-01-22T16:00:00Z", "location": "home", "kind": "home_visit",
                   "people_present": "Mother", "children": [
                       {"child_id": f.child, "outcome": "seen"},
                       {"child_id": f.sibling, "outcome": "seen_alone", "observations": "Calm"}]}),
        ),
        ("patch", "/api/v1/actions/{id}") => (
            t(&w.lead),
            format!("/api/v1/actions/{}", f.action),
            json!({"description": "Share attendance every Friday", "owner_id": w.teacher.id}),
        ),
        ("post", "/api/v1/actions/{id}/progress") => (
            t(&w.teacher),
            format!("/api/v1/actions/{}/progress", f.action),
            json!({"note": "Attendance 82% this half term."}),
        ),
        _ => return None,
    };
    Some(Request {
        token,
        url,
        body,
        if_match: matches!(
            (method, route),
            ("put", "/api/v1/minutes/{id}") | ("patch", "/api/v1/actions/{id}")
        ),
        undocumented: match route {
            // `reason` sits beside the record's own fields.
            "/api/v1/sightings/{id}/corrections" => &["reason"],
            _ => &[],
        },
    })
}

async fn send(app: &TestApp, method: &str, r: &Request, body: &Value) -> reqwest::Response {
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut req = app.client.request(method, app.url(&r.url)).json(body);
    if let Some(token) = &r.token {
        req = req.bearer_auth(token);
    }
    if r.if_match {
        req = req.header("If-Match", "\"1\"");
    }
    req.send().await.unwrap()
}

/// Every row count, and the records the routes change in place: equal before and after
/// a refused request when nothing was stored.
async fn fingerprint(app: &TestApp, f: &Fixture) -> String {
    let (minutes, action, draft, plan) = (
        f.minutes.clone(),
        f.action.clone(),
        f.draft_sighting.clone(),
        f.plan.clone(),
    );
    app.store
        .read(move |c| {
            use coregroup::store::schema::*;
            let counts: Vec<i64> = vec![
                settings::table.count().get_result(c)?,
                agencies::table.count().get_result(c)?,
                teams::table.count().get_result(c)?,
                users::table.count().get_result(c)?,
                refresh_tokens::table.count().get_result(c)?,
                login_failures::table.count().get_result(c)?,
                calendars::table.count().get_result(c)?,
                families::table.count().get_result(c)?,
                children::table.count().get_result(c)?,
                plans::table.count().get_result(c)?,
                plan_frequency_changes::table.count().get_result(c)?,
                core_group_members::table.count().get_result(c)?,
                sightings::table.count().get_result(c)?,
                visit_decisions::table.count().get_result(c)?,
                idempotency_keys::table.count().get_result(c)?,
                access_log::table.count().get_result(c)?,
                plan_covers::table.count().get_result(c)?,
                meetings::table.count().get_result(c)?,
                meeting_attendance::table.count().get_result(c)?,
                minutes::table.count().get_result(c)?,
                minutes_distribution::table.count().get_result(c)?,
                actions::table.count().get_result(c)?,
                action_progress::table.count().get_result(c)?,
                reviews::table.count().get_result(c)?,
            ];
            Ok(format!(
                "{counts:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
                coregroup::store::minutes::get(c, &minutes)?,
                coregroup::store::actions::get(c, &action)?,
                coregroup::store::sightings::get(c, &draft)?,
                coregroup::store::cases::get_plan(c, &plan)?,
                coregroup::store::accounts::list_users(c)?,
                coregroup::store::settings::policy(c)?,
            ))
        })
        .await
        .unwrap()
}

/// Sends `body` and asserts a 422 that names `field` alone, with nothing stored.
async fn refused(
    app: &TestApp,
    f: &Fixture,
    method: &str,
    r: &Request,
    body: &Value,
    field: &str,
    before: &str,
) {
    let res = send(app, method, r, body).await;
    let what = format!(
        "{} {} with {field} = {}",
        method.to_uppercase(),
        r.url,
        body
    );
    assert_eq!(res.status(), 422, "{what}: {:?}", res.text().await);
    let p = problem(res, 422).await;
    assert_eq!(blamed_fields(&p), [field], "{what}");
    assert!(
        p["detail"].as_str().unwrap().contains("control characters"),
        "{what}: {p}"
    );
    assert_eq!(
        fingerprint(app, f).await,
        before,
        "{what}: something was stored"
    );
}

on_both! {
    async fn every_text_field_of_every_body_refuses_control_characters(app) {
        let f = fixture(&app).await;
        let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
        let mut checked: Vec<String> = Vec::new();
        let mut other = OTHERS.iter().cycle();
        for (route, operations) in doc["paths"].as_object().unwrap() {
            for (method, operation) in operations.as_object().unwrap() {
                let Some(schema) = operation["requestBody"]["content"]["application/json"].get("schema") else {
                    continue;
                };
                if route == "/api/v1/calendars" {
                    continue; // A feed document: see calendar_feeds_refuse_control_characters.
                }
                let r = request_for(method, route, &f).unwrap_or_else(|| Request {
                    token: Some(f.w.lead.token.clone()),
                    url: route.replace("{id}", "no-such-id").replace("{member_id}", "no-such-id"),
                    body: json!({}),
                    if_match: false,
                    undocumented: &[],
                });
                let mut fields = Vec::new();
                text_fields(&doc, schema, &[], &mut fields);
                fields.extend(r.undocumented.iter().map(|k| vec![Step::Key(k.to_string())]));
                let before = fingerprint(&app, &f).await;
                for path in &fields {
                    for bad in [NUL, other.next().unwrap()] {
                        let mut body = r.body.clone();
                        let field = put_at(&mut body, path, json!(bad));
                        refused(&app, &f, method, &r, &body, &field, &before).await;
                        checked.push(format!("{} {route} {field}", method.to_uppercase()));
                    }
                }
                // A key is text too (`{"note\u0000": …}`), on every route.
                let mut body = r.body.clone();
                body.as_object_mut().unwrap().insert("note\u{0}".into(), json!("x"));
                refused(&app, &f, method, &r, &body, "note\\u{0000}", &before).await;
                // The body as it is, is accepted: the refusals were the characters' doing.
                if request_for(method, route, &f).is_some() {
                    let res = send(&app, method, &r, &r.body).await;
                    let status = res.status();
                    assert!(status.is_success(), "{method} {route}: {status} {:?}", res.text().await);
                }
            }
        }
        // The walk found the fields the penetration test named, and the rest.
        for expected in [
            "POST /api/v1/sightings observations", "POST /api/v1/sightings childs_voice",
            "POST /api/v1/sightings people_present", "POST /api/v1/sightings child_id",
            "PUT /api/v1/sightings/{id} observations",
            "POST /api/v1/sightings/{id}/corrections childs_voice",
            "POST /api/v1/sightings/{id}/corrections reason",
            "POST /api/v1/visits children[1].observations", "POST /api/v1/visits children[1].childs_voice",
            "POST /api/v1/visits children[1].child_id", "POST /api/v1/visits people_present",
            "POST /api/v1/meetings/{id}/minutes body", "POST /api/v1/meetings/{id}/minutes addendum_to",
            "PUT /api/v1/minutes/{id} body",
            "POST /api/v1/plans/{id}/actions description", "PATCH /api/v1/actions/{id} description",
            "POST /api/v1/actions/{id}/progress note",
            "POST /api/v1/sightings/{id}/decision decision",
            "PUT /api/v1/plans/{id}/visit-frequency reason",
            "PUT /api/v1/meetings/{id}/attendance attendance[1].contribution",
            "POST /api/v1/plans/{id}/reviews notes",
            "POST /api/v1/children given_name", "POST /api/v1/children family_name",
            "POST /api/v1/children/{id}/plans team_id",
            "POST /api/v1/users name", "POST /api/v1/users email", "POST /api/v1/users password",
            "PATCH /api/v1/users/{id} name", "POST /api/v1/agencies name", "POST /api/v1/teams name",
            "POST /api/v1/auth/login email", "POST /api/v1/auth/login password",
            "POST /api/v1/auth/refresh refresh_token",
        ] {
            assert!(checked.iter().any(|c| c == expected), "{expected} was not checked: {checked:#?}");
        }
    }

    async fn tabs_and_line_breaks_are_still_text(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Tam", "2016-06-06", None).await;
        plan(&app, &w, &c, "2026-01-05").await;
        let text = "Line one\nLine two\r\n\tIndented, and “quoted” — émigré ✓";
        let mut body = sighting(&c, "2026-01-21T10:00:00Z", "home_visit", "home", "seen_alone");
        body["observations"] = json!(text);
        body["childs_voice"] = json!("Said:\n\t“I like my room.”");
        let res = app.post("/api/v1/sightings", &w.lead.token, &body).await;
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let stored: Value = app.get(&format!("/api/v1/sightings/{id}"), &w.lead.token).await.json().await.unwrap();
        assert_eq!(stored["observations"], text);
        assert_eq!(stored["childs_voice"], "Said:\n\t“I like my room.”");
    }

    async fn ids_with_control_characters_are_not_found(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Ivo", "2016-06-06", None).await;
        plan(&app, &w, &c, "2026-01-05").await;
        // What a missing record answers: every id that cannot be one answers the same.
        let missing = app.get("/api/v1/children/no-such-child", &w.lead.token).await;
        assert_eq!(missing.status(), 404);
        let missing = missing.bytes().await.unwrap();
        let good = sighting(&c, "2026-01-21T10:00:00Z", "home_visit", "home", "seen");
        let cases: Vec<(Method, String, &str, Option<Value>)> = vec![
            (Method::GET, "/api/v1/children/%00".into(), &w.lead.token, None),
            (Method::GET, format!("/api/v1/children/{c}%00"), &w.lead.token, None),
            (Method::GET, "/api/v1/children/%00/status?as_of=2026-02-01".into(), &w.lead.token, None),
            (Method::GET, "/api/v1/children/a%1Bb/chronology".into(), &w.lead.token, None),
            (Method::GET, "/api/v1/plans/%7F".into(), &w.lead.token, None),
            (Method::GET, "/api/v1/sightings/%C2%9B".into(), &w.lead.token, None),
            (Method::GET, "/api/v1/minutes/%0A".into(), &w.lead.token, None),
            (Method::GET, "/api/v1/actions/%FF".into(), &w.lead.token, None),
            (Method::GET, "/api/v1/users/%00".into(), &w.admin.token, None),
            (Method::GET, "/api/v1/calendars/%00".into(), &w.admin.token, None),
            (Method::PUT, "/api/v1/sightings/%00".into(), &w.lead.token, Some(good.clone())),
            (Method::POST, "/api/v1/sightings/%00/decision".into(), &w.manager.token, Some(json!({"decision": "x"}))),
            // With a body that is not acceptable either: the id still decides.
            (Method::POST, "/api/v1/plans/%00/actions".into(), &w.lead.token, Some(json!({"description": 5}))),
        ];
        for (method, path, token, body) in cases {
            let mut req = app.client.request(method.clone(), app.url(&path)).bearer_auth(token);
            if let Some(body) = &body {
                req = req.json(body);
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 404, "{method} {path}");
            let kind = res.headers()["content-type"].to_str().unwrap().to_string();
            assert!(kind.starts_with("application/problem+json"), "{method} {path}: {kind}");
            assert_eq!(res.bytes().await.unwrap(), missing, "{method} {path}");
        }
        // The record itself is still there under its own id.
        assert_eq!(app.get(&format!("/api/v1/children/{c}"), &w.lead.token).await.status(), 200);
    }

    async fn query_text_with_control_characters_is_refused(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Quin", "2016-06-06", None).await;
        plan(&app, &w, &c, "2026-01-05").await;
        let count = |app: &TestApp| {
            let store = app.store.clone();
            async move {
                store.read(|c| Ok(coregroup::store::schema::access_log::table.count().get_result::<i64>(c)?)).await.unwrap()
            }
        };
        let logged = count(&app).await;
        for (path, token, field) in [
            ("/api/v1/reports/audit-sample?month=2026-01&seed=%00", &w.auditor.token, "seed"),
            ("/api/v1/reports/audit-sample?month=2026-01&seed=a%1Bb", &w.auditor.token, "seed"),
            ("/api/v1/reports/audit-sample?month=2026-01&seed=%C2%9B", &w.auditor.token, "seed"),
            ("/api/v1/reports/audit-sample?month=2026-01&seed=ok&size=%00", &w.auditor.token, "size"),
            ("/api/v1/reports/visits?month=2026-01%00", &w.manager.token, "month"),
            ("/api/v1/reports/core-groups?from=%7F&to=2026-02-01", &w.manager.token, "from"),
            ("/api/v1/dashboard?as_of=%00", &w.lead.token, "as_of"),
        ] {
            let p = problem(app.get(path, token).await, 422).await;
            assert_eq!(blamed_fields(&p), [field], "{path}");
        }
        // Nothing was read, so nothing was logged.
        assert_eq!(count(&app).await, logged);
        // Signing in still comes first.
        problem(app.client.get(app.url("/api/v1/reports/audit-sample?month=2026-01&seed=%00")).send().await.unwrap(), 401).await;
        // A seed with a tab is text; it draws a sample.
        let res = app.get("/api/v1/reports/audit-sample?month=2026-01&seed=a%09b", &w.auditor.token).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.json::<Value>().await.unwrap()["seed"], "a\tb");
    }

    async fn idempotency_keys_with_control_characters_are_refused(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Kai", "2016-06-06", None).await;
        plan(&app, &w, &c, "2026-01-05").await;
        let body = sighting(&c, "2026-01-21T10:00:00Z", "home_visit", "home", "seen");
        for key in [&b"key\twith-tab"[..], b"key\x9b31m", b"\x80", b"key with space"] {
            let res = app.client.post(app.url("/api/v1/sightings")).bearer_auth(&w.lead.token)
                .header("Idempotency-Key", reqwest::header::HeaderValue::from_bytes(key).unwrap())
                .json(&body).send().await.unwrap();
            let p = problem(res, 422).await;
            assert_eq!(blamed_fields(&p), ["Idempotency-Key"], "{key:?}");
        }
        let chronology: Value = app.get(&format!("/api/v1/children/{c}/chronology"), &w.lead.token).await.json().await.unwrap();
        assert!(!chronology["entries"].as_array().unwrap().iter().any(|e| e["type"] == "sighting"), "nothing recorded");
        // A raw control character in a header never reaches a handler: the HTTP parser answers
        // a bare 400 (it cannot name the header), never a 500, and nothing is stored.
        let res = raw_request(&app, &format!(
            "POST /api/v1/sightings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nIdempotency-Key: a\x1bb\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}",
            w.lead.token)).await;
        assert!(res.starts_with("HTTP/1.1 400 "), "{res}");
    }

    async fn the_login_refuses_control_characters_and_counts_no_failure(app) {
        let user = app.user(coregroup::domain::people::Role::SocialWorker).await;
        for (email, password, field) in [
            (format!("{}\u{0}", user.email), PASSWORD.to_string(), "email"),
            (user.email.clone(), format!("{PASSWORD}\u{1b}"), "password"),
        ] {
            let p = problem(app.login_response(&email, &password).await, 422).await;
            assert_eq!(blamed_fields(&p), [field]);
        }
        let failures = app.store.read(|c| Ok(coregroup::store::schema::login_failures::table.count().get_result::<i64>(c)?)).await.unwrap();
        assert_eq!(failures, 0);
        assert_eq!(app.login_response(&user.email, PASSWORD).await.status(), 200);
    }

    async fn calendar_feeds_refuse_control_characters(app) {
        let w = world(&app).await;
        let feed = |title: &str| json!({
            "england-and-wales": {"division": "england-and-wales", "events": [
                {"title": "New Year’s Day", "date": "2030-01-01", "notes": "", "bunting": true},
                {"title": title, "date": "2030-12-25", "notes": "", "bunting": true}]},
            "scotland": {"division": "scotland", "events": [
                {"title": "2nd January", "date": "2030-01-02", "notes": "", "bunting": true}]},
            "northern-ireland": {"division": "northern-ireland", "events": [
                {"title": "St Patrick’s Day", "date": "2030-03-18", "notes": "", "bunting": true}]}
        }).to_string();
        for title in ["Christmas\u{0}Day", "Christmas \u{1b}[5m"] {
            let res = app.client.put(app.url("/api/v1/calendars")).bearer_auth(&w.admin.token)
                .header("content-type", "application/json").body(feed(title)).send().await.unwrap();
            let p = problem(res, 422).await;
            assert_eq!(blamed_fields(&p), ["england-and-wales.events[1].title"]);
        }
        let list: Value = app.get("/api/v1/calendars", &w.admin.token).await.json().await.unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "the shipped calendar is still the one in force");
        let res = app.client.put(app.url("/api/v1/calendars")).bearer_auth(&w.admin.token)
            .header("content-type", "application/json").body(feed("Christmas Day")).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }

    async fn dates_of_birth_before_1900_are_refused(app) {
        let w = world(&app).await;
        for dob in ["1899-12-31", "1000-01-01", "0001-01-01"] {
            let res = app.post("/api/v1/children", &w.lead.token,
                &json!({"given_name": "Old", "family_name": "Example", "date_of_birth": dob})).await;
            let p = problem(res, 422).await;
            assert_eq!(blamed_fields(&p), ["date_of_birth"], "{dob}");
        }
        // Only social care records children: that is still said first.
        let res = app.post("/api/v1/children", &w.teacher.token,
            &json!({"given_name": "Old", "family_name": "Example", "date_of_birth": "1899-12-31"})).await;
        problem(res, 403).await;
        let res = app.post("/api/v1/children", &w.lead.token,
            &json!({"given_name": "Oldest", "family_name": "Example", "date_of_birth": "1900-01-01"})).await;
        assert_eq!(res.status(), 201);
        let children = app.store.read(|c| Ok(coregroup::store::schema::children::table.count().get_result::<i64>(c)?)).await.unwrap();
        assert_eq!(children, 1);
    }

    async fn csv_cells_cannot_hide_a_formula(app) {
        let w = world(&app).await;
        let me: Value = app.get("/api/v1/me", &w.lead.token).await.json().await.unwrap();
        let agency = me["agency_id"].as_str().unwrap().to_string();
        let names = ["\u{200B}=1+1", "\u{FEFF}@SUM(A1)", "\u{FF1D}1+1", "|calc", "\u{200D} =1+1"];
        let mut teams = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let res = app.post("/api/v1/teams", &w.admin.token, &json!({"name": name, "agency_id": agency})).await;
            let team = created(res).await;
            let c = child(&app, &w, &format!("Child{i}"), "2016-04-04", None).await;
            let res = app.post(&format!("/api/v1/children/{c}/plans"), &w.lead.token, &json!({
                "start_date": "2026-08-03", "category": "neglect", "team_id": team,
                "lead_social_worker_id": w.lead.id, "cp_chair_id": w.chair.id})).await;
            assert_eq!(res.status(), 201, "{:?}", res.text().await);
            teams.push(team);
        }
        let res = app.client.get(app.url("/api/v1/reports/visits?month=2026-09")).bearer_auth(&w.manager.token)
            .header("Accept", "text/csv").send().await.unwrap();
        assert_eq!(res.status(), 200);
        let text = res.text().await.unwrap();
        for (team, name) in teams.iter().zip(names) {
            let row = text.lines().find(|l| l.starts_with(team.as_str())).unwrap_or_else(|| panic!("{team}: {text}"));
            assert_eq!(row, format!("{team},'{name},1,0,0.0,0,0.0"));
        }
    }
}

/// Sends bytes as they are (what no HTTP client library would send) and returns the answer.
async fn raw_request(app: &TestApp, request: &str) -> String {
    use std::io::{Read, Write};
    let address = app.address.trim_start_matches("http://").to_string();
    let request = request.to_string();
    // The server runs on its own threads: a blocking socket here cannot hold it up.
    std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    })
    .join()
    .unwrap()
}
