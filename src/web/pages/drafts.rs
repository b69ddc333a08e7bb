//! "My drafts": records the caller started and has not finished, to finish or withdraw. A
//! draft does not count as the child being seen until it is finished (seed 004).

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

use crate::api::AppState;
use crate::domain::ids::SightingId;
use crate::domain::words::Phrase;
use crate::services::sightings;
use crate::web::error::PageError;
use crate::web::form::FormFields;
use crate::web::session::Visitor;
use crate::web::view::{page, see_other, Chrome, Section};
use crate::web::words;

#[derive(Debug, Deserialize)]
pub struct DraftsQuery {
    done: Option<String>,
}

/// GET /drafts — the caller's drafts, newest first, each with "Finish" and "Withdraw".
#[get("/drafts")]
pub async fn my_drafts(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DraftsQuery>,
) -> Result<HttpResponse, PageError> {
    let drafts = sightings::my_drafts(&state.services, &visitor.who).await?;
    let tz = state.services.timezone;
    let rows: Vec<serde_json::Value> = drafts
        .iter()
        .map(|d| {
            let s = &d.sighting;
            serde_json::json!({
                "id": s.id,
                "child_id": s.child_id,
                "child_name": d.child_name,
                "when": words::instant(tz, crate::api::views::instant(s.occurred_at)),
                "what": format!("{}: {}", s.kind.phrase(), s.outcome.phrase()),
            })
        })
        .collect();
    let banner = match query.done.as_deref() {
        Some("finished") => {
            Some("The record is finished: it now counts, and the core group can see it.")
        }
        Some("withdrawn") => {
            Some("The draft is withdrawn: it will not count, and nobody else will see it.")
        }
        _ => None,
    };
    let chrome = Chrome::signed_in(&visitor, "My drafts", Section::Drafts);
    page(
        "drafts.html",
        &chrome,
        crate::values! { rows => rows, banner => banner },
    )
}

/// POST /drafts/{id}/finish — makes the draft final, as written.
#[post("/drafts/{id}/finish")]
pub async fn finish(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, PageError> {
    visitor.check_form(&state, form.form_token())?;
    sightings::finalise(
        &state.services,
        &visitor.who,
        SightingId::from(path.into_inner()),
    )
    .await?;
    Ok(see_other("/drafts?done=finished"))
}

/// POST /drafts/{id}/withdraw — withdraws the draft (kept for the audit trail, never shown).
#[post("/drafts/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, PageError> {
    visitor.check_form(&state, form.form_token())?;
    sightings::withdraw(
        &state.services,
        &visitor.who,
        SightingId::from(path.into_inner()),
    )
    .await?;
    Ok(see_other("/drafts?done=withdrawn"))
}
