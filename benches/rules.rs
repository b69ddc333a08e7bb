//! Calendar and rules-engine throughput on one core.
//!
//!     cargo bench --bench rules
//!
//! Figures and their meaning are recorded in docs/benchmarks.md.

use std::hint::black_box;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use coregroup::domain::calendar::{Calendar, Region};
use coregroup::domain::feed;
use coregroup::domain::policy::Policy;
use coregroup::domain::records::*;
use coregroup::domain::rules::{evaluate, Context};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const TZ: chrono_tz::Tz = chrono_tz::Europe::London;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    TZ.from_local_datetime(&day.and_hms_opt(hour, 0, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn sighting(
    i: usize,
    day: NaiveDate,
    kind: SightingKind,
    outcome: Outcome,
    by_social_care: bool,
) -> SightingFact {
    let when = at(day, 10);
    SightingFact {
        id: format!("s{i}"),
        occurred_at: when,
        occurred_on: day,
        status: RecordStatus::Final,
        finalised_at: Some(when + chrono::Duration::hours(if i % 9 == 0 { 60 } else { 3 })),
        withdrawn_at: None,
        superseded: i % 40 == 0,
        supersedes: None,
        kind,
        outcome,
        location: if kind == SightingKind::HomeVisit {
            Location::Home
        } else {
            Location::School
        },
        by_social_care,
        bedroom_seen: Some(i % 3 != 0),
        baby_awake: Some(true),
        // Saved an hour after the contact; a correction two days later.
        recorded_at: when + chrono::Duration::hours(1),
        superseded_at: (i % 40 == 0).then(|| when + chrono::Duration::days(2)),
    }
}

/// One child's plan with a year of records: school every week, a home visit every fortnight
/// (one in eight failed), a health contact every month, a core group every six weeks with
/// eight members and minutes, ten actions and two reviews.
fn a_year_of_records() -> CaseFacts {
    let start = d("2025-01-06");
    let mut sightings = Vec::new();
    let mut i = 0;
    for week in 0..52u64 {
        let monday = start + Days::new(week * 7);
        sightings.push(sighting(
            i,
            monday + Days::new(1),
            SightingKind::SchoolContact,
            Outcome::Seen,
            false,
        ));
        i += 1;
        if week % 2 == 0 {
            let outcome = if week % 16 == 0 {
                Outcome::NotSeen
            } else if week % 4 == 0 {
                Outcome::SeenAlone
            } else {
                Outcome::SeenWithCarer
            };
            sightings.push(sighting(
                i,
                monday + Days::new(3),
                SightingKind::HomeVisit,
                outcome,
                true,
            ));
            i += 1;
        }
        if week % 4 == 1 {
            sightings.push(sighting(
                i,
                monday + Days::new(2),
                SightingKind::HealthContact,
                Outcome::Seen,
                false,
            ));
            i += 1;
        }
    }
    let agencies = ["council", "school", "health", "police"];
    let members: Vec<MemberFact> = (0..8)
        .map(|m| MemberFact {
            user_id: format!("u{m}"),
            agency_id: agencies[m % 4].to_string(),
            agency_name: format!("Agency {}", agencies[m % 4]),
            from: start,
            until: None,
            recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
            until_recorded_at: None,
        })
        .collect();
    let meetings: Vec<MeetingFact> = (0..8u64)
        .map(|k| {
            let held_on = start + Days::new(9 + k * 42);
            MeetingFact {
                id: format!("m{k}"),
                held_on,
                chair_id: Some("u0".into()),
                attendance: members
                    .iter()
                    .enumerate()
                    .map(|(j, m)| {
                        (
                            m.user_id.clone(),
                            if (j + k as usize) % 5 == 0 {
                                Attendance::Apologies
                            } else {
                                Attendance::Attended
                            },
                        )
                    })
                    .collect(),
                minutes: Some(MinutesFact {
                    published_on: Some(held_on + Days::new(4)),
                    distributed_to: members.iter().map(|m| m.user_id.clone()).collect(),
                    acknowledgements: members
                        .iter()
                        .skip(1)
                        .map(|m| (m.user_id.clone(), held_on + Days::new(6)))
                        .collect(),
                    published_at: None,
                    distributed_at: Vec::new(),
                    acknowledged_at: Vec::new(),
                }),
                recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
                attendance_history: Vec::new(),
                urgent: false,
                chaired_by_team_manager: false,
            }
        })
        .collect();
    let actions = (0..10u64)
        .map(|a| ActionFact {
            id: format!("a{a}"),
            description: "Arrange a review of the child's health needs with the school nurse"
                .into(),
            owner_id: format!("u{}", a % 8),
            agency_id: format!("g{}", a % 8),
            created_on: start + Days::new(9 + a * 30),
            due: start + Days::new(40 + a * 30),
            done_on: (a % 3 != 0).then(|| start + Days::new(38 + a * 30)),
            cancelled_on: None,
            recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
            versions: Vec::new(),
        })
        .collect();
    CaseFacts {
        date_of_birth: d("2019-05-01"),
        plan: PlanFacts {
            start,
            end: None,
            visit_frequency: None,
            frequency_changes: vec![],
            region: Region::EnglandAndWales,
            previous_plans: 1,
            end_recorded_at: None,
        },
        sightings,
        decisions: vec![],
        members,
        meetings,
        actions,
        reviews: vec![
            ReviewFact {
                held_on: d("2025-04-01"),
                recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
            },
            ReviewFact {
                held_on: d("2025-09-30"),
                recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
            },
        ],
    }
}

fn calendar() -> Calendar {
    feed::shipped().unwrap().remove(0)
}

fn add_working_days(c: &mut Criterion) {
    let calendar = calendar();
    let dates: Vec<NaiveDate> = (0..1024u64)
        .map(|k| d("2019-01-01") + Days::new(k * 3))
        .collect();
    let mut group = c.benchmark_group("calendar");
    group.throughput(Throughput::Elements(1024));
    group.bench_function("add_working_days x1024", |b| {
        b.iter(|| {
            let mut acc = 0i64;
            for (k, day) in dates.iter().enumerate() {
                let n = (k as u32 % 60) + 1;
                if let Ok(due) = calendar.add_working_days(black_box(*day), black_box(n), false) {
                    acc += i64::from(chrono::Datelike::ordinal(&due));
                }
            }
            acc
        })
    });
    group.bench_function("working_days_between x1024", |b| {
        b.iter(|| {
            let mut acc = 0u64;
            for pair in dates.windows(2) {
                acc += u64::from(
                    calendar
                        .working_days_between(
                            black_box(pair[0]),
                            black_box(pair[1] + Days::new(30)),
                        )
                        .unwrap_or(0),
                );
            }
            acc
        })
    });
    group.finish();
}

fn evaluate_child(c: &mut Criterion) {
    let calendar = calendar();
    let policy = Policy::default();
    let facts = a_year_of_records();
    let ctx = Context {
        policy: &policy,
        calendar: &calendar,
        tz: TZ,
    };
    let as_of = d("2026-01-02");
    let e = evaluate(&facts, &ctx, as_of).unwrap();
    assert!(!e.flags.is_empty());
    eprintln!("flags raised: {}", e.flags.len());
    let mut group = c.benchmark_group("rules");
    group.throughput(Throughput::Elements(1));
    group.bench_function(
        format!(
            "evaluate one child, a year of records ({} sightings, {} meetings)",
            facts.sightings.len(),
            facts.meetings.len()
        ),
        |b| {
            b.iter(|| {
                evaluate(black_box(&facts), black_box(&ctx), black_box(as_of))
                    .map(|e| e.flags.len())
            })
        },
    );
    // The same child asked about 2 July 2025 as known at noon that day: the history is cut
    // to what existed then, and the rules applied to it (domain.md §3).
    let as_of = d("2025-07-02");
    let known_at = at(as_of, 12);
    group.bench_function(
        format!(
            "evaluate one child as known at a past moment ({} sightings in the history)",
            facts.sightings.len()
        ),
        |b| {
            b.iter(|| {
                let then = black_box(&facts).as_known_at(black_box(known_at));
                evaluate(&then, black_box(&ctx), black_box(as_of)).map(|e| e.flags.len())
            })
        },
    );
    group.finish();
}

criterion_group!(benches, add_working_days, evaluate_child);
criterion_main!(benches);
