//! Refresh tokens and failed-login records.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{login_failures, refresh_tokens};
use super::{new_id, now, DbConnection, StoreError};

/// Stores a new refresh token (by its hash only) in `family_id`.
pub fn insert_refresh_token(
    conn: &mut DbConnection,
    user_id: &str,
    family_id: &str,
    token_hash: &str,
    expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(new_id()),
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::issued_at.eq(now()),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// What presenting a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    /// Unused, unexpired and unrevoked; it is now marked used.
    Fresh {
        user_id: String,
        family_id: String,
    },
    /// Already used or revoked: someone holds a copy. The family is now revoked.
    Reused {
        user_id: String,
    },
    Expired,
    Unknown,
}

/// Marks the token used if it may still be used, else revokes its whole family.
/// The conditional update makes two simultaneous presentations of one token yield one winner.
pub fn present_refresh_token(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Presented, StoreError> {
    let at = now();
    let found: Option<(String, String, String, NaiveDateTime)> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select((
            refresh_tokens::id,
            refresh_tokens::user_id,
            refresh_tokens::family_id,
            refresh_tokens::expires_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, user_id, family_id, expires_at)) = found else {
        return Ok(Presented::Unknown);
    };
    let claimed = diesel::update(
        refresh_tokens::table
            .find(&id)
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(at))
    .execute(conn)?;
    if claimed == 0 {
        revoke_family(conn, &family_id)?;
        return Ok(Presented::Reused { user_id });
    }
    if expires_at <= at {
        return Ok(Presented::Expired);
    }
    Ok(Presented::Fresh { user_id, family_id })
}

pub fn revoke_family(conn: &mut DbConnection, family_id: &str) -> Result<(), StoreError> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now()))
    .execute(conn)?;
    Ok(())
}

/// True when the family has been revoked (a token of it presented twice, a sign-out, a
/// password change): the access tokens issued in it must be refused.
pub fn family_revoked(conn: &mut DbConnection, family_id: &str) -> Result<bool, StoreError> {
    let revoked: i64 = refresh_tokens::table
        .filter(refresh_tokens::family_id.eq(family_id))
        .filter(refresh_tokens::revoked_at.is_not_null())
        .count()
        .get_result(conn)?;
    Ok(revoked > 0)
}

pub fn revoke_user_tokens(conn: &mut DbConnection, user_id: &str) -> Result<(), StoreError> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now()))
    .execute(conn)?;
    Ok(())
}

/// Whom a failed login counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureScope {
    /// The e-mail address typed, whether or not such a user exists.
    Account,
    /// The client's network address.
    Address,
}

impl FailureScope {
    fn as_str(self) -> &'static str {
        match self {
            FailureScope::Account => "account",
            FailureScope::Address => "address",
        }
    }
}

pub fn record_login_failure(
    conn: &mut DbConnection,
    scope: FailureScope,
    subject: &str,
) -> Result<(), StoreError> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::id.eq(new_id()),
            login_failures::scope.eq(scope.as_str()),
            login_failures::subject.eq(subject),
            login_failures::failed_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Failures since `since`, oldest first (only their instants).
pub fn login_failures_since(
    conn: &mut DbConnection,
    scope: FailureScope,
    subject: &str,
    since: NaiveDateTime,
) -> Result<Vec<NaiveDateTime>, StoreError> {
    Ok(login_failures::table
        .filter(login_failures::scope.eq(scope.as_str()))
        .filter(login_failures::subject.eq(subject))
        .filter(login_failures::failed_at.gt(since))
        .order(login_failures::failed_at)
        .select(login_failures::failed_at)
        .load(conn)?)
}

pub fn clear_login_failures(
    conn: &mut DbConnection,
    scope: FailureScope,
    subject: &str,
) -> Result<(), StoreError> {
    diesel::delete(
        login_failures::table
            .filter(login_failures::scope.eq(scope.as_str()))
            .filter(login_failures::subject.eq(subject)),
    )
    .execute(conn)?;
    Ok(())
}

/// Forgets failures older than the throttling window: they are personal data with no use left.
pub fn prune_login_failures(
    conn: &mut DbConnection,
    before: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::delete(login_failures::table.filter(login_failures::failed_at.le(before)))
        .execute(conn)?;
    Ok(())
}
