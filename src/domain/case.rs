//! The words of a case: plans, their categories and endings, and what makes a sighting
//! acceptable (domain.md §2).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::records::SightingKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanCategory {
    Neglect,
    Physical,
    Sexual,
    Emotional,
    Multiple,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// Stepped down to a Child in Need plan.
    StepDownToCin,
    NoLongerAtRisk,
    MovedArea,
    CareProceedings,
    Other,
}

/// Turns a snake_case enum into its word, and back, through serde (one spelling only).
pub fn word<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

pub fn from_word<T: serde::de::DeserializeOwned>(word: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(word.to_string()))
        .map_err(|_| format!("`{word}` is not understood"))
}

/// The most a free-text field of a record may hold.
pub const MAX_TEXT_CHARS: usize = 20_000;
/// How far ahead of the server's clock a device's clock may run before a record is refused
/// as "in the future".
pub const CLOCK_SKEW_SECONDS: i64 = 300;

/// A field of a record that cannot be accepted, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub reason: String,
}

fn refuse(field: &'static str, reason: impl Into<String>) -> Refusal {
    Refusal {
        field,
        reason: reason.into(),
    }
}

/// The earliest date of birth accepted: no child on a plan was born before it, so an older
/// date is a slip of the keyboard (or a probe of the database's date range).
pub const EARLIEST_DATE_OF_BIRTH: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};

/// Checks a child's date of birth: from 1900-01-01 to `today`.
pub fn check_date_of_birth(date_of_birth: NaiveDate, today: NaiveDate) -> Result<(), String> {
    if date_of_birth > today {
        return Err("is in the future".into());
    }
    if date_of_birth < EARLIEST_DATE_OF_BIRTH {
        return Err(format!("is before {EARLIEST_DATE_OF_BIRTH}"));
    }
    Ok(())
}

/// A plan's span: its start, and its end if it has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanSpan {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

impl PlanSpan {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && self.end.is_none_or(|e| date <= e)
    }
}

/// What a new sighting claims, as far as the checks need it.
#[derive(Debug, Clone)]
pub struct SightingClaim<'a> {
    pub occurred_at: DateTime<Utc>,
    pub occurred_on: NaiveDate,
    pub kind: SightingKind,
    pub by_social_care: bool,
    pub texts: [(&'static str, Option<&'a str>); 3],
}

/// Checks a sighting against the child and the clock: not in the future, not before the
/// child's birth, on a day the child was on a plan, a home visit only from social care.
pub fn check_sighting(
    claim: &SightingClaim<'_>,
    now: DateTime<Utc>,
    date_of_birth: NaiveDate,
    plans: &[PlanSpan],
) -> Result<(), Refusal> {
    if claim.occurred_at > now + chrono::Duration::seconds(CLOCK_SKEW_SECONDS) {
        return Err(refuse(
            "occurred_at",
            "is in the future; record a contact once it has happened",
        ));
    }
    if claim.occurred_on < date_of_birth {
        return Err(refuse(
            "occurred_at",
            format!("is before the child's date of birth ({date_of_birth})"),
        ));
    }
    if !plans.iter().any(|p| p.contains(claim.occurred_on)) {
        return Err(refuse(
            "occurred_at",
            format!(
                "the child was not on a child protection plan on {}",
                claim.occurred_on
            ),
        ));
    }
    if claim.kind == SightingKind::HomeVisit && !claim.by_social_care {
        return Err(refuse(
            "kind",
            "a home_visit is the social worker's statutory visit; record your contact at the home as health_contact, police_contact or other_contact with location home",
        ));
    }
    for (field, text) in claim.texts {
        if text.is_some_and(|t| t.chars().count() > MAX_TEXT_CHARS) {
            return Err(refuse(
                field,
                format!("must be at most {MAX_TEXT_CHARS} characters"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn dates_of_birth_run_from_1900_to_today() {
        let today = d("2026-03-02");
        assert!(check_date_of_birth(d("1900-01-01"), today).is_ok());
        assert!(check_date_of_birth(today, today).is_ok());
        assert_eq!(
            check_date_of_birth(d("1899-12-31"), today),
            Err("is before 1900-01-01".into())
        );
        assert!(check_date_of_birth(d("0001-01-01"), today).is_err());
        assert!(check_date_of_birth(NaiveDate::MIN, today).is_err());
        assert_eq!(
            check_date_of_birth(d("2026-03-03"), today),
            Err("is in the future".into())
        );
    }

    fn claim(at: &str, kind: SightingKind, by_social_care: bool) -> SightingClaim<'static> {
        let occurred_at: DateTime<Utc> = at.parse().unwrap();
        SightingClaim {
            occurred_at,
            occurred_on: occurred_at.date_naive(),
            kind,
            by_social_care,
            texts: [
                ("observations", None),
                ("childs_voice", None),
                ("people_present", None),
            ],
        }
    }

    #[test]
    fn acceptable_and_refused_sightings() {
        let now: DateTime<Utc> = "2026-03-10T12:00:00Z".parse().unwrap();
        let plans = [PlanSpan {
            start: d("2026-01-05"),
            end: None,
        }];
        let dob = d("2020-01-01");
        let ok = claim("2026-03-09T10:00:00Z", SightingKind::SchoolContact, false);
        assert!(check_sighting(&ok, now, dob, &plans).is_ok());

        let future = claim("2026-03-11T10:00:00Z", SightingKind::SchoolContact, false);
        assert_eq!(
            check_sighting(&future, now, dob, &plans).unwrap_err().field,
            "occurred_at"
        );
        // A device clock a minute fast is tolerated.
        let skew = claim("2026-03-10T12:01:00Z", SightingKind::SchoolContact, false);
        assert!(check_sighting(&skew, now, dob, &plans).is_ok());

        let before_birth = claim("2026-02-01T10:00:00Z", SightingKind::SchoolContact, false);
        let err = check_sighting(&before_birth, now, d("2026-02-15"), &plans).unwrap_err();
        assert!(err.reason.contains("date of birth"));

        let before_plan = claim("2026-01-04T10:00:00Z", SightingKind::SchoolContact, false);
        let err = check_sighting(&before_plan, now, dob, &plans).unwrap_err();
        assert!(err.reason.contains("not on a child protection plan"));
        let ended = [PlanSpan {
            start: d("2026-01-05"),
            end: Some(d("2026-02-01")),
        }];
        assert!(check_sighting(&ok, now, dob, &ended).is_err());

        let home = claim("2026-03-09T10:00:00Z", SightingKind::HomeVisit, false);
        assert_eq!(
            check_sighting(&home, now, dob, &plans).unwrap_err().field,
            "kind"
        );
        let home = claim("2026-03-09T10:00:00Z", SightingKind::HomeVisit, true);
        assert!(check_sighting(&home, now, dob, &plans).is_ok());

        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        let mut too_long = ok.clone();
        too_long.texts[1] = ("childs_voice", Some(&long));
        assert_eq!(
            check_sighting(&too_long, now, dob, &plans)
                .unwrap_err()
                .field,
            "childs_voice"
        );
    }

    #[test]
    fn words_round_trip() {
        assert_eq!(word(&EndReason::StepDownToCin), "step_down_to_cin");
        assert_eq!(
            from_word::<PlanCategory>("neglect"),
            Ok(PlanCategory::Neglect)
        );
        assert!(from_word::<PlanCategory>("other").is_err());
    }
}
