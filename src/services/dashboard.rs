//! The dashboard: every child the caller may see, most urgent first, from the per-child
//! projection (never a scan of the sightings when asked about today).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::status::{plan_known_at, RuleSettings};
use super::{log_read_of_children, AsAt, AuditAction, Requester, ServiceError, Services};
use crate::access::{self, CaseAccess, CaseAction};
use crate::domain::people::{Role, User};
use crate::domain::policy::VisitFrequency;
use crate::domain::records::{plan_open_on, PlanFacts};
use crate::domain::rules::{clock_flags, clocks_from_latest, ClockState, Clocks, Context, Flag};
use crate::store::cases::{self as store, Child, DashboardRow, Plan};
use crate::store::sightings as sighting_store;
use crate::store::DbConnection;

/// One child's line on the dashboard.
#[derive(Debug, Clone)]
pub struct Line {
    pub child: Child,
    pub plan: Plan,
    /// The name of the plan's social-work team (for filtering by team).
    pub team_name: String,
    pub frequency: VisitFrequency,
    pub clocks: Clocks,
    /// The seen-clock flags (the child's status page has every rule).
    pub flags: Vec<Flag>,
}

impl Line {
    /// Overdue clocks first, then due soon, then the nearest due date.
    fn urgency(
        &self,
    ) -> (
        std::cmp::Reverse<usize>,
        std::cmp::Reverse<usize>,
        NaiveDate,
    ) {
        let clocks = [
            &self.clocks.any_agency,
            &self.clocks.social_worker,
            &self.clocks.home_visit,
        ];
        let count = |state| clocks.iter().filter(|c| c.state == state).count();
        let nearest = clocks
            .iter()
            .filter_map(|c| c.due)
            .min()
            .unwrap_or(NaiveDate::MAX);
        (
            std::cmp::Reverse(count(ClockState::Overdue)),
            std::cmp::Reverse(count(ClockState::DueSoon)),
            nearest,
        )
    }
}

fn dashboard_in(
    conn: &mut DbConnection,
    caller: &User,
    at: &AsAt,
    today: NaiveDate,
    settings: &RuleSettings<'_>,
) -> Result<Vec<Line>, ServiceError> {
    let as_of = at.as_of;
    if caller.role == Role::Admin || !caller.active {
        return Err(ServiceError::Forbidden(
            "administrators have no access to case records".into(),
        ));
    }
    let candidates = store::candidate_children(conn, caller, access::read_scope(caller))?;
    // The plans as recorded by known_at (all of them, when it is now).
    let rows: Vec<DashboardRow> = store::dashboard_rows(conn, candidates.as_deref())?
        .into_iter()
        .filter_map(|row| {
            Some(DashboardRow {
                plan: plan_known_at(&row.plan, at.known_at)?,
                ..row
            })
        })
        .collect();
    let memberships = store::memberships_of(conn, &caller.id)?;
    let held: Vec<_> = memberships
        .iter()
        .map(|m| (m.plan_id.as_str(), m.from_date, m.until_date))
        .collect();
    let covering = store::covers_of(conn, &caller.id)?;
    let covered: Vec<_> = covering.iter().map(store::Cover::span).collect();

    // Each child's plans together (the rows come in no particular order).
    let mut by_child: HashMap<&str, Vec<&DashboardRow>> = HashMap::new();
    for row in &rows {
        by_child
            .entry(row.plan.child_id.as_str())
            .or_default()
            .push(row);
    }
    let mut chosen: Vec<&DashboardRow> = Vec::with_capacity(by_child.len());
    for group in by_child.values() {
        let ties: Vec<_> = group.iter().map(|r| r.plan.ties()).collect();
        let rel = access::relationship_of(caller, &ties, &held, &covered, today);
        if access::case_access(caller, &rel, CaseAction::Read) != CaseAccess::Allowed {
            continue;
        }
        let on_date = group
            .iter()
            .filter(|r| r.plan.start_date <= as_of)
            .max_by_key(|r| r.plan.start_date);
        // Open as a status says it is: not on the day it ended.
        let open = |r: &&&DashboardRow| plan_open_on(r.plan.start_date, r.plan.end_date, as_of);
        if let Some(row) = on_date.filter(open) {
            chosen.push(row);
        }
    }

    // The projection is "now": a past date, or a past moment of knowledge, needs the records
    // as they stood.
    let past: Option<HashMap<String, crate::domain::rules::Latest>> = if as_of < today || at.asked {
        let ids: Vec<String> = chosen.iter().map(|r| r.child.id.clone()).collect();
        Some(sighting_store::latest_on(
            conn,
            &ids,
            as_of,
            at.known_at.naive_utc(),
        )?)
    } else {
        None
    };

    let plan_ids: Vec<String> = chosen.iter().map(|r| r.plan.id.clone()).collect();
    let mut histories = store::frequency_histories(conn, &plan_ids)?;
    for changes in histories.values_mut() {
        changes.retain(|c| c.recorded_at <= at.known_at);
    }
    let mut team_names: HashMap<String, String> = HashMap::new();
    let mut lines = Vec::with_capacity(chosen.len());
    for row in chosen {
        if !team_names.contains_key(&row.plan.team_id) {
            let name = crate::store::accounts::get_team(conn, &row.plan.team_id)?
                .map(|t| t.name)
                .unwrap_or_default();
            team_names.insert(row.plan.team_id.clone(), name);
        }
        let latest = match &past {
            Some(map) => map.get(&row.child.id).copied().unwrap_or_default(),
            None => row.latest,
        };
        let calendar = settings
            .calendars
            .get(row.plan.region)
            .map_err(|e| super::invalid("as_of", e.to_string()))?;
        let ctx = Context {
            policy: settings.policy,
            calendar,
            tz: settings.tz,
        };
        let facts = PlanFacts {
            start: row.plan.start_date,
            end: row.plan.end_date,
            visit_frequency: row.plan.visit_frequency,
            frequency_changes: histories.remove(&row.plan.id).unwrap_or_default(),
            region: row.plan.region,
            previous_plans: 0,
            end_recorded_at: row.plan.ended_at.map(|at| at.and_utc()),
        };
        let clocks = clocks_from_latest(&facts, latest, &ctx, as_of)
            .map_err(crate::domain::rules::RuleError::from)?;
        let flags = clock_flags(&facts, &clocks, settings.policy);
        lines.push(Line {
            frequency: clocks.home_visit_frequency,
            child: row.child.clone(),
            team_name: team_names
                .get(&row.plan.team_id)
                .cloned()
                .unwrap_or_default(),
            plan: row.plan.clone(),
            clocks,
            flags,
        });
    }
    lines.sort_by(|a, b| {
        a.urgency()
            .cmp(&b.urgency())
            .then_with(|| a.child.family_name.cmp(&b.child.family_name))
            .then_with(|| a.child.id.cmp(&b.child.id))
    });
    Ok(lines)
}

/// `GET /dashboard`: every child the caller may see with a plan open on `as_of` (today when
/// absent), most urgent first. Every child shown is a read of their record: one access-log
/// entry, with the children it showed.
pub async fn dashboard(
    svc: &Services,
    who: &Requester,
    as_of: Option<NaiveDate>,
    known_at: Option<DateTime<Utc>>,
) -> Result<(AsAt, Vec<Line>), ServiceError> {
    let day = svc.today();
    let at = svc.as_at(as_of, known_at)?;
    let rules = svc.rule_inputs_at(&at).await?;
    let user = who.user.clone();
    let lines = svc
        .store
        .read(move |c| Ok(dashboard_in(c, &user, &at, day, &rules.settings())))
        .await??;
    let ids: Vec<String> = lines.iter().map(|l| l.child.id.clone()).collect();
    let resource = format!("dashboard {} ({} children)", at.describe(), ids.len());
    log_read_of_children(&svc.store, who, AuditAction::ReadDashboard, resource, ids).await?;
    Ok((at, lines))
}
