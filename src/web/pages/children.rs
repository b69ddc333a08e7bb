//! "My children" (the caller's dashboard, most urgent first) and a child's page (status,
//! chronology, plan and core group), each "as at" a date chosen for audit.

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::api::AppState;
use crate::domain::ids::ChildId;
use crate::domain::rules::{Clock, Flag, Severity};
use crate::domain::words::Phrase;
use crate::services::dashboard::{self, Line};
use crate::services::status::{self, ChildPage};
use crate::web::error::PageError;
use crate::web::session::Visitor;
use crate::web::view::{page, Chrome, Section};
use crate::web::words::{self, Tag};

/// Children per page of "My children".
pub const PAGE_SIZE: usize = 25;

#[derive(Debug, Deserialize)]
pub struct ChildrenQuery {
    team: Option<String>,
    flag: Option<String>,
    page: Option<String>,
    as_of: Option<String>,
    known_at: Option<String>,
}

/// The "as at" date and "known at" moment a page was asked for, each with the error to show
/// beside its field instead (the page then answers for today, or now).
struct Asked {
    as_of: Option<NaiveDate>,
    as_of_error: Option<String>,
    known_at: Option<chrono::DateTime<chrono::Utc>>,
    known_at_error: Option<String>,
}

impl Asked {
    fn read(tz: chrono_tz::Tz, as_of: &Option<String>, known_at: &Option<String>) -> Asked {
        let (as_of, as_of_error) = match as_of_param(as_of) {
            Ok(day) => (day, None),
            Err(why) => (None, Some(why)),
        };
        let (known_at, known_at_error) = match known_at_param(tz, known_at) {
            Ok(at) => (at, None),
            Err(why) => (None, Some(why)),
        };
        Asked {
            as_of,
            as_of_error,
            known_at,
            known_at_error,
        }
    }
}

/// Reads the "known at" moment of a page (blank: now); one in the future is an error to show.
fn known_at_param(
    tz: chrono_tz::Tz,
    raw: &Option<String>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, String> {
    let at = words::parse_known_at(tz, raw.as_deref())?;
    if at.is_some_and(|at| at > chrono::Utc::now()) {
        return Err("Known at must be now or in the past".to_string());
    }
    Ok(at)
}

/// One clock in words: its tag, when it is due and when it last restarted.
#[derive(Debug, Serialize)]
struct ClockCell {
    tag: Tag,
    due: String,
    last: String,
    since: String,
}

fn clock_cell(clock: &Clock, last_words: &str, working_days: bool) -> ClockCell {
    let plural = |n: i64| if n == 1 { "" } else { "s" };
    let since = match clock.working_days_since {
        _ if clock.days_since == 0 => "today".to_string(),
        // Past the calendar's end the working days cannot be counted: calendar days instead.
        Some(n) if working_days => format!("{n} working day{} ago", plural(i64::from(n))),
        _ => format!("{} day{} ago", clock.days_since, plural(clock.days_since)),
    };
    let due = match (clock.due, clock.calendar_ends) {
        (Some(day), _) => words::date(day),
        (None, Some(ends)) => format!(
            "after {}, when the bank-holiday calendar ends (an administrator can import a newer one)",
            words::date(ends)
        ),
        (None, None) => "not known".to_string(),
    };
    ClockCell {
        tag: words::clock_tag(clock.state),
        due,
        last: match clock.last_seen {
            Some(day) => format!("{last_words} {}", words::date(day)),
            None => format!("Not {} since the plan began", last_words.to_lowercase()),
        },
        since,
    }
}

/// The worst flag first: highest severity, then the earliest.
fn worst(flags: &[Flag]) -> Option<&Flag> {
    flags
        .iter()
        .max_by(|a, b| a.severity.cmp(&b.severity).then(b.since.cmp(&a.since)))
}

#[derive(Debug, Serialize)]
struct ChildRow {
    id: String,
    name: String,
    team: String,
    any_agency: ClockCell,
    social_worker: ClockCell,
    home_visit: ClockCell,
    status: Tag,
    worst_flag: Option<String>,
}

fn child_row(line: &Line) -> ChildRow {
    let status = match worst(&line.flags).map(|f| f.severity) {
        Some(Severity::High) => words::severity_tag(Severity::High),
        Some(Severity::Medium) => words::severity_tag(Severity::Medium),
        _ => Tag {
            text: "On time",
            classes: "govuk-tag--green",
        },
    };
    ChildRow {
        id: line.child.id.clone(),
        name: format!("{} {}", line.child.given_name, line.child.family_name),
        team: line.team_name.clone(),
        any_agency: clock_cell(&line.clocks.any_agency, "Seen", true),
        social_worker: clock_cell(&line.clocks.social_worker, "Seen", false),
        home_visit: clock_cell(&line.clocks.home_visit, "Visited", true),
        status,
        worst_flag: worst(&line.flags).map(|f| f.message()),
    }
}

/// Reads the "as at" date of a page: a date, or today when absent or blank.
fn as_of_param(raw: &Option<String>) -> Result<Option<NaiveDate>, String> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => text
            .parse::<NaiveDate>()
            .map(Some)
            .map_err(|_| "Enter the date as at which to look, like 2026-11-23".to_string()),
    }
}

/// GET /children — "My children": the caller's dashboard, most urgent first, filtered by team
/// and flag, 25 to a page.
#[get("/children")]
pub async fn my_children(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<ChildrenQuery>,
) -> Result<HttpResponse, PageError> {
    let tz = state.services.timezone;
    let Asked {
        as_of,
        as_of_error,
        known_at,
        known_at_error,
    } = Asked::read(tz, &query.as_of, &query.known_at);
    let (at, lines) = dashboard::dashboard(&state.services, &visitor.who, as_of, known_at).await?;
    let as_of = at.as_of;

    let mut teams: Vec<String> = lines.iter().map(|l| l.team_name.clone()).collect();
    teams.sort();
    teams.dedup();
    let mut flags: Vec<(&'static str, &'static str)> = lines
        .iter()
        .flat_map(|l| l.flags.iter())
        .map(|f| (f.code.as_str(), words::flag_name(f.code)))
        .collect();
    flags.sort();
    flags.dedup();

    let team = query.team.clone().filter(|t| !t.is_empty());
    let flag = query.flag.clone().filter(|f| !f.is_empty());
    let chosen: Vec<&Line> = lines
        .iter()
        .filter(|l| team.as_ref().is_none_or(|t| &l.team_name == t))
        .filter(|l| {
            flag.as_ref()
                .is_none_or(|f| l.flags.iter().any(|x| x.code.as_str() == f))
        })
        .collect();
    let pages = chosen.len().div_ceil(PAGE_SIZE).max(1);
    let page_number = query
        .page
        .as_deref()
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let rows: Vec<ChildRow> = chosen
        .iter()
        .skip((page_number - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|l| child_row(l))
        .collect();
    let overdue = chosen
        .iter()
        .filter(|l| worst(&l.flags).is_some_and(|f| f.severity == Severity::High))
        .count();

    let link = |n: usize| {
        let mut params = vec![("page", n.to_string())];
        if let Some(t) = &team {
            params.push(("team", t.clone()));
        }
        if let Some(f) = &flag {
            params.push(("flag", f.clone()));
        }
        if let Some(d) = &query.as_of {
            params.push(("as_of", d.clone()));
        }
        if at.asked {
            params.push(("known_at", words::known_at_field(tz, at.known_at)));
        }
        format!(
            "/children?{}",
            serde_urlencoded::to_string(&params).unwrap_or_default()
        )
    };
    let pagination = (pages > 1).then(|| {
        serde_json::json!({
            "previous": (page_number > 1).then(|| serde_json::json!({ "href": link(page_number - 1) })),
            "next": (page_number < pages).then(|| serde_json::json!({ "href": link(page_number + 1) })),
            "items": (1..=pages).map(|n| serde_json::json!({
                "number": n, "href": link(n), "current": n == page_number
            })).collect::<Vec<_>>(),
        })
    });

    let chrome = Chrome::signed_in(&visitor, "My children", Section::Children);
    page(
        "children.html",
        &chrome,
        crate::values! {
            rows => rows,
            total => chosen.len(),
            overdue => overdue,
            all => lines.len(),
            teams => teams,
            flags => flags.iter().map(|(code, name)| serde_json::json!({"value": code, "text": name})).collect::<Vec<_>>(),
            team => team,
            flag => flag,
            as_of => as_of.to_string(),
            as_of_words => words::date(as_of),
            as_of_error => as_of_error,
            is_today => as_of == state.services.today(),
            known_at => at.asked.then(|| words::known_at_field(tz, at.known_at)),
            known_at_words => at.asked.then(|| words::instant(tz, at.known_at)),
            known_at_error => known_at_error,
            pagination => pagination,
            page_number => page_number,
            pages => pages,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct ChildQuery {
    as_of: Option<String>,
    known_at: Option<String>,
    agency: Option<String>,
    kind: Option<String>,
}

#[derive(Debug, Serialize)]
struct FlagRow {
    name: &'static str,
    tag: Tag,
    message: String,
    since: String,
    due: Option<String>,
}

#[derive(Debug, Serialize)]
struct Event {
    kind: &'static str,
    kind_name: &'static str,
    when: String,
    title: String,
    agency: String,
    by: String,
    lines: Vec<String>,
    tags: Vec<Tag>,
}

/// GET /children/{id} — a child's page: status with every flag, the multi-agency chronology
/// (filtered by agency and type), the plan and its core group; "as at" a chosen date.
#[get("/children/{id}")]
pub async fn child_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    query: web::Query<ChildQuery>,
) -> Result<HttpResponse, PageError> {
    let id = ChildId::from(path.into_inner());
    let tz = state.services.timezone;
    let Asked {
        as_of,
        as_of_error,
        known_at,
        known_at_error,
    } = Asked::read(tz, &query.as_of, &query.known_at);
    let found = status::child_page(&state.services, &visitor.who, id, as_of, known_at).await?;
    let view = child_view(&found, tz, &query);
    let title = format!(
        "{} {}",
        found.record.child.given_name, found.record.child.family_name
    );
    let chrome = Chrome::signed_in(&visitor, &title, Section::Children);
    let mut view = view;
    if let Some(map) = view.as_object_mut() {
        map.insert("as_of_error".into(), serde_json::json!(as_of_error));
        map.insert("known_at_error".into(), serde_json::json!(known_at_error));
        let asked = found.at.asked;
        map.insert(
            "known_at".into(),
            serde_json::json!(asked.then(|| words::known_at_field(tz, found.at.known_at))),
        );
        map.insert(
            "known_at_words".into(),
            serde_json::json!(asked.then(|| words::instant(tz, found.at.known_at))),
        );
        map.insert(
            "is_today".into(),
            serde_json::json!(found.as_of == state.services.today()),
        );
        map.insert(
            "may_record".into(),
            serde_json::json!(crate::web::view::records_contacts(visitor.who.user.role)),
        );
    }
    page("child.html", &chrome, view)
}

fn child_view(found: &ChildPage, tz: chrono_tz::Tz, query: &ChildQuery) -> serde_json::Value {
    let record_child = &found.record.child;
    let status = found.status.as_ref().map(|s| {
        let e = &s.evaluation;
        let mut flags: Vec<&Flag> = e.flags.iter().collect();
        flags.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.since.cmp(&b.since)));
        // The urgent meeting a child unseen for 30 working days needs (seed 001 §5).
        let urgent_meeting = e.urgent_meeting.as_ref().map(|u| match &u.held {
            Some(held) => serde_json::json!({
                "held": true,
                "text": format!(
                    "An urgent core group meeting chaired by a team manager was held on {}.",
                    words::date(held.held_on)
                ),
            }),
            None => serde_json::json!({
                "held": false,
                "text": format!(
                    "An urgent core group meeting chaired by a team manager has not been held since {}, the day after the child was due to be seen by an agency.",
                    words::date(u.breach_began)
                ),
            }),
        });
        serde_json::json!({
            "plan_open": e.plan_open,
            "urgent_meeting": urgent_meeting,
            "any_agency": clock_cell(&e.any_agency, "Seen", true),
            "social_worker": clock_cell(&e.social_worker, "Seen", false),
            "home_visit": clock_cell(&e.home_visit, "Visited", true),
            "frequency": format!("{:?}", s.frequency),
            "flags": flags.iter().map(|f| FlagRow {
                name: words::flag_name(f.code),
                tag: words::severity_tag(f.severity),
                message: f.message(),
                since: words::date(f.since),
                due: f.due.map(words::date),
            }).collect::<Vec<_>>(),
        })
    });

    let names: std::collections::HashMap<&str, (&str, &str)> = found
        .record
        .members
        .iter()
        .map(|(m, name, agency)| (m.user_id.as_str(), (name.as_str(), agency.as_str())))
        .collect();
    let person = |id: &str| {
        names
            .get(id)
            .map(|(n, _)| n.to_string())
            .unwrap_or_default()
    };
    // An author no longer in the core group is still named by agency where we know it.
    let agency_names: std::collections::HashMap<&str, &str> = found
        .record
        .members
        .iter()
        .map(|(m, _, agency)| (m.agency_id.as_str(), agency.as_str()))
        .collect();
    let agency_of = |agency_id: &str| {
        agency_names
            .get(agency_id)
            .map(|a| a.to_string())
            .unwrap_or_default()
    };

    let mut events: Vec<(chrono::DateTime<chrono::Utc>, Event)> = Vec::new();
    for s in &found.chronology.sightings {
        let at = crate::api::views::instant(s.occurred_at);
        let mut lines = vec![format!("At {}", s.location.phrase())];
        if let Some(o) = &s.observations {
            lines.push(format!("Observations: {o}"));
        }
        if let Some(v) = &s.childs_voice {
            lines.push(format!("The child's voice: {v}"));
        }
        if let Some(reason) = &s.correction_reason {
            lines.push(format!("Correction: {reason}"));
        }
        let mut tags = vec![];
        if s.status == crate::domain::records::RecordStatus::Draft {
            tags.push(Tag {
                text: "Draft",
                classes: "govuk-tag--grey",
            });
        }
        if s.superseded_by_id.is_some() {
            tags.push(Tag {
                text: "Corrected",
                classes: "govuk-tag--grey",
            });
        }
        events.push((
            at,
            Event {
                kind: "sighting",
                kind_name: "Contact",
                when: words::instant(tz, at),
                title: format!(
                    "{}: {}",
                    words::capitalise(s.kind.phrase()),
                    s.outcome.phrase()
                ),
                agency: agency_of(&s.agency_id),
                by: person(&s.author_id),
                lines,
                tags,
            },
        ));
    }
    for m in &found.chronology.meetings {
        let at = m
            .held_on
            .and_hms_opt(9, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or_default();
        events.push((
            at,
            Event {
                kind: "meeting",
                kind_name: "Core group meeting",
                when: words::date(m.held_on),
                title: "Core group meeting".into(),
                agency: String::new(),
                by: String::new(),
                lines: vec![],
                tags: vec![],
            },
        ));
    }
    events.sort_by_key(|e| std::cmp::Reverse(e.0));
    let agencies: Vec<String> = {
        let mut a: Vec<String> = events
            .iter()
            .map(|(_, e)| e.agency.clone())
            .filter(|a| !a.is_empty())
            .collect();
        a.sort();
        a.dedup();
        a
    };
    let agency = query.agency.clone().filter(|a| !a.is_empty());
    let kind = query.kind.clone().filter(|k| !k.is_empty());
    let shown: Vec<Event> = events
        .into_iter()
        .map(|(_, e)| e)
        .filter(|e| agency.as_ref().is_none_or(|a| &e.agency == a))
        .filter(|e| kind.as_ref().is_none_or(|k| e.kind == k))
        .collect();

    let plans: Vec<serde_json::Value> = found
        .record
        .plans
        .iter()
        .rev()
        .map(|p| {
            serde_json::json!({
                "id": p.id,
                "category": words::capitalise(p.category.phrase()),
                "start": words::date(p.start_date),
                "end": p.end_date.map(words::date),
                "lead_social_worker": person(&p.lead_social_worker_id),
                "frequency": found.record.frequencies.iter()
                    .find(|f| f.plan_id == p.id)
                    .map(|f| words::capitalise(&f.in_force.describe())),
                "chair": person(&p.cp_chair_id),
                "covers": found.record.covers.iter()
                    .filter(|(c, _)| c.plan_id == p.id)
                    .map(|(c, name)| serde_json::json!({
                        "name": name,
                        "from": words::date(c.from_date),
                        "to": words::date(c.until_date),
                    }))
                    .collect::<Vec<_>>(),
                "members": found.record.members.iter()
                    .filter(|(m, _, _)| m.plan_id == p.id)
                    .map(|(m, name, agency)| serde_json::json!({
                        "name": name,
                        "agency": agency,
                        "lead": m.user_id == p.lead_social_worker_id,
                        "from": words::date(m.from_date),
                        "to": m.until_date.map(words::date),
                    }))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();

    serde_json::json!({
        "child": {
            "id": record_child.id,
            "name": format!("{} {}", record_child.given_name, record_child.family_name),
            "date_of_birth": words::date(record_child.date_of_birth),
            "family_id": record_child.family_id,
        },
        "siblings": found.record.siblings.iter().map(|s| serde_json::json!({
            "id": s.id, "name": format!("{} {}", s.given_name, s.family_name)
        })).collect::<Vec<_>>(),
        "as_of": found.as_of.to_string(),
        "as_of_words": words::date(found.as_of),
        "status": status,
        "events": shown,
        "agencies": agencies,
        "agency": agency,
        "kind": kind,
        "plans": plans,
    })
}
