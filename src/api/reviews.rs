//! Review conferences of a plan, and when the next is due.

use actix_web::{get, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, Problems};
use super::extract::ApiJson;
use super::AppState;
use crate::domain::case::EndReason;
use crate::domain::ids::PlanId;
use crate::domain::records::ReviewOutcome;
use crate::services::reviews::{self, Review, ReviewInput, Reviews};
use crate::services::Requester;

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
    Problems,
))]
#[post("/plans/{id}/reviews")]
pub async fn record_review(
    state: web::Data<AppState>,
    who: Requester,
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
    let done = reviews::record(&state.services, &who, PlanId::from(id.into_inner()), input).await?;
    Ok(HttpResponse::Created().json(reviews_view(done)))
}

fn reviews_view(r: Reviews) -> ReviewsView {
    ReviewsView {
        plan_id: r.plan.id,
        start_date: r.plan.start_date,
        end_date: r.plan.end_date,
        end_reason: r.plan.end_reason,
        reviews: r.reviews.into_iter().map(ReviewView::from).collect(),
        next_review_due: r.next_review_due,
    }
}

/// GET /api/v1/plans/{id}/reviews — review conferences held, and when the next is due.
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = ReviewsView),
    Problems,
))]
#[get("/plans/{id}/reviews")]
pub async fn plan_reviews(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let read = reviews::of_plan(&state.services, &who, PlanId::from(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(reviews_view(read)))
}
