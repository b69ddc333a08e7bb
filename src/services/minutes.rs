//! Minutes of core group meetings: drafted by the meeting's chair or the lead social worker,
//! published once and never edited (an addendum is a new, linked document), sent to every
//! member of the core group on the meeting date — absent ones included (seed 002 area 8) —
//! and acknowledged by each.

use chrono::{NaiveDate, NaiveDateTime};

use super::meetings::meeting_for;
use super::AuditAction;
use super::{authorise_plan, invalid, log, may_on_plan, Requester, ServiceError, Services};
use crate::access::CaseAction;
use crate::domain::case::MAX_TEXT_CHARS;
use crate::domain::ids::{MeetingId, MinutesId};
use crate::store::cases as case_store;
use crate::store::cases::Plan;
use crate::store::meetings::Meeting;
use crate::store::minutes as store;
pub use crate::store::minutes::{Minutes, Receipt};
use crate::store::owners::{child_of, Record};
use crate::store::DbConnection;

/// `POST /meetings/{id}/minutes`: a draft of the meeting's minutes (or of an addendum to its
/// published minutes), as its writer sees it.
pub async fn draft(
    svc: &Services,
    who: &Requester,
    meeting_id: MeetingId,
    body: String,
    addendum_to: Option<MinutesId>,
) -> Result<MinutesRead, ServiceError> {
    let (w, day) = (who.clone(), svc.today());
    svc.write_about(
        who,
        Record::Meeting(meeting_id.as_str().to_owned()),
        AuditAction::DraftMinutes,
        move |c| {
            let m = draft_in(
                c,
                &w,
                meeting_id.as_str(),
                &body,
                addendum_to.as_ref().map(MinutesId::as_str),
                day,
            )?;
            read_in(c, &w, &m.id, day).map(|(view, _)| view)
        },
    )
    .await
}

/// `GET /meetings/{id}/minutes`: the meeting's minutes and addenda the caller may see.
pub async fn of_meeting(
    svc: &Services,
    who: &Requester,
    meeting_id: MeetingId,
) -> Result<Vec<MinutesRead>, ServiceError> {
    let (w, day, mid) = (who.clone(), svc.today(), meeting_id.clone());
    svc.read_about(
        who,
        Record::Meeting(meeting_id.as_str().to_owned()),
        AuditAction::ReadMinutes,
        format!("minutes of meeting {meeting_id}"),
        move |c| of_meeting_in(c, &w, mid.as_str(), day),
    )
    .await
}

/// `GET /minutes/{id}`: the minutes, with who has and has not read them (for those who see
/// every receipt).
pub async fn read(
    svc: &Services,
    who: &Requester,
    minutes_id: MinutesId,
) -> Result<MinutesRead, ServiceError> {
    let (w, day, mid) = (who.clone(), svc.today(), minutes_id.clone());
    let (read, _) = svc
        .read_about(
            who,
            Record::Minutes(minutes_id.as_str().to_owned()),
            AuditAction::ReadMinutes,
            format!("minutes {minutes_id}"),
            move |c| read_in(c, &w, mid.as_str(), day),
        )
        .await?;
    Ok(read)
}

/// `PUT /minutes/{id}`: changes a draft, if `version` is still the one the caller read.
pub async fn edit(
    svc: &Services,
    who: &Requester,
    minutes_id: MinutesId,
    version: i32,
    body: String,
) -> Result<MinutesRead, ServiceError> {
    let (w, day) = (who.clone(), svc.today());
    svc.write_about(
        who,
        Record::Minutes(minutes_id.as_str().to_owned()),
        AuditAction::EditMinutes,
        move |c| {
            edit_in(c, &w, minutes_id.as_str(), version, &body, day)?;
            read_in(c, &w, minutes_id.as_str(), day).map(|(view, _)| view)
        },
    )
    .await
}

/// `POST /minutes/{id}/publish`: publishes the draft the caller read (`version`) and sends it
/// to every member of the core group on the meeting date.
pub async fn publish(
    svc: &Services,
    who: &Requester,
    minutes_id: MinutesId,
    version: i32,
) -> Result<MinutesRead, ServiceError> {
    let (w, day, at) = (who.clone(), svc.today(), svc.clock().now.naive_utc());
    svc.write_about(
        who,
        Record::Minutes(minutes_id.as_str().to_owned()),
        AuditAction::PublishMinutes,
        move |c| publish_in(c, &w, minutes_id.as_str(), version, at, day),
    )
    .await
}

/// `POST /minutes/{id}/acknowledge`: the caller has read the minutes sent to them.
pub async fn acknowledge(
    svc: &Services,
    who: &Requester,
    minutes_id: MinutesId,
) -> Result<Receipt, ServiceError> {
    let (w, day, at) = (who.clone(), svc.today(), svc.clock().now.naive_utc());
    svc.write_about(
        who,
        Record::Minutes(minutes_id.as_str().to_owned()),
        AuditAction::AcknowledgeMinutes,
        move |c| acknowledge_in(c, &w, minutes_id.as_str(), at, day),
    )
    .await
}

/// Minutes as one caller may see them.
pub struct MinutesRead {
    pub minutes: Minutes,
    pub meeting: Meeting,
    /// Every member's receipt for those who oversee the core group; the caller's own otherwise.
    pub receipts: Vec<Receipt>,
    /// Whether `receipts` is the whole list.
    pub all_receipts: bool,
    /// Members sent the minutes who have not acknowledged them (when `all_receipts`).
    pub not_acknowledged: Vec<String>,
    /// The caller may edit and publish (a draft) or add an addendum.
    pub may_write: bool,
}

fn is_writer(
    conn: &mut DbConnection,
    requester: &Requester,
    meeting: &Meeting,
    plan: &Plan,
    today: NaiveDate,
) -> Result<bool, ServiceError> {
    if meeting.chair_id.as_deref() == Some(requester.user.id.as_str()) {
        return Ok(true);
    }
    may_on_plan(conn, requester, plan, CaseAction::LeadCoreGroup, today)
}

fn require_writer(
    conn: &mut DbConnection,
    requester: &Requester,
    meeting: &Meeting,
    plan: &Plan,
    today: NaiveDate,
) -> Result<(), ServiceError> {
    if is_writer(conn, requester, meeting, plan, today)? {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "minutes are written by the meeting's chair or the lead social worker".into(),
        ))
    }
}

fn check_body(body: &str) -> Result<(), ServiceError> {
    if body.trim().is_empty() {
        return Err(invalid("body", "must not be empty"));
    }
    if body.chars().count() > MAX_TEXT_CHARS {
        return Err(invalid(
            "body",
            format!("is longer than {MAX_TEXT_CHARS} characters"),
        ));
    }
    Ok(())
}

/// A new draft of the meeting's minutes, or of an addendum to its published minutes.
fn draft_in(
    conn: &mut DbConnection,
    requester: &Requester,
    meeting_id: &str,
    body: &str,
    addendum_to: Option<&str>,
    today: NaiveDate,
) -> Result<Minutes, ServiceError> {
    let (meeting, plan) = meeting_for(conn, requester, meeting_id, CaseAction::Read, today)?;
    require_writer(conn, requester, &meeting, &plan, today)?;
    check_body(body)?;
    if meeting.held_on > today {
        return Err(invalid(
            "meeting_id",
            format!(
                "the meeting is not until {}; minutes are written once it is held",
                meeting.held_on
            ),
        ));
    }
    match addendum_to {
        None => {
            if let Some(existing) = store::main_of_meeting(conn, &meeting.id)? {
                return Err(ServiceError::Conflict(format!(
                    "this meeting has minutes already ({}); edit that draft, or add an \
                     addendum once they are published",
                    existing.id
                )));
            }
        }
        Some(parent_id) => {
            let parent = store::get(conn, parent_id)?
                .filter(|p| p.meeting_id == meeting.id && p.addendum_to.is_none())
                .ok_or_else(|| invalid("addendum_to", "is not the minutes of this meeting"))?;
            if !parent.is_published() {
                return Err(invalid(
                    "addendum_to",
                    "those minutes are still a draft; edit the draft instead",
                ));
            }
        }
    }
    let minutes = store::create_draft(conn, &meeting.id, addendum_to, body, &requester.user.id)?;
    log(
        conn,
        requester,
        AuditAction::DraftMinutes,
        Some(&plan.child_id),
        &format!("minutes {}", minutes.id),
        "ok",
    )?;
    Ok(minutes)
}

/// Finds minutes and the meeting they belong to, authorising `Read` on its child. Drafts
/// are shown only to those who may write them.
fn find(
    conn: &mut DbConnection,
    requester: &Requester,
    minutes_id: &str,
    today: NaiveDate,
) -> Result<(Minutes, Meeting, Plan, bool), ServiceError> {
    let minutes = store::get(conn, minutes_id)?.ok_or(ServiceError::NotFound)?;
    let (meeting, plan) = meeting_for(
        conn,
        requester,
        &minutes.meeting_id,
        CaseAction::Read,
        today,
    )?;
    let writer = is_writer(conn, requester, &meeting, &plan, today)?;
    if !minutes.is_published() && !writer {
        return Err(ServiceError::NotFound);
    }
    Ok((minutes, meeting, plan, writer))
}

/// Whether the caller sees every member's receipt (else their own only).
fn sees_all_receipts(
    conn: &mut DbConnection,
    requester: &Requester,
    plan: &Plan,
    writer: bool,
    today: NaiveDate,
) -> Result<bool, ServiceError> {
    Ok(writer || may_on_plan(conn, requester, plan, CaseAction::OverseeCoreGroup, today)?)
}

fn read_view(
    conn: &mut DbConnection,
    requester: &Requester,
    minutes: Minutes,
    meeting: Meeting,
    writer: bool,
    all: bool,
) -> Result<MinutesRead, ServiceError> {
    let mut receipts = store::receipts(conn, &minutes.id)?;
    if !all {
        receipts.retain(|r| r.user_id == requester.user.id);
    }
    let not_acknowledged = if all {
        receipts
            .iter()
            .filter(|r| r.acknowledged_at.is_none())
            .map(|r| r.user_id.clone())
            .collect()
    } else {
        Vec::new()
    };
    Ok(MinutesRead {
        minutes,
        meeting,
        receipts,
        all_receipts: all,
        not_acknowledged,
        may_write: writer,
    })
}

/// Minutes as the caller may see them, and their child.
fn read_in(
    conn: &mut DbConnection,
    requester: &Requester,
    minutes_id: &str,
    today: NaiveDate,
) -> Result<(MinutesRead, String), ServiceError> {
    let (minutes, meeting, plan, writer) = find(conn, requester, minutes_id, today)?;
    let all = sees_all_receipts(conn, requester, &plan, writer, today)?;
    let view = read_view(conn, requester, minutes, meeting, writer, all)?;
    Ok((view, plan.child_id))
}

/// The meeting's minutes and addenda the caller may see.
fn of_meeting_in(
    conn: &mut DbConnection,
    requester: &Requester,
    meeting_id: &str,
    today: NaiveDate,
) -> Result<Vec<MinutesRead>, ServiceError> {
    let (meeting, plan) = meeting_for(conn, requester, meeting_id, CaseAction::Read, today)?;
    let writer = is_writer(conn, requester, &meeting, &plan, today)?;
    let all = sees_all_receipts(conn, requester, &plan, writer, today)?;
    let mut out = Vec::new();
    for minutes in store::of_meeting(conn, meeting_id)? {
        if minutes.is_published() || writer {
            out.push(read_view(
                conn,
                requester,
                minutes,
                meeting.clone(),
                writer,
                all,
            )?);
        }
    }
    Ok(out)
}

fn stale(current: Option<Minutes>) -> ServiceError {
    match current {
        Some(m) if m.is_published() => ServiceError::Conflict(format!(
            "these minutes were published on {}; they are never edited — add an addendum",
            m.published_on.map(|d| d.to_string()).unwrap_or_default()
        )),
        Some(m) => ServiceError::Stale(format!(
            "these minutes changed since you read them (now version {}); reload them and \
             make your change again",
            m.version
        )),
        None => ServiceError::NotFound,
    }
}

/// Changes a draft, if it is still the version the caller read.
fn edit_in(
    conn: &mut DbConnection,
    requester: &Requester,
    minutes_id: &str,
    version: i32,
    body: &str,
    today: NaiveDate,
) -> Result<Minutes, ServiceError> {
    let (minutes, meeting, plan, _) = find(conn, requester, minutes_id, today)?;
    require_writer(conn, requester, &meeting, &plan, today)?;
    if minutes.is_published() {
        return Err(stale(Some(minutes)));
    }
    check_body(body)?;
    let Some(changed) = store::update_draft(conn, minutes_id, version, body)? else {
        return Err(stale(store::get(conn, minutes_id)?));
    };
    log(
        conn,
        requester,
        AuditAction::EditMinutes,
        Some(&plan.child_id),
        &format!("minutes {minutes_id}"),
        "ok",
    )?;
    Ok(changed)
}

/// Publishes the draft the caller read and sends it to every member of the core group on
/// the meeting date, absent ones included.
fn publish_in(
    conn: &mut DbConnection,
    requester: &Requester,
    minutes_id: &str,
    version: i32,
    at: NaiveDateTime,
    today: NaiveDate,
) -> Result<MinutesRead, ServiceError> {
    let (minutes, meeting, plan, _) = find(conn, requester, minutes_id, today)?;
    require_writer(conn, requester, &meeting, &plan, today)?;
    if minutes.is_published() {
        return Err(stale(Some(minutes)));
    }
    let mut recipients: Vec<(String, String)> = Vec::new();
    for member in case_store::members_of_plan(conn, &plan.id)? {
        if member.is_member_on(meeting.held_on)
            && !recipients.iter().any(|(u, _)| *u == member.user_id)
        {
            recipients.push((member.user_id, member.agency_id));
        }
    }
    if !store::publish(conn, minutes_id, version, &requester.user.id, at, today)? {
        return Err(stale(store::get(conn, minutes_id)?));
    }
    store::distribute(conn, minutes_id, &recipients, at)?;
    log(
        conn,
        requester,
        AuditAction::PublishMinutes,
        Some(&plan.child_id),
        &format!("minutes {minutes_id} to {} members", recipients.len()),
        "ok",
    )?;
    let published = store::get(conn, minutes_id)?.ok_or(ServiceError::NotFound)?;
    read_view(conn, requester, published, meeting, true, true)
}

/// Records that the caller has read the minutes sent to them.
fn acknowledge_in(
    conn: &mut DbConnection,
    requester: &Requester,
    minutes_id: &str,
    at: NaiveDateTime,
    today: NaiveDate,
) -> Result<Receipt, ServiceError> {
    let minutes = store::get(conn, minutes_id)?.ok_or(ServiceError::NotFound)?;
    let child_id = child_of(conn, &Record::Meeting(minutes.meeting_id.clone()))?
        .ok_or(ServiceError::NotFound)?;
    // A member who has since left the core group still acknowledges what was sent to them.
    let Some(receipt) = store::acknowledge(conn, minutes_id, &requester.user.id, at, today)? else {
        let meeting = crate::store::meetings::get(conn, &minutes.meeting_id)?
            .ok_or(ServiceError::NotFound)?;
        authorise_plan(conn, requester, &meeting.plan_id, CaseAction::Read, today)?;
        if !minutes.is_published() {
            return Err(invalid("minutes", "these minutes are still a draft"));
        }
        return Err(ServiceError::Forbidden(
            "these minutes were not sent to you; only their recipients acknowledge them".into(),
        ));
    };
    log(
        conn,
        requester,
        AuditAction::AcknowledgeMinutes,
        Some(&child_id),
        &format!("minutes {minutes_id}"),
        "ok",
    )?;
    Ok(receipt)
}
