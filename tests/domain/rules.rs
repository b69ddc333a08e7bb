//! Worked examples for every rule and its boundaries, on the shipped England and Wales calendar.

use chrono::{DateTime, NaiveDate, Utc};

use coregroup::domain::calendar::Calendar;
use coregroup::domain::feed;
use coregroup::domain::policy::{FrequencyUnit, Policy, VisitFrequency};
use coregroup::domain::records::*;
use coregroup::domain::rules::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn calendar() -> Calendar {
    feed::shipped().unwrap().remove(0)
}

const TZ: chrono_tz::Tz = chrono_tz::Europe::London;

/// 10:00 London time on `date`.
fn at(date: &str) -> DateTime<Utc> {
    use chrono::TimeZone;
    TZ.from_local_datetime(&d(date).and_hms_opt(10, 0, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn case(start: &str) -> CaseFacts {
    crate::plan_case("2018-03-01", start)
}

fn school(id: &str, date: &str) -> SightingFact {
    crate::final_sighting(
        id,
        at(date),
        SightingKind::SchoolContact,
        Outcome::Seen,
        false,
    )
}

fn home_visit(id: &str, date: &str, outcome: Outcome) -> SightingFact {
    crate::final_sighting(id, at(date), SightingKind::HomeVisit, outcome, true)
}

fn eval_with(facts: &CaseFacts, policy: &Policy, as_of: &str) -> Evaluation {
    let cal = calendar();
    let ctx = Context {
        policy,
        calendar: &cal,
        tz: TZ,
    };
    evaluate(facts, &ctx, d(as_of)).unwrap()
}

fn eval(facts: &CaseFacts, as_of: &str) -> Evaluation {
    eval_with(facts, &Policy::default(), as_of)
}

fn flags(e: &Evaluation, code: FlagCode) -> Vec<&Flag> {
    e.flags.iter().filter(|f| f.code == code).collect()
}

fn one(e: &Evaluation, code: FlagCode) -> &Flag {
    let found = flags(e, code);
    assert_eq!(
        found.len(),
        1,
        "expected one {code:?} flag in {:#?}",
        e.flags
    );
    found[0]
}

fn none(e: &Evaluation, code: FlagCode) {
    assert!(
        flags(e, code).is_empty(),
        "unexpected {code:?}: {:#?}",
        flags(e, code)
    );
}

// ---- any agency (seed 001 §5) ----

#[test]
fn the_contract_example_due_on_the_day_then_overdue() {
    let mut c = case("2026-01-05");
    c.sightings.push(school("s1", "2026-01-19"));
    let e = eval(&c, "2026-03-02");
    assert_eq!(e.any_agency.last_seen, Some(d("2026-01-19")));
    assert_eq!(e.any_agency.due, Some(d("2026-03-02")));
    assert_eq!(e.any_agency.working_days_since, Some(30));
    assert_eq!(e.any_agency.state, ClockState::DueSoon);
    assert_eq!(
        one(&e, FlagCode::NotSeenAnyAgency).severity,
        Severity::Medium
    );

    let e = eval(&c, "2026-03-03");
    assert_eq!(e.any_agency.state, ClockState::Overdue);
    let f = one(&e, FlagCode::NotSeenAnyAgency);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.since, d("2026-01-19"));
    assert!(f.raise_to.contains(&Audience::CpChair) && f.raise_to.contains(&Audience::TeamManager));
}

#[test]
fn due_soon_starts_five_working_days_out() {
    let mut c = case("2026-01-05");
    c.sightings.push(school("s1", "2026-01-19"));
    // Due Mon 2 Mar: Mon 23 Feb is 5 working days out (due soon), Fri 20 Feb is 6 (ok).
    assert_eq!(eval(&c, "2026-02-23").any_agency.state, ClockState::DueSoon);
    assert_eq!(eval(&c, "2026-02-20").any_agency.state, ClockState::Ok);
    none(&eval(&c, "2026-02-20"), FlagCode::NotSeenAnyAgency);
}

#[test]
fn over_christmas_the_example_sentence() {
    let mut c = case("2025-12-01");
    c.sightings.push(school("s1", "2025-12-19"));
    let e = eval(&c, "2026-02-05");
    assert_eq!(e.any_agency.due, Some(d("2026-02-04")));
    assert_eq!(e.any_agency.working_days_since, Some(31));
    let f = one(&e, FlagCode::NotSeenAnyAgency);
    assert!(
        f.message().starts_with("Not seen by any agency since Fri 19 Dec 2025 — 31 working days; was due by Wed 4 Feb 2026."),
        "{}",
        f.message()
    );
}

#[test]
fn never_seen_counts_from_the_plan_start() {
    let c = case("2026-01-05");
    let e = eval(&c, "2026-02-20");
    assert_eq!(e.any_agency.last_seen, None);
    assert_eq!(e.any_agency.baseline, d("2026-01-05"));
    assert_eq!(e.any_agency.due, Some(d("2026-02-16")));
    assert_eq!(e.any_agency.state, ClockState::Overdue);
    assert!(one(&e, FlagCode::NotSeenAnyAgency)
        .message()
        .contains("since the plan began on Mon 5 Jan 2026"));
}

#[test]
fn drafts_failures_superseded_and_later_records_do_not_count() {
    let mut c = case("2026-01-05");
    c.sightings.push(school("seen", "2026-01-12"));
    let mut draft = school("draft", "2026-01-20");
    draft.status = RecordStatus::Draft;
    draft.finalised_at = None;
    let mut superseded = school("old", "2026-01-21");
    superseded.superseded = true;
    let not_seen = crate::final_sighting(
        "ns",
        at("2026-01-22"),
        SightingKind::SchoolContact,
        Outcome::NotSeen,
        false,
    );
    let not_present = crate::final_sighting(
        "np",
        at("2026-01-23"),
        SightingKind::SchoolContact,
        Outcome::NotPresent,
        false,
    );
    let future = school("later", "2026-02-10");
    let before_plan = school("before", "2025-12-20");
    c.sightings.extend([
        draft,
        superseded,
        not_seen,
        not_present,
        future,
        before_plan,
    ]);
    let e = eval(&c, "2026-02-01");
    assert_eq!(e.any_agency.last_seen, Some(d("2026-01-12")));
}

#[test]
fn an_instant_after_midnight_bst_belongs_to_the_local_day() {
    let mut c = case("2026-05-01");
    // 00:30 BST on Tue 2 Jun 2026 is 23:30 UTC on Mon 1 Jun.
    let when: DateTime<Utc> = "2026-06-01T23:30:00Z".parse().unwrap();
    c.sightings.push(crate::final_sighting(
        "s",
        when,
        SightingKind::HealthContact,
        Outcome::Seen,
        false,
    ));
    let e = eval(&c, "2026-06-10");
    assert_eq!(e.any_agency.last_seen, Some(d("2026-06-02")));
}

#[test]
fn counting_the_event_day_moves_the_due_date_one_working_day_earlier() {
    let mut c = case("2026-01-05");
    c.sightings.push(school("s1", "2026-01-19"));
    let policy = Policy {
        count_event_day: true,
        ..Policy::default()
    };
    let e = eval_with(&c, &policy, "2026-02-02");
    assert_eq!(e.any_agency.due, Some(d("2026-02-27")));
    // Seen on a Saturday: the setting changes nothing.
    let mut c = case("2026-01-05");
    c.sightings.push(school("s1", "2026-01-17"));
    assert_eq!(
        eval_with(&c, &policy, "2026-02-02").any_agency.due,
        eval(&c, "2026-02-02").any_agency.due
    );
}

#[test]
fn easter_and_one_off_holidays_are_skipped() {
    let cal = calendar();
    // Easter 2026: Good Friday 3 Apr, Easter Monday 6 Apr.
    assert_eq!(
        cal.add_working_days(d("2026-04-02"), 5, false).unwrap(),
        d("2026-04-13")
    );
    // 2022: Platinum Jubilee (Thu 2, Fri 3 Jun) and the State Funeral (Mon 19 Sep).
    assert_eq!(
        cal.add_working_days(d("2022-06-01"), 1, false).unwrap(),
        d("2022-06-06")
    );
    assert_eq!(
        cal.add_working_days(d("2022-09-16"), 1, false).unwrap(),
        d("2022-09-20")
    );
    // 2023: the Coronation (Mon 8 May).
    assert_eq!(
        cal.add_working_days(d("2023-05-05"), 1, false).unwrap(),
        d("2023-05-09")
    );
    // Christmas 2022 fell on a Sunday: Tue 27 Dec is the substitute day.
    assert_eq!(
        cal.add_working_days(d("2022-12-23"), 1, false).unwrap(),
        d("2022-12-28")
    );
    // New Year 2022 fell on a Saturday: Mon 3 Jan is the substitute day.
    assert_eq!(
        cal.add_working_days(d("2021-12-31"), 1, false).unwrap(),
        d("2022-01-04")
    );
}

#[test]
fn a_due_date_past_the_calendar_is_beyond_it_never_a_guess() {
    // The shipped calendar ends on Sun 31 Dec 2028.
    let mut c = case("2028-11-01");
    c.sightings.push(school("s1", "2028-12-01"));
    let e = eval(&c, "2028-12-06");
    // 30 working days after Fri 1 Dec 2028 lie past the calendar: only that clock says so.
    assert_eq!(e.any_agency.state, ClockState::BeyondCalendar);
    assert_eq!(e.any_agency.due, None);
    assert_eq!(e.any_agency.calendar_ends, Some(d("2028-12-31")));
    assert_eq!(e.any_agency.working_days_since, Some(3));
    none(&e, FlagCode::NotSeenAnyAgency);
    assert_eq!(e.urgent_meeting, None);
    // The other clocks are computed as usual: 10 working days from the plan's start.
    assert_eq!(e.home_visit.due, Some(d("2028-11-15")));
    assert_eq!(e.home_visit.state, ClockState::Overdue);
    assert_eq!(e.home_visit.calendar_ends, None);
    assert_eq!(e.social_worker.state, ClockState::Overdue);
    one(&e, FlagCode::HomeVisitDue);
    // The first review, due 1 Feb 2029, is more than 5 working days past today: not due soon.
    none(&e, FlagCode::ReviewConferenceDue);

    // Close to the end, whether the review is due soon cannot be said: not raised.
    let e = eval(&c, "2028-12-20");
    none(&e, FlagCode::ReviewConferenceDue);
    one(&e, FlagCode::FirstCoreGroupDue);

    // Asked about a day past the end, a clock due within the calendar is still overdue, but
    // its working days cannot be counted.
    let e = eval(&case("2028-11-01"), "2029-01-10");
    assert_eq!(e.any_agency.state, ClockState::Overdue);
    assert_eq!(e.any_agency.due, Some(d("2028-12-13")));
    assert_eq!(e.any_agency.working_days_since, None);
    assert_eq!(e.any_agency.calendar_ends, Some(d("2028-12-31")));
    let f = one(&e, FlagCode::NotSeenAnyAgency);
    assert!(
        f.message().starts_with("Not seen by any agency since the plan began on Wed 1 Nov 2028; was due by Wed 13 Dec 2028."),
        "{}",
        f.message()
    );

    // A date before the calendar's start is still an error, naming the region and range.
    let cal = calendar();
    let policy = Policy::default();
    let ctx = Context {
        policy: &policy,
        calendar: &cal,
        tz: TZ,
    };
    let err = evaluate(&case("2018-12-03"), &ctx, d("2019-01-10")).unwrap_err();
    assert!(err.to_string().contains("england-and-wales"), "{err}");
}

#[test]
fn as_of_before_the_plan_is_an_error() {
    let c = case("2026-01-05");
    let cal = calendar();
    let policy = Policy::default();
    let ctx = Context {
        policy: &policy,
        calendar: &cal,
        tz: TZ,
    };
    assert!(matches!(
        evaluate(&c, &ctx, d("2026-01-04")),
        Err(RuleError::PlanNotStarted { .. })
    ));
}

// ---- social worker (seed 001 §4) ----

#[test]
fn social_worker_clock_is_20_calendar_days_and_only_social_care_resets_it() {
    let mut c = case("2026-02-02");
    c.sightings.push(crate::final_sighting(
        "sw",
        at("2026-03-01"),
        SightingKind::OtherContact,
        Outcome::SeenWithCarer,
        true,
    ));
    c.sightings.push(school("school", "2026-03-10"));
    let e = eval(&c, "2026-03-21");
    assert_eq!(e.social_worker.last_seen, Some(d("2026-03-01")));
    assert_eq!(e.social_worker.due, Some(d("2026-03-21")));
    assert_eq!(e.social_worker.state, ClockState::DueSoon);
    let e = eval(&c, "2026-03-22");
    assert_eq!(e.social_worker.state, ClockState::Overdue);
    let f = one(&e, FlagCode::NotSeenBySocialWorker);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.raise_to, vec![Audience::TeamManager]);
    assert!(f.message().contains("21 days"), "{}", f.message());
}

// ---- home visits ----

#[test]
fn home_visits_default_to_every_10_working_days() {
    let mut c = case("2026-01-05");
    c.sightings
        .push(home_visit("h1", "2026-01-07", Outcome::SeenWithCarer));
    // A school sighting is not a home visit.
    c.sightings.push(school("s", "2026-01-15"));
    let e = eval(&c, "2026-01-21");
    assert_eq!(e.home_visit.last_seen, Some(d("2026-01-07")));
    assert_eq!(e.home_visit.due, Some(d("2026-01-21")));
    assert_eq!(e.home_visit.state, ClockState::DueSoon);
    let e = eval(&c, "2026-01-22");
    let f = one(&e, FlagCode::HomeVisitDue);
    assert_eq!(f.severity, Severity::High);
    assert!(f.raise_to.contains(&Audience::TeamManager));
    assert!(f.message().contains("every 10 working days"));
}

#[test]
fn a_plan_frequency_overrides_the_default() {
    let mut c = case("2026-01-05");
    c.plan.visit_frequency = Some(VisitFrequency {
        every: 14,
        unit: FrequencyUnit::CalendarDays,
    });
    c.sightings
        .push(home_visit("h1", "2026-01-07", Outcome::SeenAlone));
    let e = eval(&c, "2026-01-21");
    assert_eq!(e.home_visit.due, Some(d("2026-01-21")));
    assert_eq!(eval(&c, "2026-01-22").home_visit.state, ClockState::Overdue);
    // Over Easter, 14 calendar days ignore the holidays (seed 004).
    let mut c = case("2026-03-02");
    c.plan.visit_frequency = Some(VisitFrequency {
        every: 14,
        unit: FrequencyUnit::CalendarDays,
    });
    c.sightings
        .push(home_visit("h1", "2026-04-01", Outcome::SeenAlone));
    assert_eq!(eval(&c, "2026-04-10").home_visit.due, Some(d("2026-04-15")));
}

#[test]
fn a_home_visit_that_did_not_see_the_child_does_not_reset_the_clock() {
    let mut c = case("2026-01-05");
    c.sightings
        .push(home_visit("h1", "2026-01-07", Outcome::SeenWithCarer));
    c.sightings
        .push(home_visit("h2", "2026-01-19", Outcome::NotSeen));
    assert_eq!(
        eval(&c, "2026-01-22").home_visit.last_seen,
        Some(d("2026-01-07"))
    );
}

// ---- failed visits (seed 001 §3) ----

/// `HH:MM` London time on `date`.
fn at_time(date: &str, hm: &str) -> DateTime<Utc> {
    use chrono::TimeZone;
    let t: chrono::NaiveTime = format!("{hm}:00").parse().unwrap();
    TZ.from_local_datetime(&d(date).and_time(t))
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn home_visit_at(id: &str, when: DateTime<Utc>, outcome: Outcome) -> SightingFact {
    crate::final_sighting(id, when, SightingKind::HomeVisit, outcome, true)
}

fn decision(sighting_id: &str, when: DateTime<Utc>) -> DecisionFact {
    DecisionFact {
        sighting_id: sighting_id.into(),
        decided_at: when,
        decided_on: local_date(TZ, when),
        recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
    }
}

fn about(id: &str) -> Option<Subject> {
    Some(Subject::Sighting {
        sighting_id: id.into(),
    })
}

#[test]
fn a_failed_visit_needs_a_decision_in_24_hours_and_a_revisit_in_5_working_days() {
    let mut c = case("2026-01-05");
    c.sightings
        .push(home_visit("h1", "2026-01-06", Outcome::SeenWithCarer));
    c.sightings
        .push(home_visit("failed", "2026-01-12", Outcome::NotSeen));

    let e = eval(&c, "2026-01-12");
    let decision_flag = one(&e, FlagCode::FailedVisitDecision);
    assert_eq!(decision_flag.severity, Severity::Medium);
    assert_eq!(decision_flag.due, Some(d("2026-01-13")), "the next day");
    assert_eq!(decision_flag.subject, about("failed"));
    let revisit = one(&e, FlagCode::FailedVisitRevisit);
    assert_eq!(revisit.severity, Severity::Medium);
    assert_eq!(revisit.due, Some(d("2026-01-19")), "5 working days");
    assert_eq!(revisit.subject, about("failed"));

    // The decision deadline (10:00 on the 13th) has passed by the 14th.
    let e = eval(&c, "2026-01-14");
    let f = one(&e, FlagCode::FailedVisitDecision);
    assert_eq!(f.severity, Severity::High);
    assert!(f.message().contains("No team manager decision"));

    // A decision in time removes that flag; the revisit flag stays until a visit sees the child.
    c.decisions
        .push(decision("failed", at_time("2026-01-12", "16:00")));
    let e = eval(&c, "2026-01-20");
    none(&e, FlagCode::FailedVisitDecision);
    let f = one(&e, FlagCode::FailedVisitRevisit);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.due, Some(d("2026-01-19")));

    // A home visit seeing the child by the 19th meets it.
    c.sightings
        .push(home_visit("again", "2026-01-15", Outcome::SeenAlone));
    none(&eval(&c, "2026-01-20"), FlagCode::FailedVisitRevisit);
}

#[test]
fn a_missing_decision_is_not_excused_by_a_later_good_visit() {
    // Failed Mon 12 Jan 10:00, no decision; the child seen at home on Wed 14 Jan.
    let mut c = case("2026-01-05");
    c.sightings
        .push(home_visit("failed", "2026-01-12", Outcome::NotSeen));
    c.sightings
        .push(home_visit("good", "2026-01-14", Outcome::SeenAlone));
    let e = eval(&c, "2026-01-20");
    let f = one(&e, FlagCode::FailedVisitDecision);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.subject, about("failed"));
    none(&e, FlagCode::FailedVisitRevisit);
}

#[test]
fn the_decision_is_due_to_the_minute() {
    // Failed Mon 12 Jan 10:00: the decision is due by 10:00 on Tue 13 Jan.
    let mut c = case("2026-01-05");
    c.sightings
        .push(home_visit("failed", "2026-01-12", Outcome::NotSeen));
    c.decisions
        .push(decision("failed", at_time("2026-01-13", "09:59")));
    none(&eval(&c, "2026-01-14"), FlagCode::FailedVisitDecision);

    // 24 hours and one minute: a breach, though made on the deadline's day; it stays listed
    // (for the report) once the decision is in.
    c.decisions[0] = decision("failed", at_time("2026-01-13", "10:01"));
    let f = one(&eval(&c, "2026-01-14"), FlagCode::FailedVisitDecision).clone();
    assert_eq!(f.severity, Severity::Low);
    assert_eq!(f.since, d("2026-01-12"));
    assert!(
        f.message().contains("10:01 on Tue 13 Jan 2026"),
        "{}",
        f.message()
    );
    // Before the decision was made it was due, not yet late.
    assert_eq!(
        one(&eval(&c, "2026-01-12"), FlagCode::FailedVisitDecision).severity,
        Severity::Medium
    );
}

#[test]
fn a_decision_stays_with_the_visit_through_its_corrections() {
    // The failed visit is corrected (its time was wrong) after the decision was recorded.
    let mut c = case("2026-01-05");
    let mut original = home_visit_at("v1", at_time("2026-01-12", "10:00"), Outcome::NotSeen);
    original.superseded = true;
    let mut corrected = home_visit_at("v2", at_time("2026-01-12", "11:30"), Outcome::NotSeen);
    corrected.supersedes = Some("v1".into());
    let mut again = home_visit_at("v3", at_time("2026-01-12", "11:00"), Outcome::NotSeen);
    again.supersedes = Some("v2".into());
    c.sightings.extend([original, corrected]);
    c.decisions
        .push(decision("v1", at_time("2026-01-12", "15:00")));
    let e = eval(&c, "2026-01-20");
    none(&e, FlagCode::FailedVisitDecision);
    // The revisit breach is about the visit, named by its first record, whichever version stands.
    assert_eq!(one(&e, FlagCode::FailedVisitRevisit).subject, about("v1"));
    c.sightings[1].superseded = true;
    c.sightings.push(again);
    let e = eval(&c, "2026-01-20");
    none(&e, FlagCode::FailedVisitDecision);
    assert_eq!(one(&e, FlagCode::FailedVisitRevisit).subject, about("v1"));
    // Without the decision, the corrected visit is still a case of its own.
    c.decisions.clear();
    assert_eq!(
        one(&eval(&c, "2026-01-20"), FlagCode::FailedVisitDecision).subject,
        about("v1")
    );
}

#[test]
fn two_failed_visits_are_two_cases_and_the_second_needs_a_visit_in_24_hours() {
    // Failed Mon 12 Jan 10:00 and Fri 16 Jan 10:00; both decided in time.
    let mut c = case("2026-01-05");
    c.sightings.push(home_visit_at(
        "mon",
        at_time("2026-01-12", "10:00"),
        Outcome::NotSeen,
    ));
    c.sightings.push(home_visit_at(
        "fri",
        at_time("2026-01-16", "10:00"),
        Outcome::NotPresent,
    ));
    c.decisions
        .push(decision("mon", at_time("2026-01-12", "12:00")));
    let e = eval(&c, "2026-01-16");
    // Two visits, two decision cases: Friday's is still due.
    assert_eq!(one(&e, FlagCode::FailedVisitDecision).subject, about("fri"));
    let revisits = flags(&e, FlagCode::FailedVisitRevisit);
    assert_eq!(revisits.len(), 2);
    let fri = revisits.iter().find(|f| f.subject == about("fri")).unwrap();
    assert_eq!(fri.due, Some(d("2026-01-17")), "24 hours after the second");
    c.decisions
        .push(decision("fri", at_time("2026-01-16", "12:00")));

    // Seen at home at 09:59 on Saturday: both revisits met.
    let mut met = c.clone();
    met.sightings.push(home_visit_at(
        "sat",
        at_time("2026-01-17", "09:59"),
        Outcome::SeenAlone,
    ));
    let e = eval(&met, "2026-01-19");
    none(&e, FlagCode::FailedVisitRevisit);
    none(&e, FlagCode::FailedVisitDecision);

    // Seen at 10:01: Monday's revisit (due by Mon 19 Jan) is met, Friday's was late.
    let mut late = c.clone();
    late.sightings.push(home_visit_at(
        "sat",
        at_time("2026-01-17", "10:01"),
        Outcome::SeenAlone,
    ));
    let f = one(&eval(&late, "2026-01-19"), FlagCode::FailedVisitRevisit).clone();
    assert_eq!(f.subject, about("fri"));
    assert_eq!(f.severity, Severity::Low);

    // None by 10:00 on Saturday: overdue from Sunday, while Monday's still runs to the 19th.
    let e = eval(&c, "2026-01-17");
    assert!(flags(&e, FlagCode::FailedVisitRevisit)
        .iter()
        .all(|f| f.severity == Severity::Medium));
    let e = eval(&c, "2026-01-18");
    let fri = flags(&e, FlagCode::FailedVisitRevisit)
        .into_iter()
        .find(|f| f.subject == about("fri"))
        .unwrap();
    assert_eq!(fri.severity, Severity::High);
    assert!(
        fri.message().contains("10:00 on Sat 17 Jan 2026"),
        "{}",
        fri.message()
    );
}

#[test]
fn a_child_not_present_is_a_failed_visit_too() {
    let mut c = case("2026-01-05");
    c.sightings
        .push(home_visit("np", "2026-01-12", Outcome::NotPresent));
    let e = eval(&c, "2026-01-12");
    one(&e, FlagCode::FailedVisitDecision);
    one(&e, FlagCode::FailedVisitRevisit);
}

// ---- seen alone, baby awake, bedroom (seed 001 §2) ----

#[test]
fn a_child_of_four_or_more_not_seen_alone_twice_running_is_flagged() {
    let mut c = case("2026-01-05");
    c.date_of_birth = d("2020-01-01");
    c.sightings
        .push(home_visit("h1", "2026-01-07", Outcome::SeenAlone));
    c.sightings
        .push(home_visit("h2", "2026-01-14", Outcome::SeenWithCarer));
    none(&eval(&c, "2026-01-15"), FlagCode::NotSeenAlone);
    c.sightings
        .push(home_visit("h3", "2026-01-21", Outcome::Seen));
    let e = eval(&c, "2026-01-22");
    let f = one(&e, FlagCode::NotSeenAlone);
    assert_eq!(f.since, d("2026-01-14"));
    assert!(
        f.message().contains("Wed 14 Jan 2026, Wed 21 Jan 2026"),
        "{}",
        f.message()
    );
    // A school sighting does not break the run of social-work visits.
    c.sightings.push(school("s", "2026-01-22"));
    one(&eval(&c, "2026-01-23"), FlagCode::NotSeenAlone);
    // Under four: not flagged.
    c.date_of_birth = d("2022-06-01");
    none(&eval(&c, "2026-01-23"), FlagCode::NotSeenAlone);
}

#[test]
fn a_baby_not_seen_awake_is_flagged() {
    let mut c = case("2026-01-05");
    c.date_of_birth = d("2025-09-01");
    let mut visit = home_visit("h1", "2026-01-07", Outcome::SeenWithCarer);
    visit.baby_awake = None;
    c.sightings.push(visit);
    let f = one(&eval(&c, "2026-01-08"), FlagCode::BabyNotSeenAwake).clone();
    assert_eq!(f.since, d("2026-01-07"));
    c.sightings[0].baby_awake = Some(true);
    none(&eval(&c, "2026-01-08"), FlagCode::BabyNotSeenAwake);
    // At 18 months the child is no longer a baby.
    c.sightings[0].baby_awake = Some(false);
    c.date_of_birth = d("2024-07-07");
    none(&eval(&c, "2026-01-08"), FlagCode::BabyNotSeenAwake);
    c.date_of_birth = d("2024-07-08");
    one(&eval(&c, "2026-01-08"), FlagCode::BabyNotSeenAwake);
}

#[test]
fn each_visit_a_baby_was_not_seen_awake_is_its_own_breach() {
    let mut c = case("2026-01-05");
    c.date_of_birth = d("2025-09-01");
    let mut asleep = home_visit("h1", "2026-01-07", Outcome::SeenWithCarer);
    asleep.baby_awake = Some(false);
    c.sightings.push(asleep);
    c.sightings
        .push(home_visit("h2", "2026-01-14", Outcome::SeenWithCarer));
    // The later awake visit does not erase the first breach.
    let f = one(&eval(&c, "2026-01-15"), FlagCode::BabyNotSeenAwake).clone();
    assert_eq!(f.subject, about("h1"));
    assert_eq!(f.since, d("2026-01-07"));
    let mut again = home_visit("h3", "2026-01-21", Outcome::Seen);
    again.baby_awake = None;
    c.sightings.push(again);
    assert_eq!(
        flags(&eval(&c, "2026-01-22"), FlagCode::BabyNotSeenAwake).len(),
        2
    );
    // Listed while the visit is within the practice flags' 3 months.
    assert_eq!(
        flags(&eval(&c, "2026-04-06"), FlagCode::BabyNotSeenAwake).len(),
        2
    );
    assert_eq!(
        one(&eval(&c, "2026-04-07"), FlagCode::BabyNotSeenAwake).subject,
        about("h3")
    );
}

#[test]
fn a_bedroom_unseen_at_two_home_visits_running_is_flagged() {
    let mut c = case("2026-01-05");
    let mut h1 = home_visit("h1", "2026-01-07", Outcome::SeenWithCarer);
    let mut h2 = home_visit("h2", "2026-01-14", Outcome::SeenWithCarer);
    h1.bedroom_seen = Some(false);
    h2.bedroom_seen = None;
    c.sightings.extend([h1, h2]);
    let e = eval(&c, "2026-01-15");
    assert_eq!(one(&e, FlagCode::BedroomNotSeen).since, d("2026-01-07"));
    c.sightings[0].bedroom_seen = Some(true);
    none(&eval(&c, "2026-01-15"), FlagCode::BedroomNotSeen);
}

// ---- home share (seed 004), late recording (seed 004) ----

#[test]
fn fewer_than_half_of_social_work_visits_at_home_is_flagged() {
    let mut c = case("2026-01-05");
    c.sightings
        .push(home_visit("h1", "2026-01-07", Outcome::SeenAlone));
    for (i, date) in ["2026-01-14", "2026-01-21", "2026-01-28"]
        .iter()
        .enumerate()
    {
        let mut office = crate::final_sighting(
            &format!("o{i}"),
            at(date),
            SightingKind::OtherContact,
            Outcome::Seen,
            true,
        );
        office.location = Location::Office;
        c.sightings.push(office);
    }
    let f = one(&eval(&c, "2026-01-29"), FlagCode::HomeVisitShare).clone();
    assert!(f.message().contains("Only 1 of 4"), "{}", f.message());
    assert!(f.message().contains("25%"));
    c.sightings
        .push(home_visit("h2", "2026-01-29", Outcome::SeenAlone));
    c.sightings
        .push(home_visit("h3", "2026-01-30", Outcome::SeenAlone));
    none(&eval(&c, "2026-01-30"), FlagCode::HomeVisitShare);
}

/// A social worker's contact at the office, 10:00 on `date`.
fn office(id: &str, date: &str) -> SightingFact {
    let mut s = crate::final_sighting(
        id,
        at(date),
        SightingKind::OtherContact,
        Outcome::Seen,
        true,
    );
    s.location = Location::Office;
    s
}

#[test]
fn records_finalised_late_or_still_drafts_are_flagged() {
    let mut c = case("2026-01-05");
    let mut late = office("late", "2026-01-07");
    late.finalised_at = Some(at("2026-01-10"));
    c.sightings.push(late);
    let f = one(&eval(&c, "2026-01-12"), FlagCode::LateRecording).clone();
    assert_eq!(f.severity, Severity::Low);
    assert!(
        f.message()
            .contains("1 social-care record was finalised more than 48 hours"),
        "{}",
        f.message()
    );

    let mut draft = office("draft", "2026-01-12");
    draft.status = RecordStatus::Draft;
    draft.finalised_at = None;
    c.sightings.push(draft);
    // 48 hours after 10:00 on the 12th is 10:00 on the 14th: late from the 15th.
    assert_eq!(
        one(&eval(&c, "2026-01-14"), FlagCode::LateRecording).severity,
        Severity::Low
    );
    let f = one(&eval(&c, "2026-01-15"), FlagCode::LateRecording).clone();
    assert_eq!(f.severity, Severity::Medium);
    assert!(f.message().contains("still a draft"));
}

#[test]
fn a_record_finalised_after_as_of_was_a_draft_then() {
    let mut c = case("2026-01-05");
    let mut s = office("s", "2026-01-07");
    s.finalised_at = Some(at("2026-01-20"));
    c.sightings.push(s);
    let f = one(&eval(&c, "2026-01-12"), FlagCode::LateRecording).clone();
    assert!(f.message().contains("still a draft"), "{}", f.message());
}

#[test]
fn late_recording_reads_social_care_records_and_drafts_however_old() {
    let mut c = case("2026-01-05");
    // A school's draft is not a late social-care record.
    let mut school_draft = school("school", "2026-01-07");
    school_draft.status = RecordStatus::Draft;
    school_draft.finalised_at = None;
    c.sightings.push(school_draft);
    none(&eval(&c, "2026-01-20"), FlagCode::LateRecording);

    // A social worker's draft of 7 Jan is still late on 1 June, past the 3 months.
    let mut draft = office("draft", "2026-01-07");
    draft.status = RecordStatus::Draft;
    draft.finalised_at = None;
    c.sightings.push(draft);
    let f = one(&eval(&c, "2026-06-01"), FlagCode::LateRecording).clone();
    assert_eq!(f.severity, Severity::Medium);
    // The breach began the day after its 48 hours ran out (10:00 on 9 Jan).
    assert_eq!(f.since, d("2026-01-10"));

    // A record finalised late is reported over late_recording_months, not the home share's.
    let mut c = case("2026-01-05");
    let mut late = office("late", "2026-01-07");
    late.finalised_at = Some(at("2026-01-10"));
    c.sightings.push(late);
    none(&eval(&c, "2026-04-08"), FlagCode::LateRecording);
    let policy = Policy {
        late_recording_months: 6,
        ..Policy::default()
    };
    one(
        &eval_with(&c, &policy, "2026-04-08"),
        FlagCode::LateRecording,
    );
}

#[test]
fn a_correction_of_a_final_record_is_not_a_late_finalisation() {
    let mut c = case("2026-01-05");
    let mut original = office("v1", "2026-01-07");
    original.superseded = true;
    // Corrected a week later: the correction is final only then.
    let mut correction = office("v2", "2026-01-07");
    correction.supersedes = Some("v1".into());
    correction.finalised_at = Some(at("2026-01-14"));
    c.sightings.extend([original, correction]);
    none(&eval(&c, "2026-01-20"), FlagCode::LateRecording);
    // An original finalised late stays late after it is corrected.
    c.sightings[0].finalised_at = Some(at("2026-01-10"));
    assert_eq!(
        one(&eval(&c, "2026-01-20"), FlagCode::LateRecording).severity,
        Severity::Low
    );
}

// ---- core groups (seed 002) ----

fn member(user: &str, agency: &str, from: &str) -> MemberFact {
    MemberFact {
        user_id: user.into(),
        agency_id: agency.into(),
        agency_name: format!("Agency {agency}"),
        from: d(from),
        until: None,
        recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
        until_recorded_at: None,
    }
}

fn meeting(id: &str, date: &str, attendance: &[(&str, Attendance)]) -> MeetingFact {
    MeetingFact {
        id: id.into(),
        held_on: d(date),
        chair_id: Some("lsw".into()),
        attendance: attendance
            .iter()
            .map(|(u, a)| (u.to_string(), *a))
            .collect(),
        minutes: None,
        recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
        attendance_history: Vec::new(),
        urgent: false,
        chaired_by_team_manager: false,
    }
}

#[test]
fn the_first_core_group_is_due_within_10_working_days() {
    let mut c = case("2026-01-05");
    let e = eval(&c, "2026-01-19");
    let f = one(&e, FlagCode::FirstCoreGroupDue);
    assert_eq!(
        (f.severity, f.due),
        (Severity::Medium, Some(d("2026-01-19")))
    );
    assert_eq!(
        one(&eval(&c, "2026-01-20"), FlagCode::FirstCoreGroupDue).severity,
        Severity::High
    );
    none(&eval(&c, "2026-01-09"), FlagCode::FirstCoreGroupDue);
    c.meetings.push(meeting("m1", "2026-01-15", &[]));
    none(&eval(&c, "2026-01-20"), FlagCode::FirstCoreGroupDue);
}

#[test]
fn later_core_groups_are_due_within_six_weeks() {
    let mut c = case("2026-01-05");
    c.meetings.push(meeting("m1", "2026-01-15", &[]));
    let f = one(&eval(&c, "2026-02-26"), FlagCode::CoreGroupOverdue).clone();
    assert_eq!(
        (f.severity, f.due),
        (Severity::Medium, Some(d("2026-02-26")))
    );
    assert_eq!(
        one(&eval(&c, "2026-02-27"), FlagCode::CoreGroupOverdue).severity,
        Severity::High
    );
    none(&eval(&c, "2026-02-18"), FlagCode::CoreGroupOverdue);
}

#[test]
fn attendance_gaps_by_agency() {
    let members = vec![
        member("lsw", "council", "2026-01-05"),
        member("teacher1", "school", "2026-01-05"),
        member("teacher2", "school", "2026-01-05"),
        member("hv", "health", "2026-01-05"),
        member("police", "police", "2026-01-20"),
    ];
    let meetings = vec![
        meeting(
            "m1",
            "2026-01-15",
            &[
                ("lsw", Attendance::Attended),
                ("teacher1", Attendance::Apologies),
                ("teacher2", Attendance::Attended),
                ("hv", Attendance::Apologies),
            ],
        ),
        meeting(
            "m2",
            "2026-02-19",
            &[
                ("lsw", Attendance::Attended),
                ("teacher1", Attendance::Attended),
                ("hv", Attendance::DidNotAttend),
            ],
        ),
    ];
    let gaps = attendance_gaps(&members, &meetings, d("2026-03-01"), &Policy::default());
    assert_eq!(gaps.len(), 2);
    // Meeting 1: school had one member attend (no gap); health sent apologies (a gap); the
    // police officer joined after it (not counted).
    assert_eq!(gaps[0].agencies, ["council", "school", "health"]);
    assert_eq!(gaps[0].agencies_absent, ["health"]);
    assert_eq!(gaps[0].flags[0].consecutive_missed, Some(1));
    assert_eq!(gaps[0].flags[0].severity, Severity::Medium);
    // Meeting 2: health missed again (escalates); the police member never attended.
    assert_eq!(gaps[1].agencies_absent, ["health", "police"]);
    let health = &gaps[1].flags[0];
    assert_eq!(
        (health.consecutive_missed, health.severity),
        (Some(2), Severity::High)
    );
    assert!(health.message().contains("2 meetings missed in a row"));
    let police = &gaps[1].flags[1];
    assert_eq!(
        (police.consecutive_missed, police.severity),
        (Some(1), Severity::Medium)
    );
    // Only meetings up to as_of count.
    assert_eq!(
        attendance_gaps(&members, &meetings, d("2026-02-18"), &Policy::default()).len(),
        1
    );
    // The child's status carries the latest meeting's gaps.
    let mut c = case("2026-01-05");
    c.members = members;
    c.meetings = meetings;
    assert_eq!(
        flags(&eval(&c, "2026-02-20"), FlagCode::CoreGroupAttendanceGap).len(),
        2
    );
}

#[test]
fn minutes_must_reach_every_member_and_be_read() {
    let mut c = case("2026-01-05");
    c.members = vec![
        member("lsw", "council", "2026-01-05"),
        member("hv", "health", "2026-01-05"),
        member("teacher", "school", "2026-01-05"),
    ];
    c.meetings.push(meeting(
        "m1",
        "2026-01-15",
        &[
            ("lsw", Attendance::Attended),
            ("teacher", Attendance::Attended),
        ],
    ));
    // Due 5 working days after Thu 15 Jan: Thu 22 Jan.
    let f = one(&eval(&c, "2026-01-22"), FlagCode::MinutesNotDistributed).clone();
    assert_eq!(
        (f.severity, f.due),
        (Severity::Medium, Some(d("2026-01-22")))
    );
    assert_eq!(
        one(&eval(&c, "2026-01-23"), FlagCode::MinutesNotDistributed).severity,
        Severity::High
    );

    // Published on the 20th to everyone, the absent health visitor included.
    c.meetings[0].minutes = Some(MinutesFact {
        published_on: Some(d("2026-01-20")),
        distributed_to: vec!["lsw".into(), "hv".into(), "teacher".into()],
        acknowledgements: vec![
            ("lsw".into(), d("2026-01-20")),
            ("hv".into(), d("2026-01-26")),
        ],
        published_at: None,
        distributed_at: Vec::new(),
        acknowledged_at: Vec::new(),
    });
    let e = eval(&c, "2026-01-27");
    none(&e, FlagCode::MinutesNotDistributed);
    none(&e, FlagCode::MinutesNotAcknowledged);
    // Acknowledgements due by Tue 27 Jan: on the 28th the teacher has not read them.
    let e = eval(&c, "2026-01-28");
    let f = one(&e, FlagCode::MinutesNotAcknowledged);
    assert_eq!(
        f.subject,
        Some(Subject::MemberAtMeeting {
            meeting_id: "m1".into(),
            user_id: "teacher".into()
        })
    );
    assert!(
        f.raise_to.contains(&Audience::Member("teacher".into()))
            && f.raise_to.contains(&Audience::CpChair)
    );

    // Minutes that missed a member are flagged.
    c.meetings[0]
        .minutes
        .as_mut()
        .unwrap()
        .distributed_to
        .retain(|u| u != "hv");
    let e = eval(&c, "2026-01-27");
    let f = one(&e, FlagCode::MinutesNotDistributed);
    assert!(
        f.message().contains("not sent to 1 member"),
        "{}",
        f.message()
    );
}

// ---- actions, reviews, long plans ----

#[test]
fn an_open_action_past_its_due_date_is_flagged_until_done() {
    let mut c = case("2026-01-05");
    c.actions.push(ActionFact {
        id: "a1".into(),
        description: "Arrange a school nurse appointment".into(),
        owner_id: "nurse".into(),
        agency_id: "health".into(),
        created_on: d("2026-01-15"),
        due: d("2026-02-10"),
        done_on: None,
        cancelled_on: None,
        recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
        versions: Vec::new(),
    });
    none(&eval(&c, "2026-02-10"), FlagCode::ActionOverdue);
    let f = one(&eval(&c, "2026-02-11"), FlagCode::ActionOverdue).clone();
    assert!(f.raise_to.contains(&Audience::Member("nurse".into())));
    c.actions[0].done_on = Some(d("2026-02-12"));
    one(&eval(&c, "2026-02-11"), FlagCode::ActionOverdue);
    none(&eval(&c, "2026-02-12"), FlagCode::ActionOverdue);
}

#[test]
fn reviews_are_due_at_3_then_6_months_across_month_ends() {
    let mut c = case("2026-01-31");
    let f = one(&eval(&c, "2026-04-30"), FlagCode::ReviewConferenceDue).clone();
    assert_eq!(
        (f.severity, f.due),
        (Severity::Medium, Some(d("2026-04-30")))
    );
    assert_eq!(
        one(&eval(&c, "2026-05-01"), FlagCode::ReviewConferenceDue).severity,
        Severity::High
    );
    c.reviews.push(ReviewFact {
        held_on: d("2026-04-28"),
        recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
    });
    none(&eval(&c, "2026-05-01"), FlagCode::ReviewConferenceDue);
    assert_eq!(
        one(&eval(&c, "2026-10-28"), FlagCode::ReviewConferenceDue).due,
        Some(d("2026-10-28"))
    );
}

#[test]
fn long_and_repeat_plans_are_reported() {
    let mut c = case("2025-01-10");
    none(&eval(&c, "2026-04-10"), FlagCode::LongPlan);
    let f = one(&eval(&c, "2026-04-11"), FlagCode::LongPlan).clone();
    assert_eq!(f.severity, Severity::Low);
    c.plan.previous_plans = 1;
    let f = one(&eval(&c, "2025-02-01"), FlagCode::LongPlan).clone();
    assert!(f.message().contains("second plan"), "{}", f.message());
}

#[test]
fn an_ended_plan_is_evaluated_at_its_end_and_raises_nothing() {
    let mut c = case("2026-01-05");
    c.plan.end = Some(d("2026-03-01"));
    let e = eval(&c, "2026-06-01");
    assert!(!e.plan_open);
    assert_eq!(e.evaluated_on, d("2026-03-01"));
    assert!(e.flags.is_empty());
}

#[test]
fn flags_are_ordered_most_severe_first() {
    let c = case("2025-01-06");
    let e = eval(&c, "2026-06-01");
    assert!(e.flags.windows(2).all(|w| w[0].severity >= w[1].severity));
    assert_eq!(e.flags[0].severity, Severity::High);
}

// ---- the chair's view of implementation (seed 002) ----

#[test]
fn implementation_counts_meetings_minutes_and_actions_on_time_by_agency() {
    let mut c = case("2026-01-05");
    c.members = vec![
        member("lsw", "council", "2026-01-05"),
        member("teacher", "school", "2026-01-05"),
        member("senco", "school", "2026-01-05"),
        member("hv", "health", "2026-01-05"),
        // Joined after the first meeting: not invited to it.
        member("pc", "police", "2026-02-01"),
    ];
    // First due by Mon 19 Jan (10 working days), held on time; the second due 6 weeks
    // later (Thu 26 Feb), held late on 2 March.
    let mut first = meeting(
        "m1",
        "2026-01-15",
        &[
            ("lsw", Attendance::Attended),
            ("teacher", Attendance::Apologies),
            ("senco", Attendance::Attended),
            ("hv", Attendance::DidNotAttend),
        ],
    );
    // Published Tue 20 Jan (due Thu 22 Jan) to all four; read on time, late, and not at all.
    first.minutes = Some(MinutesFact {
        published_on: Some(d("2026-01-20")),
        distributed_to: vec!["lsw".into(), "teacher".into(), "senco".into(), "hv".into()],
        acknowledgements: vec![
            ("lsw".into(), d("2026-01-20")),
            ("teacher".into(), d("2026-01-27")),
            ("senco".into(), d("2026-02-10")),
        ],
        published_at: None,
        distributed_at: Vec::new(),
        acknowledged_at: Vec::new(),
    });
    c.meetings.push(first);
    c.meetings.push(meeting(
        "m2",
        "2026-03-02",
        &[("lsw", Attendance::Attended)],
    ));
    let action =
        |id: &str, agency: &str, due: &str, done: Option<&str>, cancelled: Option<&str>| {
            ActionFact {
                id: id.into(),
                description: "An action".into(),
                owner_id: "x".into(),
                agency_id: agency.into(),
                created_on: d("2026-01-15"),
                due: d(due),
                done_on: done.map(d),
                cancelled_on: cancelled.map(d),
                recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
                versions: Vec::new(),
            }
        };
    c.actions = vec![
        action("a1", "school", "2026-02-01", Some("2026-01-30"), None),
        action("a2", "school", "2026-02-01", Some("2026-02-03"), None),
        action("a3", "health", "2026-02-01", None, None),
        action("a4", "health", "2026-02-01", None, Some("2026-01-20")),
    ];
    let calendar = calendar();
    let policy = Policy::default();
    let ctx = Context {
        policy: &policy,
        calendar: &calendar,
        tz: chrono_tz::Europe::London,
    };
    let done = implementation(&c, &ctx, d("2026-03-10")).unwrap();

    assert_eq!(done.meetings.len(), 2);
    let (m1, m2) = (&done.meetings[0], &done.meetings[1]);
    assert_eq!((m1.due, m1.on_time), (Some(d("2026-01-19")), true));
    assert_eq!((m2.due, m2.on_time), (Some(d("2026-02-26")), false));
    assert_eq!(m1.invited.len(), 4, "the police officer joined later");
    assert_eq!(m1.agencies_absent, ["health"]);
    assert_eq!(m2.invited.len(), 5);
    let mut absent = m2.agencies_absent.clone();
    absent.sort();
    assert_eq!(absent, ["health", "police", "school"]);

    let minutes = &m1.minutes;
    assert_eq!(minutes.due, Some(d("2026-01-22")));
    assert!(minutes.distributed_on_time);
    assert_eq!(minutes.acknowledgement_due, Some(d("2026-01-27")));
    let users = |l: &[(String, String)]| l.iter().map(|(u, _)| u.clone()).collect::<Vec<_>>();
    assert_eq!(users(&minutes.acknowledged_on_time), ["lsw", "teacher"]);
    assert_eq!(users(&minutes.acknowledged_late), ["senco"]);
    assert_eq!(users(&minutes.not_acknowledged), ["hv"]);
    // The second meeting's minutes were never published.
    assert_eq!(
        (m2.minutes.published_on, m2.minutes.distributed_on_time),
        (None, false)
    );

    // The school was represented at the first meeting (by its second member) only.
    let school = done
        .attendance
        .iter()
        .find(|a| a.agency_id == "school")
        .unwrap();
    assert_eq!((school.meetings, school.attended), (2, 1));
    let police = done
        .attendance
        .iter()
        .find(|a| a.agency_id == "police")
        .unwrap();
    assert_eq!((police.meetings, police.attended), (1, 0));
    assert_eq!(percent(1, 3), Some(33.3));
    assert_eq!(percent(2, 3), Some(66.7));
    assert_eq!(percent(0, 0), None);

    let school = done
        .actions
        .iter()
        .find(|a| a.agency_id == "school")
        .unwrap();
    assert_eq!(
        (
            school.total,
            school.done,
            school.done_on_time,
            school.overdue
        ),
        (2, 2, 1, 0)
    );
    let health = done
        .actions
        .iter()
        .find(|a| a.agency_id == "health")
        .unwrap();
    assert_eq!(
        (health.total, health.open, health.overdue, health.cancelled),
        (2, 1, 1, 1)
    );
    assert_eq!(done.overdue_actions, ["a3"]);

    // As at an earlier date, only what had happened by then counts.
    let then = implementation(&c, &ctx, d("2026-01-26")).unwrap();
    assert_eq!(then.meetings.len(), 1);
    assert_eq!(
        users(&then.meetings[0].minutes.not_acknowledged),
        ["teacher", "senco", "hv"]
    );
}
