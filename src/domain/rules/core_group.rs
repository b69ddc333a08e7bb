//! Core groups: the first within 10 working days, then at most 6 weeks apart; every agency
//! attending; minutes reaching every member, and read (seed 002).

use std::collections::HashMap;

use chrono::{Days, NaiveDate};

use super::{long_date, Audience, ClockState, Context, Flag, FlagCode, Severity, Subject};
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
    held.sort_by(|a, b| a.held_on.cmp(&b.held_on).then(a.id.cmp(&b.id)));
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
    let mut missed_in_a_row: HashMap<&str, u32> = HashMap::new();
    let mut answer = Vec::new();
    for meeting in held_meetings(meetings, on) {
        let present: Vec<&MemberFact> = members
            .iter()
            .filter(|m| m.is_member_on(meeting.held_on))
            .collect();
        let mut agencies: Vec<(&str, &str)> = Vec::new();
        for m in &present {
            if !agencies.iter().any(|(id, _)| *id == m.agency_id) {
                agencies.push((&m.agency_id, &m.agency_name));
            }
        }
        let attended = |agency: &str| {
            present.iter().any(|m| {
                m.agency_id == agency
                    && meeting
                        .attendance
                        .iter()
                        .any(|(user, a)| *user == m.user_id && *a == Attendance::Attended)
            })
        };
        let mut absent = Vec::new();
        let mut flags = Vec::new();
        for (agency, name) in &agencies {
            if attended(agency) {
                missed_in_a_row.insert(agency, 0);
                continue;
            }
            let count = missed_in_a_row.entry(agency).or_insert(0);
            *count += 1;
            let escalated = *count >= policy.attendance_gap_escalate_after;
            absent.push(agency.to_string());
            flags.push(Flag {
                code: FlagCode::CoreGroupAttendanceGap,
                severity: if escalated { Severity::High } else { Severity::Medium },
                since: meeting.held_on,
                due: None,
                message: if *count > 1 {
                    format!(
                        "Nobody from {name} attended the core group on {} — {count} meetings missed in a row.",
                        long_date(meeting.held_on)
                    )
                } else {
                    format!("Nobody from {name} attended the core group on {}.", long_date(meeting.held_on))
                },
                subject: Some(Subject::AgencyAtMeeting {
                    meeting_id: meeting.id.clone(),
                    agency_id: agency.to_string(),
                }),
                raise_to: vec![Audience::CpChair, Audience::LeadSocialWorker],
                consecutive_missed: Some(*count),
            });
        }
        answer.push(MeetingGaps {
            meeting_id: meeting.id.clone(),
            held_on: meeting.held_on,
            agencies: agencies.iter().map(|(id, _)| id.to_string()).collect(),
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
    let held = held_meetings(&facts.meetings, on);
    let held: Vec<&MeetingFact> = held.into_iter().filter(|m| m.held_on >= start).collect();

    match held.last() {
        // first_core_group_due: within 10 working days of the initial conference.
        None => {
            let due = ctx.add_working_days(start, policy.first_core_group_working_days)?;
            let state = ctx.state_of(due, on)?;
            if state != ClockState::Ok {
                let overdue = state == ClockState::Overdue;
                out.push(Flag {
                    code: FlagCode::FirstCoreGroupDue,
                    severity: if overdue { Severity::High } else { Severity::Medium },
                    since: start,
                    due: Some(due),
                    message: if overdue {
                        format!(
                            "No core group has met since the plan began on {}; the first was due by {}.",
                            long_date(start), long_date(due)
                        )
                    } else {
                        format!("The first core group is due by {}.", long_date(due))
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
            let state = ctx.state_of(due, on)?;
            if state != ClockState::Ok {
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
                    message: if overdue {
                        format!(
                            "The core group has not met since {}; the next meeting was due by {}.",
                            long_date(last.held_on),
                            long_date(due)
                        )
                    } else {
                        format!(
                            "The next core group is due by {} (last met {}).",
                            long_date(due),
                            long_date(last.held_on)
                        )
                    },
                    subject: None,
                    raise_to: vec![Audience::LeadSocialWorker, Audience::CpChair],
                    consecutive_missed: None,
                });
            }
        }
    }

    // Attendance gaps: the status shows the latest meeting's; the core-group view shows all.
    if let Some(latest) = attendance_gaps(&facts.members, &facts.meetings, on, policy)
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

/// minutes_not_distributed and minutes_not_acknowledged for one meeting (seed 002 area 8).
fn minutes_flags(
    facts: &CaseFacts,
    ctx: &Context<'_>,
    on: NaiveDate,
    meeting: &MeetingFact,
    out: &mut Vec<Flag>,
) -> Result<(), CalendarError> {
    let policy = ctx.policy;
    let subject = Some(Subject::Meeting {
        meeting_id: meeting.id.clone(),
    });
    let published = meeting
        .minutes
        .as_ref()
        .and_then(|m| m.published_on.filter(|p| *p <= on).map(|p| (m, p)));
    let Some((minutes, published_on)) = published else {
        let due =
            ctx.add_working_days(meeting.held_on, policy.minutes_distribution_working_days)?;
        let state = ctx.state_of(due, on)?;
        if state != ClockState::Ok {
            let overdue = state == ClockState::Overdue;
            out.push(Flag {
                code: FlagCode::MinutesNotDistributed,
                severity: if overdue { Severity::High } else { Severity::Medium },
                since: meeting.held_on,
                due: Some(due),
                message: if overdue {
                    format!(
                        "The minutes of the core group on {} have not been sent to the members; they were due by {}.",
                        long_date(meeting.held_on), long_date(due)
                    )
                } else {
                    format!(
                        "The minutes of the core group on {} are due to every member by {}.",
                        long_date(meeting.held_on), long_date(due)
                    )
                },
                subject,
                raise_to: vec![Audience::MeetingChair],
                consecutive_missed: None,
            });
        }
        return Ok(());
    };

    // Every member on the meeting date must have been sent them, absent ones included.
    let missing: Vec<&MemberFact> = facts
        .members
        .iter()
        .filter(|m| m.is_member_on(meeting.held_on) && !minutes.distributed_to.contains(&m.user_id))
        .collect();
    if !missing.is_empty() {
        out.push(Flag {
            code: FlagCode::MinutesNotDistributed,
            severity: Severity::High,
            since: meeting.held_on,
            due: None,
            message: format!(
                "The minutes of the core group on {} were not sent to {} member{} of the core group.",
                long_date(meeting.held_on),
                missing.len(),
                if missing.len() == 1 { "" } else { "s" }
            ),
            subject: subject.clone(),
            raise_to: vec![Audience::MeetingChair, Audience::CpChair],
            consecutive_missed: None,
        });
    }

    let ack_due =
        ctx.add_working_days(published_on, policy.minutes_acknowledgement_working_days)?;
    if on <= ack_due {
        return Ok(());
    }
    for member in &minutes.distributed_to {
        let read = minutes
            .acknowledgements
            .iter()
            .any(|(user, date)| user == member && *date <= on);
        if read {
            continue;
        }
        out.push(Flag {
            code: FlagCode::MinutesNotAcknowledged,
            severity: Severity::Medium,
            since: published_on,
            due: Some(ack_due),
            message: format!(
                "A member has not acknowledged the minutes of the core group on {}, published {}; due by {}.",
                long_date(meeting.held_on), long_date(published_on), long_date(ack_due)
            ),
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
