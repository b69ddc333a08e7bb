//! Dates, times and states in the words of GOV.UK's style guide: "3 February 2026", "4:30pm",
//! "Overdue" — never a colour alone.

use chrono::{DateTime, NaiveDate, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::domain::rules::{ClockState, Severity};

/// "3 February 2026".
pub fn date(day: NaiveDate) -> String {
    day.format("%-d %B %Y").to_string()
}

/// "3 February 2026", or `none` when there is no date.
pub fn date_or(day: Option<NaiveDate>, none: &str) -> String {
    day.map(date).unwrap_or_else(|| none.to_string())
}

/// "4:30pm", "9am", "12pm" (midday), "12am" (midnight).
pub fn time(at: NaiveTime) -> String {
    let (pm, hour) = at.hour12();
    let suffix = if pm { "pm" } else { "am" };
    if at.minute() == 0 {
        format!("{hour}{suffix}")
    } else {
        format!("{hour}:{:02}{suffix}", at.minute())
    }
}

/// "3 February 2026 at 4:30pm", in the service's zone.
pub fn instant(tz: Tz, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&tz);
    format!("{} at {}", date(local.date_naive()), time(local.time()))
}

/// A moment a person typed for "known at": `2026-01-16 23:59` (or `T` between) in the
/// service's zone, or RFC 3339. `None` when blank; an error that says what to enter.
pub fn parse_known_at(tz: Tz, raw: Option<&str>) -> Result<Option<DateTime<Utc>>, String> {
    use chrono::TimeZone;
    const ASK: &str =
        "Enter when the record was looked at, like 2026-01-16 23:59, or leave it blank for now";
    let text = match raw.map(str::trim) {
        None | Some("") => return Ok(None),
        Some(text) => text,
    };
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(at.with_timezone(&Utc)));
    }
    let local = [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ]
    .iter()
    .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok())
    .ok_or_else(|| ASK.to_string())?;
    // The hour the clocks go forward does not exist; the hour they go back happens twice
    // (the first is meant).
    tz.from_local_datetime(&local)
        .earliest()
        .map(|at| Some(at.with_timezone(&Utc)))
        .ok_or_else(|| {
            "That time did not exist here (the clocks went forward); enter another".to_string()
        })
}

/// "16 January 2026 at 11:59pm" in the service's zone, for a `known_at` shown back.
pub fn known_at_field(tz: Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// A GOV.UK tag: its words and its colour class (the words carry the meaning).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tag {
    pub text: &'static str,
    pub classes: &'static str,
}

/// A clock's state as a tag.
pub fn clock_tag(state: ClockState) -> Tag {
    match state {
        ClockState::Overdue => Tag {
            text: "Overdue",
            classes: "govuk-tag--red",
        },
        ClockState::DueSoon => Tag {
            text: "Due soon",
            classes: "govuk-tag--yellow",
        },
        ClockState::Ok => Tag {
            text: "On time",
            classes: "govuk-tag--green",
        },
        ClockState::BeyondCalendar => Tag {
            text: "Beyond the calendar",
            classes: "govuk-tag--grey",
        },
    }
}

/// A flag's severity as a tag.
pub fn severity_tag(severity: Severity) -> Tag {
    match severity {
        Severity::High => Tag {
            text: "Overdue",
            classes: "govuk-tag--red",
        },
        Severity::Medium => Tag {
            text: "Due soon",
            classes: "govuk-tag--yellow",
        },
        Severity::Low => Tag {
            text: "For reports",
            classes: "govuk-tag--grey",
        },
    }
}

/// Reads a date typed as three GOV.UK date-input boxes, leniently: "3" or "03", "2" or "Feb"
/// or "February", and a four-digit year. Answers which box is wrong when one is.
pub fn parse_date_parts(day: &str, month: &str, year: &str) -> Result<NaiveDate, DateProblem> {
    let (day, month, year) = (day.trim(), month.trim(), year.trim());
    if day.is_empty() && month.is_empty() && year.is_empty() {
        return Err(DateProblem::Missing);
    }
    let d: u32 = day.parse().map_err(|_| DateProblem::Day)?;
    let m = month_number(month).ok_or(DateProblem::Month)?;
    if year.len() != 4 {
        return Err(DateProblem::Year);
    }
    let y: i32 = year.parse().map_err(|_| DateProblem::Year)?;
    NaiveDate::from_ymd_opt(y, m, d).ok_or(DateProblem::NotReal)
}

/// What is wrong with a typed date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateProblem {
    Missing,
    Day,
    Month,
    Year,
    NotReal,
}

impl DateProblem {
    /// The GOV.UK error message for a date called `what` ("the date of the contact").
    pub fn message(self, what: &str) -> String {
        match self {
            DateProblem::Missing => format!("Enter {what}"),
            DateProblem::Day => format!("{} must include a day", capitalise(what)),
            DateProblem::Month => format!("{} must include a month", capitalise(what)),
            DateProblem::Year => format!("{} must include a year, like 2026", capitalise(what)),
            DateProblem::NotReal => format!("{} must be a real date", capitalise(what)),
        }
    }

    /// The box to link from the error summary: `-day`, `-month` or `-year`.
    pub fn part(self) -> &'static str {
        match self {
            DateProblem::Month => "month",
            DateProblem::Year => "year",
            _ => "day",
        }
    }
}

/// "seen alone" → "Seen alone".
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn month_number(text: &str) -> Option<u32> {
    if let Ok(n) = text.parse::<u32>() {
        return (1..=12).contains(&n).then_some(n);
    }
    const NAMES: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let lower = text.to_lowercase();
    if lower.len() < 3 {
        return None;
    }
    NAMES
        .iter()
        .position(|name| name.starts_with(&lower) || (lower == "sept" && *name == "september"))
        .map(|i| i as u32 + 1)
}

/// Reads a time of day: "16:30", "4:30pm", "4.30 pm", "4pm", "noon", "midday".
pub fn parse_time(text: &str) -> Option<NaiveTime> {
    let t = text.trim().to_lowercase().replace(' ', "");
    if t == "noon" || t == "midday" {
        return NaiveTime::from_hms_opt(12, 0, 0);
    }
    let (body, meridiem) = if let Some(b) = t.strip_suffix("am") {
        (b, Some(false))
    } else if let Some(b) = t.strip_suffix("pm") {
        (b, Some(true))
    } else {
        (t.as_str(), None)
    };
    let (h, m) = match body.split_once([':', '.']) {
        Some((h, m)) => (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?),
        None => (body.parse::<u32>().ok()?, 0),
    };
    let hour = match meridiem {
        Some(pm) => {
            if !(1..=12).contains(&h) {
                return None;
            }
            (h % 12) + if pm { 12 } else { 0 }
        }
        None => h,
    };
    NaiveTime::from_hms_opt(hour, m, 0)
}

/// A flag's name, as a filter option or a heading ("Not seen by any agency").
pub fn flag_name(code: crate::domain::rules::FlagCode) -> &'static str {
    use crate::domain::rules::FlagCode as F;
    match code {
        F::NotSeenAnyAgency => "Not seen by any agency",
        F::NotSeenBySocialWorker => "Not seen by the social worker",
        F::HomeVisitDue => "Home visit due",
        F::FailedVisitDecision => "Failed visit: no manager decision",
        F::FailedVisitRevisit => "Failed visit: no revisit",
        F::NotSeenAlone => "Not seen alone",
        F::BabyNotSeenAwake => "Baby not seen awake",
        F::BedroomNotSeen => "Bedroom not seen",
        F::HomeVisitShare => "Home visits by one worker",
        F::LateRecording => "Late recording",
        F::FirstCoreGroupDue => "First core group due",
        F::CoreGroupOverdue => "Core group overdue",
        F::CoreGroupAttendanceGap => "Core group attendance gap",
        F::MinutesNotDistributed => "Minutes not sent",
        F::MinutesNotAcknowledged => "Minutes not read",
        F::ActionOverdue => "Action overdue",
        F::ReviewConferenceDue => "Review conference due",
        F::LongPlan => "Long plan",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn dates_and_times_read_as_gov_uk_writes_them() {
        assert_eq!(date(d("2026-02-03")), "3 February 2026");
        assert_eq!(time(NaiveTime::from_hms_opt(16, 30, 0).unwrap()), "4:30pm");
        assert_eq!(time(NaiveTime::from_hms_opt(9, 0, 0).unwrap()), "9am");
        assert_eq!(time(NaiveTime::from_hms_opt(12, 0, 0).unwrap()), "12pm");
        assert_eq!(time(NaiveTime::from_hms_opt(0, 5, 0).unwrap()), "12:05am");
        let at: DateTime<Utc> = "2026-06-01T23:30:00Z".parse().unwrap();
        assert_eq!(
            instant(chrono_tz::Europe::London, at),
            "2 June 2026 at 12:30am"
        );
    }

    #[test]
    fn typed_dates_are_read_leniently() {
        assert_eq!(parse_date_parts("3", "2", "2026"), Ok(d("2026-02-03")));
        assert_eq!(parse_date_parts("03", "Feb", "2026"), Ok(d("2026-02-03")));
        assert_eq!(
            parse_date_parts(" 3 ", "february", "2026"),
            Ok(d("2026-02-03"))
        );
        assert_eq!(parse_date_parts("3", "Sept", "2026"), Ok(d("2026-09-03")));
        assert_eq!(parse_date_parts("", "", ""), Err(DateProblem::Missing));
        assert_eq!(parse_date_parts("x", "2", "2026"), Err(DateProblem::Day));
        assert_eq!(parse_date_parts("3", "13", "2026"), Err(DateProblem::Month));
        assert_eq!(parse_date_parts("3", "Ma", "2026"), Err(DateProblem::Month));
        assert_eq!(parse_date_parts("3", "2", "26"), Err(DateProblem::Year));
        assert_eq!(
            parse_date_parts("30", "2", "2026"),
            Err(DateProblem::NotReal)
        );
    }

    #[test]
    fn typed_times_are_read_leniently() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0);
        assert_eq!(parse_time("16:30"), t(16, 30));
        assert_eq!(parse_time("4:30pm"), t(16, 30));
        assert_eq!(parse_time("4.30 PM"), t(16, 30));
        assert_eq!(parse_time("4pm"), t(16, 0));
        assert_eq!(parse_time("12am"), t(0, 0));
        assert_eq!(parse_time("12pm"), t(12, 0));
        assert_eq!(parse_time("midday"), t(12, 0));
        assert_eq!(parse_time("9"), t(9, 0));
        assert_eq!(parse_time("13pm"), None);
        assert_eq!(parse_time("25:00"), None);
        assert_eq!(parse_time("soon"), None);
    }
}
