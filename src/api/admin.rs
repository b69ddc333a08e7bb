//! Account administration: agencies, teams and users (admin only).

use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;

use super::error::{ApiError, Problem};
use super::extract::{ApiJson, Caller};
use super::views::{instant, AgencyView, ListOf, TeamView, UserView};
use super::AppState;
use crate::access::{self, Permission};
use crate::accounts::{self, AccountError, UserRequest};
use crate::domain::people::{check_name, AgencyKind, Role};
use crate::store::accounts as store;
use crate::store::accounts::UserChanges;

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> ApiError {
        match e {
            AccountError::Invalid { field, reason } => ApiError::invalid(field, reason),
            AccountError::Busy {
                retry_after_seconds,
            } => ApiError::Busy {
                retry_after_seconds,
            },
            AccountError::Store(s) => s.into(),
        }
    }
}

impl From<access::Denied> for ApiError {
    fn from(e: access::Denied) -> ApiError {
        ApiError::Forbidden(e.to_string())
    }
}

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
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name already taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not acceptable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/agencies")]
pub async fn create_agency(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<NewAgency>,
) -> Result<HttpResponse, ApiError> {
    access::require(&caller.0, Permission::ManageAccounts)?;
    let NewAgency { name, kind } = body.0;
    check_name(&name).map_err(|r| ApiError::invalid("name", r))?;
    let agency = state
        .store
        .write(move |c| store::create_agency(c, &name, kind))
        .await?;
    Ok(HttpResponse::Created().json(AgencyView::from(agency)))
}

/// GET /api/v1/agencies — lists agencies.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses((status = 200, description = "All agencies", body = ListOf<AgencyView>))
)]
#[get("/agencies")]
pub async fn list_agencies(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    access::require(&caller.0, Permission::ReadDirectory)?;
    let items = state.store.read(store::list_agencies).await?;
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
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name already taken in this agency", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not acceptable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/teams")]
pub async fn create_team(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<NewTeam>,
) -> Result<HttpResponse, ApiError> {
    access::require(&caller.0, Permission::ManageAccounts)?;
    let NewTeam { name, agency_id } = body.0;
    check_name(&name).map_err(|r| ApiError::invalid("name", r))?;
    let team = state
        .store
        .write(move |c| {
            if store::get_agency(c, &agency_id)?.is_none() {
                return Ok(Err(ApiError::invalid("agency_id", "no agency has this id")));
            }
            Ok(Ok(store::create_team(c, &agency_id, &name)?))
        })
        .await??;
    Ok(HttpResponse::Created().json(TeamView::from(team)))
}

/// GET /api/v1/teams — lists teams.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses((status = 200, description = "All teams", body = ListOf<TeamView>))
)]
#[get("/teams")]
pub async fn list_teams(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    access::require(&caller.0, Permission::ReadDirectory)?;
    let items = state.store.read(store::list_teams).await?;
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
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "E-mail address already in use", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not acceptable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<NewUserRequest>,
) -> Result<HttpResponse, ApiError> {
    access::require(&caller.0, Permission::ManageAccounts)?;
    let b = body.0;
    let request = UserRequest {
        email: b.email,
        name: b.name,
        password: b.password,
        role: b.role,
        agency_id: b.agency_id,
        team_id: b.team_id,
    };
    let user = accounts::register(&state.store, state.auth.hashing(), request).await?;
    Ok(HttpResponse::Created().json(UserView::from(user)))
}

/// GET /api/v1/users — lists users.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "All users", body = ListOf<UserView>),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    access::require(&caller.0, Permission::ManageAccounts)?;
    let items = state.store.read(store::list_users).await?;
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
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    access::require(&caller.0, Permission::ManageAccounts)?;
    let id = id.into_inner();
    let user = state
        .store
        .read(move |c| store::get_user(c, &id))
        .await?
        .ok_or_else(ApiError::not_found)?;
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
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not acceptable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: ApiJson<UserUpdate>,
) -> Result<HttpResponse, ApiError> {
    access::require(&caller.0, Permission::ManageAccounts)?;
    let id = id.into_inner();
    let update = body.0;
    if let Some(name) = &update.name {
        check_name(name).map_err(|r| ApiError::invalid("name", r))?;
    }
    if id == caller.0.id
        && (update.active == Some(false) || update.role.is_some_and(|r| r != Role::Admin))
    {
        return Err(ApiError::invalid(
            "active",
            "an admin cannot disable or demote their own account; ask another admin",
        ));
    }
    let user = state
        .store
        .write(move |c| {
            let Some(current) = store::get_user(c, &id)? else {
                return Ok(Err(ApiError::not_found()));
            };
            if update.role.is_some_and(|r| r.needs_agency()) && current.agency_id.is_none() {
                return Ok(Err(ApiError::invalid(
                    "role",
                    "this role needs an agency, and the user belongs to none",
                )));
            }
            if let Some(Some(team_id)) = &update.team_id {
                match store::get_team(c, team_id)? {
                    None => return Ok(Err(ApiError::invalid("team_id", "no team has this id"))),
                    Some(team) if current.agency_id.as_deref() != Some(team.agency_id.as_str()) => {
                        return Ok(Err(ApiError::invalid(
                            "team_id",
                            "the team belongs to another agency",
                        )))
                    }
                    Some(_) => {}
                }
            }
            let changes = UserChanges {
                name: update.name,
                role: update.role,
                team_id: update.team_id,
                active: update.active,
            };
            Ok(Ok(store::update_user(c, &id, changes)?))
        })
        .await??;
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
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/password-reset")]
pub async fn issue_password_reset(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    access::require(&caller.0, Permission::ManageAccounts)?;
    let issued = state.auth.issue_reset(id.into_inner(), caller.0.id).await?;
    Ok(HttpResponse::Created().json(ResetCodeView {
        code: issued.code,
        expires_at: instant(issued.expires_at),
    }))
}
