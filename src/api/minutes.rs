//! Minutes of core group meetings: drafts (versioned with ETag / If-Match), publication to
//! every member, read receipts.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, Problems};
use super::extract::{if_match, with_etag, ApiJson};
use super::views::{instant, ListOf};
use super::AppState;
use crate::domain::ids::{MeetingId, MinutesId};
use crate::services::minutes::{self, MinutesRead, Receipt};
use crate::services::Requester;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReceiptView {
    pub user_id: String,
    pub agency_id: String,
    pub sent_at: DateTime<Utc>,
    /// When the member acknowledged reading them; `null` while unread.
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_on: Option<NaiveDate>,
}

impl From<Receipt> for ReceiptView {
    fn from(r: Receipt) -> ReceiptView {
        ReceiptView {
            user_id: r.user_id,
            agency_id: r.agency_id,
            sent_at: instant(r.distributed_at),
            acknowledged_at: r.acknowledged_at.map(instant),
            acknowledged_on: r.acknowledged_on,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MinutesView {
    pub id: String,
    pub meeting_id: String,
    pub plan_id: String,
    /// Set on an addendum: the minutes it adds to.
    pub addendum_to: Option<String>,
    /// `draft` until published; published minutes are never edited.
    pub status: &'static str,
    pub body: String,
    pub author_id: String,
    /// The version, also sent as the `ETag` header; send it back in `If-Match` to change a draft.
    pub version: i32,
    pub published_at: Option<DateTime<Utc>>,
    pub published_on: Option<NaiveDate>,
    pub published_by: Option<String>,
    /// Who the minutes were sent to and who has read them: every member for the chair, the
    /// lead social worker and managers; a member sees their own receipt.
    pub receipts: Vec<ReceiptView>,
    pub all_receipts: bool,
    /// Members sent the minutes who have not acknowledged them (when `all_receipts`).
    pub not_acknowledged: Vec<String>,
    pub may_write: bool,
}

impl From<MinutesRead> for MinutesView {
    fn from(r: MinutesRead) -> MinutesView {
        let m = r.minutes;
        MinutesView {
            id: m.id,
            meeting_id: m.meeting_id,
            plan_id: r.meeting.plan_id,
            addendum_to: m.addendum_to,
            status: if m.published_at.is_some() {
                "published"
            } else {
                "draft"
            },
            body: m.body,
            author_id: m.author_id,
            version: m.version,
            published_at: m.published_at.map(instant),
            published_on: m.published_on,
            published_by: m.published_by,
            receipts: r.receipts.into_iter().map(ReceiptView::from).collect(),
            all_receipts: r.all_receipts,
            not_acknowledged: r.not_acknowledged,
            may_write: r.may_write,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMinutesRequest {
    pub body: String,
    /// To write an addendum: the id of the meeting's published minutes.
    pub addendum_to: Option<String>,
}

/// POST /api/v1/meetings/{id}/minutes — a draft of the meeting's minutes (or of an addendum).
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path)), request_body = NewMinutesRequest, responses(
    (status = 201, body = MinutesView, headers(("ETag" = String))),
    Problems,
))]
#[post("/meetings/{id}/minutes")]
pub async fn draft_minutes(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
    body: ApiJson<NewMinutesRequest>,
) -> Result<HttpResponse, ApiError> {
    let NewMinutesRequest { body, addendum_to } = body.0;
    let read = minutes::draft(
        &state.services,
        &who,
        MeetingId::from(id.into_inner()),
        body,
        addendum_to.map(MinutesId::from),
    )
    .await?;
    let view = MinutesView::from(read);
    Ok(with_etag(HttpResponse::Created(), view.version, &view))
}

/// GET /api/v1/meetings/{id}/minutes — the meeting's minutes and addenda (drafts only for their writers).
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = ListOf<MinutesView>),
    Problems,
))]
#[get("/meetings/{id}/minutes")]
pub async fn list_minutes(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let all = minutes::of_meeting(&state.services, &who, MeetingId::from(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(ListOf {
        items: all.into_iter().map(MinutesView::from).collect::<Vec<_>>(),
    }))
}

/// GET /api/v1/minutes/{id} — the minutes, with who has and has not read them (for the chair).
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = MinutesView, headers(("ETag" = String))),
    Problems,
))]
#[get("/minutes/{id}")]
pub async fn get_minutes(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let read = minutes::read(&state.services, &who, MinutesId::from(id.into_inner())).await?;
    let view = MinutesView::from(read);
    Ok(with_etag(HttpResponse::Ok(), view.version, &view))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MinutesUpdate {
    pub body: String,
}

/// PUT /api/v1/minutes/{id} — changes a draft; `If-Match` must carry the version read (else 412).
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path), ("If-Match" = String, Header)), request_body = MinutesUpdate, responses(
    (status = 200, body = MinutesView, headers(("ETag" = String))),
    Problems,
))]
#[put("/minutes/{id}")]
pub async fn edit_minutes(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Requester,
    id: web::Path<String>,
    body: ApiJson<MinutesUpdate>,
) -> Result<HttpResponse, ApiError> {
    let version = if_match(&req)?;
    let read = minutes::edit(
        &state.services,
        &who,
        MinutesId::from(id.into_inner()),
        version,
        body.0.body,
    )
    .await?;
    let view = MinutesView::from(read);
    Ok(with_etag(HttpResponse::Ok(), view.version, &view))
}

/// POST /api/v1/minutes/{id}/publish — publishes the draft read (`If-Match`) and sends it to every member of the core group that day.
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path), ("If-Match" = String, Header)), responses(
    (status = 200, body = MinutesView, headers(("ETag" = String))),
    Problems,
))]
#[post("/minutes/{id}/publish")]
pub async fn publish_minutes(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Requester,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let version = if_match(&req)?;
    let read = minutes::publish(
        &state.services,
        &who,
        MinutesId::from(id.into_inner()),
        version,
    )
    .await?;
    let view = MinutesView::from(read);
    Ok(with_etag(HttpResponse::Ok(), view.version, &view))
}

/// POST /api/v1/minutes/{id}/acknowledge — the caller has read the minutes sent to them.
#[utoipa::path(tag = "core groups", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = ReceiptView),
    Problems,
))]
#[post("/minutes/{id}/acknowledge")]
pub async fn acknowledge_minutes(
    state: web::Data<AppState>,
    who: Requester,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let receipt =
        minutes::acknowledge(&state.services, &who, MinutesId::from(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(ReceiptView::from(receipt)))
}
