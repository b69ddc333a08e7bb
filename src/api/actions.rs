//! Actions, with their progress notes (versioned with ETag / If-Match).

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, Problems};
use super::extract::{if_match, with_etag, ApiJson};
use super::views::{instant, ListOf};
use super::AppState;
use crate::domain::ids::{ActionId, PlanId};
use crate::domain::records::ActionStatus;
use crate::services::actions::{self, ActionChange, ActionOnDay, NewActionInput, ProgressNote};
use crate::services::Requester;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProgressView {
    pub id: String,
    pub author_id: String,
    pub note: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<ProgressNote> for ProgressView {
    fn from(p: ProgressNote) -> ProgressView {
        ProgressView {
            id: p.id,
            author_id: p.author_id,
            note: p.note,
            recorded_at: instant(p.recorded_at),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActionView {
    pub id: String,
    pub plan_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_id: Option<String>,
    pub meeting_id: Option<String>,
    pub description: String,
    pub owner_id: String,
    pub agency_id: String,
    pub due_on: NaiveDate,
    pub status: ActionStatus,
    /// The day it was done or cancelled.
    pub closed_on: Option<NaiveDate>,
    /// Open and past its due date today.
    pub overdue: bool,
    /// The version, also sent as the `ETag` header; send it back in `If-Match` to change it.
    pub version: i32,
    pub created_by: String,
    pub created_on: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<Vec<ProgressView>>,
}

fn view(seen: ActionOnDay) -> ActionView {
    let ActionOnDay {
        action: a,
        child_id,
        overdue,
    } = seen;
    ActionView {
        overdue,
        id: a.id,
        plan_id: a.plan_id,
        child_id,
        meeting_id: a.meeting_id,
        description: a.description,
        owner_id: a.owner_id,
        agency_id: a.agency_id,
        due_on: a.due_on,
        status: a.status,
        closed_on: a.closed_on,
        version: a.version,
        created_by: a.created_by,
        created_on: a.created_on,
        progress: None,
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActionRequest {
    pub description: String,
    /// A member of the core group; the action is their agency's.
    pub owner_id: String,
    pub due_on: NaiveDate,
    /// The meeting that set it, if any.
    pub meeting_id: Option<String>,
}

/// POST /api/v1/plans/{id}/actions — an action for a member of the core group.
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path)), request_body = NewActionRequest, responses(
    (status = 201, body = ActionView, headers(("ETag" = String))),
    Problems,
))]
#[post("/plans/{id}/actions")]
pub async fn create_action(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
    body: ApiJson<NewActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let input = NewActionInput {
        description: b.description,
        owner_id: b.owner_id,
        due_on: b.due_on,
        meeting_id: b.meeting_id,
    };
    let action =
        actions::create(&state.services, &who, PlanId::from(id.into_inner()), input).await?;
    let v = view(action);
    Ok(with_etag(HttpResponse::Created(), v.version, &v))
}

/// GET /api/v1/plans/{id}/actions — the plan's actions, soonest due first.
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = ListOf<ActionView>),
    Problems,
))]
#[get("/plans/{id}/actions")]
pub async fn plan_actions(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let all = actions::of_plan(&state.services, &who, PlanId::from(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(ListOf {
        items: all.into_iter().map(view).collect::<Vec<_>>(),
    }))
}

/// GET /api/v1/actions/{id} — an action with its progress notes.
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = ActionView, headers(("ETag" = String))),
    Problems,
))]
#[get("/actions/{id}")]
pub async fn get_action(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (action, notes) =
        actions::read(&state.services, &who, ActionId::from(id.into_inner())).await?;
    let mut v = view(action);
    v.progress = Some(notes.into_iter().map(ProgressView::from).collect());
    Ok(with_etag(HttpResponse::Ok(), v.version, &v))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionUpdate {
    pub description: Option<String>,
    pub owner_id: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub status: Option<ActionStatus>,
}

/// PATCH /api/v1/actions/{id} — the owner marks it done; the lead social worker may change or cancel it. `If-Match` required (412 when stale).
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path), ("If-Match" = String, Header)), request_body = ActionUpdate, responses(
    (status = 200, body = ActionView, headers(("ETag" = String))),
    Problems,
))]
#[patch("/actions/{id}")]
pub async fn update_action(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Requester,
    id: web::Path<String>,
    body: ApiJson<ActionUpdate>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    if b.description.is_none() && b.owner_id.is_none() && b.due_on.is_none() && b.status.is_none() {
        return Err(ApiError::invalid(
            "body",
            "say what to change: description, owner_id, due_on or status",
        ));
    }
    let version = if_match(&req)?;
    let change = ActionChange {
        description: b.description,
        owner_id: b.owner_id,
        due_on: b.due_on,
        status: b.status,
    };
    let action = actions::change(
        &state.services,
        &who,
        ActionId::from(id.into_inner()),
        version,
        change,
    )
    .await?;
    let v = view(action);
    Ok(with_etag(HttpResponse::Ok(), v.version, &v))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressRequest {
    pub note: String,
}

/// POST /api/v1/actions/{id}/progress — a dated progress note by the action's owner.
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path)), request_body = ProgressRequest, responses(
    (status = 201, body = ProgressView),
    Problems,
))]
#[post("/actions/{id}/progress")]
pub async fn add_progress(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
    body: ApiJson<ProgressRequest>,
) -> Result<HttpResponse, ApiError> {
    let written = actions::add_progress(
        &state.services,
        &who,
        ActionId::from(id.into_inner()),
        body.0.note,
    )
    .await?;
    Ok(HttpResponse::Created().json(ProgressView::from(written)))
}

/// GET /api/v1/me/actions — the caller's actions across all their children, soonest due first.
#[utoipa::path(tag = "core groups", security(("bearer" = [])), responses(
    (status = 200, body = ListOf<ActionView>),
    Problems,
))]
#[get("/me/actions")]
pub async fn my_actions(
    state: web::Data<AppState>,
    who: Requester,
) -> Result<HttpResponse, ApiError> {
    let mine = actions::mine(&state.services, &who).await?;
    Ok(HttpResponse::Ok().json(ListOf {
        items: mine.into_iter().map(view).collect::<Vec<_>>(),
    }))
}
