//! Actions of a plan (from a meeting or the plan itself), their owners' progress notes, and
//! review conferences.

use chrono::NaiveDate;

use super::children::plan_for;
use super::AuditAction;
use super::{invalid, log, may_on_plan, Requester, ServiceError};
use crate::access::CaseAction;
use crate::domain::case::{EndReason, MAX_TEXT_CHARS};
use crate::domain::records::{ActionStatus, ReviewOutcome};
use crate::store::actions::{self as store, Action, NewAction, ProgressNote, Review};
use crate::store::cases::{self as case_store, Plan};
use crate::store::meetings as meeting_store;
use crate::store::DbConnection;

/// The longest an action's description may be.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;

fn check_text(field: &str, text: &str, max: usize) -> Result<(), ServiceError> {
    if text.trim().is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if text.chars().count() > max {
        return Err(invalid(field, format!("is longer than {max} characters")));
    }
    Ok(())
}

/// The agency `user_id` represents on the plan's core group on `on`, if a member then.
fn member_agency(
    conn: &mut DbConnection,
    plan: &Plan,
    user_id: &str,
    on: NaiveDate,
) -> Result<Option<String>, ServiceError> {
    Ok(case_store::members_of_plan(conn, &plan.id)?
        .into_iter()
        .find(|m| m.user_id == user_id && m.is_member_on(on))
        .map(|m| m.agency_id))
}

fn check_due(plan: &Plan, due_on: NaiveDate, today: NaiveDate) -> Result<(), ServiceError> {
    if due_on < plan.start_date {
        return Err(invalid("due_on", "is before the plan started"));
    }
    if due_on > today + chrono::Days::new(2 * 366) {
        return Err(invalid("due_on", "is more than two years ahead"));
    }
    Ok(())
}

pub struct NewActionInput {
    pub description: String,
    pub owner_id: String,
    pub due_on: NaiveDate,
    pub meeting_id: Option<String>,
}

/// `POST /plans/{id}/actions`.
pub fn create(
    conn: &mut DbConnection,
    requester: &Requester,
    plan_id: &str,
    input: &NewActionInput,
    today: NaiveDate,
) -> Result<Action, ServiceError> {
    let plan = plan_for(conn, requester, plan_id, CaseAction::LeadCoreGroup, today)?;
    if !plan.is_open_on(today) {
        return Err(invalid("plan_id", "the plan has ended"));
    }
    check_text("description", &input.description, MAX_DESCRIPTION_CHARS)?;
    // An action set at a meeting dates from the meeting (what a status "as at" a past
    // date shows); one set on the plan directly dates from today.
    let mut set_on = today;
    if let Some(meeting_id) = &input.meeting_id {
        let meeting = meeting_store::get(conn, meeting_id)?
            .filter(|m| m.plan_id == plan.id)
            .ok_or_else(|| invalid("meeting_id", "is not a meeting of this plan"))?;
        if meeting.held_on > today {
            return Err(invalid("meeting_id", "the meeting has not been held yet"));
        }
        set_on = meeting.held_on;
    }
    check_due(&plan, input.due_on, today)?;
    let agency_id = member_agency(conn, &plan, &input.owner_id, today)?.ok_or_else(|| {
        invalid(
            "owner_id",
            "is not a member of the core group; an action's owner is a member",
        )
    })?;
    let action = store::create(
        conn,
        &NewAction {
            plan_id: &plan.id,
            meeting_id: input.meeting_id.as_deref(),
            description: input.description.trim(),
            owner_id: &input.owner_id,
            agency_id: &agency_id,
            due_on: input.due_on,
            created_by: &requester.user.id,
            created_on: set_on,
        },
    )?;
    log(
        conn,
        requester,
        AuditAction::CreateAction,
        Some(&plan.child_id),
        &format!("action {}", action.id),
        "ok",
    )?;
    Ok(action)
}

/// Finds an action and authorises `Read` on its child.
fn find(
    conn: &mut DbConnection,
    requester: &Requester,
    action_id: &str,
    today: NaiveDate,
) -> Result<(Action, Plan), ServiceError> {
    let action = store::get(conn, action_id)?.ok_or(ServiceError::NotFound)?;
    let plan = plan_for(conn, requester, &action.plan_id, CaseAction::Read, today)?;
    Ok((action, plan))
}

/// `GET /actions/{id}`: the action, its progress notes and its child.
pub fn read(
    conn: &mut DbConnection,
    requester: &Requester,
    action_id: &str,
    today: NaiveDate,
) -> Result<(Action, Vec<ProgressNote>, String), ServiceError> {
    let (action, plan) = find(conn, requester, action_id, today)?;
    let notes = store::progress_of(conn, action_id)?;
    Ok((action, notes, plan.child_id))
}

/// `GET /plans/{id}/actions`.
pub fn of_plan(
    conn: &mut DbConnection,
    requester: &Requester,
    plan_id: &str,
    today: NaiveDate,
) -> Result<Vec<Action>, ServiceError> {
    let plan = plan_for(conn, requester, plan_id, CaseAction::Read, today)?;
    Ok(store::of_plan(conn, &plan.id)?)
}

/// What a change to an action asks for; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct ActionChange {
    pub description: Option<String>,
    pub owner_id: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub status: Option<ActionStatus>,
}

/// `PATCH /actions/{id}`: the owner marks their action done (or open again); the lead social
/// worker, the team or the plan's CP chair may also change what it is, who owns it, when it
/// is due, or cancel it. Applies only to the version the caller read. Answers the action
/// and its child.
pub fn change(
    conn: &mut DbConnection,
    requester: &Requester,
    action_id: &str,
    version: i32,
    change: &ActionChange,
    today: NaiveDate,
) -> Result<(Action, String), ServiceError> {
    let (action, plan) = find(conn, requester, action_id, today)?;
    let lead = may_on_plan(conn, requester, &plan, CaseAction::LeadCoreGroup, today)?;
    let owner = action.owner_id == requester.user.id;
    if !lead && !owner {
        return Err(ServiceError::Forbidden(
            "an action is changed by its owner or by the lead social worker".into(),
        ));
    }
    let reshapes = change.description.is_some()
        || change.owner_id.is_some()
        || change.due_on.is_some()
        || change.status == Some(ActionStatus::Cancelled);
    if !lead && reshapes {
        return Err(ServiceError::Forbidden(
            "an owner marks their action done or open; what it is, who owns it, when it is \
             due and cancelling it are for the lead social worker or CP chair"
                .into(),
        ));
    }
    if action.version != version {
        return Err(ServiceError::Stale(format!(
            "this action changed since you read it (now version {}); reload it and make \
             your change again",
            action.version
        )));
    }
    let mut next = action.clone();
    if let Some(description) = &change.description {
        check_text("description", description, MAX_DESCRIPTION_CHARS)?;
        next.description = description.trim().to_string();
    }
    if let Some(owner_id) = &change.owner_id {
        next.agency_id = member_agency(conn, &plan, owner_id, today)?
            .ok_or_else(|| invalid("owner_id", "is not a member of the core group"))?;
        next.owner_id = owner_id.clone();
    }
    if let Some(due_on) = change.due_on {
        check_due(&plan, due_on, today)?;
        next.due_on = due_on;
    }
    if let Some(status) = change.status {
        if status != action.status {
            next.status = status;
            next.closed_on = match status {
                ActionStatus::Open => None,
                ActionStatus::Done | ActionStatus::Cancelled => Some(today),
            };
        }
    }
    next.version = action.version + 1;
    if !store::update(conn, &next)? {
        let now_at = store::get(conn, action_id)?.map(|a| a.version).unwrap_or(0);
        return Err(ServiceError::Stale(format!(
            "this action changed since you read it (now version {now_at}); reload it and \
             make your change again"
        )));
    }
    log(
        conn,
        requester,
        AuditAction::ChangeAction,
        Some(&plan.child_id),
        &format!("action {action_id}"),
        "ok",
    )?;
    let changed = store::get(conn, action_id)?.ok_or(ServiceError::NotFound)?;
    Ok((changed, plan.child_id))
}

/// `POST /actions/{id}/progress`: a dated progress note by the action's owner.
pub fn add_progress(
    conn: &mut DbConnection,
    requester: &Requester,
    action_id: &str,
    note: &str,
    today: NaiveDate,
) -> Result<ProgressNote, ServiceError> {
    let (action, plan) = find(conn, requester, action_id, today)?;
    if action.owner_id != requester.user.id {
        return Err(ServiceError::Forbidden(
            "progress notes are written by the action's owner".into(),
        ));
    }
    check_text("note", note, MAX_TEXT_CHARS)?;
    let written = store::add_progress(conn, action_id, &requester.user.id, note.trim())?;
    log(
        conn,
        requester,
        AuditAction::AddActionProgress,
        Some(&plan.child_id),
        &format!("action {action_id}"),
        "ok",
    )?;
    Ok(written)
}

/// `GET /me/actions`: the caller's actions across every plan they still work with (an
/// action on a plan they no longer have any part in is not shown).
pub fn mine(
    conn: &mut DbConnection,
    requester: &Requester,
    today: NaiveDate,
) -> Result<Vec<(Action, String)>, ServiceError> {
    let mut readable: Vec<(String, bool)> = Vec::new();
    let mut out = Vec::new();
    for (action, child_id) in store::of_owner(conn, &requester.user.id)? {
        let allowed = match readable.iter().find(|(p, _)| *p == action.plan_id) {
            Some((_, allowed)) => *allowed,
            None => {
                let allowed = match super::authorise_plan(
                    conn,
                    requester,
                    &action.plan_id,
                    CaseAction::Read,
                    today,
                ) {
                    Ok(_) => true,
                    Err(ServiceError::NotFound | ServiceError::Forbidden(_)) => false,
                    Err(e) => return Err(e),
                };
                readable.push((action.plan_id.clone(), allowed));
                allowed
            }
        };
        if allowed {
            out.push((action, child_id));
        }
    }
    Ok(out)
}

pub struct ReviewInput {
    pub held_on: NaiveDate,
    pub outcome: ReviewOutcome,
    pub end_reason: Option<EndReason>,
    pub notes: Option<String>,
}

/// `POST /plans/{id}/reviews`: a review conference held; when the plan ends there (a step
/// down to child in need, by default) the plan ends on that date. Answers the plan as it now
/// stands and all its reviews.
pub fn record_review(
    conn: &mut DbConnection,
    requester: &Requester,
    plan_id: &str,
    input: &ReviewInput,
    today: NaiveDate,
) -> Result<(Plan, Vec<Review>), ServiceError> {
    let plan = plan_for(conn, requester, plan_id, CaseAction::LeadCoreGroup, today)?;
    if input.held_on < plan.start_date {
        return Err(invalid("held_on", "is before the plan started"));
    }
    if input.held_on > today {
        return Err(invalid(
            "held_on",
            "is in the future; record a review once held",
        ));
    }
    if let Some(end) = plan.end_date {
        return Err(invalid(
            "plan_id",
            format!("the plan ended on {end}; a review is held while it is open"),
        ));
    }
    if let Some(notes) = &input.notes {
        if notes.chars().count() > MAX_TEXT_CHARS {
            return Err(invalid("notes", "is too long"));
        }
    }
    let reason = match (input.outcome, input.end_reason) {
        (ReviewOutcome::PlanContinues, Some(_)) => {
            return Err(invalid("end_reason", "is given only when the plan ends"))
        }
        (ReviewOutcome::PlanContinues, None) => None,
        (ReviewOutcome::PlanEnds, reason) => Some(reason.unwrap_or(EndReason::StepDownToCin)),
    };
    let review = store::create_review(
        conn,
        &plan.id,
        input.held_on,
        input.outcome,
        input.notes.as_deref(),
        &requester.user.id,
    )?;
    if let Some(reason) = reason {
        case_store::end_plan(conn, &plan.id, input.held_on, reason)?;
    }
    log(
        conn,
        requester,
        AuditAction::RecordReview,
        Some(&plan.child_id),
        &format!("review {}", review.id),
        "ok",
    )?;
    let plan = case_store::get_plan(conn, &plan.id)?.ok_or(ServiceError::NotFound)?;
    let reviews = store::reviews_of_plan(conn, &plan.id)?;
    Ok((plan, reviews))
}

/// `GET /plans/{id}/reviews`.
pub fn reviews(
    conn: &mut DbConnection,
    requester: &Requester,
    plan_id: &str,
    today: NaiveDate,
) -> Result<(Plan, Vec<Review>), ServiceError> {
    let plan = plan_for(conn, requester, plan_id, CaseAction::Read, today)?;
    let reviews = store::reviews_of_plan(conn, plan_id)?;
    Ok((plan, reviews))
}
