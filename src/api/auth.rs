//! Signing in and out.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, Problems};
use super::extract::{client_address, ApiJson};
use super::views::UserView;
use super::AppState;
use crate::auth::Session;
use crate::services::Requester;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 12 characters, and not the current password.
    pub new_password: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    pub email: String,
    /// The one-time code an admin issued (`POST /users/{id}/password-reset`); dashes, spaces
    /// and case do not matter.
    pub code: String,
    /// At least 12 characters.
    pub new_password: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    /// Send as `Authorization: Bearer <access_token>`; valid for `expires_in` seconds.
    pub access_token: String,
    /// Trade for a new pair at `POST /auth/refresh`; works once.
    pub refresh_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub user: UserView,
}

impl From<Session> for SessionView {
    fn from(s: Session) -> SessionView {
        SessionView {
            access_token: s.access_token,
            refresh_token: s.refresh_token,
            token_type: "Bearer",
            expires_in: s.expires_in,
            user: s.user.into(),
        }
    }
}

/// POST /api/v1/auth/login — exchanges e-mail and password for a token pair.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = SessionView),
        Problems,
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(LoginRequest { email, password }) = body;
    let address = client_address(&req, state.trust_forwarded_for);
    let session = state.auth.login(email, password, address).await?;
    Ok(HttpResponse::Ok().json(SessionView::from(session)))
}

/// POST /api/v1/auth/refresh — trades a refresh token for a new pair (single use).
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = SessionView),
        Problems,
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let session = state.auth.refresh(body.0.refresh_token).await?;
    Ok(HttpResponse::Ok().json(SessionView::from(session)))
}

/// POST /api/v1/auth/logout — ends every session of the caller.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out everywhere"),
        Problems,
    )
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, who: Requester) -> Result<HttpResponse, ApiError> {
    state.auth.logout(who.user.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// GET /api/v1/me — the signed-in user.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = UserView),
        Problems,
    )
)]
#[get("/me")]
pub async fn me(who: Requester) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(UserView::from(who.user)))
}

/// POST /api/v1/me/password — changes the caller's password. The current password is required
/// (a wrong one counts against the sign-in throttle); every other session of the caller ends,
/// and the answer is a fresh token pair for this one.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 200, description = "Changed; a new token pair (every earlier token is refused)", body = SessionView),
        Problems,
    )
)]
#[post("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    who: Requester,
    body: ApiJson<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(PasswordChange {
        current_password,
        new_password,
    }) = body;
    let session = state
        .auth
        .change_password(who.user, current_password, new_password, who.address)
        .await?;
    Ok(HttpResponse::Ok().json(SessionView::from(session)))
}

/// POST /api/v1/auth/reset-password — sets a new password with a one-time code from an admin.
/// Throttled like signing in; every session of the user ends.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordReset,
    responses(
        (status = 204, description = "The password is set; sign in with it"),
        Problems,
    )
)]
#[post("/auth/reset-password")]
pub async fn reset_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<PasswordReset>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(PasswordReset {
        email,
        code,
        new_password,
    }) = body;
    let address = client_address(&req, state.trust_forwarded_for);
    state
        .auth
        .reset_password(email, code, new_password, address)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
