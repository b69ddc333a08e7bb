//! Actions (with progress notes, versioned with ETag / If-Match) and review conferences.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::cases::{read_about, requester, write_about, write_for_plan};
use super::error::{ApiError, Problem};
use super::extract::{if_match, with_etag, ApiJson, Caller};
use super::views::{instant, ListOf};
use super::AppState;
use crate::domain::case::EndReason;
use crate::domain::records::{ActionStatus, ReviewOutcome};
use crate::domain::rules::next_review_due;
use crate::services::actions::{self, ActionChange, NewActionInput, ReviewInput};
use crate::services::AuditAction;
use crate::services::{log_read_of_children, today};
use crate::store::actions::{Action, ProgressNote, Review};
use crate::store::owners::Record;
use crate::store::settings as stored_settings;

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

fn view(a: Action, child_id: Option<String>, today: NaiveDate) -> ActionView {
    ActionView {
        overdue: a.status == ActionStatus::Open && today > a.due_on,
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
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/plans/{id}/actions")]
pub async fn create_action(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
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
    let day = today(state.timezone);
    let action = write_for_plan(
        &state,
        &req,
        caller,
        id.into_inner(),
        AuditAction::CreateAction,
        move |c, who, plan_id, day| actions::create(c, who, plan_id, &input, day),
    )
    .await?;
    let v = view(action, None, day);
    Ok(with_etag(HttpResponse::Created(), v.version, &v))
}

/// GET /api/v1/plans/{id}/actions — the plan's actions, soonest due first.
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = ListOf<ActionView>),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/plans/{id}/actions")]
pub async fn plan_actions(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let plan_id = id.into_inner();
    let day = today(state.timezone);
    let (w, pid) = (who.clone(), plan_id.clone());
    let all = read_about(
        &state,
        &who,
        Record::Plan(plan_id.clone()),
        AuditAction::ReadActions,
        format!("actions of plan {plan_id}"),
        move |c| actions::of_plan(c, &w, &pid, day),
    )
    .await?;
    Ok(HttpResponse::Ok().json(ListOf {
        items: all
            .into_iter()
            .map(|a| view(a, None, day))
            .collect::<Vec<_>>(),
    }))
}

/// GET /api/v1/actions/{id} — an action with its progress notes.
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = ActionView, headers(("ETag" = String))),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/actions/{id}")]
pub async fn get_action(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let action_id = id.into_inner();
    let day = today(state.timezone);
    let (w, aid) = (who.clone(), action_id.clone());
    let (action, notes, child) = read_about(
        &state,
        &who,
        Record::Action(action_id.clone()),
        AuditAction::ReadAction,
        format!("action {action_id}"),
        move |c| actions::read(c, &w, &aid, day),
    )
    .await?;
    let mut v = view(action, Some(child), day);
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
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 412, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 428, body = Problem, content_type = "application/problem+json"),
))]
#[patch("/actions/{id}")]
pub async fn update_action(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
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
    let who = requester(&req, &state, caller);
    let action_id = id.into_inner();
    let day = today(state.timezone);
    let change = ActionChange {
        description: b.description,
        owner_id: b.owner_id,
        due_on: b.due_on,
        status: b.status,
    };
    let w = who.clone();
    let (action, child_id) = write_about(
        &state,
        &who,
        Record::Action(action_id.clone()),
        AuditAction::ChangeAction,
        move |c| actions::change(c, &w, &action_id, version, &change, day),
    )
    .await?;
    let v = view(action, Some(child_id), day);
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
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/actions/{id}/progress")]
pub async fn add_progress(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: ApiJson<ProgressRequest>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let action_id = id.into_inner();
    let day = today(state.timezone);
    let note = body.0.note;
    let w = who.clone();
    let written = write_about(
        &state,
        &who,
        Record::Action(action_id.clone()),
        AuditAction::AddActionProgress,
        move |c| actions::add_progress(c, &w, &action_id, &note, day),
    )
    .await?;
    Ok(HttpResponse::Created().json(ProgressView::from(written)))
}

/// GET /api/v1/me/actions — the caller's actions across all their children, soonest due first.
#[utoipa::path(tag = "core groups", security(("bearer" = [])), responses(
    (status = 200, body = ListOf<ActionView>),
))]
#[get("/me/actions")]
pub async fn my_actions(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let day = today(state.timezone);
    let w = who.clone();
    let mine = state
        .store
        .read(move |c| Ok(actions::mine(c, &w, day)))
        .await??;
    // Each child whose action is shown is a read of that child's record.
    let children: Vec<String> = {
        let mut ids: Vec<String> = mine.iter().map(|(_, c)| c.clone()).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    log_read_of_children(
        &state.store,
        &who,
        AuditAction::ReadMyActions,
        "my actions".into(),
        children,
    )
    .await?;
    let mut items: Vec<ActionView> = mine
        .into_iter()
        .map(|(a, child)| view(a, Some(child), day))
        .collect();
    // Open and overdue first, then open by due date, then the rest.
    items.sort_by_key(|a| (a.status != ActionStatus::Open, !a.overdue, a.due_on));
    Ok(HttpResponse::Ok().json(ListOf { items }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    pub id: String,
    pub plan_id: String,
    pub held_on: NaiveDate,
    pub outcome: ReviewOutcome,
    pub notes: Option<String>,
    pub recorded_by: String,
}

impl From<Review> for ReviewView {
    fn from(r: Review) -> ReviewView {
        ReviewView {
            id: r.id,
            plan_id: r.plan_id,
            held_on: r.held_on,
            outcome: r.outcome,
            notes: r.notes,
            recorded_by: r.recorded_by,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewsView {
    pub plan_id: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub end_reason: Option<EndReason>,
    pub reviews: Vec<ReviewView>,
    /// While the plan is open: the date the next review conference is due by.
    pub next_review_due: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReviewRequest {
    pub held_on: NaiveDate,
    pub outcome: ReviewOutcome,
    /// When the plan ends: why (`step_down_to_cin` when absent).
    pub end_reason: Option<EndReason>,
    pub notes: Option<String>,
}

/// POST /api/v1/plans/{id}/reviews — a review conference held; the plan ends there when decided.
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path)), request_body = NewReviewRequest, responses(
    (status = 201, body = ReviewsView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/plans/{id}/reviews")]
pub async fn record_review(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: ApiJson<NewReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let input = ReviewInput {
        held_on: b.held_on,
        outcome: b.outcome,
        end_reason: b.end_reason,
        notes: b.notes,
    };
    let (plan, reviews) = write_for_plan(
        &state,
        &req,
        caller,
        id.into_inner(),
        AuditAction::RecordReview,
        move |c, who, plan_id, day| actions::record_review(c, who, plan_id, &input, day),
    )
    .await?;
    let policy = state.store.read(stored_settings::policy).await?;
    Ok(HttpResponse::Created().json(reviews_view(plan, reviews, &policy, today(state.timezone))))
}

fn reviews_view(
    plan: crate::store::cases::Plan,
    reviews: Vec<Review>,
    policy: &crate::domain::policy::Policy,
    day: NaiveDate,
) -> ReviewsView {
    let next = plan.end_date.is_none().then(|| {
        next_review_due(
            plan.start_date,
            reviews.iter().map(|r| r.held_on),
            day,
            policy,
        )
        .1
    });
    ReviewsView {
        plan_id: plan.id,
        start_date: plan.start_date,
        end_date: plan.end_date,
        end_reason: plan.end_reason,
        reviews: reviews.into_iter().map(ReviewView::from).collect(),
        next_review_due: next,
    }
}

/// GET /api/v1/plans/{id}/reviews — review conferences held, and when the next is due.
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = ReviewsView),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/plans/{id}/reviews")]
pub async fn plan_reviews(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let plan_id = id.into_inner();
    let day = today(state.timezone);
    let (w, pid) = (who.clone(), plan_id.clone());
    let (plan, reviews) = read_about(
        &state,
        &who,
        Record::Plan(plan_id.clone()),
        AuditAction::ReadReviews,
        format!("reviews of plan {plan_id}"),
        move |c| actions::reviews(c, &w, &pid, day),
    )
    .await?;
    let policy = state.store.read(stored_settings::policy).await?;
    Ok(HttpResponse::Ok().json(reviews_view(plan, reviews, &policy, day)))
}
