//! Upgrading: a database filled by the demo at the previous migration is migrated by the new
//! binary (`coregroup migrate`, as `serve` does at start) and loses nothing: every table keeps
//! its rows, the new history tables are filled from them, sessions survive, and the rules give
//! the same answers.
//!
//! The demo loads through the latest schema, so the previous migration's database is made by
//! loading the demo (plus what the latest migration backfills and the demo lacks: an imported
//! calendar, saved rule settings, a correction, an ended membership) and then reverting the
//! latest migration (its down.sql drops only what it added); the rows left are in that
//! schema's shape. Only the latest migration is exercised so: reverting an earlier one would
//! drop tables that hold the demo's rows.

use diesel::migration::MigrationSource;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use serde_json::Value;

use crate::backup::{run, stderr, stdout};
use crate::harness::{Backend, TestDatabase};
use crate::process::ServerProcess;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The migration under test, and the tables it adds.
const LATEST: &str = "2026-11-24-000013_known_at";
const LATEST_VERSION: &str = "20261124000013";
const ADDED: [&str; 4] = [
    "action_versions",
    "attendance_versions",
    "calendar_versions",
    "policy_versions",
];

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

enum Db {
    Lite(diesel::SqliteConnection),
    Pg(diesel::PgConnection),
}

impl Db {
    fn open(url: &str) -> Db {
        match url.strip_prefix("sqlite://") {
            Some(path) => Db::Lite(diesel::SqliteConnection::establish(path).unwrap()),
            None => Db::Pg(diesel::PgConnection::establish(url).unwrap()),
        }
    }

    fn lines(&mut self, sql: &str) -> Vec<String> {
        let q = diesel::sql_query(sql);
        let rows: Vec<Line> = match self {
            Db::Lite(c) => q.load(c),
            Db::Pg(c) => q.load(c),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.into_iter().map(|r| r.line).collect()
    }

    fn count(&mut self, sql: &str) -> i64 {
        let q = diesel::sql_query(sql);
        let rows: Vec<Count> = match self {
            Db::Lite(c) => q.load(c),
            Db::Pg(c) => q.load(c),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows[0].n
    }

    fn tables(&mut self) -> Vec<String> {
        let sql = match self {
            Db::Lite(_) => {
                "SELECT name AS line FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations' ORDER BY name"
            }
            Db::Pg(_) => {
                "SELECT tablename::text AS line FROM pg_tables WHERE schemaname = 'public' \
                 AND tablename <> '__diesel_schema_migrations' ORDER BY tablename"
            }
        };
        self.lines(sql)
    }

    /// Every table with its number of rows.
    fn rows(&mut self) -> Vec<(String, i64)> {
        self.tables()
            .into_iter()
            .map(|t| {
                let n = self.count(&format!("SELECT count(*) AS n FROM \"{t}\""));
                (t, n)
            })
            .collect()
    }

    fn revert_latest(&mut self) -> String {
        match self {
            Db::Lite(c) => c.revert_last_migration(SQLITE),
            Db::Pg(c) => c.revert_last_migration(POSTGRES),
        }
        .unwrap()
        .to_string()
    }
}

fn latest_embedded(backend: Backend) -> String {
    let names: Vec<String> = match backend {
        Backend::Sqlite => MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE)
            .unwrap()
            .iter()
            .map(|m| m.name().to_string())
            .collect(),
        Backend::Postgres => MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES)
            .unwrap()
            .iter()
            .map(|m| m.name().to_string())
            .collect(),
    };
    names.into_iter().max().unwrap()
}

/// An answer without the `known_at` it echoes, at any depth (the dashboard repeats it in each
/// child's line): the moment asked at differs, what was known is what is compared.
fn without_known_at(mut answer: Value) -> Value {
    match &mut answer {
        Value::Object(map) => {
            map.remove("known_at");
            for v in map.values_mut() {
                *v = without_known_at(std::mem::take(v));
            }
        }
        Value::Array(items) => {
            for v in items.iter_mut() {
                *v = without_known_at(std::mem::take(v));
            }
        }
        _ => {}
    }
    answer
}

/// Every child's status and the dashboard, as the auditor (who reads every child) sees them.
async fn answers(server: &ServerProcess, token: &str, children: &[String]) -> Vec<Value> {
    let client = reqwest::Client::new();
    let mut paths: Vec<String> = children
        .iter()
        .map(|c| format!("/api/v1/children/{c}/status"))
        .collect();
    paths.push("/api/v1/dashboard".to_string());
    let mut out = Vec::new();
    for path in paths {
        let res = client
            .get(server.url(&path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        out.push(without_known_at(res.json().await.unwrap()));
    }
    out
}

async fn sign_in(server: &ServerProcess, email: &str, password: &str) -> String {
    let res = reqwest::Client::new()
        .post(server.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

async fn send(
    method: reqwest::Method,
    server: &ServerProcess,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> Value {
    let mut request = reqwest::Client::new()
        .request(method, server.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(body);
    }
    let res = request.send().await.unwrap();
    assert!(res.status().is_success(), "{path}: {:?}", res.text().await);
    let text = res.text().await.unwrap();
    // Some changes answer 204, with no body.
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// What the migration backfills and the demo does not make: an imported calendar, saved rule
/// settings, a corrected record and an ended membership, all made through the binary.
async fn the_history_the_demo_lacks(
    server: &ServerProcess,
    conn: &mut Db,
    url: &str,
    password: &str,
) {
    use reqwest::Method;
    let feed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/bank-holidays-england-and-wales.json"
    );
    let out = run(&["calendar", "import", feed], url);
    assert!(out.status.success(), "{}", stderr(&out));

    let admin = sign_in(server, "admin@demo.example", password).await;
    let policy = send(Method::GET, server, "/api/v1/policy", &admin, None).await;
    send(Method::PUT, server, "/api/v1/policy", &admin, Some(&policy)).await;

    // A final record of a teacher's, corrected by its author.
    let row = conn.lines(
        "SELECT s.id || ' ' || s.child_id AS line FROM sightings s JOIN users u ON u.id = s.author_id \
         WHERE u.email = 'teacher@demo.example' AND s.status = 'final' \
         AND s.superseded_by_id IS NULL ORDER BY s.id LIMIT 1",
    );
    let (record, child) = row[0].split_once(' ').unwrap();
    let teacher = sign_in(server, "teacher@demo.example", password).await;
    let chronology = send(
        Method::GET,
        server,
        &format!("/api/v1/children/{child}/chronology"),
        &teacher,
        None,
    )
    .await;
    let entry = chronology["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["sighting"]["id"] == record)
        .unwrap_or_else(|| panic!("{record} in {chronology}"));
    let mut fix = serde_json::json!({"reason": "Recorded against the wrong time"});
    for field in ["child_id", "occurred_at", "kind", "location", "outcome"] {
        fix[field] = entry["sighting"][field].clone();
    }
    fix["outcome"] = Value::from("not_seen");
    send(
        Method::POST,
        server,
        &format!("/api/v1/sightings/{record}/corrections"),
        &teacher,
        Some(&fix),
    )
    .await;

    // A member of an open plan's core group leaves it today, by the lead's hand.
    let row = conn.lines(
        "SELECT m.id || ' ' || m.plan_id || ' ' || u.email AS line FROM core_group_members m \
         JOIN plans p ON p.id = m.plan_id JOIN users u ON u.id = p.lead_social_worker_id \
         WHERE m.user_id <> p.lead_social_worker_id AND m.until_date IS NULL \
         AND p.end_date IS NULL ORDER BY m.id LIMIT 1",
    );
    let mut parts = row[0].split(' ');
    let (member, plan, lead) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let lead = sign_in(server, lead, password).await;
    let today = send(Method::GET, server, "/api/v1/dashboard", &lead, None).await["as_of"].clone();
    send(
        Method::PATCH,
        server,
        &format!("/api/v1/plans/{plan}/members/{member}"),
        &lead,
        Some(&serde_json::json!({ "until": today })),
    )
    .await;
}

async fn upgrade_loses_nothing(backend: Backend) {
    assert_eq!(
        latest_embedded(backend),
        LATEST,
        "a new migration: point this test at it (and at the tables it adds)"
    );
    let db = TestDatabase::create(backend);
    let out = run(&["demo", "--children", "12", "--months", "3"], db.url());
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    let password = printed
        .split("the password ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .unwrap()
        .to_string();

    let mut conn = Db::open(db.url());
    let children = conn.lines("SELECT id AS line FROM children ORDER BY id");
    assert_eq!(children.len(), 12, "{children:?}");
    let server = ServerProcess::start(db.url(), "text", &[]);
    the_history_the_demo_lacks(&server, &mut conn, db.url(), &password).await;
    let token = sign_in(&server, "auditor@demo.example", &password).await;
    let before = answers(&server, &token, &children).await;
    drop(server);

    // The database as the previous migration left it, full.
    let full = conn.rows();
    assert_eq!(conn.revert_latest(), LATEST_VERSION);
    let previous = conn.rows();
    for table in ADDED {
        assert!(
            !previous.iter().any(|(t, _)| t == table),
            "{table} survived the revert"
        );
    }
    for (table, n) in &previous {
        let was = full.iter().find(|(t, _)| t == table).map(|(_, n)| *n);
        assert_eq!(Some(*n), was, "{table} changed in the revert");
    }
    assert!(
        previous.iter().any(|(t, n)| t == "sightings" && *n > 100),
        "the demo filled it: {previous:?}"
    );

    // The new binary's migrations.
    let out = run(&["migrate"], db.url());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("1 migration"), "{}", stdout(&out));
    let after = conn.rows();
    for (table, n) in &previous {
        let now = after.iter().find(|(t, _)| t == table).map(|(_, n)| *n);
        assert_eq!(now, Some(*n), "{table} lost or gained rows in the upgrade");
    }
    // The history tables start from what the rows say.
    for (table, source) in [
        ("action_versions", "SELECT count(*) AS n FROM actions"),
        (
            "attendance_versions",
            "SELECT count(DISTINCT meeting_id) AS n FROM meeting_attendance",
        ),
        ("calendar_versions", "SELECT count(*) AS n FROM calendars"),
        (
            "policy_versions",
            "SELECT count(*) AS n FROM settings WHERE key = 'policy'",
        ),
    ] {
        let added = conn.count(&format!("SELECT count(*) AS n FROM {table}"));
        assert_eq!(added, conn.count(source), "{table}");
    }
    for (what, sql) in [
        (
            "superseded sightings without superseded_at",
            "SELECT count(*) AS n FROM sightings WHERE superseded_by_id IS NOT NULL AND superseded_at IS NULL",
        ),
        (
            "ended plans without ended_at",
            "SELECT count(*) AS n FROM plans WHERE end_date IS NOT NULL AND ended_at IS NULL",
        ),
        (
            "ended members without ended_at",
            "SELECT count(*) AS n FROM core_group_members WHERE until_date IS NOT NULL AND ended_at IS NULL",
        ),
    ] {
        assert_eq!(conn.count(sql), 0, "{what}");
    }
    for (what, sql) in [
        (
            "superseded sightings",
            "SELECT count(*) AS n FROM sightings WHERE superseded_at IS NOT NULL",
        ),
        (
            "ended members",
            "SELECT count(*) AS n FROM core_group_members WHERE ended_at IS NOT NULL",
        ),
        ("calendars", "SELECT count(*) AS n FROM calendar_versions"),
        ("rule settings", "SELECT count(*) AS n FROM policy_versions"),
    ] {
        assert!(
            conn.count(sql) > 0,
            "no {what} to backfill: the test proves less than it says"
        );
    }

    // Sessions survive (the token from before still works), and the rules answer the same.
    let server = ServerProcess::start(db.url(), "text", &[]);
    let again = answers(&server, &token, &children).await;
    assert_eq!(again.len(), before.len());
    for (now, was) in again.iter().zip(&before) {
        assert_eq!(now, was);
    }
}

#[actix_web::test]
async fn upgrading_from_the_previous_migration_loses_nothing_on_sqlite() {
    upgrade_loses_nothing(Backend::Sqlite).await;
}

#[actix_web::test]
async fn upgrading_from_the_previous_migration_loses_nothing_on_postgres() {
    upgrade_loses_nothing(Backend::Postgres).await;
}

/// Instances started together on an empty PostgreSQL database take turns to migrate (an
/// advisory lock): every one of them succeeds, and the schema is applied once.
#[actix_web::test]
async fn instances_migrating_at_once_all_succeed_on_postgres() {
    for _ in 0..3 {
        let db = TestDatabase::create(Backend::Postgres);
        let url = db.url().to_string();
        let runs: Vec<_> = (0..3)
            .map(|_| {
                let url = url.clone();
                std::thread::spawn(move || run(&["migrate"], &url))
            })
            .collect();
        for handle in runs {
            let out = handle.join().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
        }
        let mut conn = Db::open(db.url());
        let embedded = MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES)
            .unwrap()
            .len();
        assert_eq!(
            conn.count("SELECT count(*) AS n FROM __diesel_schema_migrations"),
            embedded as i64
        );
    }
}
