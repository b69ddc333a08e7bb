//! Bank-holiday calendars and the rule settings (policy).

use actix_web::{get, put, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::error::{ApiError, InvalidParam, Problem};
use super::extract::{ApiJson, Caller, RawJson};
use super::views::{instant, ListOf};
use super::AppState;
use crate::access::{self, Permission};
use crate::calendars::{ImportError, InForce, Source};
use crate::domain::calendar::{Calendar, Region};
use crate::domain::policy::Policy;
use crate::store::settings as stored;

impl From<ImportError> for ApiError {
    fn from(e: ImportError) -> ApiError {
        match e {
            ImportError::Feed(feed) => ApiError::invalid("feed", feed.to_string()),
            ImportError::Store(s) => s.into(),
        }
    }
}

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
    /// `shipped` (with the program) or `imported` (by an admin).
    pub source: &'static str,
    pub imported_at: Option<DateTime<Utc>>,
    pub imported_by: Option<String>,
    pub holiday_count: usize,
    /// Present when one calendar is asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holidays: Option<Vec<HolidayView>>,
}

fn view(calendar: &Calendar, in_force: &InForce, with_holidays: bool) -> CalendarView {
    let (source, imported_at, imported_by) = match in_force.source(calendar.region()) {
        Some(Source::Imported { at, by }) => ("imported", Some(instant(*at)), by.clone()),
        _ => ("shipped", None, None),
    };
    CalendarView {
        region: calendar.region(),
        first: calendar.first(),
        last: calendar.last(),
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

/// GET /api/v1/calendars — the calendars in force, by region.
#[utoipa::path(
    tag = "settings",
    security(("bearer" = [])),
    responses((status = 200, description = "Calendars in force", body = ListOf<CalendarView>))
)]
#[get("/calendars")]
pub async fn list_calendars(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    access::require(&caller.0, Permission::ReadSettings)?;
    let in_force = state.calendars.current().await?;
    let items: Vec<CalendarView> = in_force
        .calendars
        .all()
        .iter()
        .map(|c| view(c, &in_force, false))
        .collect();
    Ok(HttpResponse::Ok().json(ListOf { items }))
}

/// GET /api/v1/calendars/{region} — one region's range and bank holidays.
#[utoipa::path(
    tag = "settings",
    security(("bearer" = [])),
    params(("region" = String, Path, description = "england-and-wales, scotland or northern-ireland")),
    responses(
        (status = 200, description = "The calendar", body = CalendarView),
        (status = 404, description = "No calendar for this region", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/calendars/{region}")]
pub async fn get_calendar(
    state: web::Data<AppState>,
    caller: Caller,
    region: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    access::require(&caller.0, Permission::ReadSettings)?;
    let region: Region = region.parse().map_err(|e: String| ApiError::NotFound(e))?;
    let in_force = state.calendars.current().await?;
    let calendar = in_force
        .calendars
        .get(region)
        .map_err(|e| ApiError::NotFound(e.to_string()))?;
    Ok(HttpResponse::Ok().json(view(calendar, &in_force, true)))
}

/// PUT /api/v1/calendars — imports a GOV.UK bank-holidays feed (every division it holds).
/// The whole feed is checked first; any fault refuses all of it and the old calendars stay.
#[utoipa::path(
    tag = "settings",
    security(("bearer" = [])),
    request_body(content = Object, description = "The GOV.UK bank-holidays feed", content_type = "application/json"),
    responses(
        (status = 200, description = "The calendars now in force", body = ListOf<CalendarView>),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The feed is malformed: the line and the reason", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/calendars")]
pub async fn import_calendars(
    state: web::Data<AppState>,
    caller: Caller,
    body: RawJson,
) -> Result<HttpResponse, ApiError> {
    access::require(&caller.0, Permission::ManageSettings)?;
    state
        .calendars
        .import(body.0, Some(caller.0.id.clone()))
        .await?;
    tracing::info!(user_id = %caller.0.id, "bank-holiday calendars imported");
    let in_force = state.calendars.current().await?;
    let items: Vec<CalendarView> = in_force
        .calendars
        .all()
        .iter()
        .map(|c| view(c, &in_force, false))
        .collect();
    Ok(HttpResponse::Ok().json(ListOf { items }))
}

/// GET /api/v1/policy — every number the rules use.
#[utoipa::path(
    tag = "settings",
    security(("bearer" = [])),
    responses((status = 200, description = "The rule settings", body = Policy))
)]
#[get("/policy")]
pub async fn get_policy(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    access::require(&caller.0, Permission::ReadSettings)?;
    let policy = state.store.read(stored::policy).await?;
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
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A value is out of bounds", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/policy")]
pub async fn put_policy(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> Result<HttpResponse, ApiError> {
    access::require(&caller.0, Permission::ManageSettings)?;
    let changes = body.0;
    let policy = state
        .store
        .write(move |c| {
            let current = stored::policy(c)?;
            let mut merged = match serde_json::to_value(&current) {
                Ok(serde_json::Value::Object(map)) => map,
                _ => return Ok(Err(ApiError::Internal("policy not serialisable".into()))),
            };
            merged.extend(changes);
            let text = serde_json::Value::Object(merged).to_string();
            let policy: Policy = match super::extract::parse_json(text.as_bytes()) {
                Ok(p) => p,
                Err(e) => return Ok(Err(e)),
            };
            let problems = policy.check();
            if !problems.is_empty() {
                return Ok(Err(ApiError::InvalidFields(
                    problems
                        .into_iter()
                        .map(|p| InvalidParam {
                            name: p.field.to_string(),
                            reason: p.reason,
                        })
                        .collect(),
                )));
            }
            stored::put_policy(c, &policy)?;
            Ok(Ok(policy))
        })
        .await??;
    tracing::info!(user_id = %caller.0.id, "rule settings changed");
    Ok(HttpResponse::Ok().json(policy))
}
