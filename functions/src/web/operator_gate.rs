//! The operator's mandatory second factor: a signed-in person of the operator's
//! organisation without a second factor may only set it up (or sign out). Every other
//! route answers with a redirect to "Zwei-Faktor-Anmeldung" (a 403 for JSON clients).

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use super::request::{SESSION_COOKIE, cookie, wants_json};
use super::responses::{json_value, see_other};
use crate::state::AppState;

/// Where an operator sets up the second factor.
pub const SETUP_PAGE: &str = "/api/konto/zwei-faktor";

/// The routes an operator without a second factor may use.
const OPEN: [&str; 3] = [SETUP_PAGE, "/api/abmeldung", "/api/sitzung"];

pub async fn require_operator_second_factor(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if OPEN.contains(&path) {
        return next.run(request).await;
    }
    let Some(session) = cookie(request.headers(), SESSION_COOKIE) else {
        return next.run(request).await;
    };
    let must_set_up = match state.accounts.session(&session).await {
        Ok(Some(info)) => info.org.kind.is_operator() && info.user.second_factor.is_none(),
        // No session (or it cannot be read): the route itself answers as signed out.
        _ => false,
    };
    if !must_set_up {
        return next.run(request).await;
    }
    if wants_json(request.headers()) {
        json_value(
            StatusCode::FORBIDDEN,
            json!({
                "fehler": "Betreiberkonten brauchen die Zwei-Faktor-Anmeldung. Bitte richten Sie sie zuerst ein.",
                "weiter": SETUP_PAGE,
            }),
        )
    } else {
        see_other(SETUP_PAGE)
    }
}
