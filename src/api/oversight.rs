//! What the CP chair sees: one plan's implementation, and every plan they chair.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Serialize;

use super::case_views::{status_view, StatusView};
use super::cases::{read_about, requester, rule_inputs};
use super::error::{ApiError, Problem};
use super::extract::{as_of, AsOf};
use super::extract::{ApiQuery, Caller};
use super::AppState;
use crate::access::{self, Permission};
use crate::domain::rules::{percent, ClockState, FlagCode, Severity};
use crate::services::oversight::{self, PlanImplementation};
use crate::services::AuditAction;
use crate::services::{log_read_of_children, today};
use crate::store::owners::Record;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PersonView {
    pub user_id: String,
    pub name: String,
    pub agency_id: String,
    pub agency_name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MinutesTimelinessView {
    /// Due to every member by this date (5 working days after the meeting).
    pub due: NaiveDate,
    pub published_on: Option<NaiveDate>,
    pub distributed_on_time: bool,
    pub not_sent_to: Vec<String>,
    pub acknowledgement_due: Option<NaiveDate>,
    pub acknowledged_on_time: Vec<String>,
    pub acknowledged_late: Vec<String>,
    /// Members who have not read them.
    pub not_acknowledged: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeetingTimelinessView {
    pub meeting_id: String,
    pub held_on: NaiveDate,
    pub due: NaiveDate,
    pub on_time: bool,
    pub invited: Vec<String>,
    pub agencies_absent: Vec<String>,
    pub minutes: MinutesTimelinessView,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgencyAttendanceView {
    pub agency_id: String,
    pub agency_name: String,
    pub meetings: u32,
    pub attended: u32,
    pub attendance_pct: Option<f64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgencyActionsView {
    pub agency_id: String,
    pub agency_name: String,
    pub total: u32,
    pub done: u32,
    pub done_on_time: u32,
    pub open: u32,
    pub overdue: u32,
    pub cancelled: u32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OverdueActionView {
    pub action_id: String,
    pub description: String,
    pub owner_id: String,
    pub agency_id: String,
    pub due_on: NaiveDate,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImplementationView {
    pub plan_id: String,
    pub team_id: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// Whether the child is seen, and every flag on the plan.
    pub status: StatusView,
    pub meetings: Vec<MeetingTimelinessView>,
    pub attendance_by_agency: Vec<AgencyAttendanceView>,
    pub actions_by_agency: Vec<AgencyActionsView>,
    pub overdue_actions: Vec<OverdueActionView>,
    /// The names behind the ids above.
    pub people: Vec<PersonView>,
}

/// An agency's name as the plan's core group shows it (its id if nobody of it is a member).
fn agency_name_in(p: &PlanImplementation, agency_id: &str) -> String {
    p.members
        .iter()
        .find(|(m, _, _)| m.agency_id == agency_id)
        .map(|(_, _, a)| a.clone())
        .unwrap_or_else(|| agency_id.to_string())
}

fn implementation_view(
    p: &PlanImplementation,
    frequency: crate::domain::policy::VisitFrequency,
) -> ImplementationView {
    let agency_name = |id: &str| agency_name_in(p, id);
    let mut people: Vec<PersonView> = Vec::new();
    for (m, name, agency) in &p.members {
        if !people.iter().any(|x| x.user_id == m.user_id) {
            people.push(PersonView {
                user_id: m.user_id.clone(),
                name: name.clone(),
                agency_id: m.agency_id.clone(),
                agency_name: agency.clone(),
            });
        }
    }
    let users = |list: &[(String, String)]| list.iter().map(|(u, _)| u.clone()).collect();
    ImplementationView {
        plan_id: p.plan.id.clone(),
        team_id: p.plan.team_id.clone(),
        start_date: p.plan.start_date,
        end_date: p.plan.end_date,
        status: status_view(&p.child, &p.plan, frequency, &p.evaluation),
        meetings: p
            .implementation
            .meetings
            .iter()
            .map(|m| MeetingTimelinessView {
                meeting_id: m.meeting_id.clone(),
                held_on: m.held_on,
                due: m.due,
                on_time: m.on_time,
                invited: users(&m.invited),
                agencies_absent: m.agencies_absent.clone(),
                minutes: MinutesTimelinessView {
                    due: m.minutes.due,
                    published_on: m.minutes.published_on,
                    distributed_on_time: m.minutes.distributed_on_time,
                    not_sent_to: m.minutes.not_sent_to.clone(),
                    acknowledgement_due: m.minutes.acknowledgement_due,
                    acknowledged_on_time: users(&m.minutes.acknowledged_on_time),
                    acknowledged_late: users(&m.minutes.acknowledged_late),
                    not_acknowledged: users(&m.minutes.not_acknowledged),
                },
            })
            .collect(),
        attendance_by_agency: p
            .implementation
            .attendance
            .iter()
            .map(|a| AgencyAttendanceView {
                agency_id: a.agency_id.clone(),
                agency_name: a.agency_name.clone(),
                meetings: a.meetings,
                attended: a.attended,
                attendance_pct: percent(a.attended, a.meetings),
            })
            .collect(),
        actions_by_agency: p
            .implementation
            .actions
            .iter()
            .map(|a| AgencyActionsView {
                agency_id: a.agency_id.clone(),
                agency_name: agency_name(&a.agency_id),
                total: a.total,
                done: a.done,
                done_on_time: a.done_on_time,
                open: a.open,
                overdue: a.overdue,
                cancelled: a.cancelled,
            })
            .collect(),
        overdue_actions: p
            .actions
            .iter()
            .filter(|a| p.implementation.overdue_actions.contains(&a.id))
            .map(|a| OverdueActionView {
                action_id: a.id.clone(),
                description: a.description.clone(),
                owner_id: a.owner_id.clone(),
                agency_id: a.agency_id.clone(),
                due_on: a.due_on,
            })
            .collect(),
        people,
    }
}

/// GET /api/v1/plans/{id}/implementation — meetings on time, attendance and actions by agency, minutes sent and read, the child seen.
#[utoipa::path(tag = "oversight", security(("bearer" = [])), params(("id" = String, Path), AsOf), responses(
    (status = 200, body = ImplementationView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/plans/{id}/implementation")]
pub async fn plan_implementation(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    query: ApiQuery<AsOf>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let plan_id = id.into_inner();
    let as_of = as_of(&query, &state)?;
    let day = today(state.timezone);
    let rules = rule_inputs(&state).await?;
    let default_frequency = rules.policy.home_visit_frequency;
    let (w, pid) = (who.clone(), plan_id.clone());
    let done = read_about(
        &state,
        &who,
        Record::Plan(plan_id.clone()),
        AuditAction::ReadImplementation,
        format!("implementation of plan {plan_id} as of {as_of}"),
        move |c| {
            let settings = rules.settings();
            oversight::plan_implementation(c, &w, &pid, as_of, day, &settings)
        },
    )
    .await?;
    let frequency = done.plan.visit_frequency.unwrap_or(default_frequency);
    Ok(HttpResponse::Ok().json(implementation_view(&done, frequency)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgencyOverdueView {
    pub agency_id: String,
    pub agency_name: String,
    pub overdue: u32,
}

/// One plan the chair chairs, in a line.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChairPlanLine {
    pub plan_id: String,
    pub child_id: String,
    pub given_name: String,
    pub family_name: String,
    pub team_id: String,
    pub start_date: NaiveDate,
    /// Seen by any agency within 30 working days.
    pub any_agency_state: ClockState,
    pub last_seen: Option<NaiveDate>,
    pub last_meeting: Option<NaiveDate>,
    pub meetings_held: usize,
    pub meetings_on_time: usize,
    /// Agencies nobody attended for at the last meeting (names).
    pub absent_at_last_meeting: Vec<String>,
    /// Meetings whose minutes did not reach every member within 5 working days.
    pub minutes_late_or_missing: usize,
    /// (member name) who have not read minutes sent to them, over all meetings.
    pub not_read_minutes: Vec<String>,
    pub overdue_actions_by_agency: Vec<AgencyOverdueView>,
    pub review_due: Option<NaiveDate>,
    pub high_flags: usize,
    pub flags: Vec<FlagCode>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChairPlansView {
    pub as_of: NaiveDate,
    /// Most high-severity flags first.
    pub plans: Vec<ChairPlanLine>,
}

fn chair_line(p: &PlanImplementation) -> ChairPlanLine {
    let name_of = |user: &str| {
        p.members
            .iter()
            .find(|(m, _, _)| m.user_id == user)
            .map(|(_, n, _)| n.clone())
            .unwrap_or_else(|| user.to_string())
    };
    let agency_name = |id: &str| agency_name_in(p, id);
    let meetings = &p.implementation.meetings;
    let mut not_read: Vec<String> = Vec::new();
    for m in meetings {
        for (user, _) in &m.minutes.not_acknowledged {
            let name = name_of(user);
            if !not_read.contains(&name) {
                not_read.push(name);
            }
        }
    }
    let e = &p.evaluation;
    ChairPlanLine {
        plan_id: p.plan.id.clone(),
        child_id: p.child.id.clone(),
        given_name: p.child.given_name.clone(),
        family_name: p.child.family_name.clone(),
        team_id: p.plan.team_id.clone(),
        start_date: p.plan.start_date,
        any_agency_state: e.any_agency.state,
        last_seen: e.any_agency.last_seen,
        last_meeting: meetings.last().map(|m| m.held_on),
        meetings_held: meetings.len(),
        meetings_on_time: meetings.iter().filter(|m| m.on_time).count(),
        absent_at_last_meeting: meetings
            .last()
            .map(|m| m.agencies_absent.iter().map(|a| agency_name(a)).collect())
            .unwrap_or_default(),
        minutes_late_or_missing: meetings
            .iter()
            .filter(|m| !m.minutes.distributed_on_time && m.minutes.due < e.evaluated_on)
            .count(),
        not_read_minutes: not_read,
        overdue_actions_by_agency: p
            .implementation
            .actions
            .iter()
            .filter(|a| a.overdue > 0)
            .map(|a| AgencyOverdueView {
                agency_id: a.agency_id.clone(),
                agency_name: agency_name(&a.agency_id),
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
    }
}

/// GET /api/v1/chair/plans — every open plan the caller chairs: who is not attending, who has not read the minutes, whose actions are late.
#[utoipa::path(tag = "oversight", security(("bearer" = [])), params(AsOf), responses(
    (status = 200, body = ChairPlansView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/chair/plans")]
pub async fn chair_plans(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: ApiQuery<AsOf>,
) -> Result<HttpResponse, ApiError> {
    access::require(&caller.0, Permission::ReadChairedPlans)?;
    let who = requester(&req, &state, caller);
    let as_of = as_of(&query, &state)?;
    let day = today(state.timezone);
    let rules = rule_inputs(&state).await?;
    let w = who.clone();
    let plans = state
        .store
        .read(move |c| {
            let settings = rules.settings();
            Ok(oversight::chaired_plans(c, &w, as_of, day, &settings))
        })
        .await??;
    let children: Vec<String> = plans.iter().map(|p| p.child.id.clone()).collect();
    let resource = format!("chaired plans as of {as_of} ({} plans)", children.len());
    log_read_of_children(
        &state.store,
        &who,
        AuditAction::ReadChairedPlans,
        resource,
        children,
    )
    .await?;
    let mut lines: Vec<ChairPlanLine> = plans.iter().map(chair_line).collect();
    lines.sort_by(|a, b| {
        b.high_flags
            .cmp(&a.high_flags)
            .then(b.flags.len().cmp(&a.flags.len()))
            .then(a.family_name.cmp(&b.family_name))
    });
    Ok(HttpResponse::Ok().json(ChairPlansView {
        as_of,
        plans: lines,
    }))
}
