//! Authorisation, in one place: who may do what.
//!
//! Every handler asks here before it acts. Case records (children, plans, sightings) will be
//! decided by role *and* relationship (domain.md §1); account administration by role alone.

use crate::domain::people::Role;
use crate::store::accounts::User;

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
    }
}

pub fn require(caller: &User, permission: Permission) -> Result<(), Denied> {
    if caller.active && role_allows(caller.role, permission) {
        Ok(())
    } else {
        Err(Denied::Role(caller.role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_manage_accounts_and_settings() {
        for role in Role::ALL {
            for permission in [Permission::ManageAccounts, Permission::ManageSettings] {
                assert_eq!(role_allows(role, permission), role == Role::Admin, "{role}");
            }
        }
    }
}
