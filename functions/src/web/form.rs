//! The extractors of a posted form: [`PostedForm`] for the portal's own pages (origin
//! checked against cross-site forgery, body read as form input) and [`FormBody`] for
//! routes that authenticate with a bearer token and are not exposed to CSRF.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;

use super::refusal::Refusal;
use super::request::{Caller, parse_body};
use crate::domain::csrf;
use crate::domain::validation::{FieldErrors, FormInput};
use crate::state::AppState;

/// A state-changing request from the portal's own pages: its caller, and its body as form
/// input. An empty body is an empty form (a script may send the CSRF token as a header).
#[derive(Debug)]
pub struct PostedForm {
    pub caller: Caller,
    pub input: FormInput,
}

/// A form body on a route with a bearer token (operator, partners).
#[derive(Debug)]
pub struct FormBody {
    pub caller: Caller,
    pub input: FormInput,
}

impl FromRequest<AppState> for PostedForm {
    type Rejection = Refusal;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Refusal> {
        let (caller, body) = caller_and_body(request, state).await?;
        let allowed = state.accounts.settings().allowed_origins();
        csrf::check_origin(
            caller.origin.as_deref(),
            caller.sec_fetch_site.as_deref(),
            &allowed,
        )
        .map_err(|e| {
            tracing::warn!(reason = %e, "request refused by the CSRF check");
            Refusal::new(
                &caller,
                StatusCode::FORBIDDEN,
                "Die Anfrage kam nicht von dieser Website und wurde deshalb abgelehnt. Bitte laden Sie die Seite neu.",
            )
        })?;
        let input = form_input(&caller, &body)?;
        Ok(PostedForm { caller, input })
    }
}

impl FromRequest<AppState> for FormBody {
    type Rejection = Refusal;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Refusal> {
        let (caller, body) = caller_and_body(request, state).await?;
        let input = form_input(&caller, &body)?;
        Ok(FormBody { caller, input })
    }
}

async fn caller_and_body(request: Request, state: &AppState) -> Result<(Caller, Bytes), Refusal> {
    let (mut parts, body) = request.into_parts();
    let caller = match Caller::from_request_parts(&mut parts, state).await {
        Ok(caller) => caller,
        Err(never) => match never {},
    };
    let body = Bytes::from_request(Request::from_parts(parts, body), state)
        .await
        .map_err(|e| {
            let status = e.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "Die Anfrage ist zu groß. Bitte kürzen Sie Ihre Angaben und senden Sie sie erneut."
            } else {
                "Die Anfrage konnte nicht gelesen werden."
            };
            Refusal::new(&caller, status, message)
        })?;
    Ok((caller, body))
}

fn form_input(caller: &Caller, body: &[u8]) -> Result<FormInput, Refusal> {
    if body.is_empty() {
        return Ok(FormInput::default());
    }
    parse_body(caller.content_type.as_deref(), body)
        .map_err(|e| Refusal::new(caller, e.status, e.message))
}

/// The start of a day (`YYYY-MM-DD`, as a filter form's date field sends it) in Berlin, in
/// Unix seconds; a message at `field` if it is no such day.
pub(super) fn day_start(text: &str, field: &str, errors: &mut FieldErrors) -> Option<i64> {
    if text.is_empty() {
        return None;
    }
    let parsed = text
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.in_tz("Europe/Berlin").ok())
        .map(|z| z.timestamp().as_second());
    if parsed.is_none() {
        errors.add(
            field,
            "Bitte geben Sie ein Datum im Format JJJJ-MM-TT an, z. B. 2026-12-01.",
        );
    }
    parsed
}
