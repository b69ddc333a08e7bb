//! Whether the child is seen: the three clocks, and the rules about the visits themselves.

use chrono::{Days, Months, NaiveDate};

use super::frequency::{frequency_on, home_visit_due, overdue_between};
use super::{
    known, Audience, Clock, ClockState, Context, Detail, Flag, FlagCode, Severity, Subject, Watch,
};
use crate::domain::calendar::CalendarError;
use crate::domain::policy::{Policy, VisitFrequency};
use crate::domain::records::{
    local_date, months_between, CaseFacts, Location, Outcome, PlanFacts, RecordStatus,
    SightingFact, SightingKind,
};

/// The three seen-clocks of a child's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clocks {
    pub any_agency: Clock,
    pub social_worker: Clock,
    pub home_visit: Clock,
    /// The visiting frequency in force on the day asked about.
    pub home_visit_frequency: VisitFrequency,
}

/// A record counts when final (seed 004: a visit not finalised "will not be counted"), not
/// superseded by a correction, and within the plan up to the evaluation date.
fn counts(s: &SightingFact, start: NaiveDate, on: NaiveDate) -> bool {
    s.status == RecordStatus::Final
        && !s.superseded
        && s.occurred_on >= start
        && s.occurred_on <= on
}

/// A social-work visit in which the child was seen.
fn social_work_seen(s: &SightingFact) -> bool {
    s.by_social_care && s.outcome.is_seen()
}

/// A statutory home visit: a `home_visit` recorded by social care.
fn home_visit(s: &SightingFact) -> bool {
    s.by_social_care && s.kind == SightingKind::HomeVisit
}

/// A clock whose due date (or due-soon state, or working days since) needs a date past the
/// calendar's end says so rather than fail: only that clock is "beyond the calendar"
/// (domain.md §4); a date before the calendar's start is still an error.
fn clock(
    ctx: &Context<'_>,
    last_seen: Option<NaiveDate>,
    start: NaiveDate,
    due: impl FnOnce(NaiveDate) -> Result<NaiveDate, CalendarError>,
    on: NaiveDate,
) -> Result<Clock, CalendarError> {
    let baseline = last_seen.unwrap_or(start);
    let due = known(due(baseline))?;
    let working_days_since = known(ctx.calendar.working_days_between(baseline, on))?;
    let state = match due {
        Some(due) => known(ctx.state_of(due, on))?,
        None => None,
    };
    let beyond = due.is_none() || working_days_since.is_none() || state.is_none();
    Ok(Clock {
        last_seen,
        baseline,
        due,
        working_days_since,
        days_since: (on - baseline).num_days(),
        state: state.unwrap_or(ClockState::BeyondCalendar),
        calendar_ends: beyond.then(|| ctx.calendar.last()),
    })
}

/// The latest dates each clock counts from: seen by anyone, by social care, at a home visit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Latest {
    pub seen_any: Option<NaiveDate>,
    pub seen_by_social_care: Option<NaiveDate>,
    pub home_visit_seen: Option<NaiveDate>,
}

pub(super) fn clocks(
    facts: &CaseFacts,
    ctx: &Context<'_>,
    on: NaiveDate,
) -> Result<Clocks, CalendarError> {
    let start = facts.plan.start;
    let mut latest = Latest::default();
    for s in facts
        .sightings
        .iter()
        .filter(|s| counts(s, start, on) && s.outcome.is_seen())
    {
        latest.seen_any = latest.seen_any.max(Some(s.occurred_on));
        if s.by_social_care {
            latest.seen_by_social_care = latest.seen_by_social_care.max(Some(s.occurred_on));
            if s.kind == SightingKind::HomeVisit {
                latest.home_visit_seen = latest.home_visit_seen.max(Some(s.occurred_on));
            }
        }
    }
    clocks_from_latest(&facts.plan, latest, ctx, on)
}

/// The three clocks from the latest dates alone (what a dashboard keeps per child). Dates
/// before the plan's start or after `on` do not count.
pub fn clocks_from_latest(
    plan: &PlanFacts,
    latest: Latest,
    ctx: &Context<'_>,
    on: NaiveDate,
) -> Result<Clocks, CalendarError> {
    let start = plan.start;
    let within = |d: Option<NaiveDate>| d.filter(|d| *d >= start && *d <= on);
    let policy = ctx.policy;
    Ok(Clocks {
        any_agency: clock(
            ctx,
            within(latest.seen_any),
            start,
            |b| ctx.add_working_days(b, policy.any_agency_working_days),
            on,
        )?,
        social_worker: clock(
            ctx,
            within(latest.seen_by_social_care),
            start,
            |b| Ok(b + Days::new(u64::from(policy.social_worker_calendar_days))),
            on,
        )?,
        home_visit: clock(
            ctx,
            within(latest.home_visit_seen),
            start,
            |b| home_visit_due(plan, ctx, b, on),
            on,
        )?,
        home_visit_frequency: frequency_on(plan, policy.home_visit_frequency, on),
    })
}

/// The clock flags alone: what a dashboard shows for each child.
pub fn clock_flags(plan: &PlanFacts, clocks: &Clocks, policy: &Policy) -> Vec<Flag> {
    let mut out = Vec::new();
    push_clock_flags(plan, clocks, policy, &mut out);
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.since.cmp(&b.since)));
    out
}

fn push_clock_flags(_plan: &PlanFacts, clocks: &Clocks, _policy: &Policy, out: &mut Vec<Flag>) {
    // not_seen_any_agency (seed 001 §5), not_seen_by_social_worker (seed 001 §4).
    out.extend(clock_flag(
        FlagCode::NotSeenAnyAgency,
        &clocks.any_agency,
        Watch::AnyAgency,
        vec![Audience::CpChair, Audience::TeamManager],
    ));
    out.extend(clock_flag(
        FlagCode::NotSeenBySocialWorker,
        &clocks.social_worker,
        Watch::SocialWorker,
        vec![Audience::TeamManager],
    ));
    // home_visit_due (seed 001 §1; the plan's frequency in force that day): the team
    // manager hears of it once it is overdue.
    let frequency = clocks.home_visit_frequency;
    let raise_to = if clocks.home_visit.state == ClockState::Overdue {
        vec![Audience::LeadSocialWorker, Audience::TeamManager]
    } else {
        vec![Audience::LeadSocialWorker]
    };
    out.extend(clock_flag(
        FlagCode::HomeVisitDue,
        &clocks.home_visit,
        Watch::HomeVisit(frequency),
        raise_to,
    ));
}

fn clock_flag(
    code: FlagCode,
    clock: &Clock,
    watch: Watch,
    raise_to: Vec<Audience>,
) -> Option<Flag> {
    // Beyond the calendar, the rule cannot say when the clock falls due: nothing is raised.
    let severity = match clock.state {
        ClockState::Ok | ClockState::BeyondCalendar => return None,
        ClockState::DueSoon => Severity::Medium,
        ClockState::Overdue => Severity::High,
    };
    let due = clock.due?;
    // The episode is the time since the child was last seen (the baseline): the warning and
    // the breach it becomes are one, until the child is seen again.
    Some(Flag {
        code,
        severity,
        since: clock.baseline,
        due: Some(due),
        detail: Detail::Clock {
            watch,
            overdue: clock.state == ClockState::Overdue,
            last_seen: clock.last_seen,
            baseline: clock.baseline,
            due,
            working_days_since: clock.working_days_since,
            days_since: clock.days_since,
        },
        subject: None,
        raise_to,
        consecutive_missed: None,
    })
}

pub(super) fn flags(
    facts: &CaseFacts,
    ctx: &Context<'_>,
    on: NaiveDate,
    clocks: &Clocks,
    out: &mut Vec<Flag>,
) -> Result<(), CalendarError> {
    let policy = ctx.policy;
    let start = facts.plan.start;

    push_clock_flags(&facts.plan, clocks, policy, out);

    // Records in date order, once, for the rules that look at "the last N visits".
    let mut records: Vec<&SightingFact> = facts
        .sightings
        .iter()
        .filter(|s| counts(s, start, on))
        .collect();
    records.sort_by_key(|s| s.occurred_at);

    let window_start = window(on, start, policy.home_visit_share_months);
    failed_visits(facts, ctx, on, window_start, &records, out)?;
    not_seen_alone(
        facts,
        policy.seen_alone_from_age_years,
        policy.not_seen_alone_after_visits as usize,
        &records,
        out,
    );
    baby_not_seen_awake(facts, policy.baby_under_months, window_start, &records, out);
    bedroom_not_seen(
        facts,
        policy.bedroom_not_seen_after_visits as usize,
        &records,
        out,
    );
    home_visit_share(
        policy.home_visit_share_percent,
        policy.home_visit_share_months,
        start,
        on,
        &records,
        out,
    );
    let late_window = window(on, start, policy.late_recording_months);
    late_recording(facts, ctx, on, late_window, out);
    Ok(())
}

/// The day before a rolling window of `months` up to `on` begins (never before the plan).
fn window(on: NaiveDate, start: NaiveDate, months: u32) -> NaiveDate {
    on.checked_sub_months(Months::new(months))
        .unwrap_or(start)
        .max(start.pred_opt().unwrap_or(start))
}

/// The ids of a record and of every earlier version it corrects, newest first.
fn versions<'a>(facts: &'a CaseFacts, s: &'a SightingFact) -> Vec<&'a str> {
    let mut ids = vec![s.id.as_str()];
    let mut next = s.supersedes.as_deref();
    while let Some(id) = next {
        if ids.contains(&id) {
            break;
        }
        ids.push(id);
        next = facts
            .sightings
            .iter()
            .find(|x| x.id == id)
            .and_then(|x| x.supersedes.as_deref());
    }
    ids
}

/// A visit as a flag's subject: its first version, so that a correction keeps the breach's
/// identity (domain.md §4).
fn visit_subject(ids: &[&str]) -> Option<Subject> {
    ids.last().map(|id| Subject::Sighting {
        sighting_id: (*id).to_string(),
    })
}

/// Every home visit that did not see the child is its own case (seed 001 §3): a team
/// manager's decision within 24 hours of it, to the minute (`failed_visit_decision`), and a
/// visit seeing the child within 5 working days, or within 24 hours after a second failure
/// in a row (`failed_visit_revisit`). Unmet, each stays until met; met late, it stays listed
/// (low) while the failed visit is after `after`.
fn failed_visits(
    facts: &CaseFacts,
    ctx: &Context<'_>,
    on: NaiveDate,
    after: NaiveDate,
    records: &[&SightingFact],
    out: &mut Vec<Flag>,
) -> Result<(), CalendarError> {
    let policy = ctx.policy;
    let homes: Vec<&SightingFact> = records.iter().filter(|s| home_visit(s)).copied().collect();
    for (i, failed) in homes.iter().enumerate() {
        // Both `not_seen` and `not_present` leave the child unseen: either is a failed visit.
        if failed.outcome.is_seen() {
            continue;
        }
        let ids = versions(facts, failed);
        let recent = failed.occurred_on > after;
        // A decision on any version counts: it stays tied to the visit through corrections.
        let decided_at = facts
            .decisions
            .iter()
            .filter(|d| d.decided_on <= on && ids.contains(&d.sighting_id.as_str()))
            .map(|d| d.decided_at)
            .min();
        let deadline = failed.occurred_at
            + chrono::Duration::hours(i64::from(policy.failed_visit_decision_hours));
        let deadline_on = local_date(ctx.tz, deadline);
        let severity = match decided_at {
            Some(t) if t <= deadline => None,
            Some(_) => recent.then_some(Severity::Low),
            None if on > deadline_on => Some(Severity::High),
            None => Some(Severity::Medium),
        };
        if let Some(severity) = severity {
            out.push(Flag {
                code: FlagCode::FailedVisitDecision,
                severity,
                since: failed.occurred_on,
                due: Some(deadline_on),
                detail: Detail::DecisionAfterFailedVisit {
                    visit_on: failed.occurred_on,
                    deadline,
                    tz: ctx.tz,
                    hours: policy.failed_visit_decision_hours,
                    overdue: severity == Severity::High,
                    decided_at,
                },
                subject: visit_subject(&ids),
                raise_to: vec![Audience::TeamManager],
                consecutive_missed: None,
            });
        }

        // The child still not seen at the next visit: a visit within 24 hours of that one.
        let second = i > 0 && !homes[i - 1].outcome.is_seen();
        let next_seen = homes[i + 1..].iter().find(|s| s.outcome.is_seen());
        let (due, deadline, met) = if second {
            let deadline = failed.occurred_at
                + chrono::Duration::hours(i64::from(policy.second_failed_visit_revisit_hours));
            let met = next_seen.map(|s| s.occurred_at <= deadline);
            (local_date(ctx.tz, deadline), Some(deadline), met)
        } else {
            // A revisit due past the calendar's end cannot be judged: not raised.
            let Some(due) = known(
                ctx.add_working_days(failed.occurred_on, policy.failed_visit_revisit_working_days),
            )?
            else {
                continue;
            };
            (due, None, next_seen.map(|s| s.occurred_on <= due))
        };
        let severity = match met {
            Some(true) => None,
            Some(false) => recent.then_some(Severity::Low),
            None if on > due => Some(Severity::High),
            None => Some(Severity::Medium),
        };
        if let Some(severity) = severity {
            out.push(Flag {
                code: FlagCode::FailedVisitRevisit,
                severity,
                since: failed.occurred_on,
                due: Some(due),
                detail: Detail::RevisitAfterFailedVisit {
                    visit_on: failed.occurred_on,
                    due,
                    deadline,
                    tz: ctx.tz,
                    overdue: severity == Severity::High,
                    seen_on: next_seen.map(|s| s.occurred_on),
                },
                subject: visit_subject(&ids),
                raise_to: vec![Audience::TeamManager, Audience::LeadSocialWorker],
                consecutive_missed: None,
            });
        }
    }
    Ok(())
}

/// The visits' dates, oldest first.
fn visit_dates(visits: &[&SightingFact]) -> Vec<NaiveDate> {
    visits.iter().rev().map(|s| s.occurred_on).collect()
}

/// A child aged 4 or over should be seen alone regularly: flag when the last N social-work
/// visits in which they were seen (all at 4 or over) were not `seen_alone` (seed 001 §2).
/// The episode is the whole run of such visits since the child was last seen alone (or
/// turned 4): it begins at the run's first visit, its subject, and lasts until a visit sees
/// the child alone — each later visit not alone continues it.
fn not_seen_alone(
    facts: &CaseFacts,
    from_age: u32,
    n: usize,
    records: &[&SightingFact],
    out: &mut Vec<Flag>,
) {
    let old_enough = |s: &&SightingFact| {
        months_between(facts.date_of_birth, s.occurred_on) >= (from_age * 12) as i32
    };
    let run: Vec<&SightingFact> = records
        .iter()
        .rev()
        .filter(|s| social_work_seen(s))
        .take_while(|s| s.outcome != Outcome::SeenAlone && old_enough(s))
        .copied()
        .collect();
    if n == 0 || run.len() < n {
        return;
    }
    let first = run[run.len() - 1];
    out.push(Flag {
        code: FlagCode::NotSeenAlone,
        severity: Severity::Medium,
        since: first.occurred_on,
        due: None,
        detail: Detail::NotSeenAlone {
            visits: visit_dates(&run[..n]),
            from_age,
        },
        subject: visit_subject(&versions(facts, first)),
        raise_to: vec![Audience::LeadSocialWorker],
        consecutive_missed: None,
    });
}

/// A baby (under 18 months) is to be seen awake at every visit (seed 001 §2): each
/// social-work visit that saw a baby but not awake is its own breach, which a later awake
/// visit does not erase; listed while the visit is after `after` (the practice flags' window).
fn baby_not_seen_awake(
    facts: &CaseFacts,
    under_months: u32,
    after: NaiveDate,
    records: &[&SightingFact],
    out: &mut Vec<Flag>,
) {
    for visit in records
        .iter()
        .filter(|s| s.occurred_on > after && social_work_seen(s))
    {
        let baby = months_between(facts.date_of_birth, visit.occurred_on) < under_months as i32;
        if !baby || visit.baby_awake == Some(true) {
            continue;
        }
        out.push(Flag {
            code: FlagCode::BabyNotSeenAwake,
            severity: Severity::Medium,
            since: visit.occurred_on,
            due: None,
            detail: Detail::BabyNotSeenAwake {
                visit_on: visit.occurred_on,
                under_months,
            },
            subject: visit_subject(&versions(facts, visit)),
            raise_to: vec![Audience::LeadSocialWorker],
            consecutive_missed: None,
        });
    }
}

/// The bedroom is to be seen at least on alternate home visits (seed 001 §2): flag when the
/// last N home visits that saw the child did not see it. As with seen alone, the episode is
/// the run of such visits since the bedroom was last seen, from its first visit.
fn bedroom_not_seen(facts: &CaseFacts, n: usize, records: &[&SightingFact], out: &mut Vec<Flag>) {
    let run: Vec<&SightingFact> = records
        .iter()
        .rev()
        .filter(|s| home_visit(s) && s.outcome.is_seen())
        .take_while(|s| s.bedroom_seen != Some(true))
        .copied()
        .collect();
    if n == 0 || run.len() < n {
        return;
    }
    let first = run[run.len() - 1];
    out.push(Flag {
        code: FlagCode::BedroomNotSeen,
        severity: Severity::Medium,
        since: first.occurred_on,
        due: None,
        detail: Detail::BedroomNotSeen {
            visits: visit_dates(&run[..n]),
        },
        subject: visit_subject(&versions(facts, first)),
        raise_to: vec![Audience::LeadSocialWorker],
        consecutive_missed: None,
    });
}

/// At least half of social-work visits in a rolling 3 months take place at home (seed 004).
/// The window rolls every day, so the episode is the current run of days on which the share
/// was below the threshold: it begins on the run's first day (found by walking back a day at
/// a time, never before the plan's start) and ends on the first day the share is met again.
fn home_visit_share(
    percent: u32,
    months: u32,
    start: NaiveDate,
    on: NaiveDate,
    records: &[&SightingFact],
    out: &mut Vec<Flag>,
) {
    let (mut total, mut at_home) = (0u32, 0u32);
    let after = window(on, start, months);
    for s in records
        .iter()
        .filter(|s| s.occurred_on > after && social_work_seen(s))
    {
        total += 1;
        at_home += u32::from(s.location == Location::Home);
    }
    let below = |(at_home, total): (u32, u32)| total > 0 && at_home * 100 < percent * total;
    if !below((at_home, total)) {
        return;
    }
    // (date, at home) of every social-work visit that saw the child, oldest first; and how
    // many of the first i were at home: the share on any earlier day in two searches.
    let visits: Vec<(NaiveDate, bool)> = records
        .iter()
        .filter(|s| social_work_seen(s))
        .map(|s| (s.occurred_on, s.location == Location::Home))
        .collect();
    let mut at_home_before = Vec::with_capacity(visits.len() + 1);
    at_home_before.push(0u32);
    for (i, (_, home)) in visits.iter().enumerate() {
        at_home_before.push(at_home_before[i] + u32::from(*home));
    }
    let share_on = |day: NaiveDate| {
        let after = window(day, start, months);
        let lo = visits.partition_point(|(d, _)| *d <= after);
        let hi = visits.partition_point(|(d, _)| *d <= day).max(lo);
        (at_home_before[hi] - at_home_before[lo], (hi - lo) as u32)
    };
    let mut since = on;
    while let Some(day) = since.pred_opt().filter(|d| *d >= start) {
        if !below(share_on(day)) {
            break;
        }
        since = day;
    }
    out.push(Flag {
        code: FlagCode::HomeVisitShare,
        severity: Severity::Medium,
        since,
        due: None,
        detail: Detail::HomeVisitShare {
            at_home,
            total,
            percent,
            months,
        },
        subject: None,
        raise_to: vec![Audience::TeamManager],
        consecutive_missed: None,
    });
}

/// The instant a local date begins (the earliest, if the zone repeats or skips that time).
fn local_midnight(ctx: &Context<'_>, day: NaiveDate) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::TimeZone;
    let midnight = day.and_hms_opt(0, 0, 0)?;
    ctx.tz
        .from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            ctx.tz
                .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// Social-care records are to be final within 48 hours of the contact (seed 004 is a
/// standard for social workers). Late finalisations are reported over the rolling window
/// after `after`; a record still a draft past the deadline is worse (it does not count as
/// seen) and stays late however old, until finalised or withdrawn: once withdrawn (by the end
/// of `on`), it is not counted, though it was late on the days before. A correction is judged
/// by its first version: correcting a final record is not finalising it late.
fn late_recording(
    facts: &CaseFacts,
    ctx: &Context<'_>,
    on: NaiveDate,
    after: NaiveDate,
    out: &mut Vec<Flag>,
) {
    let hours = ctx.policy.late_recording_hours;
    // The instants at which `on` begins and ends locally: comparing instants with these is
    // the same as comparing local dates with `on`, without a zone conversion per record.
    let (Some(day_starts), Some(day_ends)) = (
        local_midnight(ctx, on),
        on.succ_opt().and_then(|next| local_midnight(ctx, next)),
    ) else {
        return;
    };
    let (mut late_final, mut late_draft) = (0u32, 0u32);
    let mut since: Option<NaiveDate> = None;
    let start = facts.plan.start;
    for s in facts.sightings.iter().filter(|s| {
        s.by_social_care && s.supersedes.is_none() && s.occurred_on >= start && s.occurred_on <= on
    }) {
        if s.withdrawn_at.is_some_and(|w| w < day_ends) {
            continue;
        }
        let deadline = s.occurred_at + chrono::Duration::hours(i64::from(hours));
        let final_by_then = s.finalised_at.filter(|f| *f < day_ends);
        let late = match final_by_then {
            Some(f) if f > deadline && s.occurred_on > after => {
                late_final += 1;
                true
            }
            Some(_) => false,
            // Still a draft on `on`, whose deadline fell on an earlier day.
            None if deadline < day_starts => {
                late_draft += 1;
                true
            }
            None => false,
        };
        if late {
            since = since.min(Some(s.occurred_on)).or(Some(s.occurred_on));
        }
    }
    let Some(oldest) = since else { return };
    let since = late_episode(facts, ctx, on).unwrap_or(oldest);
    out.push(Flag {
        code: FlagCode::LateRecording,
        severity: if late_draft > 0 {
            Severity::Medium
        } else {
            Severity::Low
        },
        since,
        due: None,
        detail: Detail::LateRecording {
            late_final,
            late_draft,
            hours,
            months: ctx.policy.late_recording_months,
        },
        subject: None,
        raise_to: vec![Audience::TeamManager],
        consecutive_missed: None,
    });
}

/// The first day of the run of days, up to `on`, on which `late_recording` was raised: the
/// start of its episode. Each record is late over one or two spans of days — as a draft from
/// the day after its deadline until finalised or withdrawn, then, finalised late, while the
/// contact is within the rolling window — and the episode is the spans joined without a gap.
fn late_episode(facts: &CaseFacts, ctx: &Context<'_>, on: NaiveDate) -> Option<NaiveDate> {
    let (hours, months) = (
        ctx.policy.late_recording_hours,
        ctx.policy.late_recording_months,
    );
    let start = facts.plan.start;
    // [from, until) in days; `until: None` is "still".
    let mut spans: Vec<(NaiveDate, Option<NaiveDate>)> = Vec::new();
    for s in facts.sightings.iter().filter(|s| {
        s.by_social_care && s.supersedes.is_none() && s.occurred_on >= start && s.occurred_on <= on
    }) {
        let deadline = s.occurred_at + chrono::Duration::hours(i64::from(hours));
        // Final in time: never late (checked before any zone conversion, the common case).
        if s.finalised_at.is_some_and(|f| f <= deadline) {
            continue;
        }
        let final_day = s.finalised_at.map(|f| local_date(ctx.tz, f));
        let withdrawn_day = s.withdrawn_at.map(|w| local_date(ctx.tz, w));
        let mut add = |from: NaiveDate, until: Option<NaiveDate>| {
            let until = match (until, withdrawn_day) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if until.is_none_or(|u| from < u) {
                spans.push((from, until));
            }
        };
        if let Some(after_deadline) = local_date(ctx.tz, deadline).succ_opt() {
            add(after_deadline, final_day);
        }
        if let Some(final_day) = final_day {
            add(final_day, Some(leaves_window(s.occurred_on, months)));
        }
    }
    spans.sort_by_key(|(from, _)| *from);
    let mut merged: Vec<(NaiveDate, Option<NaiveDate>)> = Vec::new();
    for (from, until) in spans {
        match merged.last_mut() {
            Some((_, end)) if end.is_none_or(|e| from <= e) => {
                *end = match (*end, until) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
            _ => merged.push((from, until)),
        }
    }
    merged
        .into_iter()
        .find(|(from, until)| *from <= on && until.is_none_or(|u| on < u))
        .map(|(from, _)| from)
}

/// The first day whose rolling window of `months` no longer holds a contact on `day`: `day`
/// plus the months, or, when that month is too short for the day (30 Nov + 3 months is
/// 28 Feb), the 1st of the month after (28 Feb less 3 months is 28 Nov, still before it).
fn leaves_window(day: NaiveDate, months: u32) -> NaiveDate {
    use chrono::Datelike;
    match day.checked_add_months(Months::new(months)) {
        Some(d) if d.day() == day.day() => d,
        Some(d) => d.succ_opt().unwrap_or(d),
        None => NaiveDate::MAX,
    }
}

/// A child's social-work visiting over a period, for the monthly visits report (contract.md,
/// seed 000's briefing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitsInPeriod {
    /// Seen at a final social-care home visit during the period.
    pub visited: bool,
    /// The home-visit clock was not overdue on any day of the period the plan was open.
    pub never_overdue: bool,
}

/// Visiting from `from` to `to` (both included), counting only the days the plan was open.
pub fn visits_in_period(
    facts: &CaseFacts,
    ctx: &Context<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<VisitsInPeriod, CalendarError> {
    let plan = &facts.plan;
    let from = from.max(plan.start);
    let to = plan.end.map_or(to, |end| end.min(to));
    if from > to {
        return Ok(VisitsInPeriod {
            visited: false,
            never_overdue: true,
        });
    }
    let mut visits: Vec<NaiveDate> = facts
        .sightings
        .iter()
        .filter(|s| counts(s, plan.start, to) && home_visit(s) && s.outcome.is_seen())
        .map(|s| s.occurred_on)
        .collect();
    visits.sort_unstable();
    visits.dedup();
    let visited = visits.iter().any(|v| *v >= from);
    // The clock counts from the latest visit on or before each day, with the frequency
    // history in force that day (frequency.rs).
    let mut baseline = visits
        .iter()
        .copied()
        .filter(|v| *v <= from)
        .max()
        .unwrap_or(plan.start);
    for v in visits.iter().copied().filter(|v| *v > from) {
        let last_day = v.pred_opt().unwrap_or(v);
        if overdue_between(plan, ctx, baseline, from.max(baseline), last_day)? {
            return Ok(VisitsInPeriod {
                visited,
                never_overdue: false,
            });
        }
        baseline = v;
    }
    Ok(VisitsInPeriod {
        visited,
        never_overdue: !overdue_between(plan, ctx, baseline, from.max(baseline), to)?,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};

    use super::*;
    use crate::domain::calendar::Region;

    const TZ: chrono_tz::Tz = chrono_tz::Europe::London;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn local(s: &str) -> DateTime<Utc> {
        let at: chrono::NaiveDateTime = s.parse().unwrap();
        TZ.from_local_datetime(&at)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    /// A social worker's draft of a contact at 10:00 on Monday 12 January 2026, never finalised.
    fn with_draft(withdrawn_at: Option<DateTime<Utc>>) -> CaseFacts {
        let occurred_at = local("2026-01-12T10:00:00");
        CaseFacts {
            date_of_birth: d("2018-03-01"),
            plan: PlanFacts {
                start: d("2026-01-05"),
                end: None,
                visit_frequency: None,
                frequency_changes: vec![],
                region: Region::EnglandAndWales,
                previous_plans: 0,
                end_recorded_at: None,
            },
            sightings: vec![SightingFact {
                id: "draft".into(),
                occurred_at,
                occurred_on: local_date(TZ, occurred_at),
                status: if withdrawn_at.is_some() {
                    RecordStatus::Withdrawn
                } else {
                    RecordStatus::Draft
                },
                finalised_at: None,
                withdrawn_at,
                superseded: false,
                supersedes: None,
                kind: SightingKind::OtherContact,
                outcome: Outcome::Seen,
                location: Location::Office,
                by_social_care: true,
                bedroom_seen: None,
                baby_awake: None,
                recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
                superseded_at: None,
            }],
            decisions: vec![],
            members: vec![],
            meetings: vec![],
            actions: vec![],
            reviews: vec![],
        }
    }

    /// The number of late drafts on `on`, if the rule raises its flag.
    fn late_drafts(facts: &CaseFacts, on: &str) -> Option<u32> {
        let calendar = crate::domain::feed::shipped().unwrap().remove(0);
        let policy = Policy::default();
        let ctx = Context {
            policy: &policy,
            calendar: &calendar,
            tz: TZ,
        };
        let mut out = Vec::new();
        late_recording(facts, &ctx, d(on), facts.plan.start, &mut out);
        out.into_iter().find_map(|f| match f.detail {
            Detail::LateRecording { late_draft, .. } => Some(late_draft),
            _ => None,
        })
    }

    #[test]
    fn a_draft_past_its_deadline_is_late_until_it_is_withdrawn() {
        // The deadline is 10:00 on the 14th: late from the 15th, however old it gets.
        let never = with_draft(None);
        assert_eq!(late_drafts(&never, "2026-01-14"), None);
        assert_eq!(late_drafts(&never, "2026-01-15"), Some(1));
        assert_eq!(late_drafts(&never, "2026-03-31"), Some(1));

        // Withdrawn at 14:00 on the 20th: late up to the 19th, not from the 20th on.
        let withdrawn = with_draft(Some(local("2026-01-20T14:00:00")));
        assert_eq!(late_drafts(&withdrawn, "2026-01-15"), Some(1));
        assert_eq!(late_drafts(&withdrawn, "2026-01-19"), Some(1));
        assert_eq!(late_drafts(&withdrawn, "2026-01-20"), None);
        assert_eq!(late_drafts(&withdrawn, "2026-03-31"), None);

        // Withdrawn before its deadline: never late.
        let early = with_draft(Some(local("2026-01-13T09:00:00")));
        assert_eq!(late_drafts(&early, "2026-01-12"), None);
        assert_eq!(late_drafts(&early, "2026-01-20"), None);
    }
}
