//! Creating accounts: the checks shared by the admin API and the command line.

use crate::auth::password;
use crate::domain::people::{check_email, check_name, Role};
use crate::store::accounts::{self, NewUser, User};
use crate::store::{DbConnection, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &'static str, reason: impl Into<String>) -> AccountError {
    AccountError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// A user to create, as asked for; the password is still plain text.
#[derive(Debug, Clone)]
pub struct UserRequest {
    pub email: String,
    pub name: String,
    pub password: String,
    pub role: Role,
    pub agency_id: Option<String>,
    pub team_id: Option<String>,
}

/// Checks what can be checked without the database; returns the password hash.
/// CPU-heavy (hashing): call off the async executor.
pub fn prepare(request: &UserRequest) -> Result<String, AccountError> {
    check_email(&request.email).map_err(|r| invalid("email", r))?;
    check_name(&request.name).map_err(|r| invalid("name", r))?;
    password::check_policy(&request.password).map_err(|e| invalid("password", e.to_string()))?;
    if request.role.needs_agency() && request.agency_id.is_none() {
        return Err(invalid(
            "agency_id",
            format!("a {} must belong to an agency", request.role),
        ));
    }
    password::hash(&request.password).map_err(|e| invalid("password", e.to_string()))
}

/// Creates the user inside the caller's transaction, checking agency and team.
pub fn create(
    conn: &mut DbConnection,
    request: UserRequest,
    password_hash: String,
) -> Result<User, AccountError> {
    if let Some(agency_id) = &request.agency_id {
        if accounts::get_agency(conn, agency_id)?.is_none() {
            return Err(invalid("agency_id", "no agency has this id"));
        }
    }
    if let Some(team_id) = &request.team_id {
        let team = accounts::get_team(conn, team_id)?
            .ok_or_else(|| invalid("team_id", "no team has this id"))?;
        if request.agency_id.as_deref() != Some(team.agency_id.as_str()) {
            return Err(invalid("team_id", "the team belongs to another agency"));
        }
    }
    Ok(accounts::create_user(
        conn,
        NewUser {
            email: request.email,
            name: request.name,
            role: request.role,
            agency_id: request.agency_id,
            team_id: request.team_id,
            password_hash,
        },
    )?)
}
