//! Liveness and readiness, for load balancers and orchestrators.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;

use super::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// GET /healthz — the process is up (no database check).
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// GET /readyz — the database answers; 503 when it does not.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Health))
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.services.store.is_ready().await {
        HttpResponse::Ok().json(Health { status: "ready" })
    } else {
        HttpResponse::ServiceUnavailable().json(Health {
            status: "database unreachable",
        })
    }
}
