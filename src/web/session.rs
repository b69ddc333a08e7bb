//! The pages' session: an `HttpOnly`, `SameSite=Strict` cookie (`Secure` except on loopback)
//! holding a browser session of the sign-in machinery (`auth::AuthService::browser_session`),
//! so that signing out, a password change, a role change or disabling the account ends it on
//! the next click. Every form carries an anti-forgery token bound to the session.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use super::error::PageError;
use crate::api::extract::client_address;
use crate::api::AppState;
use crate::services::Requester;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "coregroup_session";
/// The cookie that binds the sign-in form's anti-forgery token before there is a session.
pub const SIGN_IN_COOKIE: &str = "coregroup_sign_in";

/// A signed-in visitor of the pages: who they are (as every service takes them) and the
/// token their forms must carry.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub who: Requester,
    pub form_token: String,
    family_id: String,
}

impl Visitor {
    /// Refuses a form that does not carry this session's token (made by another site, or
    /// kept from a session that has ended).
    pub fn check_form(&self, state: &AppState, presented: Option<&str>) -> Result<(), PageError> {
        match presented {
            Some(token) if state.auth.form_token_matches(&self.family_id, token) => Ok(()),
            _ => Err(PageError::FormExpired),
        }
    }
}

impl FromRequest for Visitor {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let cookie = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let next = return_path(req);
        let address = client_address(req, state.as_ref().is_some_and(|s| s.trust_forwarded_for));
        let req = req.clone();
        Box::pin(async move {
            let state =
                state.ok_or_else(|| PageError::Internal("application state missing".into()))?;
            let Some(cookie) = cookie.filter(|c| !c.is_empty()) else {
                return Err(PageError::SignInFirst { next });
            };
            let session = state.auth.browser_session(&cookie).await?;
            let form_token = state.auth.form_token(&session.family_id);
            let visitor = Visitor {
                who: Requester {
                    user: session.user,
                    address,
                },
                form_token,
                family_id: session.family_id,
            };
            // Kept for the error page, should the handler fail: it keeps the visitor's
            // header and navigation (`error::with_visitors_header`).
            req.extensions_mut().insert(visitor.clone());
            Ok(visitor)
        })
    }
}

/// Where to come back to after signing in: this page, if it is one the visitor can GET.
fn return_path(req: &HttpRequest) -> String {
    if req.method() != actix_web::http::Method::GET {
        return "/".into();
    }
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    safe_return_path(path)
}

/// A return address only ever names a page of this service (`/children`), never another
/// site (`//evil.example`, `/\evil.example`, `https://…`).
pub fn safe_return_path(path: &str) -> String {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && path.len() <= 512
        && !path.chars().any(|c| c.is_control());
    if ok {
        path.to_string()
    } else {
        "/".into()
    }
}

/// Whether the request reached us on loopback (a developer's machine), where browsers accept
/// no `Secure` cookie over plain HTTP.
fn on_loopback(req: &HttpRequest) -> bool {
    let info = req.connection_info();
    let host = info.host();
    let name = host
        .rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map(|(name, _)| name)
        .unwrap_or(host);
    matches!(name, "localhost" | "127.0.0.1" | "[::1]") && info.scheme() == "http"
}

/// The session cookie for `value`.
pub fn session_cookie(req: &HttpRequest, value: String) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, value)
        .path("/")
        .http_only(true)
        .secure(!on_loopback(req))
        .same_site(SameSite::Strict)
        .finish()
}

/// Removes the session cookie.
pub fn removal() -> Cookie<'static> {
    let mut cookie = Cookie::build(SESSION_COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    cookie.make_removal();
    cookie
}

/// The sign-in form's binding cookie (a random nonce, for the form's anti-forgery token).
pub fn sign_in_cookie(req: &HttpRequest, nonce: String) -> Cookie<'static> {
    Cookie::build(SIGN_IN_COOKIE, nonce)
        .path("/sign-in")
        .http_only(true)
        .secure(!on_loopback(req))
        .same_site(SameSite::Strict)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_return_path_never_leaves_the_service() {
        assert_eq!(safe_return_path("/children?page=2"), "/children?page=2");
        assert_eq!(safe_return_path("//evil.example/x"), "/");
        assert_eq!(safe_return_path("/\\evil.example"), "/");
        assert_eq!(safe_return_path("https://evil.example"), "/");
        assert_eq!(safe_return_path("/a\nb"), "/");
    }
}
