//! The web pages: server-rendered HTML (GOV.UK Design System, govuk-frontend's own macros)
//! over the same services as the JSON API. Every page works without JavaScript: forms post,
//! then redirect to a page to GET. A page handler is as thin as an API handler: it parses,
//! calls one service and renders one template (`frontend/templates/`); it never reaches the
//! store and never decides who may see what (the services do).

pub mod assets;
pub mod error;
pub mod form;
pub mod pages;
pub mod session;
pub mod templates;
pub mod view;
pub mod words;

use actix_web::web;

/// Registers every page and the built assets.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/assets")
            .wrap(actix_web::middleware::Compress::default())
            .route("/{path:.*}", web::get().to(assets::serve_asset)),
    )
    .service(pages::info::home)
    .service(pages::info::accessibility)
    .service(pages::info::cookies)
    .service(pages::sign_in::sign_in_form)
    .service(pages::sign_in::sign_in)
    .service(pages::sign_in::sign_out)
    .service(pages::sign_in::signed_out)
    .service(pages::sign_in::session_ended)
    .service(pages::children::my_children)
    .service(pages::record::choose_child)
    .service(pages::record::record_form)
    .service(pages::record::record_contact)
    .service(pages::record::recorded_page)
    .service(pages::children::child_page)
    .service(pages::visit::visit_form)
    .service(pages::visit::visit)
    .service(pages::visit::visit_recorded)
    .service(pages::drafts::my_drafts)
    .service(pages::drafts::finish)
    .service(pages::drafts::withdraw);
}
