//! One identity per breach (domain.md §4): the same on every day the breach lasts, another
//! once it ends and a new one begins — for every kind of rule. And the urgent core group
//! meeting a child unseen by any agency for 30 working days needs (seed 001 §5).

use chrono::{DateTime, NaiveDate, Utc};

use coregroup::domain::calendar::Calendar;
use coregroup::domain::feed;
use coregroup::domain::policy::Policy;
use coregroup::domain::records::*;
use coregroup::domain::rules::*;

const TZ: chrono_tz::Tz = chrono_tz::Europe::London;
const CHILD: &str = "child-1";

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn calendar() -> Calendar {
    feed::shipped().unwrap().remove(0)
}

fn at_hour(date: &str, hour: u32) -> DateTime<Utc> {
    use chrono::TimeZone;
    TZ.from_local_datetime(&d(date).and_hms_opt(hour, 0, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn case(start: &str) -> CaseFacts {
    crate::plan_case("2018-03-01", start)
}

/// A social-care record at 10:00 on `date`, final an hour later.
fn social_care(id: &str, date: &str, kind: SightingKind, location: Location) -> SightingFact {
    SightingFact {
        location,
        ..crate::final_sighting(id, at_hour(date, 10), kind, Outcome::SeenWithCarer, true)
    }
}

fn home(id: &str, date: &str) -> SightingFact {
    social_care(id, date, SightingKind::HomeVisit, Location::Home)
}

fn office(id: &str, date: &str) -> SightingFact {
    social_care(id, date, SightingKind::OtherContact, Location::Office)
}

fn eval(facts: &CaseFacts, as_of: &str) -> Evaluation {
    let cal = calendar();
    let policy = Policy::default();
    let ctx = Context {
        policy: &policy,
        calendar: &cal,
        tz: TZ,
    };
    evaluate(facts, &ctx, d(as_of)).unwrap()
}

/// The breaches of `code` on `as_of`, one per flag.
fn breaches(facts: &CaseFacts, code: FlagCode, as_of: &str) -> Vec<String> {
    eval(facts, as_of)
        .flags
        .iter()
        .filter(|f| f.code == code)
        .map(|f| f.breach(CHILD))
        .collect()
}

/// The one breach of `code` on `as_of`.
fn breach(facts: &CaseFacts, code: FlagCode, as_of: &str) -> String {
    let found = breaches(facts, code, as_of);
    assert_eq!(found.len(), 1, "one {code:?} on {as_of}: {found:?}");
    found[0].clone()
}

/// The same breach on every day given.
fn same_on(facts: &CaseFacts, code: FlagCode, days: &[&str]) -> String {
    let first = breach(facts, code, days[0]);
    for day in &days[1..] {
        assert_eq!(
            breach(facts, code, day),
            first,
            "{code:?} on {} and {day}",
            days[0]
        );
    }
    first
}

fn since(facts: &CaseFacts, code: FlagCode, as_of: &str) -> NaiveDate {
    eval(facts, as_of)
        .flags
        .iter()
        .find(|f| f.code == code)
        .map(|f| f.since)
        .unwrap()
}

#[test]
fn a_breach_is_an_opaque_digest_of_child_rule_subject_and_start() {
    let c = case("2026-01-05");
    let e = eval(&c, "2026-02-20");
    let f = e
        .flags
        .iter()
        .find(|f| f.code == FlagCode::NotSeenAnyAgency)
        .unwrap();
    let id = f.breach(CHILD);
    assert_eq!(id.len(), 32);
    assert!(id.chars().all(|ch| ch.is_ascii_hexdigit()), "{id}");
    assert!(!id.contains(CHILD));
    assert_ne!(id, f.breach("child-2"), "another child, another breach");
    let mut moved = f.clone();
    moved.since = d("2026-01-06");
    assert_ne!(id, moved.breach(CHILD), "another start, another breach");
    let mut other = f.clone();
    other.code = FlagCode::NotSeenBySocialWorker;
    assert_ne!(id, other.breach(CHILD), "another rule, another breach");
}

#[test]
fn the_three_clocks_keep_one_breach_until_the_child_is_seen() {
    // Never seen since the plan began on Mon 5 Jan 2026: due soon from 9 Feb, overdue from
    // 17 Feb (30 working days), the same breach throughout.
    let mut c = case("2026-01-05");
    let any = same_on(
        &c,
        FlagCode::NotSeenAnyAgency,
        &["2026-02-09", "2026-02-16", "2026-02-17", "2026-02-23"],
    );
    let social = same_on(
        &c,
        FlagCode::NotSeenBySocialWorker,
        &["2026-01-26", "2026-02-17", "2026-02-23"],
    );
    let home_visit = same_on(
        &c,
        FlagCode::HomeVisitDue,
        &["2026-01-20", "2026-02-17", "2026-02-23"],
    );

    // Seen at home on Tue 24 Feb: every clock restarts; when each falls due again, it is
    // another breach.
    c.sightings.push(home("h1", "2026-02-24"));
    for code in [
        FlagCode::NotSeenAnyAgency,
        FlagCode::NotSeenBySocialWorker,
        FlagCode::HomeVisitDue,
    ] {
        assert!(breaches(&c, code, "2026-02-25").is_empty(), "{code:?}");
    }
    assert_eq!(
        same_on(
            &c,
            FlagCode::NotSeenAnyAgency,
            &["2026-04-10", "2026-04-20"]
        ),
        same_on(
            &c,
            FlagCode::NotSeenAnyAgency,
            &["2026-04-02", "2026-04-13"]
        )
    );
    assert_ne!(breach(&c, FlagCode::NotSeenAnyAgency, "2026-04-20"), any);
    assert_ne!(
        breach(&c, FlagCode::NotSeenBySocialWorker, "2026-04-20"),
        social
    );
    assert_ne!(breach(&c, FlagCode::HomeVisitDue, "2026-04-20"), home_visit);
    // Before the child was seen, the old breach stands as it was.
    assert_eq!(breach(&c, FlagCode::NotSeenAnyAgency, "2026-02-23"), any);
}

#[test]
fn each_failed_visit_is_one_breach_through_every_severity() {
    let mut c = case("2026-01-05");
    let mut failed = home("failed", "2026-01-12");
    failed.outcome = Outcome::NotSeen;
    c.sightings.push(failed);
    // The decision: due soon on the day, overdue from the 14th, made late on the 15th (then
    // listed as a breach that happened) — one breach.
    let decision = same_on(
        &c,
        FlagCode::FailedVisitDecision,
        &["2026-01-12", "2026-01-14"],
    );
    c.decisions.push(DecisionFact {
        sighting_id: "failed".into(),
        decided_at: at_hour("2026-01-15", 9),
        decided_on: d("2026-01-15"),
        recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
    });
    assert_eq!(
        same_on(
            &c,
            FlagCode::FailedVisitDecision,
            &["2026-01-15", "2026-02-20"]
        ),
        decision
    );
    let revisit = same_on(
        &c,
        FlagCode::FailedVisitRevisit,
        &["2026-01-12", "2026-01-19", "2026-01-20"],
    );

    // A second failed visit is its own case: two decisions, two revisits.
    let mut again = home("again", "2026-01-21");
    again.outcome = Outcome::NotPresent;
    c.sightings.push(again);
    let revisits = breaches(&c, FlagCode::FailedVisitRevisit, "2026-01-26");
    assert_eq!(revisits.len(), 2);
    assert!(revisits.contains(&revisit));
}

#[test]
fn not_seen_alone_and_bedroom_are_one_breach_over_the_whole_run_of_visits() {
    let mut c = case("2026-01-05");
    for (id, day) in [("v1", "2026-01-07"), ("v2", "2026-01-14")] {
        let mut v = home(id, day);
        v.bedroom_seen = Some(false);
        c.sightings.push(v);
    }
    let alone = same_on(&c, FlagCode::NotSeenAlone, &["2026-01-14", "2026-01-20"]);
    let bedroom = same_on(&c, FlagCode::BedroomNotSeen, &["2026-01-14", "2026-01-20"]);
    // A third visit like them continues the breach (the flag lists the last two visits).
    let mut v3 = home("v3", "2026-01-21");
    v3.bedroom_seen = None;
    c.sightings.push(v3);
    assert_eq!(breach(&c, FlagCode::NotSeenAlone, "2026-01-22"), alone);
    assert_eq!(breach(&c, FlagCode::BedroomNotSeen, "2026-01-22"), bedroom);
    assert_eq!(
        since(&c, FlagCode::NotSeenAlone, "2026-01-22"),
        d("2026-01-07")
    );

    // Seen alone, bedroom seen: both end; two more visits without start new breaches.
    let mut v4 = home("v4", "2026-01-28");
    v4.outcome = Outcome::SeenAlone;
    c.sightings.push(v4);
    assert!(breaches(&c, FlagCode::NotSeenAlone, "2026-01-29").is_empty());
    assert!(breaches(&c, FlagCode::BedroomNotSeen, "2026-01-29").is_empty());
    for (id, day) in [("v5", "2026-02-04"), ("v6", "2026-02-11")] {
        let mut v = home(id, day);
        v.bedroom_seen = Some(false);
        c.sightings.push(v);
    }
    assert_ne!(breach(&c, FlagCode::NotSeenAlone, "2026-02-12"), alone);
    assert_ne!(breach(&c, FlagCode::BedroomNotSeen, "2026-02-12"), bedroom);
    assert_eq!(
        since(&c, FlagCode::BedroomNotSeen, "2026-02-12"),
        d("2026-02-04")
    );
}

#[test]
fn each_visit_a_baby_was_not_seen_awake_is_one_breach() {
    let mut c = case("2026-01-05");
    c.date_of_birth = d("2025-10-01");
    let mut v1 = home("v1", "2026-01-07");
    v1.baby_awake = Some(false);
    c.sightings.push(v1);
    let first = same_on(
        &c,
        FlagCode::BabyNotSeenAwake,
        &["2026-01-07", "2026-03-20"],
    );
    let mut v2 = home("v2", "2026-01-14");
    v2.baby_awake = None;
    c.sightings.push(v2);
    let both = breaches(&c, FlagCode::BabyNotSeenAwake, "2026-01-20");
    assert_eq!(both.len(), 2);
    assert!(both.contains(&first));
}

#[test]
fn the_home_visit_share_is_one_breach_while_the_window_rolls() {
    // Only office contacts: below half at home from the first, 7 Jan, day after day.
    let mut c = case("2026-01-05");
    c.sightings.push(office("o1", "2026-01-07"));
    c.sightings.push(office("o2", "2026-01-14"));
    let low = same_on(
        &c,
        FlagCode::HomeVisitShare,
        &["2026-01-07", "2026-01-08", "2026-01-20", "2026-03-01"],
    );
    assert_eq!(
        since(&c, FlagCode::HomeVisitShare, "2026-03-01"),
        d("2026-01-07")
    );
    // Home visits on 2 and 3 March bring it to half: the breach ends on the 3rd.
    c.sightings.push(home("h1", "2026-03-02"));
    c.sightings.push(home("h2", "2026-03-03"));
    assert_eq!(breach(&c, FlagCode::HomeVisitShare, "2026-03-02"), low);
    assert!(breaches(&c, FlagCode::HomeVisitShare, "2026-03-03").is_empty());
    // Two more office contacts take it below again (7 Jan has left the window by then):
    // another breach, from 9 April.
    c.sightings.push(office("o3", "2026-04-08"));
    c.sightings.push(office("o4", "2026-04-09"));
    assert!(breaches(&c, FlagCode::HomeVisitShare, "2026-04-08").is_empty());
    let again = same_on(&c, FlagCode::HomeVisitShare, &["2026-04-09", "2026-04-13"]);
    assert_ne!(again, low);
    assert_eq!(
        since(&c, FlagCode::HomeVisitShare, "2026-04-13"),
        d("2026-04-09")
    );
}

#[test]
fn late_recording_is_one_breach_while_some_record_is_late() {
    let mut c = case("2026-01-05");
    // Finalised 72 hours after the contact: late from 10 Jan while within the 3 months.
    let mut first = office("late1", "2026-01-07");
    first.finalised_at = Some(at_hour("2026-01-10", 10));
    c.sightings.push(first);
    // Another late one while the first is still reported: the same breach, which outlives
    // the first leaving the window (7 April).
    let mut second = office("late2", "2026-03-02");
    second.finalised_at = Some(at_hour("2026-03-06", 10));
    c.sightings.push(second);
    let one = same_on(
        &c,
        FlagCode::LateRecording,
        &[
            "2026-01-10",
            "2026-03-10",
            "2026-04-06",
            "2026-04-07",
            "2026-06-01",
        ],
    );
    assert_eq!(
        since(&c, FlagCode::LateRecording, "2026-06-01"),
        d("2026-01-10")
    );
    assert!(breaches(&c, FlagCode::LateRecording, "2026-06-02").is_empty());
    // A later late record is another breach.
    let mut third = office("late3", "2026-07-01");
    third.finalised_at = Some(at_hour("2026-07-06", 10));
    c.sightings.push(third);
    assert_ne!(breach(&c, FlagCode::LateRecording, "2026-07-06"), one);
}

fn member(user: &str, agency: &str) -> MemberFact {
    MemberFact {
        user_id: user.into(),
        agency_id: agency.into(),
        agency_name: format!("Agency {agency}"),
        from: d("2026-01-05"),
        until: None,
        recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
        until_recorded_at: None,
    }
}

fn meeting(id: &str, date: &str, chair: &str, manager: bool) -> MeetingFact {
    MeetingFact {
        id: id.into(),
        held_on: d(date),
        chair_id: Some(chair.into()),
        attendance: vec![("lsw".into(), Attendance::Attended)],
        minutes: None,
        urgent: false,
        chaired_by_team_manager: manager,
        recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
        attendance_history: Vec::new(),
    }
}

#[test]
fn core_group_minutes_actions_review_and_long_plan_breaches_last_their_episode() {
    let mut c = case("2026-01-05");
    c.plan.previous_plans = 1;
    c.members = vec![member("lsw", "council"), member("teacher", "school")];
    // No meeting yet: the first core group is due by 19 Jan.
    same_on(
        &c,
        FlagCode::FirstCoreGroupDue,
        &["2026-01-12", "2026-01-19", "2026-01-26"],
    );
    same_on(&c, FlagCode::LongPlan, &["2026-01-12", "2026-06-01"]);

    // Met on 27 Jan without the school and without minutes yet.
    c.meetings.push(meeting("m1", "2026-01-27", "lsw", false));
    same_on(
        &c,
        FlagCode::CoreGroupAttendanceGap,
        &["2026-01-27", "2026-02-20"],
    );
    let unsent = same_on(
        &c,
        FlagCode::MinutesNotDistributed,
        &["2026-01-27", "2026-02-04"],
    );
    same_on(
        &c,
        FlagCode::CoreGroupOverdue,
        &["2026-03-03", "2026-03-10", "2026-03-20"],
    );
    // Published on 5 Feb to the lead only: still not distributed, the same breach; the
    // lead's read receipt is due by 12 Feb.
    c.meetings[0].minutes = Some(MinutesFact {
        published_on: Some(d("2026-02-05")),
        distributed_to: vec!["lsw".into()],
        acknowledgements: vec![],
        published_at: None,
        distributed_at: Vec::new(),
        acknowledged_at: Vec::new(),
    });
    assert_eq!(
        breach(&c, FlagCode::MinutesNotDistributed, "2026-02-06"),
        unsent
    );
    same_on(
        &c,
        FlagCode::MinutesNotAcknowledged,
        &["2026-02-13", "2026-03-01"],
    );

    c.actions.push(ActionFact {
        id: "a1".into(),
        description: "Arrange a health assessment".into(),
        owner_id: "teacher".into(),
        agency_id: "school".into(),
        created_on: d("2026-01-27"),
        due: d("2026-02-01"),
        done_on: None,
        cancelled_on: None,
        recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
        versions: Vec::new(),
    });
    same_on(&c, FlagCode::ActionOverdue, &["2026-02-02", "2026-03-01"]);

    // The first review, due 5 Apr: due soon, then overdue — one breach until it is held.
    let review = same_on(
        &c,
        FlagCode::ReviewConferenceDue,
        &["2026-04-01", "2026-04-07", "2026-05-01"],
    );
    c.reviews.push(ReviewFact {
        held_on: d("2026-05-04"),
        recorded_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
    });
    assert_ne!(
        breach(&c, FlagCode::ReviewConferenceDue, "2026-11-01"),
        review
    );
}

// ---- the urgent core group meeting (seed 001 §5) ----

#[test]
fn the_urgent_meeting_is_required_once_the_breach_begins_and_held_by_a_team_manager() {
    // Never seen since Mon 5 Jan 2026: seen by an agency was due by Mon 16 Feb; the breach
    // begins on Tue 17 Feb.
    let mut c = case("2026-01-05");
    c.meetings = vec![
        // Before the breach began: not the meeting it asks for.
        meeting("before", "2026-02-16", "tm", true),
        // Chaired by a social worker: not it either.
        meeting("social-worker", "2026-02-20", "lsw", false),
        // Chaired by a team manager, not marked urgent: it counts.
        meeting("held", "2026-02-26", "tm", true),
    ];
    assert_eq!(
        eval(&c, "2026-02-16").urgent_meeting,
        None,
        "due, not yet overdue"
    );
    let u = eval(&c, "2026-02-17").urgent_meeting.unwrap();
    assert_eq!(u.breach_began, d("2026-02-17"));
    assert_eq!(u.held, None);
    assert_eq!(eval(&c, "2026-02-25").urgent_meeting.unwrap().held, None);
    let held = eval(&c, "2026-02-26").urgent_meeting.unwrap().held.unwrap();
    assert_eq!(
        (held.meeting_id.as_str(), held.held_on, held.marked_urgent),
        ("held", d("2026-02-26"), false)
    );

    // Seen at school on 2 March: the breach is over, nothing is required.
    c.sightings.push({
        let mut s = office("school", "2026-03-02");
        s.by_social_care = false;
        s.kind = SightingKind::SchoolContact;
        s.location = Location::School;
        s
    });
    assert_eq!(eval(&c, "2026-03-02").urgent_meeting, None);
    assert!(
        eval(&c, "2026-02-27").urgent_meeting.is_some(),
        "as it stood then"
    );

    // A plan that has ended raises nothing.
    c.plan.end = Some(d("2026-02-20"));
    assert_eq!(eval(&c, "2026-02-27").urgent_meeting, None);
}
