//! The words people read for the service's values. Storage and the API use one snake_case
//! spelling (`not_present`); a sentence a person reads never does ("not present").

use super::case::{EndReason, PlanCategory};
use super::records::{
    ActionStatus, Attendance, Location, Outcome, RecordStatus, ReviewOutcome, SightingKind,
};

/// A value as a person reads it, in lower case to sit inside a sentence.
pub trait Phrase {
    fn phrase(&self) -> &'static str;
}

impl Phrase for SightingKind {
    fn phrase(&self) -> &'static str {
        match self {
            SightingKind::HomeVisit => "home visit",
            SightingKind::SchoolContact => "school contact",
            SightingKind::HealthContact => "health contact",
            SightingKind::PoliceContact => "police contact",
            SightingKind::OtherContact => "other contact",
        }
    }
}

impl Phrase for Outcome {
    fn phrase(&self) -> &'static str {
        match self {
            Outcome::SeenAlone => "seen alone",
            Outcome::SeenWithCarer => "seen with a carer",
            Outcome::Seen => "seen",
            Outcome::NotSeen => "not seen",
            Outcome::NotPresent => "not present",
        }
    }
}

impl Phrase for Location {
    fn phrase(&self) -> &'static str {
        match self {
            Location::Home => "home",
            Location::School => "school",
            Location::Nursery => "nursery",
            Location::HealthSetting => "a health setting",
            Location::PoliceStation => "a police station",
            Location::Office => "the office",
            Location::Community => "the community",
            Location::Other => "another place",
        }
    }
}

impl Phrase for RecordStatus {
    fn phrase(&self) -> &'static str {
        match self {
            RecordStatus::Draft => "draft",
            RecordStatus::Final => "final",
            RecordStatus::Withdrawn => "withdrawn",
        }
    }
}

impl Phrase for Attendance {
    fn phrase(&self) -> &'static str {
        match self {
            Attendance::Attended => "attended",
            Attendance::Apologies => "sent apologies",
            Attendance::DidNotAttend => "did not attend",
        }
    }
}

impl Phrase for ActionStatus {
    fn phrase(&self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::Done => "done",
            ActionStatus::Cancelled => "cancelled",
        }
    }
}

impl Phrase for ReviewOutcome {
    fn phrase(&self) -> &'static str {
        match self {
            ReviewOutcome::PlanContinues => "the plan continues",
            ReviewOutcome::PlanEnds => "the plan ends",
        }
    }
}

impl Phrase for PlanCategory {
    fn phrase(&self) -> &'static str {
        match self {
            PlanCategory::Neglect => "neglect",
            PlanCategory::Physical => "physical abuse",
            PlanCategory::Sexual => "sexual abuse",
            PlanCategory::Emotional => "emotional abuse",
            PlanCategory::Multiple => "multiple categories",
        }
    }
}

impl Phrase for EndReason {
    fn phrase(&self) -> &'static str {
        match self {
            EndReason::StepDownToCin => "stepped down to child in need",
            EndReason::NoLongerAtRisk => "no longer at risk",
            EndReason::MovedArea => "moved to another area",
            EndReason::CareProceedings => "care proceedings",
            EndReason::Other => "another reason",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::word;

    /// No phrase is a storage word with underscores, and none is empty.
    fn check<T: Phrase + serde::Serialize>(values: &[T]) {
        for v in values {
            assert!(!v.phrase().is_empty());
            assert!(!v.phrase().contains('_'), "{}", v.phrase());
            assert!(!word(v).is_empty());
        }
    }

    #[test]
    fn phrases_are_words_people_read() {
        check(&[
            SightingKind::HomeVisit,
            SightingKind::SchoolContact,
            SightingKind::HealthContact,
            SightingKind::PoliceContact,
            SightingKind::OtherContact,
        ]);
        check(&[
            Outcome::SeenAlone,
            Outcome::SeenWithCarer,
            Outcome::Seen,
            Outcome::NotSeen,
            Outcome::NotPresent,
        ]);
        assert_eq!(Outcome::NotPresent.phrase(), "not present");
        check(&[
            EndReason::StepDownToCin,
            EndReason::NoLongerAtRisk,
            EndReason::MovedArea,
            EndReason::CareProceedings,
            EndReason::Other,
        ]);
        check(&[
            Attendance::Attended,
            Attendance::Apologies,
            Attendance::DidNotAttend,
        ]);
    }
}
