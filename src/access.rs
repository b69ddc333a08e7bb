//! Authorisation, in one place: who may do what.
//!
//! Every handler asks here before it acts. Case records (children, plans, sightings) are
//! decided by role *and* relationship (domain.md §1); account administration by role alone.
//! Outside a relationship a case is answered as if it did not exist (404), so that nobody
//! learns a child is known to the service.

use crate::domain::people::{Role, User};

/// Something a caller may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Create and change agencies, teams and users.
    ManageAccounts,
    /// Read the list of agencies and teams (names only; no case content).
    ReadDirectory,
    /// Import bank-holiday calendars and change the rule settings.
    ManageSettings,
    /// Read the calendars and the rule settings (no case content).
    ReadSettings,
    /// Read the management reports: counts by team and agency (seeds 000, 002, 003).
    ReadReports,
    /// Draw a random audit sample of children's files (seed 000's method).
    AuditFiles,
    /// See the plans one chairs, with how each is carried out.
    ReadChairedPlans,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The caller's role may not do this at all.
    #[error("your role ({0}) may not do this")]
    Role(Role),
}

/// The single table of role permissions.
pub fn role_allows(role: Role, permission: Permission) -> bool {
    match permission {
        Permission::ManageAccounts => role == Role::Admin,
        // Agency and team names are not case records; every signed-in user may see them
        // (a practitioner choosing which agency they represent needs them).
        Permission::ReadDirectory => true,
        Permission::ManageSettings => role == Role::Admin,
        // Everyone is held to these rules, so everyone may read them.
        Permission::ReadSettings => true,
        Permission::ReadReports => {
            matches!(role, Role::TeamManager | Role::CpChair | Role::Auditor)
        }
        Permission::AuditFiles => role == Role::Auditor,
        Permission::ReadChairedPlans => role == Role::CpChair,
    }
}

pub fn require(caller: &User, permission: Permission) -> Result<(), Denied> {
    if caller.active && role_allows(caller.role, permission) {
        Ok(())
    } else {
        Err(Denied::Role(caller.role))
    }
}

/// A caller's ties to one child, as the store finds them on a date (today, for access).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relationship {
    /// A member of the core group of one of the child's open plans, on that date.
    pub core_group_member: bool,
    /// The lead social worker of one of the child's plans.
    pub lead_social_worker: bool,
    /// Covering for the lead social worker of one of the child's open plans, on that date.
    pub covers: bool,
    /// The caller's team owns one of the child's open plans.
    pub same_team: bool,
    /// The CP chair of one of the child's plans.
    pub chairs: bool,
    /// The child has a plan open on that date.
    pub open_plan: bool,
}

/// What of a plan bears on who may see its child.
#[derive(Debug, Clone, Copy)]
pub struct PlanTies<'a> {
    pub plan_id: &'a str,
    pub lead_social_worker_id: &'a str,
    pub team_id: &'a str,
    pub cp_chair_id: &'a str,
    pub start: chrono::NaiveDate,
    pub end: Option<chrono::NaiveDate>,
}

/// A membership (or cover arrangement) of the caller's: (plan, from, until).
pub type Membership<'a> = (&'a str, chrono::NaiveDate, Option<chrono::NaiveDate>);

/// The caller's ties to one child on `on`, from the child's plans and the caller's own
/// core-group memberships and cover arrangements.
pub fn relationship_of(
    caller: &User,
    plans: &[PlanTies<'_>],
    memberships: &[Membership<'_>],
    covers: &[Membership<'_>],
    on: chrono::NaiveDate,
) -> Relationship {
    let open = |p: &PlanTies<'_>| p.start <= on && p.end.is_none_or(|e| on <= e);
    // Holds one of `spans` on an open plan of the child, on `on`.
    let holds = |spans: &[Membership<'_>]| {
        plans.iter().filter(|p| open(p)).any(|p| {
            spans.iter().any(|(plan, from, until)| {
                *plan == p.plan_id && *from <= on && until.is_none_or(|u| on <= u)
            })
        })
    };
    Relationship {
        core_group_member: holds(memberships),
        covers: holds(covers),
        lead_social_worker: plans.iter().any(|p| p.lead_social_worker_id == caller.id),
        same_team: caller
            .team_id
            .as_deref()
            .is_some_and(|team| plans.iter().any(|p| p.team_id == team)),
        chairs: plans.iter().any(|p| p.cp_chair_id == caller.id),
        open_plan: plans.iter().any(open),
    }
}

/// What a caller wants to do with a child's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseAction {
    /// Write and publish core group minutes, set actions, record review conferences: the
    /// lead social worker (or cover), the owning team, the plan's CP chair.
    LeadCoreGroup,
    /// See who has and has not read the minutes, and the plan's implementation.
    OverseeCoreGroup,
    /// Status, chronology, records, plan and core group.
    Read,
    /// Record a sighting of the child (always as its author).
    RecordSighting,
    /// Start or end a plan, change its core group or visiting frequency, record a manager's
    /// decision.
    ManagePlan,
    /// Read who has read and written the child's record.
    ReadAccessLog,
}

impl CaseAction {
    /// Whether a decision about a child's record as a whole counts the caller's ties to every
    /// plan of the child, ended ones included (reading the record, starting a new plan once
    /// the last has ended), or only to the plan open on the day: a contact recorded today
    /// lands on that plan, so a tie to an earlier plan gives no right to record one.
    /// Decisions about one plan count ties to that plan alone (`services::authorise_plan`).
    pub fn counts_ended_plans(self) -> bool {
        !matches!(self, CaseAction::RecordSighting)
    }
}

/// The answer to a case request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseAccess {
    Allowed,
    /// The caller may see the child but not do this (403).
    Forbidden,
    /// The caller has no relationship with the child: answer as if it did not exist (404).
    Hidden,
}

/// May `caller`, with `rel` to a child, do `action`? (domain.md §1.)
pub fn case_access(caller: &User, rel: &Relationship, action: CaseAction) -> CaseAccess {
    use CaseAccess::*;
    if !caller.active {
        return Hidden;
    }
    let reads = match caller.role {
        // A practitioner sees a child only while a member of the child's core group.
        Role::Practitioner => rel.core_group_member,
        // Social workers: plans they lead, and their team's children.
        Role::SocialWorker => {
            rel.lead_social_worker || rel.covers || rel.same_team || rel.core_group_member
        }
        Role::TeamManager => rel.same_team || rel.core_group_member,
        // CP chairs: plans they chair, and, read-only, every open plan.
        Role::CpChair => rel.chairs || rel.open_plan,
        // Auditors read everything, and write nothing.
        Role::Auditor => true,
        // Administrators have no access to case records.
        Role::Admin => false,
    };
    if !reads {
        return Hidden;
    }
    let allowed = match action {
        CaseAction::Read => true,
        CaseAction::RecordSighting => match caller.role {
            Role::Practitioner => rel.core_group_member && rel.open_plan,
            Role::SocialWorker | Role::TeamManager => rel.open_plan,
            _ => false,
        },
        CaseAction::ManagePlan => match caller.role {
            Role::SocialWorker => rel.lead_social_worker || rel.covers || rel.same_team,
            Role::TeamManager => rel.same_team,
            _ => false,
        },
        CaseAction::LeadCoreGroup => match caller.role {
            Role::SocialWorker => rel.lead_social_worker || rel.covers || rel.same_team,
            Role::TeamManager => rel.same_team,
            Role::CpChair => rel.chairs,
            _ => false,
        },
        CaseAction::OverseeCoreGroup => !matches!(caller.role, Role::Practitioner),
        CaseAction::ReadAccessLog => match caller.role {
            Role::TeamManager => rel.same_team,
            Role::CpChair => rel.chairs,
            Role::Auditor => true,
            _ => false,
        },
    };
    if allowed {
        Allowed
    } else {
        Forbidden
    }
}

/// Only social care creates children and plans.
pub fn may_create_children(caller: &User) -> bool {
    caller.active && matches!(caller.role, Role::SocialWorker | Role::TeamManager)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role) -> User {
        User {
            id: "u".into(),
            email: "u@x.example".into(),
            name: "U".into(),
            role,
            agency_id: None,
            team_id: None,
            active: true,
            session_version: 0,
            created_at: chrono::NaiveDateTime::default(),
        }
    }

    #[test]
    fn nobody_without_a_relationship_learns_a_child_exists() {
        let none = Relationship::default();
        for role in Role::ALL.into_iter().filter(|r| *r != Role::Auditor) {
            for action in [
                CaseAction::LeadCoreGroup,
                CaseAction::OverseeCoreGroup,
                CaseAction::Read,
                CaseAction::RecordSighting,
                CaseAction::ManagePlan,
                CaseAction::ReadAccessLog,
            ] {
                assert_eq!(
                    case_access(&user(role), &none, action),
                    CaseAccess::Hidden,
                    "{role} {action:?}"
                );
            }
        }
        // An admin never reads case records, whatever the ties.
        let all = Relationship {
            core_group_member: true,
            lead_social_worker: true,
            covers: true,
            same_team: true,
            chairs: true,
            open_plan: true,
        };
        assert_eq!(
            case_access(&user(Role::Admin), &all, CaseAction::Read),
            CaseAccess::Hidden
        );
    }

    #[test]
    fn each_role_by_relationship() {
        let member = Relationship {
            core_group_member: true,
            open_plan: true,
            ..Default::default()
        };
        let p = user(Role::Practitioner);
        assert_eq!(
            case_access(&p, &member, CaseAction::RecordSighting),
            CaseAccess::Allowed
        );
        assert_eq!(
            case_access(&p, &member, CaseAction::ManagePlan),
            CaseAccess::Forbidden
        );
        assert_eq!(
            case_access(&p, &member, CaseAction::ReadAccessLog),
            CaseAccess::Forbidden
        );
        let open = Relationship {
            open_plan: true,
            ..Default::default()
        };
        let chair = user(Role::CpChair);
        assert_eq!(
            case_access(&chair, &open, CaseAction::Read),
            CaseAccess::Allowed
        );
        assert_eq!(
            case_access(&chair, &open, CaseAction::RecordSighting),
            CaseAccess::Forbidden
        );
        assert_eq!(
            case_access(&chair, &open, CaseAction::ReadAccessLog),
            CaseAccess::Forbidden
        );
        let chairs = Relationship {
            chairs: true,
            open_plan: true,
            ..Default::default()
        };
        assert_eq!(
            case_access(&chair, &chairs, CaseAction::ReadAccessLog),
            CaseAccess::Allowed
        );
        let auditor = user(Role::Auditor);
        assert_eq!(
            case_access(&auditor, &Relationship::default(), CaseAction::Read),
            CaseAccess::Allowed
        );
        assert_eq!(
            case_access(&auditor, &open, CaseAction::RecordSighting),
            CaseAccess::Forbidden
        );
        let team = Relationship {
            same_team: true,
            open_plan: true,
            ..Default::default()
        };
        assert_eq!(
            case_access(&user(Role::TeamManager), &team, CaseAction::ManagePlan),
            CaseAccess::Allowed
        );
        assert_eq!(
            case_access(&user(Role::SocialWorker), &team, CaseAction::RecordSighting),
            CaseAccess::Allowed
        );
        // A buddy covering for the lead, from another team, acts as the lead while covering.
        let covering = Relationship {
            covers: true,
            open_plan: true,
            ..Default::default()
        };
        assert_eq!(
            case_access(
                &user(Role::SocialWorker),
                &covering,
                CaseAction::RecordSighting
            ),
            CaseAccess::Allowed
        );
        assert_eq!(
            case_access(&user(Role::Practitioner), &covering, CaseAction::Read),
            CaseAccess::Hidden
        );
        // A plan that has ended can be read by its team but takes no new sightings.
        let closed = Relationship {
            same_team: true,
            ..Default::default()
        };
        assert_eq!(
            case_access(
                &user(Role::SocialWorker),
                &closed,
                CaseAction::RecordSighting
            ),
            CaseAccess::Forbidden
        );
    }

    #[test]
    fn only_admins_manage_accounts_and_settings() {
        for role in Role::ALL {
            for permission in [Permission::ManageAccounts, Permission::ManageSettings] {
                assert_eq!(role_allows(role, permission), role == Role::Admin, "{role}");
            }
        }
    }
}
