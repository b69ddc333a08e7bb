//! Working days (domain.md §3): Monday to Friday, less the bank holidays of a region.
//!
//! A `Calendar` precomputes, for every date of its known range, how many working days fall on
//! or before it, and the list of working days in order; `is_working_day`, `add_working_days`
//! and `working_days_between` are then array look-ups, O(1) per call. A date outside the range
//! is an error naming the region and the range — never a guess.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// A bank-holiday region (the divisions of the GOV.UK feed).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum Region {
    #[serde(rename = "england-and-wales")]
    EnglandAndWales,
    #[serde(rename = "scotland")]
    Scotland,
    #[serde(rename = "northern-ireland")]
    NorthernIreland,
}

impl Region {
    pub const ALL: [Region; 3] = [
        Region::EnglandAndWales,
        Region::Scotland,
        Region::NorthernIreland,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Region::EnglandAndWales => "england-and-wales",
            Region::Scotland => "scotland",
            Region::NorthernIreland => "northern-ireland",
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Region {
    type Err = String;
    fn from_str(s: &str) -> Result<Region, String> {
        Region::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "`{s}` is not a region; expected one of england-and-wales, scotland, northern-ireland"
                )
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error(
        "{date} is outside the {region} calendar, which covers {first} to {last}; \
         an admin can import a newer bank-holiday feed"
    )]
    OutOfRange {
        region: Region,
        date: NaiveDate,
        first: NaiveDate,
        last: NaiveDate,
    },
    #[error("no bank-holiday calendar is loaded for {0}; an admin can import one")]
    NoCalendar(Region),
}

impl CalendarError {
    /// The calendar's last date, when the error is a date past it: the calendar has run out
    /// (domain.md §4, "beyond the calendar"), rather than a date before it or no calendar.
    pub fn past_end(&self) -> Option<NaiveDate> {
        match self {
            CalendarError::OutOfRange { date, last, .. } if date > last => Some(*last),
            _ => None,
        }
    }
}

/// How long before a calendar runs out admins are told (domain.md §4).
pub const ENDING_SOON_MONTHS: u32 = 6;

/// One bank holiday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holiday {
    pub date: NaiveDate,
    pub title: String,
}

/// The working days of one region over a known range of whole years.
#[derive(Debug, Clone)]
pub struct Calendar {
    region: Region,
    first: NaiveDate,
    last: NaiveDate,
    holidays: Vec<Holiday>,
    /// `ordinal[i]` = working days in `first ..= first + i`.
    ordinal: Vec<u32>,
    /// Every working day of the range, in order: `working[k]` is the (k+1)-th.
    working: Vec<NaiveDate>,
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl Calendar {
    /// Builds a calendar covering `first ..= last` with the given holidays (which must lie in
    /// the range; the feed parser checks that, and those outside are ignored here).
    pub fn new(
        region: Region,
        first: NaiveDate,
        last: NaiveDate,
        mut holidays: Vec<Holiday>,
    ) -> Calendar {
        holidays.sort_by_key(|h| h.date);
        holidays.dedup_by_key(|h| h.date);
        holidays.retain(|h| h.date >= first && h.date <= last);
        let days = usize::try_from((last - first).num_days() + 1).unwrap_or(0);
        let mut ordinal = Vec::with_capacity(days);
        let mut working = Vec::with_capacity(days * 5 / 7 + 1);
        let mut next_holiday = holidays.iter().map(|h| h.date).peekable();
        let mut count = 0u32;
        for date in first.iter_days().take(days) {
            let holiday = next_holiday.next_if_eq(&date).is_some();
            if !holiday && !is_weekend(date) {
                count += 1;
                working.push(date);
            }
            ordinal.push(count);
        }
        Calendar {
            region,
            first,
            last,
            holidays,
            ordinal,
            working,
        }
    }

    pub fn region(&self) -> Region {
        self.region
    }

    pub fn first(&self) -> NaiveDate {
        self.first
    }

    pub fn last(&self) -> NaiveDate {
        self.last
    }

    pub fn holidays(&self) -> &[Holiday] {
        &self.holidays
    }

    /// Whether the calendar ends within six months of `today` (or has already ended): time
    /// for an admin to import a newer feed.
    pub fn ends_soon(&self, today: NaiveDate) -> bool {
        today
            .checked_add_months(chrono::Months::new(ENDING_SOON_MONTHS))
            .is_none_or(|horizon| self.last < horizon)
    }

    fn out_of_range(&self, date: NaiveDate) -> CalendarError {
        CalendarError::OutOfRange {
            region: self.region,
            date,
            first: self.first,
            last: self.last,
        }
    }

    fn index(&self, date: NaiveDate) -> Result<usize, CalendarError> {
        if date < self.first || date > self.last {
            return Err(self.out_of_range(date));
        }
        usize::try_from((date - self.first).num_days()).map_err(|_| self.out_of_range(date))
    }

    /// Working days on or before `date` within the range.
    fn ordinal_of(&self, date: NaiveDate) -> Result<u32, CalendarError> {
        let i = self.index(date)?;
        self.ordinal
            .get(i)
            .copied()
            .ok_or_else(|| self.out_of_range(date))
    }

    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        let i = self.index(date)?;
        let before = if i == 0 { 0 } else { self.ordinal[i - 1] };
        Ok(self.ordinal[i] > before)
    }

    /// The n-th working day strictly after `date` (n ≥ 1; n = 0 answers `date` itself).
    /// With `count_event_day`, `date` itself, when a working day, is the first of the n.
    pub fn add_working_days(
        &self,
        date: NaiveDate,
        n: u32,
        count_event_day: bool,
    ) -> Result<NaiveDate, CalendarError> {
        if n == 0 {
            self.index(date)?;
            return Ok(date);
        }
        let mut k = self.ordinal_of(date)? + n - 1;
        if count_event_day && self.is_working_day(date)? {
            k -= 1;
        }
        match self.working.get(k as usize) {
            Some(d) => Ok(*d),
            // The answer lies past the last known date.
            None => Err(self.out_of_range(self.last.succ_opt().unwrap_or(self.last))),
        }
    }

    /// The number of working days w with a < w ≤ b (0 when b ≤ a).
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> Result<u32, CalendarError> {
        let (oa, ob) = (self.ordinal_of(a)?, self.ordinal_of(b)?);
        Ok(ob.saturating_sub(oa))
    }
}

/// The calendars of every region that has one.
#[derive(Debug, Clone, Default)]
pub struct Calendars {
    calendars: Vec<Calendar>,
}

impl Calendars {
    pub fn new(calendars: Vec<Calendar>) -> Calendars {
        Calendars { calendars }
    }

    pub fn get(&self, region: Region) -> Result<&Calendar, CalendarError> {
        self.calendars
            .iter()
            .find(|c| c.region == region)
            .ok_or(CalendarError::NoCalendar(region))
    }

    pub fn all(&self) -> &[Calendar] {
        &self.calendars
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn small() -> Calendar {
        // 2025: Christmas Thu 25, Boxing Day Fri 26; New Year Thu 1 Jan 2026.
        Calendar::new(
            Region::EnglandAndWales,
            d("2025-12-01"),
            d("2026-01-31"),
            vec![
                Holiday {
                    date: d("2025-12-25"),
                    title: "Christmas Day".into(),
                },
                Holiday {
                    date: d("2025-12-26"),
                    title: "Boxing Day".into(),
                },
                Holiday {
                    date: d("2026-01-01"),
                    title: "New Year’s Day".into(),
                },
            ],
        )
    }

    #[test]
    fn weekends_and_holidays_are_not_working_days() {
        let c = small();
        assert!(c.is_working_day(d("2025-12-24")).unwrap());
        assert!(!c.is_working_day(d("2025-12-25")).unwrap());
        assert!(!c.is_working_day(d("2025-12-27")).unwrap());
        assert!(!c.is_working_day(d("2026-01-01")).unwrap());
        assert!(c.is_working_day(d("2026-01-02")).unwrap());
        assert!(c.is_working_day(d("2025-12-01")).unwrap());
    }

    #[test]
    fn adding_counts_strictly_after() {
        let c = small();
        // Wed 24 Dec + 1 → Mon 29 Dec (25, 26 holidays; 27, 28 weekend).
        assert_eq!(
            c.add_working_days(d("2025-12-24"), 1, false).unwrap(),
            d("2025-12-29")
        );
        // From a holiday: the next working day.
        assert_eq!(
            c.add_working_days(d("2025-12-25"), 1, false).unwrap(),
            d("2025-12-29")
        );
        // Wed 31 Dec + 1 → Fri 2 Jan.
        assert_eq!(
            c.add_working_days(d("2025-12-31"), 1, false).unwrap(),
            d("2026-01-02")
        );
        assert_eq!(
            c.add_working_days(d("2025-12-31"), 0, false).unwrap(),
            d("2025-12-31")
        );
    }

    #[test]
    fn counting_the_event_day_makes_it_the_first() {
        let c = small();
        // Mon 1 Dec is a working day: with the setting it is day 1 of 5 → Fri 5 Dec.
        assert_eq!(
            c.add_working_days(d("2025-12-01"), 5, true).unwrap(),
            d("2025-12-05")
        );
        assert_eq!(
            c.add_working_days(d("2025-12-01"), 5, false).unwrap(),
            d("2025-12-08")
        );
        // A Saturday is not a working day: the setting changes nothing.
        assert_eq!(
            c.add_working_days(d("2025-12-06"), 1, true).unwrap(),
            c.add_working_days(d("2025-12-06"), 1, false).unwrap()
        );
        assert_eq!(
            c.add_working_days(d("2025-12-01"), 1, true).unwrap(),
            d("2025-12-01")
        );
    }

    #[test]
    fn between_counts_a_excluded_b_included() {
        let c = small();
        assert_eq!(
            c.working_days_between(d("2025-12-24"), d("2025-12-29"))
                .unwrap(),
            1
        );
        assert_eq!(
            c.working_days_between(d("2025-12-29"), d("2025-12-29"))
                .unwrap(),
            0
        );
        assert_eq!(
            c.working_days_between(d("2025-12-29"), d("2025-12-24"))
                .unwrap(),
            0
        );
        assert_eq!(
            c.working_days_between(d("2025-12-01"), d("2025-12-05"))
                .unwrap(),
            4
        );
    }

    #[test]
    fn outside_the_range_is_an_error_naming_region_and_range() {
        let c = small();
        let err = c.add_working_days(d("2026-01-30"), 5, false).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("england-and-wales")
                && text.contains("2025-12-01")
                && text.contains("2026-01-31"),
            "{text}"
        );
        assert!(c.is_working_day(d("2025-11-30")).is_err());
        assert!(c
            .working_days_between(d("2025-12-01"), d("2026-02-01"))
            .is_err());
    }

    #[test]
    fn past_the_end_is_told_apart_from_before_the_start() {
        let c = small();
        let after = c.add_working_days(d("2026-01-30"), 5, false).unwrap_err();
        assert_eq!(after.past_end(), Some(d("2026-01-31")));
        let between = c
            .working_days_between(d("2026-01-20"), d("2026-02-03"))
            .unwrap_err();
        assert_eq!(between.past_end(), Some(d("2026-01-31")));
        let before = c.is_working_day(d("2025-11-30")).unwrap_err();
        assert_eq!(before.past_end(), None);
        assert_eq!(CalendarError::NoCalendar(Region::Scotland).past_end(), None);
    }

    #[test]
    fn a_calendar_ends_soon_within_six_months() {
        let c = small();
        assert!(!c.ends_soon(d("2025-07-30")), "six months and a day ahead");
        assert!(c.ends_soon(d("2025-08-01")));
        assert!(c.ends_soon(d("2026-03-01")), "already ended");
    }

    #[test]
    fn regions_parse() {
        for r in Region::ALL {
            assert_eq!(r.as_str().parse::<Region>().unwrap(), r);
        }
        assert!("wales".parse::<Region>().is_err());
    }
}
