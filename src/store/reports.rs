//! Reads for the management reports: narrow rows over many children at once.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::max;
use diesel::prelude::*;

use super::actions::Action;
use super::cases::Member;
use super::meetings::{AttendanceRecord, Meeting};
use super::minutes::{Minutes, Receipt};
use super::schema::{
    agencies, children, core_group_members, meeting_attendance, meetings, minutes,
    minutes_distribution, sightings, teams, users,
};
use super::{DbConnection, StoreError};
use crate::domain::case::{from_word, word};
use crate::domain::records::{Outcome, SightingKind};

/// The words of the outcomes in which a child was seen.
fn seen_words() -> Vec<String> {
    [Outcome::SeenAlone, Outcome::SeenWithCarer, Outcome::Seen]
        .iter()
        .map(word)
        .collect()
}

/// (child, date) of every social-care home visit in which the child was seen, from `from` to
/// `to` inclusive, final in the version that stood at `known_at` (domain.md §3).
pub fn home_visits_seen(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    known_at: NaiveDateTime,
) -> Result<Vec<(String, NaiveDate)>, StoreError> {
    Ok(sightings::table
        .filter(sightings::kind.eq(word(&SightingKind::HomeVisit)))
        .filter(sightings::by_social_care.eq(true))
        .filter(sightings::finalised_at.le(known_at))
        .filter(
            sightings::superseded_at
                .is_null()
                .or(sightings::superseded_at.gt(known_at)),
        )
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
    known_at: NaiveDateTime,
) -> Result<Vec<(String, Option<NaiveDate>)>, StoreError> {
    Ok(sightings::table
        .filter(sightings::kind.eq(word(&SightingKind::HomeVisit)))
        .filter(sightings::by_social_care.eq(true))
        .filter(sightings::finalised_at.le(known_at))
        .filter(
            sightings::superseded_at
                .is_null()
                .or(sightings::superseded_at.gt(known_at)),
        )
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
    known_at: NaiveDateTime,
) -> Result<Vec<AuditRow>, StoreError> {
    let mut out = Vec::new();
    for chunk in child_ids.chunks(500) {
        let rows: Vec<AuditTuple> = sightings::table
            .filter(sightings::child_id.eq_any(chunk))
            .filter(sightings::finalised_at.le(known_at))
            .filter(
                sightings::superseded_at
                    .is_null()
                    .or(sightings::superseded_at.gt(known_at)),
            )
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

/// Everything about the core groups of many plans, read in a few queries per 500 plans
/// rather than a few per plan.
#[derive(Debug, Default)]
pub struct CoreGroupRows {
    /// (member, user name, agency name).
    pub members: Vec<(Member, String, String)>,
    pub meetings: Vec<Meeting>,
    pub attendance: Vec<AttendanceRecord>,
    pub minutes: Vec<Minutes>,
    pub receipts: Vec<Receipt>,
    pub actions: Vec<Action>,
    pub attendance_versions: Vec<super::meetings::AttendanceVersion>,
    pub action_versions: Vec<super::actions::ActionVersion>,
}

/// The core group rows of the given plans, by plan.
pub fn core_groups_of_plans(
    conn: &mut DbConnection,
    plan_ids: &[String],
) -> Result<HashMap<String, CoreGroupRows>, StoreError> {
    let mut by_plan: HashMap<String, CoreGroupRows> = HashMap::new();
    for chunk in plan_ids.chunks(500) {
        let members: Vec<(Member, String, String)> = core_group_members::table
            .inner_join(users::table.on(users::id.eq(core_group_members::user_id)))
            .inner_join(agencies::table.on(agencies::id.eq(core_group_members::agency_id)))
            .filter(core_group_members::plan_id.eq_any(chunk))
            .order((
                core_group_members::from_date,
                core_group_members::created_at,
            ))
            .select((Member::as_select(), users::name, agencies::name))
            .load(conn)?;
        for row in members {
            by_plan
                .entry(row.0.plan_id.clone())
                .or_default()
                .members
                .push(row);
        }
        let held: Vec<Meeting> = meetings::table
            .filter(meetings::plan_id.eq_any(chunk))
            .order((meetings::held_on, meetings::created_at))
            .select(Meeting::as_select())
            .load(conn)?;
        let plan_of: HashMap<String, String> = held
            .iter()
            .map(|m| (m.id.clone(), m.plan_id.clone()))
            .collect();
        for meeting in held {
            by_plan
                .entry(meeting.plan_id.clone())
                .or_default()
                .meetings
                .push(meeting);
        }
        let attendance: Vec<(String, String, String, Option<String>)> = meeting_attendance::table
            .inner_join(meetings::table)
            .filter(meetings::plan_id.eq_any(chunk))
            .select((
                meeting_attendance::meeting_id,
                meeting_attendance::user_id,
                meeting_attendance::status,
                meeting_attendance::contribution,
            ))
            .load(conn)?;
        for (meeting_id, user_id, status, contribution) in attendance {
            let Some(plan) = plan_of.get(&meeting_id) else {
                continue;
            };
            by_plan
                .entry(plan.clone())
                .or_default()
                .attendance
                .push(AttendanceRecord {
                    meeting_id,
                    user_id,
                    status: from_word(&status).map_err(StoreError::Invalid)?,
                    contribution,
                });
        }
        let written: Vec<Minutes> = minutes::table
            .inner_join(meetings::table)
            .filter(meetings::plan_id.eq_any(chunk))
            .select(Minutes::as_select())
            .load(conn)?;
        let plan_of_minutes: HashMap<String, String> = written
            .iter()
            .filter_map(|m| {
                plan_of
                    .get(&m.meeting_id)
                    .map(|p| (m.id.clone(), p.clone()))
            })
            .collect();
        for m in written {
            if let Some(plan) = plan_of.get(&m.meeting_id) {
                by_plan.entry(plan.clone()).or_default().minutes.push(m);
            }
        }
        let receipts: Vec<Receipt> = minutes_distribution::table
            .inner_join(minutes::table.inner_join(meetings::table))
            .filter(meetings::plan_id.eq_any(chunk))
            .select(Receipt::as_select())
            .load(conn)?;
        for r in receipts {
            if let Some(plan) = plan_of_minutes.get(&r.minutes_id) {
                by_plan.entry(plan.clone()).or_default().receipts.push(r);
            }
        }
    }
    let mut plan_of_action: HashMap<String, String> = HashMap::new();
    for action in super::actions::of_plans(conn, plan_ids)? {
        plan_of_action.insert(action.id.clone(), action.plan_id.clone());
        by_plan
            .entry(action.plan_id.clone())
            .or_default()
            .actions
            .push(action);
    }
    for version in super::actions::versions_of_plans(conn, plan_ids)? {
        if let Some(plan) = plan_of_action.get(&version.action_id) {
            by_plan
                .entry(plan.clone())
                .or_default()
                .action_versions
                .push(version);
        }
    }
    let plan_of_meeting: HashMap<String, String> = by_plan
        .iter()
        .flat_map(|(plan, rows)| {
            rows.meetings
                .iter()
                .map(move |m| (m.id.clone(), plan.clone()))
        })
        .collect();
    for version in super::meetings::attendance_versions_of_plans(conn, plan_ids)? {
        if let Some(plan) = plan_of_meeting.get(&version.meeting_id) {
            by_plan
                .entry(plan.clone())
                .or_default()
                .attendance_versions
                .push(version);
        }
    }
    Ok(by_plan)
}
