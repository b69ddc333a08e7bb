//! The home page, and the pages every public-sector service must have: the accessibility
//! statement and the cookies page.

use actix_web::{get, HttpRequest, HttpResponse};

use crate::web::error::PageError;
use crate::web::session::{Visitor, SESSION_COOKIE};
use crate::web::view::{page, see_other, Chrome};

/// GET / — where a bookmark lands: "My children" when signed in, else the sign-in page. An
/// administrator has no children: their pages come later, so they are pointed to the API.
#[get("/")]
pub async fn home(req: HttpRequest) -> Result<HttpResponse, PageError> {
    use actix_web::FromRequest;
    if req.cookie(SESSION_COOKIE).is_none() {
        return Ok(see_other("/sign-in"));
    }
    let visitor = Visitor::extract(&req).await?;
    if visitor.who.user.role == crate::domain::people::Role::Admin {
        let chrome =
            Chrome::signed_in(&visitor, "Administration", crate::web::view::Section::Other);
        // Admins are told six months before a region's calendar runs out (domain.md §4).
        let mut ending = Vec::new();
        if let Some(state) = req.app_data::<actix_web::web::Data<crate::api::AppState>>() {
            let today = state.services.today();
            let actor = crate::services::admin::Actor::User(visitor.who.user.clone());
            let calendars =
                crate::services::settings::list_calendars(&state.services.calendars, &actor)
                    .await?;
            for shown in calendars.iter().filter(|c| c.calendar.ends_soon(today)) {
                ending.push(serde_json::json!({
                    "region": shown.calendar.region().as_str(),
                    "ends": crate::web::words::date(shown.calendar.last()),
                    "ended": shown.calendar.last() < today,
                }));
            }
        }
        return page(
            "admin-home.html",
            &chrome,
            crate::values! { calendars_ending => ending },
        );
    }
    Ok(see_other("/children"))
}

/// The layout for a page anyone may read: signed in or not, as the visitor is.
async fn chrome_for(req: &HttpRequest, title: &str) -> Chrome {
    use actix_web::FromRequest;
    match Visitor::extract(req).await {
        Ok(visitor) => Chrome::signed_in(&visitor, title, crate::web::view::Section::Other),
        Err(_) => Chrome::anonymous(title),
    }
}

/// GET /accessibility — the accessibility statement (Public Sector Bodies Accessibility
/// Regulations 2018; WCAG 2.2 AA).
#[get("/accessibility")]
pub async fn accessibility(req: HttpRequest) -> Result<HttpResponse, PageError> {
    let chrome = chrome_for(&req, "Accessibility statement for coregroup").await;
    page("accessibility.html", &chrome, ())
}

/// GET /cookies — the one cookie the service sets, and why.
#[get("/cookies")]
pub async fn cookies(req: HttpRequest) -> Result<HttpResponse, PageError> {
    let chrome = chrome_for(&req, "Cookies").await;
    page(
        "cookies.html",
        &chrome,
        crate::values! { idle_minutes => crate::auth::BROWSER_IDLE_MINUTES },
    )
}
