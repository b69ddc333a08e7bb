//! What the rules read: plain facts about one child's plan, as the store hands them over.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::calendar::Region;
use super::policy::VisitFrequency;

/// What kind of contact a sighting was (domain.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SightingKind {
    HomeVisit,
    SchoolContact,
    HealthContact,
    PoliceContact,
    OtherContact,
}

/// Whether the child was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    SeenAlone,
    SeenWithCarer,
    Seen,
    NotSeen,
    NotPresent,
}

impl Outcome {
    /// The outcomes in which the child was seen.
    pub fn is_seen(self) -> bool {
        matches!(
            self,
            Outcome::SeenAlone | Outcome::SeenWithCarer | Outcome::Seen
        )
    }
}

/// Where the contact took place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    Home,
    School,
    Nursery,
    HealthSetting,
    PoliceStation,
    Office,
    Community,
    Other,
}

/// Where a record stands: only a final one counts; a withdrawn draft is kept for the audit
/// trail and counts for nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    Draft,
    Final,
    Withdrawn,
}

/// The local date of an instant in the service's zone: 00:30 BST on 2 June is 2 June.
pub fn local_date(tz: Tz, at: DateTime<Utc>) -> NaiveDate {
    tz.from_utc_datetime(&at.naive_utc()).date_naive()
}

/// One contact record, as the rules need it.
#[derive(Debug, Clone, PartialEq)]
pub struct SightingFact {
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    /// `occurred_at` as a local date (see [`local_date`]).
    pub occurred_on: NaiveDate,
    pub status: RecordStatus,
    /// When the record became final (`None` while a draft).
    pub finalised_at: Option<DateTime<Utc>>,
    /// When its author withdrew the draft (`None` unless withdrawn).
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// A later version replaced this one; only the latest version counts.
    pub superseded: bool,
    /// The record this one corrects (`None` for a first version).
    pub supersedes: Option<String>,
    pub kind: SightingKind,
    pub outcome: Outcome,
    pub location: Location,
    /// Recorded by a social worker or team manager of a social-care agency.
    pub by_social_care: bool,
    pub bedroom_seen: Option<bool>,
    pub baby_awake: Option<bool>,
    /// When this version entered the record (a draft when first saved as one).
    pub recorded_at: DateTime<Utc>,
    /// When the correction that replaced it was recorded.
    pub superseded_at: Option<DateTime<Utc>>,
}

/// A team manager's decision after a failed home visit (seed 001 §3).
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionFact {
    pub sighting_id: String,
    pub decided_at: DateTime<Utc>,
    pub decided_on: NaiveDate,
    /// When it was typed in (`decided_at` may be earlier).
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanFacts {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    /// The plan's own visiting frequency at its start; the policy's default when `None`.
    pub visit_frequency: Option<VisitFrequency>,
    /// Dated changes of it, by `from` (two on one date: in the order recorded).
    pub frequency_changes: Vec<FrequencyFrom>,
    pub region: Region,
    /// Earlier plans for the same child ("second or subsequent plan").
    pub previous_plans: u32,
    /// When the end was recorded (`None`: not ended, or ended before this was kept).
    pub end_recorded_at: Option<DateTime<Utc>>,
}

/// A change of the plan's visiting frequency, in force from `from` (seed 001 §7);
/// `frequency: None` returns to the policy's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrequencyFrom {
    pub from: NaiveDate,
    pub frequency: Option<VisitFrequency>,
    /// When the change was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// A core group member over a span of dates (both ends included; `until: None` = still).
#[derive(Debug, Clone, PartialEq)]
pub struct MemberFact {
    pub user_id: String,
    pub agency_id: String,
    pub agency_name: String,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
    /// When the member was added, and when the end of the membership was recorded.
    pub recorded_at: DateTime<Utc>,
    pub until_recorded_at: Option<DateTime<Utc>>,
}

impl MemberFact {
    pub fn is_member_on(&self, date: NaiveDate) -> bool {
        self.from <= date && self.until.is_none_or(|u| date <= u)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    Attended,
    Apologies,
    DidNotAttend,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MinutesFact {
    /// Local date of publication; `None` while a draft.
    pub published_on: Option<NaiveDate>,
    /// Members the published minutes were sent to.
    pub distributed_to: Vec<String>,
    /// (member, local date acknowledged).
    pub acknowledgements: Vec<(String, NaiveDate)>,
    /// When they were published, sent to each of `distributed_to`, and each of
    /// `acknowledgements` recorded (same order; a missing entry counts as known always).
    pub published_at: Option<DateTime<Utc>>,
    pub distributed_at: Vec<DateTime<Utc>>,
    pub acknowledged_at: Vec<DateTime<Utc>>,
}

/// (member, attendance) for each member recorded at a meeting.
pub type AttendanceList = Vec<(String, Attendance)>;

#[derive(Debug, Clone, PartialEq)]
pub struct MeetingFact {
    pub id: String,
    pub held_on: NaiveDate,
    pub chair_id: Option<String>,
    /// (member, attendance); a member with no entry did not attend.
    pub attendance: Vec<(String, Attendance)>,
    pub minutes: Option<MinutesFact>,
    /// When the meeting was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Every attendance list recorded, oldest first (the last is `attendance`).
    pub attendance_history: Vec<(DateTime<Utc>, AttendanceList)>,
    /// Recorded as an urgent core group.
    pub urgent: bool,
    /// Its chair is a team manager (seed 001 §5: the urgent meeting after 30 working days).
    pub chaired_by_team_manager: bool,
}

/// Where an action stands (domain.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Open,
    Done,
    Cancelled,
}

/// What a review conference decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    PlanContinues,
    /// The plan ends at the review (for example a step down to child in need).
    PlanEnds,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActionFact {
    pub id: String,
    pub description: String,
    pub owner_id: String,
    /// The agency the owner acts for.
    pub agency_id: String,
    pub created_on: NaiveDate,
    pub due: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub cancelled_on: Option<NaiveDate>,
    /// When the action was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Every version written, oldest first (the last is what the fields above say).
    pub versions: Vec<ActionVersionFact>,
}

/// An action as it stood from `recorded_at`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionVersionFact {
    pub recorded_at: DateTime<Utc>,
    pub description: String,
    pub owner_id: String,
    pub agency_id: String,
    pub due: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub cancelled_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReviewFact {
    pub held_on: NaiveDate,
    /// When the review was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// Everything known about one child's plan.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFacts {
    pub date_of_birth: NaiveDate,
    pub plan: PlanFacts,
    pub sightings: Vec<SightingFact>,
    pub decisions: Vec<DecisionFact>,
    pub members: Vec<MemberFact>,
    pub meetings: Vec<MeetingFact>,
    pub actions: Vec<ActionFact>,
    pub reviews: Vec<ReviewFact>,
}

/// Whether a plan is open on `on` for its status: begun, and not ended on or before it (the
/// day a plan ends, at a review conference for example, it no longer is). The dashboard,
/// the chair's plans and a child's status answer alike (`rules::evaluate`).
pub fn plan_open_on(start: NaiveDate, end: Option<NaiveDate>, on: NaiveDate) -> bool {
    start <= on && end.is_none_or(|end| on < end)
}

/// Whole months from `from` to `to` (a birthday-style count).
pub fn months_between(from: NaiveDate, to: NaiveDate) -> i32 {
    use chrono::Datelike;
    let mut months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    if to.day() < from.day() {
        months -= 1;
    }
    months
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_dates_follow_british_summer_time() {
        let tz = chrono_tz::Europe::London;
        // 00:30 BST on 2 June 2026 is 23:30 UTC on 1 June.
        let at: DateTime<Utc> = "2026-06-01T23:30:00Z".parse().unwrap();
        assert_eq!(
            local_date(tz, at),
            "2026-06-02".parse::<NaiveDate>().unwrap()
        );
        // In winter, UTC and local agree.
        let at: DateTime<Utc> = "2026-01-01T23:30:00Z".parse().unwrap();
        assert_eq!(
            local_date(tz, at),
            "2026-01-01".parse::<NaiveDate>().unwrap()
        );
        // The night the clocks go back (25 Oct 2026): 00:30 UTC is 01:30 BST, still the 25th.
        let at: DateTime<Utc> = "2026-10-25T00:30:00Z".parse().unwrap();
        assert_eq!(
            local_date(tz, at),
            "2026-10-25".parse::<NaiveDate>().unwrap()
        );
        // The night they go forward (29 Mar 2026): 23:30 UTC on the 28th is 23:30 GMT, the 28th.
        let at: DateTime<Utc> = "2026-03-28T23:30:00Z".parse().unwrap();
        assert_eq!(
            local_date(tz, at),
            "2026-03-28".parse::<NaiveDate>().unwrap()
        );
    }

    #[test]
    fn months_between_counts_whole_months() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(months_between(d("2025-01-15"), d("2026-07-14")), 17);
        assert_eq!(months_between(d("2025-01-15"), d("2026-07-15")), 18);
        assert_eq!(months_between(d("2025-01-31"), d("2025-02-28")), 0);
    }
}
