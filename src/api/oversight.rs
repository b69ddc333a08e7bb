//! What the CP chair sees: one plan's implementation, and every plan they chair.

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use serde::Serialize;

use super::case_views::{status_view, StatusView};
use super::error::{ApiError, Problems};
use super::extract::{AsOf, AsOfDate};
use super::AppState;
use crate::domain::ids::PlanId;
use crate::domain::rules::{percent, ClockState, FlagCode, Severity};
use crate::services::oversight::{self, ChairedPlan, PlanImplementation};
use crate::services::Requester;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PersonView {
    pub user_id: String,
    pub name: String,
    pub agency_id: String,
    pub agency_name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MinutesTimelinessView {
    /// Due to every member by this date (5 working days after the meeting); `null` when that
    /// falls past the end of the plan's bank-holiday calendar.
    pub due: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    pub distributed_on_time: bool,
    pub not_sent_to: Vec<String>,
    /// `null` while unpublished, or when it falls past the end of the calendar.
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
    /// `null` when the due date falls past the end of the plan's bank-holiday calendar (then
    /// a meeting held by the calendar's end is on time).
    pub due: Option<NaiveDate>,
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
    pub as_of: NaiveDate,
    /// The moment of knowledge it was computed from (RFC 3339).
    pub known_at: String,
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

fn implementation_view(p: &PlanImplementation) -> ImplementationView {
    let users = |list: &[(String, String)]| list.iter().map(|(u, _)| u.clone()).collect();
    ImplementationView {
        plan_id: p.plan.id.clone(),
        as_of: p.at.as_of,
        known_at: p.at.known_at_text(),
        team_id: p.plan.team_id.clone(),
        start_date: p.plan.start_date,
        end_date: p.plan.end_date,
        status: status_view(&p.child, &p.plan, p.frequency, &p.evaluation, &p.at),
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
                agency_name: p.agency_name(&a.agency_id),
                total: a.total,
                done: a.done,
                done_on_time: a.done_on_time,
                open: a.open,
                overdue: a.overdue,
                cancelled: a.cancelled,
            })
            .collect(),
        overdue_actions: p
            .overdue_actions()
            .map(|a| OverdueActionView {
                action_id: a.id.clone(),
                description: a.description.clone(),
                owner_id: a.owner_id.clone(),
                agency_id: a.agency_id.clone(),
                due_on: a.due_on,
            })
            .collect(),
        people: p
            .people()
            .into_iter()
            .map(|x| PersonView {
                user_id: x.user_id,
                name: x.name,
                agency_id: x.agency_id,
                agency_name: x.agency_name,
            })
            .collect(),
    }
}

/// GET /api/v1/plans/{id}/implementation — meetings on time, attendance and actions by agency, minutes sent and read, the child seen.
#[utoipa::path(tag = "oversight", security(("bearer" = [])), params(("id" = String, Path), AsOf), responses(
    (status = 200, body = ImplementationView),
    Problems,
))]
#[get("/plans/{id}/implementation")]
pub async fn plan_implementation(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
    as_of: AsOfDate,
) -> Result<HttpResponse, ApiError> {
    let done = oversight::plan_implementation(
        &state.services,
        &who,
        PlanId::from(id.into_inner()),
        as_of.as_of,
        as_of.known_at,
    )
    .await?;
    Ok(HttpResponse::Ok().json(implementation_view(&done)))
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
    /// The same flags, in the same order, each with its breach's identity.
    pub breaches: Vec<BreachView>,
}

/// One flag on a chair's line: which breach it is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BreachView {
    pub code: FlagCode,
    pub severity: Severity,
    /// The first day of the breach's episode.
    pub since: NaiveDate,
    /// The breach's identity, as on the child's status (domain.md §4).
    pub breach: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChairPlansView {
    pub as_of: NaiveDate,
    /// The moment of knowledge it was computed from (RFC 3339).
    pub known_at: String,
    /// Most high-severity flags first.
    pub plans: Vec<ChairPlanLine>,
}

fn chair_line(p: ChairedPlan) -> ChairPlanLine {
    let breaches = p
        .flag_details
        .iter()
        .map(|f| BreachView {
            code: f.code,
            severity: f.severity,
            since: f.since,
            breach: f.breach(&p.child.id),
        })
        .collect();
    ChairPlanLine {
        plan_id: p.plan.id,
        child_id: p.child.id,
        given_name: p.child.given_name,
        family_name: p.child.family_name,
        team_id: p.plan.team_id,
        start_date: p.plan.start_date,
        any_agency_state: p.any_agency_state,
        last_seen: p.last_seen,
        last_meeting: p.last_meeting,
        meetings_held: p.meetings_held,
        meetings_on_time: p.meetings_on_time,
        absent_at_last_meeting: p.absent_at_last_meeting,
        minutes_late_or_missing: p.minutes_late_or_missing,
        not_read_minutes: p.not_read_minutes,
        overdue_actions_by_agency: p
            .overdue_actions_by_agency
            .into_iter()
            .map(|a| AgencyOverdueView {
                agency_id: a.agency_id,
                agency_name: a.agency_name,
                overdue: a.overdue,
            })
            .collect(),
        review_due: p.review_due,
        high_flags: p.high_flags,
        flags: p.flags,
        breaches,
    }
}

/// GET /api/v1/chair/plans — every open plan the caller chairs: who is not attending, who has not read the minutes, whose actions are late.
#[utoipa::path(tag = "oversight", security(("bearer" = [])), params(AsOf), responses(
    (status = 200, body = ChairPlansView),
    Problems,
))]
#[get("/chair/plans")]
pub async fn chair_plans(
    state: web::Data<AppState>,
    who: Requester,
    as_of: AsOfDate,
) -> Result<HttpResponse, ApiError> {
    let (at, plans) =
        oversight::chaired_plans(&state.services, &who, as_of.as_of, as_of.known_at).await?;
    Ok(HttpResponse::Ok().json(ChairPlansView {
        as_of: at.as_of,
        known_at: at.known_at_text(),
        plans: plans.into_iter().map(chair_line).collect(),
    }))
}
