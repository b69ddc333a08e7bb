//! Core group meetings and attendance.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{attendance_versions, meeting_attendance, meetings};
use super::{new_id, now, DbConnection, StoreError};
use crate::domain::case::{from_word, word};
use crate::domain::records::Attendance;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = meetings)]
pub struct Meeting {
    pub id: String,
    pub plan_id: String,
    pub held_on: NaiveDate,
    pub chair_id: Option<String>,
    pub urgent: bool,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// One member's attendance at a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceRecord {
    pub meeting_id: String,
    pub user_id: String,
    pub status: Attendance,
    pub contribution: Option<String>,
}

pub fn create(
    conn: &mut DbConnection,
    plan_id: &str,
    held_on: NaiveDate,
    chair_id: Option<&str>,
    urgent: bool,
    created_by: &str,
) -> Result<Meeting, StoreError> {
    let meeting = Meeting {
        id: new_id(),
        plan_id: plan_id.to_string(),
        held_on,
        chair_id: chair_id.map(String::from),
        urgent,
        created_by: created_by.to_string(),
        created_at: now(),
    };
    diesel::insert_into(meetings::table)
        .values((
            meetings::id.eq(&meeting.id),
            meetings::plan_id.eq(&meeting.plan_id),
            meetings::held_on.eq(meeting.held_on),
            meetings::chair_id.eq(&meeting.chair_id),
            meetings::urgent.eq(meeting.urgent),
            meetings::created_by.eq(&meeting.created_by),
            meetings::created_at.eq(meeting.created_at),
        ))
        .execute(conn)?;
    Ok(meeting)
}

pub fn get(conn: &mut DbConnection, id: &str) -> Result<Option<Meeting>, StoreError> {
    Ok(meetings::table
        .find(id)
        .select(Meeting::as_select())
        .first(conn)
        .optional()?)
}

pub fn of_plan(conn: &mut DbConnection, plan_id: &str) -> Result<Vec<Meeting>, StoreError> {
    Ok(meetings::table
        .filter(meetings::plan_id.eq(plan_id))
        .order((meetings::held_on, meetings::created_at))
        .select(Meeting::as_select())
        .load(conn)?)
}

/// Replaces the attendance recorded for a meeting.
pub fn set_attendance(
    conn: &mut DbConnection,
    meeting_id: &str,
    records: &[AttendanceRecord],
    recorded_by: &str,
) -> Result<(), StoreError> {
    diesel::delete(meeting_attendance::table.filter(meeting_attendance::meeting_id.eq(meeting_id)))
        .execute(conn)?;
    let at = now();
    for record in records {
        diesel::insert_into(meeting_attendance::table)
            .values((
                meeting_attendance::meeting_id.eq(meeting_id),
                meeting_attendance::user_id.eq(&record.user_id),
                meeting_attendance::status.eq(word(&record.status)),
                meeting_attendance::contribution.eq(&record.contribution),
                meeting_attendance::recorded_by.eq(recorded_by),
                meeting_attendance::recorded_at.eq(at),
            ))
            .execute(conn)?;
    }
    // The list as recorded now, kept beside the ones it replaces (domain.md §3 "as known").
    let entries: Vec<KeptAttendance> = records
        .iter()
        .map(|r| KeptAttendance {
            user_id: r.user_id.clone(),
            status: r.status,
            contribution: r.contribution.clone(),
        })
        .collect();
    let entries = serde_json::to_string(&entries)
        .map_err(|e| StoreError::Invalid(format!("attendance not storable: {e}")))?;
    diesel::insert_into(attendance_versions::table)
        .values((
            attendance_versions::id.eq(new_id()),
            attendance_versions::meeting_id.eq(meeting_id),
            attendance_versions::entries.eq(entries),
            attendance_versions::recorded_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(serde::Serialize, serde::Deserialize)]
struct KeptAttendance {
    user_id: String,
    status: Attendance,
    #[serde(default)]
    contribution: Option<String>,
}

/// One attendance list of a meeting, as it stood from `recorded_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceVersion {
    pub meeting_id: String,
    pub entries: Vec<(String, Attendance)>,
    /// Each entry's record, with the contribution written then.
    pub records: Vec<AttendanceRecord>,
    pub recorded_at: NaiveDateTime,
}

/// Every attendance list recorded for the meetings of a plan, oldest first.
pub fn attendance_versions_of_plan(
    conn: &mut DbConnection,
    plan_id: &str,
) -> Result<Vec<AttendanceVersion>, StoreError> {
    attendance_versions_of_plans(conn, &[plan_id.to_string()])
}

/// The same for many plans.
pub fn attendance_versions_of_plans(
    conn: &mut DbConnection,
    plan_ids: &[String],
) -> Result<Vec<AttendanceVersion>, StoreError> {
    let mut rows: Vec<(String, String, NaiveDateTime)> = Vec::new();
    for chunk in plan_ids.chunks(500) {
        rows.extend(
            attendance_versions::table
                .inner_join(meetings::table)
                .filter(meetings::plan_id.eq_any(chunk))
                .order((attendance_versions::recorded_at, attendance_versions::id))
                .select((
                    attendance_versions::meeting_id,
                    attendance_versions::entries,
                    attendance_versions::recorded_at,
                ))
                .load::<(String, String, NaiveDateTime)>(conn)?,
        );
    }
    rows.into_iter()
        .map(|(meeting_id, entries, recorded_at)| {
            let kept: Vec<KeptAttendance> = serde_json::from_str(&entries).map_err(|e| {
                StoreError::Invalid(format!("stored attendance not understood: {e}"))
            })?;
            Ok(AttendanceVersion {
                entries: kept.iter().map(|k| (k.user_id.clone(), k.status)).collect(),
                records: kept
                    .into_iter()
                    .map(|k| AttendanceRecord {
                        meeting_id: meeting_id.clone(),
                        user_id: k.user_id,
                        status: k.status,
                        contribution: k.contribution,
                    })
                    .collect(),
                meeting_id,
                recorded_at,
            })
        })
        .collect()
}

/// The attendance of every meeting of a plan.
pub fn attendance_of_plan(
    conn: &mut DbConnection,
    plan_id: &str,
) -> Result<Vec<AttendanceRecord>, StoreError> {
    let rows: Vec<(String, String, String, Option<String>)> = meeting_attendance::table
        .inner_join(meetings::table)
        .filter(meetings::plan_id.eq(plan_id))
        .select((
            meeting_attendance::meeting_id,
            meeting_attendance::user_id,
            meeting_attendance::status,
            meeting_attendance::contribution,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(meeting_id, user_id, status, contribution)| {
            Ok(AttendanceRecord {
                meeting_id,
                user_id,
                status: from_word(&status).map_err(StoreError::Invalid)?,
                contribution,
            })
        })
        .collect()
}
