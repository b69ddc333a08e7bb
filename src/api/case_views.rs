//! JSON shapes of case records: children, plans, members, sightings, status, chronology.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::views::instant;
use crate::domain::calendar::Region;
use crate::domain::case::{EndReason, PlanCategory};
use crate::domain::policy::VisitFrequency;
use crate::domain::records::{Location, Outcome, RecordStatus, SightingKind};
use crate::domain::rules::{
    Audience, Clock, ClockState, Evaluation, Flag, FlagCode, Severity, Subject, UrgentMeeting,
};
use crate::services::children::{Child, Member, Plan};
use crate::services::sightings::Sighting;
use crate::services::status::AccessLogEntry as AccessEntry;
use crate::services::AsAt;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChildView {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub family_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Child> for ChildView {
    fn from(c: Child) -> ChildView {
        ChildView {
            id: c.id,
            given_name: c.given_name,
            family_name: c.family_name,
            date_of_birth: c.date_of_birth,
            family_id: c.family_id,
            created_at: instant(c.created_at),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub agency_id: String,
    pub agency_name: String,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

impl From<(Member, String, String)> for MemberView {
    fn from((m, name, agency_name): (Member, String, String)) -> MemberView {
        MemberView {
            id: m.id,
            user_id: m.user_id,
            name,
            agency_id: m.agency_id,
            agency_name,
            from: m.from_date,
            until: m.until_date,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    pub id: String,
    pub child_id: String,
    pub start_date: NaiveDate,
    pub category: PlanCategory,
    pub team_id: String,
    pub lead_social_worker_id: String,
    pub cp_chair_id: String,
    /// The plan's visiting frequency in force today; `null` means the policy's default.
    pub visit_frequency: Option<VisitFrequency>,
    pub region: Region,
    pub end_date: Option<NaiveDate>,
    pub end_reason: Option<EndReason>,
    pub members: Vec<MemberView>,
    /// The visiting frequency in force today (on its end date, once the plan has ended), the
    /// policy's default filled in: answered with the child's record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visit_frequency_in_force: Option<VisitFrequency>,
}

pub fn plan_view(plan: Plan, members: Vec<(Member, String, String)>) -> PlanView {
    PlanView {
        visit_frequency_in_force: None,
        members: members
            .into_iter()
            .filter(|(m, _, _)| m.plan_id == plan.id)
            .map(MemberView::from)
            .collect(),
        id: plan.id,
        child_id: plan.child_id,
        start_date: plan.start_date,
        category: plan.category,
        team_id: plan.team_id,
        lead_social_worker_id: plan.lead_social_worker_id,
        cp_chair_id: plan.cp_chair_id,
        visit_frequency: plan.visit_frequency,
        region: plan.region,
        end_date: plan.end_date,
        end_reason: plan.end_reason,
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChildRecordView {
    #[serde(flatten)]
    pub child: ChildView,
    pub plans: Vec<PlanView>,
    /// Siblings the caller may also see.
    pub siblings: Vec<ChildView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SightingView {
    pub id: String,
    pub child_id: String,
    pub author_id: String,
    pub agency_id: String,
    pub occurred_at: DateTime<Utc>,
    /// The local date the contact belongs to.
    pub occurred_on: NaiveDate,
    pub location: Location,
    pub kind: SightingKind,
    pub outcome: Outcome,
    pub announced: Option<bool>,
    pub bedroom_seen: Option<bool>,
    pub baby_awake: Option<bool>,
    pub observations: Option<String>,
    pub childs_voice: Option<String>,
    pub people_present: Option<String>,
    pub status: RecordStatus,
    pub finalised_at: Option<DateTime<Utc>>,
    /// When its author withdrew the draft (`status: withdrawn`).
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub supersedes_id: Option<String>,
    pub superseded_by_id: Option<String>,
    pub correction_reason: Option<String>,
    pub visit_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Sighting> for SightingView {
    fn from(s: Sighting) -> SightingView {
        SightingView {
            id: s.id,
            child_id: s.child_id,
            author_id: s.author_id,
            agency_id: s.agency_id,
            occurred_at: instant(s.occurred_at),
            occurred_on: s.occurred_on,
            location: s.location,
            kind: s.kind,
            outcome: s.outcome,
            announced: s.announced,
            bedroom_seen: s.bedroom_seen,
            baby_awake: s.baby_awake,
            observations: s.observations,
            childs_voice: s.childs_voice,
            people_present: s.people_present,
            status: s.status,
            finalised_at: s.finalised_at.map(instant),
            withdrawn_at: s.withdrawn_at.map(instant),
            supersedes_id: s.supersedes_id,
            superseded_by_id: s.superseded_by_id,
            correction_reason: s.correction_reason,
            visit_id: s.visit_id,
            created_at: instant(s.created_at),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FlagView {
    pub code: FlagCode,
    pub severity: Severity,
    /// The first day of the breach's episode (docs/rules.md says what that is per rule).
    pub since: NaiveDate,
    pub due: Option<NaiveDate>,
    pub message: String,
    #[schema(value_type = Option<Object>)]
    pub subject: Option<Subject>,
    #[schema(value_type = Vec<Object>)]
    pub raise_to: Vec<Audience>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consecutive_missed: Option<u32>,
    /// The breach's identity, opaque: the same on every day the breach lasts, whatever the
    /// severity, and different for any other breach (domain.md §4), so that an alert is
    /// raised once per breach.
    pub breach: String,
}

impl FlagView {
    /// A flag about `child_id`.
    pub fn of(child_id: &str, f: &Flag) -> FlagView {
        FlagView {
            code: f.code,
            severity: f.severity,
            since: f.since,
            due: f.due,
            message: f.message(),
            subject: f.subject.clone(),
            raise_to: f.raise_to.clone(),
            consecutive_missed: f.consecutive_missed,
            breach: f.breach(child_id),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AnyAgencyView {
    pub last_seen: Option<NaiveDate>,
    /// `null` when it falls past the end of the plan's bank-holiday calendar.
    pub due: Option<NaiveDate>,
    /// `null` when `as_of` is past the end of the plan's bank-holiday calendar.
    pub working_days_since_seen: Option<u32>,
    /// `beyond_calendar` when the due date (or whether it is due soon) lies past the end of
    /// the plan's bank-holiday calendar.
    pub state: ClockState,
    /// The last date the calendar knows, when this clock needed a later one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar_ends: Option<NaiveDate>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SocialWorkerView {
    pub last_seen: Option<NaiveDate>,
    /// 20 calendar days after `last_seen`: known even past the calendar's end.
    pub due: Option<NaiveDate>,
    pub days_since_seen: i64,
    pub state: ClockState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar_ends: Option<NaiveDate>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HomeVisitView {
    pub last_visit: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    pub working_days_since_visit: Option<u32>,
    pub frequency: VisitFrequency,
    pub state: ClockState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar_ends: Option<NaiveDate>,
}

/// The urgent core group meeting, chaired by a team manager, that a child not seen by any
/// agency for 30 working days needs (seed 001 §5).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UrgentMeetingView {
    /// `true` while `not_seen_any_agency` is overdue.
    pub required: bool,
    /// The breach's first day (the day after the any-agency due date), when required.
    pub breach_began: Option<NaiveDate>,
    /// The first meeting held since then, to `as_of`, with a team manager in the chair.
    pub held_on: Option<NaiveDate>,
    pub meeting_id: Option<String>,
    /// Whether that meeting was recorded as urgent (it counts either way).
    pub marked_urgent: Option<bool>,
}

impl From<Option<&UrgentMeeting>> for UrgentMeetingView {
    fn from(u: Option<&UrgentMeeting>) -> UrgentMeetingView {
        let held = u.and_then(|u| u.held.as_ref());
        UrgentMeetingView {
            required: u.is_some(),
            breach_began: u.map(|u| u.breach_began),
            held_on: held.map(|h| h.held_on),
            meeting_id: held.map(|h| h.meeting_id.clone()),
            marked_urgent: held.map(|h| h.marked_urgent),
        }
    }
}

/// `GET /children/{id}/status` (contract.md).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatusView {
    pub child_id: String,
    pub given_name: String,
    pub family_name: String,
    pub as_of: NaiveDate,
    /// The moment of knowledge the status was computed from (RFC 3339, to the microsecond):
    /// asked again with it, the answer is the same.
    pub known_at: String,
    pub plan_id: String,
    pub plan_open: bool,
    pub any_agency: AnyAgencyView,
    pub social_worker: SocialWorkerView,
    pub home_visit: HomeVisitView,
    pub flags: Vec<FlagView>,
    /// Whether the urgent core group meeting a `not_seen_any_agency` breach asks for has
    /// been held (the child's status; a dashboard line leaves it out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urgent_meeting: Option<UrgentMeetingView>,
}

pub fn status_view(
    child: &Child,
    plan: &Plan,
    frequency: VisitFrequency,
    e: &Evaluation,
    at: &AsAt,
) -> StatusView {
    let mut view = status_view_of(
        child,
        plan,
        frequency,
        at,
        e.plan_open,
        [&e.any_agency, &e.social_worker, &e.home_visit],
        &e.flags,
    );
    view.urgent_meeting = Some(UrgentMeetingView::from(e.urgent_meeting.as_ref()));
    view
}

/// The status shape from its parts (the dashboard has clocks and their flags only).
pub fn status_view_of(
    child: &Child,
    plan: &Plan,
    frequency: VisitFrequency,
    at: &AsAt,
    plan_open: bool,
    [any, social, home]: [&Clock; 3],
    flags: &[Flag],
) -> StatusView {
    StatusView {
        child_id: child.id.clone(),
        given_name: child.given_name.clone(),
        family_name: child.family_name.clone(),
        as_of: at.as_of,
        known_at: at.known_at_text(),
        plan_id: plan.id.clone(),
        plan_open,
        any_agency: AnyAgencyView {
            last_seen: any.last_seen,
            due: any.due,
            working_days_since_seen: any.working_days_since,
            state: any.state,
            calendar_ends: any.calendar_ends,
        },
        social_worker: SocialWorkerView {
            last_seen: social.last_seen,
            due: social.due,
            days_since_seen: social.days_since,
            state: social.state,
            calendar_ends: social.calendar_ends,
        },
        home_visit: HomeVisitView {
            last_visit: home.last_seen,
            due: home.due,
            working_days_since_visit: home.working_days_since,
            frequency,
            state: home.state,
            calendar_ends: home.calendar_ends,
        },
        flags: flags.iter().map(|f| FlagView::of(&child.id, f)).collect(),
        urgent_meeting: None,
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccessEntryView {
    pub at: DateTime<Utc>,
    pub user_id: String,
    pub role: String,
    pub action: String,
    pub resource: String,
    pub address: String,
    pub outcome: String,
}

impl From<AccessEntry> for AccessEntryView {
    fn from(a: AccessEntry) -> AccessEntryView {
        AccessEntryView {
            at: instant(a.at),
            user_id: a.user_id,
            role: a.role,
            action: a.action,
            resource: a.resource,
            address: a.address,
            outcome: a.outcome,
        }
    }
}

/// One line of a chronology: `type` says which record, `occurred_at` orders them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChronologyEntry {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    pub summary: String,
    /// The full record, for sightings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sighting: Option<SightingView>,
}
