//! Agencies, teams and users.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{agencies, teams, users};
use super::{new_id, now, DbConnection, StoreError};
use crate::domain::people::{email_key, AgencyKind, Role, User};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    pub id: String,
    pub name: String,
    pub kind: AgencyKind,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: String,
    pub agency_id: String,
    pub name: String,
    pub created_at: NaiveDateTime,
}

/// A user together with the stored password hash, for the login check only.
#[derive(Debug, Clone)]
pub struct UserCredentials {
    pub user: User,
    pub password_hash: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = agencies)]
struct AgencyRow {
    id: String,
    name: String,
    name_key: String,
    kind: String,
    created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = teams)]
struct TeamRow {
    id: String,
    agency_id: String,
    name: String,
    name_key: String,
    created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    email: String,
    email_key: String,
    name: String,
    role: String,
    agency_id: Option<String>,
    team_id: Option<String>,
    password_hash: String,
    active: bool,
    session_version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn invalid(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!("stored {what} not understood: {e}"))
}

impl TryFrom<AgencyRow> for Agency {
    type Error = StoreError;
    fn try_from(row: AgencyRow) -> Result<Agency, StoreError> {
        Ok(Agency {
            kind: row.kind.parse().map_err(|e| invalid("agency kind", e))?,
            id: row.id,
            name: row.name,
            created_at: row.created_at,
        })
    }
}

impl From<TeamRow> for Team {
    fn from(row: TeamRow) -> Team {
        Team {
            id: row.id,
            agency_id: row.agency_id,
            name: row.name,
            created_at: row.created_at,
        }
    }
}

/// The stored row as the domain's user (the password hash stays behind).
impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(row: UserRow) -> Result<User, StoreError> {
        Ok(User {
            role: row.role.parse().map_err(|e| invalid("role", e))?,
            id: row.id,
            email: row.email,
            name: row.name,
            agency_id: row.agency_id,
            team_id: row.team_id,
            active: row.active,
            session_version: row.session_version,
            created_at: row.created_at,
        })
    }
}

impl TryFrom<UserRow> for UserCredentials {
    type Error = StoreError;
    fn try_from(mut row: UserRow) -> Result<UserCredentials, StoreError> {
        let password_hash = std::mem::take(&mut row.password_hash);
        Ok(UserCredentials {
            user: User::try_from(row)?,
            password_hash,
        })
    }
}

/// Names are unique ignoring case and surrounding space.
fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

pub fn create_agency(
    conn: &mut DbConnection,
    name: &str,
    kind: AgencyKind,
) -> Result<Agency, StoreError> {
    let row = AgencyRow {
        id: new_id(),
        name: name.trim().to_string(),
        name_key: name_key(name),
        kind: kind.as_str().to_string(),
        created_at: now(),
    };
    diesel::insert_into(agencies::table)
        .values(&row)
        .execute(conn)
        .map_err(|e| StoreError::from(e).on_unique("an agency with this name already exists"))?;
    row.try_into()
}

pub fn find_agency_by_name(
    conn: &mut DbConnection,
    name: &str,
) -> Result<Option<Agency>, StoreError> {
    agencies::table
        .filter(agencies::name_key.eq(name_key(name)))
        .select(AgencyRow::as_select())
        .first(conn)
        .optional()?
        .map(Agency::try_from)
        .transpose()
}

pub fn get_agency(conn: &mut DbConnection, id: &str) -> Result<Option<Agency>, StoreError> {
    agencies::table
        .find(id)
        .select(AgencyRow::as_select())
        .first(conn)
        .optional()?
        .map(Agency::try_from)
        .transpose()
}

pub fn list_agencies(conn: &mut DbConnection) -> Result<Vec<Agency>, StoreError> {
    agencies::table
        .order(agencies::name_key)
        .select(AgencyRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Agency::try_from)
        .collect()
}

pub fn create_team(
    conn: &mut DbConnection,
    agency_id: &str,
    name: &str,
) -> Result<Team, StoreError> {
    let row = TeamRow {
        id: new_id(),
        agency_id: agency_id.to_string(),
        name: name.trim().to_string(),
        name_key: name_key(name),
        created_at: now(),
    };
    diesel::insert_into(teams::table)
        .values(&row)
        .execute(conn)
        .map_err(|e| {
            StoreError::from(e).on_unique("this agency already has a team with this name")
        })?;
    Ok(row.into())
}

pub fn find_team_by_name(
    conn: &mut DbConnection,
    agency_id: &str,
    name: &str,
) -> Result<Option<Team>, StoreError> {
    Ok(teams::table
        .filter(teams::agency_id.eq(agency_id))
        .filter(teams::name_key.eq(name_key(name)))
        .select(TeamRow::as_select())
        .first(conn)
        .optional()?
        .map(Team::from))
}

pub fn get_team(conn: &mut DbConnection, id: &str) -> Result<Option<Team>, StoreError> {
    Ok(teams::table
        .find(id)
        .select(TeamRow::as_select())
        .first(conn)
        .optional()?
        .map(Team::from))
}

pub fn list_teams(conn: &mut DbConnection) -> Result<Vec<Team>, StoreError> {
    Ok(teams::table
        .order((teams::agency_id, teams::name_key))
        .select(TeamRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Team::from)
        .collect())
}

/// What a new user is made of; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub agency_id: Option<String>,
    pub team_id: Option<String>,
    pub password_hash: String,
}

pub fn create_user(conn: &mut DbConnection, new: NewUser) -> Result<User, StoreError> {
    let at = now();
    let row = UserRow {
        id: new_id(),
        email: new.email.trim().to_string(),
        email_key: email_key(&new.email),
        name: new.name.trim().to_string(),
        role: new.role.as_str().to_string(),
        agency_id: new.agency_id,
        team_id: new.team_id,
        password_hash: new.password_hash,
        active: true,
        session_version: 0,
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(users::table)
        .values(&row)
        .execute(conn)
        .map_err(|e| {
            StoreError::from(e).on_unique("a user with this e-mail address already exists")
        })?;
    User::try_from(row)
}

pub fn get_user(conn: &mut DbConnection, id: &str) -> Result<Option<User>, StoreError> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(User::try_from)
        .transpose()
}

/// The user with their stored password hash, by id.
pub fn get_credentials(
    conn: &mut DbConnection,
    id: &str,
) -> Result<Option<UserCredentials>, StoreError> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(UserCredentials::try_from)
        .transpose()
}

pub fn find_credentials_by_email(
    conn: &mut DbConnection,
    email: &str,
) -> Result<Option<UserCredentials>, StoreError> {
    users::table
        .filter(users::email_key.eq(email_key(email)))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(UserCredentials::try_from)
        .transpose()
}

pub fn list_users(conn: &mut DbConnection) -> Result<Vec<User>, StoreError> {
    users::table
        .order(users::email_key)
        .select(UserRow::as_select())
        .load(conn)?
        .into_iter()
        .map(User::try_from)
        .collect()
}

/// Changes an admin may make to a user. `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub team_id: Option<Option<String>>,
    pub active: Option<bool>,
}

/// Applies `changes`; a change of role or of active ends every session of the user.
pub fn update_user(
    conn: &mut DbConnection,
    id: &str,
    changes: UserChanges,
) -> Result<User, StoreError> {
    let current = get_user(conn, id)?.ok_or(StoreError::NotFound)?;
    let ends_sessions = changes.role.is_some_and(|r| r != current.role)
        || changes.active.is_some_and(|a| a != current.active);
    let at = now();
    diesel::update(users::table.find(id))
        .set((
            users::name.eq(changes
                .name
                .map(|n| n.trim().to_string())
                .unwrap_or(current.name)),
            users::role.eq(changes.role.unwrap_or(current.role).as_str()),
            users::team_id.eq(changes.team_id.unwrap_or(current.team_id)),
            users::active.eq(changes.active.unwrap_or(current.active)),
            users::session_version.eq(current.session_version + if ends_sessions { 1 } else { 0 }),
            users::updated_at.eq(at),
        ))
        .execute(conn)?;
    if ends_sessions {
        super::sessions::revoke_user_tokens(conn, id)?;
    }
    get_user(conn, id)?.ok_or(StoreError::NotFound)
}

/// Ends every session of the user: access tokens stop working at once.
pub fn end_sessions(conn: &mut DbConnection, id: &str) -> Result<(), StoreError> {
    diesel::update(users::table.find(id))
        .set((
            users::session_version.eq(users::session_version + 1),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    super::sessions::revoke_user_tokens(conn, id)
}

/// Replaces the user's password hash and ends every session of the user (access tokens
/// refused at once, refresh tokens revoked): whoever knew the old password is signed out.
pub fn set_password(
    conn: &mut DbConnection,
    id: &str,
    password_hash: &str,
) -> Result<(), StoreError> {
    let changed = diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::session_version.eq(users::session_version + 1),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    super::sessions::revoke_user_tokens(conn, id)
}

pub fn count_admins(conn: &mut DbConnection) -> Result<i64, StoreError> {
    Ok(users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::active.eq(true))
        .count()
        .get_result(conn)?)
}
