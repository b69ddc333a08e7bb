//! Helpers for the handlers that still wrap a transaction of their own (meetings, minutes,
//! actions, reviews, oversight, reports); they go once those handlers call one service each.

use actix_web::HttpRequest;
use chrono::NaiveDate;

use super::error::ApiError;
use super::extract::{client_address, Caller};
use super::AppState;
use crate::services::status::RuleInputs;
use crate::services::AuditAction;
use crate::services::{read_logged, today, write_logged, Requester, ServiceError};
use crate::store::owners::{child_of as child_of_record, Record};
use crate::store::settings as stored_settings;

/// The calendars in force, the policy and the zone: what the rules are applied with.
pub(super) async fn rule_inputs(state: &AppState) -> Result<RuleInputs, ApiError> {
    Ok(RuleInputs {
        in_force: state.calendars.current().await?,
        policy: state.store.read(stored_settings::policy).await?,
        tz: state.timezone,
    })
}

pub(super) fn requester(req: &HttpRequest, state: &AppState, caller: Caller) -> Requester {
    Requester {
        user: caller.0,
        address: client_address(req, state.trust_forwarded_for),
    }
}

/// The child a plan belongs to (for logging a refusal against the right child).
/// The child a record named in the request is about (`None`: no such record).
pub(super) async fn child_of(state: &AppState, record: Record) -> Result<Option<String>, ApiError> {
    Ok(state
        .store
        .read(move |c| child_of_record(c, &record))
        .await?)
}

/// A read about one record: its child is found first (no such record: `404`), and the read —
/// or its refusal — is logged against that child.
pub(super) async fn read_about<T, F>(
    state: &AppState,
    who: &Requester,
    record: Record,
    action: AuditAction,
    resource: String,
    f: F,
) -> Result<T, ApiError>
where
    F: FnOnce(&mut crate::store::DbConnection) -> Result<T, ServiceError> + Send + 'static,
    T: Send + 'static,
{
    // A missing record goes the same way as a hidden one (the service answers 404 for
    // both), so that neither the answer nor the time it takes tells them apart.
    let child_id = child_of(state, record).await?;
    Ok(read_logged(&state.store, who, action, child_id.as_deref(), resource, f).await?)
}

/// A write about one record, in one transaction; a refusal is logged against its child.
pub(super) async fn write_about<T, F>(
    state: &AppState,
    who: &Requester,
    record: Record,
    action: AuditAction,
    f: F,
) -> Result<T, ApiError>
where
    F: FnOnce(&mut crate::store::DbConnection) -> Result<T, ServiceError> + Send + 'static,
    T: Send + 'static,
{
    let child_id = child_of(state, record).await?;
    Ok(write_logged(&state.store, who, action, child_id.as_deref(), f).await?)
}

/// A write about one plan: the plan's child is found first, so that a refusal is logged
/// against the right child; `f` gets the requester, the plan id and today.
pub(super) async fn write_for_plan<T, F>(
    state: &AppState,
    req: &HttpRequest,
    caller: Caller,
    plan_id: String,
    action: AuditAction,
    f: F,
) -> Result<T, ApiError>
where
    F: FnOnce(
            &mut crate::store::DbConnection,
            &Requester,
            &str,
            NaiveDate,
        ) -> Result<T, ServiceError>
        + Send
        + 'static,
    T: Send + 'static,
{
    let who = requester(req, state, caller);
    let day = today(state.timezone);
    let w = who.clone();
    write_about(
        state,
        &who,
        Record::Plan(plan_id.clone()),
        action,
        move |c| f(c, &w, &plan_id, day),
    )
    .await
}
