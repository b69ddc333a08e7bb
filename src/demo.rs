//! `coregroup demo`: a clearly fictional local authority ("Exampleshire") with the four teams
//! of seed 000's briefing, every role, about 326 children on plans (sibling groups, babies,
//! teenagers) and months of records that give a realistic mix of on-time, due-soon and
//! overdue children. Deterministic for a seed; loading it twice changes nothing.
//!
//! It loads through the store in bulk, not through the services: thousands of records go in one
//! transaction per family (a multi-row insert and one projection refresh per child, where the
//! services would take a transaction, an access-log line and a refresh per record), and every
//! demo account shares one password hash, made once.

use chrono::{Datelike, Days, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::calendar::Region;
use crate::domain::case::PlanCategory;
use crate::domain::people::{AgencyKind, Role};
use crate::domain::records::{local_date, Location, Outcome, RecordStatus, SightingKind};
use crate::store::accounts::{self, NewUser};
use crate::store::cases::{self, NewChild, NewPlan};
use crate::store::sightings::{self, Sighting};
use crate::store::{new_id, now, settings, DbConnection, Store, StoreError};

/// Every demo address ends so, and nothing else may be in a database the demo loads into.
pub const DEMO_DOMAIN: &str = "demo.example";
const DEMO_MARKER: &str = "demo_loaded";
/// Where versions before this one kept the demo password in plain text; deleted on every run.
const OLD_DEMO_PASSWORD: &str = "demo_password";

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub children: usize,
    pub months: u32,
    pub seed: u64,
    pub progress: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            children: 326,
            months: 6,
            seed: 2012,
            progress: true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("this database has accounts that are not demo accounts (such as {0}); demo data goes only into a database of its own")]
    NotADemoDatabase(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One printed sign-in.
#[derive(Debug, Clone)]
pub struct Login {
    pub email: String,
    pub role: Role,
    pub who: String,
}

#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub already_loaded: bool,
    pub password: String,
    pub logins: Vec<Login>,
    pub children: usize,
    pub sightings: usize,
}

const TEAMS: [(&str, u32); 4] = [
    ("Disabled Children", 13),
    ("Safeguarding and Support", 150),
    ("First Response", 100),
    ("Court Team", 63),
];

const GIVEN: [&str; 40] = [
    "Ava", "Ben", "Cara", "Dan", "Ella", "Finn", "Gina", "Hugo", "Isla", "Jack", "Kira", "Liam",
    "Maya", "Noah", "Orla", "Peter", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wes",
    "Yara", "Zack", "Amir", "Bea", "Cody", "Dina", "Eli", "Faye", "Gus", "Hana", "Ivan", "Jade",
    "Kai", "Lola", "Milo", "Nell", "Otis",
];
const FAMILY: [&str; 24] = [
    "Example",
    "Sample",
    "Placeholder",
    "Testwell",
    "Demoford",
    "Mockley",
    "Fictor",
    "Samplewood",
    "Dummett",
    "Pretendle",
    "Inventon",
    "Madeup",
    "Specimen",
    "Trialby",
    "Modelton",
    "Paperfield",
    "Draftley",
    "Sketchwell",
    "Outlineby",
    "Notreal",
    "Imagin",
    "Storybrook",
    "Fablewick",
    "Tallow",
];

fn user_email(local: &str) -> String {
    format!("{local}@{DEMO_DOMAIN}")
}

/// Refuses a database holding anything but demo accounts: demo accounts share one password.
fn guard(conn: &mut DbConnection) -> Result<(), DemoError> {
    if let Some(other) = accounts::list_users(conn)?
        .into_iter()
        .find(|u| !u.email.ends_with(&format!("@{DEMO_DOMAIN}")))
    {
        return Err(DemoError::NotADemoDatabase(other.email));
    }
    Ok(())
}

/// Loads the demo data, or, when it is already loaded, leaves it as it is. Either way the run
/// makes a new password for every demo account and prints it: the password is kept nowhere
/// but in the accounts' hashes, and a run ends every session of the demo accounts.
pub fn load(store: &Store, tz: Tz, options: &DemoOptions) -> Result<DemoSummary, DemoError> {
    store.write_blocking(|c| Ok(guard(c)))??;
    let password = crate::auth::tokens::random_secret()
        .chars()
        .take(16)
        .collect::<String>();
    let hash =
        crate::auth::password::hash(&password).map_err(|e| StoreError::Invalid(e.to_string()))?;
    if let Some(marker) = store.write_blocking(|c| settings::get(c, DEMO_MARKER))? {
        store.write_blocking(|c| {
            // Checked again in the same transaction: only demo accounts get the password.
            if let Err(e) = guard(c) {
                return Ok(Err(e));
            }
            for user in accounts::list_users(c)? {
                accounts::set_password(c, &user.id, &hash)?;
            }
            settings::delete(c, OLD_DEMO_PASSWORD)?;
            Ok(Ok(()))
        })??;
        let logins = store.write_blocking(logins_of)?;
        let counts: Vec<usize> = marker.split(',').filter_map(|n| n.parse().ok()).collect();
        return Ok(DemoSummary {
            already_loaded: true,
            password,
            logins,
            children: counts.first().copied().unwrap_or(0),
            sightings: counts.get(1).copied().unwrap_or(0),
        });
    }

    let mut rng = StdRng::seed_from_u64(options.seed);
    let today = local_date(tz, Utc::now());

    // The people.
    let people = store.write_blocking(|c| make_people(c, &hash))?;

    // The children, in families, across the four teams in the briefing's proportions.
    let total_weight: u32 = TEAMS.iter().map(|(_, w)| w).sum();
    let bar = if options.progress {
        let bar = ProgressBar::new(options.children as u64);
        bar.set_style(
            ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} children ({eta} left)")
                .map(|s| s.progress_chars("=> "))
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message("demo data");
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut made_children = 0usize;
    let mut made_sightings = 0usize;
    while made_children < options.children {
        // A few families at a time, each family in one transaction.
        let family_size = match rng.gen_range(0..100) {
            0..=69 => 1,
            70..=87 => 2,
            88..=96 => 3,
            _ => 4,
        }
        .min(options.children - made_children);
        let pick: u32 = rng.gen_range(0..total_weight);
        let mut acc = 0;
        let team_index = TEAMS
            .iter()
            .position(|(_, w)| {
                acc += w;
                pick < acc
            })
            .unwrap_or(0);
        let seed: u64 = rng.gen();
        let options = options.clone();
        let people = people.clone();
        let written = store.write_blocking(move |c| {
            let mut family_rng = StdRng::seed_from_u64(seed);
            make_family(
                c,
                &people,
                team_index,
                family_size,
                today,
                tz,
                &options,
                &mut family_rng,
            )
        })?;
        made_children += family_size;
        made_sightings += written;
        bar.inc(family_size as u64);
    }
    bar.finish_and_clear();
    store.write_blocking(crate::store::refresh_statistics)?;
    store.write_blocking(|c| {
        settings::delete(c, OLD_DEMO_PASSWORD)?;
        settings::get_or_insert(c, DEMO_MARKER, &format!("{made_children},{made_sightings}"))
    })?;
    let logins = store.write_blocking(logins_of)?;
    Ok(DemoSummary {
        already_loaded: false,
        password,
        logins,
        children: made_children,
        sightings: made_sightings,
    })
}

fn logins_of(conn: &mut DbConnection) -> Result<Vec<Login>, StoreError> {
    Ok(accounts::list_users(conn)?
        .into_iter()
        .filter(|u| u.email.ends_with(&format!("@{DEMO_DOMAIN}")))
        .map(|u| Login {
            email: u.email,
            role: u.role,
            who: u.name,
        })
        .collect())
}

/// Ids of the demo's people, by what they do.
#[derive(Debug, Clone)]
struct People {
    teams: Vec<String>,
    /// (social worker id, agency id) per team.
    workers: Vec<Vec<(String, String)>>,
    chairs: Vec<String>,
    teacher: (String, String),
    nursery: (String, String),
    health_visitor: (String, String),
    police: (String, String),
}

fn person(
    conn: &mut DbConnection,
    hash: &str,
    local: &str,
    name: &str,
    role: Role,
    agency_id: Option<&str>,
    team_id: Option<&str>,
) -> Result<String, StoreError> {
    Ok(accounts::create_user(
        conn,
        NewUser {
            email: user_email(local),
            name: name.to_string(),
            role,
            agency_id: agency_id.map(String::from),
            team_id: team_id.map(String::from),
            password_hash: hash.to_string(),
        },
    )?
    .id)
}

fn make_people(conn: &mut DbConnection, hash: &str) -> Result<People, StoreError> {
    let council = accounts::create_agency(
        conn,
        "Exampleshire Children's Services (demo)",
        AgencyKind::SocialCare,
    )?;
    let unit = accounts::create_agency(
        conn,
        "Exampleshire Safeguarding Unit (demo)",
        AgencyKind::SocialCare,
    )?;
    let school =
        accounts::create_agency(conn, "Oakfield Primary School (demo)", AgencyKind::School)?;
    let nursery =
        accounts::create_agency(conn, "Little Acorns Nursery (demo)", AgencyKind::Nursery)?;
    let health = accounts::create_agency(
        conn,
        "Exampleshire Community Health (demo)",
        AgencyKind::Health,
    )?;
    let police = accounts::create_agency(conn, "Exampleshire Police (demo)", AgencyKind::Police)?;
    person(
        conn,
        hash,
        "admin",
        "Demo Administrator",
        Role::Admin,
        None,
        None,
    )?;
    person(
        conn,
        hash,
        "auditor",
        "Demo Auditor",
        Role::Auditor,
        None,
        None,
    )?;
    let chairs = vec![
        person(
            conn,
            hash,
            "chair1",
            "Demo CP Chair One",
            Role::CpChair,
            Some(&unit.id),
            None,
        )?,
        person(
            conn,
            hash,
            "chair2",
            "Demo CP Chair Two",
            Role::CpChair,
            Some(&unit.id),
            None,
        )?,
    ];
    let mut teams = Vec::new();
    let mut workers = Vec::new();
    for (i, (team_name, _)) in TEAMS.iter().enumerate() {
        let team = accounts::create_team(conn, &council.id, team_name)?;
        person(
            conn,
            hash,
            &format!("manager{}", i + 1),
            &format!("Demo Team Manager ({team_name})"),
            Role::TeamManager,
            Some(&council.id),
            Some(&team.id),
        )?;
        let mut team_workers = Vec::new();
        for w in 1..=3 {
            let id = person(
                conn,
                hash,
                &format!("worker{}{}", i + 1, w),
                &format!("Demo Social Worker {w} ({team_name})"),
                Role::SocialWorker,
                Some(&council.id),
                Some(&team.id),
            )?;
            team_workers.push((id, council.id.clone()));
        }
        teams.push(team.id);
        workers.push(team_workers);
    }
    Ok(People {
        teams,
        workers,
        chairs,
        teacher: (
            person(
                conn,
                hash,
                "teacher",
                "Demo Teacher",
                Role::Practitioner,
                Some(&school.id),
                None,
            )?,
            school.id,
        ),
        nursery: (
            person(
                conn,
                hash,
                "nursery",
                "Demo Nursery Worker",
                Role::Practitioner,
                Some(&nursery.id),
                None,
            )?,
            nursery.id,
        ),
        health_visitor: (
            person(
                conn,
                hash,
                "healthvisitor",
                "Demo Health Visitor",
                Role::Practitioner,
                Some(&health.id),
                None,
            )?,
            health.id,
        ),
        police: (
            person(
                conn,
                hash,
                "police",
                "Demo Police Officer",
                Role::Practitioner,
                Some(&police.id),
                None,
            )?,
            police.id,
        ),
    })
}

fn is_weekday(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// How well a child's visits are going, which decides the mix of on-time and overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    OnTime,
    Slipping,
    Lost,
    FailedVisit,
}

#[allow(clippy::too_many_arguments)]
fn make_family(
    conn: &mut DbConnection,
    people: &People,
    team_index: usize,
    size: usize,
    today: NaiveDate,
    tz: Tz,
    options: &DemoOptions,
    rng: &mut StdRng,
) -> Result<usize, StoreError> {
    let family_id = if size > 1 {
        Some(cases::create_family(conn)?)
    } else {
        None
    };
    let family_name = FAMILY[rng.gen_range(0..FAMILY.len())];
    let (lead, lead_agency) = people.workers[team_index][rng.gen_range(0..3)].clone();
    let chair = people.chairs[rng.gen_range(0..people.chairs.len())].clone();
    let start = today - Days::new(rng.gen_range(20..=560));
    let profile = match rng.gen_range(0..100) {
        0..=79 => Profile::OnTime,
        80..=91 => Profile::Slipping,
        92..=96 => Profile::Lost,
        _ => Profile::FailedVisit,
    };
    let mut written = 0;
    for _ in 0..size {
        let age_days: u64 = if rng.gen_range(0..10) == 0 {
            rng.gen_range(30..540)
        } else {
            rng.gen_range(540..17 * 365)
        };
        let dob = (start - Days::new(age_days.min(17 * 365))).min(today - Days::new(30));
        let child = cases::create_child(
            conn,
            NewChild {
                given_name: GIVEN[rng.gen_range(0..GIVEN.len())].to_string(),
                family_name: family_name.to_string(),
                date_of_birth: dob,
                family_id: family_id.clone(),
            },
            &lead,
        )?;
        // A repeat plan now and then: an earlier plan that ended.
        if rng.gen_range(0..10) == 0 && start - Days::new(400) > dob {
            let earlier = cases::create_plan(
                conn,
                plan_for(
                    &child.id,
                    start - Days::new(400),
                    people,
                    team_index,
                    &lead,
                    &lead_agency,
                    &chair,
                ),
                &lead,
            )?;
            cases::end_plan(
                conn,
                &earlier.id,
                start - Days::new(200),
                crate::domain::case::EndReason::StepDownToCin,
            )?;
        }
        let plan = cases::create_plan(
            conn,
            plan_for(
                &child.id,
                start,
                people,
                team_index,
                &lead,
                &lead_agency,
                &chair,
            ),
            &lead,
        )?;
        let age_years = (today - dob).num_days() / 365;
        let (other, other_agency, kind, location, every_days) = if age_years < 2 {
            (
                &people.health_visitor.0,
                &people.health_visitor.1,
                SightingKind::HealthContact,
                Location::Home,
                28,
            )
        } else if age_years < 4 {
            (
                &people.nursery.0,
                &people.nursery.1,
                SightingKind::OtherContact,
                Location::Nursery,
                7,
            )
        } else {
            (
                &people.teacher.0,
                &people.teacher.1,
                SightingKind::SchoolContact,
                Location::School,
                7,
            )
        };
        cases::add_member(conn, &plan.id, other, other_agency, start, &lead)?;
        let police_involved = rng.gen_range(0..20) == 0;
        if police_involved {
            cases::add_member(
                conn,
                &plan.id,
                &people.police.0,
                &people.police.1,
                start,
                &lead,
            )?;
        }

        let from = start.max(today - Days::new(u64::from(options.months) * 30));
        let mut records = Vec::new();
        let at = |day: NaiveDate, hour: u32| {
            tz.from_local_datetime(&day.and_hms_opt(hour, 0, 0).unwrap_or_default())
                .earliest()
                .map(|t| t.with_timezone(&Utc).naive_utc())
                .unwrap_or_else(|| day.and_hms_opt(hour, 0, 0).unwrap_or_default())
        };
        let mut sighting = |day: NaiveDate,
                            hour: u32,
                            author: &str,
                            agency: &str,
                            social: bool,
                            kind: SightingKind,
                            location: Location,
                            outcome: Outcome,
                            rng: &mut StdRng| {
            let occurred_at = at(day, hour);
            let late = rng.gen_range(0..20) == 0;
            let draft = day + Days::new(3) > today && rng.gen_range(0..30) == 0;
            let finalised = occurred_at + chrono::Duration::hours(if late { 70 } else { 2 });
            records.push(Sighting {
                id: new_id(),
                child_id: child.id.clone(),
                author_id: author.to_string(),
                agency_id: agency.to_string(),
                by_social_care: social,
                occurred_at,
                occurred_on: day,
                location,
                kind,
                outcome,
                announced: Some(rng.gen_range(0..3) > 0),
                bedroom_seen: (kind == SightingKind::HomeVisit).then(|| rng.gen_range(0..3) > 0),
                baby_awake: (age_years < 2).then(|| rng.gen_range(0..8) > 0),
                observations: Some(
                    "Synthetic demo record: presentation and interactions noted.".into(),
                ),
                childs_voice: (age_years >= 4)
                    .then(|| "Synthetic demo record: the child's wishes and feelings.".to_string()),
                people_present: None,
                status: if draft {
                    RecordStatus::Draft
                } else {
                    RecordStatus::Final
                },
                finalised_at: (!draft).then_some(finalised.min(now())),
                withdrawn_at: None,
                supersedes_id: None,
                superseded_by_id: None,
                superseded_at: None,
                correction_reason: None,
                visit_id: None,
                created_at: now(),
                updated_at: now(),
            });
        };
        // The lead's home visits, every 8 to 10 working days when on time.
        let (min_gap, max_gap) = match profile {
            Profile::OnTime | Profile::FailedVisit => (10, 13),
            Profile::Slipping => (14, 21),
            Profile::Lost => (14, 21),
        };
        let stop = match profile {
            Profile::Lost => today - Days::new(rng.gen_range(30..50)),
            _ => today,
        };
        let mut day = from + Days::new(rng.gen_range(1..6));
        while day <= stop {
            if is_weekday(day) {
                let outcome = if rng.gen_range(0..25) == 0 {
                    Outcome::NotSeen
                } else if age_years >= 4 && rng.gen_range(0..3) > 0 {
                    Outcome::SeenAlone
                } else {
                    Outcome::SeenWithCarer
                };
                sighting(
                    day,
                    16,
                    &lead,
                    &lead_agency,
                    true,
                    SightingKind::HomeVisit,
                    Location::Home,
                    outcome,
                    rng,
                );
                day = day + Days::new(rng.gen_range(min_gap..=max_gap));
            } else {
                day = day + Days::new(1);
            }
        }
        if profile == Profile::FailedVisit {
            let failed = today - Days::new(rng.gen_range(1..5));
            if is_weekday(failed) && failed > from {
                sighting(
                    failed,
                    17,
                    &lead,
                    &lead_agency,
                    true,
                    SightingKind::HomeVisit,
                    Location::Home,
                    Outcome::NotSeen,
                    rng,
                );
            }
        }
        // School, nursery or health visitor.
        let mut day = from + Days::new(rng.gen_range(0..7));
        while day <= stop.min(today - Days::new(1)) {
            if is_weekday(day) {
                let outcome = if rng.gen_range(0..15) == 0 {
                    Outcome::NotPresent
                } else {
                    Outcome::Seen
                };
                sighting(
                    day,
                    10,
                    other,
                    other_agency,
                    false,
                    kind,
                    location,
                    outcome,
                    rng,
                );
                day = day + Days::new(every_days);
            } else {
                day = day + Days::new(1);
            }
        }
        if police_involved {
            let day = today - Days::new(rng.gen_range(5..60));
            if day > from {
                sighting(
                    day,
                    21,
                    &people.police.0,
                    &people.police.1,
                    false,
                    SightingKind::PoliceContact,
                    Location::Home,
                    Outcome::Seen,
                    rng,
                );
            }
        }
        written += records.len();
        sightings::insert_many(conn, &records)?;
        sightings::refresh_projection(conn, &child.id)?;

        let mut members = vec![
            (lead.clone(), lead_agency.clone()),
            (other.clone(), other_agency.clone()),
        ];
        if police_involved {
            members.push((people.police.0.clone(), people.police.1.clone()));
        }
        make_core_group(
            conn,
            &CoreGroupPlan {
                plan_id: &plan.id,
                lead: &lead,
                chair: &chair,
                members: &members,
                start,
                today,
                profile,
            },
            tz,
            rng,
        )?;
    }
    Ok(written)
}

struct CoreGroupPlan<'a> {
    plan_id: &'a str,
    lead: &'a str,
    chair: &'a str,
    /// (user, agency), the lead first.
    members: &'a [(String, String)],
    start: NaiveDate,
    today: NaiveDate,
    profile: Profile,
}

/// Core group meetings with attendance, minutes sent and read, actions and review
/// conferences — on time for most plans; slipping plans show the failures of seed 002
/// (meetings late, an agency that stops coming, minutes late or unread, actions overdue).
fn make_core_group(
    conn: &mut DbConnection,
    g: &CoreGroupPlan<'_>,
    tz: Tz,
    rng: &mut StdRng,
) -> Result<(), StoreError> {
    use crate::domain::records::{ActionStatus, Attendance, ReviewOutcome};
    use crate::store::{actions, meetings, minutes};

    let struggling = matches!(g.profile, Profile::Slipping | Profile::Lost);
    let noon = |day: NaiveDate| {
        tz.from_local_datetime(&day.and_hms_opt(12, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&Utc).naive_utc())
            .unwrap_or_else(|| day.and_hms_opt(12, 0, 0).unwrap_or_default())
    };
    let mut held = g.start + Days::new(rng.gen_range(6..=13));
    // From the plan's start (a handful of rows a month), whatever the window of visit records.
    while held + Days::new(3) <= g.today {
        let meeting = meetings::create(conn, g.plan_id, held, Some(g.lead), false, g.lead)?;
        let attendance: Vec<meetings::AttendanceRecord> = g
            .members
            .iter()
            .enumerate()
            .map(|(i, (user, _))| {
                let roll = rng.gen_range(0..100);
                // On a struggling plan the partner agency stops coming.
                let status = if i == 0 || (!struggling && roll < 85) || roll < 35 {
                    Attendance::Attended
                } else if roll < 93 {
                    Attendance::Apologies
                } else {
                    Attendance::DidNotAttend
                };
                meetings::AttendanceRecord {
                    meeting_id: meeting.id.clone(),
                    user_id: user.clone(),
                    status,
                    contribution: (status == Attendance::Apologies)
                        .then(|| "Synthetic demo contribution sent with apologies.".into()),
                }
            })
            .collect();
        meetings::set_attendance(conn, &meeting.id, &attendance, g.lead)?;

        // Minutes: sent within 5 working days on most plans, later or not yet on others.
        let delay = if struggling {
            rng.gen_range(3..15)
        } else {
            rng.gen_range(1..6)
        };
        let published_on = held + Days::new(delay);
        let draft = minutes::create_draft(
            conn,
            &meeting.id,
            None,
            "Synthetic demo minutes: progress against the plan, each agency's update, \
             actions agreed.",
            g.lead,
        )?;
        if published_on < g.today {
            minutes::publish(conn, &draft.id, 1, g.lead, noon(published_on), published_on)?;
            minutes::distribute(conn, &draft.id, g.members, noon(published_on))?;
            for (user, _) in g.members {
                let read_on =
                    published_on + Days::new(rng.gen_range(0..if struggling { 14 } else { 6 }));
                if read_on < g.today && rng.gen_range(0..10) > 0 {
                    minutes::acknowledge(conn, &draft.id, user, noon(read_on), read_on)?;
                }
            }
        }

        // One or two actions for the members.
        for _ in 0..rng.gen_range(1..=2) {
            let (owner, agency) = &g.members[rng.gen_range(0..g.members.len())];
            let due = held + Days::new(rng.gen_range(14..40));
            let action = actions::create(
                conn,
                &actions::NewAction {
                    plan_id: g.plan_id,
                    meeting_id: Some(&meeting.id),
                    description: "Synthetic demo action agreed at the core group.",
                    owner_id: owner,
                    agency_id: agency,
                    due_on: due,
                    created_by: g.lead,
                    created_on: held,
                },
            )?;
            let finished = due + Days::new(rng.gen_range(0..if struggling { 30 } else { 3 }))
                - Days::new(rng.gen_range(0..10));
            if finished < g.today && rng.gen_range(0..10) > 0 {
                let mut done = action.clone();
                done.status = ActionStatus::Done;
                done.closed_on = Some(finished.max(held));
                done.version = action.version + 1;
                actions::update(conn, &done)?;
            }
        }
        let gap = if struggling {
            rng.gen_range(40..75)
        } else {
            rng.gen_range(28..43)
        };
        held = held + Days::new(gap);
    }

    // Review conferences: within 3 months, then every 6 (late now and then).
    let mut review = crate::domain::rules::add_months(g.start, 3) - Days::new(rng.gen_range(0..10));
    while review < g.today {
        actions::create_review(
            conn,
            g.plan_id,
            review,
            ReviewOutcome::PlanContinues,
            None,
            g.chair,
        )?;
        review = crate::domain::rules::add_months(review, 6)
            + Days::new(rng.gen_range(0..if struggling { 30 } else { 3 }));
    }
    Ok(())
}

fn plan_for(
    child_id: &str,
    start: NaiveDate,
    people: &People,
    team_index: usize,
    lead: &str,
    lead_agency: &str,
    chair: &str,
) -> NewPlan {
    NewPlan {
        child_id: child_id.to_string(),
        start_date: start,
        category: [
            PlanCategory::Neglect,
            PlanCategory::Emotional,
            PlanCategory::Physical,
            PlanCategory::Multiple,
        ][team_index % 4],
        team_id: people.teams[team_index].clone(),
        lead_social_worker_id: lead.to_string(),
        lead_agency_id: lead_agency.to_string(),
        cp_chair_id: chair.to_string(),
        visit_frequency: None,
        region: Region::EnglandAndWales,
    }
}
