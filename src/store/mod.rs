//! Persistence: one diesel code path over SQLite (embedded default) and PostgreSQL.
//!
//! `DbConnection` is a `diesel::MultiConnection` over both backends. Queries are written once
//! against it; the few statements the multi backend cannot express (upserts) match on the
//! variant. Reads and writes use separate pools so that reads can be pointed at a replica.

pub mod access_log;
pub mod accounts;
pub mod actions;
pub mod calendars;
pub mod cases;
mod connection;
pub mod meetings;
pub mod minutes;
pub mod owners;
pub mod password_resets;
pub mod reports;
pub mod schema;
pub mod sessions;
pub mod settings;
pub mod sightings;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use connection::{Backend, ConnectionManager, DatabaseUrl};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type Pool = r2d2::Pool<ConnectionManager>;

/// Everything that can go wrong below the HTTP layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("record not found")]
    NotFound,
    /// A uniqueness rule of the schema was broken; the text names the rule for the user.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("could not get a database connection: {0}")]
    Pool(#[from] r2d2::Error),
    /// A stored value the code does not understand (the schema's CHECKs should prevent it).
    #[error("{0}")]
    Invalid(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("background task failed: {0}")]
    Blocking(String),
}

impl StoreError {
    /// Turns a unique-constraint violation into a `Conflict` with a message for the user;
    /// every other error passes through unchanged.
    pub fn on_unique(self, message: &str) -> StoreError {
        match self {
            StoreError::Database(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => StoreError::Conflict(message.to_string()),
            other => other,
        }
    }
}

/// Pool sizes and timeouts.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_read: u32,
    pub max_write: u32,
    pub connect_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_read: 8,
            max_write: 8,
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// The database handle every handler uses. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    read: Pool,
    write: Pool,
    backend: Backend,
}

impl Store {
    /// Connects both pools, checking that the database answers before anything else starts.
    /// Runs on the calling thread: call it before the async runtime serves requests.
    pub fn connect(
        write_url: &DatabaseUrl,
        read_url: &DatabaseUrl,
        settings: &PoolSettings,
    ) -> Result<Store, StoreError> {
        // SQLite has one writer at a time; one pooled writer avoids lock upgrades failing
        // with SQLITE_BUSY, while WAL lets the readers run beside it.
        // One direct connection first: its error says why (refused, unknown database, bad
        // path) where the pool would only say that it timed out.
        r2d2::ManageConnection::connect(&ConnectionManager::new(write_url.clone()))
            .map_err(|e| StoreError::Connect(e.to_string()))?;
        let max_write = match write_url.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => settings.max_write,
        };
        let write = r2d2::Pool::builder()
            .max_size(max_write)
            .connection_timeout(settings.connect_timeout)
            .build(ConnectionManager::new(write_url.clone()))?;
        let read = r2d2::Pool::builder()
            .max_size(settings.max_read)
            .connection_timeout(settings.connect_timeout)
            .build(ConnectionManager::new(read_url.clone()))?;
        Ok(Store {
            read,
            write,
            backend: write_url.backend(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations on a writer connection. Returns how many ran.
    pub fn migrate(&self) -> Result<usize, StoreError> {
        let mut conn = self.write.get()?;
        run_migrations(&mut conn)
    }

    /// Runs `f` on a reader connection off the async executor.
    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.read.clone();
        run_blocking(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
    }

    /// Runs `f` in one transaction on a writer connection off the async executor.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.write.clone();
        run_blocking(move || {
            let mut conn = pool.get()?;
            conn.transaction(|c| f(c))
        })
        .await
    }

    /// Like [`Store::write`], for callers with an error type of their own: any `Err` the
    /// closure returns rolls the transaction back.
    pub async fn write_with<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<diesel::result::Error> + From<StoreError> + Send + 'static,
    {
        let pool = self.write.clone();
        let joined = actix_web::web::block(move || -> Result<T, E> {
            let mut conn = pool.get().map_err(StoreError::from)?;
            conn.transaction(|c| f(c))
        })
        .await;
        match joined {
            Ok(answer) => answer,
            Err(e) => Err(StoreError::Blocking(e.to_string()).into()),
        }
    }

    /// Synchronous writer access for the command line, which has no async runtime.
    pub fn write_blocking<T>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.write.get()?;
        conn.transaction(|c| f(c))
    }

    /// True when a reader connection answers a trivial query.
    pub async fn is_ready(&self) -> bool {
        self.read(|conn| {
            conn.batch_execute("SELECT 1")?;
            Ok(())
        })
        .await
        .is_ok()
    }
}

async fn run_blocking<T, F>(f: F) -> Result<T, StoreError>
where
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    actix_web::web::block(f)
        .await
        .map_err(|e| StoreError::Blocking(e.to_string()))?
}

/// Applies the embedded migrations of the connection's backend. Running it again is a no-op.
pub fn run_migrations(conn: &mut DbConnection) -> Result<usize, StoreError> {
    let applied = match conn {
        DbConnection::Postgres(pg) => {
            // Instances starting together take turns: the first migrates, the others wait
            // and then find nothing pending (a session-level advisory lock, released below
            // whatever happened).
            use diesel::RunQueryDsl;
            diesel::sql_query("SELECT pg_advisory_lock($1)")
                .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK)
                .execute(pg)?;
            let applied = pg
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|a| a.len())
                .map_err(|e| e.to_string());
            let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)")
                .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK)
                .execute(pg);
            unlocked?;
            applied.map_err(StoreError::Migration)?
        }
        // SQLite has one writer; a migration holds it.
        DbConnection::Sqlite(lite) => lite
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|a| a.len())
            .map_err(|e| StoreError::Migration(e.to_string()))?,
    };
    Ok(applied)
}

/// The PostgreSQL advisory lock migrations hold ("coregrp" in ASCII).
const MIGRATION_LOCK: i64 = 0x0063_6f72_6567_7270;

/// A fresh random id for a new row.
/// Refreshes the query planner's statistics after a bulk load (the demo), so that the first
/// queries do not plan for empty tables.
pub fn refresh_statistics(conn: &mut DbConnection) -> Result<(), StoreError> {
    use diesel::RunQueryDsl;
    diesel::sql_query("ANALYZE").execute(conn)?;
    Ok(())
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The current instant as stored: UTC, microsecond precision (both backends keep microseconds).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}

pub use connection::{BackupError, BackupReport, RestoreReport};

/// The versions of the SQLite migrations this program carries, as diesel records them.
fn sqlite_migration_versions() -> Result<Vec<String>, BackupError> {
    use diesel::migration::MigrationSource;
    let migrations = MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
        .map_err(|e| BackupError(format!("the embedded migrations cannot be read: {e}")))?;
    Ok(migrations
        .iter()
        .map(|m| m.name().version().to_string())
        .collect())
}

/// `coregroup backup`: a consistent copy of a running SQLite database in a new file.
pub fn backup(url: &DatabaseUrl, to: &std::path::Path) -> Result<BackupReport, BackupError> {
    connection::backup_sqlite(url, to, &sqlite_migration_versions()?)
}

/// `coregroup restore`: a backup put in place of an SQLite database no process is using.
pub fn restore(url: &DatabaseUrl, from: &std::path::Path) -> Result<RestoreReport, BackupError> {
    connection::restore_sqlite(url, from, &sqlite_migration_versions()?)
}
