//! Recording sightings: one record per child, drafts that only their author edits, final
//! records that are never edited (a correction supersedes), family visits stored as one record
//! per child in one transaction (seeds 000, 002: records copied across siblings), and
//! idempotent retries.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use super::AuditAction;
use super::{
    authorise, authorise_on_plan, authorise_with_plans, invalid, log, log_read_of_children,
    may_on_plan, write_logged, Requester, ServiceError, Services,
};
use crate::access::CaseAction;
use crate::domain::case::{check_sighting, PlanSpan, SightingClaim, CLOCK_SKEW_SECONDS};
use crate::domain::ids::SightingId;
use crate::domain::people::{AgencyKind, Role};
use crate::domain::records::{local_date, Location, Outcome, RecordStatus, SightingKind};
use crate::store::accounts;
use crate::store::cases::Plan;
use crate::store::owners::Record;
use crate::store::sightings as store;
/// The record these use cases answer with.
pub use crate::store::sightings::Sighting;
/// The record these use cases answer with.
pub use crate::store::sightings::VisitDecision;
use crate::store::{new_id, now, DbConnection, StoreError};

/// The per-child part of a record.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChildPart {
    pub child_id: String,
    pub outcome: Outcome,
    pub bedroom_seen: Option<bool>,
    pub baby_awake: Option<bool>,
    pub observations: Option<String>,
    pub childs_voice: Option<String>,
}

/// What the contact was, shared by every child seen at it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Contact {
    pub occurred_at: DateTime<Utc>,
    pub location: Location,
    pub kind: SightingKind,
    pub announced: Option<bool>,
    pub people_present: Option<String>,
    pub status: RecordStatus,
}

/// The service's zone and the time now: what every record is checked against.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub tz: Tz,
    pub now: DateTime<Utc>,
}

impl Clock {
    pub fn today(&self) -> NaiveDate {
        local_date(self.tz, self.now)
    }
}

/// Whether the caller records as social care (a social worker or team manager of a
/// social-care agency): only their visits count as social-work visits.
fn author_agency(
    conn: &mut DbConnection,
    requester: &Requester,
) -> Result<(String, bool), ServiceError> {
    let agency_id = requester.user.agency_id.clone().ok_or_else(|| {
        ServiceError::Forbidden("you belong to no agency, so cannot record a contact".into())
    })?;
    let agency = accounts::get_agency(conn, &agency_id)?
        .ok_or_else(|| StoreError::Invalid("the caller's agency is missing".into()))?;
    let social_care = agency.kind == AgencyKind::SocialCare
        && matches!(requester.user.role, Role::SocialWorker | Role::TeamManager);
    Ok((agency_id, social_care))
}

/// Builds and checks one child's record of a contact.
fn build(
    conn: &mut DbConnection,
    requester: &Requester,
    contact: &Contact,
    part: &ChildPart,
    clock: Clock,
    field_prefix: &str,
) -> Result<Sighting, ServiceError> {
    if contact.status == RecordStatus::Withdrawn {
        return Err(invalid(
            "status",
            "a record is made draft or final; only a draft already made is withdrawn",
        ));
    }
    let (child, child_plans) = authorise_with_plans(
        conn,
        requester,
        &part.child_id,
        CaseAction::RecordSighting,
        clock.today(),
    )?;
    let (agency_id, by_social_care) = author_agency(conn, requester)?;
    let occurred_on = local_date(clock.tz, contact.occurred_at);
    let plans: Vec<PlanSpan> = child_plans
        .iter()
        .map(|p| PlanSpan {
            start: p.start_date,
            end: p.end_date,
        })
        .collect();
    let claim = SightingClaim {
        occurred_at: contact.occurred_at,
        occurred_on,
        kind: contact.kind,
        by_social_care,
        texts: [
            ("observations", part.observations.as_deref()),
            ("childs_voice", part.childs_voice.as_deref()),
            ("people_present", contact.people_present.as_deref()),
        ],
    };
    check_sighting(&claim, clock.now, child.date_of_birth, &plans)
        .map_err(|r| invalid(format!("{field_prefix}{}", r.field), r.reason))?;
    let at = now();
    Ok(Sighting {
        id: new_id(),
        child_id: child.id,
        author_id: requester.user.id.clone(),
        agency_id,
        by_social_care,
        occurred_at: contact.occurred_at.naive_utc(),
        occurred_on,
        location: contact.location,
        kind: contact.kind,
        outcome: part.outcome,
        announced: contact.announced,
        bedroom_seen: part.bedroom_seen,
        baby_awake: part.baby_awake,
        observations: part.observations.clone(),
        childs_voice: part.childs_voice.clone(),
        people_present: contact.people_present.clone(),
        status: contact.status,
        finalised_at: (contact.status == RecordStatus::Final).then_some(at),
        withdrawn_at: None,
        supersedes_id: None,
        superseded_by_id: None,
        superseded_at: None,
        correction_reason: None,
        visit_id: None,
        created_at: at,
        updated_at: at,
    })
}

/// A fingerprint of a request body, to tell a retry from a different request under one key.
pub fn request_hash(body: &impl serde::Serialize) -> String {
    let text = serde_json::to_string(body).unwrap_or_default();
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The outcome of an idempotent write: the records, and whether they were made just now.
pub struct Recorded {
    pub sightings: Vec<Sighting>,
    pub created: bool,
}

/// Replays an earlier answer for the same key and body, to a caller who may still read it;
/// refuses the same key with another body.
fn replay(
    conn: &mut DbConnection,
    requester: &Requester,
    key: Option<&str>,
    hash: &str,
    today: NaiveDate,
) -> Result<Option<Recorded>, ServiceError> {
    let Some(key) = key else { return Ok(None) };
    let Some(earlier) = store::find_idempotency_key(conn, &requester.user.id, key)? else {
        return Ok(None);
    };
    if earlier.request_hash != hash {
        return Err(ServiceError::Conflict(
            "this Idempotency-Key was used for a different request; use a new key for a new record"
                .into(),
        ));
    }
    // The answer is a read of the records made the first time: decided and logged as one
    // now, so that a key does not outlive the caller's relationship with the child.
    let mut sightings = Vec::new();
    for id in &earlier.resource_ids {
        let sighting = store::get(conn, id)?.ok_or(StoreError::NotFound)?;
        authorise(conn, requester, &sighting.child_id, CaseAction::Read, today)?;
        log(
            conn,
            requester,
            AuditAction::ReplaySighting,
            Some(&sighting.child_id),
            &format!("sighting {}", sighting.id),
            "ok",
        )?;
        sightings.push(sighting);
    }
    Ok(Some(Recorded {
        sightings,
        created: false,
    }))
}

/// Records one sighting (`POST /sightings`).
pub(super) fn record_in(
    conn: &mut DbConnection,
    requester: &Requester,
    contact: Contact,
    part: ChildPart,
    clock: Clock,
    idempotency_key: Option<&str>,
) -> Result<Recorded, ServiceError> {
    let hash = request_hash(&(&contact, &part));
    if let Some(earlier) = replay(conn, requester, idempotency_key, &hash, clock.today())? {
        return Ok(earlier);
    }
    let sighting = build(conn, requester, &contact, &part, clock, "")?;
    store::insert(conn, &sighting)?;
    log(
        conn,
        requester,
        AuditAction::RecordSighting,
        Some(&sighting.child_id),
        &format!("sighting {}", sighting.id),
        "ok",
    )?;
    if let Some(key) = idempotency_key {
        store::remember_idempotency_key(
            conn,
            &requester.user.id,
            key,
            &hash,
            std::slice::from_ref(&sighting.id),
        )?;
    }
    Ok(Recorded {
        sightings: vec![sighting],
        created: true,
    })
}

/// Records a family visit (`POST /visits`): one record per child, each with its own outcome
/// and observations, all or none.
fn record_visit_in(
    conn: &mut DbConnection,
    requester: &Requester,
    contact: Contact,
    children: Vec<ChildPart>,
    clock: Clock,
    idempotency_key: Option<&str>,
) -> Result<Recorded, ServiceError> {
    if children.is_empty() {
        return Err(invalid(
            "children",
            "list at least one child, each with their own outcome",
        ));
    }
    for (i, part) in children.iter().enumerate() {
        if children[..i].iter().any(|p| p.child_id == part.child_id) {
            return Err(invalid(
                format!("children[{i}].child_id"),
                "this child is listed twice",
            ));
        }
    }
    let hash = request_hash(&(&contact, &children));
    if let Some(earlier) = replay(conn, requester, idempotency_key, &hash, clock.today())? {
        return Ok(earlier);
    }
    let visit_id = new_id();
    let mut made = Vec::with_capacity(children.len());
    for (i, part) in children.iter().enumerate() {
        let mut sighting = build(
            conn,
            requester,
            &contact,
            part,
            clock,
            &format!("children[{i}]."),
        )?;
        sighting.visit_id = Some(visit_id.clone());
        made.push(sighting);
    }
    for sighting in &made {
        store::insert(conn, sighting)?;
        log(
            conn,
            requester,
            AuditAction::RecordSighting,
            Some(&sighting.child_id),
            &format!("sighting {} (visit {visit_id})", sighting.id),
            "ok",
        )?;
    }
    if let Some(key) = idempotency_key {
        let ids: Vec<String> = made.iter().map(|s| s.id.clone()).collect();
        store::remember_idempotency_key(conn, &requester.user.id, key, &hash, &ids)?;
    }
    Ok(Recorded {
        sightings: made,
        created: true,
    })
}

/// Finds a sighting and authorises `action`: reading it is decided on its child's record;
/// acting on it, on the plan it was recorded under (the plan open on the day it occurred),
/// so that ties to another plan of the child give no authority over it. A draft, and a
/// withdrawn one, is its author's alone: to anyone else, whatever their role, it does not
/// exist.
pub fn sighting_for(
    conn: &mut DbConnection,
    requester: &Requester,
    id: &str,
    action: CaseAction,
    today: NaiveDate,
) -> Result<Sighting, ServiceError> {
    sighting_and_plan(conn, requester, id, action, today).map(|(sighting, _)| sighting)
}

/// [`sighting_for`], answering the plan the sighting was recorded under too.
fn sighting_and_plan(
    conn: &mut DbConnection,
    requester: &Requester,
    id: &str,
    action: CaseAction,
    today: NaiveDate,
) -> Result<(Sighting, Option<Plan>), ServiceError> {
    let sighting = store::get(conn, id)?.ok_or(ServiceError::NotFound)?;
    let (_, plans) =
        authorise_with_plans(conn, requester, &sighting.child_id, CaseAction::Read, today)?;
    let authors_alone = match sighting.status {
        RecordStatus::Final => false,
        RecordStatus::Draft | RecordStatus::Withdrawn => true,
    };
    if authors_alone && sighting.author_id != requester.user.id {
        return Err(ServiceError::NotFound);
    }
    let plan = plans
        .into_iter()
        .find(|p| p.is_open_on(sighting.occurred_on));
    if action != CaseAction::Read {
        let plan = plan.as_ref().ok_or_else(|| {
            ServiceError::Forbidden("this record is on no plan of the child's".into())
        })?;
        authorise_on_plan(conn, requester, plan, action, today)?;
    }
    Ok((sighting, plan))
}

/// Rewrites a draft (its author only); `status: final` finalises it.
fn update_draft_in(
    conn: &mut DbConnection,
    requester: &Requester,
    id: &str,
    contact: Contact,
    part: ChildPart,
    clock: Clock,
) -> Result<Sighting, ServiceError> {
    let current = sighting_for(
        conn,
        requester,
        id,
        CaseAction::RecordSighting,
        clock.today(),
    )?;
    match current.status {
        RecordStatus::Draft => {}
        RecordStatus::Final => {
            return Err(ServiceError::Conflict(
                "a final record is never edited; record a correction instead".into(),
            ))
        }
        RecordStatus::Withdrawn => return Err(withdrawn_conflict("edited")),
    }
    if current.author_id != requester.user.id {
        return Err(ServiceError::Forbidden(
            "only the author edits a draft".into(),
        ));
    }
    if part.child_id != current.child_id {
        return Err(invalid(
            "child_id",
            "a record stays with its child; record a new one instead",
        ));
    }
    let mut updated = build(conn, requester, &contact, &part, clock, "")?;
    updated.id = current.id;
    updated.visit_id = current.visit_id;
    updated.created_at = current.created_at;
    if !store::update_draft(conn, &updated)? {
        return Err(no_longer_a_draft());
    }
    log(
        conn,
        requester,
        AuditAction::EditSighting,
        Some(&updated.child_id),
        &format!("sighting {}", updated.id),
        "ok",
    )?;
    Ok(updated)
}

/// Finalises a draft as it stands (its author only).
fn finalise_in(
    conn: &mut DbConnection,
    requester: &Requester,
    id: &str,
    clock: Clock,
) -> Result<Sighting, ServiceError> {
    let mut sighting = sighting_for(
        conn,
        requester,
        id,
        CaseAction::RecordSighting,
        clock.today(),
    )?;
    match sighting.status {
        RecordStatus::Draft => {}
        RecordStatus::Final => return Ok(sighting),
        RecordStatus::Withdrawn => return Err(withdrawn_conflict("finalised")),
    }
    let at = now();
    sighting.status = RecordStatus::Final;
    sighting.finalised_at = Some(at);
    sighting.updated_at = at;
    if !store::update_draft(conn, &sighting)? {
        return Err(no_longer_a_draft());
    }
    log(
        conn,
        requester,
        AuditAction::FinaliseSighting,
        Some(&sighting.child_id),
        &format!("sighting {}", sighting.id),
        "ok",
    )?;
    Ok(sighting)
}

/// Corrects a final record: a new final version that supersedes it, with the reason; both
/// stay readable. The author corrects their own records; the team manager any of the team's.
fn correct_in(
    conn: &mut DbConnection,
    requester: &Requester,
    id: &str,
    contact: Contact,
    part: ChildPart,
    reason: String,
    clock: Clock,
) -> Result<Sighting, ServiceError> {
    let (original, plan) = sighting_and_plan(
        conn,
        requester,
        id,
        CaseAction::RecordSighting,
        clock.today(),
    )?;
    match original.status {
        RecordStatus::Final => {}
        RecordStatus::Draft => {
            return Err(ServiceError::Conflict(
                "a draft is edited, not corrected".into(),
            ))
        }
        RecordStatus::Withdrawn => return Err(withdrawn_conflict("corrected")),
    }
    // The team manager of the plan the record was made under (not of another of the
    // child's plans).
    let manages = requester.user.role == Role::TeamManager
        && match &plan {
            Some(plan) => {
                may_on_plan(conn, requester, plan, CaseAction::ManagePlan, clock.today())?
            }
            None => false,
        };
    if original.author_id != requester.user.id && !manages {
        return Err(ServiceError::Forbidden(
            "only the author or the team manager corrects a record".into(),
        ));
    }
    if part.child_id != original.child_id {
        return Err(invalid(
            "child_id",
            "a correction stays with the record's child",
        ));
    }
    if reason.trim().is_empty() {
        return Err(invalid("reason", "say what the correction corrects"));
    }
    let mut correction = build(
        conn,
        requester,
        &Contact {
            status: RecordStatus::Final,
            ..contact
        },
        &part,
        clock,
        "",
    )?;
    correction.supersedes_id = Some(original.id.clone());
    correction.correction_reason = Some(reason.trim().to_string());
    correction.visit_id = original.visit_id.clone();
    store::supersede(conn, &original.id, &correction)?;
    log(
        conn,
        requester,
        AuditAction::CorrectSighting,
        Some(&correction.child_id),
        &format!("sighting {} supersedes {}", correction.id, original.id),
        "ok",
    )?;
    Ok(correction)
}

/// A withdrawn draft stays as it was withdrawn.
fn withdrawn_conflict(verb: &str) -> ServiceError {
    ServiceError::Conflict(format!(
        "this draft was withdrawn, so it cannot be {verb}; record the contact again instead"
    ))
}

/// Another request changed the draft between reading and writing it.
fn no_longer_a_draft() -> ServiceError {
    ServiceError::Conflict("this record is no longer a draft; read it again".into())
}

/// Withdraws a draft (its author only): it is kept, marked withdrawn, and counts for nothing.
fn withdraw_in(
    conn: &mut DbConnection,
    requester: &Requester,
    id: &str,
    clock: Clock,
) -> Result<Sighting, ServiceError> {
    let mut sighting = sighting_for(
        conn,
        requester,
        id,
        CaseAction::RecordSighting,
        clock.today(),
    )?;
    match sighting.status {
        RecordStatus::Draft => {}
        RecordStatus::Final => {
            return Err(ServiceError::Conflict(
                "a final record is never withdrawn; record a correction instead".into(),
            ))
        }
        RecordStatus::Withdrawn => {
            return Err(ServiceError::Conflict(
                "this draft has already been withdrawn".into(),
            ))
        }
    }
    let at = now();
    if !store::withdraw(conn, &sighting.id, at)? {
        return Err(no_longer_a_draft());
    }
    sighting.status = RecordStatus::Withdrawn;
    sighting.withdrawn_at = Some(at);
    sighting.updated_at = at;
    log(
        conn,
        requester,
        AuditAction::WithdrawSighting,
        Some(&sighting.child_id),
        &format!("sighting {}", sighting.id),
        "ok",
    )?;
    Ok(sighting)
}

/// A team manager's decision after a failed home visit (seed 001 §3).
fn record_decision_in(
    conn: &mut DbConnection,
    requester: &Requester,
    sighting_id: &str,
    decision: &str,
    decided_at: Option<DateTime<Utc>>,
    clock: Clock,
) -> Result<store::VisitDecision, ServiceError> {
    let sighting = sighting_for(
        conn,
        requester,
        sighting_id,
        CaseAction::ManagePlan,
        clock.today(),
    )?;
    match sighting.status {
        RecordStatus::Draft | RecordStatus::Final => {}
        RecordStatus::Withdrawn => return Err(withdrawn_conflict("decided on")),
    }
    if requester.user.role != Role::TeamManager {
        return Err(ServiceError::Forbidden(
            "a team manager records the decision after a failed visit".into(),
        ));
    }
    if sighting.kind != SightingKind::HomeVisit || sighting.outcome.is_seen() {
        return Err(invalid(
            "sighting",
            "decisions are recorded for home visits where the child was not seen",
        ));
    }
    if decision.trim().is_empty() {
        return Err(invalid("decision", "record what was decided"));
    }
    // When the discussion took place: after the visit, and not ahead of the clock.
    let decided_at = decided_at.unwrap_or(clock.now);
    if decided_at.naive_utc() < sighting.occurred_at {
        return Err(invalid(
            "decided_at",
            "the decision cannot be before the visit",
        ));
    }
    if decided_at > clock.now + chrono::Duration::seconds(CLOCK_SKEW_SECONDS) {
        return Err(invalid(
            "decided_at",
            "the decision cannot be in the future",
        ));
    }
    let decided_at = decided_at.naive_utc().trunc_subsecs(6);
    let row = store::record_decision(
        conn,
        sighting_id,
        &requester.user.id,
        decided_at,
        decision.trim(),
    )?;
    log(
        conn,
        requester,
        AuditAction::RecordDecision,
        Some(&sighting.child_id),
        &format!("sighting {sighting_id}"),
        "ok",
    )?;
    Ok(row)
}

/// `POST /sightings`: records one contact with one child. With an idempotency key, the same
/// key and body answer the first record (never a second one); another body, a conflict.
pub async fn record(
    svc: &Services,
    who: &Requester,
    contact: Contact,
    part: ChildPart,
    idempotency_key: Option<String>,
) -> Result<Recorded, ServiceError> {
    let child_id = part.child_id.clone();
    let (w, clock) = (who.clone(), svc.clock());
    write_logged(
        &svc.store,
        who,
        AuditAction::RecordSighting,
        Some(&child_id),
        move |c| record_in(c, &w, contact, part, clock, idempotency_key.as_deref()),
    )
    .await
}

/// `POST /visits`: a family visit, one record per child, stored together or not at all.
pub async fn record_visit(
    svc: &Services,
    who: &Requester,
    contact: Contact,
    children: Vec<ChildPart>,
    idempotency_key: Option<String>,
) -> Result<Recorded, ServiceError> {
    let first_child = children.first().map(|p| p.child_id.clone());
    let (w, clock) = (who.clone(), svc.clock());
    write_logged(
        &svc.store,
        who,
        AuditAction::RecordVisit,
        first_child.as_deref(),
        move |c| record_visit_in(c, &w, contact, children, clock, idempotency_key.as_deref()),
    )
    .await
}

/// `GET /sightings/{id}`: one record (a draft only to its author).
pub async fn read(
    svc: &Services,
    who: &Requester,
    id: SightingId,
) -> Result<Sighting, ServiceError> {
    let (w, day, sid) = (who.clone(), svc.today(), id.clone());
    svc.read_about(
        who,
        Record::Sighting(id.as_str().to_owned()),
        AuditAction::ReadSighting,
        format!("sighting {id}"),
        move |c| sighting_for(c, &w, sid.as_str(), CaseAction::Read, day),
    )
    .await
}

/// One of the caller's drafts, with the name of its child.
#[derive(Debug, Clone)]
pub struct DraftLine {
    pub sighting: Sighting,
    /// The child's given and family names.
    pub child_name: String,
}

/// The caller's drafts about children they may still read (a draft about a child out of
/// their reach any more is left out, name and all), the latest contact first.
fn my_drafts_in(
    conn: &mut DbConnection,
    requester: &Requester,
    today: NaiveDate,
) -> Result<Vec<DraftLine>, ServiceError> {
    // Each child decided once, however many drafts are about them.
    let mut names: std::collections::HashMap<String, Option<String>> = Default::default();
    let mut lines = Vec::new();
    for sighting in store::drafts_of_author(conn, &requester.user.id)? {
        let name = match names.get(&sighting.child_id) {
            Some(name) => name.clone(),
            None => {
                let name =
                    match authorise(conn, requester, &sighting.child_id, CaseAction::Read, today) {
                        Ok(child) => Some(format!("{} {}", child.given_name, child.family_name)),
                        Err(ServiceError::NotFound | ServiceError::Forbidden(_)) => None,
                        Err(e) => return Err(e),
                    };
                names.insert(sighting.child_id.clone(), name.clone());
                name
            }
        };
        if let Some(child_name) = name {
            lines.push(DraftLine {
                sighting,
                child_name,
            });
        }
    }
    Ok(lines)
}

/// `GET /me/drafts`: the caller's own drafts (never anyone else's; neither final nor
/// withdrawn records), the latest contact first, each with its child's name. Only children
/// the caller may still read are shown, and showing them is one logged read of each.
pub async fn my_drafts(svc: &Services, who: &Requester) -> Result<Vec<DraftLine>, ServiceError> {
    let (w, day) = (who.clone(), svc.today());
    let lines = svc
        .store
        .read(move |c| Ok(my_drafts_in(c, &w, day)))
        .await??;
    let mut children: Vec<String> = lines.iter().map(|l| l.sighting.child_id.clone()).collect();
    children.sort();
    children.dedup();
    log_read_of_children(
        &svc.store,
        who,
        AuditAction::ReadMyDrafts,
        "my drafts".into(),
        children,
    )
    .await?;
    Ok(lines)
}

/// A write about one record: its child is found first, so that a refusal is logged against
/// the right child; `f` gets the requester, the record's id and the clock.
async fn write_for_sighting<T, F>(
    svc: &Services,
    who: &Requester,
    id: SightingId,
    action: AuditAction,
    f: F,
) -> Result<T, ServiceError>
where
    F: FnOnce(&mut DbConnection, &Requester, &str, Clock) -> Result<T, ServiceError>
        + Send
        + 'static,
    T: Send + 'static,
{
    let (w, clock) = (who.clone(), svc.clock());
    svc.write_about(
        who,
        Record::Sighting(id.as_str().to_owned()),
        action,
        move |c| f(c, &w, id.as_str(), clock),
    )
    .await
}

/// `PUT /sightings/{id}`: rewrites a draft (its author only); a final status finalises it.
pub async fn edit_draft(
    svc: &Services,
    who: &Requester,
    id: SightingId,
    contact: Contact,
    part: ChildPart,
) -> Result<Sighting, ServiceError> {
    write_for_sighting(
        svc,
        who,
        id,
        AuditAction::EditSighting,
        move |c, who, id, clock| update_draft_in(c, who, id, contact, part, clock),
    )
    .await
}

/// `POST /sightings/{id}/finalise`: makes a draft final (its author only).
pub async fn finalise(
    svc: &Services,
    who: &Requester,
    id: SightingId,
) -> Result<Sighting, ServiceError> {
    write_for_sighting(svc, who, id, AuditAction::FinaliseSighting, finalise_in).await
}

/// `POST /sightings/{id}/withdraw`: withdraws a draft (its author only). The record is kept,
/// marked withdrawn; it never counts, and is shown to nobody but its author. A final record
/// is never withdrawn (a conflict: correct it instead).
pub async fn withdraw(
    svc: &Services,
    who: &Requester,
    id: SightingId,
) -> Result<Sighting, ServiceError> {
    write_for_sighting(svc, who, id, AuditAction::WithdrawSighting, withdraw_in).await
}

/// `POST /sightings/{id}/corrections`: a new version of a final record that supersedes it.
pub async fn correct(
    svc: &Services,
    who: &Requester,
    id: SightingId,
    contact: Contact,
    part: ChildPart,
    reason: String,
) -> Result<Sighting, ServiceError> {
    write_for_sighting(
        svc,
        who,
        id,
        AuditAction::CorrectSighting,
        move |c, who, id, clock| correct_in(c, who, id, contact, part, reason, clock),
    )
    .await
}

/// `POST /sightings/{id}/decision`: the team manager's decision after a failed home visit.
pub async fn record_decision(
    svc: &Services,
    who: &Requester,
    id: SightingId,
    decision: String,
    decided_at: Option<DateTime<Utc>>,
) -> Result<store::VisitDecision, ServiceError> {
    write_for_sighting(
        svc,
        who,
        id,
        AuditAction::RecordDecision,
        move |c, who, id, clock| record_decision_in(c, who, id, &decision, decided_at, clock),
    )
    .await
}

/// The records of one family visit the caller may read, each with its child's name (the
/// confirmation after recording one). A visit none of whose records the caller may read does
/// not exist for them.
pub async fn read_visit(
    svc: &Services,
    who: &Requester,
    visit_id: String,
) -> Result<Vec<(Sighting, String)>, ServiceError> {
    let (w, clock) = (who.clone(), svc.clock());
    let resource = format!("visit {visit_id}");
    let found = svc
        .store
        .read(move |c| {
            let mut readable = Vec::new();
            for sighting in store::of_visit(c, &visit_id)? {
                if sighting_for(c, &w, &sighting.id, CaseAction::Read, clock.today()).is_ok() {
                    let name = crate::store::cases::get_child(c, &sighting.child_id)?
                        .map(|child| format!("{} {}", child.given_name, child.family_name))
                        .unwrap_or_default();
                    readable.push((sighting, name));
                }
            }
            Ok(readable)
        })
        .await?;
    let ids = found.iter().map(|(s, _)| s.child_id.clone()).collect();
    super::log_read_of_found(&svc.store, who, AuditAction::ReadVisit, resource, ids).await?;
    Ok(found)
}

/// What the "record a contact" form starts from: the child (if the caller may record a
/// contact with them today) and the kind and place of contact the caller's agency usually
/// has with children.
#[derive(Debug, Clone)]
pub struct RecordingForm {
    pub child: crate::store::cases::Child,
    pub kind: SightingKind,
    pub location: Location,
    /// A social worker's contact at home is the statutory home visit.
    pub by_social_care: bool,
}

/// The form to record a contact with a child (the web pages' question page).
pub async fn recording_form(
    svc: &Services,
    who: &Requester,
    child_id: crate::domain::ids::ChildId,
) -> Result<RecordingForm, ServiceError> {
    let (w, today) = (who.clone(), svc.today());
    let cid = child_id.clone();
    super::read_logged(
        &svc.store,
        who,
        AuditAction::ReadChild,
        Some(child_id.as_str()),
        "the form to record a contact".into(),
        move |c| {
            let (child, _) =
                authorise_with_plans(c, &w, cid.as_str(), CaseAction::RecordSighting, today)?;
            let (agency_id, by_social_care) = author_agency(c, &w)?;
            let kind_of_agency = accounts::get_agency(c, &agency_id)?.map(|a| a.kind);
            let (kind, location) = usual_contact(kind_of_agency, by_social_care);
            Ok(RecordingForm {
                child,
                kind,
                location,
                by_social_care,
            })
        },
    )
    .await
}

/// The kind and place of contact an agency usually has with a child.
fn usual_contact(agency: Option<AgencyKind>, by_social_care: bool) -> (SightingKind, Location) {
    if by_social_care {
        return (SightingKind::HomeVisit, Location::Home);
    }
    match agency {
        Some(AgencyKind::School) => (SightingKind::SchoolContact, Location::School),
        Some(AgencyKind::Nursery) => (SightingKind::SchoolContact, Location::Nursery),
        Some(AgencyKind::Health) => (SightingKind::HealthContact, Location::Home),
        Some(AgencyKind::Police) => (SightingKind::PoliceContact, Location::Home),
        _ => (SightingKind::OtherContact, Location::Community),
    }
}
