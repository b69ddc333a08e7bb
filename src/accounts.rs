//! Creating accounts: the checks shared by the admin API and the command line.

use crate::auth::hashing::{HashingError, HashingLimit};
use crate::auth::password;
use crate::domain::people::{check_email, check_name, Role, User};
use crate::store::accounts::{self, NewUser};
use crate::store::{DbConnection, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// Too much password hashing under way; nothing was created.
    #[error(
        "the server is busy checking other passwords; try again in {retry_after_seconds} seconds"
    )]
    Busy { retry_after_seconds: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<HashingError> for AccountError {
    fn from(e: HashingError) -> AccountError {
        match e {
            HashingError::Busy {
                retry_after_seconds,
            } => AccountError::Busy {
                retry_after_seconds,
            },
            HashingError::Blocking(why) => AccountError::Store(StoreError::Blocking(why)),
        }
    }
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
    prepare_in(&mut password::Workspace::new(), request)
}

/// [`prepare`], hashing in the given workspace.
pub fn prepare_in(
    workspace: &mut password::Workspace,
    request: &UserRequest,
) -> Result<String, AccountError> {
    check_email(&request.email).map_err(|r| invalid("email", r))?;
    check_name(&request.name).map_err(|r| invalid("name", r))?;
    password::check_policy(&request.password).map_err(|e| invalid("password", e.to_string()))?;
    if request.role.needs_agency() && request.agency_id.is_none() {
        return Err(invalid(
            "agency_id",
            format!("a {} must belong to an agency", request.role),
        ));
    }
    password::hash_in(workspace, &request.password).map_err(|e| invalid("password", e.to_string()))
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

/// Checks and creates a user for the API: the password is hashed within the server's bound on
/// hashes in flight, then the user is stored in one transaction.
pub async fn register(
    store: &Store,
    hashing: &HashingLimit,
    request: UserRequest,
) -> Result<User, AccountError> {
    let (request, hash) = hashing
        .run(move |ws| prepare_in(ws, &request).map(|hash| (request, hash)))
        .await??;
    store.write(move |c| Ok(create(c, request, hash))).await?
}
