//! Sightings (contact records) and what is kept beside them: the per-child projection of
//! the latest dates each clock needs, idempotency keys, managers' decisions after failed visits.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{child_projections, idempotency_keys, sightings, visit_decisions};
use super::{new_id, now, DbConnection, StoreError};
use crate::domain::case::{from_word, word};
use crate::domain::records::{Location, Outcome, RecordStatus, SightingKind};

/// A stored sighting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    pub id: String,
    pub child_id: String,
    pub author_id: String,
    pub agency_id: String,
    pub by_social_care: bool,
    pub occurred_at: NaiveDateTime,
    pub occurred_on: NaiveDate,
    pub location: Location,
    pub kind: SightingKind,
    pub outcome: Outcome,
    pub announced: Option<bool>,
    pub bedroom_seen: Option<bool>,
    pub baby_awake: Option<bool>,
    pub observations: Option<String>,
    pub childs_voice: Option<String>,
    pub people_present: Option<String>,
    pub status: RecordStatus,
    pub finalised_at: Option<NaiveDateTime>,
    /// When its author withdrew it (a withdrawn draft is kept, and counts for nothing).
    pub withdrawn_at: Option<NaiveDateTime>,
    pub supersedes_id: Option<String>,
    pub superseded_by_id: Option<String>,
    /// When the correction that superseded it was recorded.
    pub superseded_at: Option<NaiveDateTime>,
    pub correction_reason: Option<String>,
    pub visit_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = sightings)]
struct SightingRow {
    id: String,
    child_id: String,
    author_id: String,
    agency_id: String,
    by_social_care: bool,
    occurred_at: NaiveDateTime,
    occurred_on: NaiveDate,
    location: String,
    kind: String,
    outcome: String,
    announced: Option<bool>,
    bedroom_seen: Option<bool>,
    baby_awake: Option<bool>,
    observations: Option<String>,
    childs_voice: Option<String>,
    people_present: Option<String>,
    status: String,
    finalised_at: Option<NaiveDateTime>,
    withdrawn_at: Option<NaiveDateTime>,
    supersedes_id: Option<String>,
    superseded_by_id: Option<String>,
    correction_reason: Option<String>,
    visit_id: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    superseded_at: Option<NaiveDateTime>,
}

impl TryFrom<SightingRow> for Sighting {
    type Error = StoreError;
    fn try_from(r: SightingRow) -> Result<Sighting, StoreError> {
        Ok(Sighting {
            location: from_word(&r.location).map_err(StoreError::Invalid)?,
            kind: from_word(&r.kind).map_err(StoreError::Invalid)?,
            outcome: from_word(&r.outcome).map_err(StoreError::Invalid)?,
            status: from_word(&r.status).map_err(StoreError::Invalid)?,
            id: r.id,
            child_id: r.child_id,
            author_id: r.author_id,
            agency_id: r.agency_id,
            by_social_care: r.by_social_care,
            occurred_at: r.occurred_at,
            occurred_on: r.occurred_on,
            announced: r.announced,
            bedroom_seen: r.bedroom_seen,
            baby_awake: r.baby_awake,
            observations: r.observations,
            childs_voice: r.childs_voice,
            people_present: r.people_present,
            finalised_at: r.finalised_at,
            withdrawn_at: r.withdrawn_at,
            supersedes_id: r.supersedes_id,
            superseded_by_id: r.superseded_by_id,
            superseded_at: r.superseded_at,
            correction_reason: r.correction_reason,
            visit_id: r.visit_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

impl From<&Sighting> for SightingRow {
    fn from(s: &Sighting) -> SightingRow {
        SightingRow {
            id: s.id.clone(),
            child_id: s.child_id.clone(),
            author_id: s.author_id.clone(),
            agency_id: s.agency_id.clone(),
            by_social_care: s.by_social_care,
            occurred_at: s.occurred_at,
            occurred_on: s.occurred_on,
            location: word(&s.location),
            kind: word(&s.kind),
            outcome: word(&s.outcome),
            announced: s.announced,
            bedroom_seen: s.bedroom_seen,
            baby_awake: s.baby_awake,
            observations: s.observations.clone(),
            childs_voice: s.childs_voice.clone(),
            people_present: s.people_present.clone(),
            status: word(&s.status),
            finalised_at: s.finalised_at,
            withdrawn_at: s.withdrawn_at,
            supersedes_id: s.supersedes_id.clone(),
            superseded_by_id: s.superseded_by_id.clone(),
            superseded_at: s.superseded_at,
            correction_reason: s.correction_reason.clone(),
            visit_id: s.visit_id.clone(),
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// Stores a new sighting (its id and times already set) and refreshes the child's projection.
pub fn insert(conn: &mut DbConnection, sighting: &Sighting) -> Result<(), StoreError> {
    diesel::insert_into(sightings::table)
        .values(SightingRow::from(sighting))
        .execute(conn)?;
    refresh_projection(conn, &sighting.child_id)
}

pub fn get(conn: &mut DbConnection, id: &str) -> Result<Option<Sighting>, StoreError> {
    sightings::table
        .find(id)
        .select(SightingRow::as_select())
        .first(conn)
        .optional()?
        .map(Sighting::try_from)
        .transpose()
}

/// Rewrites a draft in place (only drafts are ever rewritten: a final record is a fact).
pub fn update_draft(conn: &mut DbConnection, sighting: &Sighting) -> Result<bool, StoreError> {
    let changed = diesel::update(
        sightings::table
            .find(&sighting.id)
            .filter(sightings::status.eq("draft")),
    )
    .set(SightingRow::from(sighting))
    .execute(conn)?;
    refresh_projection(conn, &sighting.child_id)?;
    Ok(changed == 1)
}

/// Marks a draft withdrawn at `at` (the row stays, for the audit trail). `false` when it was
/// no longer a draft.
pub fn withdraw(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> Result<bool, StoreError> {
    let changed = diesel::update(
        sightings::table
            .find(id)
            .filter(sightings::status.eq(word(&RecordStatus::Draft))),
    )
    .set((
        sightings::status.eq(word(&RecordStatus::Withdrawn)),
        sightings::withdrawn_at.eq(Some(at)),
        sightings::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// An author's drafts (not final, not withdrawn), the latest contact first.
pub fn drafts_of_author(
    conn: &mut DbConnection,
    author_id: &str,
) -> Result<Vec<Sighting>, StoreError> {
    sightings::table
        .filter(sightings::author_id.eq(author_id))
        .filter(sightings::status.eq(word(&RecordStatus::Draft)))
        .order((
            sightings::occurred_at.desc(),
            sightings::created_at.desc(),
            sightings::id,
        ))
        .select(SightingRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Sighting::try_from)
        .collect()
}

/// Stores `correction` as the new final version of `original`, which it supersedes.
/// A `Conflict` (and, in the caller's transaction, no change) when `original` is not the
/// current final version.
pub fn supersede(
    conn: &mut DbConnection,
    original_id: &str,
    correction: &Sighting,
) -> Result<(), StoreError> {
    diesel::insert_into(sightings::table)
        .values(SightingRow::from(correction))
        .execute(conn)?;
    let changed = diesel::update(
        sightings::table
            .find(original_id)
            .filter(sightings::superseded_by_id.is_null())
            .filter(sightings::status.eq("final")),
    )
    .set((
        sightings::superseded_by_id.eq(Some(&correction.id)),
        sightings::superseded_at.eq(Some(correction.created_at)),
        sightings::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if changed != 1 {
        return Err(StoreError::Conflict(
            "this record has already been corrected, or is still a draft; correct the latest final version".into(),
        ));
    }
    refresh_projection(conn, &correction.child_id)
}

/// Every record of a child (all versions), in the order they happened.
pub fn of_child(conn: &mut DbConnection, child_id: &str) -> Result<Vec<Sighting>, StoreError> {
    sightings::table
        .filter(sightings::child_id.eq(child_id))
        .order((sightings::occurred_at, sightings::created_at))
        .select(SightingRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Sighting::try_from)
        .collect()
}

const SEEN: [&str; 3] = ["seen_alone", "seen_with_carer", "seen"];

/// Recomputes the child's latest dates from its current final records. Runs in the same
/// transaction as every change to the child's records, so the projection never lags.
pub fn refresh_projection(conn: &mut DbConnection, child_id: &str) -> Result<(), StoreError> {
    use diesel::dsl::max;
    // One refresh per child at a time: two transactions recording for the same child would
    // otherwise each miss the other's record (a lost update) and collide on the row. SQLite
    // has one writer already; PostgreSQL locks the child's row. `FOR NO KEY UPDATE` does not
    // conflict with the key-share locks that inserting the records themselves takes.
    if let DbConnection::Postgres(pg) = conn {
        use super::schema::children;
        children::table
            .find(child_id)
            .select(children::id)
            .for_no_key_update()
            .first::<String>(pg)
            .optional()?;
    }
    let counting = || {
        sightings::table
            .filter(sightings::child_id.eq(child_id))
            .filter(sightings::status.eq("final"))
            .filter(sightings::superseded_by_id.is_null())
            .filter(sightings::outcome.eq_any(SEEN))
    };
    let any: Option<NaiveDate> = counting().select(max(sightings::occurred_on)).first(conn)?;
    let social: Option<NaiveDate> = counting()
        .filter(sightings::by_social_care.eq(true))
        .select(max(sightings::occurred_on))
        .first(conn)?;
    let home: Option<NaiveDate> = counting()
        .filter(sightings::by_social_care.eq(true))
        .filter(sightings::kind.eq("home_visit"))
        .select(max(sightings::occurred_on))
        .first(conn)?;
    diesel::delete(child_projections::table.find(child_id)).execute(conn)?;
    diesel::insert_into(child_projections::table)
        .values((
            child_projections::child_id.eq(child_id),
            child_projections::last_seen_any.eq(any),
            child_projections::last_seen_social_worker.eq(social),
            child_projections::last_home_visit_seen.eq(home),
            child_projections::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The latest dates of a child as projected: (any agency, social worker, home visit).
pub type Projection = (Option<NaiveDate>, Option<NaiveDate>, Option<NaiveDate>);

pub fn projection(conn: &mut DbConnection, child_id: &str) -> Result<Projection, StoreError> {
    Ok(child_projections::table
        .find(child_id)
        .select((
            child_projections::last_seen_any,
            child_projections::last_seen_social_worker,
            child_projections::last_home_visit_seen,
        ))
        .first(conn)
        .optional()?
        .unwrap_or((None, None, None)))
}

/// What an idempotency key was first used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentResult {
    pub request_hash: String,
    pub resource_ids: Vec<String>,
}

pub fn find_idempotency_key(
    conn: &mut DbConnection,
    user_id: &str,
    key: &str,
) -> Result<Option<IdempotentResult>, StoreError> {
    let found: Option<(String, String)> = idempotency_keys::table
        .find((user_id, key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::resource_ids,
        ))
        .first(conn)
        .optional()?;
    Ok(found.map(|(request_hash, ids)| IdempotentResult {
        request_hash,
        resource_ids: ids
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
    }))
}

pub fn remember_idempotency_key(
    conn: &mut DbConnection,
    user_id: &str,
    key: &str,
    request_hash: &str,
    resource_ids: &[String],
) -> Result<(), StoreError> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user_id),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::resource_ids.eq(resource_ids.join(",")),
            idempotency_keys::created_at.eq(now()),
        ))
        .execute(conn)
        .map_err(|e| {
            StoreError::from(e).on_unique("this Idempotency-Key is being used by another request")
        })?;
    Ok(())
}

/// A team manager's decision after a failed home visit.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = visit_decisions)]
pub struct VisitDecision {
    pub id: String,
    pub sighting_id: String,
    pub decided_by: String,
    /// When the discussion took place (seed 001 §3), which may be before it was recorded.
    pub decided_at: NaiveDateTime,
    pub decision: String,
    pub recorded_at: NaiveDateTime,
}

pub fn record_decision(
    conn: &mut DbConnection,
    sighting_id: &str,
    decided_by: &str,
    decided_at: NaiveDateTime,
    decision: &str,
) -> Result<VisitDecision, StoreError> {
    let row = VisitDecision {
        id: new_id(),
        sighting_id: sighting_id.to_string(),
        decided_by: decided_by.to_string(),
        decided_at,
        decision: decision.to_string(),
        recorded_at: now(),
    };
    diesel::insert_into(visit_decisions::table)
        .values((
            visit_decisions::id.eq(&row.id),
            visit_decisions::sighting_id.eq(&row.sighting_id),
            visit_decisions::decided_by.eq(&row.decided_by),
            visit_decisions::decided_at.eq(row.decided_at),
            visit_decisions::decision.eq(&row.decision),
            visit_decisions::recorded_at.eq(row.recorded_at),
        ))
        .execute(conn)?;
    Ok(row)
}

pub fn decisions_of_child(
    conn: &mut DbConnection,
    child_id: &str,
) -> Result<Vec<VisitDecision>, StoreError> {
    Ok(visit_decisions::table
        .inner_join(sightings::table)
        .filter(sightings::child_id.eq(child_id))
        .order(visit_decisions::decided_at)
        .select(VisitDecision::as_select())
        .load(conn)?)
}

/// The latest dates each clock needs, per child, counting only records on or before `on`
/// that were final, in the version that stood, at `known_at` (domain.md §3): for a dashboard
/// asked about a past date or moment, when the projection (which is "now") will not do.
pub fn latest_on(
    conn: &mut DbConnection,
    child_ids: &[String],
    on: NaiveDate,
    known_at: NaiveDateTime,
) -> Result<std::collections::HashMap<String, crate::domain::rules::Latest>, StoreError> {
    use diesel::dsl::max;
    // Many children: one pass over the records beats hundreds of lists of ids (at 50,000
    // children, 1.5 s against 10 s).
    if child_ids.len() > WHOLE_TABLE_FROM {
        let wanted: std::collections::HashSet<&str> =
            child_ids.iter().map(String::as_str).collect();
        return Ok(latest_of_every_child(conn, on, known_at)?
            .into_iter()
            .filter(|(child, _)| wanted.contains(child.as_str()))
            .collect());
    }
    let mut latest: std::collections::HashMap<String, crate::domain::rules::Latest> =
        std::collections::HashMap::new();
    for chunk in child_ids.chunks(500) {
        let counting = || {
            sightings::table
                .filter(sightings::child_id.eq_any(chunk))
                .filter(sightings::finalised_at.le(known_at))
                .filter(
                    sightings::superseded_at
                        .is_null()
                        .or(sightings::superseded_at.gt(known_at)),
                )
                .filter(sightings::outcome.eq_any(SEEN))
                .filter(sightings::occurred_on.le(on))
        };
        let any: Vec<(String, Option<NaiveDate>)> = counting()
            .group_by(sightings::child_id)
            .select((sightings::child_id, max(sightings::occurred_on)))
            .load(conn)?;
        for (child, date) in any {
            latest.entry(child).or_default().seen_any = date;
        }
        let social: Vec<(String, Option<NaiveDate>)> = counting()
            .filter(sightings::by_social_care.eq(true))
            .group_by(sightings::child_id)
            .select((sightings::child_id, max(sightings::occurred_on)))
            .load(conn)?;
        for (child, date) in social {
            latest.entry(child).or_default().seen_by_social_care = date;
        }
        let home: Vec<(String, Option<NaiveDate>)> = counting()
            .filter(sightings::by_social_care.eq(true))
            .filter(sightings::kind.eq("home_visit"))
            .group_by(sightings::child_id)
            .select((sightings::child_id, max(sightings::occurred_on)))
            .load(conn)?;
        for (child, date) in home {
            latest.entry(child).or_default().home_visit_seen = date;
        }
    }
    Ok(latest)
}

/// From how many children [`latest_on`] reads every child's records in one pass.
const WHOLE_TABLE_FROM: usize = 2_000;

#[derive(QueryableByName)]
struct LatestRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    child_id: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    seen_any: Option<NaiveDate>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    seen_by_social_care: Option<NaiveDate>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    home_visit_seen: Option<NaiveDate>,
}

/// [`latest_on`] for every child at once: one grouped pass with the three dates side by side.
pub fn latest_of_every_child(
    conn: &mut DbConnection,
    on: NaiveDate,
    known_at: NaiveDateTime,
) -> Result<std::collections::HashMap<String, crate::domain::rules::Latest>, StoreError> {
    use diesel::sql_types::{Date, Timestamp};
    // The same conditions as the chunked queries: seen, on or before `on`, final and the
    // current version at `known_at`.
    let sql = |on: &str, at: &str| {
        format!(
            "SELECT child_id, MAX(occurred_on) AS seen_any, \
               MAX(CASE WHEN by_social_care THEN occurred_on END) AS seen_by_social_care, \
               MAX(CASE WHEN by_social_care AND kind = 'home_visit' THEN occurred_on END) \
                 AS home_visit_seen \
             FROM sightings \
             WHERE outcome IN ('seen_alone', 'seen_with_carer', 'seen') \
               AND occurred_on <= {on} AND finalised_at <= {at} \
               AND (superseded_at IS NULL OR superseded_at > {at}) \
             GROUP BY child_id"
        )
    };
    let rows: Vec<LatestRow> = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(sql("$1", "$2"))
            .bind::<Date, _>(on)
            .bind::<Timestamp, _>(known_at)
            .load(pg)?,
        DbConnection::Sqlite(lite) => diesel::sql_query(sql("?1", "?2"))
            .bind::<Date, _>(on)
            .bind::<Timestamp, _>(known_at)
            .load(lite)?,
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.child_id,
                crate::domain::rules::Latest {
                    seen_any: r.seen_any,
                    seen_by_social_care: r.seen_by_social_care,
                    home_visit_seen: r.home_visit_seen,
                },
            )
        })
        .collect())
}

/// Stores many sightings at once without refreshing projections (bulk loads call
/// [`refresh_projection`] once per child afterwards).
pub fn insert_many(conn: &mut DbConnection, many: &[Sighting]) -> Result<(), StoreError> {
    for chunk in many.chunks(500) {
        let rows: Vec<SightingRow> = chunk.iter().map(SightingRow::from).collect();
        // Multi-row INSERT is not expressible through the multi backend: per backend.
        match conn {
            DbConnection::Postgres(pg) => {
                diesel::insert_into(sightings::table)
                    .values(&rows)
                    .execute(pg)?;
            }
            DbConnection::Sqlite(lite) => {
                for row in &rows {
                    diesel::insert_into(sightings::table)
                        .values(row)
                        .execute(lite)?;
                }
            }
        }
    }
    Ok(())
}

/// The records made together at one family visit, oldest child first.
pub fn of_visit(conn: &mut DbConnection, visit_id: &str) -> Result<Vec<Sighting>, StoreError> {
    sightings::table
        .filter(sightings::visit_id.eq(visit_id))
        .order((sightings::created_at, sightings::id))
        .select(SightingRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Sighting::try_from)
        .collect()
}
