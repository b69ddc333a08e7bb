//! What a CP chair sees of the plans they chair (seed 002: the chair did not see that core
//! groups had stopped, agencies had stopped attending, minutes had not gone out): per plan,
//! meetings on time, attendance by agency, minutes sent and read on time, actions done on
//! time by agency, and whether the child is seen.

use chrono::NaiveDate;

use super::status::{load_facts, RuleSettings};
use super::{invalid, Requester, ServiceError};
use crate::access::CaseAction;
use crate::domain::rules::{evaluate, implementation, Context, Evaluation, Implementation};
use crate::store::actions::{self as action_store, Action};
use crate::store::cases::{self as case_store, Child, Member, Plan};
use crate::store::DbConnection;

/// One plan's implementation on a date.
pub struct PlanImplementation {
    pub child: Child,
    pub plan: Plan,
    pub evaluation: Evaluation,
    pub implementation: Implementation,
    pub actions: Vec<Action>,
    /// (member, user name, agency name).
    pub members: Vec<(Member, String, String)>,
}

fn assess(
    conn: &mut DbConnection,
    child: Child,
    plan: Plan,
    plans: &[Plan],
    as_of: NaiveDate,
    settings: &RuleSettings<'_>,
) -> Result<PlanImplementation, ServiceError> {
    let facts = load_facts(conn, &child, &plan, plans, settings.tz)?;
    let calendar = settings
        .calendars
        .get(plan.region)
        .map_err(|e| invalid("region", e.to_string()))?;
    let ctx = Context {
        policy: settings.policy,
        calendar,
        tz: settings.tz,
    };
    let evaluation = evaluate(&facts, &ctx, as_of)?;
    let implementation = implementation(&facts, &ctx, evaluation.evaluated_on)?;
    let members = case_store::members_with_names(conn, &plan.id)?;
    let actions = action_store::of_plan(conn, &plan.id)?;
    Ok(PlanImplementation {
        child,
        plan,
        evaluation,
        implementation,
        actions,
        members,
    })
}

/// `GET /plans/{id}/implementation`: for those who oversee the core group (not practitioners,
/// who see the core group view and their own actions).
pub fn plan_implementation(
    conn: &mut DbConnection,
    requester: &Requester,
    plan_id: &str,
    as_of: NaiveDate,
    today: NaiveDate,
    settings: &RuleSettings<'_>,
) -> Result<PlanImplementation, ServiceError> {
    let plan = super::authorise_plan(
        conn,
        requester,
        plan_id,
        CaseAction::OverseeCoreGroup,
        today,
    )?;
    let child = case_store::get_child(conn, &plan.child_id)?.ok_or(ServiceError::NotFound)?;
    let plans = case_store::plans_of_child(conn, &plan.child_id)?;
    if as_of < plan.start_date {
        return Err(invalid(
            "as_of",
            format!("the plan started on {}", plan.start_date),
        ));
    }
    assess(conn, child, plan, &plans, as_of, settings)
}

/// `GET /chair/plans`: every plan the caller chairs that is open on `as_of`.
pub fn chaired_plans(
    conn: &mut DbConnection,
    requester: &Requester,
    as_of: NaiveDate,
    today: NaiveDate,
    settings: &RuleSettings<'_>,
) -> Result<Vec<PlanImplementation>, ServiceError> {
    let mut out = Vec::new();
    for plan in case_store::plans_chaired_by(conn, &requester.user.id)? {
        if !plan.is_open_on(as_of) {
            continue;
        }
        // The chair's access is still decided in one place.
        super::authorise_on_plan(conn, requester, &plan, CaseAction::Read, today)?;
        let child = case_store::get_child(conn, &plan.child_id)?.ok_or(ServiceError::NotFound)?;
        let plans = case_store::plans_of_child(conn, &child.id)?;
        out.push(assess(conn, child, plan, &plans, as_of, settings)?);
    }
    Ok(out)
}
