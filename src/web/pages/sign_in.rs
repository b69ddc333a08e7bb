//! Signing in and out of the pages, and the pages that say a session is over.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::api::extract::client_address;
use crate::api::AppState;
use crate::auth::AuthError;
use crate::web::error::PageError;
use crate::web::form::{Errors, FormFields};
use crate::web::session::{
    removal, safe_return_path, session_cookie, sign_in_cookie, Visitor, SESSION_COOKIE,
    SIGN_IN_COOKIE,
};
use crate::web::view::{page, page_with_status, see_other, Chrome};

#[derive(Debug, Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// The sign-in form's values and errors.
fn sign_in_page(
    req: &HttpRequest,
    state: &AppState,
    status: actix_web::http::StatusCode,
    email: &str,
    next: &str,
    errors: &Errors,
) -> Result<HttpResponse, PageError> {
    let nonce = crate::auth::tokens::random_secret();
    let chrome = Chrome::anonymous("Sign in").with_errors(!errors.is_empty());
    let mut answer = page_with_status(
        status,
        "sign-in.html",
        &chrome,
        crate::values! {
            form_token => state.auth.form_token(&format!("sign-in:{nonce}")),
            email => email,
            next => next,
            errors => errors.summary(),
            email_error => errors.of("email"),
            password_error => errors.of("password"),
        },
    )?;
    answer
        .add_cookie(&sign_in_cookie(req, nonce))
        .map_err(|e| PageError::Internal(e.to_string()))?;
    Ok(answer)
}

/// GET /sign-in — the sign-in form (straight on to `next` when already signed in).
#[get("/sign-in")]
pub async fn sign_in_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<Next>,
) -> Result<HttpResponse, PageError> {
    let next = safe_return_path(query.next.as_deref().unwrap_or("/"));
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        if state.auth.browser_session(cookie.value()).await.is_ok() {
            return Ok(see_other(&next));
        }
    }
    sign_in_page(
        &req,
        &state,
        actix_web::http::StatusCode::OK,
        "",
        &next,
        &Errors::default(),
    )
}

/// POST /sign-in — checks the e-mail and password; on success sets the session cookie and
/// goes on to `next`.
#[post("/sign-in")]
pub async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: FormFields,
) -> Result<HttpResponse, PageError> {
    let nonce = req
        .cookie(SIGN_IN_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    let token_ok = !nonce.is_empty()
        && form.form_token().is_some_and(|t| {
            state
                .auth
                .form_token_matches(&format!("sign-in:{nonce}"), t)
        });
    if !token_ok {
        return Err(PageError::FormExpired);
    }
    let email = form.text("email").unwrap_or_default();
    let password = form.get("password").unwrap_or_default().to_string();
    let next = safe_return_path(form.get("next").unwrap_or("/"));
    let mut errors = Errors::default();
    if email.is_empty() {
        errors.add("email", "Enter your email address");
    }
    if password.is_empty() {
        errors.add("password", "Enter your password");
    }
    let refused =
        |errors: &Errors, status| sign_in_page(&req, &state, status, &email, &next, errors);
    if !errors.is_empty() {
        return refused(&errors, actix_web::http::StatusCode::UNPROCESSABLE_ENTITY);
    }
    let address = client_address(&req, state.trust_forwarded_for);
    match state
        .auth
        .sign_in_browser(email.clone(), password, address)
        .await
    {
        Ok(session) => {
            let mut answer = see_other(&next);
            answer
                .add_cookie(&session_cookie(&req, session.cookie))
                .map_err(|e| PageError::Internal(e.to_string()))?;
            let mut gone = sign_in_cookie(&req, String::new());
            gone.make_removal();
            answer
                .add_cookie(&gone)
                .map_err(|e| PageError::Internal(e.to_string()))?;
            Ok(answer)
        }
        Err(AuthError::InvalidCredentials) => {
            errors.add(
                "email",
                "Enter a correct email address and password. Ask your administrator if you have forgotten your password",
            );
            refused(&errors, actix_web::http::StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(AuthError::Throttled {
            retry_after_seconds,
        }) => {
            errors.add(
                "email",
                format!(
                    "You have tried to sign in too many times. Wait {} before you try again",
                    wait_in_words(retry_after_seconds)
                ),
            );
            refused(&errors, actix_web::http::StatusCode::TOO_MANY_REQUESTS)
        }
        Err(AuthError::Busy {
            retry_after_seconds,
        }) => {
            errors.add(
                "email",
                format!(
                    "The service is busy. Wait {} and try again",
                    wait_in_words(retry_after_seconds)
                ),
            );
            refused(&errors, actix_web::http::StatusCode::TOO_MANY_REQUESTS)
        }
        Err(AuthError::Invalid { field, reason }) => {
            errors.add(field, reason);
            refused(&errors, actix_web::http::StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(other) => Err(other.into()),
    }
}

/// "1 minute", "15 minutes", "30 seconds".
fn wait_in_words(seconds: i64) -> String {
    if seconds < 60 {
        let s = seconds.max(1);
        format!("{s} second{}", if s == 1 { "" } else { "s" })
    } else {
        let m = (seconds + 59) / 60;
        format!("{m} minute{}", if m == 1 { "" } else { "s" })
    }
}

/// POST /sign-out — ends this browser's session (other devices stay signed in).
#[post("/sign-out")]
pub async fn sign_out(
    req: HttpRequest,
    state: web::Data<AppState>,
    visitor: Visitor,
    form: FormFields,
) -> Result<HttpResponse, PageError> {
    visitor.check_form(&state, form.form_token())?;
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        state.auth.sign_out_browser(cookie.value()).await?;
    }
    let mut answer = see_other("/signed-out");
    answer
        .add_cookie(&removal())
        .map_err(|e| PageError::Internal(e.to_string()))?;
    Ok(answer)
}

/// GET /signed-out — "You have signed out".
#[get("/signed-out")]
pub async fn signed_out() -> Result<HttpResponse, PageError> {
    page(
        "signed-out.html",
        &Chrome::anonymous("You have signed out"),
        (),
    )
}

/// GET /session-ended — "Your session has ended" (timed out, or ended elsewhere).
#[get("/session-ended")]
pub async fn session_ended() -> Result<HttpResponse, PageError> {
    page(
        "session-ended.html",
        &Chrome::anonymous("Your session has ended"),
        crate::values! { idle_minutes => crate::auth::BROWSER_IDLE_MINUTES },
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn waits_are_said_in_words() {
        assert_eq!(super::wait_in_words(1), "1 second");
        assert_eq!(super::wait_in_words(2), "2 seconds");
        assert_eq!(super::wait_in_words(60), "1 minute");
        assert_eq!(super::wait_in_words(900), "15 minutes");
    }
}
