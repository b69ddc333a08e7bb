//! Deployment settings kept in the database, so every server instance agrees on them.

use diesel::prelude::*;

use super::schema::{policy_versions, settings};
use super::{now, DbConnection, StoreError};

pub fn get(conn: &mut DbConnection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(settings::table
        .find(key)
        .select(settings::value)
        .first(conn)
        .optional()?)
}

/// Stores `value` under `key` unless a value is already there, and returns the stored one.
/// Safe when several instances start at once: the first writer wins and all read its value.
pub fn get_or_insert(
    conn: &mut DbConnection,
    key: &str,
    value: &str,
) -> Result<String, StoreError> {
    let row = (
        settings::key.eq(key),
        settings::value.eq(value),
        settings::updated_at.eq(now()),
    );
    // ON CONFLICT is not expressible through the multi backend: use each backend's own form.
    match conn {
        super::DbConnection::Postgres(pg) => {
            diesel::insert_into(settings::table)
                .values(row)
                .on_conflict_do_nothing()
                .execute(pg)?;
        }
        super::DbConnection::Sqlite(lite) => {
            diesel::insert_or_ignore_into(settings::table)
                .values(row)
                .execute(lite)?;
        }
    }
    get(conn, key)?.ok_or(StoreError::NotFound)
}

/// Stores `value` under `key`, replacing any value there (one statement, so instances that
/// start together do not trip over each other).
pub fn put(conn: &mut DbConnection, key: &str, value: &str) -> Result<(), StoreError> {
    let at = now();
    let row = (
        settings::key.eq(key),
        settings::value.eq(value),
        settings::updated_at.eq(at),
    );
    let change = (settings::value.eq(value), settings::updated_at.eq(at));
    match conn {
        super::DbConnection::Postgres(pg) => {
            diesel::insert_into(settings::table)
                .values(row)
                .on_conflict(settings::key)
                .do_update()
                .set(change)
                .execute(pg)?;
        }
        super::DbConnection::Sqlite(lite) => {
            diesel::insert_into(settings::table)
                .values(row)
                .on_conflict(settings::key)
                .do_update()
                .set(change)
                .execute(lite)?;
        }
    }
    Ok(())
}

/// Removes the value under `key`; true when there was one.
pub fn delete(conn: &mut DbConnection, key: &str) -> Result<bool, StoreError> {
    Ok(diesel::delete(settings::table.find(key)).execute(conn)? > 0)
}

const POLICY_KEY: &str = "policy";

/// The rule settings in force: the stored ones, else the defaults. Fields added in later
/// versions take their defaults when read from an older stored document.
pub fn policy(conn: &mut DbConnection) -> Result<crate::domain::policy::Policy, StoreError> {
    match get(conn, POLICY_KEY)? {
        None => Ok(crate::domain::policy::Policy::default()),
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| StoreError::Invalid(format!("stored policy not understood: {e}"))),
    }
}

/// Stores the rule settings (replacing any earlier ones).
pub fn put_policy(
    conn: &mut DbConnection,
    policy: &crate::domain::policy::Policy,
) -> Result<(), StoreError> {
    let text = serde_json::to_string(policy)
        .map_err(|e| StoreError::Invalid(format!("policy not storable: {e}")))?;
    let at = now();
    diesel::delete(settings::table.find(POLICY_KEY)).execute(conn)?;
    diesel::insert_into(settings::table)
        .values((
            settings::key.eq(POLICY_KEY),
            settings::value.eq(&text),
            settings::updated_at.eq(at),
        ))
        .execute(conn)?;
    // Every version kept: a status "as known" earlier uses the settings of then.
    diesel::insert_into(policy_versions::table)
        .values((
            policy_versions::id.eq(super::new_id()),
            policy_versions::value.eq(text),
            policy_versions::recorded_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The rule settings as they stood at `known_at`: the latest version saved by then, else the
/// defaults (nothing had been changed yet).
pub fn policy_known_at(
    conn: &mut DbConnection,
    known_at: chrono::NaiveDateTime,
) -> Result<crate::domain::policy::Policy, StoreError> {
    let text: Option<String> = policy_versions::table
        .filter(policy_versions::recorded_at.le(known_at))
        .order((
            policy_versions::recorded_at.desc(),
            policy_versions::id.desc(),
        ))
        .select(policy_versions::value)
        .first(conn)
        .optional()?;
    match text {
        None => Ok(crate::domain::policy::Policy::default()),
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| StoreError::Invalid(format!("stored policy not understood: {e}"))),
    }
}
