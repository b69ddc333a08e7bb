//! Review conferences of a plan: recorded by those who lead the core group (the plan may end
//! there), and when the next one is due while the plan is open.

use chrono::NaiveDate;

use super::children::plan_for;
use super::AuditAction;
use super::{invalid, log, Requester, ServiceError, Services};
use crate::access::CaseAction;
use crate::domain::case::{EndReason, MAX_TEXT_CHARS};
use crate::domain::ids::PlanId;
use crate::domain::policy::Policy;
use crate::domain::records::ReviewOutcome;
use crate::domain::rules::next_review_due;
use crate::store::actions as action_store;
pub use crate::store::actions::Review;
use crate::store::cases::{self as case_store, Plan};
use crate::store::owners::Record;
use crate::store::settings as stored_settings;
use crate::store::DbConnection;

/// A plan's review conferences, and when the next is due.
pub struct Reviews {
    pub plan: Plan,
    pub reviews: Vec<Review>,
    /// While the plan is open: the date the next review conference is due by.
    pub next_review_due: Option<NaiveDate>,
}

/// `POST /plans/{id}/reviews`: a review conference held; the plan ends there when decided.
/// Answers the plan as it now stands, all its reviews and when the next is due.
pub async fn record(
    svc: &Services,
    who: &Requester,
    plan_id: PlanId,
    input: ReviewInput,
) -> Result<Reviews, ServiceError> {
    let (plan, reviews) = svc
        .write_for_plan(
            who,
            plan_id,
            AuditAction::RecordReview,
            move |c, who, plan_id, day| record_in(c, who, plan_id, &input, day),
        )
        .await?;
    let policy = svc.store.read(stored_settings::policy).await?;
    Ok(with_next_due(plan, reviews, &policy, svc.today()))
}

/// `GET /plans/{id}/reviews`: review conferences held, and when the next is due.
pub async fn of_plan(
    svc: &Services,
    who: &Requester,
    plan_id: PlanId,
) -> Result<Reviews, ServiceError> {
    let (w, day, pid) = (who.clone(), svc.today(), plan_id.clone());
    let (plan, reviews) = svc
        .read_about(
            who,
            Record::Plan(plan_id.as_str().to_owned()),
            AuditAction::ReadReviews,
            format!("reviews of plan {plan_id}"),
            move |c| of_plan_in(c, &w, pid.as_str(), day),
        )
        .await?;
    let policy = svc.store.read(stored_settings::policy).await?;
    Ok(with_next_due(plan, reviews, &policy, day))
}

/// The next review is due only while the plan is open.
fn with_next_due(plan: Plan, reviews: Vec<Review>, policy: &Policy, day: NaiveDate) -> Reviews {
    let next = plan.end_date.is_none().then(|| {
        next_review_due(
            plan.start_date,
            reviews.iter().map(|r| r.held_on),
            day,
            policy,
        )
        .1
    });
    Reviews {
        plan,
        reviews,
        next_review_due: next,
    }
}

pub struct ReviewInput {
    pub held_on: NaiveDate,
    pub outcome: ReviewOutcome,
    pub end_reason: Option<EndReason>,
    pub notes: Option<String>,
}

/// A review conference held; when the plan ends there (a step down to child in need, by
/// default) the plan ends on that date. Answers the plan as it now stands and all its reviews.
fn record_in(
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
    let review = action_store::create_review(
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
    let reviews = action_store::reviews_of_plan(conn, &plan.id)?;
    Ok((plan, reviews))
}

/// The plan and its reviews, read by the caller.
fn of_plan_in(
    conn: &mut DbConnection,
    requester: &Requester,
    plan_id: &str,
    today: NaiveDate,
) -> Result<(Plan, Vec<Review>), ServiceError> {
    let plan = plan_for(conn, requester, plan_id, CaseAction::Read, today)?;
    let reviews = action_store::reviews_of_plan(conn, plan_id)?;
    Ok((plan, reviews))
}
