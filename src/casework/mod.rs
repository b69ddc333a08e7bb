//! Casework: the services behind the case routes. Each call authorises the caller against
//! the child (through `access`), does the work in one transaction, and writes the access log.

pub mod actions;
pub mod children;
pub mod dashboard;
pub mod meetings;
pub mod minutes;
pub mod oversight;
pub mod reports;
pub mod sightings;
pub mod status;

use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;

use crate::access::{self, CaseAccess, CaseAction};
use crate::domain::records::local_date;
use crate::domain::rules::RuleError;
use crate::store::access_log::{self, NewEntry};
use crate::store::accounts::User;
use crate::store::cases::{self as case_store, Child};
use crate::store::{DbConnection, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// No such child, or one the caller has no relationship with: the same answer.
    #[error("no such resource")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("{0}")]
    Conflict(String),
    /// The write was based on a version someone else has since changed (`If-Match`).
    #[error("{0}")]
    Stale(String),
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::domain::calendar::CalendarError> for CaseError {
    fn from(e: crate::domain::calendar::CalendarError) -> CaseError {
        CaseError::Rule(RuleError::Calendar(e))
    }
}

pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> CaseError {
    CaseError::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Who is asking, and from where (for the access log).
#[derive(Debug, Clone)]
pub struct Requester {
    pub user: User,
    pub address: String,
}

/// Today in the service's zone: the date access is decided on.
pub fn today(tz: Tz) -> NaiveDate {
    local_date(tz, Utc::now())
}

/// Finds the child and checks the caller may do `action`; an unknown child and a hidden one
/// answer alike.
pub fn authorise(
    conn: &mut DbConnection,
    requester: &Requester,
    child_id: &str,
    action: CaseAction,
    today: NaiveDate,
) -> Result<Child, CaseError> {
    authorise_with_plans(conn, requester, child_id, action, today).map(|(child, _)| child)
}

/// [`authorise`], answering the child's plans too (loaded for the decision anyway).
pub fn authorise_with_plans(
    conn: &mut DbConnection,
    requester: &Requester,
    child_id: &str,
    action: CaseAction,
    today: NaiveDate,
) -> Result<(Child, Vec<case_store::Plan>), CaseError> {
    let child = case_store::get_child(conn, child_id)?;
    let plans = match &child {
        Some(_) => case_store::plans_of_child(conn, child_id)?,
        None => Vec::new(),
    };
    let rel = match &child {
        Some(_) => case_store::relationship_with_plans(conn, &requester.user, &plans, today)?,
        None => access::Relationship::default(),
    };
    match (child, access::case_access(&requester.user, &rel, action)) {
        (Some(child), CaseAccess::Allowed) => Ok((child, plans)),
        (Some(_), CaseAccess::Forbidden) => Err(CaseError::Forbidden(format!(
            "your role ({}) may not do this for this child",
            requester.user.role
        ))),
        _ => Err(CaseError::NotFound),
    }
}

/// Whether a caller may also do `action` for a child (a second question after a first
/// authorisation; no error when the answer is no).
pub fn may(
    conn: &mut DbConnection,
    requester: &Requester,
    child_id: &str,
    action: CaseAction,
    today: NaiveDate,
) -> Result<bool, CaseError> {
    match authorise(conn, requester, child_id, action, today) {
        Ok(_) => Ok(true),
        Err(CaseError::Forbidden(_) | CaseError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Writes one access-log line.
pub fn log(
    conn: &mut DbConnection,
    requester: &Requester,
    action: &str,
    child_id: Option<&str>,
    resource: &str,
    outcome: &str,
) -> Result<(), StoreError> {
    access_log::append(
        conn,
        &NewEntry {
            user_id: &requester.user.id,
            role: requester.user.role.as_str(),
            action,
            child_id,
            resource,
            address: &requester.address,
            outcome,
        },
    )
}

/// Logs one read that showed many children (a dashboard, a list, a report): one entry, with
/// every child it named, so that each child's access log shows it.
pub async fn log_read_of_children(
    store: &Store,
    requester: &Requester,
    action: &'static str,
    resource: String,
    children: Vec<String>,
) -> Result<(), StoreError> {
    let requester = requester.clone();
    store
        .write(move |c| {
            access_log::append_for_children(
                c,
                &NewEntry {
                    user_id: &requester.user.id,
                    role: requester.user.role.as_str(),
                    action,
                    child_id: None,
                    resource: &resource,
                    address: &requester.address,
                    outcome: "ok",
                },
                &children,
            )
        })
        .await
}

/// Runs a read of a child's record on a reader connection, then writes it to the access log
/// (on a writer: a replica is read-only). A refusal is logged as a refusal; a read the log
/// cannot record fails, so that no read goes unlogged.
pub async fn read_logged<T, F>(
    store: &Store,
    requester: &Requester,
    action: &'static str,
    child_id: &str,
    resource: String,
    f: F,
) -> Result<T, CaseError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, CaseError> + Send + 'static,
    T: Send + 'static,
{
    let answer = store.read(move |c| Ok(f(c))).await?;
    match answer {
        Ok(value) => {
            let (requester, child_id) = (requester.clone(), child_id.to_string());
            store
                .write(move |c| log(c, &requester, action, Some(&child_id), &resource, "ok"))
                .await?;
            Ok(value)
        }
        Err(e) => {
            log_refusal(store, requester, action, child_id, &resource, &e).await;
            Err(e)
        }
    }
}

/// Runs a write in one transaction (which logs its own success); a refusal is rolled back
/// and then logged on its own.
pub async fn write_logged<T, F>(
    store: &Store,
    requester: &Requester,
    action: &'static str,
    child_id: Option<&str>,
    f: F,
) -> Result<T, CaseError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, CaseError> + Send + 'static,
    T: Send + 'static,
{
    // A refusal is an error the transaction sees, so that it rolls back.
    let answer = store
        .write_with(move |c| f(c).map_err(|e| WriteFailure::from(Refused(e))))
        .await;
    match answer {
        Ok(value) => Ok(value),
        Err(WriteFailure::Refused(Refused(e))) => {
            if let Some(child_id) = child_id {
                log_refusal(store, requester, action, child_id, action, &e).await;
            }
            Err(e)
        }
        Err(WriteFailure::Store(e)) => Err(e.into()),
    }
}

/// A case refusal carried through a store transaction.
#[derive(Debug)]
pub struct Refused(pub CaseError);

/// What a casework write transaction can end with.
#[derive(Debug)]
pub enum WriteFailure {
    Refused(Refused),
    Store(StoreError),
}

impl From<diesel::result::Error> for WriteFailure {
    fn from(e: diesel::result::Error) -> WriteFailure {
        WriteFailure::Store(e.into())
    }
}

impl From<StoreError> for WriteFailure {
    fn from(e: StoreError) -> WriteFailure {
        WriteFailure::Store(e)
    }
}

impl From<Refused> for WriteFailure {
    fn from(r: Refused) -> WriteFailure {
        match r.0 {
            CaseError::Store(e) => WriteFailure::Store(e),
            other => WriteFailure::Refused(Refused(other)),
        }
    }
}

/// Logs a refusal on its own (the refused request's transaction, if any, is rolled back).
pub async fn log_refusal(
    store: &Store,
    requester: &Requester,
    action: &str,
    child_id: &str,
    resource: &str,
    error: &CaseError,
) {
    let outcome = match error {
        CaseError::NotFound => "not_found",
        CaseError::Forbidden(_) => "forbidden",
        _ => return,
    };
    let (requester, action, child_id, resource) = (
        requester.clone(),
        action.to_string(),
        child_id.to_string(),
        resource.to_string(),
    );
    if let Err(e) = store
        .write(move |c| log(c, &requester, &action, Some(&child_id), &resource, outcome))
        .await
    {
        tracing::error!(error = %e, "could not write a refusal to the access log");
    }
}
