//! "My children": every child the caller may see, most urgent first.

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;

use super::case_views::{status_view_of, StatusView};
use super::error::{ApiError, Problems};
use super::extract::{AsOf, AsOfDate};
use super::AppState;
use crate::services::{dashboard as service, Requester};

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DashboardView {
    pub as_of: NaiveDate,
    /// The moment of knowledge it was computed from (RFC 3339): asked again with it, the
    /// answer is the same.
    pub known_at: String,
    /// Every child the caller may see with a plan open on `as_of`, most urgent first. Each
    /// carries the seen-clock flags; the child's status has every rule.
    pub children: Vec<StatusView>,
}

/// GET /api/v1/dashboard — every child the caller may see, most urgent first.
#[utoipa::path(tag = "status", security(("bearer" = [])), params(AsOf), responses(
    (status = 200, body = DashboardView),
    Problems,
))]
#[get("/dashboard")]
pub async fn dashboard(
    state: web::Data<AppState>,
    who: Requester,
    as_of: AsOfDate,
) -> Result<HttpResponse, ApiError> {
    let (at, lines) =
        service::dashboard(&state.services, &who, Some(as_of.as_of), as_of.known_at).await?;
    let children = lines
        .iter()
        .map(|l| {
            status_view_of(
                &l.child,
                &l.plan,
                l.frequency,
                &at,
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
    Ok(HttpResponse::Ok().json(DashboardView {
        as_of: at.as_of,
        known_at: at.known_at_text(),
        children,
    }))
}
