//! Account administration: agencies, teams and users (admin only).

use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;

use super::error::{ApiError, Problems};
use super::extract::ApiJson;
use super::views::{instant, AgencyView, ListOf, TeamView, UserView};
use super::AppState;
use crate::domain::ids::{AgencyId, UserId};
use crate::domain::people::{AgencyKind, Role};
use crate::services::admin::{self, Actor, ResetFor, UserChanges, UserRequest};
use crate::services::Requester;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgency {
    pub name: String,
    pub kind: AgencyKind,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    pub name: String,
    pub agency_id: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    pub email: String,
    pub name: String,
    /// At least 12 characters.
    pub password: String,
    pub role: Role,
    /// Required for practitioners, social workers and team managers.
    pub agency_id: Option<String>,
    pub team_id: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    pub name: Option<String>,
    pub role: Option<Role>,
    /// `null` removes the user from their team.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub team_id: Option<Option<String>>,
    /// `false` disables the account and ends every session at once.
    pub active: Option<bool>,
}

/// A one-time password-reset code, shown this once: give it to the user by a channel you trust
/// (in person, by phone); never by the same e-mail as their address.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ResetCodeView {
    /// 128 random bits; works once, until `expires_at`, at `POST /auth/reset-password`.
    pub code: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Tells an absent field (leave as is) from an explicit `null` (clear it).
fn double_option<'de, D>(de: D) -> Result<Option<Option<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Option::<String>::deserialize(de).map(Some)
}

/// POST /api/v1/agencies — creates an agency.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewAgency,
    responses(
        (status = 201, description = "Created", body = AgencyView),
        Problems,
    )
)]
#[post("/agencies")]
pub async fn create_agency(
    state: web::Data<AppState>,
    who: Requester,
    body: ApiJson<NewAgency>,
) -> Result<HttpResponse, ApiError> {
    let NewAgency { name, kind } = body.0;
    let agency =
        admin::create_agency(&state.services.store, &Actor::User(who.user), name, kind).await?;
    Ok(HttpResponse::Created().json(AgencyView::from(agency)))
}

/// GET /api/v1/agencies — lists agencies.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses((status = 200, description = "All agencies", body = ListOf<AgencyView>), Problems)
)]
#[get("/agencies")]
pub async fn list_agencies(
    state: web::Data<AppState>,
    who: Requester,
) -> Result<HttpResponse, ApiError> {
    let items = admin::list_agencies(&state.services.store, &Actor::User(who.user)).await?;
    Ok(HttpResponse::Ok().json(ListOf {
        items: items.into_iter().map(AgencyView::from).collect::<Vec<_>>(),
    }))
}

/// POST /api/v1/teams — creates a team in an agency.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewTeam,
    responses(
        (status = 201, description = "Created", body = TeamView),
        Problems,
    )
)]
#[post("/teams")]
pub async fn create_team(
    state: web::Data<AppState>,
    who: Requester,
    body: ApiJson<NewTeam>,
) -> Result<HttpResponse, ApiError> {
    let NewTeam { name, agency_id } = body.0;
    let team = admin::create_team(
        &state.services.store,
        &Actor::User(who.user),
        AgencyId::from(agency_id),
        name,
    )
    .await?;
    Ok(HttpResponse::Created().json(TeamView::from(team)))
}

/// GET /api/v1/teams — lists teams.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses((status = 200, description = "All teams", body = ListOf<TeamView>), Problems)
)]
#[get("/teams")]
pub async fn list_teams(
    state: web::Data<AppState>,
    who: Requester,
) -> Result<HttpResponse, ApiError> {
    let items = admin::list_teams(&state.services.store, &Actor::User(who.user)).await?;
    Ok(HttpResponse::Ok().json(ListOf {
        items: items.into_iter().map(TeamView::from).collect::<Vec<_>>(),
    }))
}

/// POST /api/v1/users — creates a user.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewUserRequest,
    responses(
        (status = 201, description = "Created", body = UserView),
        Problems,
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    who: Requester,
    body: ApiJson<NewUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let request = UserRequest {
        email: b.email,
        name: b.name,
        password: b.password,
        role: b.role,
        agency_id: b.agency_id,
        team_id: b.team_id,
    };
    let user = admin::create_user(
        &state.services.store,
        state.auth.hashing(),
        &Actor::User(who.user),
        request,
    )
    .await?;
    Ok(HttpResponse::Created().json(UserView::from(user)))
}

/// GET /api/v1/users — lists users.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "All users", body = ListOf<UserView>),
        Problems,
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    who: Requester,
) -> Result<HttpResponse, ApiError> {
    let items = admin::list_users(&state.services.store, &Actor::User(who.user)).await?;
    Ok(HttpResponse::Ok().json(ListOf {
        items: items.into_iter().map(UserView::from).collect::<Vec<_>>(),
    }))
}

/// GET /api/v1/users/{id} — one user.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserView),
        Problems,
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = admin::get_user(
        &state.services.store,
        &Actor::User(who.user),
        UserId::from(id.into_inner()),
    )
    .await?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

/// PATCH /api/v1/users/{id} — renames, changes role or team, disables or enables a user.
/// A change of role or a disable ends every session of that user at once.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    request_body = UserUpdate,
    responses(
        (status = 200, description = "The user as changed", body = UserView),
        Problems,
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
    body: ApiJson<UserUpdate>,
) -> Result<HttpResponse, ApiError> {
    let UserUpdate {
        name,
        role,
        team_id,
        active,
    } = body.0;
    let changes = UserChanges {
        name,
        role,
        team_id,
        active,
    };
    let user = admin::update_user(
        &state.services.store,
        &Actor::User(who.user),
        UserId::from(id.into_inner()),
        changes,
    )
    .await?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

/// POST /api/v1/users/{id}/password-reset — issues a one-time code with which the user sets a
/// new password (`POST /auth/reset-password`). Only the code's hash is kept; it works once,
/// for 24 hours, and a newer code replaces it.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 201, description = "The code, shown this once", body = ResetCodeView),
        Problems,
    )
)]
#[post("/users/{id}/password-reset")]
pub async fn issue_password_reset(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let issued = admin::issue_password_reset(
        &state.services.store,
        &Actor::User(who.user),
        ResetFor::Id(UserId::from(id.into_inner())),
    )
    .await?;
    Ok(HttpResponse::Created().json(ResetCodeView {
        code: issued.code,
        expires_at: instant(issued.expires_at),
    }))
}
