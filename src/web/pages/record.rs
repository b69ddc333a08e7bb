//! Recording that a child was seen, in three actions: choose the child, say whether they
//! were seen (where and when default to the usual place and now), save. The form carries an
//! idempotency key made when it is rendered, so a double click or a replayed form makes one
//! record.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::Deserialize;

use crate::api::AppState;
use crate::domain::ids::{ChildId, SightingId};
use crate::domain::records::{Location, Outcome, RecordStatus, SightingKind};
use crate::domain::words::Phrase;
use crate::services::sightings::{self, ChildPart, Contact, RecordingForm};
use crate::services::{dashboard, ServiceError};
use crate::web::error::PageError;
use crate::web::form::{Errors, FormFields};
use crate::web::session::Visitor;
use crate::web::view::{page, page_with_status, see_other, Chrome, Section};
use crate::web::words;

#[derive(Debug, Deserialize)]
pub struct ChooseQuery {
    q: Option<String>,
}

/// GET /record — choose the child: the caller's core group children, with a search box.
#[get("/record")]
pub async fn choose_child(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<ChooseQuery>,
) -> Result<HttpResponse, PageError> {
    let (_, lines) = dashboard::dashboard(&state.services, &visitor.who, None, None).await?;
    let q = query.q.clone().unwrap_or_default();
    let needle = q.trim().to_lowercase();
    let mut children: Vec<serde_json::Value> = lines
        .iter()
        .filter(|l| {
            needle.is_empty()
                || format!("{} {}", l.child.given_name, l.child.family_name)
                    .to_lowercase()
                    .contains(&needle)
        })
        .map(|l| {
            serde_json::json!({
                "id": l.child.id,
                "name": format!("{} {}", l.child.given_name, l.child.family_name),
                "sort": format!("{} {}", l.child.family_name, l.child.given_name),
                "date_of_birth": words::date(l.child.date_of_birth),
                "last_seen": words::date_or(l.clocks.any_agency.last_seen, "Not seen since the plan began"),
            })
        })
        .collect();
    children.sort_by(|a, b| a["sort"].as_str().cmp(&b["sort"].as_str()));
    let chrome = Chrome::signed_in(&visitor, "Which child did you see?", Section::Record);
    page(
        "record-choose.html",
        &chrome,
        crate::values! {
            children => children,
            q => q,
            total => lines.len(),
            show_search => lines.len() > 8 || !needle.is_empty(),
        },
    )
}

/// The form's values as typed (kept when it is shown again with errors).
#[derive(Debug, Clone, serde::Serialize, Default)]
struct Values {
    outcome: String,
    kind: String,
    location: String,
    day: String,
    month: String,
    year: String,
    time: String,
    observations: String,
    childs_voice: String,
    idempotency_key: String,
}

impl Values {
    fn fresh(form: &RecordingForm, now: DateTime<chrono_tz::Tz>) -> Values {
        use chrono::Datelike;
        Values {
            outcome: String::new(),
            kind: crate::domain::case::word(&form.kind),
            location: crate::domain::case::word(&form.location),
            day: now.day().to_string(),
            month: now.month().to_string(),
            year: now.year().to_string(),
            time: words::time(now.time()),
            observations: String::new(),
            childs_voice: String::new(),
            idempotency_key: uuid::Uuid::new_v4().to_string(),
        }
    }

    fn from_form(form: &FormFields) -> Values {
        let get = |n: &str| form.get(n).unwrap_or_default().to_string();
        Values {
            outcome: get("outcome"),
            kind: get("kind"),
            location: get("location"),
            day: get("occurred-day"),
            month: get("occurred-month"),
            year: get("occurred-year"),
            time: get("occurred-time"),
            observations: get("observations"),
            childs_voice: get("childs_voice"),
            idempotency_key: get("idempotency_key"),
        }
    }
}

/// The outcomes a contact form offers, in the order shown.
const OUTCOMES: [Outcome; 3] = [Outcome::Seen, Outcome::SeenAlone, Outcome::NotSeen];
/// The places a contact form offers.
const LOCATIONS: [Location; 8] = [
    Location::School,
    Location::Nursery,
    Location::Home,
    Location::HealthSetting,
    Location::PoliceStation,
    Location::Office,
    Location::Community,
    Location::Other,
];

fn show_form(
    visitor: &Visitor,
    status: StatusCode,
    form: &RecordingForm,
    values: &Values,
    errors: &Errors,
) -> Result<HttpResponse, PageError> {
    let child = &form.child;
    let name = format!("{} {}", child.given_name, child.family_name);
    let chrome = Chrome::signed_in(
        visitor,
        &format!("Record a contact with {name}"),
        Section::Record,
    )
    .with_errors(!errors.is_empty());
    let option = |value: String, text: String, checked: bool| serde_json::json!({ "value": value, "text": text, "checked": checked });
    let outcomes: Vec<_> = OUTCOMES
        .iter()
        .map(|o| {
            let value = crate::domain::case::word(o);
            let checked = values.outcome == value;
            option(value, words::capitalise(o.phrase()), checked)
        })
        .collect();
    let locations: Vec<_> = LOCATIONS
        .iter()
        .map(|l| {
            let value = crate::domain::case::word(l);
            let checked = values.location == value;
            option(value, words::capitalise(l.phrase()), checked)
        })
        .collect();
    let kinds: Vec<_> = [SightingKind::HomeVisit, SightingKind::OtherContact]
        .iter()
        .map(|k| {
            let value = crate::domain::case::word(k);
            let checked = values.kind == value;
            let text = if *k == SightingKind::HomeVisit {
                "Home visit (the statutory visit)".to_string()
            } else {
                "Another contact".to_string()
            };
            option(value, text, checked)
        })
        .collect();
    page_with_status(
        status,
        "record.html",
        &chrome,
        crate::values! {
            child_id => child.id,
            name => name,
            values => values,
            outcomes => outcomes,
            locations => locations,
            kinds => kinds,
            choose_kind => form.by_social_care,
            errors => errors.summary(),
            outcome_error => errors.of("outcome"),
            kind_error => errors.of("kind"),
            location_error => errors.of("location"),
            occurred_error => errors.of("occurred-day").or(errors.of("occurred-month")).or(errors.of("occurred-year")),
            time_error => errors.of("occurred-time"),
            observations_error => errors.of("observations"),
            childs_voice_error => errors.of("childs_voice"),
        },
    )
}

/// GET /children/{id}/record — the question page: seen, seen alone or not seen; where and
/// when (now, by default); what was observed and what the child said.
#[get("/children/{id}/record")]
pub async fn record_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let form = sightings::recording_form(
        &state.services,
        &visitor.who,
        ChildId::from(path.into_inner()),
    )
    .await
    .map_err(not_one_of_yours)?;
    let now = Utc::now().with_timezone(&state.services.timezone);
    let values = Values::fresh(&form, now);
    show_form(&visitor, StatusCode::OK, &form, &values, &Errors::default())
}

/// A child the visitor may read but not record a contact with (a CP chair, an auditor) has
/// no record form: to them the page does not exist, as for a child they may not read, and
/// as the family visit form answers.
fn not_one_of_yours(e: ServiceError) -> PageError {
    match e {
        ServiceError::Forbidden(_) => PageError::NotFound,
        other => other.into(),
    }
}

/// Reads a moment typed as a date (three boxes) and a time, in the service's zone.
pub fn read_moment(
    tz: chrono_tz::Tz,
    day: &str,
    month: &str,
    year: &str,
    time: &str,
    errors: &mut Errors,
    prefix: &str,
) -> Option<DateTime<Utc>> {
    let date: Option<NaiveDate> = match words::parse_date_parts(day, month, year) {
        Ok(d) => Some(d),
        Err(problem) => {
            errors.add(
                format!("{prefix}occurred-{}", problem.part()),
                problem.message("the date of the contact"),
            );
            None
        }
    };
    let time: Option<NaiveTime> = if time.trim().is_empty() {
        errors.add(
            format!("{prefix}occurred-time"),
            "Enter the time of the contact, like 9:30am",
        );
        None
    } else {
        let t = words::parse_time(time);
        if t.is_none() {
            errors.add(
                format!("{prefix}occurred-time"),
                "Enter the time of the contact, like 9:30am or 14:15",
            );
        }
        t
    };
    let local = date?.and_time(time?);
    // A time the clocks skipped (spring forward) is read as the hour after.
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(local + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
}

/// Maps a service's field name to the form field it came from.
pub fn field_id(service_field: &str) -> String {
    match service_field {
        "occurred_at" => "occurred-day".into(),
        other => other
            .replace(['[', ']', '.'], "-")
            .trim_end_matches('-')
            .to_string(),
    }
}

/// What a service refused, shown on the form; anything else is an error page.
pub fn service_errors(e: ServiceError, errors: &mut Errors) -> Result<(), PageError> {
    match e {
        ServiceError::Invalid { field, reason } => {
            errors.add(field_id(&field), sentence(&reason));
            Ok(())
        }
        ServiceError::InvalidFields(problems) => {
            for p in problems {
                errors.add(field_id(&p.field), sentence(&p.reason));
            }
            Ok(())
        }
        other => Err(other.into()),
    }
}

/// A service's reason as a sentence for the page ("is in the future; …" → "The date is in
/// the future; …").
fn sentence(reason: &str) -> String {
    if reason.starts_with("is ") || reason.starts_with("must ") {
        format!("The date and time {reason}")
    } else {
        words::capitalise(reason)
    }
}

/// POST /children/{id}/record — saves the contact and goes to its confirmation; with errors,
/// the form again with an error summary.
#[post("/children/{id}/record")]
pub async fn record_contact(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    posted: FormFields,
) -> Result<HttpResponse, PageError> {
    visitor.check_form(&state, posted.form_token())?;
    let child_id = ChildId::from(path.into_inner());
    let form = sightings::recording_form(&state.services, &visitor.who, child_id.clone())
        .await
        .map_err(not_one_of_yours)?;
    let values = Values::from_form(&posted);
    let mut errors = Errors::default();

    let outcome = crate::domain::case::from_word::<Outcome>(&values.outcome)
        .ok()
        .filter(|o| OUTCOMES.contains(o));
    if outcome.is_none() {
        errors.add("outcome", "Select whether you saw the child");
    }
    let kind = if form.by_social_care {
        let k = crate::domain::case::from_word::<SightingKind>(&values.kind).ok();
        if k.is_none() {
            errors.add("kind", "Select what kind of contact this was");
        }
        k
    } else {
        Some(form.kind)
    };
    let location = crate::domain::case::from_word::<Location>(&values.location).ok();
    if location.is_none() {
        errors.add("location", "Select where you saw the child");
    }
    let tz = state.services.timezone;
    let occurred_at = read_moment(
        tz,
        &values.day,
        &values.month,
        &values.year,
        &values.time,
        &mut errors,
        "",
    );
    let key = posted.idempotency_key()?;
    let (Some(outcome), Some(kind), Some(location), Some(occurred_at), true) =
        (outcome, kind, location, occurred_at, errors.is_empty())
    else {
        return show_form(
            &visitor,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form,
            &values,
            &errors,
        );
    };
    let text = |t: &str| Some(t.trim().to_string()).filter(|t| !t.is_empty());
    let contact = Contact {
        occurred_at,
        location,
        kind,
        announced: None,
        people_present: None,
        status: RecordStatus::Final,
    };
    let part = ChildPart {
        child_id: child_id.as_str().to_string(),
        outcome,
        bedroom_seen: None,
        baby_awake: None,
        observations: text(&values.observations),
        childs_voice: text(&values.childs_voice),
    };
    match sightings::record(
        &state.services,
        &visitor.who,
        contact,
        part,
        Some(format!("page:{key}")),
    )
    .await
    {
        Ok(recorded) => {
            let id = recorded
                .sightings
                .first()
                .map(|s| s.id.clone())
                .ok_or(PageError::NotFound)?;
            Ok(see_other(&format!("/sightings/{id}/recorded")))
        }
        Err(e) => {
            service_errors(e, &mut errors)?;
            show_form(
                &visitor,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &values,
                &errors,
            )
        }
    }
}

/// GET /sightings/{id}/recorded — the confirmation: what was recorded, and when it counts.
#[get("/sightings/{id}/recorded")]
pub async fn recorded_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let sighting = sightings::read(
        &state.services,
        &visitor.who,
        SightingId::from(path.into_inner()),
    )
    .await?;
    let tz = state.services.timezone;
    let at = crate::api::views::instant(sighting.occurred_at);
    let final_record = sighting.status == RecordStatus::Final;
    let chrome = Chrome::signed_in(&visitor, "Contact recorded", Section::Record);
    page(
        "recorded.html",
        &chrome,
        crate::values! {
            child_id => sighting.child_id,
            outcome => words::capitalise(sighting.outcome.phrase()),
            seen => sighting.outcome.is_seen(),
            final_record => final_record,
            when => words::instant(tz, at),
            day => words::date(sighting.occurred_on),
            location => sighting.location.phrase(),
            kind => sighting.kind.phrase(),
        },
    )
}
