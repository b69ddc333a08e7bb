//! Families, children, plans and their core groups.

use chrono::NaiveDate;

use super::AuditAction;
use super::{authorise, invalid, log, write_logged, Requester, ServiceError, Services};
use crate::access::{self, CaseAction};
use crate::domain::calendar::Region;
use crate::domain::case::{EndReason, PlanCategory};
use crate::domain::ids::{ChildId, FamilyId, MemberId, PlanId, UserId};
use crate::domain::people::{Name, Role, User};
use crate::domain::policy::VisitFrequency;
use crate::store::accounts;
use crate::store::cases::{self as store, NewPlan};
/// The records these use cases answer with.
pub use crate::store::cases::{Child, Cover, Member, NewChild, Plan};
use crate::store::owners::Record;
use crate::store::DbConnection;

fn create_family_in(
    conn: &mut DbConnection,
    requester: &Requester,
) -> Result<String, ServiceError> {
    if !access::may_create_children(&requester.user) {
        return Err(ServiceError::Forbidden(
            "only social care records families and children".into(),
        ));
    }
    Ok(store::create_family(conn)?)
}

fn create_child_in(
    conn: &mut DbConnection,
    requester: &Requester,
    new: NewChild,
    today: NaiveDate,
) -> Result<Child, ServiceError> {
    if !access::may_create_children(&requester.user) {
        return Err(ServiceError::Forbidden(
            "only social care records children".into(),
        ));
    }
    // Names are read once, here, on the way in: the store gets them trimmed and checked.
    let given_name = Name::parse(&new.given_name).map_err(|r| invalid("given_name", r))?;
    let family_name = Name::parse(&new.family_name).map_err(|r| invalid("family_name", r))?;
    let new = NewChild {
        given_name: given_name.into_string(),
        family_name: family_name.into_string(),
        ..new
    };
    crate::domain::case::check_date_of_birth(new.date_of_birth, today)
        .map_err(|r| invalid("date_of_birth", r))?;
    if let Some(family) = &new.family_id {
        if !store::family_exists(conn, family)? {
            return Err(invalid(
                "family_id",
                "no family has this id; create one with POST /families",
            ));
        }
    }
    let child = store::create_child(conn, new, &requester.user.id)?;
    log(
        conn,
        requester,
        AuditAction::CreateChild,
        Some(&child.id),
        "child",
        "ok",
    )?;
    Ok(child)
}

/// What a new plan asks for.
pub struct PlanRequest {
    pub start_date: NaiveDate,
    pub category: PlanCategory,
    pub team_id: String,
    pub lead_social_worker_id: String,
    pub cp_chair_id: String,
    pub visit_frequency: Option<VisitFrequency>,
    pub region: Region,
}

fn active_user(
    conn: &mut DbConnection,
    id: &str,
    field: &'static str,
) -> Result<User, ServiceError> {
    accounts::get_user(conn, id)?
        .filter(|u| u.active)
        .ok_or_else(|| invalid(field, "no active user has this id"))
}

/// A plan's visiting frequency, at its start or changed: from 1 to 365, and never slower
/// than the policy's minimum (seed 001 §7: never less often than every 10 working days).
pub fn check_frequency(
    frequency: &Option<VisitFrequency>,
    min: VisitFrequency,
) -> Result<(), ServiceError> {
    if let Some(f) = frequency {
        if f.every == 0 || f.every > 365 {
            return Err(invalid("visit_frequency.every", "must be from 1 to 365"));
        }
        if f.slower_than(&min) {
            return Err(invalid(
                "visit_frequency",
                format!(
                    "{} is slower than the minimum, {}",
                    f.describe(),
                    min.describe()
                ),
            ));
        }
    }
    Ok(())
}

fn create_plan_in(
    conn: &mut DbConnection,
    requester: &Requester,
    child_id: &str,
    request: PlanRequest,
    known_regions: &[Region],
    min: VisitFrequency,
    today: NaiveDate,
) -> Result<Plan, ServiceError> {
    if !access::may_create_children(&requester.user) {
        return Err(ServiceError::Forbidden(
            "only social care starts plans".into(),
        ));
    }
    // The child's team (or whoever recorded a child with no plan yet) starts its plans.
    let child = match authorise(conn, requester, child_id, CaseAction::ManagePlan, today) {
        Ok(child) => child,
        Err(ServiceError::NotFound) => match store::get_child(conn, child_id)? {
            Some(child)
                if child.created_by == requester.user.id
                    && store::plans_of_child(conn, child_id)?.is_empty() =>
            {
                child
            }
            _ => return Err(ServiceError::NotFound),
        },
        Err(e) => return Err(e),
    };
    if request.start_date > today {
        return Err(invalid(
            "start_date",
            "is in the future; a plan starts at its initial conference",
        ));
    }
    if request.start_date < child.date_of_birth {
        return Err(invalid("start_date", "is before the child's date of birth"));
    }
    check_frequency(&request.visit_frequency, min)?;
    if !known_regions.contains(&request.region) {
        return Err(invalid(
            "region",
            format!(
                "no bank-holiday calendar is loaded for {}; an admin can import one",
                request.region
            ),
        ));
    }
    if accounts::get_team(conn, &request.team_id)?.is_none() {
        return Err(invalid("team_id", "no team has this id"));
    }
    let lead = active_user(
        conn,
        &request.lead_social_worker_id,
        "lead_social_worker_id",
    )?;
    if !matches!(lead.role, Role::SocialWorker | Role::TeamManager) {
        return Err(invalid(
            "lead_social_worker_id",
            "the lead must be a social worker or team manager",
        ));
    }
    let lead_agency = lead
        .agency_id
        .clone()
        .ok_or_else(|| invalid("lead_social_worker_id", "the lead belongs to no agency"))?;
    let chair = active_user(conn, &request.cp_chair_id, "cp_chair_id")?;
    if chair.role != Role::CpChair {
        return Err(invalid("cp_chair_id", "this user is not a CP chair"));
    }
    let earlier = store::plans_of_child(conn, child_id)?;
    if let Some(open) = earlier
        .iter()
        .find(|p| p.end_date.is_none_or(|end| end >= request.start_date))
    {
        return Err(ServiceError::Conflict(format!(
            "the child already has a plan from {} that has not ended before {}",
            open.start_date, request.start_date
        )));
    }
    let plan = store::create_plan(
        conn,
        NewPlan {
            child_id: child_id.to_string(),
            start_date: request.start_date,
            category: request.category,
            team_id: request.team_id,
            lead_social_worker_id: lead.id,
            lead_agency_id: lead_agency,
            cp_chair_id: chair.id,
            visit_frequency: request.visit_frequency,
            region: request.region,
        },
        &requester.user.id,
    )?;
    log(
        conn,
        requester,
        AuditAction::CreatePlan,
        Some(child_id),
        &format!("plan {}", plan.id),
        "ok",
    )?;
    Ok(plan)
}

/// `POST /plans/{id}/members`: adds a user to the plan's core group from a date (today when
/// absent), representing their agency. Answers the member with their name and agency's.
pub async fn add_member(
    svc: &Services,
    who: &Requester,
    plan_id: PlanId,
    user_id: UserId,
    from: Option<NaiveDate>,
) -> Result<(Member, String, String), ServiceError> {
    svc.write_for_plan(
        who,
        plan_id,
        AuditAction::AddMember,
        move |c, who, plan_id, day| {
            let member = add_member_in(c, who, plan_id, user_id.as_str(), from, day)?;
            store::members_with_names(c, plan_id)?
                .into_iter()
                .find(|(m, _, _)| m.id == member.id)
                .ok_or(ServiceError::NotFound)
        },
    )
    .await
}

/// `GET /plans/{id}`: the plan and its core group members, with their names and agencies'.
pub async fn read_plan(
    svc: &Services,
    who: &Requester,
    plan_id: PlanId,
) -> Result<(Plan, Vec<(Member, String, String)>), ServiceError> {
    let (w, day) = (who.clone(), svc.today());
    svc.read_about(
        who,
        Record::Plan(plan_id.as_str().to_owned()),
        AuditAction::ReadPlan,
        format!("plan {plan_id}"),
        move |c| {
            let plan = plan_for(c, &w, plan_id.as_str(), CaseAction::Read, day)?;
            let members = store::members_with_names(c, &plan.id)?;
            Ok((store::with_frequency_on(c, plan, day)?, members))
        },
    )
    .await
}

/// Finds a plan and authorises `action` on that plan (not on its child's other plans).
pub fn plan_for(
    conn: &mut DbConnection,
    requester: &Requester,
    plan_id: &str,
    action: CaseAction,
    today: NaiveDate,
) -> Result<Plan, ServiceError> {
    super::authorise_plan(conn, requester, plan_id, action, today)
}

pub(super) fn add_member_in(
    conn: &mut DbConnection,
    requester: &Requester,
    plan_id: &str,
    user_id: &str,
    from: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Member, ServiceError> {
    let plan = plan_for(conn, requester, plan_id, CaseAction::ManagePlan, today)?;
    let from = from.unwrap_or(today).max(plan.start_date);
    if plan.end_date.is_some_and(|end| from > end) {
        return Err(invalid("from", "the plan has ended by then"));
    }
    let user = active_user(conn, user_id, "user_id")?;
    if matches!(user.role, Role::Admin | Role::Auditor) {
        return Err(invalid(
            "user_id",
            format!("a {} cannot be a core group member", user.role),
        ));
    }
    let agency = user.agency_id.clone().ok_or_else(|| {
        invalid(
            "user_id",
            "the user belongs to no agency, so cannot represent one",
        )
    })?;
    let current = store::members_of_plan(conn, plan_id)?;
    if current
        .iter()
        .any(|m| m.user_id == user.id && m.until_date.is_none_or(|u| u >= from))
    {
        return Err(ServiceError::Conflict(
            "this user is already on the core group".into(),
        ));
    }
    let member = store::add_member(conn, plan_id, &user.id, &agency, from, &requester.user.id)?;
    log(
        conn,
        requester,
        AuditAction::AddMember,
        Some(&plan.child_id),
        &format!("plan {plan_id}"),
        "ok",
    )?;
    Ok(member)
}

fn end_membership_in(
    conn: &mut DbConnection,
    requester: &Requester,
    plan_id: &str,
    member_id: &str,
    until: NaiveDate,
    today: NaiveDate,
) -> Result<(), ServiceError> {
    let plan = plan_for(conn, requester, plan_id, CaseAction::ManagePlan, today)?;
    let member = store::members_of_plan(conn, plan_id)?
        .into_iter()
        .find(|m| m.id == member_id)
        .ok_or(ServiceError::NotFound)?;
    if member.user_id == plan.lead_social_worker_id {
        return Err(invalid(
            "until",
            "the lead social worker is always a member of the core group",
        ));
    }
    if until < member.from_date {
        return Err(invalid("until", "is before the member joined"));
    }
    store::end_membership(conn, member_id, until)?;
    log(
        conn,
        requester,
        AuditAction::EndMember,
        Some(&plan.child_id),
        &format!("plan {plan_id}"),
        "ok",
    )?;
    Ok(())
}

fn end_plan_in(
    conn: &mut DbConnection,
    requester: &Requester,
    plan_id: &str,
    end: NaiveDate,
    reason: EndReason,
    today: NaiveDate,
) -> Result<Plan, ServiceError> {
    let plan = plan_for(conn, requester, plan_id, CaseAction::ManagePlan, today)?;
    if plan.end_date.is_some() {
        return Err(ServiceError::Conflict("the plan has already ended".into()));
    }
    if end < plan.start_date || end > today {
        return Err(invalid(
            "end_date",
            "must be between the plan's start and today",
        ));
    }
    store::end_plan(conn, plan_id, end, reason)?;
    log(
        conn,
        requester,
        AuditAction::EndPlan,
        Some(&plan.child_id),
        &format!("plan {plan_id}"),
        "ok",
    )?;
    store::get_plan(conn, plan_id)?.ok_or(ServiceError::NotFound)
}

/// Changes a plan's visiting frequency; the plan's CP chair must have agreed (seed 001 §7).
fn change_frequency_in(
    conn: &mut DbConnection,
    requester: &Requester,
    plan_id: &str,
    change: &FrequencyChange,
    min: VisitFrequency,
    today: NaiveDate,
) -> Result<Plan, ServiceError> {
    let (frequency, agreed_by, reason) = (
        change.visit_frequency,
        change.agreed_by.as_str(),
        change.reason.as_str(),
    );
    let plan = plan_for(conn, requester, plan_id, CaseAction::ManagePlan, today)?;
    check_frequency(&frequency, min)?;
    let from = change.from.unwrap_or(today);
    if from < plan.start_date {
        return Err(invalid(
            "from",
            format!("must not be before the plan's start, {}", plan.start_date),
        ));
    }
    if agreed_by != plan.cp_chair_id {
        return Err(invalid(
            "agreed_by",
            "a change of visiting frequency is agreed by the plan's CP chair",
        ));
    }
    if reason.trim().is_empty() {
        return Err(invalid("reason", "say why the frequency changes"));
    }
    store::change_frequency(
        conn,
        plan_id,
        frequency,
        from,
        agreed_by,
        reason.trim(),
        &requester.user.id,
    )?;
    log(
        conn,
        requester,
        AuditAction::ChangeFrequency,
        Some(&plan.child_id),
        &format!("plan {plan_id}"),
        "ok",
    )?;
    let plan = store::get_plan(conn, plan_id)?.ok_or(ServiceError::NotFound)?;
    Ok(store::with_frequency_on(conn, plan, today)?)
}

/// Arranges cover for the lead social worker (seed 004: a "buddy" for a planned absence):
/// a social worker who may then read, record and manage as the lead does, on those dates.
fn add_cover_in(
    conn: &mut DbConnection,
    requester: &Requester,
    plan_id: &str,
    user_id: &str,
    from: NaiveDate,
    until: NaiveDate,
    today: NaiveDate,
) -> Result<store::Cover, ServiceError> {
    let plan = plan_for(conn, requester, plan_id, CaseAction::ManagePlan, today)?;
    if until < from {
        return Err(invalid("until", "is before from"));
    }
    if plan.end_date.is_some_and(|end| from > end) {
        return Err(invalid("from", "the plan has ended by then"));
    }
    let buddy = active_user(conn, user_id, "user_id")?;
    if buddy.role != Role::SocialWorker && buddy.role != Role::TeamManager {
        return Err(invalid(
            "user_id",
            "cover is given by a social worker or team manager",
        ));
    }
    if buddy.id == plan.lead_social_worker_id {
        return Err(invalid(
            "user_id",
            "the lead social worker cannot cover for themselves",
        ));
    }
    let cover = store::add_cover(conn, plan_id, &buddy.id, from, until, &requester.user.id)?;
    log(
        conn,
        requester,
        AuditAction::AddCover,
        Some(&plan.child_id),
        &format!("plan {plan_id}"),
        "ok",
    )?;
    Ok(cover)
}

/// `POST /families`: a new sibling group, to link children with `family_id`.
pub async fn create_family(svc: &Services, who: &Requester) -> Result<FamilyId, ServiceError> {
    let w = who.clone();
    write_logged(&svc.store, who, AuditAction::CreateFamily, None, move |c| {
        create_family_in(c, &w)
    })
    .await
    .map(FamilyId::from)
}

/// `POST /children`: records a child (social care only).
pub async fn create_child(
    svc: &Services,
    who: &Requester,
    new: NewChild,
) -> Result<Child, ServiceError> {
    let (w, day) = (who.clone(), svc.today());
    write_logged(&svc.store, who, AuditAction::CreateChild, None, move |c| {
        create_child_in(c, &w, new, day)
    })
    .await
}

/// `POST /children/{id}/plans`: starts a plan; the lead social worker joins its core group.
/// Answers the plan and its members with their names and agencies'.
pub async fn create_plan(
    svc: &Services,
    who: &Requester,
    child_id: ChildId,
    request: PlanRequest,
) -> Result<(Plan, Vec<(Member, String, String)>), ServiceError> {
    let rules = svc.rule_inputs().await?;
    let known: Vec<Region> = rules
        .in_force
        .calendars
        .all()
        .iter()
        .map(|c| c.region())
        .collect();
    let min = rules.policy.min_visit_frequency;
    let (w, day, cid) = (who.clone(), svc.today(), child_id.clone());
    write_logged(
        &svc.store,
        who,
        AuditAction::CreatePlan,
        Some(child_id.as_str()),
        move |c| {
            let plan = create_plan_in(c, &w, cid.as_str(), request, &known, min, day)?;
            let members = store::members_with_names(c, &plan.id)?;
            Ok((plan, members))
        },
    )
    .await
}

/// `PATCH /plans/{id}/members/{member_id}`: ends a membership on a date.
pub async fn end_membership(
    svc: &Services,
    who: &Requester,
    plan_id: PlanId,
    member_id: MemberId,
    until: NaiveDate,
) -> Result<(), ServiceError> {
    svc.write_for_plan(
        who,
        plan_id,
        AuditAction::EndMember,
        move |c, who, plan_id, day| {
            end_membership_in(c, who, plan_id, member_id.as_str(), until, day)
        },
    )
    .await
}

/// `POST /plans/{id}/end`: ends a plan (for example, stepped down to a child in need plan).
pub async fn end_plan(
    svc: &Services,
    who: &Requester,
    plan_id: PlanId,
    end: NaiveDate,
    reason: EndReason,
) -> Result<(Plan, Vec<(Member, String, String)>), ServiceError> {
    svc.write_for_plan(
        who,
        plan_id,
        AuditAction::EndPlan,
        move |c, who, plan_id, day| {
            let plan = end_plan_in(c, who, plan_id, end, reason, day)?;
            Ok((plan, store::members_with_names(c, plan_id)?))
        },
    )
    .await
}

/// What a change of visiting frequency asks for.
pub struct FrequencyChange {
    /// `None` returns to the policy's default.
    pub visit_frequency: Option<VisitFrequency>,
    /// In force from this date; today when `None`.
    pub from: Option<NaiveDate>,
    /// The plan's CP chair, who agreed the change (seed 001 §7).
    pub agreed_by: String,
    pub reason: String,
}

/// `PUT /plans/{id}/visit-frequency`: changes how often the child is visited, as agreed by
/// the plan's CP chair.
pub async fn change_frequency(
    svc: &Services,
    who: &Requester,
    plan_id: PlanId,
    change: FrequencyChange,
) -> Result<(Plan, Vec<(Member, String, String)>), ServiceError> {
    let min = svc.rule_inputs().await?.policy.min_visit_frequency;
    svc.write_for_plan(
        who,
        plan_id,
        AuditAction::ChangeFrequency,
        move |c, who, plan_id, day| {
            let plan = change_frequency_in(c, who, plan_id, &change, min, day)?;
            Ok((plan, store::members_with_names(c, plan_id)?))
        },
    )
    .await
}

/// `POST /plans/{id}/covers`: arranges cover for the lead social worker (a "buddy" for a
/// planned absence).
pub async fn add_cover(
    svc: &Services,
    who: &Requester,
    plan_id: PlanId,
    user_id: UserId,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<store::Cover, ServiceError> {
    svc.write_for_plan(
        who,
        plan_id,
        AuditAction::AddCover,
        move |c, who, plan_id, day| {
            add_cover_in(c, who, plan_id, user_id.as_str(), from, until, day)
        },
    )
    .await
}

/// The children of a family for whom the caller may record a home visit today (the family
/// visit form): each decided as if recording a contact with that child. A family with none
/// does not exist for the caller.
pub async fn family_for_visit(
    svc: &Services,
    who: &Requester,
    family_id: FamilyId,
) -> Result<Vec<Child>, ServiceError> {
    let (w, day) = (who.clone(), svc.today());
    let fid = family_id.clone();
    let found = svc
        .store
        .read(move |c| {
            let mut children = Vec::new();
            for child in store::siblings(c, fid.as_str())? {
                if super::authorise_with_plans(c, &w, &child.id, CaseAction::RecordSighting, day)
                    .is_ok()
                {
                    children.push(child);
                }
            }
            Ok(children)
        })
        .await?;
    let ids = found.iter().map(|c| c.id.clone()).collect();
    let resource = format!("family {family_id}");
    super::log_read_of_found(&svc.store, who, AuditAction::ReadFamily, resource, ids).await?;
    Ok(found)
}
