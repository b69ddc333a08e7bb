//! Imported bank-holiday calendars.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::schema::{calendar_versions, calendars};
use super::{new_id, now, DbConnection, StoreError};
use crate::domain::calendar::{Calendar, Holiday, Region};

/// A stored calendar and where it came from.
#[derive(Debug, Clone)]
pub struct StoredCalendar {
    pub calendar: Calendar,
    pub imported_at: NaiveDateTime,
    pub imported_by: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct StoredHoliday {
    date: NaiveDate,
    title: String,
}

type Row = (
    String,
    NaiveDate,
    NaiveDate,
    String,
    NaiveDateTime,
    Option<String>,
);

pub fn load_all(conn: &mut DbConnection) -> Result<Vec<StoredCalendar>, StoreError> {
    let rows: Vec<Row> = calendars::table
        .select((
            calendars::region,
            calendars::first_date,
            calendars::last_date,
            calendars::holidays,
            calendars::imported_at,
            calendars::imported_by,
        ))
        .order(calendars::region)
        .load(conn)?;
    from_rows(rows)
}

/// The calendars as imported by `known_at`: each region's latest import by then.
pub fn load_known_at(
    conn: &mut DbConnection,
    known_at: NaiveDateTime,
) -> Result<Vec<StoredCalendar>, StoreError> {
    let versions: Vec<(String, NaiveDate, NaiveDate, String, NaiveDateTime)> =
        calendar_versions::table
            .filter(calendar_versions::imported_at.le(known_at))
            .order((calendar_versions::region, calendar_versions::imported_at))
            .select((
                calendar_versions::region,
                calendar_versions::first_date,
                calendar_versions::last_date,
                calendar_versions::holidays,
                calendar_versions::imported_at,
            ))
            .load(conn)?;
    let mut latest: Vec<Row> = Vec::new();
    for (region, first, last, holidays, at) in versions {
        // Ordered by region, then time: a later import of the same region replaces.
        if latest.last().is_some_and(|l| l.0 == region) {
            latest.pop();
        }
        latest.push((region, first, last, holidays, at, None));
    }
    from_rows(latest)
}

fn from_rows(rows: Vec<Row>) -> Result<Vec<StoredCalendar>, StoreError> {
    rows.into_iter()
        .map(
            |(region, first, last, holidays, imported_at, imported_by)| {
                let region: Region = region.parse().map_err(StoreError::Invalid)?;
                let holidays: Vec<StoredHoliday> =
                    serde_json::from_str(&holidays).map_err(|e| {
                        StoreError::Invalid(format!("stored holidays of {region}: {e}"))
                    })?;
                let holidays = holidays
                    .into_iter()
                    .map(|h| Holiday {
                        date: h.date,
                        title: h.title,
                    })
                    .collect();
                Ok(StoredCalendar {
                    calendar: Calendar::new(region, first, last, holidays),
                    imported_at,
                    imported_by,
                })
            },
        )
        .collect()
}

/// A cheap fingerprint of what is stored: changes whenever any calendar is imported.
pub fn version(conn: &mut DbConnection) -> Result<Vec<(String, NaiveDateTime)>, StoreError> {
    Ok(calendars::table
        .select((calendars::region, calendars::imported_at))
        .order(calendars::region)
        .load(conn)?)
}

/// Replaces the stored calendar of each region given (call inside one transaction, so a
/// feed is stored whole or not at all).
pub fn replace(
    conn: &mut DbConnection,
    imported: &[Calendar],
    imported_by: Option<&str>,
) -> Result<NaiveDateTime, StoreError> {
    let at = now();
    for calendar in imported {
        let holidays: Vec<StoredHoliday> = calendar
            .holidays()
            .iter()
            .map(|h| StoredHoliday {
                date: h.date,
                title: h.title.clone(),
            })
            .collect();
        let holidays = serde_json::to_string(&holidays)
            .map_err(|e| StoreError::Invalid(format!("holidays not storable: {e}")))?;
        let region = calendar.region().as_str();
        diesel::delete(calendars::table.find(region)).execute(conn)?;
        diesel::insert_into(calendars::table)
            .values((
                calendars::region.eq(region),
                calendars::first_date.eq(calendar.first()),
                calendars::last_date.eq(calendar.last()),
                calendars::holidays.eq(&holidays),
                calendars::imported_at.eq(at),
                calendars::imported_by.eq(imported_by),
            ))
            .execute(conn)?;
        // Every import kept: a status "as known" earlier counts the working days of then.
        diesel::insert_into(calendar_versions::table)
            .values((
                calendar_versions::id.eq(new_id()),
                calendar_versions::region.eq(region),
                calendar_versions::first_date.eq(calendar.first()),
                calendar_versions::last_date.eq(calendar.last()),
                calendar_versions::holidays.eq(&holidays),
                calendar_versions::imported_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(at)
}
