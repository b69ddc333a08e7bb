//! The random audit of children's files (seed 000's method): a reproducible sample of children
//! plus all their siblings, and for each child whether a social worker saw them in the month
//! with a record that is about that child.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::records::{Outcome, SightingKind};

/// Picks `n` of `candidates` in an order fixed by `seed` alone: the same seed and the same
/// candidates give the same sample on any machine and any version, and a different seed a
/// different one. Each candidate's place is the SHA-256 of the seed and its id.
pub fn choose_sample<'a>(seed: &str, candidates: &'a [String], n: usize) -> Vec<&'a String> {
    let mut keyed: Vec<([u8; 32], &String)> = candidates
        .iter()
        .map(|id| {
            let mut hash = Sha256::new();
            hash.update(seed.as_bytes());
            hash.update([0u8]);
            hash.update(id.as_bytes());
            (hash.finalize().into(), id)
        })
        .collect();
    keyed.sort();
    keyed.dedup_by(|a, b| a.1 == b.1);
    keyed.into_iter().take(n).map(|(_, id)| id).collect()
}

/// One contact record as the audit reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub sighting_id: String,
    pub child_id: String,
    pub occurred_at: DateTime<Utc>,
    pub occurred_on: NaiveDate,
    pub kind: SightingKind,
    pub outcome: Outcome,
    /// Recorded by a social-care social worker or team manager.
    pub by_social_care: bool,
    pub observations: Option<String>,
    pub childs_voice: Option<String>,
}

/// What the audit found for one child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditFinding {
    /// Seen by a social worker, with observations or the child's voice written for this child.
    SeenWithRecord,
    /// Seen, but the record says nothing about this child, or is word for word a sibling's
    /// record of the same visit (seed 000: records copied across a family).
    NotChildSpecific,
    /// A social-work visit was recorded but the child was not seen.
    VisitedNotSeen,
    /// No social-work visit recorded in the month.
    NoVisit,
}

fn text_of(r: &AuditRecord) -> String {
    let join = [r.observations.as_deref(), r.childs_voice.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n");
    join.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether a record is about its child: it has some text, and no sibling's record of the same
/// visit (the same instant) has the same text.
pub fn is_child_specific(record: &AuditRecord, family: &[AuditRecord]) -> bool {
    let text = text_of(record);
    if text.is_empty() {
        return false;
    }
    !family.iter().any(|other| {
        other.child_id != record.child_id
            && other.occurred_at == record.occurred_at
            && text_of(other) == text
    })
}

/// The finding for one child from the social-work records of the month, given the month's
/// records of the whole family (siblings included).
pub fn finding(child_id: &str, family_records: &[AuditRecord]) -> AuditFinding {
    let own: Vec<&AuditRecord> = family_records
        .iter()
        .filter(|r| r.child_id == child_id && r.by_social_care)
        .collect();
    let seen: Vec<&&AuditRecord> = own.iter().filter(|r| r.outcome.is_seen()).collect();
    if seen.iter().any(|r| is_child_specific(r, family_records)) {
        AuditFinding::SeenWithRecord
    } else if !seen.is_empty() {
        AuditFinding::NotChildSpecific
    } else if !own.is_empty() {
        AuditFinding::VisitedNotSeen
    } else {
        AuditFinding::NoVisit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(child: &str, at: &str, outcome: Outcome, observations: Option<&str>) -> AuditRecord {
        let occurred_at: DateTime<Utc> = at.parse().unwrap();
        AuditRecord {
            sighting_id: format!("s-{child}-{at}"),
            child_id: child.into(),
            occurred_at,
            occurred_on: occurred_at.date_naive(),
            kind: SightingKind::HomeVisit,
            outcome,
            by_social_care: true,
            observations: observations.map(String::from),
            childs_voice: None,
        }
    }

    #[test]
    fn the_sample_is_fixed_by_the_seed() {
        let ids: Vec<String> = (0..100).map(|i| format!("child-{i}")).collect();
        let a = choose_sample("2026-09", &ids, 10);
        let b = choose_sample("2026-09", &ids, 10);
        let c = choose_sample("another seed", &ids, 10);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 10);
        // The candidates' order does not matter.
        let mut reversed = ids.clone();
        reversed.reverse();
        assert_eq!(choose_sample("2026-09", &reversed, 10), a);
        // More asked for than there are: all of them, once each.
        assert_eq!(choose_sample("x", &ids, 500).len(), 100);
    }

    #[test]
    fn a_record_copied_across_siblings_is_not_child_specific() {
        let at = "2026-09-10T10:00:00Z";
        let text = "Home warm and tidy. Children played in the garden.";
        let family = vec![
            record("older", at, Outcome::Seen, Some(text)),
            record("younger", at, Outcome::Seen, Some(&text.to_uppercase())),
            record(
                "baby",
                at,
                Outcome::SeenWithCarer,
                Some("Asleep in cot, woken, alert."),
            ),
        ];
        assert_eq!(finding("older", &family), AuditFinding::NotChildSpecific);
        assert_eq!(finding("younger", &family), AuditFinding::NotChildSpecific);
        assert_eq!(finding("baby", &family), AuditFinding::SeenWithRecord);
    }

    #[test]
    fn findings_for_no_visit_not_seen_and_empty_records() {
        let at = "2026-09-10T10:00:00Z";
        let family = vec![
            record("out", at, Outcome::NotPresent, None),
            record("blank", at, Outcome::Seen, None),
        ];
        assert_eq!(finding("out", &family), AuditFinding::VisitedNotSeen);
        assert_eq!(finding("blank", &family), AuditFinding::NotChildSpecific);
        assert_eq!(finding("nobody", &family), AuditFinding::NoVisit);
    }
}
