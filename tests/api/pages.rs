//! The web pages through HTTP, as a browser without JavaScript uses them: it keeps its
//! cookies, posts forms with their hidden fields and follows no redirect (each 303 is
//! asserted where it happens).

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use reqwest::header::{HeaderMap, CACHE_CONTROL, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{json, Value};

use crate::cases::{child, join, plan, sighting, world, Person, World};
use crate::harness::{problem, TestApp, PASSWORD};
use crate::on_both;

const SESSION: &str = "coregroup_session";
const SIGN_IN: &str = "coregroup_sign_in";

// The e-mail addresses of the people of `cases::world`.
const LEAD: &str = "lead@riverside.example";
const MANAGER: &str = "manager@riverside.example";
const CHAIR: &str = "chair@riverside.example";
const TEACHER: &str = "teacher@millbrook.example";
const HEALTH_VISITOR: &str = "hv@health.example";
const POLICE: &str = "pc@police.example";
const AUDITOR: &str = "audit@partnership.example";
const ADMIN: &str = "admin@riverside.example";
const OTHER_TEACHER: &str = "teacher@hillside.example";

/// One answer to a page request.
#[derive(Debug)]
pub struct Page {
    /// "GET /children", for messages.
    pub what: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    fn header(&self, name: impl reqwest::header::AsHeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn location(&self) -> &str {
        self.header(LOCATION)
    }

    pub fn is_html(&self) -> bool {
        self.header(CONTENT_TYPE).starts_with("text/html")
    }

    /// The `<main>` element, as sent.
    pub fn main(&self) -> &str {
        let Some(start) = self.body.find("<main") else {
            return "";
        };
        let end = self.body[start..]
            .find("</main>")
            .map(|e| start + e + "</main>".len())
            .unwrap_or(self.body.len());
        &self.body[start..end]
    }

    pub fn title(&self) -> String {
        between(&self.body, "<title>", "</title>")
            .map(words)
            .unwrap_or_default()
    }

    /// The page's words, without tags, entities decoded, spaces collapsed.
    pub fn text(&self) -> String {
        words(&self.body)
    }

    /// The value of the first field called `name`.
    pub fn hidden(&self, name: &str) -> Option<String> {
        inputs(&self.body)
            .into_iter()
            .find(|i| i.name == name && i.kind == "hidden")
            .map(|i| i.value)
    }

    /// The `Set-Cookie` line for `name`, if the answer set or removed it.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|line| line.starts_with(&format!("{name}=")))
            .map(str::to_string)
    }

    /// Whether the error summary links to the field with id `field`.
    pub fn summary_links(&self, field: &str) -> bool {
        let main = self.main();
        main.contains("There is a problem") && main.contains(&format!("href=\"#{field}\""))
    }
}

impl std::fmt::Display for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = words(self.main());
        let short: String = text.chars().take(600).collect();
        write!(
            f,
            "{} answered {} (location {:?}): {short}",
            self.what,
            self.status,
            self.location()
        )
    }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

/// Decodes the character references a template writes (`&amp;`, `&#x27;`, `&#39;`).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let Some(end) = tail.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let entity = &tail[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Text without its tags, entities decoded, runs of white space made one space.
fn words(html: &str) -> String {
    let mut plain = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                plain.push(' ');
            }
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    unescape(&plain)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Clone)]
struct Input {
    kind: String,
    name: String,
    value: String,
}

/// The value of attribute `name` in one tag's text, if present.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!("{name}=\"");
    let mut from = 0;
    while let Some(at) = tag[from..].find(&needle) {
        let at = from + at;
        let preceded = tag[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_whitespace);
        let start = at + needle.len();
        if preceded {
            let end = tag[start..].find('"')? + start;
            return Some(unescape(&tag[start..end]));
        }
        from = start;
    }
    None
}

/// Every `<input>` of `html`, in order.
fn inputs(html: &str) -> Vec<Input> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<input") {
        let after = &rest[start..];
        let end = after.find('>').unwrap_or(after.len());
        let tag = &after[..end];
        if let Some(name) = attribute(tag, "name") {
            found.push(Input {
                kind: attribute(tag, "type").unwrap_or_else(|| "text".into()),
                name,
                value: attribute(tag, "value").unwrap_or_default(),
            });
        }
        rest = &after[end..];
    }
    found
}

/// Every `<form>…</form>` of `html`.
fn forms(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<form") {
        let after = &rest[start..];
        let end = after
            .find("</form>")
            .map(|e| e + "</form>".len())
            .unwrap_or(after.len());
        found.push(&after[..end]);
        rest = &after[end..];
    }
    found
}

/// A form's fields: name and value pairs, in order.
type Fields = Vec<(String, String)>;

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn without(form: &Fields, name: &str) -> Fields {
    form.iter().filter(|(k, _)| k != name).cloned().collect()
}

fn with(form: &Fields, name: &str, value: &str) -> Fields {
    let mut changed = without(form, name);
    changed.push((name.to_string(), value.to_string()));
    changed
}

/// A browser: its own cookie jar, no JavaScript, no redirects followed.
pub struct Browser<'a> {
    app: &'a TestApp,
    cookies: Mutex<BTreeMap<String, String>>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Browser<'a> {
        Browser {
            app,
            cookies: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    /// Puts a cookie in the jar (an old session's, to replay it).
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.to_string(), value.to_string());
    }

    pub async fn get(&self, path: &str) -> Page {
        let request = self.app.client.get(self.app.url(path));
        self.send(format!("GET {path}"), request).await
    }

    pub async fn post(&self, path: &str, form: &Fields) -> Page {
        let request = self.app.client.post(self.app.url(path)).form(form);
        self.send(format!("POST {path}"), request).await
    }

    async fn send(&self, what: String, request: reqwest::RequestBuilder) -> Page {
        let jar = self
            .cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let request = if jar.is_empty() {
            request
        } else {
            request.header(COOKIE, jar)
        };
        let res = request.send().await.expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.text().await.expect("body");
        for line in headers.get_all(SET_COOKIE).iter() {
            let line = line.to_str().expect("cookie header");
            let pair = line.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').expect("cookie pair");
            let gone = value.is_empty() || line.to_ascii_lowercase().contains("max-age=0");
            let mut jar = self.cookies.lock().unwrap();
            if gone {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_string(), value.to_string());
            }
        }
        let page = Page {
            what,
            status,
            headers,
            body,
        };
        if page.is_html() {
            assert_html_headers(&page);
        }
        page
    }

    /// Signs in through the form; the session cookie is then in the jar.
    pub async fn sign_in(&self, email: &str) -> Page {
        let form = self.get("/sign-in").await;
        assert_eq!(form.status, 200, "{form}");
        let token = form
            .hidden("form_token")
            .unwrap_or_else(|| panic!("the sign-in form has no form_token: {form}"));
        let answer = self
            .post(
                "/sign-in",
                &fields(&[
                    ("form_token", &token),
                    ("email", email),
                    ("password", PASSWORD),
                    ("next", "/children"),
                ]),
            )
            .await;
        assert_eq!(answer.status, 303, "sign in as {email}: {answer}");
        assert!(
            self.cookie(SESSION).is_some(),
            "no session cookie for {email}"
        );
        answer
    }

    /// The anti-forgery token of this browser's session, from the sign-out form every
    /// signed-in page carries.
    pub async fn form_token(&self) -> String {
        let page = self.get("/accessibility").await;
        page.hidden("form_token")
            .unwrap_or_else(|| panic!("a signed-in page carries the form token: {page}"))
    }
}

/// What every HTML answer must carry: no caching of case records, and a content security
/// policy that allows no inline script or style.
fn assert_html_headers(page: &Page) {
    assert!(
        page.header(CACHE_CONTROL).contains("no-store"),
        "{}: Cache-Control is {:?}",
        page.what,
        page.header(CACHE_CONTROL)
    );
    let csp = page.header("content-security-policy");
    assert!(
        csp.contains("default-src 'self'"),
        "{}: CSP is {csp:?}",
        page.what
    );
    assert!(
        !csp.contains("unsafe-inline"),
        "{}: CSP is {csp:?}",
        page.what
    );
}

/// The address of the sign-in page that comes back to `path`.
fn sign_in_for(path: &str) -> String {
    format!(
        "/sign-in?next={}",
        url::form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>()
    )
}

fn london_today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}

/// A contact form as a person fills it in: `outcome` on `day` at `time`, at school.
fn contact_form(
    token: &str,
    key: &str,
    outcome: Option<&str>,
    day: NaiveDate,
    time: &str,
) -> Fields {
    let mut form = fields(&[
        ("form_token", token),
        ("idempotency_key", key),
        ("location", "school"),
        ("kind", "other_contact"),
        ("occurred-day", &day.day().to_string()),
        ("occurred-month", &day.month().to_string()),
        ("occurred-year", &day.year().to_string()),
        ("occurred-time", time),
        ("observations", "Joined in with the class reading"),
        ("childs_voice", ""),
    ]);
    if let Some(outcome) = outcome {
        form.push(("outcome".into(), outcome.into()));
    }
    form
}

/// A family visit form: yesterday at 4pm, unannounced, each child's outcome in order (a
/// `None` leaves that child's outcome out).
fn visit_form(token: &str, key: &str, outcomes: &[Option<&str>]) -> Fields {
    let day = london_today().pred_opt().unwrap();
    let mut form = fields(&[
        ("form_token", token),
        ("idempotency_key", key),
        ("occurred-day", &day.day().to_string()),
        ("occurred-month", &day.month().to_string()),
        ("occurred-year", &day.year().to_string()),
        ("occurred-time", "4pm"),
        ("announced", "no"),
        ("people_present", "Their mother"),
    ]);
    for (i, outcome) in outcomes.iter().enumerate() {
        if let Some(outcome) = outcome {
            form.push((format!("children-{i}-outcome"), outcome.to_string()));
        }
        form.push((format!("children-{i}-bedroom_seen"), "yes".into()));
        form.push((format!("children-{i}-childs_voice"), String::new()));
        form.push((
            format!("children-{i}-observations"),
            format!("Child {i} was well"),
        ));
    }
    form.push(("step".into(), "check".into()));
    form
}

/// Siblings on plans led by the world's lead social worker (its team, its chair), with the
/// teacher in Alby's core group only.
struct Family {
    id: String,
    alby: String,
    alby_plan: String,
    abbie: String,
}

async fn family(app: &TestApp, w: &World) -> Family {
    let res = app
        .post("/api/v1/families", &w.lead.token, &json!({}))
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let alby = child(app, w, "Alby", "2015-06-01", Some(&id)).await;
    let abbie = child(app, w, "Abbie", "2019-09-01", Some(&id)).await;
    let alby_plan = plan(app, w, &alby, "2026-01-05").await;
    plan(app, w, &abbie, "2026-01-05").await;
    join(app, w, &alby_plan, &w.teacher, "2026-01-05").await;
    Family {
        id,
        alby,
        alby_plan,
        abbie,
    }
}

/// The child's contacts as the JSON API lists them.
async fn contacts(app: &TestApp, token: &str, child_id: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/api/v1/children/{child_id}/chronology"), token)
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "sighting")
        .map(|e| e["sighting"].clone())
        .collect()
}

/// The team of a user, read from the store.
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

/// Starts a plan for `child_id` from `start`, in `team`, led by `lead` and chaired by `chair`.
async fn plan_from(
    app: &TestApp,
    child_id: &str,
    start: NaiveDate,
    team: &str,
    lead: &Person,
    chair: &str,
) -> String {
    let res = app
        .post(
            &format!("/api/v1/children/{child_id}/plans"),
            &lead.token,
            &json!({
                "start_date": start.to_string(), "category": "neglect", "team_id": team,
                "lead_social_worker_id": lead.id, "cp_chair_id": chair,
            }),
        )
        .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn new_child(app: &TestApp, token: &str, given: &str, family: Option<&str>) -> String {
    let res = app
        .post(
            "/api/v1/children",
            token,
            &json!({"given_name": given, "family_name": "Example", "date_of_birth": "2016-03-03", "family_id": family}),
        )
        .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

on_both! {
    async fn a_wrong_password_shows_the_error_summary(app) {
        // The people sign in; no record is needed.
        world(&app).await;
        let browser = Browser::new(&app);
        let form = browser.get("/sign-in").await;
        assert_eq!(form.status, 200, "{form}");
        assert!(browser.cookie(SIGN_IN).is_some(), "the form binds its token to a cookie");
        let token = form.hidden("form_token").expect("form_token");
        let page = browser.post("/sign-in", &fields(&[("form_token", &token), ("email", TEACHER), ("password", "not the password"), ("next", "/children")])).await;
        assert_eq!(page.status, 422, "{page}");
        assert!(page.summary_links("email"), "{page}");
        assert!(page.title().starts_with("Error: "), "title {:?}", page.title());
        assert!(page.text().contains("Enter a correct email address and password"), "{page}");
        assert!(page.set_cookie(SESSION).is_none(), "no session after a wrong password");
        assert!(browser.cookie(SESSION).is_none());
        // The e-mail typed is kept; the password is not.
        assert!(inputs(&page.body).iter().any(|i| i.name == "email" && i.value == TEACHER), "{page}");
        assert!(!page.body.contains("not the password"));
        // The page gives a fresh token for the next try.
        let again = page.hidden("form_token").expect("a new form_token");
        let page = browser.post("/sign-in", &fields(&[("form_token", &again), ("email", TEACHER), ("password", PASSWORD), ("next", "/children")])).await;
        assert_eq!(page.status, 303, "{page}");
    }

    async fn a_sign_in_without_this_browsers_token_is_refused(app) {
        // The people sign in; no record is needed.
        world(&app).await;
        // No token at all.
        let browser = Browser::new(&app);
        browser.get("/sign-in").await;
        let page = browser.post("/sign-in", &fields(&[("email", TEACHER), ("password", PASSWORD), ("next", "/children")])).await;
        assert_eq!(page.status, 403, "{page}");
        assert!(page.main().contains("The form has expired"), "{page}");
        assert!(page.set_cookie(SESSION).is_none());
        assert_eq!(browser.get("/children").await.status, 303, "no session was opened");
        // A token given to another browser.
        let other = Browser::new(&app);
        let theirs = other.get("/sign-in").await.hidden("form_token").expect("form_token");
        let page = browser.post("/sign-in", &fields(&[("form_token", &theirs), ("email", TEACHER), ("password", PASSWORD), ("next", "/children")])).await;
        assert_eq!(page.status, 403, "{page}");
        assert!(page.main().contains("The form has expired"), "{page}");
        assert!(page.set_cookie(SESSION).is_none());
        // A token without the cookie it is bound to.
        let bare = Browser::new(&app);
        let page = bare.post("/sign-in", &fields(&[("form_token", &theirs), ("email", TEACHER), ("password", PASSWORD)])).await;
        assert_eq!(page.status, 403, "{page}");
        assert!(page.set_cookie(SESSION).is_none());
        let page = browser.get("/children").await;
        assert_eq!(page.status, 303);
        assert_eq!(page.location(), sign_in_for("/children"));
    }

    async fn signing_in_goes_on_to_next_with_a_strict_cookie(app) {
        let w = world(&app).await;
        let f = family(&app, &w).await;
        let path = format!("/children/{}", f.alby);
        let browser = Browser::new(&app);
        let first = browser.get(&path).await;
        assert_eq!(first.status, 303);
        assert_eq!(first.location(), sign_in_for(&path));
        let form = browser.get(first.location()).await;
        assert_eq!(form.status, 200, "{form}");
        assert_eq!(form.hidden("next").as_deref(), Some(path.as_str()), "the form keeps where to go");
        let token = form.hidden("form_token").expect("form_token");
        let page = browser.post("/sign-in", &fields(&[("form_token", &token), ("email", TEACHER), ("password", PASSWORD), ("next", &path)])).await;
        assert_eq!(page.status, 303, "{page}");
        assert_eq!(page.location(), path);
        let cookie = page.set_cookie(SESSION).expect("a session cookie");
        let attributes: Vec<String> = cookie.split(';').skip(1).map(|a| a.trim().to_ascii_lowercase()).collect();
        assert!(attributes.iter().any(|a| a == "httponly"), "{cookie}");
        assert!(attributes.iter().any(|a| a == "samesite=strict"), "{cookie}");
        assert!(attributes.iter().any(|a| a == "path=/"), "{cookie}");
        assert!(!attributes.iter().any(|a| a == "secure"), "plain HTTP on 127.0.0.1 gets no Secure cookie: {cookie}");
        let sign_in_cookie = page.set_cookie(SIGN_IN).expect("the sign-in cookie is removed");
        assert!(sign_in_cookie.to_ascii_lowercase().contains("max-age=0"), "{sign_in_cookie}");
        let child_page = browser.get(&path).await;
        assert_eq!(child_page.status, 200, "{child_page}");

        // Another site as `next` sends the visitor home instead.
        for evil in ["//evil.example", "https://evil.example/x", "/\\evil.example"] {
            let browser = Browser::new(&app);
            let form = browser.get(&format!("/sign-in?next={}", url::form_urlencoded::byte_serialize(evil.as_bytes()).collect::<String>())).await;
            assert_eq!(form.hidden("next").as_deref(), Some("/"), "{evil}: {form}");
            let token = form.hidden("form_token").expect("form_token");
            let page = browser.post("/sign-in", &fields(&[("form_token", &token), ("email", TEACHER), ("password", PASSWORD), ("next", evil)])).await;
            assert_eq!(page.status, 303, "{page}");
            assert_eq!(page.location(), "/", "{evil}");
        }
    }

    async fn repeated_failures_are_throttled_and_the_wait_is_said_in_words(app) {
        // The people sign in; no record is needed.
        world(&app).await;
        let browser = Browser::new(&app);
        let mut token = browser.get("/sign-in").await.hidden("form_token").expect("form_token");
        let mut throttled = None;
        for attempt in 1..=10 {
            let page = browser.post("/sign-in", &fields(&[("form_token", &token), ("email", TEACHER), ("password", "wrong wrong wrong"), ("next", "/")])).await;
            if page.status == 429 {
                throttled = Some((attempt, page));
                break;
            }
            assert_eq!(page.status, 422, "attempt {attempt}: {page}");
            token = page.hidden("form_token").expect("form_token");
        }
        let (attempt, page) = throttled.expect("sign-in is throttled after repeated failures");
        assert!(attempt <= 6, "throttled only at attempt {attempt}");
        let text = words(page.main());
        assert!(text.contains("You have tried to sign in too many times"), "{page}");
        let wait = text.split("Wait ").nth(1).unwrap_or_default();
        let amount: Vec<&str> = wait.split_whitespace().take(2).collect();
        assert!(amount.len() == 2 && amount[0].parse::<u32>().is_ok() && ["minute", "minutes", "second", "seconds"].contains(&amount[1]),
            "the wait is said in words: {text}");
        assert!(page.summary_links("email"), "{page}");
        assert!(page.title().starts_with("Error: "), "{:?}", page.title());
        // The right password does not get through while throttled.
        let token = page.hidden("form_token").expect("form_token");
        let page = browser.post("/sign-in", &fields(&[("form_token", &token), ("email", TEACHER), ("password", PASSWORD), ("next", "/")])).await;
        assert_eq!(page.status, 429, "{page}");
        assert!(browser.cookie(SESSION).is_none());
    }

    async fn every_page_needs_a_session(app) {
        // The people sign in; no record is needed.
        world(&app).await;
        let browser = Browser::new(&app);
        for path in ["/children", "/children/made-up-id", "/record", "/children/made-up-id/record",
                     "/families/made-up-id/visit", "/sightings/made-up-id/recorded", "/visits/made-up-id/recorded",
                     "/drafts", "/children?page=2&flag=not_seen_any_agency"] {
            let page = browser.get(path).await;
            assert_eq!(page.status, 303, "{page}");
            assert_eq!(page.location(), sign_in_for(path), "GET {path}");
        }
        for path in ["/sign-out", "/children/made-up-id/record", "/families/made-up-id/visit",
                     "/drafts/made-up-id/finish", "/drafts/made-up-id/withdraw"] {
            let page = browser.post(path, &fields(&[("form_token", "x")])).await;
            assert_eq!(page.status, 303, "{page}");
            assert_eq!(page.location(), sign_in_for("/"), "POST {path} comes back to the start");
        }
        // A cookie that was never a session is an ended one.
        browser.set_cookie(SESSION, "not-a-session");
        let page = browser.get("/children").await;
        assert_eq!(page.status, 303, "{page}");
        assert_eq!(page.location(), "/session-ended");
    }

    async fn an_ended_session_goes_to_the_session_ended_page(app) {
        let w = world(&app).await;
        let paths = ["/children", "/children/made-up-id", "/record", "/children/made-up-id/record",
                     "/families/made-up-id/visit", "/sightings/made-up-id/recorded", "/visits/made-up-id/recorded",
                     "/drafts"];

        // Signed out on this browser.
        let lead = Browser::new(&app);
        lead.sign_in(LEAD).await;
        let cookie = lead.cookie(SESSION).unwrap();
        let token = lead.form_token().await;
        let page = lead.post("/sign-out", &fields(&[("form_token", &token)])).await;
        assert_eq!(page.status, 303, "{page}");
        assert_eq!(page.location(), "/signed-out");
        assert!(lead.cookie(SESSION).is_none(), "the cookie is removed");
        let signed_out = lead.get("/signed-out").await;
        assert_eq!(signed_out.status, 200);
        assert!(signed_out.main().contains("You have signed out"), "{signed_out}");

        // Signed out everywhere through the JSON API.
        let teacher = Browser::new(&app);
        teacher.sign_in(TEACHER).await;
        let res = app.client.post(app.url("/api/v1/auth/logout")).bearer_auth(&w.teacher.token).send().await.unwrap();
        assert_eq!(res.status(), 204);

        // Disabled, and given another role, by an admin.
        let hv = Browser::new(&app);
        hv.sign_in(HEALTH_VISITOR).await;
        let res = app.send_json(reqwest::Method::PATCH, &format!("/api/v1/users/{}", w.health_visitor.id), &w.admin.token, &json!({"active": false})).await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
        let police = Browser::new(&app);
        police.sign_in(POLICE).await;
        let res = app.send_json(reqwest::Method::PATCH, &format!("/api/v1/users/{}", w.police.id), &w.admin.token, &json!({"role": "auditor"})).await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);

        let ended = [
            ("signed out", &lead, cookie),
            ("logged out through the API", &teacher, teacher.cookie(SESSION).unwrap()),
            ("disabled", &hv, hv.cookie(SESSION).unwrap()),
            ("role changed", &police, police.cookie(SESSION).unwrap()),
        ];
        for (why, browser, cookie) in &ended {
            for path in paths {
                browser.set_cookie(SESSION, cookie);
                let page = browser.get(path).await;
                assert_eq!(page.status, 303, "{why}: {page}");
                assert_eq!(page.location(), "/session-ended", "{why}: GET {path}");
                let removal = page.set_cookie(SESSION).unwrap_or_default();
                assert!(removal.to_ascii_lowercase().contains("max-age=0"), "{why}: the cookie is removed: {removal:?}");
            }
            browser.set_cookie(SESSION, cookie);
            let page = browser.post("/children/made-up-id/record", &fields(&[("form_token", "x"), ("outcome", "seen")])).await;
            assert_eq!(page.location(), "/session-ended", "{why}: {page}");
        }
        let page = lead.get("/session-ended").await;
        assert_eq!(page.status, 200);
        assert!(page.main().contains("Your session has ended"), "{page}");
    }

    async fn forms_without_this_sessions_token_are_refused(app) {
        let w = world(&app).await;
        let f = family(&app, &w).await;
        let teacher = Browser::new(&app);
        teacher.sign_in(TEACHER).await;
        let teacher_token = teacher.form_token().await;
        // The same person signed in on another device has another token.
        let elsewhere = Browser::new(&app);
        elsewhere.sign_in(TEACHER).await;
        let elsewhere_token = elsewhere.form_token().await;
        assert_ne!(teacher_token, elsewhere_token);
        let lead = Browser::new(&app);
        lead.sign_in(LEAD).await;
        let lead_token = lead.form_token().await;
        let sign_in_token = Browser::new(&app).get("/sign-in").await.hidden("form_token").expect("form_token");

        // Signing out.
        for (how, token) in [("no token", None), ("another device's token", Some(&elsewhere_token)), ("another person's token", Some(&lead_token)), ("a sign-in form's token", Some(&sign_in_token))] {
            let form = match token { Some(t) => fields(&[("form_token", t)]), None => Fields::new() };
            let page = teacher.post("/sign-out", &form).await;
            assert_eq!(page.status, 403, "sign out with {how}: {page}");
            assert!(page.main().contains("The form has expired"), "{page}");
        }
        assert_eq!(teacher.get("/children").await.status, 200, "still signed in");

        // Recording a contact.
        let record = format!("/children/{}/record", f.alby);
        let form = teacher.get(&record).await;
        assert_eq!(form.status, 200, "{form}");
        let record_key = form.hidden("idempotency_key").expect("idempotency_key");
        let yesterday = london_today().pred_opt().unwrap();
        let good = contact_form(&teacher_token, &record_key, Some("seen"), yesterday, "10am");
        for (how, posted) in [("no token", without(&good, "form_token")), ("another device's token", with(&good, "form_token", &elsewhere_token)), ("another person's token", with(&good, "form_token", &lead_token)), ("an empty token", with(&good, "form_token", ""))] {
            let page = teacher.post(&record, &posted).await;
            assert_eq!(page.status, 403, "record with {how}: {page}");
            assert!(page.main().contains("The form has expired"), "{page}");
        }
        assert!(contacts(&app, &w.lead.token, &f.alby).await.is_empty(), "nothing was recorded");

        // A family visit, at its last step.
        let visit = format!("/families/{}/visit", f.id);
        let form = lead.get(&visit).await;
        assert_eq!(form.status, 200, "{form}");
        let key = form.hidden("idempotency_key").expect("idempotency_key");
        let good_visit = with(&visit_form(&lead_token, &key, &[Some("seen"), Some("seen")]), "step", "save");
        for (how, posted) in [("no token", without(&good_visit, "form_token")), ("another person's token", with(&good_visit, "form_token", &teacher_token))] {
            let page = lead.post(&visit, &posted).await;
            assert_eq!(page.status, 403, "visit with {how}: {page}");
            assert!(page.main().contains("The form has expired"), "{page}");
        }
        assert!(contacts(&app, &w.lead.token, &f.alby).await.is_empty(), "nothing was recorded");
        assert!(contacts(&app, &w.lead.token, &f.abbie).await.is_empty(), "nothing was recorded");

        // Finishing or withdrawing a draft.
        let mut body = sighting(&f.alby, "2026-01-15T10:00:00Z", "school_contact", "school", "seen");
        body["status"] = json!("draft");
        let res = app.post("/api/v1/sightings", &w.teacher.token, &body).await;
        assert_eq!(res.status(), 201);
        let draft = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        for action in ["finish", "withdraw"] {
            let path = format!("/drafts/{draft}/{action}");
            for (how, form) in [("no token", Fields::new()), ("another device's token", fields(&[("form_token", &elsewhere_token)])), ("another person's token", fields(&[("form_token", &lead_token)]))] {
                let page = teacher.post(&path, &form).await;
                assert_eq!(page.status, 403, "{action} with {how}: {page}");
                assert!(page.main().contains("The form has expired"), "{page}");
            }
        }
        let still: Value = app.get(&format!("/api/v1/sightings/{draft}"), &w.teacher.token).await.json().await.unwrap();
        assert_eq!(still["status"], "draft", "{still}");

        // With the right token, the same forms work (so the refusals above were the token's).
        let page = teacher.post(&record, &good).await;
        assert_eq!(page.status, 303, "{page}");
        let page = teacher.post(&format!("/drafts/{draft}/finish"), &fields(&[("form_token", &teacher_token)])).await;
        assert_eq!((page.status, page.location()), (303, "/drafts?done=finished"), "{page}");
    }

    async fn a_practitioner_records_a_contact_once(app) {
        let w = world(&app).await;
        let f = family(&app, &w).await;
        let teacher = Browser::new(&app);
        teacher.sign_in(TEACHER).await;
        let record = format!("/children/{}/record", f.alby);
        let form = teacher.get(&record).await;
        assert_eq!(form.status, 200, "{form}");
        assert!(form.main().contains("Did you see Alby Example?"), "{form}");
        let token = form.hidden("form_token").expect("form_token");
        let key = form.hidden("idempotency_key").expect("idempotency_key");
        let posted = contact_form(&token, &key, Some("seen"), london_today().pred_opt().unwrap(), "10:15am");
        let page = teacher.post(&record, &posted).await;
        assert_eq!(page.status, 303, "{page}");
        let done = page.location().to_string();
        assert!(done.starts_with("/sightings/") && done.ends_with("/recorded"), "{done}");
        let recorded = teacher.get(&done).await;
        assert_eq!(recorded.status, 200, "{recorded}");
        assert!(recorded.main().contains("Contact recorded"), "{recorded}");
        assert!(recorded.title().starts_with("Contact recorded"), "{:?}", recorded.title());

        // The same form again (a double click, or Back and send): one record.
        let again = teacher.post(&record, &posted).await;
        assert_eq!(again.status, 303, "{again}");
        assert_eq!(again.location(), done, "the replay leads to the same record");
        let found = contacts(&app, &w.lead.token, &f.alby).await;
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0]["outcome"], "seen");
        assert_eq!(found[0]["author_id"], w.teacher.id.as_str());
        assert_eq!(found[0]["observations"], "Joined in with the class reading");
        assert_eq!(done, format!("/sightings/{}/recorded", found[0]["id"].as_str().unwrap()));
    }

    async fn the_contact_form_shows_its_errors(app) {
        let w = world(&app).await;
        let f = family(&app, &w).await;
        let teacher = Browser::new(&app);
        teacher.sign_in(TEACHER).await;
        let record = format!("/children/{}/record", f.alby);
        let form = teacher.get(&record).await;
        let token = form.hidden("form_token").expect("form_token");
        let key = form.hidden("idempotency_key").expect("idempotency_key");
        let yesterday = london_today().pred_opt().unwrap();

        let page = teacher.post(&record, &contact_form(&token, &key, None, yesterday, "10am")).await;
        assert_eq!(page.status, 422, "{page}");
        assert!(page.summary_links("outcome"), "{page}");
        assert!(page.title().starts_with("Error: "), "{:?}", page.title());
        assert!(words(page.main()).contains("Select whether you saw the child"), "{page}");
        // What was typed is kept, and the form keeps its key.
        assert_eq!(page.hidden("idempotency_key").as_deref(), Some(key.as_str()));
        assert!(page.body.contains("Joined in with the class reading"));

        let tomorrow = london_today().succ_opt().unwrap();
        let page = teacher.post(&record, &contact_form(&token, &key, Some("seen"), tomorrow, "10am")).await;
        assert_eq!(page.status, 422, "{page}");
        assert!(page.summary_links("occurred-day"), "{page}");
        assert!(page.title().starts_with("Error: "), "{:?}", page.title());
        let summary = words(page.main());
        assert!(summary.contains("date") && summary.contains("future"), "the message names the date: {summary}");

        let page = teacher.post(&record, &contact_form(&token, &key, Some("seen"), yesterday, "25:99")).await;
        assert_eq!(page.status, 422, "{page}");
        assert!(page.summary_links("occurred-time"), "{page}");

        assert!(contacts(&app, &w.lead.token, &f.alby).await.is_empty(), "nothing was recorded");
    }

    async fn a_time_like_half_past_four_pm_is_read_as_local_time(app) {
        let w = world(&app).await;
        let f = family(&app, &w).await;
        let teacher = Browser::new(&app);
        teacher.sign_in(TEACHER).await;
        let record = format!("/children/{}/record", f.alby);
        let form = teacher.get(&record).await;
        let token = form.hidden("form_token").expect("form_token");
        let key = form.hidden("idempotency_key").expect("idempotency_key");
        let day = london_today().pred_opt().unwrap();
        let page = teacher.post(&record, &contact_form(&token, &key, Some("seen_alone"), day, "4:30pm")).await;
        assert_eq!(page.status, 303, "{page}");
        let found = contacts(&app, &w.lead.token, &f.alby).await;
        assert_eq!(found.len(), 1);
        let expected = chrono_tz::Europe::London
            .from_local_datetime(&day.and_hms_opt(16, 30, 0).unwrap())
            .earliest()
            .unwrap()
            .with_timezone(&Utc);
        let at: chrono::DateTime<Utc> = found[0]["occurred_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(at, expected, "4:30pm on {day} in London");
        assert_eq!(found[0]["occurred_on"], day.to_string());
        assert_eq!(found[0]["outcome"], "seen_alone");
    }

    async fn another_childs_pages_are_not_found_like_a_missing_one(app) {
        let w = world(&app).await;
        let f = family(&app, &w).await;
        // Another family, whose core groups the teacher is not in.
        let res = app.post("/api/v1/families", &w.lead.token, &json!({})).await;
        let other_family = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let other = child(&app, &w, "Orla", "2014-04-04", Some(&other_family)).await;
        plan(&app, &w, &other, "2026-01-05").await;

        let teacher = Browser::new(&app);
        teacher.sign_in(TEACHER).await;
        for (theirs, missing) in [
            (format!("/children/{other}"), "/children/made-up-id".to_string()),
            (format!("/children/{other}/record"), "/children/made-up-id/record".to_string()),
            (format!("/families/{other_family}/visit"), "/families/made-up-id/visit".to_string()),
        ] {
            let hidden = teacher.get(&theirs).await;
            let absent = teacher.get(&missing).await;
            assert_eq!(hidden.status, 404, "{hidden}");
            assert_eq!(absent.status, 404, "{absent}");
            assert!(hidden.main().contains("Page not found"), "{hidden}");
            assert_eq!(hidden.main(), absent.main(), "{theirs} tells a hidden child from a missing one");
            // The teacher is still signed in, and the page says so: their header and
            // navigation, the same for both.
            assert!(hidden.body.contains("Sign out") && hidden.body.contains("href=\"/children\""), "{hidden}");
            assert_eq!(hidden.body, absent.body, "{theirs}");
            assert!(!hidden.body.contains("Orla"), "{theirs} names the child");
        }
        // Their own child's pages open.
        assert_eq!(teacher.get(&format!("/children/{}", f.alby)).await.status, 200);

        // An auditor reads every child, but records no contact.
        let auditor = Browser::new(&app);
        auditor.sign_in(AUDITOR).await;
        assert_eq!(auditor.get(&format!("/children/{}", f.alby)).await.status, 200);
        let form = auditor.get(&format!("/children/{}/record", f.alby)).await;
        let absent = auditor.get("/children/made-up-id/record").await;
        assert_eq!(form.status, 404, "an auditor does not record: {form}");
        assert!(form.main().contains("Page not found"), "{form}");
        assert_eq!(form.main(), absent.main());
    }

    async fn a_family_visit_is_checked_then_saved_once(app) {
        let w = world(&app).await;
        let f = family(&app, &w).await;
        let lead = Browser::new(&app);
        lead.sign_in(LEAD).await;
        let visit = format!("/families/{}/visit", f.id);
        let form = lead.get(&visit).await;
        assert_eq!(form.status, 200, "{form}");
        let token = form.hidden("form_token").expect("form_token");
        let key = form.hidden("idempotency_key").expect("idempotency_key");
        // Which child each field set is for, by the order the page lists them.
        let main = form.main();
        let (alby_at, abbie_at) = (main.find("Alby Example").expect("Alby is on the form"), main.find("Abbie Example").expect("Abbie is on the form"));
        let (alby_outcome, abbie_outcome) = ("seen_alone", "not_present");
        let outcomes = if alby_at < abbie_at { [Some(alby_outcome), Some(abbie_outcome)] } else { [Some(abbie_outcome), Some(alby_outcome)] };

        let check = lead.post(&visit, &visit_form(&token, &key, &outcomes)).await;
        assert_eq!(check.status, 200, "{check}");
        assert!(check.main().contains("Check your answers"), "{check}");
        assert!(contacts(&app, &w.lead.token, &f.alby).await.is_empty(), "checking stores nothing");
        let save_form = forms(check.main())
            .into_iter()
            .find(|form| inputs(form).iter().any(|i| i.name == "step" && i.value == "save"))
            .expect("the check page has a form to save");
        let mut save: Fields = inputs(save_form).into_iter().filter(|i| i.kind == "hidden").map(|i| (i.name, i.value)).collect();
        save.push(("status".into(), "final".into()));
        assert!(save.iter().any(|(k, v)| k == "idempotency_key" && v == &key), "{save:?}");

        let saved = lead.post(&visit, &save).await;
        assert_eq!(saved.status, 303, "{saved}");
        let done = saved.location().to_string();
        let visit_id = done.strip_prefix("/visits/").and_then(|d| d.strip_suffix("/recorded")).expect("a visit's confirmation").to_string();
        let recorded = lead.get(&done).await;
        assert_eq!(recorded.status, 200, "{recorded}");
        assert!(recorded.main().contains("Visit recorded"), "{recorded}");
        assert!(recorded.main().contains("Alby Example") && recorded.main().contains("Abbie Example"), "{recorded}");

        let check_records = |alby: Vec<Value>, abbie: Vec<Value>| {
            assert_eq!(alby.len(), 1, "{alby:?}");
            assert_eq!(abbie.len(), 1, "{abbie:?}");
            assert_eq!(alby[0]["visit_id"], visit_id.as_str());
            assert_eq!(abbie[0]["visit_id"], visit_id.as_str());
            assert_ne!(alby[0]["id"], abbie[0]["id"]);
            assert_eq!(alby[0]["outcome"], alby_outcome, "each child's own outcome");
            assert_eq!(abbie[0]["outcome"], abbie_outcome, "each child's own outcome");
            assert_eq!(alby[0]["kind"], "home_visit");
            assert_eq!(alby[0]["announced"], false);
        };
        check_records(contacts(&app, &w.lead.token, &f.alby).await, contacts(&app, &w.lead.token, &f.abbie).await);

        // The same save again makes nothing more.
        let replay = lead.post(&visit, &save).await;
        assert_eq!(replay.status, 303, "{replay}");
        assert_eq!(replay.location(), done);
        check_records(contacts(&app, &w.lead.token, &f.alby).await, contacts(&app, &w.lead.token, &f.abbie).await);

        // The second child's outcome left out.
        let form = lead.get(&visit).await;
        let key = form.hidden("idempotency_key").expect("idempotency_key");
        assert_ne!(key, save.iter().find(|(k, _)| k == "idempotency_key").unwrap().1, "a new form, a new key");
        let page = lead.post(&visit, &visit_form(&token, &key, &[Some("seen"), None])).await;
        assert_eq!(page.status, 422, "{page}");
        assert!(page.summary_links("children-1-outcome"), "{page}");
        assert!(!page.summary_links("children-0-outcome"), "{page}");
        assert!(page.title().starts_with("Error: "), "{:?}", page.title());
        let page = lead.post(&visit, &with(&visit_form(&token, &key, &[Some("seen"), None]), "step", "save")).await;
        assert_eq!(page.status, 422, "{page}");
        check_records(contacts(&app, &w.lead.token, &f.alby).await, contacts(&app, &w.lead.token, &f.abbie).await);
    }

    async fn my_children_shows_clocks_filters_and_pages(app) {
        let w = world(&app).await;
        let today = london_today();
        // Alby: on a plan since January and never seen, so overdue.
        let alby = child(&app, &w, "Alby", "2015-06-01", None).await;
        plan(&app, &w, &alby, "2026-01-05").await;
        // Cleo: a plan that starts today.
        let cleo = child(&app, &w, "Cleo", "2016-06-01", None).await;
        plan_from(&app, &cleo, today, &w.team_id, &w.lead, &w.chair.id).await;
        // Dara: another team's child, from today.
        let court = team_of(&app, &w.other_worker.id).await;
        let dara = new_child(&app, &w.other_worker.token, "Dara", None).await;
        plan_from(&app, &dara, today, &court, &w.other_worker, &w.other_chair.id).await;

        let chair = Browser::new(&app);
        chair.sign_in(CHAIR).await;
        let page = chair.get("/children").await;
        assert_eq!(page.status, 200, "{page}");
        assert!(page.title().starts_with("My children"), "{:?}", page.title());
        let row = |page: &Page, name: &str| -> Option<String> {
            page.main().split("<tr").find(|r| r.contains(name)).map(words)
        };
        let alby_row = row(&page, "Alby Example").expect("Alby is listed");
        assert!(alby_row.contains("Overdue"), "{alby_row}");
        let cleo_row = row(&page, "Cleo Example").expect("Cleo is listed");
        assert!(!cleo_row.contains("Overdue"), "{cleo_row}");
        assert!(cleo_row.contains("On time") || cleo_row.contains("Due soon"), "{cleo_row}");
        assert!(row(&page, "Dara Example").is_some(), "the chair reads every open plan");
        for clock in ["Seen by any agency", "Seen by the social worker", "Home visit"] {
            assert!(page.text().contains(clock), "{clock}");
        }
        assert!(page.main().find("Alby Example") < page.main().find("Cleo Example"), "most urgent first");

        let page = chair.get("/children?team=Court+Team").await;
        assert_eq!(page.status, 200, "{page}");
        assert!(row(&page, "Dara Example").is_some(), "{page}");
        assert!(row(&page, "Alby Example").is_none() && row(&page, "Cleo Example").is_none(), "{page}");

        let page = chair.get("/children?flag=not_seen_any_agency").await;
        assert_eq!(page.status, 200, "{page}");
        assert!(row(&page, "Alby Example").is_some(), "{page}");
        assert!(row(&page, "Cleo Example").is_none() && row(&page, "Dara Example").is_none(), "{page}");

        // More than a page of children: 26 more for the lead's team.
        for n in 0..26 {
            let c = child(&app, &w, &format!("Bulk{n:02}"), "2017-01-01", None).await;
            plan_from(&app, &c, today, &w.team_id, &w.lead, &w.chair.id).await;
        }
        let lead = Browser::new(&app);
        lead.sign_in(LEAD).await;
        let links = |page: &Page| -> Vec<String> {
            page.main().split("<th scope=\"row\"").skip(1)
                .filter_map(|r| between(r, "href=\"/children/", "\""))
                .map(|id| id.split('?').next().unwrap().to_string())
                .collect()
        };
        let first = lead.get("/children").await;
        assert_eq!(first.status, 200, "{first}");
        assert_eq!(links(&first).len(), 25, "{first}");
        assert!(first.text().contains("28 children"), "{first}");
        assert!(first.body.contains("page=2"), "a link to the next page");
        let second = lead.get("/children?page=2").await;
        assert_eq!(second.status, 200, "{second}");
        assert_eq!(links(&second).len(), 3, "{second}");
        let mut every: Vec<String> = links(&first).into_iter().chain(links(&second)).collect();
        every.sort();
        every.dedup();
        assert_eq!(every.len(), 28, "every child once across the pages");
        assert!(every.contains(&alby) && every.contains(&cleo) && !every.contains(&dara));
        // A page past the end shows the last.
        assert_eq!(links(&lead.get("/children?page=99").await).len(), 3);
        let page = lead.get("/children?page=garbage").await;
        assert_eq!(page.status, 200, "{page}");
    }

    async fn a_childs_page_shows_status_chronology_and_core_group(app) {
        let w = world(&app).await;
        let f = family(&app, &w).await;
        let res = app.post("/api/v1/sightings", &w.teacher.token, &json!({
            "child_id": f.alby, "occurred_at": "2026-01-14T10:00:00Z", "kind": "school_contact",
            "location": "school", "outcome": "seen", "observations": "Read a story aloud to the class",
        })).await;
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        let res = app.post(&format!("/api/v1/plans/{}/covers", f.alby_plan), &w.manager.token,
            &json!({"user_id": w.other_worker.id, "from": "2026-02-02", "until": "2026-02-13"})).await;
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        let lead = Browser::new(&app);
        lead.sign_in(LEAD).await;
        let path = format!("/children/{}", f.alby);
        let page = lead.get(&path).await;
        assert_eq!(page.status, 200, "{page}");
        assert!(page.title().starts_with("Alby Example"), "{:?}", page.title());
        let text = words(page.main());
        for expected in ["Alby Example", "Status today", "Seen by any agency", "Home visit", "Chronology",
                         "Read a story aloud to the class", "14 January 2026", "Plan and core group",
                         "Lead social worker", "Millbrook Primary", "(lead social worker)", "Abbie Example",
                         "Cover for the lead social worker", "from 2 February 2026 to 13 February 2026"] {
            assert!(text.contains(expected), "the child's page shows {expected:?}: {text}");
        }
        assert!(["Overdue", "Due soon", "On time"].iter().any(|t| text.contains(t)), "{text}");
        assert!(page.main().contains(&format!("href=\"/children/{}/record\"", f.alby)), "the lead may record");

        let page = lead.get(&format!("{path}?as_of=2020-01-01")).await;
        assert_eq!(page.status, 200, "{page}");
        assert!(words(page.main()).contains("had no child protection plan"), "{page}");
        assert!(words(page.main()).contains("1 January 2020"), "{page}");

        // "Known at": what the record said at a moment (in London time, to the minute).
        let a_minute_ago = (Utc::now() - chrono::Duration::minutes(1)).with_timezone(&chrono_tz::Europe::London);
        let moment = a_minute_ago.format("%Y-%m-%d %H:%M").to_string();
        let page = lead.get(&format!("{path}?known_at={}", moment.replace(' ', "%20"))).await;
        assert_eq!(page.status, 200, "{page}");
        let text = words(page.main());
        assert!(text.contains("as known at"), "{text}");
        assert!(page.main().contains(&format!("value=\"{moment}\"")), "the field keeps the moment: {page}");
        let page = lead.get(&format!("{path}?as_of=2026-01-20&known_at=2020-01-01%2009:00")).await;
        assert_eq!(page.status, 200, "{page}");
        assert!(words(page.main()).contains("had no child protection plan on 20 January 2026, as known at 1 January 2020 at 9am"), "{page}");
        for (garbage, says) in [("garbage", "Enter when the record was looked at"), ("2099-01-01%2009:00", "Known at must be now or in the past")] {
            for at in [path.clone(), "/children".to_string()] {
                let page = lead.get(&format!("{at}?known_at={garbage}")).await;
                assert_eq!(page.status, 200, "{page}");
                assert!(words(page.main()).contains(says), "{at}: {page}");
            }
        }
        let page = lead.get(&format!("/children?known_at={}", moment.replace(' ', "%20"))).await;
        assert!(words(page.main()).contains("as known at"), "{page}");

        for garbage in ["garbage", "2026-13-45", "%00"] {
            let page = lead.get(&format!("{path}?as_of={garbage}")).await;
            assert_eq!(page.status, 200, "{page}");
            assert!(words(page.main()).contains("Enter the date as at which to look"), "{page}");
            let page = lead.get(&format!("/children?as_of={garbage}")).await;
            assert_eq!(page.status, 200, "{page}");
            assert!(words(page.main()).contains("Enter the date as at which to look"), "{page}");
        }

        // An auditor sees the page and no button to record.
        let auditor = Browser::new(&app);
        auditor.sign_in(AUDITOR).await;
        let page = auditor.get(&path).await;
        assert_eq!(page.status, 200, "{page}");
        assert!(!page.main().contains(&format!("/children/{}/record", f.alby)), "{page}");
    }

    async fn information_and_error_pages(app) {
        // The people sign in; no record is needed.
        world(&app).await;
        let browser = Browser::new(&app);
        for (path, heading) in [("/accessibility", "Accessibility statement"), ("/cookies", "Cookies")] {
            let page = browser.get(path).await;
            assert_eq!(page.status, 200, "{page}");
            assert!(page.is_html(), "{page}");
            assert!(page.title().starts_with(heading), "{:?}", page.title());
            assert!(page.set_cookie(SESSION).is_none(), "{path} needs no session");
        }
        assert!(browser.get("/cookies").await.text().contains(SESSION), "the cookies page names the cookie");
        for path in ["/no-such-page", "/children/made-up-id/nothing", "/assets"] {
            let page = browser.get(path).await;
            assert_eq!(page.status, 404, "{page}");
            assert!(page.is_html(), "{path}: {:?}", page.headers.get(CONTENT_TYPE));
            assert!(page.main().contains("Page not found"), "{page}");
        }
        // A wrong method on a page is a page too.
        let page = browser.post("/accessibility", &Fields::new()).await;
        assert!(page.status >= 400 && page.status < 500, "{page}");
        assert!(page.is_html(), "{page}");
        // The API answers problem+json, whatever a browser would get.
        problem(app.client.get(app.url("/api/v1/no-such")).send().await.unwrap(), 404).await;
        problem(app.client.get(app.url("/api/v1/no-such")).header("Accept", "text/html").send().await.unwrap(), 404).await;
        // Signed in, the same pages answer alike.
        let signed_in = Browser::new(&app);
        signed_in.sign_in(TEACHER).await;
        for path in ["/accessibility", "/cookies", "/signed-out", "/session-ended"] {
            assert_eq!(signed_in.get(path).await.status, 200, "{path}");
        }
        assert_eq!(signed_in.get("/no-such-page").await.status, 404);
        let home = signed_in.get("/").await;
        assert_eq!((home.status, home.location()), (303, "/children"));
        let home = Browser::new(&app).get("/").await;
        assert_eq!((home.status, home.location()), (303, "/sign-in"));
    }

    async fn a_page_address_that_cannot_be_read_still_gets_a_page(app) {
        let w = world(&app).await;
        let f = family(&app, &w).await;
        let lead = Browser::new(&app);
        lead.sign_in(LEAD).await;
        let missing = lead.get("/children/made-up-id").await;
        assert_eq!(missing.status, 404, "{missing}");
        let mut wrong = Vec::new();
        // A control character in a page's path names no record: the same page as a missing one.
        for path in ["/children/%00", "/children/%00/record", "/sightings/%0A/recorded", "/families/%1B/visit"] {
            let page = lead.get(path).await;
            if !page.is_html() || page.status != 404 || page.main() != missing.main() {
                wrong.push(format!("GET {path} answered {} {:?}", page.status, page.headers.get(CONTENT_TYPE)));
            }
        }
        // A query a form never sends (a parameter twice) is refused with a page, not JSON.
        for path in [format!("/children/{}?as_of=2026-01-01&as_of=2026-02-01", f.alby), "/children?page=1&page=2".to_string(), "/record?q=a&q=b".to_string()] {
            let page = lead.get(&path).await;
            if !page.is_html() || page.status >= 500 {
                wrong.push(format!("GET {path} answered {} {:?}", page.status, page.headers.get(CONTENT_TYPE)));
            }
        }
        assert!(wrong.is_empty(), "answers that are not pages:\n{}", wrong.join("\n"));
    }

    async fn assets_are_served_immutable_and_nothing_else(app) {
        // The people sign in; no record is needed.
        world(&app).await;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let manifest = std::fs::read_to_string(root.join("frontend/dist/manifest.json")).expect("frontend/dist/manifest.json is built");
        let manifest: BTreeMap<String, String> = serde_json::from_str(&manifest).expect("the manifest maps names to files");
        assert!(manifest.iter().any(|(logical, file)| logical != file), "the manifest names no hashed file: {manifest:?}");
        let browser = Browser::new(&app);
        for (logical, file) in &manifest {
            let res = app.client.get(app.url(&format!("/assets/{file}"))).send().await.unwrap();
            assert_eq!(res.status(), 200, "/assets/{file}");
            let cache = res.headers().get(CACHE_CONTROL).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            // A file whose name keeps its content's hash never changes; one that keeps its
            // name (an icon) must not be kept for ever.
            assert_eq!(cache.contains("immutable"), logical != file, "/assets/{file}: Cache-Control {cache:?}");
        }
        // What the pages link to is served.
        let page = browser.get("/sign-in").await;
        let stylesheet = page.body.split("<link").skip(1).map(|l| l.split('>').next().unwrap_or_default()).filter(|l| l.contains("stylesheet")).find_map(|l| attribute(l, "href")).expect("the page links a stylesheet");
        let res = app.client.get(app.url(&stylesheet)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{stylesheet}");
        assert!(res.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").starts_with("text/css"), "{stylesheet}");

        for path in ["/assets/nope.css", "/assets/..%2FCargo.toml", "/assets/..%2F..%2FCargo.toml", "/assets/%2E%2E%2FCargo.toml", "/assets/", "/assets/..%5CCargo.toml"] {
            let res = app.client.get(app.url(path)).send().await.unwrap();
            assert_eq!(res.status(), 404, "{path}");
            let body = res.text().await.unwrap();
            assert!(!body.contains("[package]"), "{path} served the manifest");
        }
        // A literal `..` (a client would normalise it away; a raw request does not).
        let address = app.address.trim_start_matches("http://").to_string();
        let head = actix_web::rt::task::spawn_blocking(move || {
            use std::io::{Read, Write};
            let mut stream = std::net::TcpStream::connect(&address).unwrap();
            stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
            write!(stream, "GET /assets/../Cargo.toml HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            answer
        }).await.unwrap();
        assert!(head.starts_with("HTTP/1.1 404"), "GET /assets/../Cargo.toml: {}", head.lines().next().unwrap_or(""));
        assert!(!head.contains("[package]"));
    }
}

/// What a page route is, for access: which record it names, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// `/`: to "My children" or to sign in.
    Home,
    /// Read by anyone, signed in or not.
    Open,
    SignInForm,
    SignIn,
    SignOut,
    /// The caller's own children (`/children`, `/record`).
    List,
    Child,
    RecordForm,
    Record,
    Recorded,
    VisitForm,
    Visit,
    VisitRecorded,
    /// `/drafts`: the caller's own drafts.
    Drafts,
    Finish,
    Withdraw,
}

/// Every page route: the handler as `src/web/mod.rs` registers it, its method and path.
const PAGE_ROUTES: &[(&str, &str, &str, Route)] = &[
    ("info::home", "GET", "/", Route::Home),
    ("info::accessibility", "GET", "/accessibility", Route::Open),
    ("info::cookies", "GET", "/cookies", Route::Open),
    (
        "sign_in::sign_in_form",
        "GET",
        "/sign-in",
        Route::SignInForm,
    ),
    ("sign_in::sign_in", "POST", "/sign-in", Route::SignIn),
    ("sign_in::sign_out", "POST", "/sign-out", Route::SignOut),
    ("sign_in::signed_out", "GET", "/signed-out", Route::Open),
    (
        "sign_in::session_ended",
        "GET",
        "/session-ended",
        Route::Open,
    ),
    ("children::my_children", "GET", "/children", Route::List),
    ("record::choose_child", "GET", "/record", Route::List),
    (
        "record::record_form",
        "GET",
        "/children/{id}/record",
        Route::RecordForm,
    ),
    (
        "record::record_contact",
        "POST",
        "/children/{id}/record",
        Route::Record,
    ),
    (
        "record::recorded_page",
        "GET",
        "/sightings/{id}/recorded",
        Route::Recorded,
    ),
    (
        "children::child_page",
        "GET",
        "/children/{id}",
        Route::Child,
    ),
    (
        "visit::visit_form",
        "GET",
        "/families/{id}/visit",
        Route::VisitForm,
    ),
    ("visit::visit", "POST", "/families/{id}/visit", Route::Visit),
    (
        "visit::visit_recorded",
        "GET",
        "/visits/{id}/recorded",
        Route::VisitRecorded,
    ),
    ("drafts::my_drafts", "GET", "/drafts", Route::Drafts),
    (
        "drafts::finish",
        "POST",
        "/drafts/{id}/finish",
        Route::Finish,
    ),
    (
        "drafts::withdraw",
        "POST",
        "/drafts/{id}/withdraw",
        Route::Withdraw,
    ),
];

/// The page routes `src/web/mod.rs` registers, each with the method and path of its
/// handler's attribute in `src/web/pages/`.
fn registered_page_routes() -> Vec<(String, String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let module = std::fs::read_to_string(root.join("src/web/mod.rs")).expect("src/web/mod.rs");
    let mut routes = Vec::new();
    for line in module.lines() {
        let Some(rest) = line.trim().strip_prefix(".service(pages::") else {
            continue;
        };
        let handler = rest.trim_end_matches(';').trim_end_matches(')').trim();
        let (file, function) = handler.split_once("::").expect("pages::file::function");
        let source = std::fs::read_to_string(root.join(format!("src/web/pages/{file}.rs")))
            .unwrap_or_else(|e| panic!("src/web/pages/{file}.rs: {e}"));
        let lines: Vec<&str> = source.lines().collect();
        let at = lines
            .iter()
            .position(|l| {
                l.trim_start()
                    .starts_with(&format!("pub async fn {function}("))
            })
            .unwrap_or_else(|| panic!("no handler {function} in src/web/pages/{file}.rs"));
        // The route attribute is among the attributes and comments just above the function.
        let attribute = lines[..at]
            .iter()
            .rev()
            .map(|l| l.trim())
            .take_while(|l| l.starts_with("#[") || l.starts_with("///") || l.starts_with("//"))
            .find(|l| l.starts_with("#[get(") || l.starts_with("#[post("))
            .unwrap_or_else(|| panic!("{handler} has no #[get] or #[post]"));
        let method = if attribute.starts_with("#[get(") {
            "GET"
        } else {
            "POST"
        };
        let path = attribute.split('"').nth(1).expect("a quoted path");
        routes.push((handler.to_string(), method.to_string(), path.to_string()));
    }
    routes
}

/// The roles that walk the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// The teacher, in the visible child's core group.
    Practitioner,
    /// The visible children's lead social worker.
    SocialWorker,
    /// The manager of the lead's team.
    TeamManager,
    /// The visible children's CP chair.
    CpChair,
    Auditor,
    Admin,
    /// A teacher in no core group.
    Outsider,
}

impl Who {
    /// The teacher walks last: finishing their own drafts changes them.
    const ALL: [Who; 7] = [
        Who::SocialWorker,
        Who::TeamManager,
        Who::CpChair,
        Who::Auditor,
        Who::Admin,
        Who::Outsider,
        Who::Practitioner,
    ];

    fn email(self) -> &'static str {
        match self {
            Who::Practitioner => TEACHER,
            Who::SocialWorker => LEAD,
            Who::TeamManager => MANAGER,
            Who::CpChair => CHAIR,
            Who::Auditor => AUDITOR,
            Who::Admin => ADMIN,
            Who::Outsider => OTHER_TEACHER,
        }
    }

    /// Reads the visible children's records.
    fn reads(self) -> bool {
        !matches!(self, Who::Admin | Who::Outsider)
    }

    /// Records contacts with the visible children.
    fn records(self) -> bool {
        matches!(
            self,
            Who::Practitioner | Who::SocialWorker | Who::TeamManager
        )
    }
}

/// The records a route may name: a child, a family, a contact, a visit, and two drafts (one
/// to finish, one to withdraw).
#[derive(Debug, Clone)]
struct Named {
    child: String,
    family: String,
    sighting: String,
    visit: String,
    draft: String,
    other_draft: String,
}

impl Named {
    fn path(&self, pattern: &str) -> String {
        let id = if pattern.starts_with("/children/") {
            &self.child
        } else if pattern.starts_with("/families/") {
            &self.family
        } else if pattern.starts_with("/sightings/") {
            &self.sighting
        } else if pattern.starts_with("/visits/") {
            &self.visit
        } else if pattern.ends_with("/finish") {
            &self.draft
        } else if pattern.ends_with("/withdraw") {
            &self.other_draft
        } else {
            return pattern.to_string();
        };
        pattern.replace("{id}", id)
    }
}

/// The form a POST route is sent: complete (so that only access can refuse it), or for the
/// visible records one that saves nothing (a contact without its outcome, a visit to check).
fn route_form(route: Route, token: &str, stores: bool) -> Fields {
    let day = london_today().pred_opt().unwrap();
    let key = uuid::Uuid::new_v4().to_string();
    match route {
        Route::Record => contact_form(token, &key, stores.then_some("seen"), day, "10am"),
        Route::Visit => {
            let form = visit_form(token, &key, &[Some("seen"), Some("seen")]);
            if stores {
                with(&with(&form, "step", "save"), "status", "final")
            } else {
                form
            }
        }
        Route::SignIn => fields(&[("email", TEACHER), ("password", PASSWORD)]),
        _ => fields(&[("form_token", token)]),
    }
}

on_both! {
    // Every page route × every role, against records each must not see (and then against
    // records the readers may see): a hidden record answers exactly as a missing one does.
    async fn every_page_route_hides_what_each_role_may_not_see(app) {
        let registered = registered_page_routes();
        let listed: Vec<(String, String, String)> = PAGE_ROUTES.iter().map(|(h, m, p, _)| (h.to_string(), m.to_string(), p.to_string())).collect();
        for route in &registered {
            assert!(listed.contains(route), "page route {route:?} is registered in src/web/mod.rs but not walked here: decide who may use it");
        }
        for route in &listed {
            assert!(registered.contains(route), "page route {route:?} is walked here but not registered");
        }

        let w = world(&app).await;
        // What the readers may see: siblings led by the lead, the teacher in Alby's core group,
        // a contact by the teacher and a visit by the lead.
        let f = family(&app, &w).await;
        let res = app.post("/api/v1/sightings", &w.teacher.token, &sighting(&f.alby, "2026-01-14T10:00:00Z", "school_contact", "school", "seen")).await;
        assert_eq!(res.status(), 201);
        let seen = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let res = app.post("/api/v1/visits", &w.lead.token, &json!({
            "occurred_at": "2026-01-20T16:00:00Z", "location": "home", "kind": "home_visit", "announced": false,
            "children": [{"child_id": f.alby, "outcome": "seen", "bedroom_seen": true}, {"child_id": f.abbie, "outcome": "seen_alone", "bedroom_seen": true}],
        })).await;
        assert_eq!(res.status(), 201);
        let visit = res.json::<Value>().await.unwrap()["sightings"][0]["visit_id"].as_str().unwrap().to_string();
        let draft = |token: String, child_id: String, at: &'static str, kind: &'static str, location: &'static str| {
            let app = &app;
            async move {
                let mut body = sighting(&child_id, at, kind, location, "seen");
                body["status"] = json!("draft");
                let res = app.post("/api/v1/sightings", &token, &body).await;
                assert_eq!(res.status(), 201, "{:?}", res.text().await);
                res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
            }
        };
        // Two drafts of the teacher's, which only the teacher sees.
        let teachers_draft = draft(w.teacher.token.clone(), f.alby.clone(), "2026-01-15T10:00:00Z", "school_contact", "school").await;
        let teachers_other_draft = draft(w.teacher.token.clone(), f.alby.clone(), "2026-01-16T10:00:00Z", "school_contact", "school").await;
        let visible = Named { child: f.alby.clone(), family: f.id.clone(), sighting: seen, visit, draft: teachers_draft, other_draft: teachers_other_draft };

        // What none of them may see but the auditor: Zeta, of another team, with another chair,
        // on a plan that has ended.
        let court = team_of(&app, &w.other_worker.id).await;
        let res = app.post("/api/v1/families", &w.other_worker.token, &json!({})).await;
        let zeta_family = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let zeta = new_child(&app, &w.other_worker.token, "Zeta", Some(&zeta_family)).await;
        let zeta_plan = plan_from(&app, &zeta, NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(), &court, &w.other_worker, &w.other_chair.id).await;
        let res = app.post("/api/v1/sightings", &w.other_worker.token, &sighting(&zeta, "2026-01-14T10:00:00Z", "home_visit", "home", "seen")).await;
        assert_eq!(res.status(), 201);
        let zeta_seen = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let res = app.post("/api/v1/visits", &w.other_worker.token, &json!({
            "occurred_at": "2026-01-20T16:00:00Z", "location": "home", "kind": "home_visit", "announced": true,
            "children": [{"child_id": zeta, "outcome": "seen_alone", "bedroom_seen": true}],
        })).await;
        assert_eq!(res.status(), 201);
        let zeta_visit = res.json::<Value>().await.unwrap()["sightings"][0]["visit_id"].as_str().unwrap().to_string();
        let zeta_draft = draft(w.other_worker.token.clone(), zeta.clone(), "2026-01-21T10:00:00Z", "home_visit", "home").await;
        let zeta_other_draft = draft(w.other_worker.token.clone(), zeta.clone(), "2026-01-22T10:00:00Z", "home_visit", "home").await;
        let res = app.post(&format!("/api/v1/plans/{zeta_plan}/end"), &w.other_worker.token, &json!({"end_date": "2026-03-01", "reason": "no_longer_at_risk"})).await;
        assert_eq!(res.status(), 200);
        let hidden = Named { child: zeta.clone(), family: zeta_family, sighting: zeta_seen, visit: zeta_visit, draft: zeta_draft.clone(), other_draft: zeta_other_draft.clone() };
        let made_up = || "made-up-id".to_string();
        let missing = Named { child: made_up(), family: made_up(), sighting: made_up(), visit: made_up(), draft: made_up(), other_draft: made_up() };

        let mut wrong: Vec<String> = Vec::new();

        // Signed out: every page that shows or changes a record asks to sign in first.
        let nobody = Browser::new(&app);
        for (_, method, pattern, route) in PAGE_ROUTES {
            let path = hidden.path(pattern);
            let page = if *method == "GET" { nobody.get(&path).await } else { nobody.post(&path, &route_form(*route, "x", true)).await };
            let expected: (u16, String) = match route {
                Route::Home => (303, "/sign-in".into()),
                Route::Open | Route::SignInForm => (200, String::new()),
                Route::SignIn => (403, String::new()),
                _ if *method == "POST" => (303, sign_in_for("/")),
                _ => (303, sign_in_for(&path)),
            };
            if (page.status, page.location().to_string()) != expected {
                wrong.push(format!("signed out: {page}; expected {expected:?}"));
            }
        }

        for who in Who::ALL {
            let browser = Browser::new(&app);
            browser.sign_in(who.email()).await;
            let token = browser.form_token().await;
            for (_, method, pattern, route) in PAGE_ROUTES {
                let send = |named: &Named, stores: bool| {
                    let path = named.path(pattern);
                    let form = route_form(*route, &token, stores);
                    let browser = &browser;
                    async move {
                        if *method == "GET" { browser.get(&path).await } else { browser.post(&path, &form).await }
                    }
                };
                let names_a_record = pattern.contains("{id}");
                if !names_a_record {
                    if *route == Route::SignOut {
                        continue; // last, below
                    }
                    let page = send(&missing, false).await;
                    let expected: (u16, &str) = match route {
                        // An administrator has no children: their home points them on.
                        Route::Home if who == Who::Admin => (200, ""),
                        Route::Home => (303, "/children"),
                        Route::SignInForm => (303, "/"),
                        Route::SignIn => (403, ""),
                        Route::List if who == Who::Admin => (403, ""),
                        _ => (200, ""),
                    };
                    if (page.status, page.location()) != expected {
                        wrong.push(format!("{who:?}: {page}; expected {expected:?}"));
                    }
                    if page.body.contains("Zeta") {
                        wrong.push(format!("{who:?}: {} names the hidden child", page.what));
                    }
                    if *route == Route::List && page.status == 200 && (who.records() || *pattern == "/children") && who.reads() != page.body.contains("Alby Example") {
                        wrong.push(format!("{who:?}: {} {} Alby", page.what, if who.reads() { "does not list" } else { "lists" }));
                    }
                    // Drafts are their author's alone.
                    if *route == Route::Drafts && (who == Who::Practitioner) != page.body.contains("Alby Example") {
                        wrong.push(format!("{who:?}: {} {} the teacher's drafts", page.what, if who == Who::Practitioner { "does not list" } else { "lists" }));
                    }
                    continue;
                }

                let absent = send(&missing, true).await;
                if absent.status != 404 || !absent.main().contains("Page not found") {
                    wrong.push(format!("{who:?}: a missing record: {absent}"));
                }
                // The hidden records: not found, exactly as a missing one (the auditor reads
                // every record, and records none).
                let reads_hidden = who == Who::Auditor && matches!(route, Route::Child | Route::Recorded | Route::VisitRecorded);
                let page = send(&hidden, true).await;
                if reads_hidden {
                    if page.status != 200 {
                        wrong.push(format!("{who:?} (reads every record): {page}"));
                    }
                } else if (page.status, page.main()) != (absent.status, absent.main()) {
                    wrong.push(format!("{who:?}: a hidden record is told from a missing one: {page}; a missing one: {absent}"));
                } else if page.body.contains("Zeta") {
                    wrong.push(format!("{who:?}: {} names the hidden child", page.what));
                }

                // The visible records: open to those who may, not found for the rest.
                let expected = match route {
                    Route::Child | Route::Recorded | Route::VisitRecorded if who.reads() => 200,
                    Route::RecordForm | Route::VisitForm | Route::Visit if who.records() => 200,
                    Route::Record if who.records() => 422,
                    Route::Finish | Route::Withdraw if who == Who::Practitioner => 303,
                    _ => 404,
                };
                let page = send(&visible, false).await;
                let done = match route {
                    Route::Finish => "/drafts?done=finished",
                    Route::Withdraw => "/drafts?done=withdrawn",
                    _ => "",
                };
                if page.status != expected || (expected == 303 && page.location() != done) {
                    wrong.push(format!("{who:?}: the visible record: {page}; expected {expected}"));
                } else if expected == 404 && page.main() != absent.main() {
                    wrong.push(format!("{who:?}: a visible record refused unlike a missing one: {page}"));
                }
            }
            // Last: signing out ends this browser's session.
            let page = browser.post("/sign-out", &fields(&[("form_token", &token)])).await;
            if (page.status, page.location()) != (303, "/signed-out") {
                wrong.push(format!("{who:?}: {page}; expected to be signed out"));
            }
            let page = browser.get("/children").await;
            if page.status != 303 {
                wrong.push(format!("{who:?} after signing out: {page}"));
            }
        }

        // Nothing sent about the hidden child was stored, and its drafts are as they were.
        let stored = contacts(&app, &w.auditor.token, &zeta).await;
        if stored.len() != 2 {
            wrong.push(format!("the hidden child has {} contacts, not 2", stored.len()));
        }
        for id in [&zeta_draft, &zeta_other_draft] {
            let res = app.get(&format!("/api/v1/sightings/{id}"), &w.other_worker.token).await;
            let body: Value = res.json().await.unwrap();
            if body["status"] != "draft" {
                wrong.push(format!("another's draft was changed: {body}"));
            }
        }
        assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
    }
}
