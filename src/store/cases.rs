//! Families, children, plans and core group membership.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    children, core_group_members, families, plan_covers, plan_frequency_changes, plans, users,
};
use super::{new_id, now, DbConnection, StoreError};
use crate::domain::calendar::Region;
use crate::domain::case::{from_word, word, EndReason, PlanCategory};
use crate::domain::people::User;
use crate::domain::policy::{FrequencyUnit, VisitFrequency};
use crate::domain::records::FrequencyFrom;
use crate::domain::visibility::{ReadScope, Tie};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = children)]
pub struct Child {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub family_id: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub id: String,
    pub child_id: String,
    pub start_date: NaiveDate,
    pub category: PlanCategory,
    pub team_id: String,
    pub lead_social_worker_id: String,
    pub cp_chair_id: String,
    /// The plan's own frequency at its start; dated changes are in `frequency_changes`.
    pub visit_frequency: Option<VisitFrequency>,
    pub region: Region,
    pub end_date: Option<NaiveDate>,
    pub end_reason: Option<EndReason>,
    pub created_at: NaiveDateTime,
    /// When the end was recorded (`None` while open): a status "as known" before it has
    /// the plan still open.
    pub ended_at: Option<NaiveDateTime>,
}

impl Plan {
    pub fn is_open_on(&self, date: NaiveDate) -> bool {
        self.start_date <= date && self.end_date.is_none_or(|e| date <= e)
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = plans)]
struct PlanRow {
    id: String,
    child_id: String,
    start_date: NaiveDate,
    category: String,
    team_id: String,
    lead_social_worker_id: String,
    cp_chair_id: String,
    visit_every: Option<i32>,
    visit_unit: Option<String>,
    region: String,
    end_date: Option<NaiveDate>,
    end_reason: Option<String>,
    created_by: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    ended_at: Option<NaiveDateTime>,
}

fn frequency_of(
    every: Option<i32>,
    unit: Option<&str>,
) -> Result<Option<VisitFrequency>, StoreError> {
    match (every, unit) {
        (Some(every), Some(unit)) => Ok(Some(VisitFrequency {
            every: u32::try_from(every)
                .map_err(|_| StoreError::Invalid("stored visit frequency is negative".into()))?,
            unit: from_word::<FrequencyUnit>(unit).map_err(StoreError::Invalid)?,
        })),
        _ => Ok(None),
    }
}

impl TryFrom<PlanRow> for Plan {
    type Error = StoreError;
    fn try_from(row: PlanRow) -> Result<Plan, StoreError> {
        Ok(Plan {
            visit_frequency: frequency_of(row.visit_every, row.visit_unit.as_deref())?,
            category: from_word(&row.category).map_err(StoreError::Invalid)?,
            region: row.region.parse().map_err(StoreError::Invalid)?,
            end_reason: row
                .end_reason
                .as_deref()
                .map(from_word)
                .transpose()
                .map_err(StoreError::Invalid)?,
            id: row.id,
            child_id: row.child_id,
            start_date: row.start_date,
            team_id: row.team_id,
            lead_social_worker_id: row.lead_social_worker_id,
            cp_chair_id: row.cp_chair_id,
            end_date: row.end_date,
            created_at: row.created_at,
            ended_at: row.ended_at,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = core_group_members)]
pub struct Member {
    pub id: String,
    pub plan_id: String,
    pub user_id: String,
    pub agency_id: String,
    pub from_date: NaiveDate,
    pub until_date: Option<NaiveDate>,
    pub added_by: String,
    pub created_at: NaiveDateTime,
    /// When the end of the membership was recorded.
    pub ended_at: Option<NaiveDateTime>,
}

impl Member {
    pub fn is_member_on(&self, date: NaiveDate) -> bool {
        self.from_date <= date && self.until_date.is_none_or(|u| date <= u)
    }
}

pub fn create_family(conn: &mut DbConnection) -> Result<String, StoreError> {
    let id = new_id();
    diesel::insert_into(families::table)
        .values((families::id.eq(&id), families::created_at.eq(now())))
        .execute(conn)?;
    Ok(id)
}

pub fn family_exists(conn: &mut DbConnection, id: &str) -> Result<bool, StoreError> {
    Ok(families::table.find(id).count().get_result::<i64>(conn)? > 0)
}

pub struct NewChild {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub family_id: Option<String>,
}

pub fn create_child(
    conn: &mut DbConnection,
    new: NewChild,
    created_by: &str,
) -> Result<Child, StoreError> {
    let child = Child {
        id: new_id(),
        given_name: new.given_name.trim().to_string(),
        family_name: new.family_name.trim().to_string(),
        date_of_birth: new.date_of_birth,
        family_id: new.family_id,
        created_by: created_by.to_string(),
        created_at: now(),
    };
    diesel::insert_into(children::table)
        .values((
            children::id.eq(&child.id),
            children::given_name.eq(&child.given_name),
            children::family_name.eq(&child.family_name),
            children::date_of_birth.eq(child.date_of_birth),
            children::family_id.eq(&child.family_id),
            children::created_by.eq(&child.created_by),
            children::created_at.eq(child.created_at),
        ))
        .execute(conn)?;
    Ok(child)
}

pub fn get_child(conn: &mut DbConnection, id: &str) -> Result<Option<Child>, StoreError> {
    Ok(children::table
        .find(id)
        .select(Child::as_select())
        .first(conn)
        .optional()?)
}

pub fn siblings(conn: &mut DbConnection, family_id: &str) -> Result<Vec<Child>, StoreError> {
    Ok(children::table
        .filter(children::family_id.eq(family_id))
        .order(children::date_of_birth)
        .select(Child::as_select())
        .load(conn)?)
}

pub struct NewPlan {
    pub child_id: String,
    pub start_date: NaiveDate,
    pub category: PlanCategory,
    pub team_id: String,
    pub lead_social_worker_id: String,
    pub lead_agency_id: String,
    pub cp_chair_id: String,
    pub visit_frequency: Option<VisitFrequency>,
    pub region: Region,
}

/// Creates the plan and puts the lead social worker on its core group from the start.
pub fn create_plan(
    conn: &mut DbConnection,
    new: NewPlan,
    created_by: &str,
) -> Result<Plan, StoreError> {
    let at = now();
    let row = PlanRow {
        id: new_id(),
        child_id: new.child_id,
        start_date: new.start_date,
        category: word(&new.category),
        team_id: new.team_id,
        lead_social_worker_id: new.lead_social_worker_id,
        cp_chair_id: new.cp_chair_id,
        visit_every: new.visit_frequency.map(|f| f.every as i32),
        visit_unit: new.visit_frequency.map(|f| word(&f.unit)),
        region: new.region.as_str().to_string(),
        end_date: None,
        end_reason: None,
        created_by: created_by.to_string(),
        created_at: at,
        updated_at: at,
        ended_at: None,
    };
    diesel::insert_into(plans::table)
        .values(&row)
        .execute(conn)?;
    add_member(
        conn,
        &row.id,
        &row.lead_social_worker_id,
        &new.lead_agency_id,
        row.start_date,
        created_by,
    )?;
    row.try_into()
}

pub fn get_plan(conn: &mut DbConnection, id: &str) -> Result<Option<Plan>, StoreError> {
    plans::table
        .find(id)
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?
        .map(Plan::try_from)
        .transpose()
}

/// Every plan of a child, oldest first.
pub fn plans_of_child(conn: &mut DbConnection, child_id: &str) -> Result<Vec<Plan>, StoreError> {
    plans::table
        .filter(plans::child_id.eq(child_id))
        .order((plans::start_date, plans::created_at))
        .select(PlanRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Plan::try_from)
        .collect()
}

/// Every plan a CP chair chairs, oldest first.
pub fn plans_chaired_by(conn: &mut DbConnection, chair_id: &str) -> Result<Vec<Plan>, StoreError> {
    plans::table
        .filter(plans::cp_chair_id.eq(chair_id))
        .order((plans::start_date, plans::created_at))
        .select(PlanRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Plan::try_from)
        .collect()
}

/// Every plan that had started by `on` (open or ended), oldest first: what the reports count.
pub fn plans_started_by(conn: &mut DbConnection, on: NaiveDate) -> Result<Vec<Plan>, StoreError> {
    plans::table
        .filter(plans::start_date.le(on))
        .order((plans::start_date, plans::created_at))
        .select(PlanRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Plan::try_from)
        .collect()
}

pub fn end_plan(
    conn: &mut DbConnection,
    id: &str,
    end: NaiveDate,
    reason: EndReason,
) -> Result<(), StoreError> {
    diesel::update(plans::table.find(id))
        .set((
            plans::end_date.eq(Some(end)),
            plans::end_reason.eq(Some(word(&reason))),
            plans::updated_at.eq(now()),
            plans::ended_at.eq(Some(now())),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a change of visiting frequency in force from `from`, who agreed it and why (seed
/// 001 §7). The plan's own columns keep its frequency at its start; the changes are its
/// history, read by date.
pub fn change_frequency(
    conn: &mut DbConnection,
    plan_id: &str,
    frequency: Option<VisitFrequency>,
    from: NaiveDate,
    agreed_by: &str,
    reason: &str,
    changed_by: &str,
) -> Result<(), StoreError> {
    let at = now();
    diesel::update(plans::table.find(plan_id))
        .set(plans::updated_at.eq(at))
        .execute(conn)?;
    diesel::insert_into(plan_frequency_changes::table)
        .values((
            plan_frequency_changes::id.eq(new_id()),
            plan_frequency_changes::plan_id.eq(plan_id),
            plan_frequency_changes::visit_every.eq(frequency.map(|f| f.every as i32)),
            plan_frequency_changes::visit_unit.eq(frequency.map(|f| word(&f.unit))),
            plan_frequency_changes::agreed_by.eq(agreed_by),
            plan_frequency_changes::reason.eq(reason),
            plan_frequency_changes::changed_by.eq(changed_by),
            plan_frequency_changes::changed_at.eq(at),
            plan_frequency_changes::in_force_from.eq(from),
        ))
        .execute(conn)?;
    Ok(())
}

/// A recorded change of visiting frequency.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plan_frequency_changes)]
pub struct FrequencyChange {
    pub id: String,
    pub plan_id: String,
    pub visit_every: Option<i32>,
    pub visit_unit: Option<String>,
    pub agreed_by: String,
    pub reason: String,
    pub changed_by: String,
    pub changed_at: NaiveDateTime,
    /// In force from this date (changes recorded before dates were kept: the plan's start).
    #[diesel(column_name = in_force_from)]
    pub from: NaiveDate,
}

impl FrequencyChange {
    pub fn frequency(&self) -> Result<Option<VisitFrequency>, StoreError> {
        frequency_of(self.visit_every, self.visit_unit.as_deref())
    }
}

/// The plan as a reader sees it on `day`: its frequency the latest change dated by then.
pub fn with_frequency_on(
    conn: &mut DbConnection,
    mut plan: Plan,
    day: NaiveDate,
) -> Result<Plan, StoreError> {
    if let Some(change) = frequency_changes(conn, &plan.id)?
        .into_iter()
        .rfind(|c| c.from <= day)
    {
        plan.visit_frequency = change.frequency()?;
    }
    Ok(plan)
}

/// The frequency history of each plan, by date (then in the order recorded), as the rules
/// read it.
pub fn frequency_histories(
    conn: &mut DbConnection,
    plan_ids: &[String],
) -> Result<HashMap<String, Vec<FrequencyFrom>>, StoreError> {
    let mut out: HashMap<String, Vec<FrequencyFrom>> = HashMap::new();
    for chunk in plan_ids.chunks(500) {
        let rows: Vec<FrequencyChange> = plan_frequency_changes::table
            .filter(plan_frequency_changes::plan_id.eq_any(chunk))
            .order((
                plan_frequency_changes::in_force_from,
                plan_frequency_changes::changed_at,
            ))
            .select(FrequencyChange::as_select())
            .load(conn)?;
        for row in rows {
            let change = FrequencyFrom {
                from: row.from,
                frequency: row.frequency()?,
                recorded_at: row.changed_at.and_utc(),
            };
            out.entry(row.plan_id).or_default().push(change);
        }
    }
    Ok(out)
}

pub fn frequency_changes(
    conn: &mut DbConnection,
    plan_id: &str,
) -> Result<Vec<FrequencyChange>, StoreError> {
    Ok(plan_frequency_changes::table
        .filter(plan_frequency_changes::plan_id.eq(plan_id))
        .order((
            plan_frequency_changes::in_force_from,
            plan_frequency_changes::changed_at,
        ))
        .select(FrequencyChange::as_select())
        .load(conn)?)
}

pub fn add_member(
    conn: &mut DbConnection,
    plan_id: &str,
    user_id: &str,
    agency_id: &str,
    from: NaiveDate,
    added_by: &str,
) -> Result<Member, StoreError> {
    let member = Member {
        id: new_id(),
        plan_id: plan_id.to_string(),
        user_id: user_id.to_string(),
        agency_id: agency_id.to_string(),
        from_date: from,
        until_date: None,
        added_by: added_by.to_string(),
        created_at: now(),
        ended_at: None,
    };
    diesel::insert_into(core_group_members::table)
        .values((
            core_group_members::id.eq(&member.id),
            core_group_members::plan_id.eq(&member.plan_id),
            core_group_members::user_id.eq(&member.user_id),
            core_group_members::agency_id.eq(&member.agency_id),
            core_group_members::from_date.eq(member.from_date),
            core_group_members::until_date.eq(member.until_date),
            core_group_members::added_by.eq(&member.added_by),
            core_group_members::created_at.eq(member.created_at),
        ))
        .execute(conn)?;
    Ok(member)
}

pub fn end_membership(
    conn: &mut DbConnection,
    member_id: &str,
    until: NaiveDate,
) -> Result<(), StoreError> {
    diesel::update(core_group_members::table.find(member_id))
        .set((
            core_group_members::until_date.eq(Some(until)),
            core_group_members::ended_at.eq(Some(now())),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn members_of_plan(conn: &mut DbConnection, plan_id: &str) -> Result<Vec<Member>, StoreError> {
    Ok(core_group_members::table
        .filter(core_group_members::plan_id.eq(plan_id))
        .order((
            core_group_members::from_date,
            core_group_members::created_at,
        ))
        .select(Member::as_select())
        .load(conn)?)
}

/// Members of a plan with their names and agency names, for display and for the rules.
pub fn members_with_names(
    conn: &mut DbConnection,
    plan_id: &str,
) -> Result<Vec<(Member, String, String)>, StoreError> {
    use super::schema::agencies;
    Ok(core_group_members::table
        .inner_join(users::table.on(users::id.eq(core_group_members::user_id)))
        .inner_join(agencies::table.on(agencies::id.eq(core_group_members::agency_id)))
        .filter(core_group_members::plan_id.eq(plan_id))
        .order((
            core_group_members::from_date,
            core_group_members::created_at,
        ))
        .select((Member::as_select(), users::name, agencies::name))
        .load(conn)?)
}

/// Every core-group membership of a user.
pub fn memberships_of(conn: &mut DbConnection, user_id: &str) -> Result<Vec<Member>, StoreError> {
    Ok(core_group_members::table
        .filter(core_group_members::user_id.eq(user_id))
        .select(Member::as_select())
        .load(conn)?)
}

/// A user's core-group memberships of these plans (a child's, or one plan alone), and every
/// cover arrangement they hold: the facts a decision about the plans reads (the services put
/// them to `access::relationship_of`). The same queries run when `plans` is empty, so that a
/// missing record costs what a hidden one does.
pub fn memberships_and_covers(
    conn: &mut DbConnection,
    user_id: &str,
    plans: &[Plan],
) -> Result<(Vec<Member>, Vec<Cover>), StoreError> {
    let plan_ids: Vec<&str> = plans.iter().map(|p| p.id.as_str()).collect();
    let memberships: Vec<Member> = core_group_members::table
        .filter(core_group_members::user_id.eq(user_id))
        .filter(core_group_members::plan_id.eq_any(&plan_ids))
        .select(Member::as_select())
        .load(conn)?;
    let covering = covers_of(conn, user_id)?;
    Ok((memberships, covering))
}

/// A cover ("buddy") arrangement: `user_id` acts for the lead social worker on these dates.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = plan_covers)]
pub struct Cover {
    pub id: String,
    pub plan_id: String,
    pub user_id: String,
    pub from_date: NaiveDate,
    pub until_date: NaiveDate,
    pub added_by: String,
    pub created_at: NaiveDateTime,
}

pub fn add_cover(
    conn: &mut DbConnection,
    plan_id: &str,
    user_id: &str,
    from: NaiveDate,
    until: NaiveDate,
    added_by: &str,
) -> Result<Cover, StoreError> {
    let cover = Cover {
        id: new_id(),
        plan_id: plan_id.to_string(),
        user_id: user_id.to_string(),
        from_date: from,
        until_date: until,
        added_by: added_by.to_string(),
        created_at: now(),
    };
    diesel::insert_into(plan_covers::table)
        .values((
            plan_covers::id.eq(&cover.id),
            plan_covers::plan_id.eq(&cover.plan_id),
            plan_covers::user_id.eq(&cover.user_id),
            plan_covers::from_date.eq(cover.from_date),
            plan_covers::until_date.eq(cover.until_date),
            plan_covers::added_by.eq(&cover.added_by),
            plan_covers::created_at.eq(cover.created_at),
        ))
        .execute(conn)?;
    Ok(cover)
}

/// Every cover arrangement a user holds.
pub fn covers_of(conn: &mut DbConnection, user_id: &str) -> Result<Vec<Cover>, StoreError> {
    Ok(plan_covers::table
        .filter(plan_covers::user_id.eq(user_id))
        .select(Cover::as_select())
        .load(conn)?)
}

pub fn covers_of_plan(conn: &mut DbConnection, plan_id: &str) -> Result<Vec<Cover>, StoreError> {
    Ok(plan_covers::table
        .filter(plan_covers::plan_id.eq(plan_id))
        .order(plan_covers::from_date)
        .select(Cover::as_select())
        .load(conn)?)
}

/// A plan with its child and the child's projected latest dates, for a dashboard.
#[derive(Debug, Clone)]
pub struct DashboardRow {
    pub plan: Plan,
    pub child: Child,
    pub latest: crate::domain::rules::Latest,
}

/// Every plan of the given children (every plan when `None`), with the child and the
/// projection: one query, never a scan of the sightings.
pub fn dashboard_rows(
    conn: &mut DbConnection,
    child_ids: Option<&[String]>,
) -> Result<Vec<DashboardRow>, StoreError> {
    use super::schema::child_projections;
    let query = plans::table
        .inner_join(children::table)
        .left_join(child_projections::table.on(child_projections::child_id.eq(plans::child_id)))
        .select((
            PlanRow::as_select(),
            Child::as_select(),
            (
                child_projections::last_seen_any,
                child_projections::last_seen_social_worker,
                child_projections::last_home_visit_seen,
            )
                .nullable(),
        ));
    // No ORDER BY: the caller groups by child in memory, which spares the database a sort
    // of every plan (at 50,000 children it spilled to disk).
    type Loaded = (
        PlanRow,
        Child,
        Option<(Option<NaiveDate>, Option<NaiveDate>, Option<NaiveDate>)>,
    );
    let loaded: Vec<Loaded> = match child_ids {
        None => query.load(conn)?,
        Some(ids) => {
            // In chunks: SQLite allows a limited number of bound values per statement.
            let mut all = Vec::new();
            for chunk in ids.chunks(500) {
                all.extend(
                    query
                        .filter(plans::child_id.eq_any(chunk))
                        .load::<Loaded>(conn)?,
                );
            }
            all
        }
    };
    loaded
        .into_iter()
        .map(|(plan, child, latest)| {
            let (seen_any, seen_by_social_care, home_visit_seen) =
                latest.unwrap_or((None, None, None));
            Ok(DashboardRow {
                plan: plan.try_into()?,
                child,
                latest: crate::domain::rules::Latest {
                    seen_any,
                    seen_by_social_care,
                    home_visit_seen,
                },
            })
        })
        .collect()
}

/// The children a caller might see under `scope` (the caller's, from `access::read_scope`):
/// those with a plan tied to them in one of the ways the scope counts, on any date — so a
/// superset of those the caller may read on a given day, each of which `access::case_access`
/// then decides. `None` means every child: a scope of everyone, or one that counts an open plan
/// (any plan may be open on the day asked about).
pub fn candidate_children(
    conn: &mut DbConnection,
    caller: &User,
    scope: ReadScope,
) -> Result<Option<Vec<String>>, StoreError> {
    let ties = match scope {
        ReadScope::Nobody => return Ok(Some(Vec::new())),
        ReadScope::Everyone => return Ok(None),
        ReadScope::Through(ties) => ties,
    };
    type Db = <DbConnection as Connection>::Backend;
    let mut query = plans::table.select(plans::child_id).into_boxed::<Db>();
    // A query with no condition would answer every plan: count what narrows it.
    let mut conditions = 0;
    for tie in ties {
        query = match tie {
            Tie::OpenPlan => return Ok(None),
            Tie::CoreGroupMember => query.or_filter(
                plans::id.eq_any(
                    core_group_members::table
                        .filter(core_group_members::user_id.eq(&caller.id))
                        .select(core_group_members::plan_id),
                ),
            ),
            Tie::Cover => query.or_filter(
                plans::id.eq_any(
                    plan_covers::table
                        .filter(plan_covers::user_id.eq(&caller.id))
                        .select(plan_covers::plan_id),
                ),
            ),
            Tie::LeadSocialWorker => query.or_filter(plans::lead_social_worker_id.eq(&caller.id)),
            Tie::Chair => query.or_filter(plans::cp_chair_id.eq(&caller.id)),
            Tie::Team => match caller.team_id.as_deref() {
                Some(team) => query.or_filter(plans::team_id.eq(team)),
                // No team, no team's plans.
                None => continue,
            },
        };
        conditions += 1;
    }
    if conditions == 0 {
        return Ok(Some(Vec::new()));
    }
    let mut ids: Vec<String> = query.load(conn)?;
    ids.sort();
    ids.dedup();
    Ok(Some(ids))
}
