//! The plan itself: actions, review conferences, long and repeat plans.

use chrono::{Months, NaiveDate};

use super::{known, Audience, ClockState, Context, Detail, Flag, FlagCode, Severity, Subject};
use crate::domain::calendar::CalendarError;
use crate::domain::policy::Policy;
use crate::domain::records::CaseFacts;

/// Adds months the way people count them: 31 January + 3 months is 30 April (the month's
/// last day when the day does not exist).
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// When the next review conference is due on `on`: within `first_review_months` of the
/// start, then at most `review_interval_months` after the last review held by then. Answers
/// (baseline, due, whether it is the first review).
pub fn next_review_due(
    start: NaiveDate,
    reviews_held: impl IntoIterator<Item = NaiveDate>,
    on: NaiveDate,
    policy: &Policy,
) -> (NaiveDate, NaiveDate, bool) {
    let last = reviews_held
        .into_iter()
        .filter(|d| *d <= on && *d >= start)
        .max();
    match last {
        None => (start, add_months(start, policy.first_review_months), true),
        Some(held) => (held, add_months(held, policy.review_interval_months), false),
    }
}

pub(super) fn flags(
    facts: &CaseFacts,
    ctx: &Context<'_>,
    on: NaiveDate,
    out: &mut Vec<Flag>,
) -> Result<(), CalendarError> {
    let policy = ctx.policy;
    let start = facts.plan.start;

    // action_overdue: open on `on`, past its due date.
    for action in &facts.actions {
        let closed = [action.done_on, action.cancelled_on]
            .into_iter()
            .flatten()
            .any(|d| d <= on);
        if action.created_on > on || closed || on <= action.due {
            continue;
        }
        out.push(Flag {
            code: FlagCode::ActionOverdue,
            severity: Severity::High,
            since: action.due,
            due: Some(action.due),
            detail: Detail::ActionOverdue {
                description: action.description.clone(),
                due: action.due,
            },
            subject: Some(Subject::Action {
                action_id: action.id.clone(),
            }),
            raise_to: vec![Audience::Member(action.owner_id.clone()), Audience::CpChair],
            consecutive_missed: None,
        });
    }

    // review_conference_due: first within 3 months of the start, then every 6 months.
    let (since, due, first) =
        next_review_due(start, facts.reviews.iter().map(|r| r.held_on), on, policy);
    // Whether it is due soon past the calendar's end cannot be said: not raised.
    if let Some(state) = known(ctx.state_of(due, on))?.filter(|s| *s != ClockState::Ok) {
        let overdue = state == ClockState::Overdue;
        out.push(Flag {
            code: FlagCode::ReviewConferenceDue,
            severity: if overdue {
                Severity::High
            } else {
                Severity::Medium
            },
            since,
            due: Some(due),
            detail: Detail::Review {
                first,
                due,
                overdue,
            },
            subject: None,
            raise_to: vec![Audience::CpChair],
            consecutive_missed: None,
        });
    }

    // long_plan: open over 15 months, or a second or subsequent plan (seeds 001 §8, 003).
    let long_from = add_months(start, policy.long_plan_months);
    let long = on > long_from;
    let repeat = facts.plan.previous_plans > 0;
    if long || repeat {
        out.push(Flag {
            code: FlagCode::LongPlan,
            severity: Severity::Low,
            since: start,
            due: long.then_some(long_from),
            detail: Detail::LongPlan {
                open_over_months: long.then_some((policy.long_plan_months, start)),
                previous_plans: facts.plan.previous_plans,
            },
            subject: None,
            raise_to: vec![Audience::CpChair],
            consecutive_missed: None,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_added_as_people_count_them() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(add_months(d("2026-01-31"), 3), d("2026-04-30"));
        assert_eq!(add_months(d("2025-11-30"), 3), d("2026-02-28"));
        assert_eq!(add_months(d("2027-11-30"), 3), d("2028-02-29"));
        assert_eq!(add_months(d("2026-08-31"), 6), d("2027-02-28"));
        assert_eq!(add_months(d("2026-03-15"), 15), d("2027-06-15"));
    }
}
