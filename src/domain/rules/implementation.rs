//! How a plan is being carried out, for the CP chair (seed 002: what chairs did not see):
//! meetings on time, attendance by agency, minutes sent and read on time, actions done on
//! time by agency.

use chrono::{Days, NaiveDate};

use super::core_group::{attendance_gaps, MeetingGaps};
use super::{by_due, known, same_id, Context};
use crate::domain::calendar::CalendarError;
use crate::domain::records::{CaseFacts, MeetingFact, MemberFact, MinutesFact};

/// One meeting held, and whether it and its minutes were on time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRecord {
    pub meeting_id: String,
    pub held_on: NaiveDate,
    /// When it was due: 10 working days from the start for the first, 6 weeks after the
    /// previous one for the rest; `None` past the calendar's end.
    pub due: Option<NaiveDate>,
    /// Held by its due date (one due past the calendar's end: held by the calendar's end).
    pub on_time: bool,
    /// Members of the core group that day (each user once), with their agency.
    pub invited: Vec<(String, String)>,
    /// Agencies of the core group that day with no member who attended.
    pub agencies_absent: Vec<String>,
    pub minutes: MinutesRecord,
}

/// The meeting's minutes as at the evaluation date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinutesRecord {
    /// Published to every member by this date (5 working days after the meeting); `None`
    /// past the calendar's end.
    pub due: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    /// Published by `due` and sent to every member of the core group that day.
    pub distributed_on_time: bool,
    /// Members of that day the minutes never reached.
    pub not_sent_to: Vec<String>,
    /// Read receipts are due by this date (5 working days after publication); `None` while
    /// unpublished, or past the calendar's end.
    pub acknowledgement_due: Option<NaiveDate>,
    /// (member, agency) who acknowledged by the due date.
    pub acknowledged_on_time: Vec<(String, String)>,
    /// (member, agency) who acknowledged after it.
    pub acknowledged_late: Vec<(String, String)>,
    /// (member, agency) who have not acknowledged at all.
    pub not_acknowledged: Vec<(String, String)>,
}

/// Attendance of one agency over the plan's meetings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyAttendance {
    pub agency_id: String,
    pub agency_name: String,
    /// Meetings at which the agency was on the core group.
    pub meetings: u32,
    /// Of those, meetings at which a member of the agency attended.
    pub attended: u32,
}

/// The actions of one agency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgencyActions {
    pub agency_id: String,
    pub total: u32,
    pub done: u32,
    pub done_on_time: u32,
    pub open: u32,
    /// Open and past their due date.
    pub overdue: u32,
    pub cancelled: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Implementation {
    pub meetings: Vec<MeetingRecord>,
    pub attendance: Vec<AgencyAttendance>,
    pub actions: Vec<AgencyActions>,
    /// The actions open and past their due date, by id.
    pub overdue_actions: Vec<String>,
}

/// A percentage to one decimal, as the committee briefing shows it (seed 000); `None` of none.
pub fn percent(part: u32, whole: u32) -> Option<f64> {
    if whole == 0 {
        return None;
    }
    Some((f64::from(part) * 1000.0 / f64::from(whole)).round() / 10.0)
}

/// The members of the core group on a date, each user once, with their agency: who a
/// meeting's minutes must reach.
pub(super) fn invited_on(members: &[MemberFact], date: NaiveDate) -> Vec<(&str, &str)> {
    let mut invited: Vec<(&str, &str)> = Vec::new();
    for m in members.iter().filter(|m| m.is_member_on(date)) {
        if !invited.iter().any(|(u, _)| same_id(u, &m.user_id)) {
            invited.push((&m.user_id, &m.agency_id));
        }
    }
    invited
}

/// Those of `invited` the published minutes were not sent to.
pub(super) fn not_sent_to<'a>(
    invited: &'a [(&'a str, &'a str)],
    minutes: &'a MinutesFact,
) -> impl Iterator<Item = &'a str> + 'a {
    invited
        .iter()
        .map(|(u, _)| *u)
        .filter(|u| !minutes.distributed_to.iter().any(|d| same_id(d, u)))
}

/// The day `user` first acknowledged the minutes, if they had by `on`.
pub(super) fn first_read(minutes: &MinutesFact, user: &str, on: NaiveDate) -> Option<NaiveDate> {
    minutes
        .acknowledgements
        .iter()
        .filter(|(u, d)| *d <= on && same_id(u, user))
        .map(|(_, d)| *d)
        .min()
}

/// When read receipts for minutes published on `published_on` are due (`None` past the
/// calendar's end).
pub(super) fn acknowledgement_due(
    ctx: &Context<'_>,
    published_on: NaiveDate,
) -> Result<Option<NaiveDate>, CalendarError> {
    known(ctx.add_working_days(
        published_on,
        ctx.policy.minutes_acknowledgement_working_days,
    ))
}

/// Meetings and meetings attended, per agency, from each meeting's gaps (an agency counts
/// once per meeting, however many members it has there), in first-seen order.
pub fn attendance_by_agency(members: &[MemberFact], gaps: &[MeetingGaps]) -> Vec<AgencyAttendance> {
    let mut attendance: Vec<AgencyAttendance> = Vec::new();
    for gap in gaps {
        for agency in &gap.agencies {
            let position = match attendance.iter().position(|a| a.agency_id == *agency) {
                Some(p) => p,
                None => {
                    attendance.push(AgencyAttendance {
                        agency_id: agency.clone(),
                        agency_name: members
                            .iter()
                            .find(|m| m.agency_id == *agency)
                            .map(|m| m.agency_name.clone())
                            .unwrap_or_default(),
                        meetings: 0,
                        attended: 0,
                    });
                    attendance.len() - 1
                }
            };
            attendance[position].meetings += 1;
            attendance[position].attended += u32::from(!gap.agencies_absent.contains(agency));
        }
    }
    attendance
}

/// The plan's implementation on `on`: only what had happened by then counts.
pub fn implementation(
    facts: &CaseFacts,
    ctx: &Context<'_>,
    on: NaiveDate,
) -> Result<Implementation, CalendarError> {
    let policy = ctx.policy;
    let gaps: Vec<MeetingGaps> = attendance_gaps(&facts.members, &facts.meetings, on, policy)
        .into_iter()
        .filter(|g| g.held_on >= facts.plan.start)
        .collect();
    let mut meetings = Vec::new();
    let mut previous: Option<NaiveDate> = None;
    for gap in &gaps {
        let Some(meeting) = facts.meetings.iter().find(|m| m.id == gap.meeting_id) else {
            continue;
        };
        let due = match previous {
            None => {
                known(ctx.add_working_days(facts.plan.start, policy.first_core_group_working_days))?
            }
            Some(last) => Some(last + Days::new(u64::from(policy.core_group_interval_days))),
        };
        previous = Some(meeting.held_on);
        let invited = invited_on(&facts.members, meeting.held_on);
        let minutes = minutes_record(meeting, &invited, ctx, on)?;
        meetings.push(MeetingRecord {
            meeting_id: meeting.id.clone(),
            held_on: meeting.held_on,
            due,
            on_time: by_due(due, ctx.calendar, meeting.held_on),
            invited: invited
                .iter()
                .map(|(u, a)| (u.to_string(), a.to_string()))
                .collect(),
            agencies_absent: gap.agencies_absent.clone(),
            minutes,
        });
    }
    let attendance = attendance_by_agency(&facts.members, &gaps);

    let mut actions: Vec<AgencyActions> = Vec::new();
    let mut overdue_actions = Vec::new();
    for action in facts.actions.iter().filter(|a| a.created_on <= on) {
        let entry = match actions.iter().position(|a| a.agency_id == action.agency_id) {
            Some(p) => &mut actions[p],
            None => {
                actions.push(AgencyActions {
                    agency_id: action.agency_id.clone(),
                    ..AgencyActions::default()
                });
                let last = actions.len() - 1;
                &mut actions[last]
            }
        };
        entry.total += 1;
        let done = action.done_on.filter(|d| *d <= on);
        let cancelled = action.cancelled_on.filter(|d| *d <= on);
        match (done, cancelled) {
            (Some(done_on), _) => {
                entry.done += 1;
                if done_on <= action.due {
                    entry.done_on_time += 1;
                }
            }
            (None, Some(_)) => entry.cancelled += 1,
            (None, None) => {
                entry.open += 1;
                if on > action.due {
                    entry.overdue += 1;
                    overdue_actions.push(action.id.clone());
                }
            }
        }
    }
    Ok(Implementation {
        meetings,
        attendance,
        actions,
        overdue_actions,
    })
}

/// Minutes published by a date, with the day they were.
pub(super) type Published<'a> = Option<(&'a MinutesFact, NaiveDate)>;

/// When a meeting's minutes are due (`None` past the calendar's end), and the minutes with
/// their publication date if published by `on`: what both the minutes rules and the
/// implementation view start from.
pub(super) fn minutes_due_and_published<'a>(
    meeting: &'a MeetingFact,
    ctx: &Context<'_>,
    on: NaiveDate,
) -> Result<(Option<NaiveDate>, Published<'a>), CalendarError> {
    let due = known(ctx.add_working_days(
        meeting.held_on,
        ctx.policy.minutes_distribution_working_days,
    ))?;
    let published = meeting
        .minutes
        .as_ref()
        .and_then(|m| m.published_on.filter(|p| *p <= on).map(|p| (m, p)));
    Ok((due, published))
}

pub(super) fn minutes_record(
    meeting: &MeetingFact,
    invited: &[(&str, &str)],
    ctx: &Context<'_>,
    on: NaiveDate,
) -> Result<MinutesRecord, CalendarError> {
    let (due, published) = minutes_due_and_published(meeting, ctx, on)?;
    let Some((minutes, published_on)) = published else {
        return Ok(MinutesRecord {
            due,
            published_on: None,
            distributed_on_time: false,
            not_sent_to: invited.iter().map(|(u, _)| u.to_string()).collect(),
            acknowledgement_due: None,
            acknowledged_on_time: Vec::new(),
            acknowledged_late: Vec::new(),
            not_acknowledged: Vec::new(),
        });
    };
    let not_sent_to: Vec<String> = not_sent_to(invited, minutes).map(str::to_string).collect();
    let ack_due = acknowledgement_due(ctx, published_on)?;
    let (mut on_time, mut late, mut none) = (Vec::new(), Vec::new(), Vec::new());
    for user in &minutes.distributed_to {
        let agency = invited
            .iter()
            .find(|(u, _)| same_id(u, user))
            .map(|(_, a)| a.to_string())
            .unwrap_or_default();
        match first_read(minutes, user, on) {
            Some(d) if by_due(ack_due, ctx.calendar, d) => on_time.push((user.clone(), agency)),
            Some(_) => late.push((user.clone(), agency)),
            None => none.push((user.clone(), agency)),
        }
    }
    Ok(MinutesRecord {
        due,
        published_on: Some(published_on),
        distributed_on_time: by_due(due, ctx.calendar, published_on) && not_sent_to.is_empty(),
        not_sent_to,
        acknowledgement_due: ack_due,
        acknowledged_on_time: on_time,
        acknowledged_late: late,
        not_acknowledged: none,
    })
}
