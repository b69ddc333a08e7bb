//! `coregroup backup` and `coregroup restore`, through the real binary, against a server that
//! keeps writing: a backup holds every record acknowledged before it began, restores, and the
//! rules answer the same from it.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::Value;

use crate::cases::{child, join, plan, sighting, world};
use crate::harness::{without_known_at, Backend, TestApp, TestDatabase};
use crate::process::ServerProcess;

/// Runs the binary with only `DATABASE_URL` set among its settings.
pub fn run(args: &[&str], database_url: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_coregroup"))
        .args(args)
        .env_remove("DATABASE_READ_URL")
        .env_remove("COREGROUP_JWT_SECRET")
        .env_remove("COREGROUP_TIMEZONE")
        .env_remove("COREGROUP_LOG_FORMAT")
        .env("DATABASE_URL", database_url)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// Asserts the command failed with one `coregroup:` line holding every one of `words`.
fn refused(out: &Output, words: &[&str]) {
    assert!(!out.status.success(), "succeeded: {}", stdout(out));
    let err = stderr(out);
    let line = err
        .lines()
        .find(|l| l.starts_with("coregroup: "))
        .unwrap_or_default();
    for word in words {
        assert!(line.contains(word), "{word:?} not in: {err}");
    }
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

fn sighting_ids(url: &str) -> Vec<String> {
    let path = url.strip_prefix("sqlite://").expect("an SQLite URL");
    let mut conn = diesel::SqliteConnection::establish(path).expect("the restored database opens");
    use coregroup::store::schema::sightings::dsl::*;
    use diesel::prelude::*;
    sightings.select(id).load(&mut conn).expect("sightings")
}

async fn status(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    child: &str,
    known_at: Option<&str>,
) -> Value {
    let mut query = vec![("as_of", "2026-11-01")];
    if let Some(at) = known_at {
        query.push(("known_at", at));
    }
    let res = client
        .get(format!("{base}/api/v1/children/{child}/status"))
        .query(&query)
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200, "status of {child} at {base}");
    res.json().await.expect("json")
}

#[actix_web::test]
async fn a_backup_taken_while_sixteen_clients_write_restores_every_acknowledged_record() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let w = world(&app).await;
    let mut children = Vec::new();
    for (given, dob) in [
        ("Ada", "2015-03-10"),
        ("Bo", "2017-06-02"),
        ("Cy", "2019-09-21"),
        ("Di", "2021-12-30"),
    ] {
        let c = child(&app, &w, given, dob, None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        join(&app, &w, &p, &w.teacher, "2026-01-05").await;
        children.push(c);
    }
    // Nobody writes about the first child once the clients start.
    let quiet = children[0].clone();
    let res = app
        .post(
            "/api/v1/sightings",
            &w.teacher.token,
            &sighting(
                &quiet,
                "2026-10-20T09:00:00Z",
                "school_contact",
                "school",
                "seen",
            ),
        )
        .await;
    assert_eq!(res.status(), 201);
    let busy: Vec<String> = children[1..].to_vec();

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for client_no in 0..16u32 {
        let (acknowledged, failures, stop) = (acknowledged.clone(), failures.clone(), stop.clone());
        let (http, url, token) = (
            app.client.clone(),
            app.url("/api/v1/sightings"),
            w.teacher.token.clone(),
        );
        let child_id = busy[client_no as usize % busy.len()].clone();
        clients.push(actix_web::rt::spawn(async move {
            let mut n = 0u32;
            while !stop.load(Ordering::SeqCst) {
                // A different minute for every record: February to May 2026.
                let at = chrono::NaiveDate::from_ymd_opt(2026, 2, 1)
                    .unwrap()
                    .and_hms_opt(8, 0, 0)
                    .unwrap()
                    + chrono::Duration::minutes(i64::from(client_no * 10_000 + n));
                let body = sighting(
                    &child_id,
                    &format!("{}Z", at.format("%Y-%m-%dT%H:%M:%S")),
                    "school_contact",
                    "school",
                    "seen",
                );
                let res = http.post(&url).bearer_auth(&token).json(&body).send().await;
                match res {
                    Ok(res) if res.status() == 201 => {
                        let v: Value = res.json().await.expect("json");
                        acknowledged
                            .lock()
                            .unwrap()
                            .push(v["id"].as_str().unwrap().to_string());
                    }
                    Ok(res) => {
                        let failure = format!("{}: {:?}", res.status(), res.text().await);
                        failures.lock().unwrap().push(failure);
                    }
                    Err(e) => failures.lock().unwrap().push(e.to_string()),
                }
                n += 1;
            }
        }));
    }
    let count = || acknowledged.lock().unwrap().len();
    while count() < 48 {
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    // The moment to compare the rules at: every record made by then has committed a moment
    // later (each is one short transaction), before the backup begins.
    let known_at = status(&app.client, &app.address, &w.lead.token, &quiet, None).await["known_at"]
        .as_str()
        .expect("known_at echoed")
        .to_string();
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    let before_backup: Vec<String> = acknowledged.lock().unwrap().clone();

    let dir = tempfile::tempdir().unwrap();
    let backup_file = dir.path().join("backup.db");
    let (live_url, file) = (app.database.url().to_string(), backup_file.clone());
    let out = actix_web::web::block(move || run(&["backup", file.to_str().unwrap()], &live_url))
        .await
        .unwrap();
    let during_backup = count() - before_backup.len();
    // Some more records after the backup, then the clients stop.
    let target = count() + 16;
    while count() < target {
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.await.unwrap();
    }
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Backed up"), "{}", stdout(&out));
    assert_eq!(
        *failures.lock().unwrap(),
        Vec::<String>::new(),
        "every write is acknowledged"
    );
    eprintln!(
        "{} records acknowledged before the backup, {during_backup} while it ran, {} in all",
        before_backup.len(),
        count()
    );

    // Never over a database a server is using; the server carries on.
    let live_url = app.database.url().to_string();
    refused(
        &run(&["restore", backup_file.to_str().unwrap()], &live_url),
        &["in use", "stop"],
    );
    assert_eq!(
        app.client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        sighting_ids(&live_url).len(),
        count() + 1,
        "the live database is untouched"
    );

    let restored_url = sqlite_url(&dir.path().join("restored.db"));
    let out = run(&["restore", backup_file.to_str().unwrap()], &restored_url);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Restored"), "{}", stdout(&out));
    let restored = sighting_ids(&restored_url);
    let missing: Vec<&String> = before_backup
        .iter()
        .filter(|id| !restored.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged records missing from the backup: {missing:?}",
        missing.len()
    );
    assert!(restored.contains(&quiet_record_id(&live_url, &quiet)));

    // The rules answer the same from the restored database: the quiet child as it stands, the
    // busy ones as known at a moment before the backup began.
    let server = ServerProcess::start(&restored_url, "text", &[]);
    let quiet_live = status(&app.client, &app.address, &w.lead.token, &quiet, None).await;
    let quiet_restored = status(&app.client, &server.address, &w.lead.token, &quiet, None).await;
    assert_eq!(
        without_known_at(quiet_restored),
        without_known_at(quiet_live)
    );
    for c in &busy {
        let live = status(&app.client, &app.address, &w.lead.token, c, Some(&known_at)).await;
        let from_backup = status(
            &app.client,
            &server.address,
            &w.lead.token,
            c,
            Some(&known_at),
        )
        .await;
        assert_eq!(from_backup, live, "child {c} as known at {known_at}");
    }
}

/// The one record of the quiet child.
fn quiet_record_id(url: &str, quiet: &str) -> String {
    let path = url.strip_prefix("sqlite://").unwrap();
    let mut conn = diesel::SqliteConnection::establish(path).unwrap();
    use coregroup::store::schema::sightings::dsl::*;
    use diesel::prelude::*;
    sightings
        .filter(child_id.eq(quiet))
        .select(id)
        .first(&mut conn)
        .unwrap()
}

#[test]
fn backup_and_restore_refuse_what_they_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("coregroup.db");
    let url = sqlite_url(&db);
    let file = |name: &str| dir.path().join(name);

    refused(
        &run(&["backup", file("b.db").to_str().unwrap()], &url),
        &["no such file"],
    );
    assert!(!db.exists(), "a backup creates no database");
    let out = run(&["migrate"], &url);
    assert!(out.status.success(), "{}", stderr(&out));

    // A backup never replaces a file.
    std::fs::write(file("taken.db"), "keep me").unwrap();
    refused(
        &run(&["backup", file("taken.db").to_str().unwrap()], &url),
        &["taken.db", "already exists"],
    );
    assert_eq!(
        std::fs::read_to_string(file("taken.db")).unwrap(),
        "keep me"
    );

    let out = run(&["backup", file("b.db").to_str().unwrap()], &url);
    assert!(out.status.success(), "{}", stderr(&out));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file("b.db"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "a backup is its owner's alone: {mode:o}");
    }

    // Not a database, not coregroup's, a newer coregroup's, missing: refused, and the
    // database in place is untouched.
    std::fs::write(
        file("notes.txt"),
        "not a database at all, but long enough to look like one. ".repeat(40),
    )
    .unwrap();
    refused(
        &run(&["restore", file("notes.txt").to_str().unwrap()], &url),
        &["notes.txt", "not a readable SQLite database"],
    );
    let mut other =
        diesel::SqliteConnection::establish(file("other.db").to_str().unwrap()).unwrap();
    other
        .batch_execute("CREATE TABLE recipes (name TEXT)")
        .unwrap();
    drop(other);
    refused(
        &run(&["restore", file("other.db").to_str().unwrap()], &url),
        &["other.db", "not a coregroup database"],
    );
    std::fs::copy(file("b.db"), file("newer.db")).unwrap();
    let mut newer =
        diesel::SqliteConnection::establish(file("newer.db").to_str().unwrap()).unwrap();
    newer
        .batch_execute("INSERT INTO __diesel_schema_migrations (version) VALUES ('29990101000000')")
        .unwrap();
    drop(newer);
    refused(
        &run(&["restore", file("newer.db").to_str().unwrap()], &url),
        &["newer.db", "newer coregroup", "29990101000000"],
    );
    // Cut short, as a copy interrupted on its way off the machine would be.
    let whole = std::fs::read(file("b.db")).unwrap();
    std::fs::write(file("half.db"), &whole[..whole.len() / 2]).unwrap();
    refused(
        &run(&["restore", file("half.db").to_str().unwrap()], &url),
        &["half.db"],
    );
    refused(
        &run(&["restore", file("missing.db").to_str().unwrap()], &url),
        &["missing.db", "no such file"],
    );
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("restoring") || n.contains("replaced"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let out = run(&["migrate"], &url);
    assert!(stdout(&out).starts_with("0 migration"), "{}", stderr(&out));

    // Over a database nobody uses: done, and the one replaced is kept.
    let out = run(&["restore", file("b.db").to_str().unwrap()], &url);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    let kept = printed
        .split("kept as ")
        .nth(1)
        .map(|k| k.trim().trim_end_matches('.').to_string())
        .unwrap_or_else(|| panic!("{printed}"));
    assert!(Path::new(&kept).is_file(), "{kept}");
    assert!(file("b.db").is_file(), "the backup itself stays");
    let out = run(&["migrate"], &url);
    assert!(stdout(&out).starts_with("0 migration"), "{}", stderr(&out));
}

#[test]
fn backup_and_restore_point_to_pg_dump_on_postgres() {
    let db = TestDatabase::create(Backend::Postgres);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.dump");
    refused(
        &run(&["backup", file.to_str().unwrap()], db.url()),
        &["pg_dump"],
    );
    refused(
        &run(&["restore", file.to_str().unwrap()], db.url()),
        &["pg_restore"],
    );
    assert!(!file.exists());
}

fn on_path(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The README's PostgreSQL commands: `pg_dump -Fc` while a server runs, `pg_restore` into a
/// new database, and the rules answer the same from it.
#[actix_web::test]
async fn pg_dump_and_pg_restore_as_documented_restore_on_postgres() {
    if !on_path("pg_dump") || !on_path("pg_restore") {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI needs pg_dump and pg_restore (postgresql-client)"
        );
        eprintln!("pg_dump or pg_restore not found: the PostgreSQL backup test did not run");
        return;
    }
    let db = TestDatabase::create(Backend::Postgres);
    let out = run(&["demo", "--children", "12", "--months", "2"], db.url());
    assert!(out.status.success(), "{}", stderr(&out));
    let password = stdout(&out)
        .split("the password ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .unwrap()
        .to_string();
    let server = ServerProcess::start(db.url(), "text", &[]);
    let client = reqwest::Client::new();
    let res = client
        .post(server.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "auditor@demo.example", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let token = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let dashboard = |base: String| {
        let (client, token) = (client.clone(), token.clone());
        async move {
            let res = client
                .get(format!("{base}/api/v1/dashboard"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.unwrap()
        }
    };
    let before = dashboard(server.address.clone()).await;
    let children = before["children"].as_array().unwrap().len();
    assert!(children >= 12, "{children}");

    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("coregroup.dump");
    let out = Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&dump)
        .arg(db.url())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    drop(server);

    let restored = TestDatabase::create(Backend::Postgres);
    let out = Command::new("pg_restore")
        .args([
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            &format!("--dbname={}", restored.url()),
        ])
        .arg(&dump)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["migrate"], restored.url());
    assert!(stdout(&out).starts_with("0 migration"), "{}", stderr(&out));
    let server = ServerProcess::start(restored.url(), "text", &[]);
    let after = dashboard(server.address.clone()).await;
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("known_at");
        for line in v["children"].as_array_mut().unwrap() {
            line.as_object_mut().unwrap().remove("known_at");
        }
        v
    };
    assert_eq!(strip(after), strip(before));
}
