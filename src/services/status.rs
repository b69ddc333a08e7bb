//! A child's status (the rules applied to their records), chronology and access log.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::{authorise, read_logged, AsAt, AuditAction, Requester, ServiceError, Services};
use crate::access::CaseAction;
use crate::domain::calendar::Calendars;
use crate::domain::ids::ChildId;
use crate::domain::policy::Policy;
use crate::domain::records::{
    ActionFact, ActionStatus, ActionVersionFact, CaseFacts, DecisionFact, PlanFacts, RecordStatus,
    ReviewFact, SightingFact,
};
use crate::domain::rules::{evaluate, Context, Evaluation};
/// An entry of the access log, as read.
pub use crate::store::access_log::AccessEntry as AccessLogEntry;
use crate::store::access_log::{self, AccessEntry};
use crate::store::actions::{self as action_store, Action, ActionVersion};
use crate::store::cases::{self as case_store, Child, FrequencyChange, Member, Plan};
use crate::store::sightings::{self as sighting_store, Sighting, VisitDecision};
use crate::store::DbConnection;

/// Everything the rules need about one plan, read from the store, with the history of each
/// fact: [`CaseFacts::as_known_at`] then says what was known at a moment.
pub fn load_facts(
    conn: &mut DbConnection,
    child: &Child,
    plan: &Plan,
    all_plans: &[Plan],
    tz: Tz,
) -> Result<CaseFacts, ServiceError> {
    let sightings = sighting_store::of_child(conn, &child.id)?;
    let decisions = sighting_store::decisions_of_child(conn, &child.id)?;
    let members = case_store::members_with_names(conn, &plan.id)?;
    let (_, meetings, _) = super::meetings::meeting_facts(conn, &plan.id)?;
    let versions = action_store::versions_of_plans(conn, std::slice::from_ref(&plan.id))?;
    Ok(CaseFacts {
        date_of_birth: child.date_of_birth,
        plan: PlanFacts {
            start: plan.start_date,
            end: plan.end_date,
            visit_frequency: plan.visit_frequency,
            frequency_changes: case_store::frequency_histories(
                conn,
                std::slice::from_ref(&plan.id),
            )?
            .remove(&plan.id)
            .unwrap_or_default(),
            region: plan.region,
            previous_plans: all_plans
                .iter()
                .filter(|p| p.start_date < plan.start_date)
                .count() as u32,
            end_recorded_at: plan.ended_at.map(|at| at.and_utc()),
        },
        sightings: sightings.iter().map(|s| fact_of(s, tz)).collect(),
        decisions: decisions
            .iter()
            .map(|d| DecisionFact {
                sighting_id: d.sighting_id.clone(),
                decided_at: d.decided_at.and_utc(),
                decided_on: crate::domain::records::local_date(tz, d.decided_at.and_utc()),
                recorded_at: d.recorded_at.and_utc(),
            })
            .collect(),
        members: super::meetings::member_facts(&members),
        meetings,
        actions: action_store::of_plan(conn, &plan.id)?
            .iter()
            .map(|a| action_fact(a, &versions))
            .collect(),
        reviews: action_store::reviews_of_plan(conn, &plan.id)?
            .iter()
            .map(|r| ReviewFact {
                held_on: r.held_on,
                recorded_at: r.created_at.and_utc(),
            })
            .collect(),
    })
}

/// An action as the rules see it: when it was done or cancelled, if it was, with every
/// version written (of `versions`, those of this action).
pub fn action_fact(a: &Action, versions: &[ActionVersion]) -> ActionFact {
    let closed = |status: ActionStatus, closed_on: Option<NaiveDate>, is: ActionStatus| {
        closed_on.filter(|_| status == is)
    };
    ActionFact {
        id: a.id.clone(),
        description: a.description.clone(),
        owner_id: a.owner_id.clone(),
        agency_id: a.agency_id.clone(),
        created_on: a.created_on,
        due: a.due_on,
        done_on: closed(a.status, a.closed_on, ActionStatus::Done),
        cancelled_on: closed(a.status, a.closed_on, ActionStatus::Cancelled),
        recorded_at: a.created_at.and_utc(),
        versions: versions
            .iter()
            .filter(|v| v.action_id == a.id)
            .map(|v| ActionVersionFact {
                recorded_at: v.recorded_at.and_utc(),
                description: v.description.clone(),
                owner_id: v.owner_id.clone(),
                agency_id: v.agency_id.clone(),
                due: v.due_on,
                done_on: closed(v.status, v.closed_on, ActionStatus::Done),
                cancelled_on: closed(v.status, v.closed_on, ActionStatus::Cancelled),
            })
            .collect(),
    }
}

fn fact_of(s: &Sighting, _tz: Tz) -> SightingFact {
    SightingFact {
        id: s.id.clone(),
        occurred_at: s.occurred_at.and_utc(),
        occurred_on: s.occurred_on,
        status: s.status,
        finalised_at: s.finalised_at.map(|f| f.and_utc()),
        withdrawn_at: s.withdrawn_at.map(|w| w.and_utc()),
        superseded: s.superseded_by_id.is_some(),
        supersedes: s.supersedes_id.clone(),
        kind: s.kind,
        outcome: s.outcome,
        location: s.location,
        by_social_care: s.by_social_care,
        bedroom_seen: s.bedroom_seen,
        baby_awake: s.baby_awake,
        recorded_at: s.created_at.and_utc(),
        superseded_at: s.superseded_at.map(|at| at.and_utc()),
    }
}

/// The plans as recorded by `known_at` (domain.md §3): those created by then, with an end
/// recorded later taken off again.
pub fn plans_known_at(plans: &[Plan], known_at: DateTime<Utc>) -> Vec<Plan> {
    plans
        .iter()
        .filter_map(|p| plan_known_at(p, known_at))
        .collect()
}

/// One plan as recorded by `known_at` (`None`: not recorded yet).
pub fn plan_known_at(plan: &Plan, known_at: DateTime<Utc>) -> Option<Plan> {
    if plan.created_at.and_utc() > known_at {
        return None;
    }
    let mut plan = plan.clone();
    if plan.ended_at.is_some_and(|at| at.and_utc() > known_at) {
        plan.end_date = None;
        plan.end_reason = None;
        plan.ended_at = None;
    }
    Some(plan)
}

/// A plan's core group members (with their names and agencies' names) as recorded by
/// `known_at`: those added by then, with an end recorded later taken off again.
pub fn members_known_at(
    members: Vec<(Member, String, String)>,
    known_at: DateTime<Utc>,
) -> Vec<(Member, String, String)> {
    members
        .into_iter()
        .filter(|(m, _, _)| m.created_at.and_utc() <= known_at)
        .map(|(mut m, name, agency)| {
            if m.ended_at.is_some_and(|e| e.and_utc() > known_at) {
                m.until_date = None;
                m.ended_at = None;
            }
            (m, name, agency)
        })
        .collect()
}

/// The plan a status on `as_of` is about: the latest that had started by then.
pub fn plan_on(plans: &[Plan], as_of: NaiveDate) -> Option<&Plan> {
    plans
        .iter()
        .filter(|p| p.start_date <= as_of)
        .max_by_key(|p| p.start_date)
}

/// What the rules are applied with.
pub struct RuleSettings<'a> {
    pub calendars: &'a Calendars,
    pub policy: &'a Policy,
    pub tz: Tz,
}

/// The same, owned: read once per request and moved into a database task.
pub struct RuleInputs {
    pub in_force: std::sync::Arc<crate::calendars::InForce>,
    pub policy: Policy,
    pub tz: Tz,
}

impl RuleInputs {
    pub fn settings(&self) -> RuleSettings<'_> {
        RuleSettings {
            calendars: &self.in_force.calendars,
            policy: &self.policy,
            tz: self.tz,
        }
    }
}

/// The rules applied to the child's plan on `as_of` (`GET /children/{id}/status`).
fn status_in(
    conn: &mut DbConnection,
    requester: &Requester,
    child_id: &str,
    at: &AsAt,
    today: NaiveDate,
    settings: &RuleSettings<'_>,
) -> Result<(Child, Plan, Evaluation), ServiceError> {
    let child = authorise(conn, requester, child_id, CaseAction::Read, today)?;
    let plans = case_store::plans_of_child(conn, child_id)?;
    let (plan, evaluation) = evaluate_on(conn, &child, &plans, at, settings)?;
    Ok((child, plan, evaluation))
}

/// The rules applied to a child already authorised, with their plans, on `as_of`, from what
/// was known at `known_at`.
fn evaluate_on(
    conn: &mut DbConnection,
    child: &Child,
    plans: &[Plan],
    at: &AsAt,
    settings: &RuleSettings<'_>,
) -> Result<(Plan, Evaluation), ServiceError> {
    let RuleSettings {
        calendars,
        policy,
        tz,
    } = *settings;
    let as_of = at.as_of;
    let known = plans_known_at(plans, at.known_at);
    let plan = match plan_on(&known, as_of) {
        Some(plan) => plan.clone(),
        None if plan_on(plans, as_of).is_some() => {
            return Err(super::invalid(
                "known_at",
                format!(
                    "the child's plan on {as_of} had not been recorded by {}",
                    at.known_at_text()
                ),
            ))
        }
        None => {
            return Err(super::invalid(
                "as_of",
                format!("the child had no plan on or before {as_of}"),
            ))
        }
    };
    // One path for every known_at: the facts as they stood then (for "now", all of them).
    let facts = load_facts(conn, child, &plan, &known, tz)?.as_known_at(at.known_at);
    let calendar = calendars
        .get(plan.region)
        .map_err(|e| super::invalid("region", e.to_string()))?;
    let evaluation = evaluate(
        &facts,
        &Context {
            policy,
            calendar,
            tz,
        },
        as_of,
    )?;
    Ok((plan, evaluation))
}

/// Everything in a child's record, for the chronology.
pub struct Chronology {
    pub child: Child,
    pub plans: Vec<Plan>,
    pub members: Vec<(Member, String, String)>,
    pub frequency_changes: Vec<FrequencyChange>,
    /// Every version of every record, less other people's drafts and withdrawn ones.
    pub sightings: Vec<Sighting>,
    pub decisions: Vec<VisitDecision>,
    pub meetings: Vec<crate::store::meetings::Meeting>,
    /// Published minutes and addenda (drafts are not part of the record yet).
    pub minutes: Vec<crate::store::minutes::Minutes>,
    pub actions: Vec<Action>,
    pub reviews: Vec<crate::store::actions::Review>,
}

fn chronology_in(
    conn: &mut DbConnection,
    requester: &Requester,
    child_id: &str,
    today: NaiveDate,
) -> Result<Chronology, ServiceError> {
    let child = authorise(conn, requester, child_id, CaseAction::Read, today)?;
    let plans = case_store::plans_of_child(conn, child_id)?;
    chronology_of(conn, requester, child, plans)
}

/// The chronology of a child already authorised, with their plans.
fn chronology_of(
    conn: &mut DbConnection,
    requester: &Requester,
    child: Child,
    plans: Vec<Plan>,
) -> Result<Chronology, ServiceError> {
    let child_id = child.id.clone();
    let child_id = child_id.as_str();
    let mut members = Vec::new();
    let mut frequency_changes = Vec::new();
    let (mut meetings, mut minutes, mut actions, mut reviews) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for plan in &plans {
        members.extend(case_store::members_with_names(conn, &plan.id)?);
        frequency_changes.extend(case_store::frequency_changes(conn, &plan.id)?);
        meetings.extend(crate::store::meetings::of_plan(conn, &plan.id)?);
        minutes.extend(
            crate::store::minutes::of_plan(conn, &plan.id)?
                .into_iter()
                .filter(|m| m.is_published()),
        );
        actions.extend(action_store::of_plan(conn, &plan.id)?);
        reviews.extend(action_store::reviews_of_plan(conn, &plan.id)?);
    }
    let sightings: Vec<Sighting> = sighting_store::of_child(conn, child_id)?
        .into_iter()
        .filter(|s| match s.status {
            RecordStatus::Final => true,
            RecordStatus::Draft => s.author_id == requester.user.id,
            // Kept for the audit trail, shown to nobody: its author still reads it by id.
            RecordStatus::Withdrawn => false,
        })
        .collect();
    // A decision about a record not shown would name it.
    let decisions = sighting_store::decisions_of_child(conn, child_id)?
        .into_iter()
        .filter(|d| sightings.iter().any(|s| s.id == d.sighting_id))
        .collect();
    Ok(Chronology {
        child,
        plans,
        members,
        frequency_changes,
        sightings,
        decisions,
        meetings,
        minutes,
        actions,
        reviews,
    })
}

/// A child with their plans, core groups (members with their names and agencies' names) and
/// the siblings the caller may also see.
pub struct ChildRecord {
    pub child: Child,
    pub plans: Vec<Plan>,
    pub members: Vec<(Member, String, String)>,
    /// Who covers for the lead social worker, and when, with their names.
    pub covers: Vec<(crate::store::cases::Cover, String)>,
    pub siblings: Vec<Child>,
    /// Each plan's visiting frequency in force today (on its end date, once ended).
    pub frequencies: Vec<PlanFrequency>,
}

/// A plan's visiting frequency in force on a day (seed 001 §7: dated changes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanFrequency {
    pub plan_id: String,
    pub on: NaiveDate,
    /// As recorded on the plan: `None` means the policy's default.
    pub recorded: Option<crate::domain::policy::VisitFrequency>,
    /// What the rules use: the recorded one, else the policy's default.
    pub in_force: crate::domain::policy::VisitFrequency,
}

/// Each plan's frequency in force on `today`, or on its end date once ended.
fn frequencies_on(
    conn: &mut DbConnection,
    plans: &[Plan],
    today: NaiveDate,
) -> Result<Vec<PlanFrequency>, ServiceError> {
    let default = crate::store::settings::policy(conn)?.home_visit_frequency;
    let ids: Vec<String> = plans.iter().map(|p| p.id.clone()).collect();
    let mut histories = case_store::frequency_histories(conn, &ids)?;
    Ok(plans
        .iter()
        .map(|plan| {
            let facts = PlanFacts {
                start: plan.start_date,
                end: plan.end_date,
                visit_frequency: plan.visit_frequency,
                frequency_changes: histories.remove(&plan.id).unwrap_or_default(),
                region: plan.region,
                previous_plans: 0,
                end_recorded_at: plan.ended_at.map(|at| at.and_utc()),
            };
            let on = plan.end_date.map_or(today, |end| end.min(today));
            let recorded = crate::domain::rules::recorded_frequency_on(&facts, on);
            PlanFrequency {
                plan_id: plan.id.clone(),
                on,
                recorded,
                in_force: recorded.unwrap_or(default),
            }
        })
        .collect())
}

/// A child with their plans and core groups (`GET /children/{id}`).
fn child_record_in(
    conn: &mut DbConnection,
    requester: &Requester,
    child_id: &str,
    today: NaiveDate,
) -> Result<ChildRecord, ServiceError> {
    let child = authorise(conn, requester, child_id, CaseAction::Read, today)?;
    let plans = case_store::plans_of_child(conn, child_id)?;
    let mut members = Vec::new();
    let mut covers = Vec::new();
    for plan in &plans {
        members.extend(case_store::members_with_names(conn, &plan.id)?);
        for cover in case_store::covers_of_plan(conn, &plan.id)? {
            let name = crate::store::accounts::get_user(conn, &cover.user_id)?
                .map(|u| u.name)
                .unwrap_or_default();
            covers.push((cover, name));
        }
    }
    // Siblings are named only where the caller may read them too.
    let mut siblings = Vec::new();
    if let Some(family) = &child.family_id {
        for sibling in case_store::siblings(conn, family)? {
            if sibling.id != child.id
                && authorise(conn, requester, &sibling.id, CaseAction::Read, today).is_ok()
            {
                siblings.push(sibling);
            }
        }
    }
    let frequencies = frequencies_on(conn, &plans, today)?;
    Ok(ChildRecord {
        child,
        plans,
        members,
        covers,
        siblings,
        frequencies,
    })
}

fn access_log_in(
    conn: &mut DbConnection,
    requester: &Requester,
    child_id: &str,
    today: NaiveDate,
) -> Result<Vec<AccessEntry>, ServiceError> {
    authorise(conn, requester, child_id, CaseAction::ReadAccessLog, today)?;
    Ok(access_log::of_child(conn, child_id)?)
}

/// A child's status on a date: the child, the plan in force, the plan's visiting frequency
/// (its own, or the policy's default) and every rule's answer.
pub struct Status {
    pub child: Child,
    pub plan: Plan,
    pub frequency: crate::domain::policy::VisitFrequency,
    pub evaluation: Evaluation,
    pub as_of: NaiveDate,
    /// The moment of knowledge it was computed from (echoed, so it can be asked again).
    pub at: AsAt,
}

/// `GET /children/{id}/status`: the rules applied to the child's plan on `as_of` (today
/// when absent) from what was known at `known_at` (now when absent).
pub async fn status(
    svc: &Services,
    who: &Requester,
    child_id: ChildId,
    as_of: Option<NaiveDate>,
    known_at: Option<DateTime<Utc>>,
) -> Result<Status, ServiceError> {
    let day = svc.today();
    let at = svc.as_at(as_of, known_at)?;
    let rules = svc.rule_inputs_at(&at).await?;
    let w = who.clone();
    let cid = child_id.clone();
    let (child, plan, evaluation) = read_logged(
        &svc.store,
        who,
        AuditAction::ReadStatus,
        Some(child_id.as_str()),
        format!("status {}", at.describe()),
        move |c| status_in(c, &w, cid.as_str(), &at, day, &rules.settings()),
    )
    .await?;
    let frequency = evaluation.home_visit_frequency;
    Ok(Status {
        child,
        plan,
        frequency,
        evaluation,
        as_of: at.as_of,
        at,
    })
}

/// `GET /children/{id}/chronology`: everything in the child's record.
pub async fn chronology(
    svc: &Services,
    who: &Requester,
    child_id: ChildId,
) -> Result<Chronology, ServiceError> {
    let (w, day, cid) = (who.clone(), svc.today(), child_id.clone());
    read_logged(
        &svc.store,
        who,
        AuditAction::ReadChronology,
        Some(child_id.as_str()),
        "chronology".into(),
        move |c| chronology_in(c, &w, cid.as_str(), day),
    )
    .await
}

/// `GET /children/{id}`: the child, their plans and core groups, and the siblings the caller
/// may see.
pub async fn child_record(
    svc: &Services,
    who: &Requester,
    child_id: ChildId,
) -> Result<ChildRecord, ServiceError> {
    let (w, day, cid) = (who.clone(), svc.today(), child_id.clone());
    read_logged(
        &svc.store,
        who,
        AuditAction::ReadChild,
        Some(child_id.as_str()),
        "child".into(),
        move |c| child_record_in(c, &w, cid.as_str(), day),
    )
    .await
}

/// `GET /children/{id}/access-log`: who read or wrote the child's record.
pub async fn access_log(
    svc: &Services,
    who: &Requester,
    child_id: ChildId,
) -> Result<Vec<AccessEntry>, ServiceError> {
    let (w, day, cid) = (who.clone(), svc.today(), child_id.clone());
    read_logged(
        &svc.store,
        who,
        AuditAction::ReadAccessLog,
        Some(child_id.as_str()),
        "access log".into(),
        move |c| access_log_in(c, &w, cid.as_str(), day),
    )
    .await
}

/// A child's page: the record, the chronology and, when the child had a plan on `as_of`, the
/// status on that date — read together, and logged as one read.
pub struct ChildPage {
    pub record: ChildRecord,
    pub chronology: Chronology,
    /// `None` when no plan had begun by `as_of`, as known at `known_at` (the record is
    /// still shown).
    pub status: Option<Status>,
    pub as_of: NaiveDate,
    pub at: AsAt,
}

/// The child's page (`GET /children/{id}` of the web pages).
pub async fn child_page(
    svc: &Services,
    who: &Requester,
    child_id: ChildId,
    as_of: Option<NaiveDate>,
    known_at: Option<DateTime<Utc>>,
) -> Result<ChildPage, ServiceError> {
    let day = svc.today();
    let at = svc.as_at(as_of, known_at)?;
    let as_of = at.as_of;
    let rules = svc.rule_inputs_at(&at).await?;
    let (w, cid) = (who.clone(), child_id.clone());
    read_logged(
        &svc.store,
        who,
        AuditAction::ReadChildPage,
        Some(child_id.as_str()),
        format!("child's page {}", at.describe()),
        move |c| {
            // Authorised once (by the record), and the plans read once, for all three parts.
            let record = child_record_in(c, &w, cid.as_str(), day)?;
            let chronology = chronology_of(c, &w, record.child.clone(), record.plans.clone())?;
            let has_plan = plan_on(&plans_known_at(&record.plans, at.known_at), as_of).is_some();
            let status = if has_plan {
                let child = record.child.clone();
                let (plan, evaluation) =
                    evaluate_on(c, &child, &record.plans, &at, &rules.settings())?;
                let frequency = evaluation.home_visit_frequency;
                Some(Status {
                    child,
                    plan,
                    frequency,
                    evaluation,
                    as_of,
                    at,
                })
            } else {
                None
            };
            Ok(ChildPage {
                record,
                chronology,
                status,
                as_of,
                at,
            })
        },
    )
    .await
}
