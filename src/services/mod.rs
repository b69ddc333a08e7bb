//! The services: one function per use case. Each authorises the caller (through `access`),
//! does the work in one transaction, writes the access log and answers a typed result or one
//! `ServiceError`. The JSON API (and the web pages) are thin faces over them.

pub mod actions;
pub mod admin;
pub mod audit_action;
pub mod children;
pub mod dashboard;
pub mod meetings;
pub mod minutes;
pub mod oversight;
pub mod reports;
pub mod reviews;
pub mod settings;
pub mod sightings;
pub mod status;
mod ties;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

pub use audit_action::AuditAction;
use ties::relationship_with_plans;

use crate::access::{self, CaseAccess, CaseAction};
use crate::domain::ids::PlanId;
use crate::domain::people::User;
use crate::domain::records::local_date;
use crate::domain::rules::RuleError;
use crate::store::access_log::{self, NewEntry};
use crate::store::cases::{self as case_store, Child};
use crate::store::owners::{child_of, Record};
/// The store's error, which a service error may carry (and the API maps).
pub use crate::store::StoreError;
use crate::store::{DbConnection, Store};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
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
    /// Several fields not acceptable at once, each named (a policy change with more than one
    /// value out of bounds); nothing was changed.
    #[error("{}", .0.iter().map(|p| format!("{}: {}", p.field, p.reason)).collect::<Vec<_>>().join("; "))]
    InvalidFields(Vec<FieldProblem>),
    /// Too much password hashing under way: the request was not evaluated and nothing was
    /// done; it may be sent again after the wait.
    #[error(
        "the server is busy checking other passwords; try again in {retry_after_seconds} seconds"
    )]
    Busy { retry_after_seconds: i64 },
}

/// One field that is not acceptable, and why (see [`ServiceError::InvalidFields`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub reason: String,
}

impl From<crate::domain::calendar::CalendarError> for ServiceError {
    fn from(e: crate::domain::calendar::CalendarError) -> ServiceError {
        ServiceError::Rule(RuleError::Calendar(e))
    }
}

impl From<crate::auth::hashing::HashingError> for ServiceError {
    fn from(e: crate::auth::hashing::HashingError) -> ServiceError {
        match e {
            crate::auth::hashing::HashingError::Busy {
                retry_after_seconds,
            } => ServiceError::Busy {
                retry_after_seconds,
            },
            crate::auth::hashing::HashingError::Blocking(why) => {
                ServiceError::Store(StoreError::Blocking(why))
            }
        }
    }
}

pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> ServiceError {
    ServiceError::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

/// The two times a status or report is asked at (domain.md §3): the date it is about and
/// the moment of knowledge it is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsAt {
    pub as_of: NaiveDate,
    /// To the microsecond, as the store keeps times.
    pub known_at: DateTime<Utc>,
    /// `known_at` was asked for: computed from the records as they stood then. When not, it
    /// is the moment of the question and the fast path (the projection) answers.
    pub asked: bool,
}

impl AsAt {
    /// "2026-01-16T23:59:59.000000Z": how every answer echoes `known_at`.
    pub fn known_at_text(&self) -> String {
        self.known_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }

    /// "as of 2026-01-16 known at …", for the access log.
    pub fn describe(&self) -> String {
        format!("as of {} known at {}", self.as_of, self.known_at_text())
    }
}

/// Who is asking, and from where (for the access log).
#[derive(Debug, Clone)]
pub struct Requester {
    pub user: User,
    pub address: String,
}

/// What every service works with: the store, the calendars in force and the service's zone.
/// The JSON API (and the web pages) hold one and pass it to each service call.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub calendars: crate::calendars::CalendarBook,
    pub timezone: Tz,
}

impl Services {
    pub fn new(store: Store, calendars: crate::calendars::CalendarBook, timezone: Tz) -> Services {
        Services {
            store,
            calendars,
            timezone,
        }
    }

    /// Today in the service's zone: the date access is decided on.
    pub fn today(&self) -> NaiveDate {
        today(self.timezone)
    }

    /// The zone and the time now, which every new record is checked against.
    pub fn clock(&self) -> sightings::Clock {
        sightings::Clock {
            tz: self.timezone,
            now: Utc::now(),
        }
    }

    /// The calendars in force, the policy and the zone: what the rules are applied with.
    pub async fn rule_inputs(&self) -> Result<status::RuleInputs, ServiceError> {
        Ok(status::RuleInputs {
            in_force: self.calendars.current().await?,
            policy: self.store.read(crate::store::settings::policy).await?,
            tz: self.timezone,
        })
    }

    /// The settings and calendars as they stood at `at.known_at` (those in force now when
    /// `known_at` was not asked for).
    pub async fn rule_inputs_at(&self, at: &AsAt) -> Result<status::RuleInputs, ServiceError> {
        if !at.asked {
            return self.rule_inputs().await;
        }
        Ok(status::RuleInputs {
            in_force: self.calendars.known_at(at.known_at.naive_utc()).await?,
            policy: self.policy_at(at).await?,
            tz: self.timezone,
        })
    }

    /// The rule settings alone, as they stood at `at.known_at` (those in force now when
    /// `known_at` was not asked for), for the answers that need no calendar.
    pub async fn policy_at(
        &self,
        at: &AsAt,
    ) -> Result<crate::domain::policy::Policy, ServiceError> {
        let known_at = at.known_at.naive_utc();
        let asked = at.asked;
        Ok(self
            .store
            .read(move |c| {
                if asked {
                    crate::store::settings::policy_known_at(c, known_at)
                } else {
                    crate::store::settings::policy(c)
                }
            })
            .await?)
    }

    /// The two times of a question (domain.md §3): `as_of` (default today) and `known_at`
    /// (default now). A `known_at` in the future is refused: what will be known then is not
    /// known yet, so the answer could not be given again.
    pub fn as_at(
        &self,
        as_of: Option<NaiveDate>,
        known_at: Option<DateTime<Utc>>,
    ) -> Result<AsAt, ServiceError> {
        use chrono::SubsecRound;
        let now = Utc::now().trunc_subsecs(6);
        let (known_at, asked) = match known_at {
            Some(k) if k.trunc_subsecs(6) > now => {
                return Err(invalid(
                    "known_at",
                    "is in the future; ask about what was known up to now",
                ))
            }
            Some(k) => (k.trunc_subsecs(6), true),
            None => (now, false),
        };
        Ok(AsAt {
            as_of: as_of.unwrap_or_else(|| self.today()),
            known_at,
            asked,
        })
    }

    /// The child a record named in a request is about (`None`: no such record).
    async fn child_of(&self, record: Record) -> Result<Option<String>, ServiceError> {
        Ok(self.store.read(move |c| child_of(c, &record)).await?)
    }

    /// A read about one record, logged against its child — or its refusal. A missing record
    /// goes the same way as a hidden one (the work answers 404 for both), so that neither the
    /// answer nor the time it takes tells them apart.
    pub(crate) async fn read_about<T, F>(
        &self,
        who: &Requester,
        record: Record,
        action: AuditAction,
        resource: String,
        f: F,
    ) -> Result<T, ServiceError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ServiceError> + Send + 'static,
        T: Send + 'static,
    {
        let child_id = self.child_of(record).await?;
        read_logged(&self.store, who, action, child_id.as_deref(), resource, f).await
    }

    /// A write about one record, in one transaction; a refusal is logged against its child.
    pub(crate) async fn write_about<T, F>(
        &self,
        who: &Requester,
        record: Record,
        action: AuditAction,
        f: F,
    ) -> Result<T, ServiceError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ServiceError> + Send + 'static,
        T: Send + 'static,
    {
        let child_id = self.child_of(record).await?;
        write_logged(&self.store, who, action, child_id.as_deref(), f).await
    }

    /// A write about one plan; `f` gets the requester, the plan id and today.
    pub(crate) async fn write_for_plan<T, F>(
        &self,
        who: &Requester,
        plan_id: PlanId,
        action: AuditAction,
        f: F,
    ) -> Result<T, ServiceError>
    where
        F: FnOnce(&mut DbConnection, &Requester, &str, NaiveDate) -> Result<T, ServiceError>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let day = self.today();
        let w = who.clone();
        self.write_about(
            who,
            Record::Plan(plan_id.as_str().to_owned()),
            action,
            move |c| f(c, &w, plan_id.as_str(), day),
        )
        .await
    }
}

/// Today in the service's zone: the date access is decided on.
pub fn today(tz: Tz) -> NaiveDate {
    local_date(tz, Utc::now())
}

/// Finds the child and checks the caller may do `action` to its record as a whole; an
/// unknown child and a hidden one answer alike, after the same queries (so that the time
/// taken does not tell them apart either).
pub fn authorise(
    conn: &mut DbConnection,
    requester: &Requester,
    child_id: &str,
    action: CaseAction,
    today: NaiveDate,
) -> Result<Child, ServiceError> {
    authorise_with_plans(conn, requester, child_id, action, today).map(|(child, _)| child)
}

/// [`authorise`], answering the child's plans too (loaded for the decision anyway).
///
/// Reading the record counts ties to every plan of the child; recording a contact, which
/// lands on the plan open today, counts ties to that plan alone (`access::CaseAction::
/// counts_ended_plans`). Decisions about one plan are [`authorise_plan`]'s.
pub fn authorise_with_plans(
    conn: &mut DbConnection,
    requester: &Requester,
    child_id: &str,
    action: CaseAction,
    today: NaiveDate,
) -> Result<(Child, Vec<case_store::Plan>), ServiceError> {
    // The same three queries whether or not the child exists.
    let child = case_store::get_child(conn, child_id)?;
    let plans = case_store::plans_of_child(conn, child_id)?;
    let in_scope: Vec<case_store::Plan> = plans
        .iter()
        .filter(|p| action.counts_ended_plans() || p.is_open_on(today))
        .cloned()
        .collect();
    let rel = relationship_with_plans(conn, &requester.user, &in_scope, today)?;
    match (child, access::case_access(&requester.user, &rel, action)) {
        (Some(child), CaseAccess::Allowed) => Ok((child, plans)),
        (Some(_), CaseAccess::Forbidden) => Err(forbidden_for_child(requester)),
        _ => Err(ServiceError::NotFound),
    }
}

fn forbidden_for_child(requester: &Requester) -> ServiceError {
    ServiceError::Forbidden(format!(
        "your role ({}) may not do this for this child",
        requester.user.role
    ))
}

/// Finds a plan and checks the caller may do `action` on **that plan**, by their ties to it
/// alone: its lead social worker, its team, its CP chair, its cover and its members on the
/// day. Ties to another plan of the same child — an earlier, ended one above all — give no
/// authority over this one. A missing plan and a hidden one answer alike, after the same
/// queries.
pub fn authorise_plan(
    conn: &mut DbConnection,
    requester: &Requester,
    plan_id: &str,
    action: CaseAction,
    today: NaiveDate,
) -> Result<case_store::Plan, ServiceError> {
    let plan = case_store::get_plan(conn, plan_id)?;
    let rel = relationship_with_plans(conn, &requester.user, plan.as_slice(), today)?;
    match (plan, access::case_access(&requester.user, &rel, action)) {
        (Some(plan), CaseAccess::Allowed) => Ok(plan),
        (Some(_), CaseAccess::Forbidden) => Err(forbidden_for_child(requester)),
        _ => Err(ServiceError::NotFound),
    }
}

/// [`authorise_plan`] for a plan already loaded.
pub fn authorise_on_plan(
    conn: &mut DbConnection,
    requester: &Requester,
    plan: &case_store::Plan,
    action: CaseAction,
    today: NaiveDate,
) -> Result<(), ServiceError> {
    let rel = relationship_with_plans(conn, &requester.user, std::slice::from_ref(plan), today)?;
    match access::case_access(&requester.user, &rel, action) {
        CaseAccess::Allowed => Ok(()),
        CaseAccess::Forbidden => Err(forbidden_for_child(requester)),
        CaseAccess::Hidden => Err(ServiceError::NotFound),
    }
}

/// Whether a caller may also do `action` for a child's record as a whole (a second question
/// after a first authorisation; no error when the answer is no).
pub fn may(
    conn: &mut DbConnection,
    requester: &Requester,
    child_id: &str,
    action: CaseAction,
    today: NaiveDate,
) -> Result<bool, ServiceError> {
    no_is_false(authorise(conn, requester, child_id, action, today).map(|_| ()))
}

/// Whether a caller may also do `action` on one plan (no error when the answer is no).
pub fn may_on_plan(
    conn: &mut DbConnection,
    requester: &Requester,
    plan: &case_store::Plan,
    action: CaseAction,
    today: NaiveDate,
) -> Result<bool, ServiceError> {
    no_is_false(authorise_on_plan(conn, requester, plan, action, today))
}

fn no_is_false(answer: Result<(), ServiceError>) -> Result<bool, ServiceError> {
    match answer {
        Ok(()) => Ok(true),
        Err(ServiceError::Forbidden(_) | ServiceError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Writes one access-log line.
pub fn log(
    conn: &mut DbConnection,
    requester: &Requester,
    action: AuditAction,
    child_id: Option<&str>,
    resource: &str,
    outcome: &str,
) -> Result<(), StoreError> {
    access_log::append(
        conn,
        &NewEntry {
            user_id: &requester.user.id,
            role: requester.user.role.as_str(),
            action: action.as_str(),
            child_id,
            resource,
            address: &requester.address,
            outcome,
        },
    )
}

/// Logs one read that showed many children (a dashboard, a list, a report): one entry, with
/// every child it named, so that each child's access log shows it.
/// Logs a read that found `children` for the caller; one that found none is the missing
/// record's answer, logged as a refusal (a thing none of whose children the caller may see
/// does not exist for them).
pub async fn log_read_of_found(
    store: &Store,
    requester: &Requester,
    action: AuditAction,
    resource: String,
    children: Vec<String>,
) -> Result<(), ServiceError> {
    if children.is_empty() {
        let refused = ServiceError::NotFound;
        log_refusal(store, requester, action, None, &resource, &refused).await;
        return Err(refused);
    }
    Ok(log_read_of_children(store, requester, action, resource, children).await?)
}

pub async fn log_read_of_children(
    store: &Store,
    requester: &Requester,
    action: AuditAction,
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
                    action: action.as_str(),
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
/// (on a writer: a replica is read-only). A refusal is logged as a refusal — against the
/// child when the record exists, without one when it does not (the same work either way, so
/// that neither the answer nor its time tells a hidden record from a missing one); a read the
/// log cannot record fails, so that no read goes unlogged.
pub async fn read_logged<T, F>(
    store: &Store,
    requester: &Requester,
    action: AuditAction,
    child_id: Option<&str>,
    resource: String,
    f: F,
) -> Result<T, ServiceError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ServiceError> + Send + 'static,
    T: Send + 'static,
{
    let answer = store.read(move |c| Ok(f(c))).await?;
    match answer {
        Ok(value) => {
            let (requester, child_id) = (requester.clone(), child_id.map(str::to_string));
            store
                .write(move |c| log(c, &requester, action, child_id.as_deref(), &resource, "ok"))
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
    action: AuditAction,
    child_id: Option<&str>,
    f: F,
) -> Result<T, ServiceError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ServiceError> + Send + 'static,
    T: Send + 'static,
{
    // A refusal is an error the transaction sees, so that it rolls back.
    let answer = store
        .write_with(move |c| f(c).map_err(|e| WriteFailure::from(Refused(e))))
        .await;
    match answer {
        Ok(value) => Ok(value),
        Err(WriteFailure::Refused(Refused(e))) => {
            log_refusal(store, requester, action, child_id, action.as_str(), &e).await;
            Err(e)
        }
        Err(WriteFailure::Store(e)) => Err(e.into()),
    }
}

/// A case refusal carried through a store transaction.
#[derive(Debug)]
pub struct Refused(pub ServiceError);

/// What a service write transaction can end with.
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
            ServiceError::Store(e) => WriteFailure::Store(e),
            other => WriteFailure::Refused(Refused(other)),
        }
    }
}

/// Logs a refusal on its own (the refused request's transaction, if any, is rolled back);
/// `child_id` is `None` when the request named no child that exists.
pub async fn log_refusal(
    store: &Store,
    requester: &Requester,
    action: AuditAction,
    child_id: Option<&str>,
    resource: &str,
    error: &ServiceError,
) {
    let outcome = match error {
        ServiceError::NotFound => "not_found",
        ServiceError::Forbidden(_) => "forbidden",
        _ => return,
    };
    let (requester, child_id, resource) = (
        requester.clone(),
        child_id.map(str::to_string),
        resource.to_string(),
    );
    if let Err(e) = store
        .write(move |c| {
            log(
                c,
                &requester,
                action,
                child_id.as_deref(),
                &resource,
                outcome,
            )
        })
        .await
    {
        tracing::error!(error = %e, "could not write a refusal to the access log");
    }
}

#[cfg(test)]
mod tests;
