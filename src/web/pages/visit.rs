//! A family home visit: one page with a field set per child (each child's own outcome — never
//! one record copied across siblings, seeds 000 and 002), then "check your answers", then
//! saved as a draft or final, one record per child in one transaction.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{Datelike, Utc};

use super::record::{read_moment, service_errors};
use crate::api::AppState;
use crate::domain::ids::FamilyId;
use crate::domain::records::{Location, Outcome, RecordStatus, SightingKind};
use crate::domain::words::Phrase;
use crate::services::children::{self, Child};
use crate::services::sightings::{self, ChildPart, Contact};
use crate::web::error::PageError;
use crate::web::form::{Errors, FormFields};
use crate::web::session::Visitor;
use crate::web::view::{page, page_with_status, see_other, Chrome, Section};
use crate::web::words;

/// Every outcome a home visit may have, in the order shown.
const OUTCOMES: [Outcome; 5] = [
    Outcome::SeenAlone,
    Outcome::SeenWithCarer,
    Outcome::Seen,
    Outcome::NotSeen,
    Outcome::NotPresent,
];

/// A child under this many months is asked about as a baby (seen awake, seen in their sleeping
/// place; seed 003).
const BABY_MONTHS: u32 = 12;

fn is_baby(child: &Child, today: chrono::NaiveDate) -> bool {
    let months = (today.year() - child.date_of_birth.year()) * 12 + today.month() as i32
        - child.date_of_birth.month() as i32;
    months < BABY_MONTHS as i32
}

/// One child's part of the form, as typed.
#[derive(Debug, Clone, serde::Serialize)]
struct ChildValues {
    index: usize,
    id: String,
    name: String,
    baby: bool,
    outcome: String,
    outcome_text: String,
    bedroom_seen: String,
    baby_awake: String,
    childs_voice: String,
    observations: String,
    outcomes: Vec<serde_json::Value>,
    errors: serde_json::Value,
}

fn yes_no(value: &str) -> Option<bool> {
    match value {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

fn children_values(
    children: &[Child],
    form: Option<&FormFields>,
    today: chrono::NaiveDate,
    errors: &Errors,
) -> Vec<ChildValues> {
    children
        .iter()
        .enumerate()
        .map(|(i, child)| {
            let get = |field: &str| {
                form.and_then(|f| f.get(&format!("children-{i}-{field}")))
                    .unwrap_or_default()
                    .to_string()
            };
            let outcome = get("outcome");
            let outcome_text = crate::domain::case::from_word::<Outcome>(&outcome)
                .map(|o| words::capitalise(o.phrase()))
                .unwrap_or_default();
            let field_error = |field: &str| errors.of(&format!("children-{i}-{field}"));
            ChildValues {
                index: i,
                id: child.id.clone(),
                name: format!("{} {}", child.given_name, child.family_name),
                baby: is_baby(child, today),
                outcomes: OUTCOMES
                    .iter()
                    .map(|o| {
                        let value = crate::domain::case::word(o);
                        serde_json::json!({
                            "value": value, "text": words::capitalise(o.phrase()),
                            "checked": value == outcome,
                        })
                    })
                    .collect(),
                outcome,
                outcome_text,
                bedroom_seen: get("bedroom_seen"),
                baby_awake: get("baby_awake"),
                childs_voice: get("childs_voice"),
                observations: get("observations"),
                errors: serde_json::json!({
                    "outcome": field_error("outcome"),
                    "bedroom_seen": field_error("bedroom_seen"),
                    "baby_awake": field_error("baby_awake"),
                    "childs_voice": field_error("childs_voice"),
                    "observations": field_error("observations"),
                }),
            }
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn show_form(
    visitor: &Visitor,
    status: StatusCode,
    family_id: &str,
    children: &[Child],
    form: Option<&FormFields>,
    today: chrono::NaiveDate,
    now: chrono::DateTime<chrono_tz::Tz>,
    errors: &Errors,
) -> Result<HttpResponse, PageError> {
    let get = |field: &str, default: String| {
        form.and_then(|f| f.get(field))
            .map(str::to_string)
            .unwrap_or(default)
    };
    let chrome = Chrome::signed_in(visitor, "Record a family home visit", Section::Record)
        .with_errors(!errors.is_empty());
    page_with_status(
        status,
        "visit.html",
        &chrome,
        crate::values! {
            family_id => family_id,
            children => children_values(children, form, today, errors),
            day => get("occurred-day", now.day().to_string()),
            month => get("occurred-month", now.month().to_string()),
            year => get("occurred-year", now.year().to_string()),
            time => get("occurred-time", words::time(now.time())),
            announced => get("announced", String::new()),
            people_present => get("people_present", String::new()),
            idempotency_key => get("idempotency_key", uuid::Uuid::new_v4().to_string()),
            errors => errors.summary(),
            occurred_error => errors.of("occurred-day").or(errors.of("occurred-month")).or(errors.of("occurred-year")),
            time_error => errors.of("occurred-time"),
            announced_error => errors.of("announced"),
        },
    )
}

/// GET /families/{id}/visit — the visit form: one field set per child of the family whom
/// the caller may visit.
#[get("/families/{id}/visit")]
pub async fn visit_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let family_id = path.into_inner();
    let children = children::family_for_visit(
        &state.services,
        &visitor.who,
        FamilyId::from(family_id.clone()),
    )
    .await?;
    let now = Utc::now().with_timezone(&state.services.timezone);
    show_form(
        &visitor,
        StatusCode::OK,
        &family_id,
        &children,
        None,
        state.services.today(),
        now,
        &Errors::default(),
    )
}

/// The visit as the form says it, or the errors that stop it.
fn read_visit(
    form: &FormFields,
    children: &[Child],
    tz: chrono_tz::Tz,
    status: RecordStatus,
    errors: &mut Errors,
) -> Option<(Contact, Vec<ChildPart>)> {
    let occurred_at = read_moment(
        tz,
        form.get("occurred-day").unwrap_or_default(),
        form.get("occurred-month").unwrap_or_default(),
        form.get("occurred-year").unwrap_or_default(),
        form.get("occurred-time").unwrap_or_default(),
        errors,
        "",
    );
    let announced = form.get("announced").and_then(yes_no);
    if announced.is_none() {
        errors.add("announced", "Select whether the visit was announced");
    }
    let mut parts = Vec::new();
    for (i, child) in children.iter().enumerate() {
        let field = |f: &str| format!("children-{i}-{f}");
        let name = &child.given_name;
        let outcome = form
            .get(&field("outcome"))
            .and_then(|o| crate::domain::case::from_word::<Outcome>(o).ok());
        if outcome.is_none() {
            errors.add(field("outcome"), format!("Select whether you saw {name}"));
        }
        let bedroom_seen = form.get(&field("bedroom_seen")).and_then(yes_no);
        if bedroom_seen.is_none() {
            errors.add(
                field("bedroom_seen"),
                format!("Select whether you saw where {name} sleeps"),
            );
        }
        let baby_awake = form.get(&field("baby_awake")).and_then(yes_no);
        if is_baby(
            child,
            occurred_at.map(|t| t.date_naive()).unwrap_or_default(),
        ) && baby_awake.is_none()
            && outcome.is_some_and(Outcome::is_seen)
        {
            errors.add(
                field("baby_awake"),
                format!("Select whether {name} was seen awake"),
            );
        }
        let text = |f: &str| form.text(&field(f));
        if let Some(outcome) = outcome {
            parts.push(ChildPart {
                child_id: child.id.clone(),
                outcome,
                bedroom_seen,
                baby_awake,
                observations: text("observations"),
                childs_voice: text("childs_voice"),
            });
        }
    }
    if !errors.is_empty() {
        return None;
    }
    Some((
        Contact {
            occurred_at: occurred_at?,
            location: Location::Home,
            kind: SightingKind::HomeVisit,
            announced,
            people_present: form.text("people_present"),
            status,
        },
        parts,
    ))
}

/// POST /families/{id}/visit — `step=check` shows the answers to check; `step=change` the
/// form again; `step=save` (with `status` draft or final) records the visit and goes to its
/// confirmation.
#[post("/families/{id}/visit")]
pub async fn visit(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, PageError> {
    visitor.check_form(&state, form.form_token())?;
    let family_id = path.into_inner();
    let children = children::family_for_visit(
        &state.services,
        &visitor.who,
        FamilyId::from(family_id.clone()),
    )
    .await?;
    let tz = state.services.timezone;
    let today = state.services.today();
    let now = Utc::now().with_timezone(&tz);
    let step = form.get("step").unwrap_or("check");
    let status = match form.get("status") {
        Some("draft") => RecordStatus::Draft,
        _ => RecordStatus::Final,
    };
    let mut errors = Errors::default();
    let read = read_visit(&form, &children, tz, status, &mut errors);
    let again = |errors: &Errors, status| {
        show_form(
            &visitor,
            status,
            &family_id,
            &children,
            Some(&form),
            today,
            now,
            errors,
        )
    };
    let Some((contact, parts)) = read else {
        return again(&errors, StatusCode::UNPROCESSABLE_ENTITY);
    };
    match step {
        "change" => again(&Errors::default(), StatusCode::OK),
        "save" => {
            let key = form.idempotency_key()?;
            match sightings::record_visit(
                &state.services,
                &visitor.who,
                contact,
                parts,
                Some(format!("page:{key}")),
            )
            .await
            {
                Ok(recorded) => {
                    let visit_id = recorded
                        .sightings
                        .first()
                        .and_then(|s| s.visit_id.clone())
                        .ok_or(PageError::NotFound)?;
                    Ok(see_other(&format!("/visits/{visit_id}/recorded")))
                }
                Err(e) => {
                    service_errors(e, &mut errors)?;
                    again(&errors, StatusCode::UNPROCESSABLE_ENTITY)
                }
            }
        }
        _ => {
            let chrome = Chrome::signed_in(
                &visitor,
                "Check your answers before saving the visit",
                Section::Record,
            );
            let at = words::instant(tz, contact.occurred_at);
            page(
                "visit-check.html",
                &chrome,
                crate::values! {
                    family_id => family_id,
                    hidden => form.pairs().iter()
                        .filter(|(k, _)| k != "step" && k != "status" && k != "form_token")
                        .map(|(k, v)| serde_json::json!({"name": k, "value": v}))
                        .collect::<Vec<_>>(),
                    when => at,
                    announced => contact.announced,
                    people_present => contact.people_present,
                    children => children_values(&children, Some(&form), today, &Errors::default()),
                },
            )
        }
    }
}

/// GET /visits/{id}/recorded — the confirmation of a family visit: each child's record.
#[get("/visits/{id}/recorded")]
pub async fn visit_recorded(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let records = sightings::read_visit(&state.services, &visitor.who, path.into_inner()).await?;
    let tz = state.services.timezone;
    let (first, _) = records.first().ok_or(PageError::NotFound)?;
    let when = words::instant(tz, crate::api::views::instant(first.occurred_at));
    let draft = first.status == RecordStatus::Draft;
    let chrome = Chrome::signed_in(
        &visitor,
        if draft {
            "Visit saved as a draft"
        } else {
            "Visit recorded"
        },
        Section::Record,
    );
    page(
        "visit-recorded.html",
        &chrome,
        crate::values! {
            draft => draft,
            when => when,
            records => records.iter().map(|(s, name)| serde_json::json!({
                "child_id": s.child_id,
                "name": name,
                "outcome": words::capitalise(s.outcome.phrase()),
                "seen": s.outcome.is_seen(),
            })).collect::<Vec<_>>(),
        },
    )
}
