//! "As known at" (domain.md §3): worked examples by hand, and a property — the facts of a
//! whole history seen as at `known_at` answer exactly as a fresh state into which only the
//! changes made by `known_at` were replayed.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use coregroup::domain::calendar::Calendar;
use coregroup::domain::feed;
use coregroup::domain::policy::{FrequencyUnit, Policy, VisitFrequency};
use coregroup::domain::records::*;
use coregroup::domain::rules::*;

const TZ: chrono_tz::Tz = chrono_tz::Europe::London;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A local time in London ("2026-01-16 23:59").
fn at(s: &str) -> DateTime<Utc> {
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    TZ.from_local_datetime(&naive).single().unwrap().to_utc()
}

fn calendar() -> Calendar {
    feed::shipped().unwrap().remove(0)
}

fn evaluate_at(facts: &CaseFacts, as_of: NaiveDate) -> Evaluation {
    let (policy, cal) = (Policy::default(), calendar());
    let ctx = Context {
        policy: &policy,
        calendar: &cal,
        tz: TZ,
    };
    evaluate(facts, &ctx, as_of).unwrap()
}

/// The changes a store makes, one at a time, each at its own moment.
#[derive(Debug, Clone)]
enum Change {
    /// A contact, saved as a draft or final.
    Record {
        day: u64,
        outcome: Outcome,
        home_visit: bool,
        by_social_care: bool,
        draft: bool,
    },
    /// The n-th record still a draft is finalised.
    Finalise(usize),
    /// The n-th record still a draft is withdrawn.
    Withdraw(usize),
    /// The n-th current final record is corrected to another outcome and day.
    Correct(usize, Outcome, u64),
    /// A dated change of visiting frequency.
    Frequency { from_day: u64, every: u32 },
    /// A team manager's decision about the n-th current failed home visit, taken some hours
    /// after it (typed in now).
    Decide(usize, i64),
    /// The plan's end on a day.
    End(u64),
}

const START: &str = "2026-01-05";

fn start() -> NaiveDate {
    d(START)
}

fn empty_case() -> CaseFacts {
    crate::plan_case("2016-10-10", START)
}

/// What the store does with one change at `now` (the services' rules, in miniature).
fn apply(case: &mut CaseFacts, change: &Change, now: DateTime<Utc>, n: usize) {
    let current_final = |c: &CaseFacts| -> Vec<usize> {
        (0..c.sightings.len())
            .filter(|&i| c.sightings[i].status == RecordStatus::Final && !c.sightings[i].superseded)
            .collect()
    };
    let drafts = |c: &CaseFacts| -> Vec<usize> {
        (0..c.sightings.len())
            .filter(|&i| c.sightings[i].status == RecordStatus::Draft)
            .collect()
    };
    match change {
        Change::Record {
            day,
            outcome,
            home_visit,
            by_social_care,
            draft,
        } => {
            let on = start() + chrono::Days::new(*day);
            let occurred_at = TZ
                .from_local_datetime(&on.and_hms_opt(10, 0, 0).unwrap())
                .single()
                .unwrap()
                .to_utc();
            let social = *by_social_care || *home_visit;
            case.sightings.push(SightingFact {
                id: format!("s{n}"),
                occurred_at,
                occurred_on: on,
                status: if *draft {
                    RecordStatus::Draft
                } else {
                    RecordStatus::Final
                },
                finalised_at: (!draft).then_some(now),
                withdrawn_at: None,
                superseded: false,
                supersedes: None,
                kind: if *home_visit {
                    SightingKind::HomeVisit
                } else {
                    SightingKind::SchoolContact
                },
                outcome: *outcome,
                location: if *home_visit {
                    Location::Home
                } else {
                    Location::School
                },
                by_social_care: social,
                bedroom_seen: Some(true),
                baby_awake: None,
                recorded_at: now,
                superseded_at: None,
            });
        }
        Change::Finalise(k) => {
            let open = drafts(case);
            if let Some(&i) = open.get(k % open.len().max(1)) {
                case.sightings[i].status = RecordStatus::Final;
                case.sightings[i].finalised_at = Some(now);
            }
        }
        Change::Withdraw(k) => {
            let open = drafts(case);
            if let Some(&i) = open.get(k % open.len().max(1)) {
                case.sightings[i].status = RecordStatus::Withdrawn;
                case.sightings[i].withdrawn_at = Some(now);
            }
        }
        Change::Correct(k, outcome, day) => {
            let finals = current_final(case);
            if let Some(&i) = finals.get(k % finals.len().max(1)) {
                let mut correction = case.sightings[i].clone();
                case.sightings[i].superseded = true;
                case.sightings[i].superseded_at = Some(now);
                let on = start() + chrono::Days::new(*day);
                correction.id = format!("s{n}");
                correction.supersedes = Some(case.sightings[i].id.clone());
                correction.outcome = *outcome;
                correction.occurred_on = on;
                correction.occurred_at = TZ
                    .from_local_datetime(&on.and_hms_opt(10, 0, 0).unwrap())
                    .single()
                    .unwrap()
                    .to_utc();
                correction.finalised_at = Some(now);
                correction.recorded_at = now;
                case.sightings.push(correction);
            }
        }
        Change::Frequency { from_day, every } => {
            let from = start() + chrono::Days::new(*from_day);
            let change = FrequencyFrom {
                from,
                frequency: Some(VisitFrequency {
                    every: *every,
                    unit: FrequencyUnit::WorkingDays,
                }),
                recorded_at: now,
            };
            // Kept by date, then in the order recorded (as the store reads them).
            let at = case
                .plan
                .frequency_changes
                .iter()
                .position(|c| c.from > from)
                .unwrap_or(case.plan.frequency_changes.len());
            case.plan.frequency_changes.insert(at, change);
        }
        Change::Decide(k, hours) => {
            let failed: Vec<usize> = current_final(case)
                .into_iter()
                .filter(|&i| {
                    let s = &case.sightings[i];
                    s.kind == SightingKind::HomeVisit
                        && !matches!(
                            s.outcome,
                            Outcome::Seen | Outcome::SeenAlone | Outcome::SeenWithCarer
                        )
                })
                .collect();
            if let Some(&i) = failed.get(k % failed.len().max(1)) {
                let decided_at = (case.sightings[i].occurred_at + Duration::hours(*hours)).min(now);
                case.decisions.push(DecisionFact {
                    sighting_id: case.sightings[i].id.clone(),
                    decided_at,
                    decided_on: local_date(TZ, decided_at),
                    recorded_at: now,
                });
            }
        }
        Change::End(day) => {
            if case.plan.end.is_none() {
                case.plan.end = Some(start() + chrono::Days::new(*day));
                case.plan.end_recorded_at = Some(now);
            }
        }
    }
}

/// Every change, each made at its moment, into a fresh case.
fn replay(changes: &[(DateTime<Utc>, Change)]) -> CaseFacts {
    let mut case = empty_case();
    for (n, (now, change)) in changes.iter().enumerate() {
        apply(&mut case, change, *now, n);
    }
    case
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        Just(Outcome::SeenAlone),
        Just(Outcome::SeenWithCarer),
        Just(Outcome::Seen),
        Just(Outcome::NotSeen),
        Just(Outcome::NotPresent),
    ]
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        6 => (0u64..90, outcome(), any::<bool>(), any::<bool>(), prop::bool::weighted(0.4)).prop_map(
            |(day, outcome, home_visit, by_social_care, draft)| Change::Record {
                day, outcome, home_visit, by_social_care, draft
            }
        ),
        2 => (0usize..8).prop_map(Change::Finalise),
        1 => (0usize..8).prop_map(Change::Withdraw),
        2 => (0usize..8, outcome(), 0u64..90).prop_map(|(k, o, day)| Change::Correct(k, o, day)),
        1 => (0u64..90, 3u32..11).prop_map(|(from_day, every)| Change::Frequency { from_day, every }),
        1 => (0usize..4, 1i64..60).prop_map(|(k, h)| Change::Decide(k, h)),
        1 => (30u64..100).prop_map(Change::End),
    ]
}

/// Changes at increasing moments from the plan's start (minutes apart, up to four days).
fn history() -> impl Strategy<Value = Vec<(DateTime<Utc>, Change)>> {
    prop::collection::vec((1i64..5760, change()), 0..40).prop_map(|steps| {
        let mut now = at("2026-01-05 09:00");
        steps
            .into_iter()
            .map(|(gap, change)| {
                now += Duration::minutes(gap);
                (now, change)
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// The whole history as known at a moment answers as only what existed then would.
    #[test]
    fn the_past_as_known_is_the_past_replayed(
        changes in history(),
        as_of_day in 0u64..140,
        known_pick in 0usize..45,
        offset in -30i64..30,
    ) {
        let whole = replay(&changes);
        // A moment at, just before or just after one of the changes (or before them all).
        let known_at = match changes.get(known_pick) {
            Some((when, _)) => *when + Duration::seconds(offset),
            None => at("2026-01-05 08:00") + Duration::days(known_pick as i64),
        };
        let made: Vec<_> = changes.iter().filter(|(when, _)| *when <= known_at).cloned().collect();
        let then = replay(&made);
        let as_of = start() + chrono::Days::new(as_of_day);
        prop_assert_eq!(
            evaluate_at(&whole.as_known_at(known_at), as_of),
            evaluate_at(&then, as_of)
        );
        // Known now (after every change), nothing is taken away.
        prop_assert_eq!(
            evaluate_at(&whole.as_known_at(at("2027-01-01 00:00")), as_of),
            evaluate_at(&whole, as_of)
        );
    }
}

fn school_contact(id: &str, on: &str, recorded: &str, finalised: Option<&str>) -> SightingFact {
    let when = at(&format!("{on} 10:00"));
    SightingFact {
        id: id.into(),
        occurred_at: when,
        occurred_on: d(on),
        status: if finalised.is_some() {
            RecordStatus::Final
        } else {
            RecordStatus::Draft
        },
        finalised_at: finalised.map(at),
        withdrawn_at: None,
        superseded: false,
        supersedes: None,
        kind: SightingKind::SchoolContact,
        outcome: Outcome::Seen,
        location: Location::School,
        by_social_care: false,
        bedroom_seen: None,
        baby_awake: None,
        recorded_at: at(recorded),
        superseded_at: None,
    }
}

#[test]
fn a_draft_finalised_after_as_of_counts_only_once_known_final() {
    // Seen at school Mon 5 Jan (recorded that day); seen again Mon 12 Jan, saved as a draft on
    // the 12th and finalised on Tue 20 Jan.
    let mut c = empty_case();
    c.sightings = vec![
        school_contact(
            "a",
            "2026-01-05",
            "2026-01-05 12:00",
            Some("2026-01-05 12:00"),
        ),
        school_contact(
            "b",
            "2026-01-12",
            "2026-01-12 15:00",
            Some("2026-01-20 09:30"),
        ),
    ];
    // "What did the dashboard say on 16 January": the draft did not count.
    let then = evaluate_at(&c.as_known_at(at("2026-01-16 23:59")), d("2026-01-16"));
    assert_eq!(then.any_agency.last_seen, Some(d("2026-01-05")));
    // The same date asked later: the record finalised on the 20th counts for the 12th.
    let later = evaluate_at(&c.as_known_at(at("2026-01-20 09:30")), d("2026-01-16"));
    assert_eq!(later.any_agency.last_seen, Some(d("2026-01-12")));
    assert_eq!(later, evaluate_at(&c, d("2026-01-16")));
    // One minute before the finalisation it was still a draft.
    let before = evaluate_at(&c.as_known_at(at("2026-01-20 09:29")), d("2026-01-16"));
    assert_eq!(before.any_agency.last_seen, Some(d("2026-01-05")));
}

#[test]
fn a_correction_after_known_at_changes_nothing_then() {
    // A visit of Mon 12 Jan recorded as seen; corrected on Thu 22 Jan: the child was not
    // there (not present).
    let mut c = empty_case();
    let mut visit = school_contact(
        "v1",
        "2026-01-12",
        "2026-01-12 17:00",
        Some("2026-01-12 17:00"),
    );
    visit.kind = SightingKind::HomeVisit;
    visit.location = Location::Home;
    visit.by_social_care = true;
    visit.superseded = true;
    visit.superseded_at = Some(at("2026-01-22 11:00"));
    let mut correction = visit.clone();
    correction.id = "v2".into();
    correction.supersedes = Some("v1".into());
    correction.outcome = Outcome::NotPresent;
    correction.superseded = false;
    correction.superseded_at = None;
    correction.recorded_at = at("2026-01-22 11:00");
    correction.finalised_at = Some(at("2026-01-22 11:00"));
    c.sightings = vec![visit, correction];
    let as_of = d("2026-01-16");
    let then = evaluate_at(&c.as_known_at(at("2026-01-16 23:59")), as_of);
    assert_eq!(then.home_visit.last_seen, Some(d("2026-01-12")));
    assert_eq!(then.social_worker.last_seen, Some(d("2026-01-12")));
    // Known after the correction: never seen since the plan began (Mon 5 Jan).
    let now = evaluate_at(&c, as_of);
    assert_eq!(now.home_visit.last_seen, None);
    assert_eq!(now.home_visit.baseline, d("2026-01-05"));
    assert!(c.as_known_at(at("2026-01-22 11:00")).sightings[0].superseded);
}

#[test]
fn a_frequency_change_recorded_later_is_not_in_force_before_it_was_recorded() {
    // Seen at home Mon 9 Feb; every 5 working days from Fri 20 Feb, agreed and recorded on
    // Mon 23 Feb. Asked about 23 Feb as known on the morning of the 23rd: every 10, due 23 Feb.
    let mut c = empty_case();
    let mut visit = school_contact(
        "h",
        "2026-02-09",
        "2026-02-09 16:00",
        Some("2026-02-09 16:00"),
    );
    visit.kind = SightingKind::HomeVisit;
    visit.location = Location::Home;
    visit.by_social_care = true;
    c.sightings = vec![visit];
    c.plan.frequency_changes = vec![FrequencyFrom {
        from: d("2026-02-20"),
        frequency: Some(VisitFrequency {
            every: 5,
            unit: FrequencyUnit::WorkingDays,
        }),
        recorded_at: at("2026-02-23 14:00"),
    }];
    let morning = evaluate_at(&c.as_known_at(at("2026-02-23 09:00")), d("2026-02-23"));
    assert_eq!(morning.home_visit.due, Some(d("2026-02-23")));
    assert_eq!(morning.home_visit.state, ClockState::DueSoon);
    // Known that afternoon: due on the change's date, Fri 20 Feb, so overdue.
    let afternoon = evaluate_at(&c.as_known_at(at("2026-02-23 14:00")), d("2026-02-23"));
    assert_eq!(afternoon.home_visit.due, Some(d("2026-02-20")));
    assert_eq!(afternoon.home_visit.state, ClockState::Overdue);
}

#[test]
fn a_decision_typed_in_later_is_missing_until_it_was() {
    // A failed home visit Mon 12 Jan 10:00; the manager decided at 15:00 the same day but
    // typed it in on Wed 14 Jan. Known on the 13th, the decision was missing.
    let mut c = empty_case();
    let mut visit = school_contact(
        "f",
        "2026-01-12",
        "2026-01-12 12:00",
        Some("2026-01-12 12:00"),
    );
    visit.kind = SightingKind::HomeVisit;
    visit.location = Location::Home;
    visit.by_social_care = true;
    visit.outcome = Outcome::NotPresent;
    c.sightings = vec![visit];
    c.decisions = vec![DecisionFact {
        sighting_id: "f".into(),
        decided_at: at("2026-01-12 15:00"),
        decided_on: d("2026-01-12"),
        recorded_at: at("2026-01-14 09:00"),
    }];
    let codes = |e: &Evaluation| e.flags.iter().map(|f| f.code).collect::<Vec<_>>();
    let then = evaluate_at(&c.as_known_at(at("2026-01-13 18:00")), d("2026-01-13"));
    assert!(codes(&then).contains(&FlagCode::FailedVisitDecision));
    let now = evaluate_at(&c, d("2026-01-13"));
    assert!(!codes(&now).contains(&FlagCode::FailedVisitDecision));
}

#[test]
fn an_end_recorded_later_leaves_the_plan_open_until_then() {
    let mut c = empty_case();
    c.plan.end = Some(d("2026-02-02"));
    c.plan.end_recorded_at = Some(at("2026-02-10 10:00"));
    let then = evaluate_at(&c.as_known_at(at("2026-02-05 12:00")), d("2026-02-05"));
    assert!(then.plan_open);
    let now = evaluate_at(&c, d("2026-02-05"));
    assert!(!now.plan_open);
    assert_eq!(now.evaluated_on, d("2026-02-02"));
}

#[test]
fn records_recorded_after_known_at_do_not_exist_then() {
    let mut c = empty_case();
    c.sightings = vec![school_contact(
        "x",
        "2026-01-07",
        "2026-03-01 10:00",
        Some("2026-03-01 10:00"),
    )];
    // A record typed up in March about January.
    assert!(c.as_known_at(at("2026-02-28 23:59")).sightings.is_empty());
    assert_eq!(
        evaluate_at(&c, d("2026-01-16")).any_agency.last_seen,
        Some(d("2026-01-07"))
    );
}

#[test]
fn minutes_read_after_known_at_were_unread_then() {
    // A core group on Mon 12 Jan with two members; minutes published Tue 13 Jan and sent to
    // both; one reads them on the 14th, the other on Fri 23 Jan (recorded then). As known on
    // the 22nd, asked about the 22nd, the second member had not read them (due 20 Jan).
    let mut c = empty_case();
    let member = |user: &str| MemberFact {
        user_id: user.into(),
        agency_id: format!("{user}-agency"),
        agency_name: format!("{user} agency"),
        from: start(),
        until: None,
        recorded_at: at("2026-01-05 09:00"),
        until_recorded_at: None,
    };
    c.members = vec![member("u1"), member("u2")];
    c.meetings = vec![MeetingFact {
        id: "m1".into(),
        held_on: d("2026-01-12"),
        chair_id: None,
        attendance: vec![
            ("u1".into(), Attendance::Attended),
            ("u2".into(), Attendance::Attended),
        ],
        minutes: Some(MinutesFact {
            published_on: Some(d("2026-01-13")),
            distributed_to: vec!["u1".into(), "u2".into()],
            acknowledgements: vec![
                ("u1".into(), d("2026-01-14")),
                ("u2".into(), d("2026-01-23")),
            ],
            published_at: Some(at("2026-01-13 10:00")),
            distributed_at: vec![at("2026-01-13 10:00"), at("2026-01-13 10:00")],
            acknowledged_at: vec![at("2026-01-14 09:00"), at("2026-01-23 09:00")],
        }),
        recorded_at: at("2026-01-12 16:00"),
        attendance_history: vec![],
        urgent: false,
        chaired_by_team_manager: false,
    }];
    let unread = |e: &Evaluation| {
        e.flags
            .iter()
            .filter(|f| f.code == FlagCode::MinutesNotAcknowledged)
            .count()
    };
    let then = evaluate_at(&c.as_known_at(at("2026-01-22 12:00")), d("2026-01-22"));
    assert_eq!(unread(&then), 1);
    // About the 23rd: as known on the 22nd still unread; as known now read (late).
    let then = evaluate_at(&c.as_known_at(at("2026-01-22 12:00")), d("2026-01-23"));
    assert_eq!(unread(&then), 1);
    assert_eq!(unread(&evaluate_at(&c, d("2026-01-23"))), 0);
    // Before publication was recorded, the minutes were not out at all.
    let before = c.as_known_at(at("2026-01-13 09:00"));
    assert_eq!(
        before.meetings[0].minutes.as_ref().unwrap().published_on,
        None
    );
}
