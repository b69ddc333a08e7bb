//! The services on an in-memory SQLite connection, without HTTP: who may act on a plan, and
//! what the access log records (and does not) for an allowed and a refused request.

use chrono::{NaiveDate, TimeZone, Utc};
use diesel::Connection;

use super::children::add_member_in;
use super::sightings::{record_in, sighting_for, ChildPart, Clock, Contact};
use super::{authorise_plan, AuditAction, Requester, ServiceError};
use crate::access::CaseAction;
use crate::domain::calendar::Region;
use crate::domain::case::{EndReason, PlanCategory};
use crate::domain::people::{AgencyKind, Role};
use crate::domain::records::{Location, Outcome, RecordStatus, SightingKind};
use crate::store::accounts::{self, NewUser};
use crate::store::cases::{self, NewChild, NewPlan};
use crate::store::{access_log, run_migrations, DbConnection};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Two plans of one child: an ended one of the Court Team with its own chair, and an open one
/// of another team and chair.
struct World {
    conn: DbConnection,
    child: String,
    old_plan: String,
    plan: String,
    lead: Requester,
    old_lead: Requester,
    old_manager: Requester,
    old_chair: Requester,
    auditor: Requester,
    teacher_id: String,
}

fn world() -> World {
    let mut conn = DbConnection::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap());
    run_migrations(&mut conn).unwrap();
    let council = accounts::create_agency(&mut conn, "Riverside Council", AgencyKind::SocialCare)
        .unwrap()
        .id;
    let school = accounts::create_agency(&mut conn, "Millbrook Primary", AgencyKind::School)
        .unwrap()
        .id;
    let team = accounts::create_team(&mut conn, &council, "Safeguarding and Support")
        .unwrap()
        .id;
    let court = accounts::create_team(&mut conn, &council, "Court Team")
        .unwrap()
        .id;
    let mut person = |email: &str, role: Role, agency: Option<&str>, team: Option<&str>| {
        let user = accounts::create_user(
            &mut conn,
            NewUser {
                email: email.into(),
                name: "A. Example".into(),
                role,
                agency_id: agency.map(String::from),
                team_id: team.map(String::from),
                password_hash: "not a hash".into(),
            },
        )
        .unwrap();
        Requester {
            user,
            address: "127.0.0.1".into(),
        }
    };
    let lead = person(
        "lead@example.test",
        Role::SocialWorker,
        Some(&council),
        Some(&team),
    );
    let old_lead = person(
        "old@example.test",
        Role::SocialWorker,
        Some(&council),
        Some(&court),
    );
    let old_manager = person(
        "mgr@example.test",
        Role::TeamManager,
        Some(&council),
        Some(&court),
    );
    let chair = person("chair@example.test", Role::CpChair, Some(&council), None);
    let old_chair = person("chair2@example.test", Role::CpChair, Some(&council), None);
    let auditor = person("audit@example.test", Role::Auditor, None, None);
    let teacher = person(
        "teacher@example.test",
        Role::Practitioner,
        Some(&school),
        None,
    );
    let child = cases::create_child(
        &mut conn,
        NewChild {
            given_name: "Wren".into(),
            family_name: "Example".into(),
            date_of_birth: day(2015, 4, 4),
            family_id: None,
        },
        &old_lead.user.id,
    )
    .unwrap()
    .id;
    let new_plan = |conn: &mut DbConnection,
                    start: NaiveDate,
                    team: &str,
                    lead: &Requester,
                    chair: &Requester| {
        cases::create_plan(
            conn,
            NewPlan {
                child_id: child.clone(),
                start_date: start,
                category: PlanCategory::Neglect,
                team_id: team.into(),
                lead_social_worker_id: lead.user.id.clone(),
                lead_agency_id: council.clone(),
                cp_chair_id: chair.user.id.clone(),
                visit_frequency: None,
                region: Region::EnglandAndWales,
            },
            &lead.user.id,
        )
        .unwrap()
        .id
    };
    let old_plan = new_plan(&mut conn, day(2025, 3, 3), &court, &old_lead, &old_chair);
    cases::end_plan(
        &mut conn,
        &old_plan,
        day(2025, 12, 1),
        EndReason::StepDownToCin,
    )
    .unwrap();
    let plan = new_plan(&mut conn, day(2026, 1, 5), &team, &lead, &chair);
    World {
        conn,
        child,
        old_plan,
        plan,
        lead,
        old_lead,
        old_manager,
        old_chair,
        auditor,
        teacher_id: teacher.user.id,
    }
}

const TODAY: (i32, u32, u32) = (2026, 3, 2);

fn today() -> NaiveDate {
    day(TODAY.0, TODAY.1, TODAY.2)
}

fn log_of(w: &mut World) -> Vec<(String, String, String)> {
    access_log::of_child(&mut w.conn, &w.child)
        .unwrap()
        .into_iter()
        .map(|e| (e.user_id, e.action, e.outcome))
        .collect()
}

#[test]
fn an_ended_plan_gives_no_authority_over_the_open_one() {
    let mut w = world();
    for who in [&w.old_lead, &w.old_manager, &w.old_chair] {
        let answer = add_member_in(&mut w.conn, who, &w.plan, &w.teacher_id, None, today());
        assert!(
            matches!(
                answer,
                Err(ServiceError::NotFound | ServiceError::Forbidden(_))
            ),
            "{:?} added a member",
            who.user.role
        );
        // Their own ended plan they still read; the open one they may not manage.
        assert!(authorise_plan(&mut w.conn, who, &w.old_plan, CaseAction::Read, today()).is_ok());
        assert!(
            authorise_plan(&mut w.conn, who, &w.plan, CaseAction::ManagePlan, today()).is_err()
        );
    }
    // A refused write logs nothing from inside its transaction (the refusal is logged on its
    // own, after the rollback, by `write_logged`).
    assert!(log_of(&mut w).is_empty());
    // The open plan's lead adds the member, and the log says so.
    let member = add_member_in(
        &mut w.conn,
        &w.lead.clone(),
        &w.plan,
        &w.teacher_id,
        None,
        today(),
    )
    .unwrap();
    assert_eq!(member.user_id, w.teacher_id);
    assert_eq!(
        log_of(&mut w),
        [(
            w.lead.user.id.clone(),
            AuditAction::AddMember.as_str().to_string(),
            "ok".to_string()
        )]
    );
}

fn contact(status: RecordStatus) -> Contact {
    Contact {
        occurred_at: Utc.with_ymd_and_hms(2026, 1, 14, 10, 0, 0).unwrap(),
        location: Location::Home,
        kind: SightingKind::HomeVisit,
        announced: None,
        people_present: None,
        status,
    }
}

fn part(child: &str) -> ChildPart {
    ChildPart {
        child_id: child.into(),
        outcome: Outcome::Seen,
        bedroom_seen: Some(true),
        baby_awake: None,
        observations: Some("Playing in the garden.".into()),
        childs_voice: None,
    }
}

fn clock() -> Clock {
    Clock {
        tz: chrono_tz::Europe::London,
        now: Utc
            .with_ymd_and_hms(TODAY.0, TODAY.1, TODAY.2, 12, 0, 0)
            .unwrap(),
    }
}

#[test]
fn a_draft_is_its_authors_alone_whatever_the_role() {
    let mut w = world();
    let lead = w.lead.clone();
    let draft = record_in(
        &mut w.conn,
        &lead,
        contact(RecordStatus::Draft),
        part(&w.child),
        clock(),
        None,
    )
    .unwrap()
    .sightings
    .remove(0);
    for action in [CaseAction::Read, CaseAction::RecordSighting] {
        let auditor = w.auditor.clone();
        assert!(matches!(
            sighting_for(&mut w.conn, &auditor, &draft.id, action, today()),
            Err(ServiceError::NotFound)
        ));
    }
    assert!(sighting_for(&mut w.conn, &lead, &draft.id, CaseAction::Read, today()).is_ok());
}

#[test]
fn an_idempotent_replay_is_a_logged_read() {
    let mut w = world();
    let lead = w.lead.clone();
    let first = record_in(
        &mut w.conn,
        &lead,
        contact(RecordStatus::Final),
        part(&w.child),
        clock(),
        Some("k-1"),
    )
    .unwrap();
    assert!(first.created);
    let again = record_in(
        &mut w.conn,
        &lead,
        contact(RecordStatus::Final),
        part(&w.child),
        clock(),
        Some("k-1"),
    )
    .unwrap();
    assert!(!again.created);
    assert_eq!(again.sightings[0].id, first.sightings[0].id);
    let actions: Vec<String> = log_of(&mut w).into_iter().map(|(_, a, _)| a).collect();
    assert_eq!(
        actions,
        [
            AuditAction::RecordSighting.as_str(),
            AuditAction::ReplaySighting.as_str()
        ]
    );
}
