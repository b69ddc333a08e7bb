//! The home-visit clock under a visiting frequency that changes (domain.md §4
//! `home_visit_due`; seed 001 §7): the plan's frequency history is plain data, dated changes.

use chrono::{Days, NaiveDate};

use super::Context;
use crate::domain::calendar::CalendarError;
use crate::domain::policy::{FrequencyUnit, VisitFrequency};
use crate::domain::records::PlanFacts;

/// The frequency in force on `day`: the latest change dated on or before it, else the plan's
/// own, else the policy's default.
pub fn frequency_on(plan: &PlanFacts, default: VisitFrequency, day: NaiveDate) -> VisitFrequency {
    recorded_frequency_on(plan, day).unwrap_or(default)
}

/// The plan's own frequency in force on `day`, as recorded: `None` means the policy's default.
pub fn recorded_frequency_on(plan: &PlanFacts, day: NaiveDate) -> Option<VisitFrequency> {
    match plan.frequency_changes.iter().rfind(|c| c.from <= day) {
        Some(change) => change.frequency,
        None => plan.visit_frequency,
    }
}

fn after(
    ctx: &Context<'_>,
    baseline: NaiveDate,
    f: VisitFrequency,
) -> Result<NaiveDate, CalendarError> {
    match f.unit {
        FrequencyUnit::WorkingDays => ctx.add_working_days(baseline, f.every),
        FrequencyUnit::CalendarDays => Ok(baseline + Days::new(u64::from(f.every))),
    }
}

/// The home visit's due date from `baseline`, with the changes in force on `on`: the
/// frequency in force on the baseline counts from it; a change dated after the baseline and
/// on or before the due date moves the due date to the new frequency counted from the same
/// baseline, but never before the change's own date (the old frequency held until then).
/// A change dated after the due date changes nothing: a breach stays a breach.
pub fn home_visit_due(
    plan: &PlanFacts,
    ctx: &Context<'_>,
    baseline: NaiveDate,
    on: NaiveDate,
) -> Result<NaiveDate, CalendarError> {
    let default = ctx.policy.home_visit_frequency;
    let mut due = after(ctx, baseline, frequency_on(plan, default, baseline))?;
    for change in plan
        .frequency_changes
        .iter()
        .filter(|c| c.from > baseline && c.from <= on)
    {
        if change.from > due {
            break;
        }
        let f = change.frequency.unwrap_or(default);
        due = after(ctx, baseline, f)?.max(change.from);
    }
    Ok(due)
}

/// Whether the home-visit clock counting from `baseline` is overdue on some day from `first`
/// to `last` (the due date, asked on each day, moves only on a change's date, so the day
/// before each change and `last` are the days to ask). A due date past the calendar's end is
/// after every day the calendar knows: not overdue on them.
pub fn overdue_between(
    plan: &PlanFacts,
    ctx: &Context<'_>,
    baseline: NaiveDate,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<bool, CalendarError> {
    let days = plan
        .frequency_changes
        .iter()
        .filter_map(|c| c.from.pred_opt())
        .filter(|d| *d >= first && *d < last)
        .chain(std::iter::once(last));
    for day in days {
        match home_visit_due(plan, ctx, baseline, day) {
            Ok(due) if day > due => return Ok(true),
            Ok(_) => {}
            Err(e) if e.past_end().is_some() && day <= ctx.calendar.last() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}
