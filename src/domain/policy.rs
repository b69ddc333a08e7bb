//! Every number the rules use (domain.md §4), with Central Bedfordshire's procedure (seed 001)
//! as the default. An admin may change them; a plan's own visiting frequency overrides the
//! default home-visit frequency.

use serde::{Deserialize, Serialize};

/// How often a child must have a home visit: every N working or calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitFrequency {
    pub every: u32,
    pub unit: FrequencyUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FrequencyUnit {
    WorkingDays,
    CalendarDays,
}

impl VisitFrequency {
    /// "every 10 working days"
    pub fn describe(&self) -> String {
        let unit = match self.unit {
            FrequencyUnit::WorkingDays => "working day",
            FrequencyUnit::CalendarDays => "day",
        };
        let plural = if self.every == 1 { "" } else { "s" };
        format!("every {} {unit}{plural}", self.every)
    }

    /// Whether visits this often are further apart than `other`'s. Units compare by a plain
    /// week: 5 working days are 7 days (so every 10 working days is every 14 days, seed 004's
    /// frequency), bank holidays aside.
    pub fn slower_than(&self, other: &VisitFrequency) -> bool {
        self.in_fifths_of_a_day() > other.in_fifths_of_a_day()
    }

    fn in_fifths_of_a_day(&self) -> u64 {
        let per = match self.unit {
            FrequencyUnit::WorkingDays => 7,
            FrequencyUnit::CalendarDays => 5,
        };
        u64::from(self.every) * per
    }
}

/// The deployment's rule settings. Field names are the API's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Seen by some agency at least every N working days (seed 001 §5).
    pub any_agency_working_days: u32,
    /// Seen by a social worker at least every N calendar days (seed 001 §4).
    pub social_worker_calendar_days: u32,
    /// Home visits, unless the plan says otherwise (seed 001 §1: 10 working days).
    pub home_visit_frequency: VisitFrequency,
    /// No plan's frequency, nor the default, may be slower than this (seed 001 §7: never
    /// less often than every 10 working days).
    pub min_visit_frequency: VisitFrequency,
    /// "Due soon" when the due date is at most this many working days away.
    pub warn_working_days: u32,
    /// After a failed home visit: a team manager's decision within N hours (seed 001 §3).
    pub failed_visit_decision_hours: u32,
    /// After a failed home visit: a further visit within N working days (seed 001 §3).
    pub failed_visit_revisit_working_days: u32,
    /// After a second failed home visit in a row: a visit within N hours of it (seed 001 §3).
    pub second_failed_visit_revisit_hours: u32,
    /// Children of this age (years) and over should be seen alone regularly (seed 001 §2).
    pub seen_alone_from_age_years: u32,
    /// Flag when this many social-work visits in a row did not see the child alone.
    pub not_seen_alone_after_visits: u32,
    /// Under this many months a child is a baby, to be seen awake at every visit (seed 001 §2).
    pub baby_under_months: u32,
    /// Flag when this many home visits in a row did not see the bedroom (seed 001 §2).
    pub bedroom_not_seen_after_visits: u32,
    /// At least this percentage of social-work visits take place at home (seed 004).
    pub home_visit_share_percent: u32,
    /// … over this many months, rolling (seed 004).
    pub home_visit_share_months: u32,
    /// A record should be final within N hours of the contact (seed 004).
    pub late_recording_hours: u32,
    /// Records finalised late are reported over this many months, rolling; a draft stays late
    /// however old.
    pub late_recording_months: u32,
    /// The first core group within N working days of the initial conference.
    pub first_core_group_working_days: u32,
    /// Core groups at most N calendar days apart (local policy: 6 weeks).
    pub core_group_interval_days: u32,
    /// An agency missing this many meetings in a row escalates (seed 002).
    pub attendance_gap_escalate_after: u32,
    /// Minutes published to every member within N working days of the meeting (seed 002).
    pub minutes_distribution_working_days: u32,
    /// Each member acknowledges published minutes within N working days.
    pub minutes_acknowledgement_working_days: u32,
    /// The first review conference within N months of the initial conference.
    pub first_review_months: u32,
    /// Later reviews at most N months apart.
    pub review_interval_months: u32,
    /// A plan open longer than N months is a risk signal (seeds 001 §8, 003).
    pub long_plan_months: u32,
    /// Count the event's own day, when a working day, as the first of N working days.
    pub count_event_day: bool,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            any_agency_working_days: 30,
            social_worker_calendar_days: 20,
            home_visit_frequency: VisitFrequency {
                every: 10,
                unit: FrequencyUnit::WorkingDays,
            },
            min_visit_frequency: VisitFrequency {
                every: 10,
                unit: FrequencyUnit::WorkingDays,
            },
            warn_working_days: 5,
            failed_visit_decision_hours: 24,
            failed_visit_revisit_working_days: 5,
            second_failed_visit_revisit_hours: 24,
            seen_alone_from_age_years: 4,
            not_seen_alone_after_visits: 2,
            baby_under_months: 18,
            bedroom_not_seen_after_visits: 2,
            home_visit_share_percent: 50,
            home_visit_share_months: 3,
            late_recording_hours: 48,
            late_recording_months: 3,
            first_core_group_working_days: 10,
            core_group_interval_days: 42,
            attendance_gap_escalate_after: 2,
            minutes_distribution_working_days: 5,
            minutes_acknowledgement_working_days: 5,
            first_review_months: 3,
            review_interval_months: 6,
            long_plan_months: 15,
            count_event_day: false,
        }
    }
}

/// One setting out of bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyProblem {
    pub field: &'static str,
    pub reason: String,
}

impl Policy {
    /// Checks every number is within a sensible range; answers each one that is not.
    pub fn check(&self) -> Vec<PolicyProblem> {
        let bounds: [(&'static str, u32, u32, u32); 24] = [
            (
                "any_agency_working_days",
                self.any_agency_working_days,
                1,
                250,
            ),
            (
                "social_worker_calendar_days",
                self.social_worker_calendar_days,
                1,
                365,
            ),
            (
                "home_visit_frequency.every",
                self.home_visit_frequency.every,
                1,
                365,
            ),
            (
                "min_visit_frequency.every",
                self.min_visit_frequency.every,
                1,
                365,
            ),
            ("warn_working_days", self.warn_working_days, 0, 60),
            (
                "failed_visit_decision_hours",
                self.failed_visit_decision_hours,
                1,
                720,
            ),
            (
                "failed_visit_revisit_working_days",
                self.failed_visit_revisit_working_days,
                1,
                60,
            ),
            (
                "second_failed_visit_revisit_hours",
                self.second_failed_visit_revisit_hours,
                1,
                720,
            ),
            (
                "seen_alone_from_age_years",
                self.seen_alone_from_age_years,
                0,
                17,
            ),
            (
                "not_seen_alone_after_visits",
                self.not_seen_alone_after_visits,
                1,
                20,
            ),
            ("baby_under_months", self.baby_under_months, 1, 60),
            (
                "bedroom_not_seen_after_visits",
                self.bedroom_not_seen_after_visits,
                1,
                20,
            ),
            (
                "home_visit_share_percent",
                self.home_visit_share_percent,
                0,
                100,
            ),
            (
                "home_visit_share_months",
                self.home_visit_share_months,
                1,
                24,
            ),
            ("late_recording_hours", self.late_recording_hours, 1, 720),
            ("late_recording_months", self.late_recording_months, 1, 24),
            (
                "first_core_group_working_days",
                self.first_core_group_working_days,
                1,
                120,
            ),
            (
                "core_group_interval_days",
                self.core_group_interval_days,
                1,
                365,
            ),
            (
                "attendance_gap_escalate_after",
                self.attendance_gap_escalate_after,
                1,
                20,
            ),
            (
                "minutes_distribution_working_days",
                self.minutes_distribution_working_days,
                1,
                60,
            ),
            (
                "minutes_acknowledgement_working_days",
                self.minutes_acknowledgement_working_days,
                1,
                60,
            ),
            ("first_review_months", self.first_review_months, 1, 24),
            ("review_interval_months", self.review_interval_months, 1, 24),
            ("long_plan_months", self.long_plan_months, 1, 120),
        ];
        let mut problems: Vec<PolicyProblem> = bounds
            .into_iter()
            .filter(|(_, value, min, max)| value < min || value > max)
            .map(|(field, value, min, max)| PolicyProblem {
                field,
                reason: format!("must be from {min} to {max} (it is {value})"),
            })
            .collect();
        if self
            .home_visit_frequency
            .slower_than(&self.min_visit_frequency)
        {
            problems.push(PolicyProblem {
                field: "home_visit_frequency",
                reason: format!(
                    "must not be slower than min_visit_frequency ({})",
                    self.min_visit_frequency.describe()
                ),
            });
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_spec_numbers_and_pass_their_own_check() {
        let p = Policy::default();
        assert_eq!(p.any_agency_working_days, 30);
        assert_eq!(p.social_worker_calendar_days, 20);
        assert_eq!(p.home_visit_frequency.describe(), "every 10 working days");
        assert!(p.check().is_empty());
    }

    #[test]
    fn missing_fields_take_their_defaults_and_unknown_ones_are_refused() {
        let p: Policy = serde_json::from_str(r#"{"any_agency_working_days": 25}"#).unwrap();
        assert_eq!(p.any_agency_working_days, 25);
        assert_eq!(p.warn_working_days, 5);
        assert!(serde_json::from_str::<Policy>(r#"{"any_agency_days": 25}"#).is_err());
    }

    #[test]
    fn out_of_bounds_values_are_named() {
        let p = Policy {
            any_agency_working_days: 0,
            home_visit_share_percent: 101,
            ..Policy::default()
        };
        let fields: Vec<_> = p.check().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            ["any_agency_working_days", "home_visit_share_percent"]
        );
    }

    #[test]
    fn frequencies_compare_by_a_plain_week() {
        let wd = |every| VisitFrequency {
            every,
            unit: FrequencyUnit::WorkingDays,
        };
        let cd = |every| VisitFrequency {
            every,
            unit: FrequencyUnit::CalendarDays,
        };
        assert!(!cd(14).slower_than(&wd(10)));
        assert!(cd(15).slower_than(&wd(10)));
        assert!(wd(11).slower_than(&wd(10)));
        assert!(!wd(5).slower_than(&wd(10)));
        let p = Policy {
            home_visit_frequency: cd(15),
            ..Policy::default()
        };
        let fields: Vec<_> = p.check().into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["home_visit_frequency"]);
    }
}
