//! The home-visit clock under a dated frequency history (docs/rules.md, "A frequency that
//! changes"), worked by hand on the England and Wales calendar (no bank holiday in February
//! 2026).

use chrono::{NaiveDate, TimeZone};

use coregroup::domain::calendar::{Calendar, Region};
use coregroup::domain::feed;
use coregroup::domain::policy::{FrequencyUnit, Policy, VisitFrequency};
use coregroup::domain::records::*;
use coregroup::domain::rules::*;

const TZ: chrono_tz::Tz = chrono_tz::Europe::London;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn working_days(every: u32) -> Option<VisitFrequency> {
    Some(VisitFrequency {
        every,
        unit: FrequencyUnit::WorkingDays,
    })
}

fn change(from: &str, every: u32) -> FrequencyFrom {
    FrequencyFrom {
        from: d(from),
        frequency: working_days(every),
        recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
    }
}

fn seen_at_home(on: &str) -> SightingFact {
    let at = TZ
        .from_local_datetime(&d(on).and_hms_opt(10, 0, 0).unwrap())
        .single()
        .unwrap()
        .to_utc();
    SightingFact {
        id: format!("h{on}"),
        occurred_at: at,
        occurred_on: d(on),
        status: RecordStatus::Final,
        finalised_at: Some(at),
        withdrawn_at: None,
        superseded: false,
        supersedes: None,
        kind: SightingKind::HomeVisit,
        outcome: Outcome::SeenAlone,
        location: Location::Home,
        by_social_care: true,
        bedroom_seen: Some(true),
        baby_awake: Some(true),
        recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
        superseded_at: None,
    }
}

/// A plan from Mon 5 Jan 2026 at the default frequency (every 10 working days), the child seen
/// at home on `visits`, with these changes.
fn case(visits: &[&str], changes: Vec<FrequencyFrom>) -> CaseFacts {
    CaseFacts {
        date_of_birth: d("2016-10-10"),
        plan: PlanFacts {
            start: d("2026-01-05"),
            end: None,
            visit_frequency: None,
            frequency_changes: changes,
            region: Region::EnglandAndWales,
            previous_plans: 0,
            end_recorded_at: None,
        },
        sightings: visits.iter().map(|v| seen_at_home(v)).collect(),
        decisions: vec![],
        members: vec![],
        meetings: vec![],
        actions: vec![],
        reviews: vec![],
    }
}

fn calendar() -> Calendar {
    feed::shipped().unwrap().remove(0)
}

fn clock(facts: &CaseFacts, as_of: &str) -> (NaiveDate, ClockState, VisitFrequency) {
    let (policy, cal) = (Policy::default(), calendar());
    let ctx = Context {
        policy: &policy,
        calendar: &cal,
        tz: TZ,
    };
    let e = evaluate(facts, &ctx, d(as_of)).unwrap();
    let due = e.home_visit.due.expect("a due date within the calendar");
    (due, e.home_visit.state, e.home_visit_frequency)
}

fn never_overdue(facts: &CaseFacts, from: &str, to: &str) -> bool {
    let (policy, cal) = (Policy::default(), calendar());
    let ctx = Context {
        policy: &policy,
        calendar: &cal,
        tz: TZ,
    };
    visits_in_period(facts, &ctx, d(from), d(to))
        .unwrap()
        .never_overdue
}

#[test]
fn every_10_changed_to_every_5_from_20_february() {
    // Seen Mon 9 Feb. On 13 Feb the change is not in force: 10 working days, Mon 23 Feb.
    let c = case(&["2026-02-09"], vec![change("2026-02-20", 5)]);
    let (due, state, f) = clock(&c, "2026-02-13");
    assert_eq!(
        (due, state, f),
        (d("2026-02-23"), ClockState::Ok, working_days(10).unwrap())
    );
    // On 23 Feb it is: 5 working days from 9 Feb is Mon 16 Feb, before the change, so the
    // visit is due on the change's own date, Fri 20 Feb — overdue on the 23rd.
    let (due, state, f) = clock(&c, "2026-02-23");
    assert_eq!(
        (due, state, f),
        (
            d("2026-02-20"),
            ClockState::Overdue,
            working_days(5).unwrap()
        )
    );
    assert_eq!(clock(&c, "2026-02-20").1, ClockState::DueSoon);
    // Without the change, 23 Feb is the due date itself.
    assert_eq!(
        clock(&case(&["2026-02-09"], vec![]), "2026-02-23").0,
        d("2026-02-23")
    );
}

#[test]
fn a_change_dated_in_the_past_applies_from_that_date() {
    // Recorded later, in force from Mon 16 Feb: due 9 Feb + 5 working days = 16 Feb.
    let c = case(&["2026-02-09"], vec![change("2026-02-16", 5)]);
    assert_eq!(clock(&c, "2026-02-13").0, d("2026-02-23"));
    assert_eq!(clock(&c, "2026-02-16").0, d("2026-02-16"));
    assert_eq!(clock(&c, "2026-02-17").1, ClockState::Overdue);
    // A slower frequency from the day of the visit counts from it.
    let c = case(&["2026-02-09"], vec![change("2026-02-09", 3)]);
    assert_eq!(clock(&c, "2026-02-10").0, d("2026-02-12"));
}

#[test]
fn two_changes() {
    // Every 5 from Wed 11 Feb (due 16 Feb), back to every 10 from Fri 13 Feb (before the 16th,
    // so due 23 Feb again).
    let c = case(
        &["2026-02-09"],
        vec![change("2026-02-11", 5), change("2026-02-13", 10)],
    );
    assert_eq!(clock(&c, "2026-02-12").0, d("2026-02-16"));
    assert_eq!(clock(&c, "2026-02-17").0, d("2026-02-23"));
    // Back to every 10 only from Wed 18 Feb: the visit was already due on the 16th, and a
    // breach stays a breach.
    let c = case(
        &["2026-02-09"],
        vec![change("2026-02-11", 5), change("2026-02-18", 10)],
    );
    assert_eq!(clock(&c, "2026-02-18").0, d("2026-02-16"));
    assert_eq!(clock(&c, "2026-02-18").1, ClockState::Overdue);
    // A new visit on 16 Feb counts at the frequency in force on it (every 5: 23 Feb), until
    // the change of 18 Feb, before that due date, follows it (every 10 from 16 Feb: 2 Mar).
    let c = case(
        &["2026-02-09", "2026-02-16"],
        vec![change("2026-02-11", 5), change("2026-02-18", 10)],
    );
    assert_eq!(clock(&c, "2026-02-17").0, d("2026-02-23"));
    assert_eq!(clock(&c, "2026-02-18").0, d("2026-03-02"));
}

#[test]
fn a_month_is_judged_by_the_frequency_in_force_each_day() {
    let visits = ["2026-01-30", "2026-02-09", "2026-02-23"];
    assert!(never_overdue(
        &case(&visits, vec![]),
        "2026-02-01",
        "2026-02-28"
    ));
    // Every 5 from 20 Feb: due 20 Feb, overdue 21 and 22 Feb.
    let faster = case(&visits, vec![change("2026-02-20", 5)]);
    assert!(!never_overdue(&faster, "2026-02-01", "2026-02-28"));
    assert!(never_overdue(&faster, "2026-02-01", "2026-02-20"));
    // Every 5 only from 2 March: February as before.
    let later = case(&visits, vec![change("2026-03-02", 5)]);
    assert!(never_overdue(&later, "2026-02-01", "2026-02-28"));
}
