//! Reports for managers, CP chairs and auditors, as JSON or CSV (`Accept: text/csv`).

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::csv;
use super::error::{ApiError, Problems};
use super::extract::ApiQuery;
use super::extract::{date_param, moment_param, AsOf, AsOfDate};
use super::AppState;
use crate::domain::audit::AuditFinding;
use crate::domain::records::{Outcome, SightingKind};
use crate::domain::rules::percent;
use crate::services::reports::{self, AgencyWorking, PlanCounts, VisitCounts};
use crate::services::Requester;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthQuery {
    /// The month, `YYYY-MM`.
    pub month: Option<String>,
    /// The moment of knowledge to count from (RFC 3339); now when absent. Echoed.
    pub known_at: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VisitLine {
    pub children: u32,
    pub visited: u32,
    /// To one decimal; `null` when there are no children.
    pub visited_pct: Option<f64>,
    pub within_timescale: u32,
    pub within_timescale_pct: Option<f64>,
}

impl From<&VisitCounts> for VisitLine {
    fn from(c: &VisitCounts) -> VisitLine {
        VisitLine {
            children: c.children,
            visited: c.visited,
            visited_pct: percent(c.visited, c.children),
            within_timescale: c.within_timescale,
            within_timescale_pct: percent(c.within_timescale, c.children),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamVisitLine {
    pub team_id: String,
    pub team_name: String,
    #[serde(flatten)]
    pub counts: VisitLine,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VisitsReportView {
    pub month: String,
    /// The moment of knowledge it was counted from (RFC 3339): asked again with it, the
    /// answer is the same.
    pub known_at: String,
    pub overall: VisitLine,
    pub teams: Vec<TeamVisitLine>,
}

fn visit_row(id: &str, name: &str, line: &VisitLine) -> Vec<String> {
    vec![
        id.to_string(),
        name.to_string(),
        line.children.to_string(),
        line.visited.to_string(),
        csv::pct(line.visited_pct),
        line.within_timescale.to_string(),
        csv::pct(line.within_timescale_pct),
    ]
}

/// GET /api/v1/reports/visits — children on a plan at the month's end, visited and within timescale, overall and per team.
#[utoipa::path(tag = "reports", security(("bearer" = [])), params(MonthQuery), responses(
    (status = 200, content((VisitsReportView = "application/json"), (String = "text/csv"))),
    Problems,
))]
#[get("/reports/visits")]
pub async fn visits(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Requester,
    query: ApiQuery<MonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let known_at = moment_param("known_at", &query.known_at)?;
    let report = reports::visits(&state.services, &who, query.month.clone(), known_at).await?;
    let month = report.month.clone();
    let view = VisitsReportView {
        month: month.clone(),
        known_at: report.at.known_at_text(),
        overall: VisitLine::from(&report.overall),
        teams: report
            .teams
            .iter()
            .map(|(id, name, counts)| TeamVisitLine {
                team_id: id.clone(),
                team_name: name.clone(),
                counts: VisitLine::from(counts),
            })
            .collect(),
    };
    if csv::wanted(&req) {
        let mut rows: Vec<Vec<String>> = view
            .teams
            .iter()
            .map(|t| visit_row(&t.team_id, &t.team_name, &t.counts))
            .collect();
        rows.push(visit_row("overall", "All teams", &view.overall));
        return Ok(csv::respond(
            &format!("visits-{month}.csv"),
            &[
                "team_id",
                "team_name",
                "children",
                "visited",
                "visited_pct",
                "within_timescale",
                "within_timescale_pct",
            ],
            &rows,
        ));
    }
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    /// First day (YYYY-MM-DD).
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD).
    pub to: Option<String>,
    /// The moment of knowledge to count from (RFC 3339); now when absent. Echoed.
    pub known_at: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgencyWorkingView {
    pub agency_id: String,
    pub agency_name: String,
    pub meetings: u32,
    pub attended: u32,
    pub attendance_pct: Option<f64>,
    pub minutes_sent: u32,
    pub acknowledged_on_time: u32,
    pub acknowledged_late: u32,
    pub not_acknowledged: u32,
    pub acknowledged_on_time_pct: Option<f64>,
    pub actions_due: u32,
    pub done_on_time: u32,
    pub done_late: u32,
    pub not_done: u32,
    pub cancelled: u32,
    pub done_on_time_pct: Option<f64>,
}

impl From<&AgencyWorking> for AgencyWorkingView {
    fn from(a: &AgencyWorking) -> AgencyWorkingView {
        AgencyWorkingView {
            agency_id: a.agency_id.clone(),
            agency_name: a.agency_name.clone(),
            meetings: a.meetings,
            attended: a.attended,
            attendance_pct: percent(a.attended, a.meetings),
            minutes_sent: a.minutes_sent,
            acknowledged_on_time: a.acknowledged_on_time,
            acknowledged_late: a.acknowledged_late,
            not_acknowledged: a.not_acknowledged,
            acknowledged_on_time_pct: percent(a.acknowledged_on_time, a.minutes_sent),
            actions_due: a.actions_due,
            done_on_time: a.done_on_time,
            done_late: a.done_late,
            not_done: a.not_done,
            cancelled: a.cancelled,
            done_on_time_pct: percent(
                a.done_on_time,
                a.actions_due - a.cancelled.min(a.actions_due),
            ),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlanWorkingView {
    pub plan_id: String,
    pub team_id: String,
    pub meetings: u32,
    pub meetings_on_time: u32,
    pub minutes_on_time: u32,
    pub attendance_pct: Option<f64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CoreGroupsReportView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The moment of knowledge it was counted from (RFC 3339): asked again with it, the
    /// answer is the same.
    pub known_at: String,
    pub meetings: u32,
    pub meetings_on_time: u32,
    pub meetings_on_time_pct: Option<f64>,
    /// Meetings whose minutes reached every member within 5 working days.
    pub minutes_on_time: u32,
    pub minutes_on_time_pct: Option<f64>,
    pub agencies: Vec<AgencyWorkingView>,
    pub plans: Vec<PlanWorkingView>,
}

/// GET /api/v1/reports/core-groups — meetings on time; attendance, minutes read and actions done on time, by agency and by plan.
#[utoipa::path(tag = "reports", security(("bearer" = [])), params(PeriodQuery), responses(
    (status = 200, content((CoreGroupsReportView = "application/json"), (String = "text/csv"))),
    Problems,
))]
#[get("/reports/core-groups")]
pub async fn core_groups(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Requester,
    query: ApiQuery<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let from = date_param("from", &query.from)?;
    let to = date_param("to", &query.to)?;
    let known_at = moment_param("known_at", &query.known_at)?;
    let report = reports::core_groups(&state.services, &who, from, to, known_at).await?;
    let (from, to) = (report.from, report.to);
    let view = CoreGroupsReportView {
        from,
        to,
        known_at: report.at.known_at_text(),
        meetings: report.meetings,
        meetings_on_time: report.meetings_on_time,
        meetings_on_time_pct: percent(report.meetings_on_time, report.meetings),
        minutes_on_time: report.minutes_on_time,
        minutes_on_time_pct: percent(report.minutes_on_time, report.meetings),
        agencies: report
            .agencies
            .iter()
            .map(AgencyWorkingView::from)
            .collect(),
        plans: report
            .plans
            .iter()
            .map(|p| PlanWorkingView {
                plan_id: p.plan_id.clone(),
                team_id: p.team_id.clone(),
                meetings: p.meetings,
                meetings_on_time: p.meetings_on_time,
                minutes_on_time: p.minutes_on_time,
                attendance_pct: percent(p.agency_places_attended, p.agency_places),
            })
            .collect(),
    };
    if csv::wanted(&req) {
        let mut rows: Vec<Vec<String>> = view.agencies.iter().map(agency_row).collect();
        rows.push(agency_row(&AgencyWorkingView::from(&report.all_agencies)));
        return Ok(csv::respond(
            &format!("core-groups-{from}-to-{to}.csv"),
            &[
                "agency_id",
                "agency_name",
                "meetings",
                "attended",
                "attendance_pct",
                "minutes_sent",
                "acknowledged_on_time",
                "acknowledged_late",
                "not_acknowledged",
                "acknowledged_on_time_pct",
                "actions_due",
                "done_on_time",
                "done_late",
                "not_done",
                "cancelled",
                "done_on_time_pct",
            ],
            &rows,
        ));
    }
    Ok(HttpResponse::Ok().json(view))
}

fn agency_row(a: &AgencyWorkingView) -> Vec<String> {
    vec![
        a.agency_id.clone(),
        a.agency_name.clone(),
        a.meetings.to_string(),
        a.attended.to_string(),
        csv::pct(a.attendance_pct),
        a.minutes_sent.to_string(),
        a.acknowledged_on_time.to_string(),
        a.acknowledged_late.to_string(),
        a.not_acknowledged.to_string(),
        csv::pct(a.acknowledged_on_time_pct),
        a.actions_due.to_string(),
        a.done_on_time.to_string(),
        a.done_late.to_string(),
        a.not_done.to_string(),
        a.cancelled.to_string(),
        csv::pct(a.done_on_time_pct),
    ]
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlanCountsView {
    pub open: u32,
    pub over_12_months: u32,
    pub over_15_months: u32,
    pub second_or_subsequent: u32,
}

impl From<&PlanCounts> for PlanCountsView {
    fn from(c: &PlanCounts) -> PlanCountsView {
        PlanCountsView {
            open: c.open,
            over_12_months: c.over_12_months,
            over_15_months: c.over_15_months,
            second_or_subsequent: c.second_or_subsequent,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamPlanCounts {
    pub team_id: String,
    pub team_name: String,
    #[serde(flatten)]
    pub counts: PlanCountsView,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LongPlanView {
    pub plan_id: String,
    pub child_id: String,
    pub team_id: String,
    pub start_date: NaiveDate,
    pub months_open: i32,
    /// 1 for a first plan, 2 for a second, …
    pub plan_number: u32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlansReportView {
    pub as_of: NaiveDate,
    /// The moment of knowledge it was counted from (RFC 3339): asked again with it, the
    /// answer is the same.
    pub known_at: String,
    pub overall: PlanCountsView,
    pub teams: Vec<TeamPlanCounts>,
    /// Plans open over 12 months or second or subsequent, longest open first.
    pub plans: Vec<LongPlanView>,
}

fn plan_row(id: &str, name: &str, c: &PlanCountsView) -> Vec<String> {
    vec![
        id.to_string(),
        name.to_string(),
        c.open.to_string(),
        c.over_12_months.to_string(),
        c.over_15_months.to_string(),
        c.second_or_subsequent.to_string(),
    ]
}

/// GET /api/v1/reports/plans — open plans, those over 12 and 15 months, second or subsequent plans.
#[utoipa::path(tag = "reports", security(("bearer" = [])), params(AsOf), responses(
    (status = 200, content((PlansReportView = "application/json"), (String = "text/csv"))),
    Problems,
))]
#[get("/reports/plans")]
pub async fn plans(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Requester,
    as_of: AsOfDate,
) -> Result<HttpResponse, ApiError> {
    let report = reports::plans(&state.services, &who, as_of.as_of, as_of.known_at).await?;
    let as_of = report.as_of;
    let view = PlansReportView {
        as_of,
        known_at: report.at.known_at_text(),
        overall: PlanCountsView::from(&report.overall),
        teams: report
            .teams
            .iter()
            .map(|(id, name, c)| TeamPlanCounts {
                team_id: id.clone(),
                team_name: name.clone(),
                counts: PlanCountsView::from(c),
            })
            .collect(),
        plans: report
            .plans
            .iter()
            .map(|p| LongPlanView {
                plan_id: p.plan.id.clone(),
                child_id: p.plan.child_id.clone(),
                team_id: p.plan.team_id.clone(),
                start_date: p.plan.start_date,
                months_open: p.months_open,
                plan_number: p.plan_number,
            })
            .collect(),
    };
    if csv::wanted(&req) {
        let mut rows: Vec<Vec<String>> = view
            .teams
            .iter()
            .map(|t| plan_row(&t.team_id, &t.team_name, &t.counts))
            .collect();
        rows.push(plan_row("overall", "All teams", &view.overall));
        return Ok(csv::respond(
            &format!("plans-{as_of}.csv"),
            &[
                "team_id",
                "team_name",
                "open",
                "over_12_months",
                "over_15_months",
                "second_or_subsequent",
            ],
            &rows,
        ));
    }
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SampleQuery {
    /// The month audited, `YYYY-MM`.
    pub month: Option<String>,
    /// How many children to draw (1–500); their siblings are added.
    pub size: Option<String>,
    /// Any text: the same seed draws the same children again.
    pub seed: Option<String>,
    /// The moment of knowledge to count from (RFC 3339); now when absent. Echoed.
    pub known_at: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SampleRecordView {
    pub sighting_id: String,
    pub occurred_at: DateTime<Utc>,
    pub kind: SightingKind,
    pub outcome: Outcome,
    pub by_social_care: bool,
    /// Has text about this child, not word for word a sibling's record of the same visit.
    pub child_specific: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SampledChildView {
    pub child_id: String,
    pub given_name: String,
    pub family_name: String,
    pub family_id: Option<String>,
    /// Drawn at random (`true`) or a sibling of a child drawn.
    pub drawn: bool,
    pub finding: AuditFinding,
    pub records: Vec<SampleRecordView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditSampleView {
    pub month: String,
    /// The moment of knowledge it was counted from (RFC 3339): asked again with it, the
    /// answer is the same.
    pub known_at: String,
    pub seed: String,
    pub drawn: usize,
    pub children: usize,
    /// Seen by a social worker with a record about them, as seed 000 reports it ("78% (43)").
    pub seen_with_record: usize,
    pub seen_with_record_pct: Option<f64>,
    pub sample: Vec<SampledChildView>,
}

/// GET /api/v1/reports/audit-sample — a reproducible random sample of children plus their siblings, with each one's records of the month.
#[utoipa::path(tag = "reports", security(("bearer" = [])), params(SampleQuery), responses(
    (status = 200, content((AuditSampleView = "application/json"), (String = "text/csv"))),
    Problems,
))]
#[get("/reports/audit-sample")]
pub async fn audit_sample(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Requester,
    query: ApiQuery<SampleQuery>,
) -> Result<HttpResponse, ApiError> {
    let size: Option<usize> = match &query.size {
        None => None,
        Some(raw) => Some(
            raw.parse()
                .map_err(|_| ApiError::invalid("size", format!("`{raw}` is not a whole number")))?,
        ),
    };
    let known_at = moment_param("known_at", &query.known_at)?;
    let SampleQuery { month, seed, .. } = query.0;
    let sample = reports::audit_sample(&state.services, &who, month, size, seed, known_at).await?;
    let month = sample.month.clone();
    let (drawn, seen) = (sample.drawn(), sample.seen_with_record());
    let view = AuditSampleView {
        month: month.clone(),
        known_at: sample.at.known_at_text(),
        seed: sample.seed.clone(),
        drawn,
        children: sample.children.len(),
        seen_with_record: seen,
        seen_with_record_pct: percent(seen as u32, sample.children.len() as u32),
        sample: sample
            .children
            .into_iter()
            .map(|c| SampledChildView {
                child_id: c.child.id,
                given_name: c.child.given_name,
                family_name: c.child.family_name,
                family_id: c.child.family_id,
                drawn: c.drawn,
                finding: c.finding,
                records: c
                    .records
                    .into_iter()
                    .map(|(r, specific)| SampleRecordView {
                        sighting_id: r.sighting_id,
                        occurred_at: r.occurred_at,
                        kind: r.kind,
                        outcome: r.outcome,
                        by_social_care: r.by_social_care,
                        child_specific: specific,
                    })
                    .collect(),
            })
            .collect(),
    };
    if csv::wanted(&req) {
        use crate::domain::case::word;
        let rows: Vec<Vec<String>> = view
            .sample
            .iter()
            .map(|c| {
                vec![
                    c.child_id.clone(),
                    c.given_name.clone(),
                    c.family_name.clone(),
                    c.family_id.clone().unwrap_or_default(),
                    if c.drawn { "drawn" } else { "sibling" }.to_string(),
                    word(&c.finding),
                    c.records.len().to_string(),
                    c.records
                        .iter()
                        .map(|r| {
                            format!(
                                "{} {} {}",
                                r.occurred_at.format("%Y-%m-%d"),
                                word(&r.kind),
                                word(&r.outcome)
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                ]
            })
            .collect();
        return Ok(csv::respond(
            &format!("audit-sample-{month}.csv"),
            &[
                "child_id",
                "given_name",
                "family_name",
                "family_id",
                "in_sample_as",
                "finding",
                "records",
                "record_summary",
            ],
            &rows,
        ));
    }
    Ok(HttpResponse::Ok().json(view))
}
