//! Core groups: the first within 10 working days, then at most 6 weeks apart; every agency
//! attending; minutes reaching every member, and read (seed 002).

use chrono::{Days, NaiveDate};

use super::implementation::{
    acknowledgement_due, first_read, invited_on, minutes_due_and_published, not_sent_to,
};
use super::{
    known, same_id, Audience, Clock, ClockState, Context, Detail, Flag, FlagCode, HeldMeeting,
    Severity, Subject, UrgentMeeting,
};
use crate::domain::calendar::CalendarError;
use crate::domain::policy::Policy;
use crate::domain::records::{Attendance, CaseFacts, MeetingFact, MemberFact};

/// One meeting's attendance by agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingGaps {
    pub meeting_id: String,
    pub held_on: NaiveDate,
    /// Every agency represented on the core group that day, in first-seen order.
    pub agencies: Vec<String>,
    /// Those with no member who attended (apologies count as absent).
    pub agencies_absent: Vec<String>,
    /// One `core_group_attendance_gap` flag per absent agency.
    pub flags: Vec<Flag>,
}

fn held_meetings(meetings: &[MeetingFact], on: NaiveDate) -> Vec<&MeetingFact> {
    let mut held: Vec<&MeetingFact> = meetings.iter().filter(|m| m.held_on <= on).collect();
    held.sort_by(|a, b| a.held_on.cmp(&b.held_on).then_with(|| a.id.cmp(&b.id)));
    held
}

/// For every meeting held on or before `on`: which agencies of the core group that day had
/// nobody attend, and for how many of that agency's meetings in a row. An agency escalates
/// (`high`) once it has missed `attendance_gap_escalate_after` in a row (seed 002).
pub fn attendance_gaps(
    members: &[MemberFact],
    meetings: &[MeetingFact],
    on: NaiveDate,
    policy: &Policy,
) -> Vec<MeetingGaps> {
    gaps(members, &held_meetings(meetings, on), policy, false)
}

/// With `latest_only`, counts through every meeting but describes only the last one (what a
/// child's status shows), sparing the flags nobody reads.
fn gaps(
    members: &[MemberFact],
    held: &[&MeetingFact],
    policy: &Policy,
    latest_only: bool,
) -> Vec<MeetingGaps> {
    // (agency, meetings missed in a row); a handful of agencies, so a list beats a map.
    let mut missed_in_a_row: Vec<(&str, u32)> = Vec::new();
    let mut answer = Vec::new();
    let held_count = held.len();
    for (index, meeting) in held.iter().enumerate() {
        let describe = !latest_only || index + 1 == held_count;
        // The core group that day, by agency in first-seen order, and whether anyone of
        // each agency attended.
        let mut agencies: Vec<(&str, &str, bool)> = Vec::new();
        for m in members.iter().filter(|m| m.is_member_on(meeting.held_on)) {
            let attended = meeting
                .attendance
                .iter()
                .any(|(user, a)| *a == Attendance::Attended && same_id(user, &m.user_id));
            match agencies
                .iter_mut()
                .find(|(id, _, _)| same_id(id, &m.agency_id))
            {
                Some(entry) => entry.2 |= attended,
                None => agencies.push((&m.agency_id, &m.agency_name, attended)),
            }
        }
        let mut absent = Vec::new();
        let mut flags = Vec::new();
        for (agency, name, attended) in &agencies {
            let position = match missed_in_a_row
                .iter()
                .position(|(id, _)| same_id(id, agency))
            {
                Some(p) => p,
                None => {
                    missed_in_a_row.push((agency, 0));
                    missed_in_a_row.len() - 1
                }
            };
            let count = &mut missed_in_a_row[position].1;
            if *attended {
                *count = 0;
                continue;
            }
            *count += 1;
            if !describe {
                continue;
            }
            let escalated = *count >= policy.attendance_gap_escalate_after;
            absent.push(agency.to_string());
            flags.push(Flag {
                code: FlagCode::CoreGroupAttendanceGap,
                severity: if escalated {
                    Severity::High
                } else {
                    Severity::Medium
                },
                since: meeting.held_on,
                due: None,
                detail: Detail::AttendanceGap {
                    agency_name: name.to_string(),
                    held_on: meeting.held_on,
                    missed_in_a_row: *count,
                },
                subject: Some(Subject::AgencyAtMeeting {
                    meeting_id: meeting.id.clone(),
                    agency_id: agency.to_string(),
                }),
                raise_to: vec![Audience::CpChair, Audience::LeadSocialWorker],
                consecutive_missed: Some(*count),
            });
        }
        if !describe {
            continue;
        }
        answer.push(MeetingGaps {
            meeting_id: meeting.id.clone(),
            held_on: meeting.held_on,
            agencies: agencies.iter().map(|(id, _, _)| id.to_string()).collect(),
            agencies_absent: absent,
            flags,
        });
    }
    answer
}

pub(super) fn flags(
    facts: &CaseFacts,
    ctx: &Context<'_>,
    on: NaiveDate,
    out: &mut Vec<Flag>,
) -> Result<(), CalendarError> {
    let policy = ctx.policy;
    let start = facts.plan.start;
    let all_held = held_meetings(&facts.meetings, on);
    let held: Vec<&MeetingFact> = all_held
        .iter()
        .copied()
        .filter(|m| m.held_on >= start)
        .collect();

    // A due date (or due-soon state) past the calendar's end raises nothing (domain.md §4).
    match held.last() {
        // first_core_group_due: within 10 working days of the initial conference.
        None => {
            let due = known(ctx.add_working_days(start, policy.first_core_group_working_days))?;
            let state = match due {
                Some(due) => known(ctx.state_of(due, on))?,
                None => None,
            };
            if let (Some(due), Some(state)) = (due, state.filter(|s| *s != ClockState::Ok)) {
                let overdue = state == ClockState::Overdue;
                out.push(Flag {
                    code: FlagCode::FirstCoreGroupDue,
                    severity: if overdue {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    since: start,
                    due: Some(due),
                    detail: Detail::FirstCoreGroup {
                        start,
                        due,
                        overdue,
                    },
                    subject: None,
                    raise_to: vec![Audience::LeadSocialWorker, Audience::TeamManager],
                    consecutive_missed: None,
                });
            }
        }
        // core_group_overdue: at most 6 weeks after the last.
        Some(last) => {
            let due = last.held_on + Days::new(u64::from(policy.core_group_interval_days));
            if let Some(state) = known(ctx.state_of(due, on))?.filter(|s| *s != ClockState::Ok) {
                let overdue = state == ClockState::Overdue;
                out.push(Flag {
                    code: FlagCode::CoreGroupOverdue,
                    severity: if overdue {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    since: last.held_on,
                    due: Some(due),
                    detail: Detail::NextCoreGroup {
                        last: last.held_on,
                        due,
                        overdue,
                    },
                    subject: None,
                    raise_to: vec![Audience::LeadSocialWorker, Audience::CpChair],
                    consecutive_missed: None,
                });
            }
        }
    }

    // Attendance gaps: the status shows the latest meeting's; the core-group view shows all.
    if let Some(latest) = gaps(&facts.members, &all_held, policy, true)
        .into_iter()
        .rfind(|g| g.held_on >= start)
    {
        out.extend(latest.flags);
    }

    for meeting in &held {
        minutes_flags(facts, ctx, on, meeting, out)?;
    }
    Ok(())
}

/// minutes_not_distributed and minutes_not_acknowledged for one meeting (seed 002 area 8),
/// from the same account of the minutes the chair's view shows.
fn minutes_flags(
    facts: &CaseFacts,
    ctx: &Context<'_>,
    on: NaiveDate,
    meeting: &MeetingFact,
    out: &mut Vec<Flag>,
) -> Result<(), CalendarError> {
    let subject = Some(Subject::Meeting {
        meeting_id: meeting.id.clone(),
    });
    // What `implementation::minutes_record` works out, from the same readers, counted
    // rather than listed by name: the status of every child reads this.
    let (due, published) = minutes_due_and_published(meeting, ctx, on)?;
    let Some((sent, published_on)) = published else {
        // Minutes due past the calendar's end: not raised (domain.md §4).
        let Some(due) = due else {
            return Ok(());
        };
        let state = known(ctx.state_of(due, on))?;
        if let Some(state) = state.filter(|s| *s != ClockState::Ok) {
            let overdue = state == ClockState::Overdue;
            out.push(Flag {
                code: FlagCode::MinutesNotDistributed,
                severity: if overdue {
                    Severity::High
                } else {
                    Severity::Medium
                },
                since: meeting.held_on,
                due: Some(due),
                detail: Detail::MinutesNotSent {
                    held_on: meeting.held_on,
                    due,
                    overdue,
                },
                subject,
                raise_to: vec![Audience::MeetingChair],
                consecutive_missed: None,
            });
        }
        return Ok(());
    };

    // Every member on the meeting date must have been sent them, absent ones included.
    let invited = invited_on(&facts.members, meeting.held_on);
    let not_sent = not_sent_to(&invited, sent).count();
    if not_sent > 0 {
        out.push(Flag {
            code: FlagCode::MinutesNotDistributed,
            severity: Severity::High,
            since: meeting.held_on,
            due: None,
            detail: Detail::MinutesMissedMembers {
                held_on: meeting.held_on,
                missing: not_sent,
            },
            subject: subject.clone(),
            raise_to: vec![Audience::MeetingChair, Audience::CpChair],
            consecutive_missed: None,
        });
    }

    // Read receipts due past the calendar's end are not yet late.
    let Some(ack_due) = acknowledgement_due(ctx, published_on)?.filter(|due| on > *due) else {
        return Ok(());
    };
    let unread = sent
        .distributed_to
        .iter()
        .filter(|user| first_read(sent, user, on).is_none());
    for member in unread {
        out.push(Flag {
            code: FlagCode::MinutesNotAcknowledged,
            severity: Severity::Medium,
            since: published_on,
            due: Some(ack_due),
            detail: Detail::MinutesNotAcknowledged {
                held_on: meeting.held_on,
                published_on,
                due: ack_due,
            },
            subject: Some(Subject::MemberAtMeeting {
                meeting_id: meeting.id.clone(),
                user_id: member.clone(),
            }),
            raise_to: vec![Audience::Member(member.clone()), Audience::CpChair],
            consecutive_missed: None,
        });
    }
    Ok(())
}

/// While the child has not been seen by any agency for 30 working days (the clock overdue),
/// the urgent core group meeting chaired by a team manager it asks for (seed 001 §5): the
/// first meeting held from the day after the due date — the breach's first day — to `on`,
/// with a team manager in the chair. Marked urgent or not, it is the meeting the procedure
/// asks for: what it needs is held, by a team manager, once the breach began.
pub(super) fn urgent_meeting(
    facts: &CaseFacts,
    any_agency: &Clock,
    on: NaiveDate,
) -> Option<UrgentMeeting> {
    if any_agency.state != ClockState::Overdue {
        return None;
    }
    let breach_began = any_agency.due?.succ_opt()?;
    let held = facts
        .meetings
        .iter()
        .filter(|m| m.chaired_by_team_manager && m.held_on >= breach_began && m.held_on <= on)
        .min_by(|a, b| a.held_on.cmp(&b.held_on).then_with(|| a.id.cmp(&b.id)))
        .map(|m| HeldMeeting {
            meeting_id: m.id.clone(),
            held_on: m.held_on,
            marked_urgent: m.urgent,
        });
    Some(UrgentMeeting { breach_began, held })
}
