//! What every handler answers with: JSON, redirects, refusals, and the mapping of the
//! account domain's errors; and the session behind a request.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::refusal::Refusal;
use super::request::{Caller, SESSION_COOKIE};
use crate::domain::accounts::{AccountError, SessionInfo};
use crate::domain::validation::FieldErrors;
use crate::state::AppState;

// ---- responses ---------------------------------------------------------------------------

pub(super) fn json_value(status: StatusCode, value: Value) -> Response {
    (status, Json(value)).into_response()
}

pub(super) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Success: a redirect to the result page, or JSON naming it.
pub(super) fn success(caller: &Caller, location: &str) -> Response {
    if caller.wants_json {
        json_value(StatusCode::OK, json!({"ok": true, "weiter": location}))
    } else {
        see_other(location)
    }
}

/// A refusal with one message, as JSON or a small page.
pub(super) fn refusal(caller: &Caller, status: StatusCode, message: &str) -> Refusal {
    Refusal::new(caller, status, message.to_owned())
}

/// What a form handler does with its messages: shows the form again with `status`, the
/// field messages and a message for the whole form.
pub(super) type Rerender<'a> =
    Box<dyn FnOnce(StatusCode, &FieldErrors, Option<&str>) -> Response + 'a>;

/// No form to show again: the messages become a refusal page.
pub(super) fn no_form(caller: &Caller) -> Rerender<'static> {
    let caller = caller.clone();
    Box::new(move |status, errors, message| {
        let text = message
            .map(str::to_owned)
            .or_else(|| errors.0.first().map(|(_, m)| m.clone()))
            .unwrap_or_else(|| CORRECT.to_owned());
        Refusal::new(&caller, status, text).into_response()
    })
}

pub(super) fn errors_json(errors: &FieldErrors) -> Value {
    Value::Object(
        errors
            .0
            .iter()
            .map(|(f, m)| (f.clone(), Value::String(m.clone())))
            .collect(),
    )
}

pub(super) const CORRECT: &str = "Bitte korrigieren Sie die markierten Angaben.";
pub(super) const UNAVAILABLE: &str =
    "Der Dienst ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut.";

/// Maps a domain error: field errors and form-level messages re-render the form (HTML) or
/// become JSON with a message per field.
pub(super) fn account_error(
    caller: &Caller,
    error: AccountError,
    rerender: Rerender<'_>,
) -> Response {
    let (status, message, errors) = match error {
        AccountError::Problems(problems) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            CORRECT.to_owned(),
            super::inputs::account_errors(&problems),
        ),
        AccountError::Invalid(errors) => (StatusCode::UNPROCESSABLE_ENTITY, CORRECT.to_owned(), errors),
        AccountError::RateLimited { retry_after } => {
            let minutes = (retry_after + 59) / 60;
            let message = format!("Zu viele Versuche. Bitte warten Sie etwa {minutes} Minute(n) und versuchen Sie es dann erneut.");
            if caller.wants_json {
                return Refusal::json(StatusCode::TOO_MANY_REQUESTS, message).retry_after(retry_after).into_response();
            }
            let mut response = rerender(StatusCode::TOO_MANY_REQUESTS, &FieldErrors::default(), Some(&message));
            if let Ok(value) = HeaderValue::from_str(&retry_after.max(1).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return response;
        }
        AccountError::InvalidCredentials => (
            StatusCode::UNAUTHORIZED,
            "Die E-Mail-Adresse oder das Passwort ist nicht richtig, oder das Konto ist noch nicht freigegeben.".to_owned(),
            FieldErrors::default(),
        ),
        AccountError::InvalidLink => {
            return if caller.wants_json {
                Refusal::json(StatusCode::BAD_REQUEST, "Der Link ist ungültig, abgelaufen oder wurde bereits verwendet.").into_response()
            } else {
                see_other("/api/hinweis/link-ungueltig")
            };
        }
        AccountError::Forbidden(message) => return refusal(caller, StatusCode::FORBIDDEN, message).into_response(),
        AccountError::NotFound => return refusal(caller, StatusCode::NOT_FOUND, "Nicht gefunden.").into_response(),
        AccountError::Conflict => {
            return refusal(caller, StatusCode::CONFLICT, "Der Vorgang ist nicht mehr in dem Zustand, den diese Aktion voraussetzt.").into_response();
        }
        AccountError::Store(e) => {
            tracing::error!(error = %e, "store failed");
            return refusal(caller, StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE).into_response();
        }
        AccountError::Internal(e) => {
            tracing::error!(error = %e, "internal error");
            return refusal(caller, StatusCode::INTERNAL_SERVER_ERROR, UNAVAILABLE).into_response();
        }
    };
    if caller.wants_json {
        Refusal::json(status, message)
            .with_fields(errors_json(&errors))
            .into_response()
    } else {
        let form_message = if errors.is_empty() {
            Some(message.as_str())
        } else {
            None
        };
        rerender(status, &errors, form_message)
    }
}

// ---- sessions ----------------------------------------------------------------------------

pub(super) async fn current_session(state: &AppState, caller: &Caller) -> Option<SessionInfo> {
    let cookie = caller.session_cookie.as_deref()?;
    match state.accounts.session(cookie).await {
        Ok(info) => info,
        Err(e) => {
            tracing::error!(error = %e, "session check failed");
            None
        }
    }
}

pub(super) fn session_cookie(value: &str, max_age: i64) -> HeaderValue {
    let cookie = format!(
        "{SESSION_COOKIE}={value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={max_age}"
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

pub(super) fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}
