//! The bank-holiday calendars in force: those an admin imported (stored in the database, so
//! every server instance agrees), else the one shipped with the binary. Cached per instance
//! and reloaded when the stored ones change.

use std::sync::{Arc, OnceLock, RwLock};

use chrono::NaiveDateTime;

use crate::domain::calendar::{Calendar, Calendars};
use crate::domain::feed::{self, FeedError};
use crate::store::calendars as stored;
use crate::store::{Store, StoreError};

/// Where a calendar in force came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Shipped,
    Imported {
        at: NaiveDateTime,
        by: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub struct InForce {
    pub calendars: Calendars,
    pub sources: Vec<(crate::domain::calendar::Region, Source)>,
}

impl InForce {
    pub fn source(&self, region: crate::domain::calendar::Region) -> Option<&Source> {
        self.sources
            .iter()
            .find(|(r, _)| *r == region)
            .map(|(_, s)| s)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Feed(#[from] FeedError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Version = Vec<(String, NaiveDateTime)>;
/// The calendars last loaded, with the stored version they were loaded at.
type Cache = Arc<RwLock<Option<(Version, Arc<InForce>)>>>;

#[derive(Clone)]
pub struct CalendarBook {
    store: Store,
    cache: Cache,
}

fn shipped() -> Result<&'static [Calendar], StoreError> {
    static SHIPPED: OnceLock<Result<Vec<Calendar>, FeedError>> = OnceLock::new();
    SHIPPED
        .get_or_init(feed::shipped)
        .as_ref()
        .map(Vec::as_slice)
        .map_err(|e| StoreError::Invalid(format!("the shipped calendar is unreadable: {e}")))
}

impl CalendarBook {
    pub fn new(store: Store) -> CalendarBook {
        CalendarBook {
            store,
            cache: Arc::new(RwLock::new(None)),
        }
    }

    /// The calendars in force now.
    pub async fn current(&self) -> Result<Arc<InForce>, StoreError> {
        let version = self.store.read(stored::version).await?;
        if let Ok(guard) = self.cache.read() {
            if let Some((cached, in_force)) = guard.as_ref() {
                if *cached == version {
                    return Ok(in_force.clone());
                }
            }
        }
        let rows = self.store.read(stored::load_all).await?;
        let in_force = Arc::new(combine(rows)?);
        if let Ok(mut guard) = self.cache.write() {
            *guard = Some((version, in_force.clone()));
        }
        Ok(in_force)
    }

    /// The calendars as they stood at `known_at` (domain.md §3): each region's import of
    /// then, else the shipped one. Read from the store each time: an audit question, not a
    /// hot path.
    pub async fn known_at(&self, known_at: NaiveDateTime) -> Result<Arc<InForce>, StoreError> {
        let rows = self
            .store
            .read(move |c| stored::load_known_at(c, known_at))
            .await?;
        Ok(Arc::new(combine(rows)?))
    }

    /// Checks a whole GOV.UK feed and stores every division it holds, or nothing.
    pub async fn import(
        &self,
        feed_text: String,
        imported_by: Option<String>,
    ) -> Result<Vec<Calendar>, ImportError> {
        let calendars = web_block(move || feed::parse_feed(&feed_text)).await??;
        let to_store = calendars.clone();
        self.store
            .write(move |c| stored::replace(c, &to_store, imported_by.as_deref()))
            .await?;
        Ok(calendars)
    }
}

async fn web_block<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StoreError> {
    actix_web::web::block(f)
        .await
        .map_err(|e| StoreError::Blocking(e.to_string()))
}

/// Imported calendars win; the shipped ones fill the regions nobody imported.
fn combine(rows: Vec<stored::StoredCalendar>) -> Result<InForce, StoreError> {
    let mut calendars = Vec::new();
    let mut sources = Vec::new();
    for row in rows {
        sources.push((
            row.calendar.region(),
            Source::Imported {
                at: row.imported_at,
                by: row.imported_by,
            },
        ));
        calendars.push(row.calendar);
    }
    for calendar in shipped()? {
        if !sources.iter().any(|(r, _)| *r == calendar.region()) {
            sources.push((calendar.region(), Source::Shipped));
            calendars.push(calendar.clone());
        }
    }
    sources.sort_by_key(|(r, _)| *r);
    Ok(InForce {
        calendars: Calendars::new(calendars),
        sources,
    })
}
