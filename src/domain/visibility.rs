//! Which children a caller may see, as data (domain.md §1): the kinds of tie between a caller
//! and a child, and the scope that says which of them open a child's record. `access` holds the
//! table (one scope per role) and decides one child from it; the store turns the same scope
//! into the query for a dashboard's candidates. The two read one table, so they cannot drift.

/// A kind of tie between a caller and a child, through the child's plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tie {
    /// A member of the core group of one of the child's open plans, on the day.
    CoreGroupMember,
    /// The lead social worker of one of the child's plans.
    LeadSocialWorker,
    /// Covering for the lead social worker of one of the child's open plans, on the day.
    Cover,
    /// The caller's team owns one of the child's plans.
    Team,
    /// The CP chair of one of the child's plans.
    Chair,
    /// The child has a plan open on the day (whoever the caller is).
    OpenPlan,
}

impl Tie {
    pub const ALL: [Tie; 6] = [
        Tie::CoreGroupMember,
        Tie::LeadSocialWorker,
        Tie::Cover,
        Tie::Team,
        Tie::Chair,
        Tie::OpenPlan,
    ];
}

/// Whose records a caller reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadScope {
    /// No child's.
    Nobody,
    /// A child's tied to the caller in one of these ways.
    Through(&'static [Tie]),
    /// Every child's.
    Everyone,
}

impl ReadScope {
    /// Whether a tie of this kind opens a child's record (every kind does, for `Everyone`).
    pub fn counts(self, tie: Tie) -> bool {
        match self {
            ReadScope::Nobody => false,
            ReadScope::Through(ties) => ties.contains(&tie),
            ReadScope::Everyone => true,
        }
    }

    /// Whether a child is readable, given which ties the caller has to them.
    pub fn admits(self, has: impl Fn(Tie) -> bool) -> bool {
        match self {
            ReadScope::Nobody => false,
            ReadScope::Through(ties) => ties.iter().any(|t| has(*t)),
            ReadScope::Everyone => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_admits_a_child_by_the_ties_it_counts_and_no_other() {
        let scope = ReadScope::Through(&[Tie::Team, Tie::Cover]);
        for tie in Tie::ALL {
            assert_eq!(scope.admits(|t| t == tie), scope.counts(tie), "{tie:?}");
        }
        assert!(!scope.admits(|_| false));
        assert!(!ReadScope::Nobody.admits(|_| true));
        assert!(!ReadScope::Through(&[]).admits(|_| true));
        assert!(ReadScope::Everyone.admits(|_| false));
    }
}
