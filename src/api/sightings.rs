//! Records of contacts with a child: one contact, a family visit, drafts, corrections and
//! the team manager's decision after a failed home visit.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::case_views::SightingView;
use super::error::{ApiError, Problems};
use super::extract::ApiJson;
use super::views::ListOf;
use super::AppState;
use crate::domain::ids::SightingId;
use crate::domain::records::{Location, Outcome, RecordStatus, SightingKind};
use crate::services::sightings::{self, ChildPart, Contact};
use crate::services::Requester;

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
    /// `final` (the default) or `draft`. Only a final record counts (`withdrawn` is refused:
    /// a draft is withdrawn with `POST /sightings/{id}/withdraw`).
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
    Problems,
))]
#[post("/sightings")]
pub async fn record_sighting(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Requester,
    body: ApiJson<SightingRequest>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req)?;
    let (contact, part) = body.0.split();
    let recorded = sightings::record(&state.services, &who, contact, part, key).await?;
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
    Problems,
))]
#[post("/visits")]
pub async fn record_visit(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Requester,
    body: ApiJson<VisitRequest>,
) -> Result<HttpResponse, ApiError> {
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
    let recorded = sightings::record_visit(&state.services, &who, contact, parts, key).await?;
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

/// GET /api/v1/sightings/{id} — one record (drafts only to their author).
#[utoipa::path(tag = "sightings", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = SightingView),
    Problems,
))]
#[get("/sightings/{id}")]
pub async fn get_sighting(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let sighting =
        sightings::read(&state.services, &who, SightingId::from(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(SightingView::from(sighting)))
}

/// PUT /api/v1/sightings/{id} — rewrites a draft (its author only); `status: final` finalises it.
#[utoipa::path(tag = "sightings", security(("bearer" = [])), params(("id" = String, Path)), request_body = SightingRequest, responses(
    (status = 200, body = SightingView),
    Problems,
))]
#[put("/sightings/{id}")]
pub async fn update_sighting(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
    body: ApiJson<SightingRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut request = body.0;
    request.status = Some(request.status.unwrap_or(RecordStatus::Draft));
    let (contact, part) = request.split();
    let sighting = sightings::edit_draft(
        &state.services,
        &who,
        SightingId::from(id.into_inner()),
        contact,
        part,
    )
    .await?;
    Ok(HttpResponse::Ok().json(SightingView::from(sighting)))
}

/// POST /api/v1/sightings/{id}/finalise — makes a draft final (its author only); only a final record counts.
#[utoipa::path(tag = "sightings", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = SightingView),
    Problems,
))]
#[post("/sightings/{id}/finalise")]
pub async fn finalise_sighting(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let sighting =
        sightings::finalise(&state.services, &who, SightingId::from(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(SightingView::from(sighting)))
}

/// POST /api/v1/sightings/{id}/withdraw — withdraws a draft (its author only): kept, shown to nobody else, never counted; a final record is never withdrawn (409).
#[utoipa::path(tag = "sightings", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = SightingView),
    Problems,
))]
#[post("/sightings/{id}/withdraw")]
pub async fn withdraw_sighting(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let sighting =
        sightings::withdraw(&state.services, &who, SightingId::from(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(SightingView::from(sighting)))
}

/// One of the caller's drafts: the record, and its child's name.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DraftView {
    #[serde(flatten)]
    pub sighting: SightingView,
    /// The child's given and family names.
    pub child_name: String,
}

/// GET /api/v1/me/drafts — the caller's own drafts, the latest contact first, about children they may still read.
#[utoipa::path(tag = "sightings", security(("bearer" = [])), responses(
    (status = 200, body = ListOf<DraftView>),
    Problems,
))]
#[get("/me/drafts")]
pub async fn my_drafts(
    state: web::Data<AppState>,
    who: Requester,
) -> Result<HttpResponse, ApiError> {
    let drafts = sightings::my_drafts(&state.services, &who).await?;
    Ok(HttpResponse::Ok().json(ListOf {
        items: drafts
            .into_iter()
            .map(|d| DraftView {
                sighting: SightingView::from(d.sighting),
                child_name: d.child_name,
            })
            .collect::<Vec<_>>(),
    }))
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
    Problems,
))]
#[post("/sightings/{id}/corrections")]
pub async fn correct_sighting(
    state: web::Data<AppState>,
    who: Requester,
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
    let sighting = sightings::correct(
        &state.services,
        &who,
        SightingId::from(id.into_inner()),
        contact,
        part,
        reason,
    )
    .await?;
    Ok(HttpResponse::Created().json(SightingView::from(sighting)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub decision: String,
    /// When the discussion took place (RFC 3339); now when absent. Not before the visit, not
    /// in the future.
    #[serde(default)]
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub id: String,
    pub sighting_id: String,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
    pub decision: String,
    /// When the decision was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// POST /api/v1/sightings/{id}/decision — the team manager's decision after a failed home visit.
#[utoipa::path(tag = "sightings", security(("bearer" = [])), params(("id" = String, Path)), request_body = DecisionRequest, responses(
    (status = 201, body = DecisionView),
    Problems,
))]
#[post("/sightings/{id}/decision")]
pub async fn record_decision(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
    body: ApiJson<DecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    let d = sightings::record_decision(
        &state.services,
        &who,
        SightingId::from(id.into_inner()),
        body.0.decision,
        body.0.decided_at,
    )
    .await?;
    Ok(HttpResponse::Created().json(DecisionView {
        id: d.id,
        sighting_id: d.sighting_id,
        decided_by: d.decided_by,
        decided_at: d.decided_at.and_utc(),
        decision: d.decision,
        recorded_at: d.recorded_at.and_utc(),
    }))
}
