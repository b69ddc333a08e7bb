//! Children, plans, core groups and sightings.

use actix_web::{get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::case_views::*;
use super::error::{ApiError, Problem};
use super::extract::{client_address, ApiJson, ApiQuery, Caller};
use super::views::ListOf;
use super::AppState;
use crate::domain::calendar::Region;
use crate::domain::case::{EndReason, PlanCategory};
use crate::domain::policy::VisitFrequency;
use crate::domain::records::{Location, Outcome, RecordStatus, SightingKind};
use crate::services::sightings::{ChildPart, Clock, Contact};
use crate::services::status::RuleInputs;
use crate::services::AuditAction;
use crate::services::{
    children, log_read_of_children, read_logged, sightings, status, today, write_logged, Requester,
    ServiceError,
};
use crate::store::cases::NewChild;
use crate::store::owners::{child_of as child_of_record, Record};
use crate::store::settings as stored_settings;

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> ApiError {
        match e {
            ServiceError::NotFound => ApiError::not_found(),
            ServiceError::Forbidden(why) => ApiError::Forbidden(why),
            ServiceError::Invalid { field, reason } => ApiError::invalid(field, reason),
            ServiceError::Conflict(why) => ApiError::Conflict(why),
            ServiceError::Stale(why) => ApiError::PreconditionFailed(why),
            ServiceError::Rule(rule) => rule.into(),
            ServiceError::Store(store) => store.into(),
            ServiceError::InvalidFields(fields) => {
                ApiError::InvalidFields(fields.into_iter().map(Into::into).collect())
            }
            ServiceError::Busy {
                retry_after_seconds,
            } => ApiError::Busy {
                retry_after_seconds,
            },
        }
    }
}

/// The calendars in force, the policy and the zone: what the rules are applied with.
pub(super) async fn rule_inputs(state: &AppState) -> Result<RuleInputs, ApiError> {
    Ok(RuleInputs {
        in_force: state.calendars.current().await?,
        policy: state.store.read(stored_settings::policy).await?,
        tz: state.timezone,
    })
}

pub(super) fn requester(req: &HttpRequest, state: &AppState, caller: Caller) -> Requester {
    Requester {
        user: caller.0,
        address: client_address(req, state.trust_forwarded_for),
    }
}

fn clock(state: &AppState) -> Clock {
    Clock {
        tz: state.timezone,
        now: Utc::now(),
    }
}

/// The `Idempotency-Key` header, if sent: 1 to 200 visible characters.
fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 200 && k.chars().all(|c| c.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::invalid(
                "Idempotency-Key",
                "must be 1 to 200 visible ASCII characters",
            )
        })?;
    Ok(Some(key.to_string()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AsOf {
    /// The date to answer for (YYYY-MM-DD); today when absent.
    pub as_of: Option<String>,
}

pub(super) fn as_of(query: &AsOf, state: &AppState) -> Result<NaiveDate, ApiError> {
    Ok(date_param("as_of", &query.as_of)?.unwrap_or_else(|| today(state.timezone)))
}

/// A date given in the query string, naming the parameter when it is not one.
pub(super) fn date_param(field: &str, raw: &Option<String>) -> Result<Option<NaiveDate>, ApiError> {
    raw.as_deref()
        .map(|r| {
            NaiveDate::parse_from_str(r, "%Y-%m-%d")
                .map_err(|_| ApiError::invalid(field, format!("`{r}` is not a date (YYYY-MM-DD)")))
        })
        .transpose()
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct FamilyView {
    pub id: String,
}

/// POST /api/v1/families — a new sibling group, to link children with `family_id`.
#[utoipa::path(tag = "cases", security(("bearer" = [])), responses(
    (status = 201, body = FamilyView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[post("/families")]
pub async fn create_family(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let id = write_logged(
        &state.store,
        &who.clone(),
        AuditAction::CreateFamily,
        None,
        move |c| children::create_family(c, &who),
    )
    .await?;
    Ok(HttpResponse::Created().json(FamilyView { id }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChildRequest {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub family_id: Option<String>,
}

/// POST /api/v1/children — records a child (social care only).
#[utoipa::path(tag = "cases", security(("bearer" = [])), request_body = NewChildRequest, responses(
    (status = 201, body = ChildView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/children")]
pub async fn create_child(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: ApiJson<NewChildRequest>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let b = body.0;
    let day = today(state.timezone);
    let new = NewChild {
        given_name: b.given_name,
        family_name: b.family_name,
        date_of_birth: b.date_of_birth,
        family_id: b.family_id,
    };
    let child = write_logged(
        &state.store,
        &who.clone(),
        AuditAction::CreateChild,
        None,
        move |c| children::create_child(c, &who, new, day),
    )
    .await?;
    Ok(HttpResponse::Created().json(ChildView::from(child)))
}

/// GET /api/v1/children/{id} — the child, their plans and core groups, and visible siblings.
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = ChildRecordView),
    (status = 404, description = "No such child, or none you may see", body = Problem, content_type = "application/problem+json"),
))]
#[get("/children/{id}")]
pub async fn get_child(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let id = id.into_inner();
    let day = today(state.timezone);
    let (w, cid) = (who.clone(), id.clone());
    let status::ChildRecord {
        child,
        plans,
        members,
        siblings,
    } = read_logged(
        &state.store,
        &who,
        AuditAction::ReadChild,
        Some(&id),
        "child".into(),
        move |c| status::child_record(c, &w, &cid, day),
    )
    .await?;
    Ok(HttpResponse::Ok().json(ChildRecordView {
        child: child.into(),
        plans: plans
            .into_iter()
            .map(|p| plan_view(p, members.clone()))
            .collect(),
        siblings: siblings.into_iter().map(ChildView::from).collect(),
    }))
}

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
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The child already has an open plan", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/children/{id}/plans")]
pub async fn create_plan(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: ApiJson<NewPlanRequest>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let child_id = id.into_inner();
    let b = body.0;
    let known: Vec<Region> = state
        .calendars
        .current()
        .await?
        .calendars
        .all()
        .iter()
        .map(|c| c.region())
        .collect();
    let day = today(state.timezone);
    let request = children::PlanRequest {
        start_date: b.start_date,
        category: b.category,
        team_id: b.team_id,
        lead_social_worker_id: b.lead_social_worker_id,
        cp_chair_id: b.cp_chair_id,
        visit_frequency: b.visit_frequency,
        region: b.region.unwrap_or(Region::EnglandAndWales),
    };
    let (w, cid) = (who.clone(), child_id.clone());
    let (plan, members) = write_logged(
        &state.store,
        &who,
        AuditAction::CreatePlan,
        Some(&child_id),
        move |c| {
            let plan = children::create_plan(c, &w, &cid, request, &known, day)?;
            let members = crate::store::cases::members_with_names(c, &plan.id)?;
            Ok((plan, members))
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(plan_view(plan, members)))
}

/// GET /api/v1/plans/{id} — a plan and its core group.
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = PlanView),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/plans/{id}")]
pub async fn get_plan(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let plan_id = id.into_inner();
    let day = today(state.timezone);
    let (w, pid) = (who.clone(), plan_id.clone());
    let (plan, members) = read_about(
        &state,
        &who,
        Record::Plan(plan_id.clone()),
        AuditAction::ReadPlan,
        format!("plan {plan_id}"),
        move |c| {
            let plan = children::plan_for(c, &w, &pid, crate::access::CaseAction::Read, day)?;
            let members = crate::store::cases::members_with_names(c, &plan.id)?;
            Ok((plan, members))
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(plan_view(plan, members)))
}

/// The child a plan belongs to (for logging a refusal against the right child).
/// The child a record named in the request is about (`None`: no such record).
pub(super) async fn child_of(state: &AppState, record: Record) -> Result<Option<String>, ApiError> {
    Ok(state
        .store
        .read(move |c| child_of_record(c, &record))
        .await?)
}

/// A read about one record: its child is found first (no such record: `404`), and the read —
/// or its refusal — is logged against that child.
pub(super) async fn read_about<T, F>(
    state: &AppState,
    who: &Requester,
    record: Record,
    action: AuditAction,
    resource: String,
    f: F,
) -> Result<T, ApiError>
where
    F: FnOnce(&mut crate::store::DbConnection) -> Result<T, ServiceError> + Send + 'static,
    T: Send + 'static,
{
    // A missing record goes the same way as a hidden one (the service answers 404 for
    // both), so that neither the answer nor the time it takes tells them apart.
    let child_id = child_of(state, record).await?;
    Ok(read_logged(&state.store, who, action, child_id.as_deref(), resource, f).await?)
}

/// A write about one record, in one transaction; a refusal is logged against its child.
pub(super) async fn write_about<T, F>(
    state: &AppState,
    who: &Requester,
    record: Record,
    action: AuditAction,
    f: F,
) -> Result<T, ApiError>
where
    F: FnOnce(&mut crate::store::DbConnection) -> Result<T, ServiceError> + Send + 'static,
    T: Send + 'static,
{
    let child_id = child_of(state, record).await?;
    Ok(write_logged(&state.store, who, action, child_id.as_deref(), f).await?)
}

/// A write about one plan: the plan's child is found first, so that a refusal is logged
/// against the right child; `f` gets the requester, the plan id and today.
pub(super) async fn write_for_plan<T, F>(
    state: &AppState,
    req: &HttpRequest,
    caller: Caller,
    plan_id: String,
    action: AuditAction,
    f: F,
) -> Result<T, ApiError>
where
    F: FnOnce(
            &mut crate::store::DbConnection,
            &Requester,
            &str,
            NaiveDate,
        ) -> Result<T, ServiceError>
        + Send
        + 'static,
    T: Send + 'static,
{
    let who = requester(req, state, caller);
    let day = today(state.timezone);
    let w = who.clone();
    write_about(
        state,
        &who,
        Record::Plan(plan_id.clone()),
        action,
        move |c| f(c, &w, &plan_id, day),
    )
    .await
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
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/plans/{id}/members")]
pub async fn add_member(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: ApiJson<NewMemberRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let (member, name, agency) = write_for_plan(
        &state,
        &req,
        caller,
        id.into_inner(),
        AuditAction::AddMember,
        move |c, who, plan_id, day| {
            let member = children::add_member(c, who, plan_id, &b.user_id, b.from, day)?;
            crate::store::cases::members_with_names(c, plan_id)?
                .into_iter()
                .find(|(m, _, _)| m.id == member.id)
                .ok_or(ServiceError::NotFound)
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(MemberView::from((member, name, agency))))
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
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[patch("/plans/{id}/members/{member_id}")]
pub async fn end_membership(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: ApiJson<MemberUpdate>,
) -> Result<HttpResponse, ApiError> {
    let (plan_id, member_id) = path.into_inner();
    let until = body.0.until;
    write_for_plan(
        &state,
        &req,
        caller,
        plan_id,
        AuditAction::EndMember,
        move |c, who, plan_id, day| {
            children::end_membership(c, who, plan_id, &member_id, until, day)
        },
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
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
#[post("/plans/{id}/end")]
pub async fn end_plan(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: ApiJson<EndPlanRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let (plan, members) = write_for_plan(
        &state,
        &req,
        caller,
        id.into_inner(),
        AuditAction::EndPlan,
        move |c, who, plan_id, day| {
            let plan = children::end_plan(c, who, plan_id, b.end_date, b.reason, day)?;
            Ok((plan, crate::store::cases::members_with_names(c, plan_id)?))
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(plan_view(plan, members)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FrequencyChangeRequest {
    /// The new frequency; `null` returns to the policy's default.
    pub visit_frequency: Option<VisitFrequency>,
    /// The plan's CP chair, who agreed the change (seed 001 §7).
    pub agreed_by: String,
    pub reason: String,
}

/// PUT /api/v1/plans/{id}/visit-frequency — changes how often the child is visited, as agreed by the CP chair.
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(("id" = String, Path)), request_body = FrequencyChangeRequest, responses(
    (status = 200, body = PlanView),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[put("/plans/{id}/visit-frequency")]
pub async fn change_frequency(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: ApiJson<FrequencyChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let (plan, members) = write_for_plan(
        &state,
        &req,
        caller,
        id.into_inner(),
        AuditAction::ChangeFrequency,
        move |c, who, plan_id, day| {
            let plan = children::change_frequency(
                c,
                who,
                plan_id,
                b.visit_frequency,
                &b.agreed_by,
                &b.reason,
                day,
            )?;
            Ok((plan, crate::store::cases::members_with_names(c, plan_id)?))
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(plan_view(plan, members)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SightingRequest {
    pub child_id: String,
    pub occurred_at: DateTime<Utc>,
    pub location: Location,
    pub kind: SightingKind,
    pub outcome: Outcome,
    pub announced: Option<bool>,
    pub bedroom_seen: Option<bool>,
    pub baby_awake: Option<bool>,
    pub observations: Option<String>,
    /// The child's wishes and feelings, in their words where possible.
    pub childs_voice: Option<String>,
    pub people_present: Option<String>,
    /// `final` (the default) or `draft`. Only a final record counts.
    pub status: Option<RecordStatus>,
}

impl SightingRequest {
    fn split(self) -> (Contact, ChildPart) {
        (
            Contact {
                occurred_at: self.occurred_at,
                location: self.location,
                kind: self.kind,
                announced: self.announced,
                people_present: self.people_present,
                status: self.status.unwrap_or(RecordStatus::Final),
            },
            ChildPart {
                child_id: self.child_id,
                outcome: self.outcome,
                bedroom_seen: self.bedroom_seen,
                baby_awake: self.baby_awake,
                observations: self.observations,
                childs_voice: self.childs_voice,
            },
        )
    }
}

/// POST /api/v1/sightings — records one contact with one child. With an `Idempotency-Key`,
/// the same key and body answer the first record (never a second one); another body, 409.
#[utoipa::path(tag = "sightings", security(("bearer" = [])), request_body = SightingRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
    (status = 201, description = "Recorded", body = SightingView),
    (status = 200, description = "The same request again: the first record", body = SightingView),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/sightings")]
pub async fn record_sighting(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: ApiJson<SightingRequest>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let key = idempotency_key(&req)?;
    let (contact, part) = body.0.split();
    let child_id = part.child_id.clone();
    let (w, clock) = (who.clone(), clock(&state));
    let recorded = write_logged(
        &state.store,
        &who,
        AuditAction::RecordSighting,
        Some(&child_id),
        move |c| sightings::record(c, &w, contact, part, clock, key.as_deref()),
    )
    .await?;
    let sighting = recorded
        .sightings
        .into_iter()
        .next()
        .ok_or_else(ApiError::not_found)?;
    let mut answer = if recorded.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(answer.json(SightingView::from(sighting)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitChild {
    pub child_id: String,
    pub outcome: Outcome,
    pub bedroom_seen: Option<bool>,
    pub baby_awake: Option<bool>,
    pub observations: Option<String>,
    pub childs_voice: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitRequest {
    pub occurred_at: DateTime<Utc>,
    pub location: Location,
    pub kind: SightingKind,
    pub announced: Option<bool>,
    pub people_present: Option<String>,
    pub status: Option<RecordStatus>,
    /// One entry per child, each with their own outcome: never one record for all.
    pub children: Vec<VisitChild>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct VisitView {
    pub visit_id: Option<String>,
    pub sightings: Vec<SightingView>,
}

/// POST /api/v1/visits — a family visit: one record per child, stored together or not at all.
#[utoipa::path(tag = "sightings", security(("bearer" = [])), request_body = VisitRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
    (status = 201, body = VisitView),
    (status = 200, description = "The same request again: the first records", body = VisitView),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/visits")]
pub async fn record_visit(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: ApiJson<VisitRequest>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let key = idempotency_key(&req)?;
    let b = body.0;
    let contact = Contact {
        occurred_at: b.occurred_at,
        location: b.location,
        kind: b.kind,
        announced: b.announced,
        people_present: b.people_present,
        status: b.status.unwrap_or(RecordStatus::Final),
    };
    let parts: Vec<ChildPart> = b
        .children
        .into_iter()
        .map(|c| ChildPart {
            child_id: c.child_id,
            outcome: c.outcome,
            bedroom_seen: c.bedroom_seen,
            baby_awake: c.baby_awake,
            observations: c.observations,
            childs_voice: c.childs_voice,
        })
        .collect();
    let first_child = parts.first().map(|p| p.child_id.clone());
    let (w, clock) = (who.clone(), clock(&state));
    let recorded = write_logged(
        &state.store,
        &who,
        AuditAction::RecordVisit,
        first_child.as_deref(),
        move |c| sightings::record_visit(c, &w, contact, parts, clock, key.as_deref()),
    )
    .await?;
    let visit_id = recorded.sightings.first().and_then(|s| s.visit_id.clone());
    let view = VisitView {
        visit_id,
        sightings: recorded
            .sightings
            .into_iter()
            .map(SightingView::from)
            .collect(),
    };
    Ok(if recorded.created {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// The child a sighting is about (for logging a refusal against the right child).
/// A write about one sighting: its child is found first, so that a refusal is logged
/// against the right child; `f` gets the requester, the sighting id and the clock.
async fn write_for_sighting<T, F>(
    state: &AppState,
    req: &HttpRequest,
    caller: Caller,
    id: String,
    action: AuditAction,
    f: F,
) -> Result<T, ApiError>
where
    F: FnOnce(&mut crate::store::DbConnection, &Requester, &str, Clock) -> Result<T, ServiceError>
        + Send
        + 'static,
    T: Send + 'static,
{
    let who = requester(req, state, caller);
    let (w, clock) = (who.clone(), clock(state));
    write_about(
        state,
        &who,
        Record::Sighting(id.clone()),
        action,
        move |c| f(c, &w, &id, clock),
    )
    .await
}

/// GET /api/v1/sightings/{id} — one record (drafts only to their author).
#[utoipa::path(tag = "sightings", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = SightingView),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/sightings/{id}")]
pub async fn get_sighting(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let id = id.into_inner();
    let day = today(state.timezone);
    let (w, sid) = (who.clone(), id.clone());
    let sighting = read_about(
        &state,
        &who,
        Record::Sighting(id.clone()),
        AuditAction::ReadSighting,
        format!("sighting {id}"),
        move |c| sightings::sighting_for(c, &w, &sid, crate::access::CaseAction::Read, day),
    )
    .await?;
    Ok(HttpResponse::Ok().json(SightingView::from(sighting)))
}

/// PUT /api/v1/sightings/{id} — rewrites a draft (its author only); `status: final` finalises it.
#[utoipa::path(tag = "sightings", security(("bearer" = [])), params(("id" = String, Path)), request_body = SightingRequest, responses(
    (status = 200, body = SightingView),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The record is final: record a correction", body = Problem, content_type = "application/problem+json"),
))]
#[put("/sightings/{id}")]
pub async fn update_sighting(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: ApiJson<SightingRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut request = body.0;
    request.status = Some(request.status.unwrap_or(RecordStatus::Draft));
    let (contact, part) = request.split();
    let sighting = write_for_sighting(
        &state,
        &req,
        caller,
        id.into_inner(),
        AuditAction::EditSighting,
        move |c, who, id, clock| sightings::update_draft(c, who, id, contact, part, clock),
    )
    .await?;
    Ok(HttpResponse::Ok().json(SightingView::from(sighting)))
}

/// POST /api/v1/sightings/{id}/finalise — makes a draft final (its author only); only a final record counts.
#[utoipa::path(tag = "sightings", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = SightingView),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[post("/sightings/{id}/finalise")]
pub async fn finalise_sighting(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let sighting = write_for_sighting(
        &state,
        &req,
        caller,
        id.into_inner(),
        AuditAction::FinaliseSighting,
        sightings::finalise,
    )
    .await?;
    Ok(HttpResponse::Ok().json(SightingView::from(sighting)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionRequest {
    #[serde(flatten)]
    pub record: SightingRequest,
    /// What the correction corrects.
    pub reason: String,
}

/// POST /api/v1/sightings/{id}/corrections — a new version of a final record that supersedes it; both stay.
#[utoipa::path(tag = "sightings", security(("bearer" = [])), params(("id" = String, Path)), request_body = SightingRequest, responses(
    (status = 201, body = SightingView),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
#[post("/sightings/{id}/corrections")]
pub async fn correct_sighting(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: ApiJson<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    // `reason` beside the record's own fields (flatten and deny_unknown_fields do not mix).
    let mut body = body.0;
    let reason = match body.as_object_mut().and_then(|o| o.remove("reason")) {
        Some(serde_json::Value::String(reason)) => reason,
        Some(_) => return Err(ApiError::invalid("reason", "must be text")),
        None => {
            return Err(ApiError::invalid(
                "reason",
                "say what the correction corrects",
            ))
        }
    };
    let record: SightingRequest = super::extract::parse_json(body.to_string().as_bytes())?;
    let (contact, part) = record.split();
    let sighting = write_for_sighting(
        &state,
        &req,
        caller,
        id.into_inner(),
        AuditAction::CorrectSighting,
        move |c, who, id, clock| sightings::correct(c, who, id, contact, part, reason, clock),
    )
    .await?;
    Ok(HttpResponse::Created().json(SightingView::from(sighting)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub decision: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub id: String,
    pub sighting_id: String,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
    pub decision: String,
}

/// POST /api/v1/sightings/{id}/decision — the team manager's decision after a failed home visit.
#[utoipa::path(tag = "sightings", security(("bearer" = [])), params(("id" = String, Path)), request_body = DecisionRequest, responses(
    (status = 201, body = DecisionView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[post("/sightings/{id}/decision")]
pub async fn record_decision(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: ApiJson<DecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    let decision = body.0.decision;
    let d = write_for_sighting(
        &state,
        &req,
        caller,
        id.into_inner(),
        AuditAction::RecordDecision,
        move |c, who, id, clock| sightings::record_decision(c, who, id, &decision, clock.today()),
    )
    .await?;
    Ok(HttpResponse::Created().json(DecisionView {
        id: d.id,
        sighting_id: d.sighting_id,
        decided_by: d.decided_by,
        decided_at: d.decided_at.and_utc(),
        decision: d.decision,
    }))
}

/// GET /api/v1/children/{id}/status — the rules applied to the child's plan on `as_of`.
#[utoipa::path(tag = "status", security(("bearer" = [])), params(("id" = String, Path), AsOf), responses(
    (status = 200, body = StatusView),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/children/{id}/status")]
pub async fn child_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    query: ApiQuery<AsOf>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let id = id.into_inner();
    let as_of = as_of(&query, &state)?;
    let day = today(state.timezone);
    let rules = rule_inputs(&state).await?;
    let default_frequency = rules.policy.home_visit_frequency;
    let (w, cid) = (who.clone(), id.clone());
    let (child, plan, evaluation) = read_logged(
        &state.store,
        &who,
        AuditAction::ReadStatus,
        Some(&id),
        format!("status as of {as_of}"),
        move |c| {
            let settings = rules.settings();
            status::status(c, &w, &cid, as_of, day, &settings)
        },
    )
    .await?;
    let frequency = plan.visit_frequency.unwrap_or(default_frequency);
    Ok(HttpResponse::Ok().json(status_view(&child, &plan, frequency, &evaluation)))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ChronologyView {
    pub child_id: String,
    pub entries: Vec<ChronologyEntry>,
}

/// GET /api/v1/children/{id}/chronology — every agency's records of the child, in date order.
#[utoipa::path(tag = "status", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = ChronologyView),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/children/{id}/chronology")]
pub async fn chronology(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let id = id.into_inner();
    let day = today(state.timezone);
    let (w, cid) = (who.clone(), id.clone());
    let record = read_logged(
        &state.store,
        &who,
        AuditAction::ReadChronology,
        Some(&id),
        "chronology".into(),
        move |c| status::chronology(c, &w, &cid, day),
    )
    .await?;
    Ok(HttpResponse::Ok().json(ChronologyView {
        child_id: id,
        entries: chronology_entries(record, state.timezone),
    }))
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
            summary: format!(
                "Child protection plan started ({})",
                crate::domain::case::word(&plan.category)
            ),
            sighting: None,
        });
        if let (Some(end), Some(reason)) = (plan.end_date, plan.end_reason) {
            entries.push(ChronologyEntry {
                kind: "plan_ended",
                id: plan.id.clone(),
                occurred_at: at_start_of(end, tz),
                summary: format!("Plan ended ({})", crate::domain::case::word(&reason)),
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
            summary: format!("Visiting frequency changed: {}", change.reason),
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
                summary: format!(
                    "Action {}: {}",
                    crate::domain::case::word(&a.status),
                    a.description
                ),
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
        let summary = format!(
            "{} at {}: {}",
            crate::domain::case::word(&s.kind),
            crate::domain::case::word(&s.location),
            crate::domain::case::word(&s.outcome)
        );
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
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/children/{id}/access-log")]
pub async fn access_log(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let id = id.into_inner();
    let day = today(state.timezone);
    let (w, cid) = (who.clone(), id.clone());
    let entries = read_logged(
        &state.store,
        &who,
        AuditAction::ReadAccessLog,
        Some(&id),
        "access log".into(),
        move |c| status::access_log(c, &w, &cid, day),
    )
    .await?;
    Ok(HttpResponse::Ok().json(ListOf {
        items: entries
            .into_iter()
            .map(AccessEntryView::from)
            .collect::<Vec<_>>(),
    }))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DashboardView {
    pub as_of: NaiveDate,
    /// Every child the caller may see with a plan open on `as_of`, most urgent first. Each
    /// carries the seen-clock flags; the child's status has every rule.
    pub children: Vec<StatusView>,
}

/// GET /api/v1/dashboard — every child the caller may see, most urgent first.
#[utoipa::path(tag = "status", security(("bearer" = [])), params(AsOf), responses(
    (status = 200, body = DashboardView),
    (status = 403, description = "Administrators have no case access", body = Problem, content_type = "application/problem+json"),
))]
#[get("/dashboard")]
pub async fn dashboard(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: ApiQuery<AsOf>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let as_of = as_of(&query, &state)?;
    let day = today(state.timezone);
    let rules = rule_inputs(&state).await?;
    let user = who.user.clone();
    let lines = state
        .store
        .read(move |c| {
            let settings = rules.settings();
            Ok(crate::services::dashboard::dashboard(
                c, &user, as_of, day, &settings,
            ))
        })
        .await??;
    // Every child shown is a read of their record: one entry, with the children it read.
    let ids: Vec<String> = lines.iter().map(|l| l.child.id.clone()).collect();
    let resource = format!("dashboard as of {as_of} ({} children)", ids.len());
    log_read_of_children(
        &state.store,
        &who,
        AuditAction::ReadDashboard,
        resource,
        ids,
    )
    .await?;
    let children = lines
        .iter()
        .map(|l| {
            status_view_of(
                &l.child,
                &l.plan,
                l.frequency,
                as_of,
                true,
                [
                    &l.clocks.any_agency,
                    &l.clocks.social_worker,
                    &l.clocks.home_visit,
                ],
                &l.flags,
            )
        })
        .collect();
    Ok(HttpResponse::Ok().json(DashboardView { as_of, children }))
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
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/plans/{id}/covers")]
pub async fn add_cover(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: ApiJson<CoverRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let cover = write_for_plan(
        &state,
        &req,
        caller,
        id.into_inner(),
        AuditAction::AddCover,
        move |c, who, plan_id, day| {
            children::add_cover(c, who, plan_id, &b.user_id, b.from, b.until, day)
        },
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
