//! Plans and their core groups: starting and ending a plan, members, cover, and the
//! visiting frequency.

use actix_web::{get, patch, post, put, web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;

use super::case_views::{plan_view, MemberView, PlanView};
use super::error::{ApiError, Problems};
use super::extract::ApiJson;
use super::AppState;
use crate::domain::calendar::Region;
use crate::domain::case::{EndReason, PlanCategory};
use crate::domain::ids::{ChildId, MemberId, PlanId, UserId};
use crate::domain::policy::VisitFrequency;
use crate::services::{children, Requester};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlanRequest {
    /// The initial child protection conference.
    pub start_date: NaiveDate,
    pub category: PlanCategory,
    pub team_id: String,
    pub lead_social_worker_id: String,
    pub cp_chair_id: String,
    pub visit_frequency: Option<VisitFrequency>,
    pub region: Option<Region>,
}

/// POST /api/v1/children/{id}/plans — starts a plan; the lead social worker joins its core group.
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(("id" = String, Path)), request_body = NewPlanRequest, responses(
    (status = 201, body = PlanView),
    Problems,
))]
#[post("/children/{id}/plans")]
pub async fn create_plan(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
    body: ApiJson<NewPlanRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let request = children::PlanRequest {
        start_date: b.start_date,
        category: b.category,
        team_id: b.team_id,
        lead_social_worker_id: b.lead_social_worker_id,
        cp_chair_id: b.cp_chair_id,
        visit_frequency: b.visit_frequency,
        region: b.region.unwrap_or(Region::EnglandAndWales),
    };
    let (plan, members) = children::create_plan(
        &state.services,
        &who,
        ChildId::from(id.into_inner()),
        request,
    )
    .await?;
    Ok(HttpResponse::Created().json(plan_view(plan, members)))
}

/// GET /api/v1/plans/{id} — a plan and its core group.
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = PlanView),
    Problems,
))]
#[get("/plans/{id}")]
pub async fn get_plan(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (plan, members) =
        children::read_plan(&state.services, &who, PlanId::from(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(plan_view(plan, members)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMemberRequest {
    pub user_id: String,
    /// The first day of membership; today when absent.
    pub from: Option<NaiveDate>,
}

/// POST /api/v1/plans/{id}/members — adds a member to the core group (representing their agency).
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(("id" = String, Path)), request_body = NewMemberRequest, responses(
    (status = 201, body = MemberView),
    Problems,
))]
#[post("/plans/{id}/members")]
pub async fn add_member(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
    body: ApiJson<NewMemberRequest>,
) -> Result<HttpResponse, ApiError> {
    let NewMemberRequest { user_id, from } = body.0;
    let member = children::add_member(
        &state.services,
        &who,
        PlanId::from(id.into_inner()),
        UserId::from(user_id),
        from,
    )
    .await?;
    Ok(HttpResponse::Created().json(MemberView::from(member)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberUpdate {
    /// The last day of membership.
    pub until: NaiveDate,
}

/// PATCH /api/v1/plans/{id}/members/{member_id} — ends a membership on a date.
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(("id" = String, Path), ("member_id" = String, Path)), request_body = MemberUpdate, responses(
    (status = 204),
    Problems,
))]
#[patch("/plans/{id}/members/{member_id}")]
pub async fn end_membership(
    state: web::Data<AppState>,
    who: Requester,
    path: web::Path<(String, String)>,
    body: ApiJson<MemberUpdate>,
) -> Result<HttpResponse, ApiError> {
    let (plan_id, member_id) = path.into_inner();
    children::end_membership(
        &state.services,
        &who,
        PlanId::from(plan_id),
        MemberId::from(member_id),
        body.0.until,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndPlanRequest {
    pub end_date: NaiveDate,
    pub reason: EndReason,
}

/// POST /api/v1/plans/{id}/end — ends a plan (for example, stepped down to a child in need plan).
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(("id" = String, Path)), request_body = EndPlanRequest, responses(
    (status = 200, body = PlanView),
    Problems,
))]
#[post("/plans/{id}/end")]
pub async fn end_plan(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
    body: ApiJson<EndPlanRequest>,
) -> Result<HttpResponse, ApiError> {
    let EndPlanRequest { end_date, reason } = body.0;
    let (plan, members) = children::end_plan(
        &state.services,
        &who,
        PlanId::from(id.into_inner()),
        end_date,
        reason,
    )
    .await?;
    Ok(HttpResponse::Ok().json(plan_view(plan, members)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FrequencyChangeRequest {
    /// The new frequency; `null` returns to the policy's default.
    pub visit_frequency: Option<VisitFrequency>,
    /// In force from this date (not before the plan's start); today when absent.
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// The plan's CP chair, who agreed the change (seed 001 §7).
    pub agreed_by: String,
    pub reason: String,
}

/// PUT /api/v1/plans/{id}/visit-frequency — changes how often the child is visited, as agreed by the CP chair.
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(("id" = String, Path)), request_body = FrequencyChangeRequest, responses(
    (status = 200, body = PlanView),
    Problems,
))]
#[put("/plans/{id}/visit-frequency")]
pub async fn change_frequency(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
    body: ApiJson<FrequencyChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let change = children::FrequencyChange {
        visit_frequency: b.visit_frequency,
        from: b.from,
        agreed_by: b.agreed_by,
        reason: b.reason,
    };
    let (plan, members) =
        children::change_frequency(&state.services, &who, PlanId::from(id.into_inner()), change)
            .await?;
    Ok(HttpResponse::Ok().json(plan_view(plan, members)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoverRequest {
    /// The social worker who covers.
    pub user_id: String,
    pub from: NaiveDate,
    pub until: NaiveDate,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CoverView {
    pub id: String,
    pub plan_id: String,
    pub user_id: String,
    pub from: NaiveDate,
    pub until: NaiveDate,
}

/// POST /api/v1/plans/{id}/covers — arranges cover for the lead social worker (a "buddy" for a planned absence).
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(("id" = String, Path)), request_body = CoverRequest, responses(
    (status = 201, body = CoverView),
    Problems,
))]
#[post("/plans/{id}/covers")]
pub async fn add_cover(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
    body: ApiJson<CoverRequest>,
) -> Result<HttpResponse, ApiError> {
    let CoverRequest {
        user_id,
        from,
        until,
    } = body.0;
    let cover = children::add_cover(
        &state.services,
        &who,
        PlanId::from(id.into_inner()),
        UserId::from(user_id),
        from,
        until,
    )
    .await?;
    Ok(HttpResponse::Created().json(CoverView {
        id: cover.id,
        plan_id: cover.plan_id,
        user_id: cover.user_id,
        from: cover.from_date,
        until: cover.until_date,
    }))
}
