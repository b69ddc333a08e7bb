//! Core group meetings: scheduling and holding them, attendance, and the core group's
//! attendance gaps by agency (seed 002).

use chrono::{DateTime, NaiveDate, Utc};

use super::children::plan_for;
use super::AuditAction;
use super::{invalid, log, AsAt, Requester, ServiceError, Services};
use crate::access::CaseAction;
use crate::domain::ids::{MeetingId, PlanId};
use crate::domain::people::Role;
use crate::domain::policy::Policy;
use crate::domain::records::{Attendance, MeetingFact, MemberFact, MinutesFact};
use crate::domain::rules::{attendance_by_agency, attendance_gaps, AgencyAttendance, Flag};
use crate::store::accounts;
use crate::store::cases::{self as case_store, Member, Plan};
use crate::store::meetings as store;
pub use crate::store::meetings::{AttendanceRecord, Meeting};
use crate::store::minutes::{self as minutes_store, Minutes, Receipt};
use crate::store::owners::Record;
use crate::store::DbConnection;

/// What a new meeting asks for.
pub struct NewMeeting {
    /// The date held (or, if ahead, scheduled).
    pub held_on: NaiveDate,
    /// The chair; the caller when absent.
    pub chair_id: Option<String>,
    /// Called because the child was not seen for 30 working days.
    pub urgent: bool,
}

/// `POST /plans/{id}/meetings`: records a core group meeting (held, or scheduled ahead).
pub async fn create_meeting(
    svc: &Services,
    who: &Requester,
    plan_id: PlanId,
    new: NewMeeting,
) -> Result<Meeting, ServiceError> {
    svc.write_for_plan(
        who,
        plan_id,
        AuditAction::CreateMeeting,
        move |c, who, plan_id, day| {
            create_meeting_in(
                c,
                who,
                plan_id,
                new.held_on,
                new.chair_id.as_deref(),
                new.urgent,
                day,
            )
        },
    )
    .await
}

/// `PUT /meetings/{id}/attendance`: who attended, sent apologies or did not attend.
pub async fn record_attendance(
    svc: &Services,
    who: &Requester,
    meeting_id: MeetingId,
    entries: Vec<AttendanceEntry>,
) -> Result<Vec<AttendanceRecord>, ServiceError> {
    let (w, day) = (who.clone(), svc.today());
    svc.write_about(
        who,
        Record::Meeting(meeting_id.as_str().to_owned()),
        AuditAction::RecordAttendance,
        move |c| record_attendance_in(c, &w, meeting_id.as_str(), entries, day),
    )
    .await
}

/// `GET /plans/{id}/core-group`: the meetings held by `as_of` with who attended for which
/// agency, the gaps flagged, and attendance by agency over the plan.
pub async fn core_group(
    svc: &Services,
    who: &Requester,
    plan_id: PlanId,
    as_of: NaiveDate,
    known_at: Option<DateTime<Utc>>,
) -> Result<CoreGroup, ServiceError> {
    let day = svc.today();
    let at = svc.as_at(Some(as_of), known_at)?;
    let policy = svc.policy_at(&at).await?;
    let (w, pid) = (who.clone(), plan_id.clone());
    svc.read_about(
        who,
        Record::Plan(plan_id.into_string()),
        AuditAction::ReadCoreGroup,
        format!("core group {}", at.describe()),
        move |c| core_group_in(c, &w, pid.as_str(), &at, &policy, day),
    )
    .await
}

fn create_meeting_in(
    conn: &mut DbConnection,
    requester: &Requester,
    plan_id: &str,
    held_on: NaiveDate,
    chair_id: Option<&str>,
    urgent: bool,
    today: NaiveDate,
) -> Result<Meeting, ServiceError> {
    let plan = plan_for(conn, requester, plan_id, CaseAction::ManagePlan, today)?;
    if held_on < plan.start_date {
        return Err(invalid("held_on", "is before the plan started"));
    }
    if plan.end_date.is_some_and(|end| held_on > end) {
        return Err(invalid("held_on", "is after the plan ended"));
    }
    if held_on > today + chrono::Days::new(366) {
        return Err(invalid("held_on", "is more than a year ahead"));
    }
    let chair = match chair_id {
        Some(id) => {
            let chair = accounts::get_user(conn, id)?
                .filter(|u| u.active)
                .ok_or_else(|| invalid("chair_id", "no active user has this id"))?;
            if !matches!(
                chair.role,
                Role::SocialWorker | Role::TeamManager | Role::CpChair
            ) {
                return Err(invalid(
                    "chair_id",
                    "a core group is chaired by social care or a CP chair",
                ));
            }
            // An urgent core group is chaired by a team manager (seed 001 §5).
            if urgent && chair.role != Role::TeamManager {
                return Err(invalid(
                    "chair_id",
                    "an urgent core group is chaired by a team manager",
                ));
            }
            chair.id
        }
        None => requester.user.id.clone(),
    };
    let meeting = store::create(
        conn,
        plan_id,
        held_on,
        Some(&chair),
        urgent,
        &requester.user.id,
    )?;
    log(
        conn,
        requester,
        AuditAction::CreateMeeting,
        Some(&plan.child_id),
        &format!("meeting {}", meeting.id),
        "ok",
    )?;
    Ok(meeting)
}

/// One member's attendance, as asked for.
pub struct AttendanceEntry {
    pub user_id: String,
    pub status: Attendance,
    pub contribution: Option<String>,
}

/// Finds a meeting and authorises `action` on its plan's child.
pub fn meeting_for(
    conn: &mut DbConnection,
    requester: &Requester,
    meeting_id: &str,
    action: CaseAction,
    today: NaiveDate,
) -> Result<(Meeting, Plan), ServiceError> {
    let meeting = store::get(conn, meeting_id)?.ok_or(ServiceError::NotFound)?;
    let plan = plan_for(conn, requester, &meeting.plan_id, action, today)?;
    Ok((meeting, plan))
}

/// Records who attended: every entry must be a member of the core group on the meeting's date.
fn record_attendance_in(
    conn: &mut DbConnection,
    requester: &Requester,
    meeting_id: &str,
    entries: Vec<AttendanceEntry>,
    today: NaiveDate,
) -> Result<Vec<AttendanceRecord>, ServiceError> {
    let (meeting, plan) = meeting_for(conn, requester, meeting_id, CaseAction::ManagePlan, today)?;
    if meeting.held_on > today {
        return Err(invalid(
            "attendance",
            format!(
                "the meeting is not until {}; record attendance once it is held",
                meeting.held_on
            ),
        ));
    }
    let members = case_store::members_of_plan(conn, &plan.id)?;
    let mut records = Vec::with_capacity(entries.len());
    for (i, entry) in entries.into_iter().enumerate() {
        if records
            .iter()
            .any(|r: &AttendanceRecord| r.user_id == entry.user_id)
        {
            return Err(invalid(
                format!("attendance[{i}].user_id"),
                "this member is listed twice",
            ));
        }
        if !members
            .iter()
            .any(|m| m.user_id == entry.user_id && m.is_member_on(meeting.held_on))
        {
            return Err(invalid(
                format!("attendance[{i}].user_id"),
                format!("not a member of the core group on {}", meeting.held_on),
            ));
        }
        if entry.contribution.is_some() && entry.status == Attendance::Attended {
            return Err(invalid(
                format!("attendance[{i}].contribution"),
                "a written contribution comes with apologies",
            ));
        }
        if entry
            .contribution
            .as_ref()
            .is_some_and(|c| c.chars().count() > crate::domain::case::MAX_TEXT_CHARS)
        {
            return Err(invalid(
                format!("attendance[{i}].contribution"),
                "is too long",
            ));
        }
        records.push(AttendanceRecord {
            meeting_id: meeting.id.clone(),
            user_id: entry.user_id,
            status: entry.status,
            contribution: entry.contribution,
        });
    }
    store::set_attendance(conn, &meeting.id, &records, &requester.user.id)?;
    log(
        conn,
        requester,
        AuditAction::RecordAttendance,
        Some(&plan.child_id),
        &format!("meeting {}", meeting.id),
        "ok",
    )?;
    Ok(records)
}

/// A plan's meetings as stored and as the rules see them, with every attendance list
/// recorded for them (oldest first).
pub type PlanMeetings = (
    Vec<Meeting>,
    Vec<MeetingFact>,
    Vec<store::AttendanceVersion>,
);

/// A plan's meetings with attendance, as the rules see them.
pub fn meeting_facts(conn: &mut DbConnection, plan_id: &str) -> Result<PlanMeetings, ServiceError> {
    let meetings = store::of_plan(conn, plan_id)?;
    let attendance = store::attendance_of_plan(conn, plan_id)?;
    let versions = store::attendance_versions_of_plan(conn, plan_id)?;
    let minutes = minutes_store::of_plan(conn, plan_id)?;
    let receipts = minutes_store::receipts_of_plan(conn, plan_id)?;
    let mut facts = meeting_facts_of(&meetings, &attendance, &versions, &minutes, &receipts);
    // Whose chair is a team manager: the urgent meeting of seed 001 §5 (a handful of chairs).
    let mut team_managers: Vec<(String, bool)> = Vec::new();
    for fact in &mut facts {
        let Some(chair) = &fact.chair_id else {
            continue;
        };
        let is_manager = match team_managers.iter().find(|(id, _)| id == chair) {
            Some((_, known)) => *known,
            None => {
                let role = accounts::get_user(conn, chair)?.map(|u| u.role);
                let is_manager = role == Some(Role::TeamManager);
                team_managers.push((chair.clone(), is_manager));
                is_manager
            }
        };
        fact.chaired_by_team_manager = is_manager;
    }
    Ok((meetings, facts, versions))
}

/// Meetings as the rules see them, from their rows (one plan's, or more). Whether a chair is
/// a team manager is not in these rows: [`meeting_facts`] fills it in for the child's status
/// (the only rule that reads it); here it is `false`.
pub fn meeting_facts_of(
    meetings: &[Meeting],
    attendance: &[AttendanceRecord],
    versions: &[store::AttendanceVersion],
    minutes: &[Minutes],
    receipts: &[Receipt],
) -> Vec<MeetingFact> {
    meetings
        .iter()
        .map(|m| MeetingFact {
            id: m.id.clone(),
            held_on: m.held_on,
            chair_id: m.chair_id.clone(),
            attendance: attendance
                .iter()
                .filter(|a| a.meeting_id == m.id)
                .map(|a| (a.user_id.clone(), a.status))
                .collect(),
            minutes: minutes
                .iter()
                .find(|x| x.meeting_id == m.id && x.addendum_to.is_none())
                .map(|x| minutes_fact(x, receipts)),
            recorded_at: m.created_at.and_utc(),
            attendance_history: versions
                .iter()
                .filter(|v| v.meeting_id == m.id)
                .map(|v| (v.recorded_at.and_utc(), v.entries.clone()))
                .collect(),
            urgent: m.urgent,
            chaired_by_team_manager: false,
        })
        .collect()
}

/// Published minutes as the rules see them (drafts have no publication date).
fn minutes_fact(minutes: &Minutes, receipts: &[Receipt]) -> MinutesFact {
    let own = || receipts.iter().filter(|r| r.minutes_id == minutes.id);
    let acknowledged = || own().filter_map(|r| Some((r, r.acknowledged_on?, r.acknowledged_at?)));
    MinutesFact {
        published_on: minutes.published_on,
        distributed_to: own().map(|r| r.user_id.clone()).collect(),
        acknowledgements: acknowledged()
            .map(|(r, on, _)| (r.user_id.clone(), on))
            .collect(),
        published_at: minutes.published_at.map(|at| at.and_utc()),
        distributed_at: own().map(|r| r.distributed_at.and_utc()).collect(),
        acknowledged_at: acknowledged().map(|(_, _, at)| at.and_utc()).collect(),
    }
}

pub fn member_facts(members: &[(Member, String, String)]) -> Vec<MemberFact> {
    members
        .iter()
        .map(|(m, _, agency_name)| MemberFact {
            user_id: m.user_id.clone(),
            agency_id: m.agency_id.clone(),
            agency_name: agency_name.clone(),
            from: m.from_date,
            until: m.until_date,
            recorded_at: m.created_at.and_utc(),
            until_recorded_at: m.ended_at.map(|at| at.and_utc()),
        })
        .collect()
}

/// One meeting held by `as_of`, as the core group view shows it.
pub struct CoreGroupMeeting {
    pub meeting: Meeting,
    /// Each member's attendance, with the agency they represented on the day (if still a
    /// member of the core group then).
    pub attendance: Vec<(AttendanceRecord, Option<String>)>,
    /// Agencies on the core group that day with nobody who attended (apologies count as absent).
    pub agencies_absent: Vec<String>,
}

/// `GET /plans/{id}/core-group`: the meetings held by `as_of`, attendance by agency, gaps.
pub struct CoreGroup {
    pub plan: Plan,
    pub as_of: NaiveDate,
    pub at: AsAt,
    pub meetings: Vec<CoreGroupMeeting>,
    /// Every gap flagged, meeting by meeting.
    pub flags: Vec<Flag>,
    /// Meetings and meetings attended, per agency, over the plan.
    pub attendance_by_agency: Vec<AgencyAttendance>,
}

fn core_group_in(
    conn: &mut DbConnection,
    requester: &Requester,
    plan_id: &str,
    at: &AsAt,
    policy: &Policy,
    today: NaiveDate,
) -> Result<CoreGroup, ServiceError> {
    let (as_of, known_at) = (at.as_of, at.known_at);
    let plan = plan_for(conn, requester, plan_id, CaseAction::Read, today)?;
    // Members, meetings and attendance as recorded by known_at (domain.md §3).
    let members =
        super::status::members_known_at(case_store::members_with_names(conn, plan_id)?, known_at);
    let (meetings, facts, versions) = meeting_facts(conn, plan_id)?;
    let facts: Vec<MeetingFact> = facts
        .iter()
        .filter_map(|f| f.as_known_at(known_at))
        .collect();
    let member_facts = member_facts(&members);
    let gaps = attendance_gaps(&member_facts, &facts, as_of, policy);
    let attendance: Vec<AttendanceRecord> = facts
        .iter()
        .filter_map(|f| {
            versions
                .iter()
                .rfind(|v| v.meeting_id == f.id && v.recorded_at.and_utc() <= known_at)
        })
        .flat_map(|v| v.records.iter().cloned())
        .collect();
    let agency_of = |user: &str, on: NaiveDate| {
        members
            .iter()
            .find(|(m, _, _)| m.user_id == user && m.is_member_on(on))
            .map(|(m, _, _)| m.agency_id.clone())
    };
    let held = meetings
        .into_iter()
        .filter(|m| m.held_on <= as_of && m.created_at.and_utc() <= known_at)
        .map(|m| CoreGroupMeeting {
            attendance: attendance
                .iter()
                .filter(|a| a.meeting_id == m.id)
                .map(|a| (a.clone(), agency_of(&a.user_id, m.held_on)))
                .collect(),
            agencies_absent: gaps
                .iter()
                .find(|g| g.meeting_id == m.id)
                .map(|g| g.agencies_absent.clone())
                .unwrap_or_default(),
            meeting: m,
        })
        .collect();
    let attendance_by_agency = attendance_by_agency(&member_facts, &gaps);
    Ok(CoreGroup {
        plan,
        as_of,
        at: *at,
        meetings: held,
        flags: gaps.into_iter().flat_map(|g| g.flags).collect(),
        attendance_by_agency,
    })
}
