//! "Zweiten Faktor zurücksetzen" in the operator console: an operator removes the lost
//! second factor of another person (`Orders::reset_others_second_factor`, the same domain
//! function as `csp-function admin reset-second-factor`). The form asks for the address,
//! then shows whose factor it is and asks "Wirklich zurücksetzen?"; only that answer
//! resets. Session of an operator, the origin check and the session's CSRF token; a rate
//! limit per operator. An operator's own factor is refused (they would lock themselves out).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use catalog::forms::FormView;
use catalog::forms::operator::factor_reset;
use serde::{Deserialize, Serialize};

use super::form::PostedForm;
use super::inputs::{FactorResetInput, factor_reset_input, factor_reset_problem};
use super::members::require_token;
use super::operator_console::operator_session;
use super::orders::order_error;
use super::refusal::Refusal;
use super::request::Caller;
use super::responses::{CORRECT, account_error, json_value, no_form, see_other};
use crate::domain::accounts::SessionInfo;
use crate::domain::orders::operator_accounts::ResetFactorError;
use crate::pages::Page;
use crate::state::AppState;

pub(super) const PAGE: &str = "/api/betrieb/zwei-faktor";

#[derive(Debug, Default, Deserialize)]
pub struct FactorQuery {
    /// Prefills the address (the links on an organisation's page).
    #[serde(default)]
    email: String,
    /// The address whose factor was just reset (the notice after the reset).
    #[serde(default)]
    zurueckgesetzt: String,
}

/// The person the confirmation step names.
#[derive(Debug, Serialize)]
struct Holder<'a> {
    name: &'a str,
    email: &'a str,
    organisation: &'a str,
    operator: bool,
}

fn form_page(
    state: &AppState,
    info: &SessionInfo,
    email: &str,
    problem: Option<(&str, String)>,
    notice: &str,
) -> Response {
    let errors: Vec<(String, String)> = problem
        .iter()
        .map(|(field, message)| ((*field).to_owned(), message.clone()))
        .collect();
    let form = FormView::filled(
        factor_reset::FIELDS,
        |field| {
            if field == factor_reset::EMAIL.name {
                email.to_owned()
            } else {
                String::new()
            }
        },
        &errors,
        if errors.is_empty() { "" } else { CORRECT },
    );
    let (status, title) = if errors.is_empty() {
        (StatusCode::OK, "Zweiten Faktor zurücksetzen")
    } else {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Fehler: Zweiten Faktor zurücksetzen",
        )
    };
    let page = Page::new("betrieb/factor-reset.html", title)
        .status(status)
        .with("form", &form)
        .with("notice", &notice)
        .with("own_email", &info.user.email)
        .with("csrf", &info.csrf_token);
    state.page(page, Some(&info.user.name))
}

/// The form, perhaps prefilled, or the notice after a reset.
pub async fn factor_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<FactorQuery>,
) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    let notice = if query.zurueckgesetzt.is_empty() {
        String::new()
    } else {
        // Said only if it is true: the person exists and has no factor now.
        match state
            .accounts
            .store()
            .find_user_by_email(&query.zurueckgesetzt)
            .await
        {
            Ok(Some(user)) if user.second_factor.is_none() => format!(
                "Die Zwei-Faktor-Anmeldung von {} ({}) ist zurückgesetzt. Die Person ist überall abgemeldet und per E-Mail informiert; der Schritt steht im Änderungsprotokoll ihrer Organisation.",
                user.name, user.email
            ),
            _ => String::new(),
        }
    };
    Ok(form_page(&state, &info, query.email.trim(), None, &notice))
}

/// The form's two steps: without `bestaetigt=ja` it shows whose factor it is and asks;
/// with it, it resets and leads back to the form with a notice.
pub async fn reset_factor(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    let FactorResetInput { email, confirmed } = factor_reset_input(&input);
    let refused = |e: ResetFactorError| -> Result<Response, Refusal> {
        match factor_reset_problem(&e) {
            Some(problem) if caller.wants_json => Ok(json_value(
                StatusCode::UNPROCESSABLE_ENTITY,
                serde_json::json!({"ok": false, "fehler": {problem.0: problem.1}}),
            )),
            Some(problem) => Ok(form_page(&state, &info, &email, Some(problem), "")),
            None => match e {
                ResetFactorError::Order(e) => Err(order_error(&caller, Some(&info.user.name), e)),
                _ => Err(Refusal::new(
                    &caller,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Das hat nicht geklappt. Bitte versuchen Sie es später noch einmal.",
                )),
            },
        }
    };
    if !confirmed {
        return match state.orders.factor_holder(&email, &info.user).await {
            Ok((person, org)) => {
                let holder = Holder {
                    name: &person.name,
                    email: &person.email,
                    organisation: &org.name,
                    operator: org.kind.is_operator(),
                };
                let page = Page::new(
                    "betrieb/factor-reset-confirm.html",
                    "Wirklich zurücksetzen?",
                )
                .with("holder", &holder)
                .with("confirmed_field", &factor_reset::CONFIRMED.name)
                .with("email_field", &factor_reset::EMAIL.name)
                .with("csrf", &info.csrf_token);
                Ok(state.page(page, Some(&info.user.name)))
            }
            Err(e) => refused(e),
        };
    }
    if let Err(e) = state
        .accounts
        .count_against(
            "factor-reset",
            &info.user.id,
            state.accounts.settings().limits.factor_resets_per_operator,
        )
        .await
    {
        return Ok(account_error(&caller, e, no_form(&caller)));
    }
    let reset = state
        .orders
        .reset_others_second_factor(&email, &info.user)
        .await;
    if reset.is_ok() {
        // The mail to the person was queued with the reset: send it now.
        state.outbox.mail_queued().await;
    }
    match reset {
        Ok(person) if caller.wants_json => Ok(json_value(
            StatusCode::OK,
            serde_json::json!({"ok": true, "email": person.email}),
        )),
        Ok(person) => {
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("zurueckgesetzt", &person.email)
                .finish();
            Ok(see_other(&format!("{PAGE}?{query}")))
        }
        Err(e) => refused(e),
    }
}
