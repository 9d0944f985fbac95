//! Handlers of the second sign-in factor: the code page after the password
//! (`forms/second-factor.html`) and "Zwei-Faktor-Anmeldung" in the account
//! (`konto/second-factor.html`: switch on with the QR code, recovery codes, switch off).
//!
//! Between password and code the browser holds the pending sign-in in a cookie of its own
//! (HttpOnly, five minutes), so the code form carries no secret and works without
//! JavaScript.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::json;

use catalog::forms::second_factor as form;
use catalog::forms::{Field, FormView};

use super::form::PostedForm;
use super::members::{require_token, signed_in};
use super::refusal::Refusal;
use super::request::{Caller, cookie};
use super::responses::{
    account_error, json_value, no_form, see_other, session_cookie, success, with_cookie,
};
use super::return_to;
use crate::domain::accounts::second_factor::{CodeAccepted, SetupOffer};
use crate::domain::accounts::{AccountError, SessionInfo, SignedIn};
use crate::domain::validation::FieldErrors;
use crate::pages::{self, Page};
use crate::state::AppState;

/// The cookie of a pending sign-in (password right, code still to come).
pub const PENDING_COOKIE: &str = "__Host-csp-anmeldung";
const PENDING_MAX_AGE: i64 = 5 * 60;
pub const CODE_PAGE: &str = "/api/anmeldung/code";
const ACCOUNT_PAGE: &str = "/api/konto/zwei-faktor";

pub(super) fn pending_cookie(value: &str, max_age: i64) -> HeaderValue {
    let cookie = format!(
        "{PENDING_COOKIE}={value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={max_age}"
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// The answer to a right password of a person with a second factor: on to the code page.
/// The page asked for after signing in (`return_to`) travels on in the code page's address.
pub(super) fn ask_for_code(caller: &Caller, pending: &str, return_to: Option<&str>) -> Response {
    let next = return_to::with_return(CODE_PAGE, return_to);
    let response = if caller.wants_json {
        json_value(
            StatusCode::OK,
            json!({"ok": true, "zweiter_faktor": true, "weiter": next}),
        )
    } else {
        see_other(&next)
    };
    with_cookie(response, pending_cookie(pending, PENDING_MAX_AGE))
}

fn code_page(
    state: &AppState,
    status: StatusCode,
    errors: &FieldErrors,
    return_to: Option<&str>,
) -> Response {
    let title = if status.is_success() {
        "Anmelden: Bestätigungscode"
    } else {
        "Fehler: Anmelden: Bestätigungscode"
    };
    let weiter = return_to.unwrap_or_default();
    let form = FormView::filled(
        form::sign_in::FIELDS,
        |name| {
            if name == return_to::PARAMETER {
                weiter.to_owned()
            } else {
                String::new()
            }
        },
        &errors.0,
        "",
    );
    let page = Page::new("forms/second-factor.html", title)
        .status(status)
        .with("form", &form)
        .with("again", &return_to::sign_in_url(weiter))
        .with("csrf", &"");
    state.page(page, None)
}

/// The pending sign-in has expired, was used or never existed: start again.
fn start_again(state: &AppState, caller: &Caller, return_to: Option<&str>) -> Response {
    let message = "Die Anmeldung ist abgelaufen oder wurde schon abgeschlossen. Bitte melden Sie sich erneut mit E-Mail-Adresse und Passwort an.";
    let again = return_to::sign_in_url(return_to.unwrap_or_default());
    let response = if caller.wants_json {
        json_value(
            StatusCode::GONE,
            json!({"fehler": message, "weiter": again}),
        )
    } else {
        let page = pages::notice(
            "Anmeldung abgelaufen",
            message,
            &[(again.as_str(), "Zur Anmeldung")],
        )
        .status(StatusCode::GONE);
        state.page(page, None)
    };
    with_cookie(response, pending_cookie("", 0))
}

pub async fn code_form(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let return_to = return_to::from_query(query.as_deref().unwrap_or_default());
    match cookie(&headers, PENDING_COOKIE) {
        Some(pending) if state.accounts.pending_sign_in_open(&pending) => code_page(
            &state,
            StatusCode::OK,
            &FieldErrors::default(),
            return_to.as_deref(),
        ),
        _ => start_again(&state, &caller, return_to.as_deref()),
    }
}

fn signed_in_response(
    state: &AppState,
    caller: &Caller,
    signed_in: &SignedIn,
    accepted: CodeAccepted,
    return_to: Option<&str>,
) -> Response {
    let settings = state.accounts.settings();
    let cookie = session_cookie(&signed_in.session_id, settings.session_absolute_secs);
    // After a recovery code the account page says how many are left (that matters more
    // than the page asked for: the person may be running out of codes).
    let location = match accepted {
        CodeAccepted::Totp => return_to
            .map(str::to_owned)
            .unwrap_or_else(|| settings.after_sign_in.clone()),
        CodeAccepted::Recovery { left } => format!("{ACCOUNT_PAGE}?uebrig={left}"),
    };
    let response = if caller.wants_json {
        json_value(
            StatusCode::OK,
            json!({"ok": true, "weiter": location, "csrf": signed_in.info.csrf_token}),
        )
    } else {
        see_other(&location)
    };
    with_cookie(with_cookie(response, cookie), pending_cookie("", 0))
}

pub async fn code(
    State(state): State<AppState>,
    headers: HeaderMap,
    PostedForm { caller, input }: PostedForm,
) -> Response {
    let return_to = super::return_to::requested(&caller, &input);
    let return_to = return_to.as_deref();
    let Some(pending) = cookie(&headers, PENDING_COOKIE) else {
        return start_again(&state, &caller, return_to);
    };
    match state
        .accounts
        .sign_in_with_code(
            &pending,
            input.get(form::sign_in::CODE.name),
            &caller.client,
            caller.session_cookie.as_deref(),
        )
        .await
        .map_err(super::inputs::named)
    {
        Ok((signed_in, accepted)) => {
            signed_in_response(&state, &caller, &signed_in, accepted, return_to)
        }
        Err(AccountError::InvalidLink) => start_again(&state, &caller, return_to),
        Err(AccountError::Invalid(errors)) if !caller.wants_json => {
            code_page(&state, StatusCode::UNPROCESSABLE_ENTITY, &errors, return_to)
        }
        Err(e) => account_error(&caller, e, no_form(&caller)),
    }
}

// ---- "Zwei-Faktor-Anmeldung" in the account ----------------------------------------------

/// What the account page shows besides its forms.
enum Shown<'a> {
    /// Switched off: the setup offer and its form.
    Offer(&'a SetupOffer, FormView),
    /// Just switched on: the recovery codes, once.
    RecoveryCodes(&'a [String]),
    /// Switched on: the form to switch it off.
    On(FormView),
}

fn account_page(
    state: &AppState,
    info: &SessionInfo,
    status: StatusCode,
    shown: Shown<'_>,
    notice: &str,
) -> Response {
    let title = if status.is_success() {
        "Zwei-Faktor-Anmeldung"
    } else {
        "Fehler: Zwei-Faktor-Anmeldung"
    };
    let mut page = Page::new("konto/second-factor.html", title)
        .status(status)
        .with("notice", &notice)
        .with("csrf", &info.csrf_token)
        .with("mandatory", &info.org.kind.is_operator());
    match shown {
        Shown::Offer(offer, form) => {
            page = page
                .with("state", &"aus")
                .with("secret", &offer.secret_grouped)
                .with("uri", &offer.uri)
                .with("qr", &offer.qr)
                .with("qr_side", &(offer.qr.size + 8))
                .with("setup_token", &offer.setup_token)
                .with("form", &form);
        }
        Shown::RecoveryCodes(codes) => {
            page = page.with("state", &"neu").with("codes", &codes);
        }
        Shown::On(form) => {
            let left = info
                .user
                .second_factor
                .as_ref()
                .map_or(0, |f| f.recovery_codes.len());
            page = page
                .with("state", &"an")
                .with("codes_left", &left)
                .with("form", &form);
        }
    }
    state.page(page, Some(&info.user.name))
}

/// A form with its messages only: codes and passwords are never sent back.
fn with_messages(fields: &[Field], errors: &FieldErrors) -> FormView {
    FormView::filled(fields, |_| String::new(), &errors.0, "")
}

/// No setup offer: already switched on (another tab), or the secret could not be made.
fn offer_refused(caller: &Caller, error: AccountError) -> Refusal {
    match error {
        AccountError::Conflict => Refusal::new(
            caller,
            StatusCode::CONFLICT,
            "Die Zwei-Faktor-Anmeldung ist bereits eingeschaltet. Bitte laden Sie die Seite neu.",
        ),
        other => {
            tracing::error!(error = %other, "second factor setup failed");
            Refusal::new(
                caller,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Die Einrichtung ist gerade nicht möglich. Bitte versuchen Sie es später erneut.",
            )
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct AccountQuery {
    #[serde(default)]
    hinweis: String,
    /// Recovery codes left after signing in with one.
    uebrig: Option<usize>,
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Query(query): axum::extract::Query<AccountQuery>,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    let enabled = info.user.second_factor.is_some();
    if caller.wants_json {
        return Ok(json_value(
            StatusCode::OK,
            json!({"eingeschaltet": enabled}),
        ));
    }
    let notice = match (query.hinweis.as_str(), query.uebrig) {
        (_, Some(left)) => format!(
            "Sie haben sich mit einem Wiederherstellungscode angemeldet; er ist damit verbraucht. Es bleiben {left}. Richten Sie die App neu ein, wenn Sie sie verloren haben: Zwei-Faktor-Anmeldung aus- und wieder einschalten."
        ),
        ("aus", _) => "Die Zwei-Faktor-Anmeldung ist ausgeschaltet.".to_owned(),
        _ => String::new(),
    };
    if enabled {
        let form = FormView::empty(form::off::FIELDS);
        return Ok(account_page(
            &state,
            &info,
            StatusCode::OK,
            Shown::On(form),
            &notice,
        ));
    }
    let offer = state
        .accounts
        .second_factor_offer(&info)
        .map_err(|e| offer_refused(&caller, e))?;
    let form = FormView::empty(form::setup::FIELDS);
    Ok(account_page(
        &state,
        &info,
        StatusCode::OK,
        Shown::Offer(&offer, form),
        &notice,
    ))
}

pub async fn enable(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    let setup_token = input.get(form::setup::SETUP.name);
    match state
        .accounts
        .enable_second_factor(&info, setup_token, input.get(form::setup::CODE.name))
        .await
        .map_err(super::inputs::named)
    {
        Ok(codes) => Ok(if caller.wants_json {
            json_value(
                StatusCode::OK,
                json!({"ok": true, "wiederherstellungscodes": codes}),
            )
        } else {
            account_page(
                &state,
                &info,
                StatusCode::OK,
                Shown::RecoveryCodes(&codes),
                "",
            )
        }),
        Err(AccountError::Invalid(errors)) if !caller.wants_json => {
            let offer = state
                .accounts
                .second_factor_offer_again(&info, setup_token)
                .map_err(|e| offer_refused(&caller, e))?;
            let form = with_messages(form::setup::FIELDS, &errors);
            Ok(account_page(
                &state,
                &info,
                StatusCode::UNPROCESSABLE_ENTITY,
                Shown::Offer(&offer, form),
                "",
            ))
        }
        Err(e) => Ok(account_error(&caller, e, no_form(&caller))),
    }
}

pub async fn disable(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    match state
        .accounts
        .disable_second_factor(
            &info,
            input.get(form::off::PASSWORD.name),
            input.get(form::off::CODE.name),
            &caller.client,
        )
        .await
        .map_err(super::inputs::named)
    {
        Ok(()) => Ok(success(&caller, &format!("{ACCOUNT_PAGE}?hinweis=aus"))),
        Err(AccountError::Invalid(errors)) if !caller.wants_json => {
            let form = with_messages(form::off::FIELDS, &errors);
            Ok(account_page(
                &state,
                &info,
                StatusCode::UNPROCESSABLE_ENTITY,
                Shown::On(form),
                "",
            ))
        }
        Err(e) => Ok(account_error(&caller, e, no_form(&caller))),
    }
}
