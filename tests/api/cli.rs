//! The command line: settings checked at start, `migrate`, `user create`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::harness::{Backend, TestDatabase};

fn coregroup(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_coregroup"));
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env_remove("DATABASE_READ_URL")
        .env_remove("COREGROUP_JWT_SECRET")
        .env_remove("COREGROUP_BIND")
        .env_remove("COREGROUP_TIMEZONE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("binary runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("binary finishes")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn refused_naming(out: &Output, setting: &str) {
    assert!(!out.status.success(), "started despite a bad {setting}");
    let err = stderr(out);
    let line = err
        .lines()
        .find(|l| l.starts_with("coregroup: "))
        .unwrap_or_default();
    assert!(line.contains(setting), "{setting} not named in: {err}");
}

#[test]
fn bad_settings_stop_the_start_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let good_db = format!("sqlite://{}", dir.path().join("x.db").display());
    refused_naming(
        &coregroup(&["serve"], &[("DATABASE_URL", "mysql://x")], None),
        "DATABASE_URL",
    );
    refused_naming(
        &coregroup(&["serve"], &[("DATABASE_URL", "")], None),
        "DATABASE_URL",
    );
    refused_naming(
        &coregroup(
            &["serve"],
            &[("DATABASE_URL", "sqlite:///no/such/folder/x.db")],
            None,
        ),
        "DATABASE_URL",
    );
    refused_naming(
        &coregroup(
            &["serve"],
            &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nothing")],
            None,
        ),
        "DATABASE_URL",
    );
    refused_naming(
        &coregroup(
            &["serve"],
            &[
                ("DATABASE_URL", &good_db),
                ("COREGROUP_JWT_SECRET", "too-short"),
            ],
            None,
        ),
        "COREGROUP_JWT_SECRET",
    );
    refused_naming(
        &coregroup(
            &["serve"],
            &[
                ("DATABASE_URL", &good_db),
                ("COREGROUP_TIMEZONE", "Atlantis/Capital"),
            ],
            None,
        ),
        "COREGROUP_TIMEZONE",
    );
    refused_naming(
        &coregroup(
            &["serve"],
            &[
                ("DATABASE_URL", &good_db),
                ("COREGROUP_BIND", "not-an-address"),
            ],
            None,
        ),
        "COREGROUP_BIND",
    );
    // Flags win over the environment.
    refused_naming(
        &coregroup(
            &["--database-url", "oracle://x", "serve"],
            &[("DATABASE_URL", &good_db)],
            None,
        ),
        "DATABASE_URL",
    );
}

fn user_create_and_migrate(backend: Backend) {
    let db = TestDatabase::create(backend);
    let env = [("DATABASE_URL", db.url())];
    let out = coregroup(&["migrate"], &env, None);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = coregroup(&["migrate"], &env, None);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("0 migration"));

    let args = [
        "user",
        "create",
        "--email",
        "Lead@Council.example",
        "--name",
        "Lead Worker",
        "--role",
        "social_worker",
        "--agency",
        "Riverside Council",
        "--team",
        "Court Team",
        "--password-stdin",
    ];
    let out = coregroup(&args, &env, Some("a password long enough\n"));
    assert!(out.status.success(), "{}", stderr(&out));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(id.len(), 36, "prints the new id, got {id:?}");

    // Again: refused, and says why.
    let out = coregroup(&args, &env, Some("a password long enough\n"));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));

    // A second user in the same agency and team reuses them.
    let mut second = args;
    second[3] = "second@council.example";
    let out = coregroup(&second, &env, Some("a password long enough"));
    assert!(out.status.success(), "{}", stderr(&out));

    // Short password and unknown role are refused with the reason.
    let mut short = args;
    short[3] = "third@council.example";
    let out = coregroup(&short, &env, Some("short\n"));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("password"), "{}", stderr(&out));
    let mut bad_role = args;
    bad_role[7] = "wizard";
    let out = coregroup(&bad_role, &env, Some("a password long enough\n"));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("cp_chair"),
        "lists allowed roles: {}",
        stderr(&out)
    );
    // A practitioner with no agency is refused.
    let out = coregroup(
        &[
            "user",
            "create",
            "--email",
            "p@x.example",
            "--name",
            "P",
            "--role",
            "practitioner",
            "--password-stdin",
        ],
        &env,
        Some("a password long enough\n"),
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("agency"), "{}", stderr(&out));
}

#[test]
fn user_create_and_migrate_on_sqlite() {
    user_create_and_migrate(Backend::Sqlite);
}

#[test]
fn user_create_and_migrate_on_postgres() {
    user_create_and_migrate(Backend::Postgres);
}

fn calendar_import(backend: Backend) {
    let db = TestDatabase::create(backend);
    let env = [("DATABASE_URL", db.url())];
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    std::fs::write(
        &good,
        include_str!("../../data/bank-holidays-england-and-wales.json"),
    )
    .unwrap();
    let out = coregroup(&["calendar", "import", good.to_str().unwrap()], &env, None);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        printed.contains("england-and-wales: 2019-01-01 to 2028-12-31"),
        "{printed}"
    );

    let bad = dir.path().join("bad.json");
    let text = include_str!("../../data/bank-holidays-england-and-wales.json").replacen(
        "2019-01-01",
        "2019-01-06",
        1,
    );
    std::fs::write(&bad, text).unwrap();
    let out = coregroup(&["calendar", "import", bad.to_str().unwrap()], &env, None);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("line 7") && err.contains("Sunday") && err.contains("nothing was imported"),
        "{err}"
    );

    let out = coregroup(&["calendar", "import", "/no/such/file.json"], &env, None);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cannot read"));
}

#[test]
fn calendar_import_on_sqlite() {
    calendar_import(Backend::Sqlite);
}

#[test]
fn calendar_import_on_postgres() {
    calendar_import(Backend::Postgres);
}

fn printed_password(printed: &str) -> String {
    printed
        .split("the password ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .unwrap()
        .to_string()
}

fn store_of(url: &str) -> coregroup::store::Store {
    let url = coregroup::store::DatabaseUrl::parse(url).unwrap();
    coregroup::store::Store::connect(&url, &url, &coregroup::store::PoolSettings::default())
        .unwrap()
}

fn user_reset_password(backend: Backend) {
    let db = TestDatabase::create(backend);
    let env = [("DATABASE_URL", db.url())];
    let out = coregroup(
        &[
            "user",
            "create",
            "--email",
            "forgetful@council.example",
            "--name",
            "Forgetful",
            "--role",
            "auditor",
            "--password-stdin",
        ],
        &env,
        Some("a password long enough\n"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = coregroup(
        &[
            "user",
            "reset-password",
            "--email",
            "Forgetful@Council.example",
        ],
        &env,
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let code = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(code.replace('-', "").len(), 26, "{code}");
    // Only its hash is stored.
    let stored: Vec<String> = store_of(db.url())
        .write_blocking(|c| {
            use coregroup::store::schema::password_resets::dsl::*;
            use diesel::prelude::*;
            Ok(password_resets.select(code_hash).load(c)?)
        })
        .unwrap();
    assert_eq!(stored, [coregroup::auth::tokens::reset_code_hash(&code)]);
    refused_naming(
        &coregroup(
            &[
                "user",
                "reset-password",
                "--email",
                "nobody@council.example",
            ],
            &env,
            None,
        ),
        "--email",
    );
}

#[test]
fn user_reset_password_on_sqlite() {
    user_reset_password(Backend::Sqlite);
}

#[test]
fn user_reset_password_on_postgres() {
    user_reset_password(Backend::Postgres);
}

fn demo(backend: Backend) {
    let db = TestDatabase::create(backend);
    let env = [("DATABASE_URL", db.url())];
    let out = coregroup(&["demo", "--children", "12", "--months", "2"], &env, None);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        printed.contains("Loaded fictional demo data: 12 children"),
        "{printed}"
    );
    assert!(
        printed.contains("chair1@demo.example") && printed.contains("cp_chair"),
        "{printed}"
    );
    let password = printed_password(&printed);
    // Idempotent: a second run adds nothing, and prints the sign-ins with a new password.
    let out = coregroup(&["demo", "--children", "12", "--months", "2"], &env, None);
    assert!(out.status.success());
    let again = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(again.contains("already loaded (12 children"), "{again}");
    let second = printed_password(&again);
    assert_ne!(second, password);
    // The password is kept nowhere in plain text: the accounts' hashes alone know it, and the
    // one printed before no longer works.
    let store = store_of(db.url());
    let (settings, chair) = store
        .write_blocking(|c| {
            use coregroup::store::schema::settings::dsl::*;
            use diesel::prelude::*;
            let rows: Vec<(String, String)> = settings.select((key, value)).load(c)?;
            let chair =
                coregroup::store::accounts::find_credentials_by_email(c, "chair1@demo.example")?;
            Ok((rows, chair))
        })
        .unwrap();
    for secret in [&password, &second] {
        assert!(
            settings
                .iter()
                .all(|(k, v)| k != "demo_password" && !v.contains(secret.as_str())),
            "{settings:?}"
        );
    }
    let chair = chair.expect("the demo chair");
    assert!(coregroup::auth::password::verify(
        &second,
        &chair.password_hash
    ));
    assert!(!coregroup::auth::password::verify(
        &password,
        &chair.password_hash
    ));
    // Never into a database with real accounts.
    let other = TestDatabase::create(backend);
    let env = [("DATABASE_URL", other.url())];
    let out = coregroup(
        &[
            "user",
            "create",
            "--email",
            "real@council.example",
            "--name",
            "Real",
            "--role",
            "admin",
            "--password-stdin",
        ],
        &env,
        Some("a password long enough\n"),
    );
    assert!(out.status.success());
    let out = coregroup(&["demo"], &env, None);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not demo accounts"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn text_logs_carry_no_colour_codes_when_not_written_to_a_terminal() {
    // The finding: log files and collectors got ANSI escape codes in every line of text logs.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let server = crate::process::ServerProcess::start(&url, "text", &[]);
    let log = server.log();
    assert!(
        log.iter().any(|l| l.contains("coregroup is listening")),
        "{log:?}"
    );
    for line in &log {
        assert!(!line.contains('\u{1b}'), "a colour code in {line:?}");
    }
}

#[test]
fn demo_on_sqlite() {
    demo(Backend::Sqlite);
}

#[test]
fn demo_on_postgres() {
    demo(Backend::Postgres);
}
