//! Minutes of core group meetings, who they were sent to and who has read them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{meetings, minutes, minutes_distribution};
use super::{new_id, now, DbConnection, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = minutes)]
pub struct Minutes {
    pub id: String,
    pub meeting_id: String,
    /// Set on an addendum: the minutes it adds to.
    pub addendum_to: Option<String>,
    pub body: String,
    pub author_id: String,
    pub version: i32,
    pub published_at: Option<NaiveDateTime>,
    pub published_on: Option<NaiveDate>,
    pub published_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Minutes {
    pub fn is_published(&self) -> bool {
        self.published_at.is_some()
    }
}

/// One member the published minutes were sent to, and whether they have read them.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = minutes_distribution)]
pub struct Receipt {
    pub minutes_id: String,
    pub user_id: String,
    pub agency_id: String,
    pub distributed_at: NaiveDateTime,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub acknowledged_on: Option<NaiveDate>,
}

pub fn create_draft(
    conn: &mut DbConnection,
    meeting_id: &str,
    addendum_to: Option<&str>,
    body: &str,
    author_id: &str,
) -> Result<Minutes, StoreError> {
    let at = now();
    let row = Minutes {
        id: new_id(),
        meeting_id: meeting_id.to_string(),
        addendum_to: addendum_to.map(String::from),
        body: body.to_string(),
        author_id: author_id.to_string(),
        version: 1,
        published_at: None,
        published_on: None,
        published_by: None,
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(minutes::table)
        .values((
            minutes::id.eq(&row.id),
            minutes::meeting_id.eq(&row.meeting_id),
            minutes::addendum_to.eq(&row.addendum_to),
            minutes::body.eq(&row.body),
            minutes::author_id.eq(&row.author_id),
            minutes::version.eq(row.version),
            minutes::created_at.eq(row.created_at),
            minutes::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
        .map_err(|e| {
            StoreError::from(e).on_unique(
                "this meeting has minutes already; edit that draft, or add an addendum once published",
            )
        })?;
    Ok(row)
}

pub fn get(conn: &mut DbConnection, id: &str) -> Result<Option<Minutes>, StoreError> {
    Ok(minutes::table
        .find(id)
        .select(Minutes::as_select())
        .first(conn)
        .optional()?)
}

/// The meeting's minutes (not addenda), if any.
pub fn main_of_meeting(
    conn: &mut DbConnection,
    meeting_id: &str,
) -> Result<Option<Minutes>, StoreError> {
    Ok(minutes::table
        .filter(minutes::meeting_id.eq(meeting_id))
        .filter(minutes::addendum_to.is_null())
        .select(Minutes::as_select())
        .first(conn)
        .optional()?)
}

pub fn of_meeting(conn: &mut DbConnection, meeting_id: &str) -> Result<Vec<Minutes>, StoreError> {
    Ok(minutes::table
        .filter(minutes::meeting_id.eq(meeting_id))
        .order((minutes::created_at, minutes::id))
        .select(Minutes::as_select())
        .load(conn)?)
}

pub fn of_plan(conn: &mut DbConnection, plan_id: &str) -> Result<Vec<Minutes>, StoreError> {
    Ok(minutes::table
        .inner_join(meetings::table)
        .filter(meetings::plan_id.eq(plan_id))
        .order((minutes::created_at, minutes::id))
        .select(Minutes::as_select())
        .load(conn)?)
}

/// Replaces a draft's text if it is still at `version`; answers the new row, or `None` when
/// someone else changed or published it first (nothing is written then).
pub fn update_draft(
    conn: &mut DbConnection,
    id: &str,
    version: i32,
    body: &str,
) -> Result<Option<Minutes>, StoreError> {
    let changed = diesel::update(
        minutes::table
            .find(id)
            .filter(minutes::version.eq(version))
            .filter(minutes::published_at.is_null()),
    )
    .set((
        minutes::body.eq(body),
        minutes::version.eq(version + 1),
        minutes::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    get(conn, id)
}

/// Publishes a draft still at `version`; `false` when it had changed or was published already.
pub fn publish(
    conn: &mut DbConnection,
    id: &str,
    version: i32,
    by: &str,
    at: NaiveDateTime,
    on: NaiveDate,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        minutes::table
            .find(id)
            .filter(minutes::version.eq(version))
            .filter(minutes::published_at.is_null()),
    )
    .set((
        minutes::published_at.eq(Some(at)),
        minutes::published_on.eq(Some(on)),
        minutes::published_by.eq(Some(by)),
        minutes::version.eq(version + 1),
        minutes::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Sends published minutes to each (member, agency).
pub fn distribute(
    conn: &mut DbConnection,
    minutes_id: &str,
    recipients: &[(String, String)],
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    for (user_id, agency_id) in recipients {
        diesel::insert_into(minutes_distribution::table)
            .values((
                minutes_distribution::minutes_id.eq(minutes_id),
                minutes_distribution::user_id.eq(user_id),
                minutes_distribution::agency_id.eq(agency_id),
                minutes_distribution::distributed_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn receipts(conn: &mut DbConnection, minutes_id: &str) -> Result<Vec<Receipt>, StoreError> {
    Ok(minutes_distribution::table
        .filter(minutes_distribution::minutes_id.eq(minutes_id))
        .order(minutes_distribution::user_id)
        .select(Receipt::as_select())
        .load(conn)?)
}

/// Every receipt for every set of minutes of a plan's meetings.
pub fn receipts_of_plan(
    conn: &mut DbConnection,
    plan_id: &str,
) -> Result<Vec<Receipt>, StoreError> {
    Ok(minutes_distribution::table
        .inner_join(minutes::table.inner_join(meetings::table))
        .filter(meetings::plan_id.eq(plan_id))
        .select(Receipt::as_select())
        .load(conn)?)
}

/// Records that `user_id` has read the minutes and answers their receipt; `None` when the
/// minutes were not sent to them. A second acknowledgement keeps the first date.
pub fn acknowledge(
    conn: &mut DbConnection,
    minutes_id: &str,
    user_id: &str,
    at: NaiveDateTime,
    on: NaiveDate,
) -> Result<Option<Receipt>, StoreError> {
    let sent = minutes_distribution::table
        .find((minutes_id, user_id))
        .select(Receipt::as_select())
        .first(conn)
        .optional()?;
    let Some(mut receipt) = sent else {
        return Ok(None);
    };
    if receipt.acknowledged_at.is_none() {
        diesel::update(minutes_distribution::table.find((minutes_id, user_id)))
            .set((
                minutes_distribution::acknowledged_at.eq(Some(at)),
                minutes_distribution::acknowledged_on.eq(Some(on)),
            ))
            .execute(conn)?;
        receipt.acknowledged_at = Some(at);
        receipt.acknowledged_on = Some(on);
    }
    Ok(Some(receipt))
}
