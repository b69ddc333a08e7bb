//! A child's record as read: status on a date, the multi-agency chronology, and the access
//! log.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};

use super::case_views::*;
use super::error::{ApiError, Problems};
use super::extract::{AsOf, AsOfDate};
use super::views::ListOf;
use super::AppState;
use crate::domain::ids::ChildId;
use crate::domain::words::Phrase;
use crate::services::{status, Requester};

/// GET /api/v1/children/{id}/status — the rules applied to the child's plan on `as_of`.
#[utoipa::path(tag = "status", security(("bearer" = [])), params(("id" = String, Path), AsOf), responses(
    (status = 200, body = StatusView),
    Problems,
))]
#[get("/children/{id}/status")]
pub async fn child_status(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
    as_of: AsOfDate,
) -> Result<HttpResponse, ApiError> {
    let s = status::status(
        &state.services,
        &who,
        ChildId::from(id.into_inner()),
        Some(as_of.as_of),
        as_of.known_at,
    )
    .await?;
    Ok(HttpResponse::Ok().json(status_view(
        &s.child,
        &s.plan,
        s.frequency,
        &s.evaluation,
        &s.at,
    )))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ChronologyView {
    pub child_id: String,
    pub entries: Vec<ChronologyEntry>,
}

/// GET /api/v1/children/{id}/chronology — every agency's records of the child, in date order.
#[utoipa::path(tag = "status", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = ChronologyView),
    Problems,
))]
#[get("/children/{id}/chronology")]
pub async fn chronology(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let record = status::chronology(&state.services, &who, ChildId::from(id.clone())).await?;
    Ok(HttpResponse::Ok().json(ChronologyView {
        child_id: id,
        entries: chronology_entries(record, state.services.timezone),
    }))
}

/// A sentence starts with a capital letter.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn at_start_of(day: NaiveDate, tz: chrono_tz::Tz) -> DateTime<Utc> {
    use chrono::TimeZone;
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| tz.from_local_datetime(&t).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| day.and_time(chrono::NaiveTime::MIN).and_utc())
}

fn chronology_entries(record: status::Chronology, tz: chrono_tz::Tz) -> Vec<ChronologyEntry> {
    let mut entries = Vec::new();
    for plan in &record.plans {
        entries.push(ChronologyEntry {
            kind: "plan_started",
            id: plan.id.clone(),
            occurred_at: at_start_of(plan.start_date, tz),
            summary: format!("Child protection plan started ({})", plan.category.phrase()),
            sighting: None,
        });
        if let (Some(end), Some(reason)) = (plan.end_date, plan.end_reason) {
            entries.push(ChronologyEntry {
                kind: "plan_ended",
                id: plan.id.clone(),
                occurred_at: at_start_of(end, tz),
                summary: format!("Plan ended ({})", reason.phrase()),
                sighting: None,
            });
        }
    }
    for (member, name, agency) in &record.members {
        entries.push(ChronologyEntry {
            kind: "member_joined",
            id: member.id.clone(),
            occurred_at: at_start_of(member.from_date, tz),
            summary: format!("{name} ({agency}) joined the core group"),
            sighting: None,
        });
        if let Some(until) = member.until_date {
            entries.push(ChronologyEntry {
                kind: "member_left",
                id: member.id.clone(),
                occurred_at: at_start_of(until, tz),
                summary: format!("{name} ({agency}) left the core group"),
                sighting: None,
            });
        }
    }
    for change in &record.frequency_changes {
        entries.push(ChronologyEntry {
            kind: "visit_frequency_changed",
            id: change.id.clone(),
            occurred_at: change.changed_at.and_utc(),
            summary: format!(
                "Visiting frequency changed to {} from {}, agreed by {}: {}",
                change
                    .frequency()
                    .ok()
                    .flatten()
                    .map_or_else(|| "the policy's default".to_string(), |f| f.describe()),
                crate::domain::rules::long_date(change.from),
                change.agreed_by,
                change.reason
            ),
            sighting: None,
        });
    }
    for decision in &record.decisions {
        entries.push(ChronologyEntry {
            kind: "manager_decision",
            id: decision.id.clone(),
            occurred_at: decision.decided_at.and_utc(),
            summary: "Team manager's decision after a failed visit".into(),
            sighting: None,
        });
    }
    for m in &record.meetings {
        entries.push(ChronologyEntry {
            kind: "core_group_meeting",
            id: m.id.clone(),
            occurred_at: at_start_of(m.held_on, tz),
            summary: if m.urgent {
                "Urgent core group meeting".into()
            } else {
                "Core group meeting".into()
            },
            sighting: None,
        });
    }
    for m in &record.minutes {
        let held_on = record
            .meetings
            .iter()
            .find(|x| x.id == m.meeting_id)
            .map(|x| x.held_on.to_string())
            .unwrap_or_default();
        entries.push(ChronologyEntry {
            kind: "minutes_published",
            id: m.id.clone(),
            occurred_at: m.published_at.unwrap_or(m.updated_at).and_utc(),
            summary: if m.addendum_to.is_some() {
                format!("Addendum to the minutes of the core group on {held_on} sent to members")
            } else {
                format!("Minutes of the core group on {held_on} sent to every member")
            },
            sighting: None,
        });
    }
    for a in &record.actions {
        entries.push(ChronologyEntry {
            kind: "action_set",
            id: a.id.clone(),
            occurred_at: at_start_of(a.created_on, tz),
            summary: format!("Action set, due {}: {}", a.due_on, a.description),
            sighting: None,
        });
        if let Some(closed) = a.closed_on {
            entries.push(ChronologyEntry {
                kind: match a.status {
                    crate::domain::records::ActionStatus::Cancelled => "action_cancelled",
                    _ => "action_done",
                },
                id: a.id.clone(),
                occurred_at: at_start_of(closed, tz),
                summary: format!("Action {}: {}", a.status.phrase(), a.description),
                sighting: None,
            });
        }
    }
    for r in &record.reviews {
        entries.push(ChronologyEntry {
            kind: "review_conference",
            id: r.id.clone(),
            occurred_at: at_start_of(r.held_on, tz),
            summary: match r.outcome {
                crate::domain::records::ReviewOutcome::PlanContinues => {
                    "Review conference: the plan continues".into()
                }
                crate::domain::records::ReviewOutcome::PlanEnds => {
                    "Review conference: the plan ends".into()
                }
            },
            sighting: None,
        });
    }
    for s in record.sightings {
        let summary = capitalised(&format!(
            "{} at {}: {}",
            s.kind.phrase(),
            s.location.phrase(),
            s.outcome.phrase()
        ));
        entries.push(ChronologyEntry {
            kind: "sighting",
            id: s.id.clone(),
            occurred_at: s.occurred_at.and_utc(),
            summary,
            sighting: Some(s.into()),
        });
    }
    entries.sort_by_key(|e| e.occurred_at);
    entries
}

/// GET /api/v1/children/{id}/access-log — who read or wrote the child's record (team managers, CP chairs, auditors).
#[utoipa::path(tag = "status", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = ListOf<AccessEntryView>),
    Problems,
))]
#[get("/children/{id}/access-log")]
pub async fn access_log(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let entries = status::access_log(&state.services, &who, ChildId::from(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(ListOf {
        items: entries
            .into_iter()
            .map(AccessEntryView::from)
            .collect::<Vec<_>>(),
    }))
}
