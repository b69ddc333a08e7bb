//! Deployment settings kept in the database, so every server instance agrees on them.

use diesel::prelude::*;

use super::schema::settings;
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
