//! Actions of a plan, their progress notes, and review conferences.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{action_progress, action_versions, actions, plans, reviews};
use super::{new_id, now, DbConnection, StoreError};
use crate::domain::case::{from_word, word};
use crate::domain::records::{ActionStatus, ReviewOutcome};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub id: String,
    pub plan_id: String,
    pub meeting_id: Option<String>,
    pub description: String,
    pub owner_id: String,
    pub agency_id: String,
    pub due_on: NaiveDate,
    pub status: ActionStatus,
    pub closed_on: Option<NaiveDate>,
    pub version: i32,
    pub created_by: String,
    pub created_on: NaiveDate,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = actions)]
struct ActionRow {
    id: String,
    plan_id: String,
    meeting_id: Option<String>,
    description: String,
    owner_id: String,
    agency_id: String,
    due_on: NaiveDate,
    status: String,
    closed_on: Option<NaiveDate>,
    version: i32,
    created_by: String,
    created_on: NaiveDate,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<ActionRow> for Action {
    type Error = StoreError;
    fn try_from(r: ActionRow) -> Result<Action, StoreError> {
        Ok(Action {
            status: from_word(&r.status).map_err(StoreError::Invalid)?,
            id: r.id,
            plan_id: r.plan_id,
            meeting_id: r.meeting_id,
            description: r.description,
            owner_id: r.owner_id,
            agency_id: r.agency_id,
            due_on: r.due_on,
            closed_on: r.closed_on,
            version: r.version,
            created_by: r.created_by,
            created_on: r.created_on,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// What a new action says.
pub struct NewAction<'a> {
    pub plan_id: &'a str,
    pub meeting_id: Option<&'a str>,
    pub description: &'a str,
    pub owner_id: &'a str,
    pub agency_id: &'a str,
    pub due_on: NaiveDate,
    pub created_by: &'a str,
    pub created_on: NaiveDate,
}

pub fn create(conn: &mut DbConnection, new: &NewAction<'_>) -> Result<Action, StoreError> {
    let at = now();
    let id = new_id();
    diesel::insert_into(actions::table)
        .values((
            actions::id.eq(&id),
            actions::plan_id.eq(new.plan_id),
            actions::meeting_id.eq(new.meeting_id),
            actions::description.eq(new.description),
            actions::owner_id.eq(new.owner_id),
            actions::agency_id.eq(new.agency_id),
            actions::due_on.eq(new.due_on),
            actions::status.eq(word(&ActionStatus::Open)),
            actions::version.eq(1),
            actions::created_by.eq(new.created_by),
            actions::created_on.eq(new.created_on),
            actions::created_at.eq(at),
            actions::updated_at.eq(at),
        ))
        .execute(conn)?;
    let action = get(conn, &id)?.ok_or(StoreError::NotFound)?;
    keep_version(conn, &action, at)?;
    Ok(action)
}

/// Keeps this version of the action: a status "as known" at an earlier moment reads the
/// version that stood then (domain.md §3).
fn keep_version(conn: &mut DbConnection, a: &Action, at: NaiveDateTime) -> Result<(), StoreError> {
    diesel::insert_into(action_versions::table)
        .values((
            action_versions::action_id.eq(&a.id),
            action_versions::version.eq(a.version),
            action_versions::description.eq(&a.description),
            action_versions::owner_id.eq(&a.owner_id),
            action_versions::agency_id.eq(&a.agency_id),
            action_versions::due_on.eq(a.due_on),
            action_versions::status.eq(word(&a.status)),
            action_versions::closed_on.eq(a.closed_on),
            action_versions::recorded_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// One version of an action, as it stood from `recorded_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionVersion {
    pub action_id: String,
    pub description: String,
    pub owner_id: String,
    pub agency_id: String,
    pub due_on: NaiveDate,
    pub status: ActionStatus,
    pub closed_on: Option<NaiveDate>,
    pub recorded_at: NaiveDateTime,
}

/// Every version of every action of these plans, oldest first.
pub fn versions_of_plans(
    conn: &mut DbConnection,
    plan_ids: &[String],
) -> Result<Vec<ActionVersion>, StoreError> {
    type Row = (
        String,
        String,
        String,
        String,
        NaiveDate,
        String,
        Option<NaiveDate>,
        NaiveDateTime,
    );
    let mut rows: Vec<Row> = Vec::new();
    for chunk in plan_ids.chunks(500) {
        rows.extend(
            action_versions::table
                .inner_join(actions::table)
                .filter(actions::plan_id.eq_any(chunk))
                .order((action_versions::action_id, action_versions::version))
                .select((
                    action_versions::action_id,
                    action_versions::description,
                    action_versions::owner_id,
                    action_versions::agency_id,
                    action_versions::due_on,
                    action_versions::status,
                    action_versions::closed_on,
                    action_versions::recorded_at,
                ))
                .load::<Row>(conn)?,
        );
    }
    rows.into_iter()
        .map(
            |(action_id, description, owner_id, agency_id, due_on, status, closed_on, at)| {
                Ok(ActionVersion {
                    status: from_word(&status).map_err(StoreError::Invalid)?,
                    action_id,
                    description,
                    owner_id,
                    agency_id,
                    due_on,
                    closed_on,
                    recorded_at: at,
                })
            },
        )
        .collect()
}

pub fn get(conn: &mut DbConnection, id: &str) -> Result<Option<Action>, StoreError> {
    actions::table
        .find(id)
        .select(ActionRow::as_select())
        .first(conn)
        .optional()?
        .map(Action::try_from)
        .transpose()
}

pub fn of_plan(conn: &mut DbConnection, plan_id: &str) -> Result<Vec<Action>, StoreError> {
    actions::table
        .filter(actions::plan_id.eq(plan_id))
        .order((actions::due_on, actions::created_at))
        .select(ActionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Action::try_from)
        .collect()
}

/// Every action a user owns, with the child each is for.
pub fn of_owner(
    conn: &mut DbConnection,
    owner_id: &str,
) -> Result<Vec<(Action, String)>, StoreError> {
    actions::table
        .inner_join(plans::table)
        .filter(actions::owner_id.eq(owner_id))
        .order((actions::due_on, actions::created_at))
        .select((ActionRow::as_select(), plans::child_id))
        .load::<(ActionRow, String)>(conn)?
        .into_iter()
        .map(|(row, child)| Ok((Action::try_from(row)?, child)))
        .collect()
}

/// Every action of the given plans (for reports).
pub fn of_plans(conn: &mut DbConnection, plan_ids: &[String]) -> Result<Vec<Action>, StoreError> {
    let mut all = Vec::new();
    // Bounded batches keep within SQLite's bound-parameter limit.
    for chunk in plan_ids.chunks(500) {
        let rows = actions::table
            .filter(actions::plan_id.eq_any(chunk))
            .select(ActionRow::as_select())
            .load(conn)?;
        for row in rows {
            all.push(Action::try_from(row)?);
        }
    }
    Ok(all)
}

/// Writes `changed` over the action if it is still at `changed.version - 1`; `false` when
/// someone else changed it first (nothing is written then).
pub fn update(conn: &mut DbConnection, changed: &Action) -> Result<bool, StoreError> {
    let rows = diesel::update(
        actions::table
            .find(&changed.id)
            .filter(actions::version.eq(changed.version - 1)),
    )
    .set((
        actions::description.eq(&changed.description),
        actions::owner_id.eq(&changed.owner_id),
        actions::agency_id.eq(&changed.agency_id),
        actions::due_on.eq(changed.due_on),
        actions::status.eq(word(&changed.status)),
        actions::closed_on.eq(changed.closed_on),
        actions::version.eq(changed.version),
        actions::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if rows == 1 {
        keep_version(conn, changed, now())?;
    }
    Ok(rows == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = action_progress)]
pub struct ProgressNote {
    pub id: String,
    pub action_id: String,
    pub author_id: String,
    pub note: String,
    pub recorded_at: NaiveDateTime,
}

pub fn add_progress(
    conn: &mut DbConnection,
    action_id: &str,
    author_id: &str,
    note: &str,
) -> Result<ProgressNote, StoreError> {
    let row = ProgressNote {
        id: new_id(),
        action_id: action_id.to_string(),
        author_id: author_id.to_string(),
        note: note.to_string(),
        recorded_at: now(),
    };
    diesel::insert_into(action_progress::table)
        .values((
            action_progress::id.eq(&row.id),
            action_progress::action_id.eq(&row.action_id),
            action_progress::author_id.eq(&row.author_id),
            action_progress::note.eq(&row.note),
            action_progress::recorded_at.eq(row.recorded_at),
        ))
        .execute(conn)?;
    Ok(row)
}

pub fn progress_of(
    conn: &mut DbConnection,
    action_id: &str,
) -> Result<Vec<ProgressNote>, StoreError> {
    Ok(action_progress::table
        .filter(action_progress::action_id.eq(action_id))
        .order((action_progress::recorded_at, action_progress::id))
        .select(ProgressNote::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub id: String,
    pub plan_id: String,
    pub held_on: NaiveDate,
    pub outcome: ReviewOutcome,
    pub notes: Option<String>,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
}

type ReviewRow = (
    String,
    String,
    NaiveDate,
    String,
    Option<String>,
    String,
    NaiveDateTime,
);

fn review_of(row: ReviewRow) -> Result<Review, StoreError> {
    let (id, plan_id, held_on, outcome, notes, recorded_by, created_at) = row;
    Ok(Review {
        id,
        plan_id,
        held_on,
        outcome: from_word(&outcome).map_err(StoreError::Invalid)?,
        notes,
        recorded_by,
        created_at,
    })
}

pub fn create_review(
    conn: &mut DbConnection,
    plan_id: &str,
    held_on: NaiveDate,
    outcome: ReviewOutcome,
    notes: Option<&str>,
    recorded_by: &str,
) -> Result<Review, StoreError> {
    let review = Review {
        id: new_id(),
        plan_id: plan_id.to_string(),
        held_on,
        outcome,
        notes: notes.map(String::from),
        recorded_by: recorded_by.to_string(),
        created_at: now(),
    };
    diesel::insert_into(reviews::table)
        .values((
            reviews::id.eq(&review.id),
            reviews::plan_id.eq(&review.plan_id),
            reviews::held_on.eq(review.held_on),
            reviews::outcome.eq(word(&review.outcome)),
            reviews::notes.eq(&review.notes),
            reviews::recorded_by.eq(&review.recorded_by),
            reviews::created_at.eq(review.created_at),
        ))
        .execute(conn)?;
    Ok(review)
}

pub fn reviews_of_plan(conn: &mut DbConnection, plan_id: &str) -> Result<Vec<Review>, StoreError> {
    reviews::table
        .filter(reviews::plan_id.eq(plan_id))
        .order((reviews::held_on, reviews::created_at))
        .select((
            reviews::id,
            reviews::plan_id,
            reviews::held_on,
            reviews::outcome,
            reviews::notes,
            reviews::recorded_by,
            reviews::created_at,
        ))
        .load::<ReviewRow>(conn)?
        .into_iter()
        .map(review_of)
        .collect()
}
