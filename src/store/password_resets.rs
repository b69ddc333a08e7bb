//! One-time password-reset codes, kept only as hashes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::password_resets;
use super::{new_id, now, DbConnection, StoreError};

/// Stores a new code (by its hash) for `user_id`, and revokes every older unused code of that
/// user: only the newest code works.
pub fn issue(
    conn: &mut DbConnection,
    user_id: &str,
    code_hash: &str,
    issued_by: Option<&str>,
    expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    let at = now();
    revoke_unused(conn, user_id, at)?;
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::id.eq(new_id()),
            password_resets::user_id.eq(user_id),
            password_resets::code_hash.eq(code_hash),
            password_resets::issued_by.eq(issued_by),
            password_resets::issued_at.eq(at),
            password_resets::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

fn revoke_unused(
    conn: &mut DbConnection,
    user_id: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::revoked_at.is_null()),
    )
    .set(password_resets::revoked_at.eq(at))
    .execute(conn)?;
    Ok(())
}

/// The id of the code with this hash when it belongs to `user_id` and may still be used
/// (unused, not superseded, unexpired).
pub fn find_usable(
    conn: &mut DbConnection,
    user_id: &str,
    code_hash: &str,
) -> Result<Option<String>, StoreError> {
    Ok(password_resets::table
        .filter(password_resets::code_hash.eq(code_hash))
        .filter(password_resets::user_id.eq(user_id))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::revoked_at.is_null())
        .filter(password_resets::expires_at.gt(now()))
        .select(password_resets::id)
        .first(conn)
        .optional()?)
}

/// Marks the code used if it still may be used; false when another request used it first (the
/// conditional update makes two simultaneous uses of one code yield one winner). Any other
/// unused code of the user is revoked with it.
pub fn redeem(conn: &mut DbConnection, id: &str, user_id: &str) -> Result<bool, StoreError> {
    let at = now();
    let claimed = diesel::update(
        password_resets::table
            .find(id)
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::revoked_at.is_null())
            .filter(password_resets::expires_at.gt(at)),
    )
    .set(password_resets::used_at.eq(at))
    .execute(conn)?;
    if claimed == 0 {
        return Ok(false);
    }
    revoke_unused(conn, user_id, at)?;
    Ok(true)
}
