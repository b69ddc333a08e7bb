//! Reads for the management reports: narrow rows over many children at once.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::max;
use diesel::prelude::*;

use super::schema::{children, sightings, teams};
use super::{DbConnection, StoreError};
use crate::domain::case::{from_word, word};
use crate::domain::records::{Outcome, RecordStatus, SightingKind};

/// The words of the outcomes in which a child was seen.
fn seen_words() -> Vec<String> {
    [Outcome::SeenAlone, Outcome::SeenWithCarer, Outcome::Seen]
        .iter()
        .map(word)
        .collect()
}

/// (child, date) of every final, current social-care home visit in which the child was seen,
/// from `from` to `to` inclusive.
pub fn home_visits_seen(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(String, NaiveDate)>, StoreError> {
    Ok(sightings::table
        .filter(sightings::kind.eq(word(&SightingKind::HomeVisit)))
        .filter(sightings::by_social_care.eq(true))
        .filter(sightings::status.eq(word(&RecordStatus::Final)))
        .filter(sightings::superseded_by_id.is_null())
        .filter(sightings::outcome.eq_any(seen_words()))
        .filter(sightings::occurred_on.ge(from))
        .filter(sightings::occurred_on.le(to))
        .select((sightings::child_id, sightings::occurred_on))
        .load(conn)?)
}

/// Each child's latest such home visit before `before`.
pub fn latest_home_visit_before(
    conn: &mut DbConnection,
    before: NaiveDate,
) -> Result<Vec<(String, Option<NaiveDate>)>, StoreError> {
    Ok(sightings::table
        .filter(sightings::kind.eq(word(&SightingKind::HomeVisit)))
        .filter(sightings::by_social_care.eq(true))
        .filter(sightings::status.eq(word(&RecordStatus::Final)))
        .filter(sightings::superseded_by_id.is_null())
        .filter(sightings::outcome.eq_any(seen_words()))
        .filter(sightings::occurred_on.lt(before))
        .group_by(sightings::child_id)
        .select((sightings::child_id, max(sightings::occurred_on)))
        .load(conn)?)
}

/// Every team's name.
pub fn team_names(conn: &mut DbConnection) -> Result<Vec<(String, String)>, StoreError> {
    Ok(teams::table
        .order(teams::name)
        .select((teams::id, teams::name))
        .load(conn)?)
}

/// (child, family) for every child in a family.
pub fn families(conn: &mut DbConnection) -> Result<Vec<(String, String)>, StoreError> {
    let rows: Vec<(String, Option<String>)> = children::table
        .filter(children::family_id.is_not_null())
        .select((children::id, children::family_id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(child, family)| family.map(|f| (child, f)))
        .collect())
}

/// A contact record as the audit reads it.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: String,
    pub child_id: String,
    pub occurred_at: NaiveDateTime,
    pub occurred_on: NaiveDate,
    pub kind: SightingKind,
    pub outcome: Outcome,
    pub by_social_care: bool,
    pub observations: Option<String>,
    pub childs_voice: Option<String>,
}

type AuditTuple = (
    String,
    String,
    NaiveDateTime,
    NaiveDate,
    String,
    String,
    bool,
    Option<String>,
    Option<String>,
);

/// The final, current records of the given children from `from` to `to` inclusive.
pub fn records_of_children(
    conn: &mut DbConnection,
    child_ids: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<AuditRow>, StoreError> {
    let mut out = Vec::new();
    for chunk in child_ids.chunks(500) {
        let rows: Vec<AuditTuple> = sightings::table
            .filter(sightings::child_id.eq_any(chunk))
            .filter(sightings::status.eq(word(&RecordStatus::Final)))
            .filter(sightings::superseded_by_id.is_null())
            .filter(sightings::occurred_on.ge(from))
            .filter(sightings::occurred_on.le(to))
            .order((sightings::occurred_at, sightings::id))
            .select((
                sightings::id,
                sightings::child_id,
                sightings::occurred_at,
                sightings::occurred_on,
                sightings::kind,
                sightings::outcome,
                sightings::by_social_care,
                sightings::observations,
                sightings::childs_voice,
            ))
            .load(conn)?;
        for (id, child_id, occurred_at, occurred_on, kind, outcome, by_sc, obs, voice) in rows {
            out.push(AuditRow {
                id,
                child_id,
                occurred_at,
                occurred_on,
                kind: from_word(&kind).map_err(StoreError::Invalid)?,
                outcome: from_word(&outcome).map_err(StoreError::Invalid)?,
                by_social_care: by_sc,
                observations: obs,
                childs_voice: voice,
            });
        }
    }
    Ok(out)
}
