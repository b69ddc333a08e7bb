//! The GOV.UK bank-holidays feed: `{"england-and-wales": {"division": …, "events":
//! [{"title", "date", "notes", "bunting"}]}, "scotland": …, "northern-ireland": …}`.
//!
//! A feed is checked whole before anything is used: a bad date, an unknown division, a
//! "holiday" on a weekend, a duplicate date or a year with no holidays at all refuses the
//! whole feed, with the line and the reason.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde_json::Value;

use super::calendar::{Calendar, Holiday, Region};

/// England and Wales 2019–2028, shipped with the binary.
pub const SHIPPED_ENGLAND_AND_WALES: &str =
    include_str!("../../data/bank-holidays-england-and-wales.json");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct FeedError {
    pub line: usize,
    pub reason: String,
}

fn refuse(line: usize, reason: impl Into<String>) -> FeedError {
    FeedError {
        line,
        reason: reason.into(),
    }
}

/// The 1-based line of the `nth` (0-based) occurrence of `needle`, or of the start.
fn line_of(text: &str, needle: &str, nth: usize) -> usize {
    text.match_indices(needle)
        .nth(nth)
        .map(|(at, _)| text[..at].matches('\n').count() + 1)
        .unwrap_or(1)
}

/// Parses and checks a feed; answers one calendar per division it holds. Each calendar
/// covers the whole years from the first to the last year the division lists.
pub fn parse_feed(text: &str) -> Result<Vec<Calendar>, FeedError> {
    let root: Value = serde_json::from_str(text)
        .map_err(|e| refuse(e.line().max(1), format!("not valid JSON: {e}")))?;
    let divisions = root
        .as_object()
        .ok_or_else(|| refuse(1, "the feed must be a JSON object of divisions"))?;
    if divisions.is_empty() {
        return Err(refuse(1, "the feed holds no divisions"));
    }
    let mut calendars = Vec::new();
    for (key, division) in divisions {
        let key_line = line_of(text, &format!("\"{key}\""), 0);
        let region: Region = key
            .parse()
            .map_err(|e: String| refuse(key_line, format!("unknown division: {e}")))?;
        let named = division.get("division").and_then(Value::as_str);
        if named.is_some_and(|n| n != key) {
            return Err(refuse(
                key_line,
                format!(
                    "the division `{key}` says it is `{}`",
                    named.unwrap_or_default()
                ),
            ));
        }
        let events = division
            .get("events")
            .and_then(Value::as_array)
            .ok_or_else(|| refuse(key_line, format!("{key}: `events` must be a list")))?;
        let mut holidays = Vec::with_capacity(events.len());
        let mut seen: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        for (i, event) in events.iter().enumerate() {
            let raw = event.get("date").and_then(Value::as_str).ok_or_else(|| {
                refuse(
                    key_line,
                    format!("{key}: event {} has no `date` text", i + 1),
                )
            })?;
            let occurrence = seen.keys().filter(|d| d.to_string() == raw).count();
            let line = line_of(text, &format!("\"{raw}\""), occurrence);
            let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map_err(|_| refuse(line, format!("{key}: `{raw}` is not a date (YYYY-MM-DD)")))?;
            if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                return Err(refuse(
                    line,
                    format!(
                        "{key}: {raw} is a {}; bank holidays fall on weekdays (a substitute day is listed instead)",
                        date.format("%A")
                    ),
                ));
            }
            if seen.insert(date, i).is_some() {
                let line = line_of(text, &format!("\"{raw}\""), 1);
                return Err(refuse(line, format!("{key}: {raw} is listed twice")));
            }
            let title = event
                .get("title")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| refuse(line, format!("{key}: the holiday on {raw} has no title")))?;
            holidays.push(Holiday {
                date,
                title: title.to_string(),
            });
        }
        let (Some(first), Some(last)) = (seen.keys().next(), seen.keys().next_back()) else {
            return Err(refuse(key_line, format!("{key}: no holidays listed")));
        };
        // A year with no holidays in the middle of the range is almost surely missing from
        // the file; treating it as holiday-free would move every due date in it.
        let years: BTreeSet<i32> = seen.keys().map(|d| d.year()).collect();
        if let Some(gap) = (first.year()..=last.year()).find(|y| !years.contains(y)) {
            return Err(refuse(
                key_line,
                format!(
                    "{key}: no holidays listed for {gap}, between {} and {}",
                    first.year(),
                    last.year()
                ),
            ));
        }
        let start = NaiveDate::from_ymd_opt(first.year(), 1, 1).unwrap_or(*first);
        let end = NaiveDate::from_ymd_opt(last.year(), 12, 31).unwrap_or(*last);
        calendars.push(Calendar::new(region, start, end, holidays));
    }
    Ok(calendars)
}

/// The calendar shipped with the binary (England and Wales).
pub fn shipped() -> Result<Vec<Calendar>, FeedError> {
    parse_feed(SHIPPED_ENGLAND_AND_WALES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_shipped_feed_is_good_and_covers_2019_to_2028() {
        let calendars = shipped().unwrap();
        assert_eq!(calendars.len(), 1);
        let c = &calendars[0];
        assert_eq!(c.region(), Region::EnglandAndWales);
        assert_eq!(c.first(), d("2019-01-01"));
        assert_eq!(c.last(), d("2028-12-31"));
        // The one-off days: 2022 Platinum Jubilee and State Funeral, 2023 Coronation.
        for one_off in ["2022-06-03", "2022-09-19", "2023-05-08"] {
            assert!(!c.is_working_day(d(one_off)).unwrap(), "{one_off}");
        }
        // 2020's early May bank holiday moved to Friday 8 May (VE Day).
        assert!(!c.is_working_day(d("2020-05-08")).unwrap());
        assert!(c.is_working_day(d("2020-05-04")).unwrap());
        // Substitute days: Christmas 2021 fell on a Saturday.
        assert!(!c.is_working_day(d("2021-12-27")).unwrap());
        assert!(!c.is_working_day(d("2021-12-28")).unwrap());
    }

    fn feed(events: &str) -> String {
        format!(
            "{{\n  \"england-and-wales\": {{\n    \"division\": \"england-and-wales\",\n    \"events\": [\n{events}\n    ]\n  }}\n}}\n"
        )
    }

    fn event(date: &str) -> String {
        format!("      {{\"title\": \"Holiday\", \"date\": \"{date}\", \"notes\": \"\", \"bunting\": true}}")
    }

    #[test]
    fn a_good_small_feed_parses() {
        let text = feed(&[event("2026-01-01"), event("2026-12-25")].join(",\n"));
        let c = parse_feed(&text).unwrap();
        assert_eq!(c[0].first(), d("2026-01-01"));
        assert_eq!(c[0].last(), d("2026-12-31"));
    }

    #[test]
    fn each_malformed_feed_is_refused_with_line_and_reason() {
        let cases: Vec<(String, usize, &str)> = vec![
            (
                feed(&[event("2026-01-01"), event("2026-13-01")].join(",\n")),
                6,
                "not a date",
            ),
            (
                feed(&[event("2026-01-01"), event("2026-01-03")].join(",\n")),
                6,
                "Saturday",
            ),
            (
                feed(
                    &[
                        event("2026-01-01"),
                        event("2026-12-25"),
                        event("2026-01-01"),
                    ]
                    .join(",\n"),
                ),
                7,
                "listed twice",
            ),
            (
                feed(&[event("2025-01-01"), event("2027-01-01")].join(",\n")),
                2,
                "2026",
            ),
            (feed(""), 2, "no holidays"),
            (
                feed(&event("2026-01-01")).replace("england-and-wales", "wales"),
                2,
                "unknown division",
            ),
            (
                "{\n  \"england-and-wales\": [1,\n".to_string(),
                3,
                "not valid JSON",
            ),
            ("[1, 2]".to_string(), 1, "object"),
            (
                feed(&event("2026-01-01")).replace("\"title\": \"Holiday\"", "\"title\": \"\""),
                5,
                "no title",
            ),
        ];
        for (text, line, reason) in cases {
            let err = parse_feed(&text).unwrap_err();
            assert_eq!(err.line, line, "{err} in\n{text}");
            assert!(err.reason.contains(reason), "{err}");
        }
    }

    #[test]
    fn every_division_of_a_full_feed_is_read() {
        let text = r#"{"england-and-wales": {"division": "england-and-wales", "events": [{"title": "a", "date": "2026-01-01"}]},
                       "scotland": {"division": "scotland", "events": [{"title": "b", "date": "2026-01-02"}]},
                       "northern-ireland": {"division": "northern-ireland", "events": [{"title": "c", "date": "2026-03-17"}]}}"#;
        let c = parse_feed(text).unwrap();
        assert_eq!(c.len(), 3);
        let scotland = c.iter().find(|c| c.region() == Region::Scotland).unwrap();
        assert!(!scotland.is_working_day(d("2026-01-02")).unwrap());
    }
}
