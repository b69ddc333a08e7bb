//! Bank-holiday calendars and the rule settings (policy).

use actix_web::{get, put, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::error::{ApiError, Problems};
use super::extract::{parse_json, ApiJson, RawJson};
use super::views::{instant, ListOf};
use super::AppState;
use crate::calendars::Source;
use crate::domain::calendar::{CalendarError, Region};
use crate::domain::policy::Policy;
use crate::services::admin::Actor;
use crate::services::settings::{self, CalendarInForce, PolicyChanges};
use crate::services::Requester;
use crate::services::ServiceError;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HolidayView {
    pub date: NaiveDate,
    pub title: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CalendarView {
    pub region: Region,
    /// The first and last dates the calendar knows; dates outside are refused, never guessed.
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// The last date the calendar knows (the same as `last`): a due date after it makes a
    /// clock answer `beyond_calendar`.
    pub ends: NaiveDate,
    /// The calendar ends within six months of today (or has ended): time for an admin to
    /// import a newer feed (domain.md §4).
    pub ends_within_six_months: bool,
    /// `shipped` (with the program) or `imported` (by an admin).
    pub source: &'static str,
    pub imported_at: Option<DateTime<Utc>>,
    pub imported_by: Option<String>,
    pub holiday_count: usize,
    /// Present when one calendar is asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holidays: Option<Vec<HolidayView>>,
}

fn view(shown: &CalendarInForce, with_holidays: bool, today: NaiveDate) -> CalendarView {
    let calendar = &shown.calendar;
    let (source, imported_at, imported_by) = match &shown.source {
        Source::Imported { at, by } => ("imported", Some(instant(*at)), by.clone()),
        Source::Shipped => ("shipped", None, None),
    };
    CalendarView {
        region: calendar.region(),
        first: calendar.first(),
        last: calendar.last(),
        ends: calendar.last(),
        ends_within_six_months: calendar.ends_soon(today),
        source,
        imported_at,
        imported_by,
        holiday_count: calendar.holidays().len(),
        holidays: with_holidays.then(|| {
            calendar
                .holidays()
                .iter()
                .map(|h| HolidayView {
                    date: h.date,
                    title: h.title.clone(),
                })
                .collect()
        }),
    }
}

fn views(calendars: &[CalendarInForce], today: NaiveDate) -> ListOf<CalendarView> {
    ListOf {
        items: calendars.iter().map(|c| view(c, false, today)).collect(),
    }
}

/// GET /api/v1/calendars — the calendars in force, by region: each one's first and last date
/// (`ends`), and whether it ends within six months.
#[utoipa::path(
    tag = "settings",
    security(("bearer" = [])),
    responses((status = 200, description = "Calendars in force", body = ListOf<CalendarView>), Problems)
)]
#[get("/calendars")]
pub async fn list_calendars(
    state: web::Data<AppState>,
    who: Requester,
) -> Result<HttpResponse, ApiError> {
    let calendars =
        settings::list_calendars(&state.services.calendars, &Actor::User(who.user)).await?;
    Ok(HttpResponse::Ok().json(views(&calendars, state.services.today())))
}

/// GET /api/v1/calendars/{region} — one region's range and bank holidays.
#[utoipa::path(
    tag = "settings",
    security(("bearer" = [])),
    params(("region" = String, Path, description = "england-and-wales, scotland or northern-ireland")),
    responses(
        (status = 200, description = "The calendar", body = CalendarView),
        Problems,
    )
)]
#[get("/calendars/{region}")]
pub async fn get_calendar(
    state: web::Data<AppState>,
    who: Requester,
    region: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let region: Region = region.parse().map_err(ApiError::NotFound)?;
    let shown = settings::get_calendar(&state.services.calendars, &Actor::User(who.user), region)
        .await
        .map_err(|e| match e {
            // The region is known and none is loaded for it: say so, and what to do.
            ServiceError::NotFound => {
                ApiError::NotFound(CalendarError::NoCalendar(region).to_string())
            }
            other => other.into(),
        })?;
    Ok(HttpResponse::Ok().json(view(&shown, true, state.services.today())))
}

/// PUT /api/v1/calendars — imports a GOV.UK bank-holidays feed (every division it holds).
/// The whole feed is checked first; any fault refuses all of it and the old calendars stay.
#[utoipa::path(
    tag = "settings",
    security(("bearer" = [])),
    request_body(content = Object, description = "The GOV.UK bank-holidays feed", content_type = "application/json"),
    responses(
        (status = 200, description = "The calendars now in force", body = ListOf<CalendarView>),
        Problems,
    )
)]
#[put("/calendars")]
pub async fn import_calendars(
    state: web::Data<AppState>,
    who: Requester,
    body: RawJson,
) -> Result<HttpResponse, ApiError> {
    let imported =
        settings::import_calendars(&state.services.calendars, &Actor::User(who.user), body.0)
            .await?;
    Ok(HttpResponse::Ok().json(views(&imported.in_force, state.services.today())))
}

/// GET /api/v1/policy — every number the rules use.
#[utoipa::path(
    tag = "settings",
    security(("bearer" = [])),
    responses((status = 200, description = "The rule settings", body = Policy), Problems)
)]
#[get("/policy")]
pub async fn get_policy(
    state: web::Data<AppState>,
    who: Requester,
) -> Result<HttpResponse, ApiError> {
    let policy = settings::get_policy(&state.services.store, &Actor::User(who.user)).await?;
    Ok(HttpResponse::Ok().json(policy))
}

/// PUT /api/v1/policy — changes rule settings: the fields given replace the current values,
/// fields not given keep theirs. Every value is checked; nothing changes if any is refused.
#[utoipa::path(
    tag = "settings",
    security(("bearer" = [])),
    request_body = Policy,
    responses(
        (status = 200, description = "The rule settings now in force", body = Policy),
        Problems,
    )
)]
#[put("/policy")]
pub async fn put_policy(
    state: web::Data<AppState>,
    who: Requester,
    body: ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> Result<HttpResponse, ApiError> {
    let changes = PolicyChanges::read(body.0, parse_json::<Policy>)?;
    let policy =
        settings::put_policy(&state.services.store, &Actor::User(who.user), changes).await?;
    Ok(HttpResponse::Ok().json(policy))
}
