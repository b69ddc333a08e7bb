//! What the access log records a caller doing: one name per action, never a string written
//! twice. The stored names are the `as_str` ones (domain.md §1: who, what, when, from where).

/// One kind of read or write of a child's record, as the access log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    AcknowledgeMinutes,
    AddActionProgress,
    AddCover,
    AddMember,
    ChangeAction,
    ChangeFrequency,
    CorrectSighting,
    CreateAction,
    CreateChild,
    CreateFamily,
    CreateMeeting,
    CreatePlan,
    DraftMinutes,
    EditMinutes,
    EditSighting,
    EndMember,
    EndPlan,
    FinaliseSighting,
    PublishMinutes,
    ReadAccessLog,
    ReadAction,
    ReadActions,
    ReadAuditSample,
    ReadChairedPlans,
    ReadChild,
    ReadChildPage,
    ReadFamily,
    ReadVisit,
    ReadChronology,
    ReadCoreGroup,
    ReadDashboard,
    ReadImplementation,
    ReadMinutes,
    ReadMyActions,
    ReadMyDrafts,
    ReadPlan,
    ReadReport,
    ReadReviews,
    ReadSighting,
    ReadStatus,
    RecordAttendance,
    RecordDecision,
    RecordReview,
    RecordSighting,
    RecordVisit,
    ReplaySighting,
    WithdrawSighting,
}

impl AuditAction {
    /// Every action, for tests and for readers of the log.
    pub const ALL: [AuditAction; 47] = [
        AuditAction::AcknowledgeMinutes,
        AuditAction::AddActionProgress,
        AuditAction::AddCover,
        AuditAction::AddMember,
        AuditAction::ChangeAction,
        AuditAction::ChangeFrequency,
        AuditAction::CorrectSighting,
        AuditAction::CreateAction,
        AuditAction::CreateChild,
        AuditAction::CreateFamily,
        AuditAction::CreateMeeting,
        AuditAction::CreatePlan,
        AuditAction::DraftMinutes,
        AuditAction::EditMinutes,
        AuditAction::EditSighting,
        AuditAction::EndMember,
        AuditAction::EndPlan,
        AuditAction::FinaliseSighting,
        AuditAction::PublishMinutes,
        AuditAction::ReadAccessLog,
        AuditAction::ReadAction,
        AuditAction::ReadActions,
        AuditAction::ReadAuditSample,
        AuditAction::ReadChairedPlans,
        AuditAction::ReadChild,
        AuditAction::ReadChildPage,
        AuditAction::ReadFamily,
        AuditAction::ReadVisit,
        AuditAction::ReadChronology,
        AuditAction::ReadCoreGroup,
        AuditAction::ReadDashboard,
        AuditAction::ReadImplementation,
        AuditAction::ReadMinutes,
        AuditAction::ReadMyActions,
        AuditAction::ReadMyDrafts,
        AuditAction::ReadPlan,
        AuditAction::ReadReport,
        AuditAction::ReadReviews,
        AuditAction::ReadSighting,
        AuditAction::ReadStatus,
        AuditAction::RecordAttendance,
        AuditAction::RecordDecision,
        AuditAction::RecordReview,
        AuditAction::RecordSighting,
        AuditAction::RecordVisit,
        AuditAction::ReplaySighting,
        AuditAction::WithdrawSighting,
    ];

    /// The name stored in the access log.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::AcknowledgeMinutes => "acknowledge_minutes",
            AuditAction::AddActionProgress => "add_action_progress",
            AuditAction::AddCover => "add_cover",
            AuditAction::AddMember => "add_member",
            AuditAction::ChangeAction => "change_action",
            AuditAction::ChangeFrequency => "change_frequency",
            AuditAction::CorrectSighting => "correct_sighting",
            AuditAction::CreateAction => "create_action",
            AuditAction::CreateChild => "create_child",
            AuditAction::CreateFamily => "create_family",
            AuditAction::CreateMeeting => "create_meeting",
            AuditAction::CreatePlan => "create_plan",
            AuditAction::DraftMinutes => "draft_minutes",
            AuditAction::EditMinutes => "edit_minutes",
            AuditAction::EditSighting => "edit_sighting",
            AuditAction::EndMember => "end_member",
            AuditAction::EndPlan => "end_plan",
            AuditAction::FinaliseSighting => "finalise_sighting",
            AuditAction::PublishMinutes => "publish_minutes",
            AuditAction::ReadAccessLog => "read_access_log",
            AuditAction::ReadAction => "read_action",
            AuditAction::ReadActions => "read_actions",
            AuditAction::ReadAuditSample => "read_audit_sample",
            AuditAction::ReadChairedPlans => "read_chaired_plans",
            AuditAction::ReadChild => "read_child",
            AuditAction::ReadChildPage => "read_child_page",
            AuditAction::ReadFamily => "read_family",
            AuditAction::ReadVisit => "read_visit",
            AuditAction::ReadChronology => "read_chronology",
            AuditAction::ReadCoreGroup => "read_core_group",
            AuditAction::ReadDashboard => "read_dashboard",
            AuditAction::ReadImplementation => "read_implementation",
            AuditAction::ReadMinutes => "read_minutes",
            AuditAction::ReadMyActions => "read_my_actions",
            AuditAction::ReadMyDrafts => "read_my_drafts",
            AuditAction::ReadPlan => "read_plan",
            AuditAction::ReadReport => "read_report",
            AuditAction::ReadReviews => "read_reviews",
            AuditAction::ReadSighting => "read_sighting",
            AuditAction::ReadStatus => "read_status",
            AuditAction::RecordAttendance => "record_attendance",
            AuditAction::RecordDecision => "record_decision",
            AuditAction::RecordReview => "record_review",
            AuditAction::RecordSighting => "record_sighting",
            AuditAction::RecordVisit => "record_visit",
            AuditAction::ReplaySighting => "replay_sighting",
            AuditAction::WithdrawSighting => "withdraw_sighting",
        }
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_own_name() {
        let mut names: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), AuditAction::ALL.len());
        assert!(names
            .iter()
            .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
    }
}
