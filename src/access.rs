//! Authorisation, in one place: who may do what.
//!
//! Every handler asks here before it acts. Case records (children, plans, sightings) are
//! decided by role *and* relationship (domain.md §1); account administration by role alone.
//! Outside a relationship a case is answered as if it did not exist (404), so that nobody
//! learns a child is known to the service.
//!
//! Who may see which children is data: [`read_scope_of`] names, for each role, the kinds of tie
//! (`domain::visibility::Tie`) that open a child's record. [`case_access`] decides one child
//! from it, and the dashboard's candidate query (`store::cases::candidate_children`) is built
//! from it, so that the two cannot disagree.

use crate::domain::people::{Role, User};
pub use crate::domain::visibility::{ReadScope, Tie};

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
    /// The caller's team owns one of the child's plans.
    pub same_team: bool,
    /// The CP chair of one of the child's plans.
    pub chairs: bool,
    /// The child has a plan open on that date.
    pub open_plan: bool,
}

impl Relationship {
    /// Whether the caller has a tie of this kind to the child.
    pub fn has(&self, tie: Tie) -> bool {
        match tie {
            Tie::CoreGroupMember => self.core_group_member,
            Tie::LeadSocialWorker => self.lead_social_worker,
            Tie::Cover => self.covers,
            Tie::Team => self.same_team,
            Tie::Chair => self.chairs,
            Tie::OpenPlan => self.open_plan,
        }
    }
}

/// Whose case records each role reads (domain.md §1; the table in docs/access.md): the one
/// table that both [`case_access`] and the dashboard's candidate query read.
pub const fn read_scope_of(role: Role) -> ReadScope {
    match role {
        // A practitioner sees a child only while a member of the child's core group.
        Role::Practitioner => ReadScope::Through(&[Tie::CoreGroupMember]),
        // Social workers: plans they lead or cover, their team's children, their core groups.
        Role::SocialWorker => ReadScope::Through(&[
            Tie::LeadSocialWorker,
            Tie::Cover,
            Tie::Team,
            Tie::CoreGroupMember,
        ]),
        // Team managers: their team's children, their core groups, and plans they cover for
        // (a manager may be the buddy, seed 004), as a lead would.
        Role::TeamManager => ReadScope::Through(&[Tie::Team, Tie::Cover, Tie::CoreGroupMember]),
        // CP chairs: plans they chair, and, read-only, every open plan.
        Role::CpChair => ReadScope::Through(&[Tie::Chair, Tie::OpenPlan]),
        // Auditors read everything, and write nothing.
        Role::Auditor => ReadScope::Everyone,
        // Administrators have no access to case records.
        Role::Admin => ReadScope::Nobody,
    }
}

/// Whose case records this caller reads: their role's scope, and nobody's once disabled.
pub fn read_scope(caller: &User) -> ReadScope {
    if caller.active {
        read_scope_of(caller.role)
    } else {
        ReadScope::Nobody
    }
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
    // Whether the caller sees the child at all: the scope alone decides (`read_scope`).
    if !read_scope(caller).admits(|tie| rel.has(tie)) {
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
            Role::TeamManager => rel.same_team || rel.covers,
            _ => false,
        },
        CaseAction::LeadCoreGroup => match caller.role {
            Role::SocialWorker => rel.lead_social_worker || rel.covers || rel.same_team,
            Role::TeamManager => rel.same_team || rel.covers,
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
        // A team manager from another team may be the buddy too, and acts as the lead.
        for action in [
            CaseAction::Read,
            CaseAction::ManagePlan,
            CaseAction::LeadCoreGroup,
        ] {
            assert_eq!(
                case_access(&user(Role::TeamManager), &covering, action),
                CaseAccess::Allowed,
                "{action:?}"
            );
        }
        // Not their team's access log: the lead does not read it either.
        assert_eq!(
            case_access(
                &user(Role::TeamManager),
                &covering,
                CaseAction::ReadAccessLog
            ),
            CaseAccess::Forbidden
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

    const ACTIONS: [CaseAction; 6] = [
        CaseAction::LeadCoreGroup,
        CaseAction::OverseeCoreGroup,
        CaseAction::Read,
        CaseAction::RecordSighting,
        CaseAction::ManagePlan,
        CaseAction::ReadAccessLog,
    ];

    /// The relationship with exactly the ties whose bits are set in `mask` (bit `i` is
    /// `Tie::ALL[i]`), built field by field.
    fn with_ties(mask: u8) -> Relationship {
        let bit = |tie: Tie| {
            let i = Tie::ALL.iter().position(|t| *t == tie).unwrap();
            mask & (1 << i) != 0
        };
        Relationship {
            core_group_member: bit(Tie::CoreGroupMember),
            lead_social_worker: bit(Tie::LeadSocialWorker),
            covers: bit(Tie::Cover),
            same_team: bit(Tie::Team),
            chairs: bit(Tie::Chair),
            open_plan: bit(Tie::OpenPlan),
        }
    }

    /// Every combination of the six ties.
    fn every_relationship() -> impl Iterator<Item = Relationship> {
        (0..1u8 << Tie::ALL.len()).map(with_ties)
    }

    #[test]
    fn each_kind_of_tie_is_one_field_of_the_relationship() {
        for (i, tie) in Tie::ALL.into_iter().enumerate() {
            let rel = with_ties(1 << i);
            for other in Tie::ALL {
                assert_eq!(rel.has(other), other == tie, "{tie:?} / {other:?}");
            }
        }
        assert_eq!(every_relationship().count(), 64);
    }

    #[test]
    fn case_access_hides_a_child_exactly_when_the_read_scope_does_not_admit_it() {
        // For every role, active or not, every one of the 2^6 combinations of ties and every
        // action: the child is visible (allowed or forbidden, not hidden) if and only if the
        // caller's scope counts one of the ties they hold, or counts everyone. This is what
        // lets the dashboard's candidate query, built from the scope, never miss a child that
        // `case_access` would show.
        for role in Role::ALL {
            for active in [true, false] {
                let caller = User {
                    active,
                    ..user(role)
                };
                let scope = read_scope(&caller);
                assert_eq!(
                    scope,
                    if active {
                        read_scope_of(role)
                    } else {
                        ReadScope::Nobody
                    }
                );
                for rel in every_relationship() {
                    let admitted = scope == ReadScope::Everyone
                        || Tie::ALL.into_iter().any(|t| rel.has(t) && scope.counts(t));
                    for action in ACTIONS {
                        assert_eq!(
                            case_access(&caller, &rel, action) != CaseAccess::Hidden,
                            admitted,
                            "{role} (active: {active}) {action:?} {rel:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_read_scopes_are_the_documented_table() {
        // docs/access.md, "reads a child's record when", spelled out tie by tie.
        let reads = |role: Role, rel: &Relationship| match role {
            Role::Practitioner => rel.core_group_member,
            Role::SocialWorker => {
                rel.lead_social_worker || rel.covers || rel.same_team || rel.core_group_member
            }
            Role::TeamManager => rel.same_team || rel.covers || rel.core_group_member,
            Role::CpChair => rel.chairs || rel.open_plan,
            Role::Auditor => true,
            Role::Admin => false,
        };
        for role in Role::ALL {
            for rel in every_relationship() {
                assert_eq!(
                    case_access(&user(role), &rel, CaseAction::Read) == CaseAccess::Allowed,
                    reads(role, &rel),
                    "{role} {rel:?}"
                );
            }
        }
        assert_eq!(read_scope_of(Role::Auditor), ReadScope::Everyone);
        assert_eq!(read_scope_of(Role::Admin), ReadScope::Nobody);
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
