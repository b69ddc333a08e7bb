//! The pure domain from outside the crate: worked examples of every rule (`rules.rs`), and the
//! calendar, the any-agency clock and a month's visiting against slow, obvious oracles —
//! every date of the shipped range, and random cases, must agree.

mod breaches;
mod frequency;
mod known;
mod rules;

use std::collections::HashSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use coregroup::domain::calendar::Calendar;
use coregroup::domain::feed;
use proptest::prelude::*;

/// A child born on `born` with a plan from `start` (England and Wales, the policy's default
/// frequency) and nothing recorded yet: what each worked example starts from.
pub fn plan_case(born: &str, start: &str) -> coregroup::domain::records::CaseFacts {
    use coregroup::domain::records::{CaseFacts, PlanFacts};
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    CaseFacts {
        date_of_birth: d(born),
        plan: PlanFacts {
            start: d(start),
            end: None,
            visit_frequency: None,
            frequency_changes: vec![],
            region: coregroup::domain::calendar::Region::EnglandAndWales,
            previous_plans: 0,
            end_recorded_at: None,
        },
        sightings: vec![],
        decisions: vec![],
        members: vec![],
        meetings: vec![],
        actions: vec![],
        reviews: vec![],
    }
}

/// A record at `when`, final an hour later, at home for a home visit and at school otherwise,
/// the child seen fully: what the worked examples change one field of.
pub fn final_sighting(
    id: &str,
    when: chrono::DateTime<chrono::Utc>,
    kind: coregroup::domain::records::SightingKind,
    outcome: coregroup::domain::records::Outcome,
    by_social_care: bool,
) -> coregroup::domain::records::SightingFact {
    use coregroup::domain::records::*;
    SightingFact {
        id: id.into(),
        occurred_at: when,
        occurred_on: local_date(chrono_tz::Europe::London, when),
        status: RecordStatus::Final,
        finalised_at: Some(when + chrono::Duration::hours(1)),
        withdrawn_at: None,
        superseded: false,
        supersedes: None,
        kind,
        outcome,
        location: if kind == SightingKind::HomeVisit {
            Location::Home
        } else {
            Location::School
        },
        by_social_care,
        bedroom_seen: Some(true),
        baby_awake: Some(true),
        recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
        superseded_at: None,
    }
}

struct Oracle {
    holidays: HashSet<NaiveDate>,
}

impl Oracle {
    fn new(calendar: &Calendar) -> Oracle {
        Oracle {
            holidays: calendar.holidays().iter().map(|h| h.date).collect(),
        }
    }

    fn is_working(&self, d: NaiveDate) -> bool {
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&d)
    }

    /// Walk forward a day at a time, counting working days.
    fn add(&self, d: NaiveDate, n: u32) -> NaiveDate {
        let mut day = d;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt().unwrap();
            if self.is_working(day) {
                left -= 1;
            }
        }
        day
    }

    fn add_counting_event_day(&self, d: NaiveDate, n: u32) -> NaiveDate {
        if self.is_working(d) {
            if n == 1 {
                d
            } else {
                self.add(d, n - 1)
            }
        } else {
            self.add(d, n)
        }
    }

    fn between(&self, a: NaiveDate, b: NaiveDate) -> u32 {
        let mut count = 0;
        let mut day = a;
        while day < b {
            day = day.succ_opt().unwrap();
            if self.is_working(day) {
                count += 1;
            }
        }
        count
    }
}

/// Parsed once: the properties below run thousands of cases.
fn shipped() -> &'static Calendar {
    static CALENDAR: std::sync::OnceLock<Calendar> = std::sync::OnceLock::new();
    CALENDAR.get_or_init(|| feed::shipped().unwrap().remove(0))
}

fn oracle() -> &'static Oracle {
    static ORACLE: std::sync::OnceLock<Oracle> = std::sync::OnceLock::new();
    ORACLE.get_or_init(|| Oracle::new(shipped()))
}

fn first() -> NaiveDate {
    NaiveDate::from_ymd_opt(2019, 1, 1).unwrap()
}

fn last() -> NaiveDate {
    NaiveDate::from_ymd_opt(2028, 12, 31).unwrap()
}

#[test]
fn every_date_2019_to_2028_agrees_with_the_oracle() {
    let calendar = shipped();
    let oracle = oracle();
    assert_eq!((calendar.first(), calendar.last()), (first(), last()));
    for day in first().iter_days().take_while(|d| *d <= last()) {
        assert_eq!(
            calendar.is_working_day(day).unwrap(),
            oracle.is_working(day),
            "{day}"
        );
        for n in [1u32, 5, 10, 30] {
            let expected = oracle.add(day, n);
            let got = calendar.add_working_days(day, n, false);
            if expected <= last() {
                assert_eq!(got.unwrap(), expected, "{day} + {n}");
                assert_eq!(
                    calendar.working_days_between(day, expected).unwrap(),
                    n,
                    "{day} → {expected}"
                );
            } else {
                assert!(got.is_err(), "{day} + {n} should leave the range");
            }
        }
    }
    assert!(calendar
        .is_working_day(first().pred_opt().unwrap())
        .is_err());
    assert!(calendar.is_working_day(last().succ_opt().unwrap()).is_err());
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    let days = (last() - first()).num_days() as u64;
    (0..=days).prop_map(|offset| first() + Days::new(offset))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn add_matches_the_oracle(day in any_date(), n in 1u32..=400, count_event_day in any::<bool>()) {
        let calendar = shipped();
        let oracle = oracle();
        let expected = if count_event_day { oracle.add_counting_event_day(day, n) } else { oracle.add(day, n) };
        let got = calendar.add_working_days(day, n, count_event_day);
        if expected <= last() {
            prop_assert_eq!(got.unwrap(), expected);
        } else {
            prop_assert!(got.is_err());
        }
    }

    #[test]
    fn between_matches_the_oracle(a in any_date(), b in any_date()) {
        let calendar = shipped();
        let oracle = oracle();
        prop_assert_eq!(calendar.working_days_between(a, b).unwrap(), oracle.between(a, b));
    }

    #[test]
    fn add_and_between_are_inverse(day in any_date(), n in 1u32..=400) {
        let calendar = shipped();
        if let Ok(later) = calendar.add_working_days(day, n, false) {
            // n working days on, and that day is a working day.
            prop_assert_eq!(calendar.working_days_between(day, later).unwrap(), n);
            prop_assert!(calendar.is_working_day(later).unwrap());
            // The n-th working day after: nothing earlier reaches n.
            let before = later.pred_opt().unwrap();
            prop_assert_eq!(calendar.working_days_between(day, before).unwrap(), n - 1);
        }
    }

    #[test]
    fn adding_the_count_between_lands_on_any_later_working_day(a in any_date(), gap in 1u64..=600) {
        let calendar = shipped();
        // The first working day at least `gap` days after `a`.
        let b = (a + Days::new(gap)).iter_days()
            .take_while(|d| *d <= last())
            .find(|d| calendar.is_working_day(*d).unwrap());
        let Some(b) = b else { return Ok(()) };
        let n = calendar.working_days_between(a, b).unwrap();
        prop_assert_eq!(calendar.add_working_days(a, n, false).unwrap(), b);
    }
}

mod any_agency_clock {
    use super::*;
    use chrono::{TimeZone, Utc};
    use coregroup::domain::calendar::Region;
    use coregroup::domain::policy::Policy;
    use coregroup::domain::records::*;
    use coregroup::domain::rules::{evaluate, ClockState, Context};

    const TZ: chrono_tz::Tz = chrono_tz::Europe::London;

    fn sighting(
        i: usize,
        day: NaiveDate,
        outcome: Outcome,
        status: RecordStatus,
        superseded: bool,
    ) -> SightingFact {
        let at = TZ
            .from_local_datetime(&day.and_hms_opt(9, 0, 0).unwrap())
            .single()
            .unwrap()
            .with_timezone(&Utc);
        SightingFact {
            id: format!("s{i}"),
            occurred_at: at,
            occurred_on: day,
            status,
            finalised_at: (status == RecordStatus::Final).then_some(at),
            withdrawn_at: None,
            superseded,
            supersedes: None,
            kind: SightingKind::SchoolContact,
            outcome,
            location: Location::School,
            by_social_care: false,
            bedroom_seen: None,
            baby_awake: None,
            recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
            superseded_at: None,
        }
    }

    fn outcome() -> impl Strategy<Value = Outcome> {
        prop_oneof![
            Just(Outcome::SeenAlone),
            Just(Outcome::SeenWithCarer),
            Just(Outcome::Seen),
            Just(Outcome::NotSeen),
            Just(Outcome::NotPresent)
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]

        #[test]
        fn the_clock_matches_a_day_by_day_walk(
            start_offset in 0u64..3000,
            records in proptest::collection::vec((0u64..200, outcome(), any::<bool>(), any::<bool>()), 0..12),
            as_of_offset in 0u64..200,
        ) {
            let calendar = shipped();
            let start = first() + Days::new(start_offset);
            let as_of = start + Days::new(as_of_offset);
            prop_assume!(as_of + Days::new(60) <= last());
            let sightings: Vec<SightingFact> = records.iter().enumerate().map(|(i, (offset, outcome, draft, superseded))| {
                let status = if *draft { RecordStatus::Draft } else { RecordStatus::Final };
                // Some records fall before the plan's start.
                sighting(i, start + Days::new(*offset) - Days::new(20), *outcome, status, *superseded)
            }).collect();
            let facts = CaseFacts {
                date_of_birth: NaiveDate::from_ymd_opt(2015, 1, 1).unwrap(),
                plan: PlanFacts { start, end: None, visit_frequency: None, frequency_changes: vec![], region: Region::EnglandAndWales, previous_plans: 0, end_recorded_at: None, },
                sightings: sightings.clone(), decisions: vec![], members: vec![], meetings: vec![], actions: vec![], reviews: vec![],
            };
            let policy = Policy::default();
            let ctx = Context { policy: &policy, calendar, tz: TZ };
            let e = evaluate(&facts, &ctx, as_of).unwrap();

            // The oracle: the latest day in [start, as_of] with a final, current, seen record.
            let mut last_seen = None;
            let mut day = start;
            while day <= as_of {
                if sightings.iter().any(|s| s.occurred_on == day && s.status == RecordStatus::Final && !s.superseded && s.outcome.is_seen()) {
                    last_seen = Some(day);
                }
                day = day.succ_opt().unwrap();
            }
            let baseline = last_seen.unwrap_or(start);
            let due = oracle().add(baseline, 30);
            let remaining = oracle().between(as_of, due);
            let state = if as_of > due { ClockState::Overdue } else if remaining <= 5 { ClockState::DueSoon } else { ClockState::Ok };
            prop_assert_eq!(e.any_agency.last_seen, last_seen);
            prop_assert_eq!(e.any_agency.due, Some(due));
            prop_assert_eq!(e.any_agency.working_days_since, Some(oracle().between(baseline, as_of)));
            prop_assert_eq!(e.any_agency.state, state);
        }
    }
}

/// The month's visiting for the visits report, against a walk over every day of the period
/// asking the home-visit clock whether it was overdue that day.
mod visits_in_a_month {
    use super::*;
    use chrono::{TimeZone, Utc};
    use coregroup::domain::calendar::Region;
    use coregroup::domain::policy::{FrequencyUnit, Policy, VisitFrequency};
    use coregroup::domain::records::*;
    use coregroup::domain::rules::{evaluate, visits_in_period, ClockState, Context};

    const TZ: chrono_tz::Tz = chrono_tz::Europe::London;

    fn visit(
        i: usize,
        day: NaiveDate,
        seen: bool,
        final_: bool,
        social_care: bool,
    ) -> SightingFact {
        let at = TZ
            .from_local_datetime(&day.and_hms_opt(11, 0, 0).unwrap())
            .single()
            .unwrap()
            .with_timezone(&Utc);
        SightingFact {
            id: format!("v{i}"),
            occurred_at: at,
            occurred_on: day,
            status: if final_ {
                RecordStatus::Final
            } else {
                RecordStatus::Draft
            },
            finalised_at: final_.then_some(at),
            withdrawn_at: None,
            superseded: false,
            supersedes: None,
            kind: SightingKind::HomeVisit,
            outcome: if seen {
                Outcome::Seen
            } else {
                Outcome::NotSeen
            },
            location: Location::Home,
            by_social_care: social_care,
            bedroom_seen: None,
            baby_awake: None,
            recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
            superseded_at: None,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn matches_a_day_by_day_walk(
            start_offset in 0u64..3000,
            month_offset in 0u64..60,
            month_len in 27u64..31,
            ends in proptest::option::of(0u64..150),
            records in proptest::collection::vec((0u64..90, prop::bool::weighted(0.8), prop::bool::weighted(0.9), prop::bool::weighted(0.9)), 0..12),
            every in 5u32..20,
            working in any::<bool>(),
            changes in proptest::collection::vec((0u64..120, 3u32..15, any::<bool>()), 0..3),
        ) {
            let calendar = shipped();
            let start = first() + Days::new(start_offset);
            let from = start + Days::new(month_offset) - Days::new(30);
            let to = from + Days::new(month_len);
            let end = ends.map(|e| start + Days::new(e));
            prop_assume!(to + Days::new(60) <= last() && from > first());
            let sightings: Vec<SightingFact> = records.iter().enumerate().map(|(i, (offset, seen, final_, sc))| {
                visit(i, start + Days::new(*offset) - Days::new(10), *seen, *final_, *sc)
            }).collect();
            let unit = if working { FrequencyUnit::WorkingDays } else { FrequencyUnit::CalendarDays };
            // Dated changes of frequency (seed 001 §7), by date: each day judged by the one in
            // force then.
            let mut frequency_changes: Vec<FrequencyFrom> = changes.iter().map(|(offset, every, working)| FrequencyFrom {
                from: start + Days::new(*offset),
                frequency: Some(VisitFrequency { every: *every, unit: if *working { FrequencyUnit::WorkingDays } else { FrequencyUnit::CalendarDays } }),
                recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
            }).collect();
            frequency_changes.sort_by_key(|c| c.from);
            let facts = CaseFacts {
                date_of_birth: NaiveDate::from_ymd_opt(2015, 1, 1).unwrap(),
                plan: PlanFacts { start, end, visit_frequency: Some(VisitFrequency { every, unit }), frequency_changes, region: Region::EnglandAndWales, previous_plans: 0, end_recorded_at: None, },
                sightings: sightings.clone(), decisions: vec![], members: vec![], meetings: vec![], actions: vec![], reviews: vec![],
            };
            let policy = Policy::default();
            let ctx = Context { policy: &policy, calendar, tz: TZ };
            let fast = visits_in_period(&facts, &ctx, from, to).unwrap();

            // The oracle: every day the plan was open in the period, ask the clock.
            let first_day = from.max(start);
            let last_day = end.map_or(to, |e| e.min(to));
            let mut visited = false;
            let mut never_overdue = true;
            let mut day = first_day;
            while day <= last_day {
                let e = evaluate(&facts, &ctx, day).unwrap();
                if e.home_visit.state == ClockState::Overdue {
                    never_overdue = false;
                }
                if sightings.iter().any(|s| s.occurred_on == day && s.status == RecordStatus::Final && s.by_social_care && s.outcome.is_seen()) {
                    visited = true;
                }
                day = day.succ_opt().unwrap();
            }
            prop_assert_eq!(fast.visited, visited);
            prop_assert_eq!(fast.never_overdue, never_overdue);
        }
    }
}

/// The dashboard and the chair's plans ask `plan_open_on`; a child's status asks `evaluate`:
/// on every day around a plan's end they agree (the day it ends, it is no longer open).
#[test]
fn a_status_and_the_dashboard_agree_on_the_day_a_plan_ends() {
    use coregroup::domain::policy::Policy;
    use coregroup::domain::records::plan_open_on;
    use coregroup::domain::rules::{evaluate, Context};
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    let (start, end) = (d("2026-01-05"), d("2026-03-02"));
    let mut facts = plan_case("2016-10-10", "2026-01-05");
    facts.plan.end = Some(end);
    let (policy, cal) = (Policy::default(), feed::shipped().unwrap().remove(0));
    let ctx = Context {
        policy: &policy,
        calendar: &cal,
        tz: chrono_tz::Europe::London,
    };
    let mut day = start;
    while day <= d("2026-03-10") {
        let e = evaluate(&facts, &ctx, day).unwrap();
        assert_eq!(e.plan_open, plan_open_on(start, Some(end), day), "{day}");
        day = day.succ_opt().unwrap();
    }
    assert!(plan_open_on(start, Some(end), d("2026-03-01")));
    assert!(!plan_open_on(start, Some(end), end));
}

/// The rules whose window rolls every day (home-visit share, late recording) date each
/// breach from the first day of the current run of days on which they were raised: against a
/// walk over every day from the plan's start, asking the rules that day.
mod episodes {
    use super::*;
    use chrono::{TimeZone, Utc};
    use coregroup::domain::calendar::Region;
    use coregroup::domain::policy::Policy;
    use coregroup::domain::records::*;
    use coregroup::domain::rules::{evaluate, Context, FlagCode};

    const TZ: chrono_tz::Tz = chrono_tz::Europe::London;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(120))]

        #[test]
        fn each_breach_starts_on_the_first_day_of_its_run(
            start_offset in 0u64..2500,
            records in proptest::collection::vec(
                (0u64..150, 0u32..24, any::<bool>(), prop_oneof![Just(None), (1i64..120).prop_map(Some)], prop::bool::weighted(0.15)),
                0..10,
            ),
            months in 1u32..4,
        ) {
            let calendar = shipped();
            let start = first() + Days::new(start_offset);
            let sightings: Vec<SightingFact> = records.iter().enumerate().map(|(i, (offset, hour, at_home, final_after, withdrawn))| {
                let day = start + Days::new(*offset);
                // 01:30 does not exist the night the clocks go forward.
                let hour = if *hour == 1 { 2 } else { *hour };
                let at = TZ.from_local_datetime(&day.and_hms_opt(hour, 30, 0).unwrap()).earliest().unwrap().with_timezone(&Utc);
                // Final some hours after the contact, or a draft (some withdrawn later).
                let finalised_at = final_after.map(|h| at + chrono::Duration::hours(h));
                let withdrawn_at = (final_after.is_none() && *withdrawn).then(|| at + chrono::Duration::hours(100));
                SightingFact {
                    id: format!("s{i}"),
                    occurred_at: at,
                    occurred_on: day,
                    status: match (finalised_at, withdrawn_at) {
                        (Some(_), _) => RecordStatus::Final,
                        (None, Some(_)) => RecordStatus::Withdrawn,
                        (None, None) => RecordStatus::Draft,
                    },
                    finalised_at,
                    withdrawn_at,
                    superseded: false,
                    supersedes: None,
                    kind: if *at_home { SightingKind::HomeVisit } else { SightingKind::OtherContact },
                    outcome: Outcome::Seen,
                    location: if *at_home { Location::Home } else { Location::Office },
                    by_social_care: true,
                    bedroom_seen: Some(true),
                    baby_awake: Some(true),
                    recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
                    superseded_at: None,
                }
            }).collect();
            let end = start + Days::new(200);
            prop_assume!(end + Days::new(60) <= last());
            let facts = CaseFacts {
                date_of_birth: NaiveDate::from_ymd_opt(2010, 1, 1).unwrap(),
                plan: PlanFacts { start, end: None, visit_frequency: None, frequency_changes: vec![], region: Region::EnglandAndWales, previous_plans: 0, end_recorded_at: None, },
                sightings, decisions: vec![], members: vec![], meetings: vec![], actions: vec![], reviews: vec![],
            };
            let policy = Policy { late_recording_months: months, home_visit_share_months: months, ..Policy::default() };
            let ctx = Context { policy: &policy, calendar, tz: TZ };

            // The oracle: the first day of the current run, day by day.
            let mut runs: [Option<NaiveDate>; 2] = [None, None];
            let mut day = start;
            while day <= end {
                let e = evaluate(&facts, &ctx, day).unwrap();
                for (k, code) in [FlagCode::HomeVisitShare, FlagCode::LateRecording].into_iter().enumerate() {
                    let found: Vec<_> = e.flags.iter().filter(|f| f.code == code).collect();
                    prop_assert!(found.len() <= 1);
                    match found.first() {
                        Some(f) => {
                            let run = *runs[k].get_or_insert(day);
                            prop_assert_eq!(f.since, run, "{:?} on {}", code, day);
                        }
                        None => runs[k] = None,
                    }
                }
                day = day.succ_opt().unwrap();
            }
        }
    }
}
