//! Reports for managers, CP chairs and the safeguarding partnership (domain.md §5): visits in
//! a month by team (seed 000's briefing), core group working by agency (seed 002's audit),
//! long and repeat plans (seeds 001 §8, 003), and the random audit of children's files
//! (seed 000's method). Counts only, except the audit sample, which names the children drawn.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::meetings::{meeting_facts_of, member_facts};
use super::status::{action_fact, plans_known_at, RuleSettings};
use super::AuditAction;
use super::{invalid, log_read_of_children, AsAt, Requester, ServiceError, Services};
use crate::access::{self, Permission};
use crate::domain::audit::{self, AuditFinding, AuditRecord};
use crate::domain::records::{
    CaseFacts, FrequencyFrom, Location, Outcome, PlanFacts, RecordStatus, SightingFact,
    SightingKind,
};
use crate::domain::rules::{add_months, implementation, visits_in_period, Context};
use crate::store::cases::{self as case_store, Child, Plan};
use crate::store::reports as store;
use crate::store::DbConnection;

/// The caller's role may read this report, or the answer is a refusal naming it.
fn require(who: &Requester, permission: Permission) -> Result<(), ServiceError> {
    access::require(&who.user, permission)
        .map_err(|denied| ServiceError::Forbidden(denied.to_string()))
}

/// A month asked for (`YYYY-MM`), with its first and last day.
fn month_asked(month: Option<String>) -> Result<(NaiveDate, NaiveDate, String), ServiceError> {
    let month = month.ok_or_else(|| invalid("month", "is required (YYYY-MM)"))?;
    let (first, last) = month_bounds(&month)?;
    Ok((first, last, month))
}

/// `GET /reports/visits?month=`: children on a plan at the month's end, visited and within
/// timescale, overall and per team (counts only; no child is named).
pub async fn visits(
    svc: &Services,
    who: &Requester,
    month: Option<String>,
    known_at: Option<DateTime<Utc>>,
) -> Result<VisitsReport, ServiceError> {
    require(who, Permission::ReadReports)?;
    let (first, last, month) = month_asked(month)?;
    let at = svc.as_at(Some(last), known_at)?;
    let resource = format!("visits {month} known at {}", at.known_at_text());
    counted(svc, who, &at, resource, move |c, settings| {
        visits_in(c, first, last, month, at, settings)
    })
    .await
}

/// A report of counts: read with the rules in force on a reader connection, then logged as
/// one read that names no child (counts name none).
async fn counted<T, F>(
    svc: &Services,
    who: &Requester,
    at: &AsAt,
    resource: String,
    f: F,
) -> Result<T, ServiceError>
where
    F: FnOnce(&mut DbConnection, &RuleSettings<'_>) -> Result<T, ServiceError> + Send + 'static,
    T: Send + 'static,
{
    let rules = svc.rule_inputs_at(at).await?;
    let report = svc
        .store
        .read(move |c| Ok(f(c, &rules.settings())))
        .await??;
    log_read_of_children(
        &svc.store,
        who,
        AuditAction::ReadReport,
        resource,
        Vec::new(),
    )
    .await?;
    Ok(report)
}

/// The longest period one core-groups report covers, in days.
const MAX_PERIOD_DAYS: i64 = 3 * 366;

/// `GET /reports/core-groups?from=&to=`: meetings on time; attendance, minutes read and
/// actions done on time, by agency and by plan (counts only).
pub async fn core_groups(
    svc: &Services,
    who: &Requester,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    known_at: Option<DateTime<Utc>>,
) -> Result<CoreGroupsReport, ServiceError> {
    require(who, Permission::ReadReports)?;
    let from = from.ok_or_else(|| invalid("from", "is required (YYYY-MM-DD)"))?;
    let to = to.ok_or_else(|| invalid("to", "is required (YYYY-MM-DD)"))?;
    if (to - from).num_days() > MAX_PERIOD_DAYS {
        return Err(invalid("to", "a report covers at most three years"));
    }
    let day = svc.today();
    let at = svc.as_at(Some(to), known_at)?;
    counted(
        svc,
        who,
        &at,
        format!("core groups {from} to {to} known at {}", at.known_at_text()),
        move |c, settings| core_groups_in(c, from, to, day, at, settings),
    )
    .await
}

/// `GET /reports/plans?as_of=`: open plans, those over 12 and 15 months, second or subsequent
/// plans; the long and repeat plans listed name their children, and are logged as read.
pub async fn plans(
    svc: &Services,
    who: &Requester,
    as_of: NaiveDate,
    known_at: Option<DateTime<Utc>>,
) -> Result<PlansReport, ServiceError> {
    require(who, Permission::ReadReports)?;
    let at = svc.as_at(Some(as_of), known_at)?;
    let months = svc.policy_at(&at).await?.long_plan_months;
    let report = svc
        .store
        .read(move |c| Ok(plans_in(c, at, months)))
        .await??;
    let named: Vec<String> = report
        .plans
        .iter()
        .map(|p| p.plan.child_id.clone())
        .collect();
    log_read_of_children(
        &svc.store,
        who,
        AuditAction::ReadReport,
        format!("plans {}", at.describe()),
        named,
    )
    .await?;
    Ok(report)
}

/// `GET /reports/audit-sample?month=&size=&seed=`: a reproducible random sample of children
/// (20 when no size is given) plus their siblings, each with the month's records; every
/// child in it is logged as read.
pub async fn audit_sample(
    svc: &Services,
    who: &Requester,
    month: Option<String>,
    size: Option<usize>,
    seed: Option<String>,
    known_at: Option<DateTime<Utc>>,
) -> Result<AuditSample, ServiceError> {
    require(who, Permission::AuditFiles)?;
    let (first, last, month) = month_asked(month)?;
    let at = svc.as_at(Some(last), known_at)?;
    let size = size.unwrap_or(20);
    let seed =
        seed.ok_or_else(|| invalid("seed", "is required, so that the sample can be drawn again"))?;
    if seed.is_empty() || seed.chars().count() > 200 {
        return Err(invalid("seed", "must be 1 to 200 characters"));
    }
    let (s, m) = (seed.clone(), month.clone());
    let sample = svc
        .store
        .read(move |c| Ok(audit_sample_in(c, first, last, m, size, &s, at)))
        .await??;
    let ids: Vec<String> = sample.children.iter().map(|c| c.child.id.clone()).collect();
    log_read_of_children(
        &svc.store,
        who,
        AuditAction::ReadAuditSample,
        format!(
            "audit sample {month} seed {seed} known at {}",
            at.known_at_text()
        ),
        ids,
    )
    .await?;
    Ok(sample)
}

/// The first and last day of a month written `YYYY-MM`.
pub fn month_bounds(month: &str) -> Result<(NaiveDate, NaiveDate), ServiceError> {
    let bad = || invalid("month", format!("`{month}` is not a month (YYYY-MM)"));
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(|_| bad())?;
    if month.len() != 7 {
        return Err(bad());
    }
    let last = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .ok_or_else(bad)?;
    Ok((first, last))
}

/// Children, visited and within timescale: one line of the visits report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitCounts {
    pub children: u32,
    pub visited: u32,
    pub within_timescale: u32,
}

pub struct VisitsReport {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// `known_at` is the moment of knowledge it was counted from.
    pub at: AsAt,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub overall: VisitCounts,
    /// (team id, team name, counts), by team name.
    pub teams: Vec<(String, String, VisitCounts)>,
}

/// The plan of each child open on `on` (the latest started, should two overlap), as
/// recorded by `known_at`.
fn plans_open_on(
    conn: &mut DbConnection,
    on: NaiveDate,
    known_at: DateTime<Utc>,
) -> Result<Vec<Plan>, ServiceError> {
    let mut by_child: HashMap<String, Plan> = HashMap::new();
    let plans = case_store::plans_started_by(conn, on)?;
    for plan in plans_known_at(&plans, known_at) {
        if plan.is_open_on(on) {
            by_child.insert(plan.child_id.clone(), plan);
        }
    }
    let mut plans: Vec<Plan> = by_child.into_values().collect();
    plans.sort_by(|a, b| a.child_id.cmp(&b.child_id));
    Ok(plans)
}

fn plan_facts(plan: &Plan, previous_plans: u32, changes: Vec<FrequencyFrom>) -> PlanFacts {
    PlanFacts {
        start: plan.start_date,
        end: plan.end_date,
        visit_frequency: plan.visit_frequency,
        frequency_changes: changes,
        region: plan.region,
        previous_plans,
        end_recorded_at: plan.ended_at.map(|at| at.and_utc()),
    }
}

/// A home visit in which the child was seen, as the visit rules read it.
fn home_visit_on(child_id: &str, on: NaiveDate) -> SightingFact {
    SightingFact {
        id: format!("{child_id}@{on}"),
        occurred_at: on.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc(),
        occurred_on: on,
        status: RecordStatus::Final,
        finalised_at: None,
        withdrawn_at: None,
        superseded: false,
        supersedes: None,
        kind: SightingKind::HomeVisit,
        outcome: Outcome::Seen,
        location: Location::Home,
        by_social_care: true,
        bedroom_seen: None,
        baby_awake: None,
        recorded_at: DateTime::<Utc>::MIN_UTC,
        superseded_at: None,
    }
}

/// Of the children on a plan on the month's last day (by the plan's team), those seen at a
/// social-work home visit in the month, and those whose home-visit clock was never overdue
/// on any day of it (contract.md).
fn visits_in(
    conn: &mut DbConnection,
    first: NaiveDate,
    last: NaiveDate,
    month: String,
    at: AsAt,
    settings: &RuleSettings<'_>,
) -> Result<VisitsReport, ServiceError> {
    let known_at = at.known_at.naive_utc();
    let plans = plans_open_on(conn, last, at.known_at)?;
    let mut visits: HashMap<String, Vec<NaiveDate>> = HashMap::new();
    for (child, on) in store::home_visits_seen(conn, first, last, known_at)? {
        visits.entry(child).or_default().push(on);
    }
    // Only the latest visit before the month matters to the clock on its first day.
    for (child, on) in store::latest_home_visit_before(conn, first, known_at)? {
        if let Some(on) = on {
            visits.entry(child).or_default().push(on);
        }
    }
    let ids: Vec<String> = plans.iter().map(|p| p.id.clone()).collect();
    // Each day of the month is judged by the frequency in force that day.
    let mut histories = case_store::frequency_histories(conn, &ids)?;
    for changes in histories.values_mut() {
        changes.retain(|c| c.recorded_at <= at.known_at);
    }
    let names: HashMap<String, String> = store::team_names(conn)?.into_iter().collect();
    let mut teams: HashMap<String, VisitCounts> = HashMap::new();
    let mut overall = VisitCounts::default();
    for plan in &plans {
        let facts = CaseFacts {
            date_of_birth: plan.start_date,
            plan: plan_facts(plan, 0, histories.remove(&plan.id).unwrap_or_default()),
            sightings: visits
                .get(&plan.child_id)
                .map(|dates| {
                    dates
                        .iter()
                        .map(|d| home_visit_on(&plan.child_id, *d))
                        .collect()
                })
                .unwrap_or_default(),
            decisions: Vec::new(),
            members: Vec::new(),
            meetings: Vec::new(),
            actions: Vec::new(),
            reviews: Vec::new(),
        };
        let calendar = settings
            .calendars
            .get(plan.region)
            .map_err(|e| invalid("month", e.to_string()))?;
        let ctx = Context {
            policy: settings.policy,
            calendar,
            tz: settings.tz,
        };
        let month = visits_in_period(&facts, &ctx, first, last)?;
        let team = teams.entry(plan.team_id.clone()).or_default();
        for counts in [&mut overall, team] {
            counts.children += 1;
            if month.visited {
                counts.visited += 1;
                if month.never_overdue {
                    counts.within_timescale += 1;
                }
            }
        }
    }
    let mut teams: Vec<(String, String, VisitCounts)> = teams
        .into_iter()
        .map(|(id, counts)| {
            let name = names.get(&id).cloned().unwrap_or_else(|| id.clone());
            (id, name, counts)
        })
        .collect();
    teams.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    Ok(VisitsReport {
        month,
        first,
        last,
        overall,
        teams,
        at,
    })
}

/// Core group working of one agency over a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgencyWorking {
    pub agency_id: String,
    pub agency_name: String,
    /// Meetings held in the period at which the agency was on the core group.
    pub meetings: u32,
    pub attended: u32,
    /// Published minutes sent to the agency's members.
    pub minutes_sent: u32,
    pub acknowledged_on_time: u32,
    pub acknowledged_late: u32,
    pub not_acknowledged: u32,
    /// Actions of the agency due in the period.
    pub actions_due: u32,
    pub done_on_time: u32,
    pub done_late: u32,
    pub not_done: u32,
    pub cancelled: u32,
}

/// Core group working of one plan over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanWorking {
    pub plan_id: String,
    pub team_id: String,
    pub meetings: u32,
    pub meetings_on_time: u32,
    pub minutes_on_time: u32,
    /// Agency places at meetings, and those filled by someone who attended.
    pub agency_places: u32,
    pub agency_places_attended: u32,
}

pub struct CoreGroupsReport {
    /// `known_at` is the moment of knowledge it was counted from.
    pub at: AsAt,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub meetings: u32,
    pub meetings_on_time: u32,
    pub minutes_on_time: u32,
    pub agencies: Vec<AgencyWorking>,
    /// Every agency's lines added up (`agency_id` "overall").
    pub all_agencies: AgencyWorking,
    pub plans: Vec<PlanWorking>,
}

/// Agencies' lines added up, as one line named `id` and `name`.
fn total_of(agencies: &[AgencyWorking], id: &str, name: &str) -> AgencyWorking {
    let mut total = AgencyWorking {
        agency_id: id.into(),
        agency_name: name.into(),
        ..AgencyWorking::default()
    };
    for a in agencies {
        total.meetings += a.meetings;
        total.attended += a.attended;
        total.minutes_sent += a.minutes_sent;
        total.acknowledged_on_time += a.acknowledged_on_time;
        total.acknowledged_late += a.acknowledged_late;
        total.not_acknowledged += a.not_acknowledged;
        total.actions_due += a.actions_due;
        total.done_on_time += a.done_on_time;
        total.done_late += a.done_late;
        total.not_done += a.not_done;
        total.cancelled += a.cancelled;
    }
    total
}

/// Counts one receipt into an agency's line.
type Tally = fn(&mut AgencyWorking);

fn agency_entry<'a>(
    agencies: &'a mut Vec<AgencyWorking>,
    id: &str,
    name: &str,
) -> &'a mut AgencyWorking {
    let position = match agencies.iter().position(|a| a.agency_id == id) {
        Some(p) => p,
        None => {
            agencies.push(AgencyWorking {
                agency_id: id.to_string(),
                agency_name: name.to_string(),
                ..AgencyWorking::default()
            });
            agencies.len() - 1
        }
    };
    &mut agencies[position]
}

/// Meetings held in the period, on time; attendance, minutes read on time and actions due in
/// the period done on time, by agency (seed 002). Counted as things stood at the end of the
/// period (or today, if earlier).
fn core_groups_in(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    at: AsAt,
    settings: &RuleSettings<'_>,
) -> Result<CoreGroupsReport, ServiceError> {
    if to < from {
        return Err(invalid("to", "is before `from`"));
    }
    let on = to.min(today);
    let mut report = CoreGroupsReport {
        from,
        to,
        meetings: 0,
        meetings_on_time: 0,
        minutes_on_time: 0,
        agencies: Vec::new(),
        all_agencies: AgencyWorking::default(),
        plans: Vec::new(),
        at,
    };
    let names: HashMap<String, String> = crate::store::accounts::list_agencies(conn)?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let name_of = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let plans: Vec<Plan> = plans_known_at(&case_store::plans_started_by(conn, to)?, at.known_at)
        .into_iter()
        .filter(|p| p.end_date.is_none_or(|end| end >= from))
        .collect();
    let ids: Vec<String> = plans.iter().map(|p| p.id.clone()).collect();
    let mut rows = store::core_groups_of_plans(conn, &ids)?;
    for plan in plans {
        let r = rows.remove(&plan.id).unwrap_or_default();
        let facts = CaseFacts {
            date_of_birth: plan.start_date,
            plan: plan_facts(&plan, 0, Vec::new()),
            sightings: Vec::new(),
            decisions: Vec::new(),
            members: member_facts(&r.members),
            meetings: meeting_facts_of(
                &r.meetings,
                &r.attendance,
                &r.attendance_versions,
                &r.minutes,
                &r.receipts,
            ),
            actions: r
                .actions
                .iter()
                .map(|a| action_fact(a, &r.action_versions))
                .collect(),
            reviews: Vec::new(),
        }
        .as_known_at(at.known_at);
        let calendar = settings
            .calendars
            .get(plan.region)
            .map_err(|e| invalid("to", e.to_string()))?;
        let ctx = Context {
            policy: settings.policy,
            calendar,
            tz: settings.tz,
        };
        let done = implementation(&facts, &ctx, on)?;
        let mut line = PlanWorking {
            plan_id: plan.id.clone(),
            team_id: plan.team_id.clone(),
            meetings: 0,
            meetings_on_time: 0,
            minutes_on_time: 0,
            agency_places: 0,
            agency_places_attended: 0,
        };
        for meeting in done.meetings.iter().filter(|m| m.held_on >= from) {
            line.meetings += 1;
            line.meetings_on_time += u32::from(meeting.on_time);
            line.minutes_on_time += u32::from(meeting.minutes.distributed_on_time);
            let mut agencies_there: Vec<&str> = Vec::new();
            for (_, agency) in &meeting.invited {
                if agencies_there.contains(&agency.as_str()) {
                    continue;
                }
                agencies_there.push(agency);
                let attended = !meeting.agencies_absent.contains(agency);
                let entry = agency_entry(&mut report.agencies, agency, &name_of(agency));
                entry.meetings += 1;
                entry.attended += u32::from(attended);
                line.agency_places += 1;
                line.agency_places_attended += u32::from(attended);
            }
            let m = &meeting.minutes;
            let tallies: [(&[(String, String)], Tally); 3] = [
                (&m.acknowledged_on_time, |e| e.acknowledged_on_time += 1),
                (&m.acknowledged_late, |e| e.acknowledged_late += 1),
                (&m.not_acknowledged, |e| e.not_acknowledged += 1),
            ];
            for (members, tally) in tallies {
                for (_, agency) in members {
                    let entry = agency_entry(&mut report.agencies, agency, &name_of(agency));
                    entry.minutes_sent += 1;
                    tally(entry);
                }
            }
        }
        for action in facts
            .actions
            .iter()
            .filter(|a| a.due >= from && a.due <= to && a.created_on <= on)
        {
            let entry = agency_entry(
                &mut report.agencies,
                &action.agency_id,
                &name_of(&action.agency_id),
            );
            entry.actions_due += 1;
            match (
                action.done_on.filter(|d| *d <= on),
                action.cancelled_on.filter(|d| *d <= on),
            ) {
                (Some(d), _) if d <= action.due => entry.done_on_time += 1,
                (Some(_), _) => entry.done_late += 1,
                (None, Some(_)) => entry.cancelled += 1,
                (None, None) => entry.not_done += 1,
            }
        }
        report.meetings += line.meetings;
        report.meetings_on_time += line.meetings_on_time;
        report.minutes_on_time += line.minutes_on_time;
        if line.meetings > 0 {
            report.plans.push(line);
        }
    }
    report
        .agencies
        .sort_by(|a, b| a.agency_name.cmp(&b.agency_name));
    report.all_agencies = total_of(&report.agencies, "overall", "All agencies");
    Ok(report)
}

/// One plan open over 12 months or a second or subsequent plan.
pub struct LongPlan {
    pub plan: Plan,
    pub months_open: i32,
    /// 1 for a first plan, 2 for a second, …
    pub plan_number: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanCounts {
    pub open: u32,
    pub over_12_months: u32,
    pub over_15_months: u32,
    pub second_or_subsequent: u32,
}

pub struct PlansReport {
    pub as_of: NaiveDate,
    /// `known_at` is the moment of knowledge it was counted from.
    pub at: AsAt,
    pub overall: PlanCounts,
    pub teams: Vec<(String, String, PlanCounts)>,
    pub plans: Vec<LongPlan>,
}

/// Plans open on a date, those open over 12 and over 15 months, and second or subsequent
/// plans (seeds 001 §8, 003).
fn plans_in(
    conn: &mut DbConnection,
    at: AsAt,
    long_plan_months: u32,
) -> Result<PlansReport, ServiceError> {
    let as_of = at.as_of;
    let all = plans_known_at(&case_store::plans_started_by(conn, as_of)?, at.known_at);
    let names: HashMap<String, String> = store::team_names(conn)?.into_iter().collect();
    let mut overall = PlanCounts::default();
    let mut teams: HashMap<String, PlanCounts> = HashMap::new();
    let mut listed = Vec::new();
    for plan in all.iter().filter(|p| p.is_open_on(as_of)) {
        let plan_number = 1 + all
            .iter()
            .filter(|p| p.child_id == plan.child_id && p.start_date < plan.start_date)
            .count() as u32;
        let over_12 = as_of > add_months(plan.start_date, 12);
        let over_15 = as_of > add_months(plan.start_date, long_plan_months);
        let repeat = plan_number > 1;
        let team = teams.entry(plan.team_id.clone()).or_default();
        for counts in [&mut overall, team] {
            counts.open += 1;
            counts.over_12_months += u32::from(over_12);
            counts.over_15_months += u32::from(over_15);
            counts.second_or_subsequent += u32::from(repeat);
        }
        if over_12 || repeat {
            listed.push(LongPlan {
                plan: plan.clone(),
                months_open: crate::domain::records::months_between(plan.start_date, as_of),
                plan_number,
            });
        }
    }
    listed.sort_by_key(|p| std::cmp::Reverse(p.months_open));
    let mut teams: Vec<(String, String, PlanCounts)> = teams
        .into_iter()
        .map(|(id, counts)| {
            let name = names.get(&id).cloned().unwrap_or_else(|| id.clone());
            (id, name, counts)
        })
        .collect();
    teams.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    Ok(PlansReport {
        as_of,
        at,
        overall,
        teams,
        plans: listed,
    })
}

/// One child of the audit sample.
pub struct SampledChild {
    pub child: Child,
    /// Drawn at random, or a sibling of a child drawn.
    pub drawn: bool,
    pub finding: AuditFinding,
    /// The child's final records of the month, each marked child-specific or not.
    pub records: Vec<(AuditRecord, bool)>,
}

pub struct AuditSample {
    /// The month audited, `YYYY-MM`.
    pub month: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub seed: String,
    pub children: Vec<SampledChild>,
    /// `known_at` is the moment of knowledge it was drawn from.
    pub at: AsAt,
}

impl AuditSample {
    /// Children drawn at random (the rest are their siblings).
    pub fn drawn(&self) -> usize {
        self.children.iter().filter(|c| c.drawn).count()
    }

    /// Children seen by a social worker with a record about them.
    pub fn seen_with_record(&self) -> usize {
        self.children
            .iter()
            .filter(|c| c.finding == AuditFinding::SeenWithRecord)
            .count()
    }
}

/// The largest sample one request may draw.
pub const MAX_SAMPLE: usize = 500;

/// `size` children on a plan at the end of the month, drawn reproducibly from `seed`, plus
/// all their siblings; for each, the month's records and whether a social worker saw them
/// with a record about them (seed 000).
fn audit_sample_in(
    conn: &mut DbConnection,
    first: NaiveDate,
    last: NaiveDate,
    month: String,
    size: usize,
    seed: &str,
    at: AsAt,
) -> Result<AuditSample, ServiceError> {
    if size == 0 || size > MAX_SAMPLE {
        return Err(invalid("size", format!("must be from 1 to {MAX_SAMPLE}")));
    }
    let candidates: Vec<String> = plans_open_on(conn, last, at.known_at)?
        .into_iter()
        .map(|p| p.child_id)
        .collect();
    let drawn: Vec<String> = audit::choose_sample(seed, &candidates, size)
        .into_iter()
        .cloned()
        .collect();
    let families = store::families(conn)?;
    let family_of: HashMap<&str, &str> = families
        .iter()
        .map(|(c, f)| (c.as_str(), f.as_str()))
        .collect();
    let mut sample: Vec<(String, bool)> = drawn.iter().map(|c| (c.clone(), true)).collect();
    for child in &drawn {
        let Some(family) = family_of.get(child.as_str()) else {
            continue;
        };
        for (sibling, f) in &families {
            if f == family && !sample.iter().any(|(c, _)| c == sibling) {
                sample.push((sibling.clone(), false));
            }
        }
    }
    let ids: Vec<String> = sample.iter().map(|(c, _)| c.clone()).collect();
    let records: Vec<AuditRecord> =
        store::records_of_children(conn, &ids, first, last, at.known_at.naive_utc())?
            .into_iter()
            .map(|r| AuditRecord {
                sighting_id: r.id,
                child_id: r.child_id,
                occurred_at: r.occurred_at.and_utc(),
                occurred_on: r.occurred_on,
                kind: r.kind,
                outcome: r.outcome,
                by_social_care: r.by_social_care,
                observations: r.observations,
                childs_voice: r.childs_voice,
            })
            .collect();
    let mut children = Vec::new();
    for (child_id, was_drawn) in sample {
        let child = case_store::get_child(conn, &child_id)?.ok_or(ServiceError::NotFound)?;
        let family: Vec<AuditRecord> = records
            .iter()
            .filter(|r| {
                r.child_id == child_id
                    || family_of
                        .get(child_id.as_str())
                        .is_some_and(|f| family_of.get(r.child_id.as_str()) == Some(f))
            })
            .cloned()
            .collect();
        let finding = audit::finding(&child_id, &family);
        let own = family
            .iter()
            .filter(|r| r.child_id == child_id)
            .map(|r| (r.clone(), audit::is_child_specific(r, &family)))
            .collect();
        children.push(SampledChild {
            child,
            drawn: was_drawn,
            finding,
            records: own,
        });
    }
    Ok(AuditSample {
        month,
        first,
        last,
        seed: seed.to_string(),
        children,
        at,
    })
}
