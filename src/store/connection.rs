//! Opening connections: the backend is chosen from the URL scheme, never by trial (SQLite
//! would accept almost any string as a file name).

use std::fmt;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::Connection;

use super::DbConnection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A validated `DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A file path for SQLite.
    Sqlite(String),
    /// A full `postgres://` URL, passed to libpq as written.
    Postgres(String),
}

impl fmt::Debug for DatabaseUrl {
    // Never print a password that a PostgreSQL URL may hold.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.redacted())
    }
}

impl DatabaseUrl {
    /// Parses `sqlite://PATH` or `postgres://…` / `postgresql://…`.
    pub fn parse(raw: &str) -> Result<DatabaseUrl, String> {
        let raw = raw.trim();
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("sqlite:// needs a file path, e.g. sqlite://coregroup.db".into());
            }
            if path.contains(":memory:") || path.starts_with("file:") {
                return Err(
                    "an in-memory SQLite database cannot be shared by the connection pool; give a file path"
                        .into(),
                );
            }
            return Ok(DatabaseUrl::Sqlite(path.to_string()));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let parsed = url::Url::parse(raw).map_err(|e| format!("not a valid URL: {e}"))?;
            if parsed.host_str().unwrap_or("").is_empty() && !raw.contains("host=") {
                return Err("the PostgreSQL URL has no host".into());
            }
            return Ok(DatabaseUrl::Postgres(raw.to_string()));
        }
        Err("must start with sqlite:// or postgres://".into())
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL with any password hidden, for logs and error messages.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{path}"),
            DatabaseUrl::Postgres(raw) => match url::Url::parse(raw) {
                Ok(mut u) => {
                    if u.password().is_some() {
                        let _ = u.set_password(Some("***"));
                    }
                    u.to_string()
                }
                Err(_) => "postgres://(unparsable)".to_string(),
            },
        }
    }
}

/// r2d2 manager that opens the right backend and prepares each connection.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> ConnectionManager {
        ConnectionManager { url }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("{0}")]
    Query(#[from] diesel::result::Error),
}

/// How long SQLite waits for a lock before answering "busy".
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn = diesel::PgConnection::establish(url)?;
                // All stored instants are UTC; make the session agree whatever the server says.
                conn.batch_execute("SET TIME ZONE 'UTC'")?;
                Ok(DbConnection::Postgres(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(path)?;
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {};
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;",
                    SQLITE_BUSY_TIMEOUT.as_millis()
                ))?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        conn.batch_execute("SELECT 1")?;
        Ok(())
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// What `coregroup backup` made.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub bytes: u64,
    /// The newest migration in the copy.
    pub migration: String,
}

/// What `coregroup restore` did.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    /// The newest migration in the restored database.
    pub migration: String,
    /// Where the database that was replaced now is (None when there was none).
    pub replaced_kept_as: Option<std::path::PathBuf>,
}

/// Why a backup or a restore was refused or failed; the text names the file and the fault.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BackupError(pub String);

impl BackupError {
    fn at(what: &std::path::Path, why: impl fmt::Display) -> BackupError {
        BackupError(format!("{}: {why}", what.display()))
    }
}

const POSTGRES_BACKUP: &str = "coregroup backup and restore handle SQLite databases; for \
     PostgreSQL use pg_dump -Fc and pg_restore (docs/operations.md, \"Backups\")";

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

fn lines(conn: &mut diesel::SqliteConnection, sql: &str) -> Result<Vec<String>, String> {
    use diesel::RunQueryDsl;
    diesel::sql_query(sql)
        .load::<Line>(conn)
        .map(|rows| rows.into_iter().map(|r| r.line).collect())
        .map_err(|e| e.to_string())
}

/// The file of an SQLite URL; PostgreSQL is refused with the commands to use instead.
fn sqlite_path(url: &DatabaseUrl) -> Result<std::path::PathBuf, BackupError> {
    match url {
        DatabaseUrl::Sqlite(path) => Ok(std::path::PathBuf::from(path)),
        DatabaseUrl::Postgres(_) => Err(BackupError(POSTGRES_BACKUP.to_string())),
    }
}

fn utf8(path: &std::path::Path) -> Result<&str, BackupError> {
    path.to_str()
        .ok_or_else(|| BackupError::at(path, "the path is not UTF-8"))
}

/// Opens an existing SQLite file (never creating one: SQLite would make an empty database).
fn open_existing(path: &std::path::Path) -> Result<diesel::SqliteConnection, BackupError> {
    if !path.is_file() {
        return Err(BackupError::at(path, "no such file"));
    }
    diesel::SqliteConnection::establish(utf8(path)?).map_err(|e| BackupError::at(path, e))
}

/// Checks that an open file is a coregroup database this program can run, and returns its
/// newest migration. `known` lists the migrations this program carries; `path` names the file
/// in messages. `whole` adds SQLite's integrity check, which reads every page: for copies,
/// not for a live database (a long read holds back its checkpoints).
fn check_coregroup_database(
    conn: &mut diesel::SqliteConnection,
    path: &std::path::Path,
    known: &[String],
    whole: bool,
) -> Result<String, BackupError> {
    // The first read of a file that is not SQLite fails here ("file is not a database").
    let tables = lines(
        conn,
        "SELECT name AS line FROM sqlite_master WHERE type = 'table'",
    )
    .map_err(|e| BackupError::at(path, format!("not a readable SQLite database ({e})")))?;
    for table in [
        "__diesel_schema_migrations",
        "settings",
        "users",
        "children",
    ] {
        if !tables.iter().any(|t| t == table) {
            return Err(BackupError::at(
                path,
                format!("not a coregroup database (it has no {table} table)"),
            ));
        }
    }
    let integrity = match whole {
        true => lines(
            conn,
            "SELECT integrity_check AS line FROM pragma_integrity_check",
        )
        .map_err(|e| BackupError::at(path, e))?,
        false => vec!["ok".to_string()],
    };
    if integrity != ["ok"] {
        return Err(BackupError::at(
            path,
            format!("damaged: {}", integrity.join("; ")),
        ));
    }
    let applied = lines(
        conn,
        "SELECT version AS line FROM __diesel_schema_migrations ORDER BY version",
    )
    .map_err(|e| BackupError::at(path, e))?;
    if let Some(unknown) = applied.iter().find(|v| !known.contains(v)) {
        // A newer program's schema: this one would misread it.
        return Err(BackupError::at(
            path,
            format!(
                "made by a newer coregroup (migration {unknown} is unknown to this one); \
                 restore it with that version"
            ),
        ));
    }
    applied
        .last()
        .cloned()
        .ok_or_else(|| BackupError::at(path, "not a coregroup database (no migration applied)"))
}

/// Copies the SQLite database of `url` to `to`, a new file, while servers keep using it:
/// `VACUUM INTO` reads one snapshot (WAL lets writers go on meanwhile), so the copy is
/// consistent. The copy is checked before this returns and is readable by its owner only.
pub fn backup_sqlite(
    url: &DatabaseUrl,
    to: &std::path::Path,
    known: &[String],
) -> Result<BackupReport, BackupError> {
    use diesel::RunQueryDsl;
    use std::os::unix::fs::OpenOptionsExt;

    let from = sqlite_path(url)?;
    let mut conn = open_existing(&from)?;
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {};",
        SQLITE_BUSY_TIMEOUT.as_millis()
    ))
    .map_err(|e| BackupError::at(&from, e))?;
    check_coregroup_database(&mut conn, &from, known, false)?;
    // Made empty first (VACUUM INTO accepts an empty file), so that it never replaces a file
    // and never is readable by others, even for a moment.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(to)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                BackupError::at(to, "already exists; a backup never replaces a file")
            }
            _ => BackupError::at(to, e),
        })?;
    let copied = utf8(to).and_then(|target| {
        diesel::sql_query("VACUUM INTO ?")
            .bind::<diesel::sql_types::Text, _>(target)
            .execute(&mut conn)
            .map_err(|e| BackupError::at(to, format!("the copy failed: {e}")))
    });
    let checked = copied.and_then(|_| {
        let mut copy = open_existing(to)?;
        check_coregroup_database(&mut copy, to, known, true)
    });
    let reported = checked.and_then(|migration| {
        let bytes = std::fs::metadata(to)
            .map_err(|e| BackupError::at(to, e))?
            .len();
        Ok(BackupReport { bytes, migration })
    });
    // A half-made copy must not pass for a backup later (removing it is all that can be
    // done; the error that made it half-made is the one reported).
    reported.inspect_err(|_| {
        let _ = std::fs::remove_file(to);
    })
}

/// The file SQLite keeps beside `db` with this suffix (`-wal`, `-shm`).
fn beside(db: &std::path::Path, suffix: &str) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(suffix);
    std::path::PathBuf::from(name)
}

/// Puts the backup `from` in place of the SQLite database of `url`. Refuses a file that is not
/// a whole coregroup database this program can run, and a database that any process has open
/// (every server keeps its pool's connections open, so an idle server counts). The database
/// replaced is kept beside it, renamed, never deleted.
pub fn restore_sqlite(
    url: &DatabaseUrl,
    from: &std::path::Path,
    known: &[String],
) -> Result<RestoreReport, BackupError> {
    let target = sqlite_path(url)?;
    if !from.is_file() {
        return Err(BackupError::at(from, "no such file"));
    }
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    // A working copy in the target's folder (so the last step is a rename on one file
    // system); checking it never touches the backup itself.
    let staged = beside(&target, &format!(".restoring-{stamp}"));
    std::fs::copy(from, &staged).map_err(|e| BackupError::at(&staged, e))?;
    let outcome = (|| {
        let mut copy = open_existing(&staged)?;
        // Faults are named after the backup the user gave, not the working copy.
        let migration = check_coregroup_database(&mut copy, from, known, true)?;
        drop(copy);
        let replaced_kept_as = if target.exists() {
            let kept = beside(&target, &format!(".replaced-{stamp}"));
            replace_unused(&target, &staged, &kept)?;
            Some(kept)
        } else {
            std::fs::rename(&staged, &target).map_err(|e| BackupError::at(&target, e))?;
            None
        };
        Ok(RestoreReport {
            migration,
            replaced_kept_as,
        })
    })();
    if outcome.is_err() {
        for leftover in [
            staged.clone(),
            beside(&staged, "-wal"),
            beside(&staged, "-shm"),
        ] {
            let _ = std::fs::remove_file(leftover);
        }
    }
    outcome
}

/// Moves `target` aside to `kept` and `staged` into its place, holding an exclusive lock on
/// `target` throughout, so that no server can be using it or start to.
fn replace_unused(
    target: &std::path::Path,
    staged: &std::path::Path,
    kept: &std::path::Path,
) -> Result<(), BackupError> {
    let mut conn = diesel::SqliteConnection::establish(utf8(target)?)
        .map_err(|e| BackupError::at(target, e))?;
    // In exclusive locking mode the lock is taken at once and kept until the connection
    // closes; any other open connection to a WAL database (an idle server's pool) makes it
    // fail at once instead of waiting.
    conn.batch_execute("PRAGMA busy_timeout = 0; PRAGMA locking_mode = EXCLUSIVE;")
        .map_err(|e| BackupError::at(target, e))?;
    conn.batch_execute("BEGIN EXCLUSIVE; SELECT count(*) FROM sqlite_master; COMMIT;")
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(_, ref info)
                if info.message().contains("locked") || info.message().contains("busy") =>
            {
                BackupError::at(
                    target,
                    format!(
                        "in use ({e}): stop every coregroup server and process using it, \
                         then restore"
                    ),
                )
            }
            other => BackupError::at(target, other),
        })?;
    // Everything committed moves into the main file, so the copy kept aside is whole.
    conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")
        .map_err(|e| BackupError::at(target, e))?;
    std::fs::rename(target, kept).map_err(|e| BackupError::at(kept, e))?;
    // A stale write-ahead log must never be read as part of the restored file.
    for stale in [beside(target, "-wal"), beside(target, "-shm")] {
        match std::fs::remove_file(&stale) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(BackupError::at(&stale, e)),
        }
    }
    std::fs::rename(staged, target).map_err(|e| BackupError::at(target, e))?;
    drop(conn);
    Ok(())
}
