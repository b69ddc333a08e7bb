//! Families and children: `POST /families`, `POST /children`, `GET /children/{id}`.

use actix_web::{get, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;

use super::case_views::{plan_view, ChildRecordView, ChildView};
use super::error::{ApiError, Problems};
use super::extract::ApiJson;
use super::AppState;
use crate::domain::ids::ChildId;
use crate::services::children::NewChild;
use crate::services::{children, status, Requester};

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct FamilyView {
    pub id: String,
}

/// POST /api/v1/families — a new sibling group, to link children with `family_id`.
#[utoipa::path(tag = "cases", security(("bearer" = [])), responses(
    (status = 201, body = FamilyView),
    Problems,
))]
#[post("/families")]
pub async fn create_family(
    state: web::Data<AppState>,
    who: Requester,
) -> Result<HttpResponse, ApiError> {
    let id = children::create_family(&state.services, &who).await?;
    Ok(HttpResponse::Created().json(FamilyView {
        id: id.into_string(),
    }))
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
    Problems,
))]
#[post("/children")]
pub async fn create_child(
    state: web::Data<AppState>,
    who: Requester,
    body: ApiJson<NewChildRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let new = NewChild {
        given_name: b.given_name,
        family_name: b.family_name,
        date_of_birth: b.date_of_birth,
        family_id: b.family_id,
    };
    let child = children::create_child(&state.services, &who, new).await?;
    Ok(HttpResponse::Created().json(ChildView::from(child)))
}

/// GET /api/v1/children/{id} — the child, their plans and core groups, and visible siblings.
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = ChildRecordView),
    Problems,
))]
#[get("/children/{id}")]
pub async fn get_child(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let status::ChildRecord {
        child,
        plans,
        members,
        siblings,
        frequencies,
        ..
    } = status::child_record(&state.services, &who, ChildId::from(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(ChildRecordView {
        child: child.into(),
        plans: plans
            .into_iter()
            .map(|p| {
                // The frequency in force today, as GET /plans/{id} shows it, and resolved.
                let today = frequencies.iter().find(|f| f.plan_id == p.id);
                let mut view = plan_view(p, members.clone());
                if let Some(f) = today {
                    view.visit_frequency = f.recorded;
                    view.visit_frequency_in_force = Some(f.in_force);
                }
                view
            })
            .collect(),
        siblings: siblings.into_iter().map(ChildView::from).collect(),
    }))
}
