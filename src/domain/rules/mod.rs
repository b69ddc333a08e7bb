//! Every rule of domain.md §4, as pure functions of one child's facts, the policy, the
//! calendar and `as_of`.
//!
//! - `seen.rs`: the three clocks (any agency, social worker, home visit) and the rules about
//!   visits themselves (failed visits, seen alone, baby awake, bedroom, home share, late records).
//! - `frequency.rs`: the home-visit due date under a dated frequency history.
//! - `core_group.rs`: first and later core groups, attendance gaps, minutes.
//! - `plan.rs`: actions, review conferences, long and repeat plans.

mod core_group;
mod frequency;
mod implementation;
mod message;
mod plan;
mod seen;

pub use seen::{clock_flags, clocks_from_latest, visits_in_period, Clocks, Latest, VisitsInPeriod};

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Serialize;

pub use core_group::{attendance_gaps, MeetingGaps};
pub use frequency::{frequency_on, home_visit_due, recorded_frequency_on};
pub use implementation::{
    attendance_by_agency, implementation, percent, AgencyActions, AgencyAttendance, Implementation,
    MeetingRecord, MinutesRecord,
};
pub use message::{Detail, Watch};
pub use plan::{add_months, next_review_due};

use super::calendar::{Calendar, CalendarError};
use super::policy::Policy;
use super::records::CaseFacts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    Ok,
    DueSoon,
    Overdue,
    /// The due date (or whether it is due soon) lies past the end of the plan's bank-holiday
    /// calendar: only an admin's import of a newer feed can say (domain.md §4).
    BeyondCalendar,
}

/// One deadline that restarts each time its event happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clock {
    /// The latest qualifying event on or before `as_of`; `None` if none since the plan began.
    pub last_seen: Option<NaiveDate>,
    /// `last_seen`, else the plan's start: what the due date counts from.
    pub baseline: NaiveDate,
    /// `None` when it falls past the end of the calendar (`state` is then `BeyondCalendar`).
    pub due: Option<NaiveDate>,
    /// Working days w with baseline < w ≤ as_of; `None` when as_of is past the calendar's end.
    pub working_days_since: Option<u32>,
    /// Calendar days from baseline to as_of.
    pub days_since: i64,
    pub state: ClockState,
    /// The calendar's last date, when the clock needed a date past it.
    pub calendar_ends: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// For reports: nobody needs to act today.
    Low,
    /// Due soon, or a practice concern.
    Medium,
    /// A deadline has passed.
    High,
}

/// The rule codes of domain.md §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlagCode {
    NotSeenAnyAgency,
    NotSeenBySocialWorker,
    HomeVisitDue,
    FailedVisitDecision,
    FailedVisitRevisit,
    NotSeenAlone,
    BabyNotSeenAwake,
    BedroomNotSeen,
    HomeVisitShare,
    LateRecording,
    FirstCoreGroupDue,
    CoreGroupOverdue,
    CoreGroupAttendanceGap,
    MinutesNotDistributed,
    MinutesNotAcknowledged,
    ActionOverdue,
    ReviewConferenceDue,
    LongPlan,
}

impl FlagCode {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagCode::NotSeenAnyAgency => "not_seen_any_agency",
            FlagCode::NotSeenBySocialWorker => "not_seen_by_social_worker",
            FlagCode::HomeVisitDue => "home_visit_due",
            FlagCode::FailedVisitDecision => "failed_visit_decision",
            FlagCode::FailedVisitRevisit => "failed_visit_revisit",
            FlagCode::NotSeenAlone => "not_seen_alone",
            FlagCode::BabyNotSeenAwake => "baby_not_seen_awake",
            FlagCode::BedroomNotSeen => "bedroom_not_seen",
            FlagCode::HomeVisitShare => "home_visit_share",
            FlagCode::LateRecording => "late_recording",
            FlagCode::FirstCoreGroupDue => "first_core_group_due",
            FlagCode::CoreGroupOverdue => "core_group_overdue",
            FlagCode::CoreGroupAttendanceGap => "core_group_attendance_gap",
            FlagCode::MinutesNotDistributed => "minutes_not_distributed",
            FlagCode::MinutesNotAcknowledged => "minutes_not_acknowledged",
            FlagCode::ActionOverdue => "action_overdue",
            FlagCode::ReviewConferenceDue => "review_conference_due",
            FlagCode::LongPlan => "long_plan",
        }
    }
}

/// Who must hear of a flag.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "user_id", rename_all = "snake_case")]
pub enum Audience {
    LeadSocialWorker,
    TeamManager,
    CpChair,
    MeetingChair,
    /// A named member: an action's owner, a member who has not read the minutes.
    Member(String),
}

/// What a flag is about, beyond the child.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    Sighting {
        sighting_id: String,
    },
    Meeting {
        meeting_id: String,
    },
    AgencyAtMeeting {
        meeting_id: String,
        agency_id: String,
    },
    MemberAtMeeting {
        meeting_id: String,
        user_id: String,
    },
    Action {
        action_id: String,
    },
}

impl Subject {
    /// The subject in one line, for a breach's identity (ids hold no `:`).
    fn key(&self) -> String {
        match self {
            Subject::Sighting { sighting_id } => format!("sighting:{sighting_id}"),
            Subject::Meeting { meeting_id } => format!("meeting:{meeting_id}"),
            Subject::AgencyAtMeeting {
                meeting_id,
                agency_id,
            } => format!("agency_at_meeting:{meeting_id}:{agency_id}"),
            Subject::MemberAtMeeting {
                meeting_id,
                user_id,
            } => format!("member_at_meeting:{meeting_id}:{user_id}"),
            Subject::Action { action_id } => format!("action:{action_id}"),
        }
    }
}

/// A rule breach, or a deadline close enough to warn about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub code: FlagCode,
    pub severity: Severity,
    /// When the matter began: the first day of the episode (the date last seen, the failed
    /// visit, the first day of a run of days below the home-visit share, …; docs/rules.md
    /// says which for each rule). With `code` and `subject`, what makes one breach the same
    /// breach from one evaluation to the next (domain.md §4).
    pub since: NaiveDate,
    pub due: Option<NaiveDate>,
    /// The numbers and dates behind the flag; [`Flag::message`] says them in a sentence.
    pub detail: Detail,
    pub subject: Option<Subject>,
    pub raise_to: Vec<Audience>,
    /// For attendance gaps: meetings missed in a row, this one included.
    pub consecutive_missed: Option<u32>,
}

impl Flag {
    /// A sentence a CP chair can act on ("Not seen by any agency since Fri 19 Dec 2025 — 31
    /// working days; was due by Wed 4 Feb 2026. …").
    pub fn message(&self) -> String {
        self.detail.message()
    }

    /// The breach's identity: the same on every day the breach lasts, different for two
    /// breaches (domain.md §4) — a digest of the child, the rule, the subject and the start
    /// of the episode, so that it names nothing by itself.
    pub fn breach(&self, child_id: &str) -> String {
        use sha2::{Digest, Sha256};
        let subject = self.subject.as_ref().map(Subject::key).unwrap_or_default();
        let since = self.since.to_string();
        let mut hash = Sha256::new();
        // Each part with its length first, so that no two different lists of parts run
        // together into the same bytes.
        for part in [
            child_id,
            self.code.as_str(),
            subject.as_str(),
            since.as_str(),
        ] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part.as_bytes());
        }
        hash.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The status of one child's plan on `as_of`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The date asked about.
    pub as_of: NaiveDate,
    /// The date the rules were applied at: `as_of`, or the plan's end if it ended before.
    pub evaluated_on: NaiveDate,
    pub plan_open: bool,
    pub any_agency: Clock,
    pub social_worker: Clock,
    pub home_visit: Clock,
    /// The visiting frequency in force on `evaluated_on`.
    pub home_visit_frequency: crate::domain::policy::VisitFrequency,
    /// Most severe first, then oldest first.
    pub flags: Vec<Flag>,
    /// While `not_seen_any_agency` is overdue: the urgent core group meeting it asks for.
    pub urgent_meeting: Option<UrgentMeeting>,
}

/// The urgent core group meeting, chaired by a team manager, that a child not seen by any
/// agency for 30 working days needs (seed 001 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrgentMeeting {
    /// The first day of the breach: the day after the any-agency due date.
    pub breach_began: NaiveDate,
    /// The first meeting held from that day to the evaluation date and chaired by a team
    /// manager, if there has been one.
    pub held: Option<HeldMeeting>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldMeeting {
    pub meeting_id: String,
    pub held_on: NaiveDate,
    /// Whether it was recorded as urgent (it counts either way; docs/rules.md).
    pub marked_urgent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("the plan starts on {start}, after {as_of}")]
    PlanNotStarted { start: NaiveDate, as_of: NaiveDate },
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// "Fri 19 Dec 2025" (written by hand: chrono's strftime is the slowest part of a flag).
pub fn long_date(d: NaiveDate) -> String {
    use chrono::Datelike;
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {} {}",
        DAYS[d.weekday().num_days_from_monday() as usize],
        d.day(),
        MONTHS[d.month0() as usize],
        d.year()
    )
}

/// The state of a deadline `due` on `as_of` (domain.md §3): overdue on every date after it;
/// due soon when not overdue and at most `warn` working days away. A due date past the
/// calendar's end is still known not to be due soon while more than `warn` working days
/// remain before the end; closer than that, the answer is the calendar's error.
pub(crate) fn state_of(
    calendar: &Calendar,
    due: NaiveDate,
    as_of: NaiveDate,
    warn: u32,
) -> Result<ClockState, CalendarError> {
    if as_of > due {
        return Ok(ClockState::Overdue);
    }
    let remaining = match calendar.working_days_between(as_of, due) {
        Ok(n) => n,
        Err(e) if e.past_end().is_some() && as_of <= calendar.last() => {
            // At least as many working days lie before `due` as before the end.
            match calendar.working_days_between(as_of, calendar.last())? {
                n if n > warn => n,
                _ => return Err(e),
            }
        }
        Err(e) => return Err(e),
    };
    Ok(if remaining <= warn {
        ClockState::DueSoon
    } else {
        ClockState::Ok
    })
}

/// Whether two ids (of people or agencies) are the same. These rules compare every member
/// with every list of a meeting; ids of one length nearly always differ in their last byte,
/// and checking it first spares most comparisons a library call (a quarter of a status's
/// time before).
#[inline]
fn same_id(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.last() == b.last() && a == b
}

/// A computation that needed a date past the calendar's end answers `None` ("beyond the
/// calendar", domain.md §4); any other calendar error stays an error.
pub(crate) fn known<T>(result: Result<T, CalendarError>) -> Result<Option<T>, CalendarError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.past_end().is_some() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether `day` is on or before a due date that may lie past the calendar's end (`None`):
/// a day by the calendar's end is certainly before such a date; a later one cannot be shown
/// to be, and does not count as on time.
pub(crate) fn by_due(due: Option<NaiveDate>, calendar: &Calendar, day: NaiveDate) -> bool {
    match due {
        Some(due) => day <= due,
        None => day <= calendar.last(),
    }
}

/// What the rules are applied with: the settings, the plan's calendar, the service's zone.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub policy: &'a Policy,
    pub calendar: &'a Calendar,
    pub tz: Tz,
}

impl Context<'_> {
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        self.calendar
            .add_working_days(date, n, self.policy.count_event_day)
    }

    pub fn state_of(&self, due: NaiveDate, on: NaiveDate) -> Result<ClockState, CalendarError> {
        state_of(self.calendar, due, on, self.policy.warn_working_days)
    }
}

/// Applies every rule to one child's plan on `as_of`.
///
/// Records count when final, not superseded, and occurred on or after the plan's start and
/// on or before the evaluation date. A plan that ended before `as_of` is evaluated as at its
/// end and raises no flags.
pub fn evaluate(
    facts: &CaseFacts,
    ctx: &Context<'_>,
    as_of: NaiveDate,
) -> Result<Evaluation, RuleError> {
    let plan = &facts.plan;
    if as_of < plan.start {
        return Err(RuleError::PlanNotStarted {
            start: plan.start,
            as_of,
        });
    }
    // Open as the dashboard and the chair's plans say it is (one function for all three).
    let (evaluated_on, plan_open) = match plan.end {
        Some(end) if !crate::domain::records::plan_open_on(plan.start, plan.end, as_of) => {
            (end, false)
        }
        _ => (as_of, true),
    };
    let clocks = seen::clocks(facts, ctx, evaluated_on)?;
    let mut flags = Vec::new();
    let mut urgent_meeting = None;
    if plan_open {
        seen::flags(facts, ctx, evaluated_on, &clocks, &mut flags)?;
        core_group::flags(facts, ctx, evaluated_on, &mut flags)?;
        plan::flags(facts, ctx, evaluated_on, &mut flags)?;
        // Sorted by key, then moved once each: a flag is large, and moving it at every step
        // of the sort cost more than the rules that raised it.
        flags.sort_by_cached_key(|f| (std::cmp::Reverse(f.severity), f.since));
        urgent_meeting = core_group::urgent_meeting(facts, &clocks.any_agency, evaluated_on);
    }
    Ok(Evaluation {
        as_of,
        evaluated_on,
        plan_open,
        any_agency: clocks.any_agency,
        social_worker: clocks.social_worker,
        home_visit: clocks.home_visit,
        home_visit_frequency: clocks.home_visit_frequency,
        flags,
        urgent_meeting,
    })
}

#[cfg(test)]
mod long_date_tests {
    #[test]
    fn long_dates_match_strftime() {
        let mut d = chrono::NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
        while d.year_ce().1 < 2029 {
            assert_eq!(super::long_date(d), d.format("%a %-d %b %Y").to_string());
            d = d.succ_opt().unwrap();
        }
    }
    use chrono::Datelike;
}

#[cfg(test)]
mod same_id_tests {
    use super::same_id;
    use proptest::prelude::*;

    proptest! {
        /// The shortcut answers exactly as `==`, on ids short enough to share lengths, last
        /// bytes and everything but a middle byte.
        #[test]
        fn same_id_is_equality(a in "[ab\u{e9}]{0,4}", b in "[ab\u{e9}]{0,4}") {
            prop_assert_eq!(same_id(&a, &b), a == b);
        }
    }
}
