//! Core group meetings, attendance and the core group's attendance by agency.

use actix_web::{get, post, put, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, Problems};
use super::extract::ApiJson;
use super::extract::{AsOf, AsOfDate};
use super::AppState;
use crate::domain::ids::{MeetingId, PlanId};
use crate::domain::records::Attendance;
use crate::domain::rules::{percent, Severity, Subject};
use crate::services::meetings::{self, AttendanceEntry, CoreGroup, Meeting, NewMeeting};
use crate::services::Requester;

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

impl From<Meeting> for MeetingView {
    fn from(m: Meeting) -> MeetingView {
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
    Problems,
))]
#[post("/plans/{id}/meetings")]
pub async fn create_meeting(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
    body: ApiJson<NewMeetingRequest>,
) -> Result<HttpResponse, ApiError> {
    let NewMeetingRequest {
        held_on,
        chair_id,
        urgent,
    } = body.0;
    let new = NewMeeting {
        held_on,
        chair_id,
        urgent: urgent.unwrap_or(false),
    };
    let meeting =
        meetings::create_meeting(&state.services, &who, PlanId::from(id.into_inner()), new).await?;
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
    Problems,
))]
#[put("/meetings/{id}/attendance")]
pub async fn record_attendance(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
    body: ApiJson<AttendanceRequest>,
) -> Result<HttpResponse, ApiError> {
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
    let records = meetings::record_attendance(
        &state.services,
        &who,
        MeetingId::from(id.into_inner()),
        entries,
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
    /// The first day of the breach: the meeting's date.
    pub since: chrono::NaiveDate,
    /// The breach's identity, as on the child's status (domain.md §4).
    pub breach: String,
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
    /// The moment of knowledge it was computed from (RFC 3339).
    pub known_at: String,
    pub meetings: Vec<CoreGroupMeetingView>,
    pub flags: Vec<GapFlagView>,
    /// Attendance by agency over the plan.
    pub attendance_by_agency: Vec<AgencyRateView>,
}

/// GET /api/v1/plans/{id}/core-group — meetings held by `as_of`, attendance by agency, gaps flagged.
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path), AsOf), responses(
    (status = 200, body = CoreGroupView),
    Problems,
))]
#[get("/plans/{id}/core-group")]
pub async fn core_group(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
    as_of: AsOfDate,
) -> Result<HttpResponse, ApiError> {
    let group = meetings::core_group(
        &state.services,
        &who,
        PlanId::from(id.into_inner()),
        as_of.as_of,
        as_of.known_at,
    )
    .await?;
    Ok(HttpResponse::Ok().json(core_group_view(group)))
}

fn core_group_view(group: CoreGroup) -> CoreGroupView {
    let child_id = group.plan.child_id.clone();
    let meetings = group
        .meetings
        .into_iter()
        .map(|m| CoreGroupMeetingView {
            id: m.meeting.id,
            held_on: m.meeting.held_on,
            chair_id: m.meeting.chair_id,
            urgent: m.meeting.urgent,
            attendance: m
                .attendance
                .into_iter()
                .map(|(a, agency_id)| AttendanceView {
                    user_id: a.user_id,
                    agency_id,
                    status: a.status,
                    contribution: a.contribution,
                })
                .collect(),
            agencies_absent: m.agencies_absent,
        })
        .collect();
    let flags = group
        .flags
        .iter()
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
                since: f.since,
                breach: f.breach(&child_id),
            }),
            _ => None,
        })
        .collect();
    let rates = group
        .attendance_by_agency
        .into_iter()
        .map(|a| AgencyRateView {
            attendance_pct: percent(a.attended, a.meetings),
            agency_id: a.agency_id,
            agency_name: a.agency_name,
            meetings: a.meetings,
            attended: a.attended,
        })
        .collect();
    CoreGroupView {
        plan_id: group.plan.id,
        as_of: group.as_of,
        known_at: group.at.known_at_text(),
        meetings,
        flags,
        attendance_by_agency: rates,
    }
}
