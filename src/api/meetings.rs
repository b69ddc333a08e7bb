//! Core group meetings, attendance and the core group's attendance by agency.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::cases::{read_about, requester, write_about};
use super::error::{ApiError, Problem};
use super::extract::{as_of, AsOf};
use super::extract::{ApiJson, ApiQuery, Caller};
use super::AppState;
use crate::domain::records::Attendance;
use crate::domain::rules::{attendance_by_agency, percent, Severity, Subject};
use crate::services::meetings::{self, member_facts, AttendanceEntry};
use crate::services::today;
use crate::services::AuditAction;
use crate::store::owners::Record;
use crate::store::settings as stored_settings;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMeetingRequest {
    /// The date held (or, if ahead, scheduled); only meetings held by a date count for it.
    pub held_on: NaiveDate,
    /// The chair; the caller when absent.
    pub chair_id: Option<String>,
    /// Called because the child was not seen for 30 working days: chaired by a team manager.
    pub urgent: Option<bool>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeetingView {
    pub id: String,
    pub plan_id: String,
    pub held_on: NaiveDate,
    pub chair_id: Option<String>,
    pub urgent: bool,
}

impl From<crate::store::meetings::Meeting> for MeetingView {
    fn from(m: crate::store::meetings::Meeting) -> MeetingView {
        MeetingView {
            id: m.id,
            plan_id: m.plan_id,
            held_on: m.held_on,
            chair_id: m.chair_id,
            urgent: m.urgent,
        }
    }
}

/// POST /api/v1/plans/{id}/meetings — records a core group meeting (held, or scheduled ahead).
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path)), request_body = NewMeetingRequest, responses(
    (status = 201, body = MeetingView),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/plans/{id}/meetings")]
pub async fn create_meeting(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: ApiJson<NewMeetingRequest>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let plan_id = id.into_inner();
    let day = today(state.timezone);
    let b = body.0;
    let w = who.clone();
    let meeting = write_about(
        &state,
        &who,
        Record::Plan(plan_id.clone()),
        AuditAction::CreateMeeting,
        move |c| {
            meetings::create_meeting(
                c,
                &w,
                &plan_id,
                b.held_on,
                b.chair_id.as_deref(),
                b.urgent.unwrap_or(false),
                day,
            )
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(MeetingView::from(meeting)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceItem {
    pub user_id: String,
    pub status: Attendance,
    /// A written contribution sent with apologies.
    pub contribution: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceRequest {
    pub attendance: Vec<AttendanceItem>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttendanceView {
    pub user_id: String,
    pub agency_id: Option<String>,
    pub status: Attendance,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contribution: Option<String>,
}

/// PUT /api/v1/meetings/{id}/attendance — who attended, sent apologies or did not attend.
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path)), request_body = AttendanceRequest, responses(
    (status = 200, body = Vec<AttendanceView>),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[put("/meetings/{id}/attendance")]
pub async fn record_attendance(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: ApiJson<AttendanceRequest>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state, caller);
    let meeting_id = id.into_inner();
    let day = today(state.timezone);
    let entries: Vec<AttendanceEntry> = body
        .0
        .attendance
        .into_iter()
        .map(|a| AttendanceEntry {
            user_id: a.user_id,
            status: a.status,
            contribution: a.contribution,
        })
        .collect();
    let w = who.clone();
    let records = write_about(
        &state,
        &who,
        Record::Meeting(meeting_id.clone()),
        AuditAction::RecordAttendance,
        move |c| meetings::record_attendance(c, &w, &meeting_id, entries, day),
    )
    .await?;
    let views: Vec<AttendanceView> = records
        .into_iter()
        .map(|r| AttendanceView {
            user_id: r.user_id,
            agency_id: None,
            status: r.status,
            contribution: r.contribution,
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CoreGroupMeetingView {
    pub id: String,
    pub held_on: NaiveDate,
    pub chair_id: Option<String>,
    pub urgent: bool,
    pub attendance: Vec<AttendanceView>,
    /// Agencies on the core group that day with nobody who attended (apologies count as absent).
    pub agencies_absent: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GapFlagView {
    pub code: &'static str,
    pub agency_id: String,
    pub meeting_id: String,
    pub consecutive_missed: u32,
    pub severity: Severity,
    pub message: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgencyRateView {
    pub agency_id: String,
    pub agency_name: String,
    /// Meetings held by `as_of` at which the agency was on the core group.
    pub meetings: u32,
    /// Of those, meetings a member of the agency attended.
    pub attended: u32,
    pub attendance_pct: Option<f64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CoreGroupView {
    pub plan_id: String,
    pub as_of: NaiveDate,
    pub meetings: Vec<CoreGroupMeetingView>,
    pub flags: Vec<GapFlagView>,
    /// Attendance by agency over the plan.
    pub attendance_by_agency: Vec<AgencyRateView>,
}

/// GET /api/v1/plans/{id}/core-group — meetings held by `as_of`, attendance by agency, gaps flagged.
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path), AsOf), responses(
    (status = 200, body = CoreGroupView),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/plans/{id}/core-group")]
pub async fn core_group(
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
    let policy = state.store.read(stored_settings::policy).await?;
    let (w, pid) = (who.clone(), plan_id.clone());
    let group = read_about(
        &state,
        &who,
        Record::Plan(plan_id.clone()),
        AuditAction::ReadCoreGroup,
        format!("core group as of {as_of}"),
        move |c| meetings::core_group(c, &w, &pid, as_of, &policy, day),
    )
    .await?;
    let agency_of = |user: &str, on: NaiveDate| {
        group
            .members
            .iter()
            .find(|(m, _, _)| m.user_id == user && m.is_member_on(on))
            .map(|(m, _, _)| m.agency_id.clone())
    };
    let meetings = group
        .meetings
        .iter()
        .map(|m| CoreGroupMeetingView {
            id: m.id.clone(),
            held_on: m.held_on,
            chair_id: m.chair_id.clone(),
            urgent: m.urgent,
            attendance: group
                .attendance
                .iter()
                .filter(|a| a.meeting_id == m.id)
                .map(|a| AttendanceView {
                    user_id: a.user_id.clone(),
                    agency_id: agency_of(&a.user_id, m.held_on),
                    status: a.status,
                    contribution: a.contribution.clone(),
                })
                .collect(),
            agencies_absent: group
                .gaps
                .iter()
                .find(|g| g.meeting_id == m.id)
                .map(|g| g.agencies_absent.clone())
                .unwrap_or_default(),
        })
        .collect();
    let flags = group
        .gaps
        .iter()
        .flat_map(|g| g.flags.iter())
        .filter_map(|f| match &f.subject {
            Some(Subject::AgencyAtMeeting {
                meeting_id,
                agency_id,
            }) => Some(GapFlagView {
                code: f.code.as_str(),
                agency_id: agency_id.clone(),
                meeting_id: meeting_id.clone(),
                consecutive_missed: f.consecutive_missed.unwrap_or(1),
                severity: f.severity,
                message: f.message(),
            }),
            _ => None,
        })
        .collect();
    let rates = attendance_by_agency(&member_facts(&group.members), &group.gaps)
        .into_iter()
        .map(|a| AgencyRateView {
            attendance_pct: percent(a.attended, a.meetings),
            agency_id: a.agency_id,
            agency_name: a.agency_name,
            meetings: a.meetings,
            attended: a.attended,
        })
        .collect();
    Ok(HttpResponse::Ok().json(CoreGroupView {
        plan_id: group.plan.id,
        as_of,
        meetings,
        flags,
        attendance_by_agency: rates,
    }))
}
