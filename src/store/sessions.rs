//! Refresh tokens, and the sign-in attempts counted for throttling.

use chrono::{Duration, NaiveDateTime};
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

/// A browser session still good at `at`: its token unused (never traded), unrevoked,
/// unexpired, and used since `idle_since`. Answers the user and family.
pub fn live_browser_session(
    conn: &mut DbConnection,
    token_hash: &str,
    at: NaiveDateTime,
    idle_since: NaiveDateTime,
) -> Result<Option<BrowserSessionRow>, StoreError> {
    let found: Option<(String, String, String, NaiveDateTime, Option<NaiveDateTime>)> =
        refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(token_hash))
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null())
            .filter(refresh_tokens::expires_at.gt(at))
            .select((
                refresh_tokens::id,
                refresh_tokens::user_id,
                refresh_tokens::family_id,
                refresh_tokens::issued_at,
                refresh_tokens::last_seen_at,
            ))
            .first(conn)
            .optional()?;
    Ok(
        found.and_then(|(id, user_id, family_id, issued_at, last_seen_at)| {
            let last_seen_at = last_seen_at.unwrap_or(issued_at);
            (last_seen_at > idle_since).then_some(BrowserSessionRow {
                id,
                user_id,
                family_id,
                last_seen_at,
            })
        }),
    )
}

/// A live browser session, as [`live_browser_session`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserSessionRow {
    pub id: String,
    pub user_id: String,
    pub family_id: String,
    pub last_seen_at: NaiveDateTime,
}

/// Notes that a browser session was used at `at` (its inactivity clock starts again).
pub fn touch_browser_session(
    conn: &mut DbConnection,
    id: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(refresh_tokens::table.find(id))
        .set(refresh_tokens::last_seen_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// The family of a token, whatever its state (to end a browser session by its cookie).
pub fn family_of_token(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<String>, StoreError> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(refresh_tokens::family_id)
        .first(conn)
        .optional()?)
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

    /// The first key of the PostgreSQL advisory lock that serialises the attempts of one
    /// subject (the second is a hash of the subject), so the two scopes never share a lock.
    fn lock_class(self) -> i32 {
        match self {
            FailureScope::Account => 0x6367_0001,
            FailureScope::Address => 0x6367_0002,
        }
    }
}

/// How many attempts one subject may have in the window before it is refused.
#[derive(Debug, Clone, Copy)]
pub struct AttemptLimits {
    pub window: Duration,
    pub max_per_account: usize,
    pub max_per_address: usize,
}

/// An attempt that has been counted: one row for the account and one for the address, each a
/// failure until the attempt succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    pub account: String,
    pub account_row: String,
    pub address_row: String,
}

/// What asking to make an attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reserved {
    /// Under both limits: the attempt is counted, and may be evaluated.
    Granted(Reservation),
    /// At a limit: nothing was counted; free again in this many seconds.
    Refused { retry_after_seconds: i64 },
}

/// Takes the lock that makes every instance's check-and-count for `subject` one at a time.
/// PostgreSQL: a transaction-scoped advisory lock on (scope, hash of the subject), released at
/// commit or rollback. SQLite: nothing to do here; it has one writer at a time, and the
/// caller's first statement being a write takes that lock before anything is read.
fn lock_subject(
    conn: &mut DbConnection,
    scope: FailureScope,
    subject: &str,
) -> Result<(), StoreError> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind::<diesel::sql_types::Integer, _>(scope.lock_class())
            .bind::<diesel::sql_types::Text, _>(subject)
            .execute(pg)?;
    }
    Ok(())
}

/// Counts an attempt for `account` (the e-mail key typed) from `address` **before** the
/// password is checked, in one step that concurrent attempts on every instance take one at a
/// time: either the attempt is under both limits and is recorded (as a failure, until
/// [`clear_after_success`]), or it is refused and nothing is recorded. Must run inside a
/// transaction (as [`super::Store::write`] does), which holds the locks until it ends.
pub fn reserve_attempt(
    conn: &mut DbConnection,
    account: &str,
    address: &str,
    limits: AttemptLimits,
) -> Result<Reserved, StoreError> {
    // Always account before address, so that two attempts never wait on each other's lock.
    lock_subject(conn, FailureScope::Account, account)?;
    lock_subject(conn, FailureScope::Address, address)?;
    let at = now();
    let window_start = at - limits.window;
    // The first statement writes, so on SQLite the transaction holds the write lock from here.
    // Only this attempt's subjects are pruned: their rows are the ones these locks cover.
    for (scope, subject) in [
        (FailureScope::Account, account),
        (FailureScope::Address, address),
    ] {
        diesel::delete(
            login_failures::table
                .filter(login_failures::scope.eq(scope.as_str()))
                .filter(login_failures::subject.eq(subject))
                .filter(login_failures::failed_at.le(window_start)),
        )
        .execute(conn)?;
    }
    let mut retry_after = 0i64;
    for (scope, subject, max) in [
        (FailureScope::Account, account, limits.max_per_account),
        (FailureScope::Address, address, limits.max_per_address),
    ] {
        let failures = login_failures_since(conn, scope, subject, window_start)?;
        if failures.len() >= max {
            // Free again once enough of the failures have left the window.
            let freeing = failures[failures.len() - max];
            let wait = (freeing + limits.window - at).num_seconds() + 1;
            retry_after = retry_after.max(wait.max(1));
        }
    }
    if retry_after > 0 {
        return Ok(Reserved::Refused {
            retry_after_seconds: retry_after,
        });
    }
    let account_row = record_login_failure(conn, FailureScope::Account, account)?;
    let address_row = record_login_failure(conn, FailureScope::Address, address)?;
    Ok(Reserved::Granted(Reservation {
        account: account.to_string(),
        account_row,
        address_row,
    }))
}

/// After a success: the account's failures are forgotten (as they always were), and this
/// attempt's row for the address is taken back, so that people who sign in correctly from
/// one office never lock that office out.
pub fn clear_after_success(
    conn: &mut DbConnection,
    reservation: &Reservation,
) -> Result<(), StoreError> {
    clear_login_failures(conn, FailureScope::Account, &reservation.account)?;
    diesel::delete(login_failures::table.find(&reservation.address_row)).execute(conn)?;
    Ok(())
}

/// Takes back an attempt that was never evaluated (the server was too busy to check it).
pub fn release_attempt(
    conn: &mut DbConnection,
    reservation: &Reservation,
) -> Result<(), StoreError> {
    diesel::delete(
        login_failures::table.filter(
            login_failures::id.eq_any([&reservation.account_row, &reservation.address_row]),
        ),
    )
    .execute(conn)?;
    Ok(())
}

/// Records one failure (or reserved attempt) and returns its row's id.
pub fn record_login_failure(
    conn: &mut DbConnection,
    scope: FailureScope,
    subject: &str,
) -> Result<String, StoreError> {
    let id = new_id();
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::id.eq(&id),
            login_failures::scope.eq(scope.as_str()),
            login_failures::subject.eq(subject),
            login_failures::failed_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(id)
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
