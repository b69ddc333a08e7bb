//! The sentence each flag says, rendered only when someone reads it: evaluation keeps the
//! numbers and dates (`Detail`), which is all the rules need and costs no formatting.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::long_date;
use crate::domain::policy::VisitFrequency;

/// Which seen-clock a clock flag is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watch {
    AnyAgency,
    SocialWorker,
    HomeVisit(VisitFrequency),
}

/// What a flag found, in numbers and dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    Clock {
        watch: Watch,
        overdue: bool,
        last_seen: Option<NaiveDate>,
        baseline: NaiveDate,
        due: NaiveDate,
        /// `None` when the date asked about is past the calendar's end.
        working_days_since: Option<u32>,
        days_since: i64,
    },
    DecisionAfterFailedVisit {
        visit_on: NaiveDate,
        deadline: DateTime<Utc>,
        tz: Tz,
        hours: u32,
        overdue: bool,
        /// When the discussion took place, if a decision is recorded (then it was late).
        decided_at: Option<DateTime<Utc>>,
    },
    RevisitAfterFailedVisit {
        visit_on: NaiveDate,
        due: NaiveDate,
        /// After a second failed visit in a row: the instant the visit was due by.
        deadline: Option<DateTime<Utc>>,
        tz: Tz,
        overdue: bool,
        /// The next home visit that saw the child, if any (then it was late).
        seen_on: Option<NaiveDate>,
    },
    NotSeenAlone {
        visits: Vec<NaiveDate>,
        from_age: u32,
    },
    BabyNotSeenAwake {
        visit_on: NaiveDate,
        under_months: u32,
    },
    BedroomNotSeen {
        visits: Vec<NaiveDate>,
    },
    HomeVisitShare {
        at_home: u32,
        total: u32,
        percent: u32,
        months: u32,
    },
    LateRecording {
        late_final: u32,
        late_draft: u32,
        hours: u32,
        months: u32,
    },
    FirstCoreGroup {
        start: NaiveDate,
        due: NaiveDate,
        overdue: bool,
    },
    NextCoreGroup {
        last: NaiveDate,
        due: NaiveDate,
        overdue: bool,
    },
    AttendanceGap {
        agency_name: String,
        held_on: NaiveDate,
        missed_in_a_row: u32,
    },
    MinutesNotSent {
        held_on: NaiveDate,
        due: NaiveDate,
        overdue: bool,
    },
    MinutesMissedMembers {
        held_on: NaiveDate,
        missing: usize,
    },
    MinutesNotAcknowledged {
        held_on: NaiveDate,
        published_on: NaiveDate,
        due: NaiveDate,
    },
    ActionOverdue {
        description: String,
        due: NaiveDate,
    },
    Review {
        first: bool,
        due: NaiveDate,
        overdue: bool,
    },
    LongPlan {
        open_over_months: Option<(u32, NaiveDate)>,
        previous_plans: u32,
    },
}

fn since_phrase(last_seen: Option<NaiveDate>, baseline: NaiveDate) -> String {
    match last_seen {
        Some(d) => format!("since {}", long_date(d)),
        None => format!("since the plan began on {}", long_date(baseline)),
    }
}

fn dates(visits: &[NaiveDate]) -> String {
    visits
        .iter()
        .map(|d| long_date(*d))
        .collect::<Vec<_>>()
        .join(", ")
}

fn plural(n: impl Into<u64>, one: &'static str, many: &'static str) -> &'static str {
    if n.into() == 1 {
        one
    } else {
        many
    }
}

impl Detail {
    /// A sentence a CP chair can act on.
    pub fn message(&self) -> String {
        match self {
            Detail::Clock { watch, overdue, last_seen, baseline, due, working_days_since, days_since } => {
                let since = since_phrase(*last_seen, *baseline);
                let working_days = |before: &str, after: &str| match working_days_since {
                    Some(n) => format!("{before}{n} working days{after}"),
                    None => String::new(),
                };
                match (watch, overdue) {
                    (Watch::AnyAgency, true) => format!(
                        "Not seen by any agency {since}{}; was due by {}. Tell the CP chair and hold an urgent core group meeting.",
                        working_days(" — ", ""),
                        long_date(*due)
                    ),
                    (Watch::AnyAgency, false) => format!(
                        "To be seen by an agency by {}: not seen {since}{}.",
                        long_date(*due),
                        working_days(" (", ")")
                    ),
                    (Watch::SocialWorker, true) => format!(
                        "Not seen by a social worker {since} — {days_since} days; was due by {}. The team manager must assess the risk.",
                        long_date(*due)
                    ),
                    (Watch::SocialWorker, false) => format!(
                        "To be seen by a social worker by {}: not seen {since} ({days_since} days).",
                        long_date(*due)
                    ),
                    (Watch::HomeVisit(frequency), true) => format!(
                        "No home visit seeing the child {since}; was due by {} ({}).",
                        long_date(*due),
                        frequency.describe()
                    ),
                    (Watch::HomeVisit(frequency), false) => format!(
                        "Home visit due by {} ({}); none {since}.",
                        long_date(*due),
                        frequency.describe()
                    ),
                }
            }
            Detail::DecisionAfterFailedVisit { visit_on, deadline, tz, hours, overdue, decided_at } => {
                let by = deadline.with_timezone(tz).format("%H:%M on %a %-d %b %Y");
                if let Some(at) = decided_at {
                    format!(
                        "The team manager's decision after the failed home visit on {} was taken at {}, later than {hours} hours (due by {by}).",
                        long_date(*visit_on),
                        at.with_timezone(tz).format("%H:%M on %a %-d %b %Y")
                    )
                } else if *overdue {
                    format!(
                        "No team manager decision recorded after the failed home visit on {}; one was due within {hours} hours (by {by}).",
                        long_date(*visit_on)
                    )
                } else {
                    format!(
                        "The child was not seen at the home visit on {}: a team manager decision is due by {by}.",
                        long_date(*visit_on)
                    )
                }
            }
            Detail::RevisitAfterFailedVisit { visit_on, due, deadline, tz, overdue, seen_on } => {
                let by = match deadline {
                    Some(at) => at.with_timezone(tz).format("%H:%M on %a %-d %b %Y").to_string(),
                    None => long_date(*due),
                };
                let after = if deadline.is_some() {
                    "the second failed home visit in a row"
                } else {
                    "the failed home visit"
                };
                match (seen_on, overdue) {
                    (Some(seen), _) => format!(
                        "After {after} on {}, the child was next seen at a home visit on {}; that visit was due by {by}.",
                        long_date(*visit_on),
                        long_date(*seen)
                    ),
                    (None, true) => format!(
                        "No further home visit has seen the child since {after} on {}; one was due by {by}.",
                        long_date(*visit_on)
                    ),
                    (None, false) => format!(
                        "A further home visit is due by {by} after {after} on {}.",
                        long_date(*visit_on)
                    ),
                }
            }
            Detail::NotSeenAlone { visits, from_age } => format!(
                "Not seen alone at the last {} social-work visits ({}); a child of {from_age} or over should be seen alone regularly.",
                visits.len(),
                dates(visits)
            ),
            Detail::BabyNotSeenAwake { visit_on, under_months } => format!(
                "The baby was not recorded as seen awake at the visit on {}; a baby under {under_months} months should be seen awake at every visit.",
                long_date(*visit_on)
            ),
            Detail::BedroomNotSeen { visits } => format!(
                "The bedroom was not seen at the last {} home visits ({}); it should be seen at least at alternate visits.",
                visits.len(),
                dates(visits)
            ),
            Detail::HomeVisitShare { at_home, total, percent, months } => format!(
                "Only {at_home} of {total} social-work visits in the last {months} months took place at home ({}%); at least {percent}% should.",
                at_home * 100 / (*total).max(1)
            ),
            Detail::LateRecording { late_final, late_draft, hours, months } => {
                let mut parts = Vec::new();
                if *late_final > 0 {
                    parts.push(format!(
                        "In the last {months} months, {late_final} social-care {} finalised more than {hours} hours after the contact",
                        plural(*late_final, "record was", "records were")
                    ));
                }
                if *late_draft > 0 {
                    parts.push(format!(
                        "{late_draft} social-care {} still a draft after {hours} hours and not counted as seen",
                        plural(*late_draft, "record is", "records are")
                    ));
                }
                format!("{}.", parts.join("; "))
            }
            Detail::FirstCoreGroup { start, due, overdue } => {
                if *overdue {
                    format!(
                        "No core group has met since the plan began on {}; the first was due by {}.",
                        long_date(*start),
                        long_date(*due)
                    )
                } else {
                    format!("The first core group is due by {}.", long_date(*due))
                }
            }
            Detail::NextCoreGroup { last, due, overdue } => {
                if *overdue {
                    format!(
                        "The core group has not met since {}; the next meeting was due by {}.",
                        long_date(*last),
                        long_date(*due)
                    )
                } else {
                    format!("The next core group is due by {} (last met {}).", long_date(*due), long_date(*last))
                }
            }
            Detail::AttendanceGap { agency_name, held_on, missed_in_a_row } => {
                if *missed_in_a_row > 1 {
                    format!(
                        "Nobody from {agency_name} attended the core group on {} — {missed_in_a_row} meetings missed in a row.",
                        long_date(*held_on)
                    )
                } else {
                    format!("Nobody from {agency_name} attended the core group on {}.", long_date(*held_on))
                }
            }
            Detail::MinutesNotSent { held_on, due, overdue } => {
                if *overdue {
                    format!(
                        "The minutes of the core group on {} have not been sent to the members; they were due by {}.",
                        long_date(*held_on),
                        long_date(*due)
                    )
                } else {
                    format!(
                        "The minutes of the core group on {} are due to every member by {}.",
                        long_date(*held_on),
                        long_date(*due)
                    )
                }
            }
            Detail::MinutesMissedMembers { held_on, missing } => format!(
                "The minutes of the core group on {} were not sent to {missing} {} of the core group.",
                long_date(*held_on),
                plural(*missing as u64, "member", "members")
            ),
            Detail::MinutesNotAcknowledged { held_on, published_on, due } => format!(
                "A member has not acknowledged the minutes of the core group on {}, published {}; due by {}.",
                long_date(*held_on),
                long_date(*published_on),
                long_date(*due)
            ),
            Detail::ActionOverdue { description, due } => {
                let summary: String = description.chars().take(80).collect();
                let ellipsis = if description.chars().count() > 80 { "…" } else { "" };
                format!("Action “{summary}{ellipsis}” was due by {} and is still open.", long_date(*due))
            }
            Detail::Review { first, due, overdue } => {
                let which = if *first { "first review conference" } else { "next review conference" };
                if *overdue {
                    format!("The {which} was due by {} and has not been held.", long_date(*due))
                } else {
                    format!("The {which} is due by {}.", long_date(*due))
                }
            }
            Detail::LongPlan { open_over_months, previous_plans } => {
                let mut reasons = Vec::new();
                if let Some((months, start)) = open_over_months {
                    reasons.push(format!("open for more than {months} months (since {})", long_date(*start)));
                }
                match previous_plans {
                    0 => {}
                    1 => reasons.push("the child's second plan".to_string()),
                    n => reasons.push(format!("the child's plan number {}", n + 1)),
                }
                format!("This plan is {}.", reasons.join(", and "))
            }
        }
    }
}
