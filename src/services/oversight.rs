//! What a CP chair sees of the plans they chair (seed 002: the chair did not see that core
//! groups had stopped, agencies had stopped attending, minutes had not gone out): per plan,
//! meetings on time, attendance by agency, minutes sent and read on time, actions done on
//! time by agency, and whether the child is seen.

use chrono::{DateTime, NaiveDate, Utc};

use super::status::{load_facts, members_known_at, plan_known_at, plans_known_at, RuleSettings};
use super::AuditAction;
use super::{invalid, log_read_of_children, AsAt, Requester, ServiceError, Services};
use crate::access::{self, CaseAction, Permission};
use crate::domain::ids::PlanId;
use crate::domain::policy::VisitFrequency;
use crate::domain::records::{plan_open_on, ActionStatus};
use crate::domain::rules::{
    evaluate, implementation, ClockState, Context, Evaluation, Flag, FlagCode, Implementation,
    Severity,
};
use crate::store::actions::{self as action_store, Action};
use crate::store::cases::{self as case_store, Child, Member, Plan};
use crate::store::owners::Record;
use crate::store::DbConnection;

/// One plan's implementation on a date.
pub struct PlanImplementation {
    pub child: Child,
    pub plan: Plan,
    /// How often the child is to be visited: the plan's own frequency, or the policy's.
    pub frequency: VisitFrequency,
    pub evaluation: Evaluation,
    pub implementation: Implementation,
    pub actions: Vec<Action>,
    /// (member, user name, agency name).
    pub members: Vec<(Member, String, String)>,
    pub at: AsAt,
}

/// A member of the core group, by name.
pub struct Person {
    pub user_id: String,
    pub name: String,
    pub agency_id: String,
    pub agency_name: String,
}

impl PlanImplementation {
    /// An agency's name as the plan's core group shows it (its id if nobody of it is a member).
    pub fn agency_name(&self, agency_id: &str) -> String {
        self.members
            .iter()
            .find(|(m, _, _)| m.agency_id == agency_id)
            .map(|(_, _, a)| a.clone())
            .unwrap_or_else(|| agency_id.to_string())
    }

    /// A member's name (their id if they are not on the core group).
    pub fn name_of(&self, user_id: &str) -> String {
        self.members
            .iter()
            .find(|(m, _, _)| m.user_id == user_id)
            .map(|(_, n, _)| n.clone())
            .unwrap_or_else(|| user_id.to_string())
    }

    /// Everyone who has been on the core group, each once, with the first agency they
    /// represented: the names behind the ids of the plan's implementation.
    pub fn people(&self) -> Vec<Person> {
        let mut people: Vec<Person> = Vec::new();
        for (m, name, agency) in &self.members {
            if !people.iter().any(|x| x.user_id == m.user_id) {
                people.push(Person {
                    user_id: m.user_id.clone(),
                    name: name.clone(),
                    agency_id: m.agency_id.clone(),
                    agency_name: agency.clone(),
                });
            }
        }
        people
    }

    /// The actions open and past their due date.
    pub fn overdue_actions(&self) -> impl Iterator<Item = &Action> {
        self.actions
            .iter()
            .filter(|a| self.implementation.overdue_actions.contains(&a.id))
    }
}

/// `GET /plans/{id}/implementation`: meetings on time, attendance and actions by agency,
/// minutes sent and read, the child seen — on `as_of`.
pub async fn plan_implementation(
    svc: &Services,
    who: &Requester,
    plan_id: PlanId,
    as_of: NaiveDate,
    known_at: Option<DateTime<Utc>>,
) -> Result<PlanImplementation, ServiceError> {
    let day = svc.today();
    let at = svc.as_at(Some(as_of), known_at)?;
    let rules = svc.rule_inputs_at(&at).await?;
    let (w, pid) = (who.clone(), plan_id.clone());
    svc.read_about(
        who,
        Record::Plan(plan_id.as_str().to_owned()),
        AuditAction::ReadImplementation,
        format!("implementation of plan {plan_id} {}", at.describe()),
        move |c| {
            let settings = rules.settings();
            plan_implementation_in(c, &w, pid.as_str(), &at, day, &settings)
        },
    )
    .await
}

/// An agency with actions overdue on a plan.
pub struct AgencyOverdue {
    pub agency_id: String,
    pub agency_name: String,
    pub overdue: u32,
}

/// One plan a CP chair chairs, summed up: who is not attending, who has not read the
/// minutes, whose actions are late.
pub struct ChairedPlan {
    pub child: Child,
    pub plan: Plan,
    /// Seen by any agency within 30 working days.
    pub any_agency_state: ClockState,
    pub last_seen: Option<NaiveDate>,
    pub last_meeting: Option<NaiveDate>,
    pub meetings_held: usize,
    pub meetings_on_time: usize,
    /// Names of the agencies nobody attended for at the last meeting.
    pub absent_at_last_meeting: Vec<String>,
    /// Meetings whose minutes did not reach every member within 5 working days (and are
    /// now past due).
    pub minutes_late_or_missing: usize,
    /// Names of the members who have not read minutes sent to them, over all meetings.
    pub not_read_minutes: Vec<String>,
    pub overdue_actions_by_agency: Vec<AgencyOverdue>,
    pub review_due: Option<NaiveDate>,
    pub high_flags: usize,
    pub flags: Vec<FlagCode>,
    /// The same flags in full, in the same order (for each breach's identity).
    pub flag_details: Vec<Flag>,
}

fn chaired_plan(p: PlanImplementation) -> ChairedPlan {
    let meetings = &p.implementation.meetings;
    let mut not_read: Vec<String> = Vec::new();
    for m in meetings {
        for (user, _) in &m.minutes.not_acknowledged {
            let name = p.name_of(user);
            if !not_read.contains(&name) {
                not_read.push(name);
            }
        }
    }
    let e = &p.evaluation;
    ChairedPlan {
        any_agency_state: e.any_agency.state,
        last_seen: e.any_agency.last_seen,
        last_meeting: meetings.last().map(|m| m.held_on),
        meetings_held: meetings.len(),
        meetings_on_time: meetings.iter().filter(|m| m.on_time).count(),
        absent_at_last_meeting: meetings
            .last()
            .map(|m| m.agencies_absent.iter().map(|a| p.agency_name(a)).collect())
            .unwrap_or_default(),
        minutes_late_or_missing: meetings
            .iter()
            .filter(|m| {
                !m.minutes.distributed_on_time
                    && m.minutes.due.is_some_and(|due| due < e.evaluated_on)
            })
            .count(),
        not_read_minutes: not_read,
        overdue_actions_by_agency: p
            .implementation
            .actions
            .iter()
            .filter(|a| a.overdue > 0)
            .map(|a| AgencyOverdue {
                agency_id: a.agency_id.clone(),
                agency_name: p.agency_name(&a.agency_id),
                overdue: a.overdue,
            })
            .collect(),
        review_due: e
            .flags
            .iter()
            .find(|f| f.code == FlagCode::ReviewConferenceDue)
            .and_then(|f| f.due),
        high_flags: e
            .flags
            .iter()
            .filter(|f| f.severity == Severity::High)
            .count(),
        flags: e.flags.iter().map(|f| f.code).collect(),
        flag_details: e.flags.clone(),
        child: p.child,
        plan: p.plan,
    }
}

/// `GET /chair/plans`: every plan the caller chairs that is open on `as_of`, most urgent
/// first (most high-severity flags, then most flags, then by family name). One read of
/// every child named, logged as such.
pub async fn chaired_plans(
    svc: &Services,
    who: &Requester,
    as_of: NaiveDate,
    known_at: Option<DateTime<Utc>>,
) -> Result<(AsAt, Vec<ChairedPlan>), ServiceError> {
    access::require(&who.user, Permission::ReadChairedPlans)
        .map_err(|denied| ServiceError::Forbidden(denied.to_string()))?;
    let day = svc.today();
    let at = svc.as_at(Some(as_of), known_at)?;
    let rules = svc.rule_inputs_at(&at).await?;
    let w = who.clone();
    let plans = svc
        .store
        .read(move |c| {
            let settings = rules.settings();
            Ok(chaired_plans_in(c, &w, &at, day, &settings))
        })
        .await??;
    let children: Vec<String> = plans.iter().map(|p| p.child.id.clone()).collect();
    let resource = format!("chaired plans {} ({} plans)", at.describe(), children.len());
    log_read_of_children(
        &svc.store,
        who,
        AuditAction::ReadChairedPlans,
        resource,
        children,
    )
    .await?;
    let mut lines: Vec<ChairedPlan> = plans.into_iter().map(chaired_plan).collect();
    lines.sort_by(|a, b| {
        b.high_flags
            .cmp(&a.high_flags)
            .then(b.flags.len().cmp(&a.flags.len()))
            .then(a.child.family_name.cmp(&b.child.family_name))
    });
    Ok((at, lines))
}

fn assess(
    conn: &mut DbConnection,
    child: Child,
    plan: Plan,
    plans: &[Plan],
    at: &AsAt,
    settings: &RuleSettings<'_>,
) -> Result<PlanImplementation, ServiceError> {
    let as_of = at.as_of;
    let plans = plans_known_at(plans, at.known_at);
    let facts = load_facts(conn, &child, &plan, &plans, settings.tz)?.as_known_at(at.known_at);
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
    // The members and actions listed, as they stood at known_at too.
    let members = members_known_at(case_store::members_with_names(conn, &plan.id)?, at.known_at);
    let actions = action_store::of_plan(conn, &plan.id)?
        .into_iter()
        .filter_map(|a| {
            let known = facts.actions.iter().find(|f| f.id == a.id)?;
            Some(action_as_known(a, known))
        })
        .collect();
    Ok(PlanImplementation {
        child,
        frequency: evaluation.home_visit_frequency,
        plan,
        evaluation,
        implementation,
        actions,
        members,
        at: *at,
    })
}

/// A plan's implementation, for those who oversee the core group (not practitioners, who see
/// the core group view and their own actions).
fn plan_implementation_in(
    conn: &mut DbConnection,
    requester: &Requester,
    plan_id: &str,
    at: &AsAt,
    today: NaiveDate,
    settings: &RuleSettings<'_>,
) -> Result<PlanImplementation, ServiceError> {
    let as_of = at.as_of;
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
    let Some(plan) = plan_known_at(&plan, at.known_at) else {
        return Err(invalid(
            "known_at",
            format!("the plan had not been recorded by {}", at.known_at_text()),
        ));
    };
    assess(conn, child, plan, &plans, at, settings)
}

/// An action as it stood at the moment its fact was taken at.
fn action_as_known(mut a: Action, known: &crate::domain::records::ActionFact) -> Action {
    a.description = known.description.clone();
    a.owner_id = known.owner_id.clone();
    a.agency_id = known.agency_id.clone();
    a.due_on = known.due;
    let (status, closed_on) = match (known.done_on, known.cancelled_on) {
        (Some(d), _) => (ActionStatus::Done, Some(d)),
        (None, Some(d)) => (ActionStatus::Cancelled, Some(d)),
        (None, None) => (ActionStatus::Open, None),
    };
    a.status = status;
    a.closed_on = closed_on;
    a
}

/// Every plan the caller chairs that is open on `as_of`.
fn chaired_plans_in(
    conn: &mut DbConnection,
    requester: &Requester,
    at: &AsAt,
    today: NaiveDate,
    settings: &RuleSettings<'_>,
) -> Result<Vec<PlanImplementation>, ServiceError> {
    let mut out = Vec::new();
    let chaired = case_store::plans_chaired_by(conn, &requester.user.id)?;
    for plan in plans_known_at(&chaired, at.known_at) {
        if !plan_open_on(plan.start_date, plan.end_date, at.as_of) {
            continue;
        }
        // The chair's access is still decided in one place.
        super::authorise_on_plan(conn, requester, &plan, CaseAction::Read, today)?;
        let child = case_store::get_child(conn, &plan.child_id)?.ok_or(ServiceError::NotFound)?;
        let plans = case_store::plans_of_child(conn, &child.id)?;
        out.push(assess(conn, child, plan, &plans, at, settings)?);
    }
    Ok(out)
}
