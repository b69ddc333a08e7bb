//! The access log: who read or wrote which child's record, when and from where. Append-only
//! (the database refuses updates and deletes).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{access_log, access_log_children};
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

/// Every entry about a child: those naming it, and those that read it among many (a
/// dashboard), oldest first.
pub fn of_child(conn: &mut DbConnection, child_id: &str) -> Result<Vec<AccessEntry>, StoreError> {
    let mut entries: Vec<AccessEntry> = access_log::table
        .filter(access_log::child_id.eq(child_id))
        .select(AccessEntry::as_select())
        .load(conn)?;
    let among_many: Vec<AccessEntry> = access_log::table
        .inner_join(access_log_children::table)
        .filter(access_log_children::child_id.eq(child_id))
        .select(AccessEntry::as_select())
        .load(conn)?;
    entries.extend(among_many.into_iter().map(|mut e| {
        e.child_id = Some(child_id.to_string());
        e
    }));
    entries.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    Ok(entries)
}

/// One entry for a read of many children at once (a dashboard), with the children it read:
/// a narrow row per child instead of a whole entry per child.
pub fn append_for_children(
    conn: &mut DbConnection,
    entry: &NewEntry<'_>,
    child_ids: &[String],
) -> Result<(), StoreError> {
    let id = new_id();
    diesel::insert_into(access_log::table)
        .values((
            access_log::id.eq(&id),
            access_log::at.eq(now()),
            access_log::user_id.eq(entry.user_id),
            access_log::role.eq(entry.role),
            access_log::action.eq(entry.action),
            access_log::child_id.eq(None::<&str>),
            access_log::resource.eq(entry.resource),
            access_log::address.eq(entry.address),
            access_log::outcome.eq(entry.outcome),
        ))
        .execute(conn)?;
    // 2 values a row; SQLite takes at most 32,766 bound values in one statement.
    for chunk in child_ids.chunks(5000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|child| {
                (
                    access_log_children::entry_id.eq(&id),
                    access_log_children::child_id.eq(child),
                )
            })
            .collect();
        // Multi-row INSERT is not expressible through the multi backend: per backend.
        match conn {
            super::DbConnection::Postgres(pg) => {
                diesel::insert_into(access_log_children::table)
                    .values(&rows)
                    .execute(pg)?;
            }
            // In one transaction, single-row inserts are what SQLite does fastest anyway.
            super::DbConnection::Sqlite(lite) => {
                for row in rows {
                    diesel::insert_into(access_log_children::table)
                        .values(row)
                        .execute(lite)?;
                }
            }
        }
    }
    Ok(())
}
