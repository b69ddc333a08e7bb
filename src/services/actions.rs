//! Actions of a plan (from a meeting or the plan itself) and their owners' progress notes.
//! (Review conferences are `reviews.rs`.)

use chrono::NaiveDate;

use super::children::plan_for;
use super::AuditAction;
use super::{invalid, log, log_read_of_children, may_on_plan, Requester, ServiceError, Services};
use crate::access::CaseAction;
use crate::domain::case::MAX_TEXT_CHARS;
use crate::domain::ids::{ActionId, PlanId};
use crate::domain::records::ActionStatus;
use crate::store::actions::{self as store, NewAction};
pub use crate::store::actions::{Action, ProgressNote};
use crate::store::cases::{self as case_store, Plan};
use crate::store::meetings as meeting_store;
use crate::store::owners::Record;
use crate::store::DbConnection;

/// An action as it stands on a day.
pub struct ActionOnDay {
    pub action: Action,
    /// Its child, when the answer names it.
    pub child_id: Option<String>,
    /// Open and past its due date on the day.
    pub overdue: bool,
}

/// Whether an action is open and past its due date on `day`.
pub fn is_overdue(action: &Action, day: NaiveDate) -> bool {
    action.status == ActionStatus::Open && day > action.due_on
}

fn on_day(action: Action, child_id: Option<String>, day: NaiveDate) -> ActionOnDay {
    ActionOnDay {
        overdue: is_overdue(&action, day),
        action,
        child_id,
    }
}

/// `POST /plans/{id}/actions`: an action for a member of the core group.
pub async fn create(
    svc: &Services,
    who: &Requester,
    plan_id: PlanId,
    input: NewActionInput,
) -> Result<ActionOnDay, ServiceError> {
    let day = svc.today();
    let action = svc
        .write_for_plan(
            who,
            plan_id,
            AuditAction::CreateAction,
            move |c, who, plan_id, day| create_in(c, who, plan_id, &input, day),
        )
        .await?;
    Ok(on_day(action, None, day))
}

/// `GET /plans/{id}/actions`: the plan's actions (as the store orders them: soonest due first).
pub async fn of_plan(
    svc: &Services,
    who: &Requester,
    plan_id: PlanId,
) -> Result<Vec<ActionOnDay>, ServiceError> {
    let (w, day, pid) = (who.clone(), svc.today(), plan_id.clone());
    let all = svc
        .read_about(
            who,
            Record::Plan(plan_id.as_str().to_owned()),
            AuditAction::ReadActions,
            format!("actions of plan {plan_id}"),
            move |c| of_plan_in(c, &w, pid.as_str(), day),
        )
        .await?;
    Ok(all.into_iter().map(|a| on_day(a, None, day)).collect())
}

/// `GET /actions/{id}`: an action, its child and its progress notes.
pub async fn read(
    svc: &Services,
    who: &Requester,
    action_id: ActionId,
) -> Result<(ActionOnDay, Vec<ProgressNote>), ServiceError> {
    let (w, day, aid) = (who.clone(), svc.today(), action_id.clone());
    let (action, notes, child) = svc
        .read_about(
            who,
            Record::Action(action_id.as_str().to_owned()),
            AuditAction::ReadAction,
            format!("action {action_id}"),
            move |c| read_in(c, &w, aid.as_str(), day),
        )
        .await?;
    Ok((on_day(action, Some(child), day), notes))
}

/// `PATCH /actions/{id}`: the owner marks it done; the lead social worker may change or
/// cancel it; only the `version` the caller read is changed.
pub async fn change(
    svc: &Services,
    who: &Requester,
    action_id: ActionId,
    version: i32,
    change: ActionChange,
) -> Result<ActionOnDay, ServiceError> {
    let (w, day) = (who.clone(), svc.today());
    let (action, child_id) = svc
        .write_about(
            who,
            Record::Action(action_id.as_str().to_owned()),
            AuditAction::ChangeAction,
            move |c| change_in(c, &w, action_id.as_str(), version, &change, day),
        )
        .await?;
    Ok(on_day(action, Some(child_id), day))
}

/// `POST /actions/{id}/progress`: a dated progress note by the action's owner.
pub async fn add_progress(
    svc: &Services,
    who: &Requester,
    action_id: ActionId,
    note: String,
) -> Result<ProgressNote, ServiceError> {
    let (w, day) = (who.clone(), svc.today());
    svc.write_about(
        who,
        Record::Action(action_id.as_str().to_owned()),
        AuditAction::AddActionProgress,
        move |c| add_progress_in(c, &w, action_id.as_str(), &note, day),
    )
    .await
}

/// `GET /me/actions`: the caller's actions across all their children — open and overdue
/// first, then open by due date, then the rest. Each child shown is a read of that child's
/// record, and is logged as one.
pub async fn mine(svc: &Services, who: &Requester) -> Result<Vec<ActionOnDay>, ServiceError> {
    let (w, day) = (who.clone(), svc.today());
    let mine = svc.store.read(move |c| Ok(mine_in(c, &w, day))).await??;
    let children: Vec<String> = {
        let mut ids: Vec<String> = mine.iter().map(|(_, c)| c.clone()).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    log_read_of_children(
        &svc.store,
        who,
        AuditAction::ReadMyActions,
        "my actions".into(),
        children,
    )
    .await?;
    let mut items: Vec<ActionOnDay> = mine
        .into_iter()
        .map(|(a, child)| on_day(a, Some(child), day))
        .collect();
    items.sort_by_key(|a| {
        (
            a.action.status != ActionStatus::Open,
            !a.overdue,
            a.action.due_on,
        )
    });
    Ok(items)
}

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

/// A new action on the plan, dated from its meeting (if any) or today.
fn create_in(
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

/// The action, its progress notes and its child.
fn read_in(
    conn: &mut DbConnection,
    requester: &Requester,
    action_id: &str,
    today: NaiveDate,
) -> Result<(Action, Vec<ProgressNote>, String), ServiceError> {
    let (action, plan) = find(conn, requester, action_id, today)?;
    let notes = store::progress_of(conn, action_id)?;
    Ok((action, notes, plan.child_id))
}

/// The plan's actions.
fn of_plan_in(
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

/// The owner marks their action done (or open again); the lead social worker, the team or
/// the plan's CP chair may also change what it is, who owns it, when it is due, or cancel
/// it. Applies only to the version the caller read. Answers the action and its child.
fn change_in(
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

/// A dated progress note by the action's owner.
fn add_progress_in(
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

/// The caller's actions across every plan they still work with (an action on a plan they no
/// longer have any part in is not shown).
fn mine_in(
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
