//! The access log: who read or wrote which child's record, when and from where. Append-only
//! (the database refuses updates and deletes).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::access_log;
use super::{new_id, now, DbConnection, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = access_log)]
pub struct AccessEntry {
    pub id: String,
    pub at: NaiveDateTime,
    pub user_id: String,
    pub role: String,
    pub action: String,
    pub child_id: Option<String>,
    pub resource: String,
    pub address: String,
    pub outcome: String,
}

/// One line to write.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub user_id: &'a str,
    pub role: &'a str,
    pub action: &'a str,
    pub child_id: Option<&'a str>,
    pub resource: &'a str,
    pub address: &'a str,
    pub outcome: &'a str,
}

pub fn append(conn: &mut DbConnection, entry: &NewEntry<'_>) -> Result<(), StoreError> {
    diesel::insert_into(access_log::table)
        .values((
            access_log::id.eq(new_id()),
            access_log::at.eq(now()),
            access_log::user_id.eq(entry.user_id),
            access_log::role.eq(entry.role),
            access_log::action.eq(entry.action),
            access_log::child_id.eq(entry.child_id),
            access_log::resource.eq(entry.resource),
            access_log::address.eq(entry.address),
            access_log::outcome.eq(entry.outcome),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn of_child(conn: &mut DbConnection, child_id: &str) -> Result<Vec<AccessEntry>, StoreError> {
    Ok(access_log::table
        .filter(access_log::child_id.eq(child_id))
        .order(access_log::at)
        .select(AccessEntry::as_select())
        .load(conn)?)
}

/// Writes one line per child, in as few statements as the database allows.
pub fn append_many(conn: &mut DbConnection, entries: &[NewEntry<'_>]) -> Result<(), StoreError> {
    let at = now();
    // 9 values a row; SQLite takes at most 32,766 bound values in one statement.
    for chunk in entries.chunks(1000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|e| {
                (
                    access_log::id.eq(new_id()),
                    access_log::at.eq(at),
                    access_log::user_id.eq(e.user_id),
                    access_log::role.eq(e.role),
                    access_log::action.eq(e.action),
                    access_log::child_id.eq(e.child_id),
                    access_log::resource.eq(e.resource),
                    access_log::address.eq(e.address),
                    access_log::outcome.eq(e.outcome),
                )
            })
            .collect();
        // Multi-row INSERT is not expressible through the multi backend: per backend.
        match conn {
            super::DbConnection::Postgres(pg) => {
                diesel::insert_into(access_log::table)
                    .values(&rows)
                    .execute(pg)?;
            }
            // In one transaction, single-row inserts are what SQLite does fastest anyway.
            super::DbConnection::Sqlite(lite) => {
                for row in rows {
                    diesel::insert_into(access_log::table)
                        .values(row)
                        .execute(lite)?;
                }
            }
        }
    }
    Ok(())
}
