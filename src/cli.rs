//! The command line (contract.md): `serve`, `migrate`, `user create`, `user reset-password`,
//! `calendar import`, `demo`, `backup`, `restore`.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::auth::hashing::{HashingLimit, DEFAULT_MAX_WAIT};
use crate::calendars::CalendarBook;
use crate::config::{RawServeSettings, RawSettings, Settings};
use crate::domain::people::{AgencyKind, Role};
use crate::services::admin::{self, Actor, NamedAgency, ResetFor, UserRequest};
use crate::services::{settings as settings_service, ServiceError};
use crate::startup::{connect_store, Application, StartError};
use crate::store::StoreError;
use crate::telemetry;

#[derive(Debug, Parser)]
#[command(
    name = "coregroup",
    version,
    about = "A shared record of when a child on a Child Protection Plan was last seen, by any agency."
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: RawSettings,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations, then serve the API.
    Serve(RawServeSettings),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Load a clearly fictional demo data set (idempotent), with a progress bar.
    Demo {
        /// How many children on plans.
        #[arg(long, default_value_t = 326)]
        children: usize,
        /// How many months of records, up to today.
        #[arg(long, default_value_t = 6)]
        months: u32,
        /// The same seed makes the same data.
        #[arg(long, default_value_t = 2012)]
        seed: u64,
    },
    /// Bank-holiday calendars.
    Calendar {
        #[command(subcommand)]
        action: CalendarCommand,
    },
    /// Copy the SQLite database to a new file while servers keep running (a consistent
    /// snapshot, checked before this ends). For PostgreSQL use pg_dump -Fc.
    Backup {
        /// The new file; an existing file is never replaced.
        file: std::path::PathBuf,
    },
    /// Put a backup in place of the SQLite database. Every server using it must be stopped
    /// first; the database replaced is kept beside it, renamed. For PostgreSQL use pg_restore.
    Restore {
        /// A file made by `coregroup backup`.
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Import a GOV.UK bank-holidays feed (every division in it). The whole file is checked
    /// first; any fault refuses all of it, with the line and the reason.
    Import {
        /// The feed, as downloaded from the GOV.UK bank-holidays service.
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; prints the new user's id. The agency and team are created if missing.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The agency the user belongs to (created if missing).
        #[arg(long)]
        agency: Option<String>,
        /// The kind of a new agency; by default social_care for social workers and team
        /// managers, other for the rest.
        #[arg(long, value_parser = parse_agency_kind)]
        agency_kind: Option<AgencyKind>,
        /// The user's team in that agency (created if missing).
        #[arg(long, requires = "agency")]
        team: Option<String>,
        /// Read the password from standard input (required: passwords never go in arguments).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Issue a one-time code with which the user sets a new password (at
    /// POST /api/v1/auth/reset-password); prints the code. It works once, for 24 hours, and
    /// replaces any earlier code. Give it to the user by a channel you trust.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
        .map_err(|e: crate::domain::people::UnknownValue| e.to_string())
}

fn parse_agency_kind(s: &str) -> Result<AgencyKind, String> {
    s.parse()
        .map_err(|e: crate::domain::people::UnknownValue| e.to_string())
}

/// Runs the command line; the exit code is 0 on success, 2 for a bad setting, 1 otherwise.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let settings = match cli.settings.check() {
        Ok(s) => s,
        Err(e) => return fail(&StartError::Config(e)),
    };
    telemetry::init(settings.log_format);
    let result = match cli.command {
        Command::Serve(raw) => serve(&settings, &raw),
        Command::Migrate => migrate(&settings),
        Command::User {
            action:
                UserCommand::Create {
                    email,
                    name,
                    role,
                    agency,
                    agency_kind,
                    team,
                    password_stdin: _,
                },
        } => create_user(&settings, email, name, role, agency, agency_kind, team),
        Command::User {
            action: UserCommand::ResetPassword { email },
        } => reset_password(&settings, &email),
        Command::Calendar {
            action: CalendarCommand::Import { file },
        } => import_calendar(&settings, &file),
        Command::Demo {
            children,
            months,
            seed,
        } => demo(&settings, children, months, seed),
        Command::Backup { file } => backup(&settings, &file),
        Command::Restore { file } => restore(&settings, &file),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(e: &StartError) -> ExitCode {
    eprintln!("coregroup: {e}");
    match e {
        StartError::Config(_) | StartError::Bind { .. } => ExitCode::from(2),
        _ => ExitCode::FAILURE,
    }
}

fn serve(settings: &Settings, raw: &RawServeSettings) -> Result<(), StartError> {
    let serve = raw.check()?;
    actix_web::rt::System::new().block_on(async {
        let app = Application::build(settings, &serve)?;
        app.run_until_stopped().await
    })
}

fn migrate(settings: &Settings) -> Result<(), StartError> {
    let store = connect_store(settings)?;
    let applied = store.migrate()?;
    println!("{applied} migration(s) applied");
    Ok(())
}

fn create_user(
    settings: &Settings,
    email: String,
    name: String,
    role: Role,
    agency: Option<String>,
    agency_kind: Option<AgencyKind>,
    team: Option<String>,
) -> Result<(), StartError> {
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .map_err(|e| {
            StartError::Store(StoreError::Invalid(format!(
                "cannot read the password from standard input: {e}"
            )))
        })?;
    // A trailing newline is how `echo` and here-strings end; it is not part of the password.
    let password = password
        .strip_suffix('\n')
        .map(|p| p.strip_suffix('\r').unwrap_or(p))
        .unwrap_or(&password)
        .to_string();
    let store = connect_store(settings)?;
    store.migrate()?;
    let request = UserRequest {
        email,
        name,
        password,
        role,
        agency_id: None,
        team_id: None,
    };
    // One hash at a time: the console is one operator.
    let hashing = HashingLimit::new(1, DEFAULT_MAX_WAIT);
    let user = on_console(async {
        match agency {
            Some(name) => {
                let named = NamedAgency {
                    name,
                    kind: agency_kind.unwrap_or(match role {
                        Role::SocialWorker | Role::TeamManager => AgencyKind::SocialCare,
                        _ => AgencyKind::Other,
                    }),
                    team,
                };
                admin::create_user_in_named_agency(
                    &store,
                    &hashing,
                    &Actor::Console,
                    request,
                    named,
                )
                .await
            }
            None => admin::create_user(&store, &hashing, &Actor::Console, request).await,
        }
    })
    .map_err(|e| refusal(e, ""))?;
    println!("{}", user.id);
    Ok(())
}

fn reset_password(settings: &Settings, email: &str) -> Result<(), StartError> {
    let store = connect_store(settings)?;
    store.migrate()?;
    let issued = on_console(admin::issue_password_reset(
        &store,
        &Actor::Console,
        ResetFor::Email(email.to_string()),
    ))
    .map_err(|e| refusal(e, "--"))?;
    println!("{}", issued.code);
    eprintln!(
        "A one-time code: it works once, until {} (UTC), at POST /api/v1/auth/reset-password.",
        issued.expires_at.format("%Y-%m-%d %H:%M")
    );
    Ok(())
}

fn import_calendar(settings: &Settings, file: &std::path::Path) -> Result<(), StartError> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        StartError::Store(StoreError::Invalid(format!(
            "cannot read {}: {e}",
            file.display()
        )))
    })?;
    let store = connect_store(settings)?;
    store.migrate()?;
    let book = CalendarBook::new(store);
    let imported = on_console(settings_service::import_calendars(
        &book,
        &Actor::Console,
        text,
    ))
    .map_err(|e| match e {
        ServiceError::Invalid { field, reason } if field == "feed" => StartError::Store(
            StoreError::Invalid(format!("{} {reason}; nothing was imported", file.display())),
        ),
        other => refusal(other, ""),
    })?;
    for calendar in imported.imported {
        println!(
            "{}: {} to {}, {} bank holidays",
            calendar.region(),
            calendar.first(),
            calendar.last(),
            calendar.holidays().len()
        );
    }
    Ok(())
}

/// Runs a service for the console (which has no async runtime of its own).
fn on_console<T>(work: impl std::future::Future<Output = T>) -> T {
    actix_web::rt::System::new().block_on(work)
}

/// A service's refusal, for the console: `field: reason`, the field written as
/// `{flag_prefix}{field}` (`--email` where the field is the flag's own name).
fn refusal(e: ServiceError, flag_prefix: &str) -> StartError {
    match e {
        ServiceError::Invalid { field, reason } => StartError::Store(StoreError::Invalid(format!(
            "{flag_prefix}{field}: {reason}"
        ))),
        ServiceError::Store(s) => StartError::Store(s),
        other => StartError::Store(StoreError::Invalid(other.to_string())),
    }
}

fn backup(settings: &Settings, file: &std::path::Path) -> Result<(), StartError> {
    let made = crate::store::backup(&settings.database_url, file)
        .map_err(|e| StartError::Store(StoreError::Invalid(format!("backup refused: {e}"))))?;
    println!(
        "Backed up {} to {} ({} bytes; newest migration {}).",
        settings.database_url.redacted(),
        file.display(),
        made.bytes,
        made.migration
    );
    Ok(())
}

fn restore(settings: &Settings, file: &std::path::Path) -> Result<(), StartError> {
    let done = crate::store::restore(&settings.database_url, file)
        .map_err(|e| StartError::Store(StoreError::Invalid(format!("restore refused: {e}"))))?;
    println!(
        "Restored {} into {} (newest migration {}; any newer ones run when a server starts).",
        file.display(),
        settings.database_url.redacted(),
        done.migration
    );
    if let Some(kept) = done.replaced_kept_as {
        println!("The database it replaced is kept as {}.", kept.display());
    }
    Ok(())
}

fn demo(settings: &Settings, children: usize, months: u32, seed: u64) -> Result<(), StartError> {
    if months == 0 || months > 120 {
        return Err(StartError::Config(crate::config::ConfigError::new(
            "--months",
            "must be from 1 to 120",
        )));
    }
    let store = connect_store(settings)?;
    store.migrate()?;
    let options = crate::demo::DemoOptions {
        children,
        months,
        seed,
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let summary = crate::demo::load(&store, settings.timezone, &options).map_err(|e| match e {
        crate::demo::DemoError::Store(s) => StartError::Store(s),
        other => StartError::Store(StoreError::Invalid(other.to_string())),
    })?;
    if summary.already_loaded {
        println!(
            "Demo data is already loaded ({} children, {} records). The demo accounts have a \
             new password; the one printed before no longer works.",
            summary.children, summary.sightings
        );
    } else {
        println!(
            "Loaded fictional demo data: {} children on plans, {} records.",
            summary.children, summary.sightings
        );
    }
    println!(
        "Demo sign-ins (all fictional; every one has the password {}):",
        summary.password
    );
    for login in &summary.logins {
        println!(
            "  {:<32} {:<14} {}",
            login.email,
            login.role.as_str(),
            login.who
        );
    }
    Ok(())
}
