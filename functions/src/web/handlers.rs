//! Thin handlers: parse the request, call the domain, map the outcome to a response.

// Early returns carry a ready `Response`; boxing it would only add noise on a cold path.
#![allow(clippy::result_large_err)]

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use catalog::forms::{self, FormView};

use super::request::{Caller, SESSION_COOKIE, parse_body};
use crate::domain::accounts::{AccountError, SessionInfo};
use crate::domain::csrf;
use crate::domain::model::Decision;
use crate::domain::tokens::{constant_time_eq, sha256_hex};
use crate::domain::validation::{FieldErrors, FormInput};
use crate::pages::{self, Page};
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
pub(super) fn refusal(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    message: &str,
) -> Response {
    refusal_for(state, caller, None, status, message)
}

/// [`refusal`] with the header of `session` (the person signed in) on its page.
pub(super) fn refusal_for(
    state: &AppState,
    caller: &Caller,
    session: Option<&str>,
    status: StatusCode,
    message: &str,
) -> Response {
    if caller.wants_json {
        json_value(status, json!({"ok": false, "meldung": message}))
    } else {
        state.page(
            pages::notice(
                "Das hat nicht geklappt",
                message,
                &[("/", "Zur Startseite")],
            )
            .status(status),
            session,
        )
    }
}

/// What a form handler does with its messages: shows the form again with `status`, the
/// field messages and a message for the whole form.
type Rerender<'a> = Box<dyn FnOnce(StatusCode, &FieldErrors, Option<&str>) -> Response + 'a>;

/// No form to show again: the messages become a refusal page.
fn no_form(state: &AppState, caller: &Caller) -> Rerender<'static> {
    let (state, caller) = (state.clone(), caller.clone());
    Box::new(move |status, errors, message| {
        let text = message
            .map(str::to_owned)
            .or_else(|| errors.0.first().map(|(_, m)| m.clone()))
            .unwrap_or_else(|| CORRECT.to_owned());
        refusal(&state, &caller, status, &text)
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
fn account_error(
    state: &AppState,
    caller: &Caller,
    error: AccountError,
    rerender: Rerender<'_>,
) -> Response {
    let (status, message, errors) = match error {
        AccountError::Invalid(errors) => (StatusCode::UNPROCESSABLE_ENTITY, CORRECT.to_owned(), errors),
        AccountError::RateLimited { retry_after } => {
            let minutes = (retry_after + 59) / 60;
            let message = format!("Zu viele Versuche. Bitte warten Sie etwa {minutes} Minute(n) und versuchen Sie es dann erneut.");
            let mut response = if caller.wants_json {
                json_value(StatusCode::TOO_MANY_REQUESTS, json!({"ok": false, "meldung": message}))
            } else {
                rerender(StatusCode::TOO_MANY_REQUESTS, &FieldErrors::default(), Some(&message))
            };
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
                json_value(StatusCode::BAD_REQUEST, json!({"ok": false, "meldung": "Der Link ist ungültig, abgelaufen oder wurde bereits verwendet."}))
            } else {
                see_other("/api/hinweis/link-ungueltig")
            };
        }
        AccountError::NotFound => return refusal(state, caller, StatusCode::NOT_FOUND, "Nicht gefunden."),
        AccountError::Conflict => {
            return refusal(state, caller, StatusCode::CONFLICT, "Der Vorgang ist nicht mehr in dem Zustand, den diese Aktion voraussetzt.");
        }
        AccountError::Store(e) => {
            tracing::error!(error = %e, "store failed");
            return refusal(state, caller, StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE);
        }
        AccountError::Internal(e) => {
            tracing::error!(error = %e, "internal error");
            return refusal(state, caller, StatusCode::INTERNAL_SERVER_ERROR, UNAVAILABLE);
        }
    };
    if caller.wants_json {
        json_value(
            status,
            json!({"ok": false, "meldung": message, "fehler": errors_json(&errors)}),
        )
    } else {
        let form_message = if errors.is_empty() {
            Some(message.as_str())
        } else {
            None
        };
        rerender(status, &errors, form_message)
    }
}

// ---- request checks ----------------------------------------------------------------------

/// The portal's origin must have sent a state-changing request (see [`csrf`]).
pub(super) fn check_origin(state: &AppState, caller: &Caller) -> Result<(), Response> {
    let allowed = state.accounts.settings().allowed_origins();
    csrf::check_origin(caller.origin.as_deref(), caller.sec_fetch_site.as_deref(), &allowed).map_err(|e| {
        tracing::warn!(reason = %e, "request refused by the CSRF check");
        refusal(state, caller, StatusCode::FORBIDDEN, "Die Anfrage kam nicht von dieser Website und wurde deshalb abgelehnt. Bitte laden Sie die Seite neu.")
    })
}

/// Reads the body as form input.
pub(super) fn body_input(
    state: &AppState,
    caller: &Caller,
    body: &[u8],
) -> Result<FormInput, Response> {
    parse_body(caller.content_type.as_deref(), body)
        .map_err(|e| refusal(state, caller, e.status, e.message))
}

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

fn session_cookie(value: &str, max_age: i64) -> HeaderValue {
    let cookie = format!(
        "{SESSION_COOKIE}={value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={max_age}"
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

// ---- public routes -----------------------------------------------------------------------

pub async fn session_status(State(state): State<AppState>, caller: Caller) -> Response {
    match current_session(&state, &caller).await {
        Some(info) => json_value(
            StatusCode::OK,
            json!({
                "angemeldet": true,
                "name": info.user.name,
                "organisation": {"id": info.org.id, "name": info.org.name},
                "csrf": info.csrf_token,
            }),
        ),
        None => json_value(StatusCode::OK, json!({"angemeldet": false})),
    }
}

pub async fn altcha_challenge(State(state): State<AppState>) -> Response {
    json_value(StatusCode::OK, json!(state.accounts.altcha_challenge()))
}

pub async fn altcha_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/altcha.js"),
    )
        .into_response()
}

pub async fn openapi() -> Response {
    json_value(StatusCode::OK, super::openapi_document())
}

pub async fn not_found(State(state): State<AppState>, caller: Caller) -> Response {
    refusal(
        &state,
        &caller,
        StatusCode::NOT_FOUND,
        "Diese Adresse gibt es nicht.",
    )
}

// ---- forms -------------------------------------------------------------------------------

/// A form's fields as its template reads them, filled with what was entered.
fn form_view(
    fields: &[forms::Field],
    input: &FormInput,
    errors: &FieldErrors,
    message: Option<&str>,
) -> FormView {
    FormView::filled(
        fields,
        |name| input.get(name).to_owned(),
        &errors.0,
        message.unwrap_or(""),
    )
}

/// A form page of the theme (`template`), filled with what was entered and its messages.
fn form_page(
    state: &AppState,
    form: (&'static str, &str, &[forms::Field]),
    status: StatusCode,
    input: &FormInput,
    errors: &FieldErrors,
    message: Option<&str>,
) -> Response {
    let (template, title, fields) = form;
    let page = Page::new(template, title)
        .status(status)
        .with("form", &form_view(fields, input, errors, message))
        .with("csrf", &"");
    state.page(page, None)
}

const SIGN_IN_PAGE: (&str, &str, &[forms::Field]) =
    ("forms/signin.html", "Anmelden", forms::sign_in::FIELDS);
const FORGOT_PAGE: (&str, &str, &[forms::Field]) = (
    "forms/forgot.html",
    "Passwort vergessen",
    forms::forgot_password::FIELDS,
);
const SET_PASSWORD_PAGE: (&str, &str, &[forms::Field]) = (
    "forms/set-password.html",
    "Passwort festlegen",
    forms::set_password::FIELDS,
);

/// The arithmetic question of the human check, as the registration template reads it.
#[derive(Serialize)]
struct QuestionView<'a> {
    text: &'a str,
    token: &'a str,
    /// Shown as it is (the last attempt came without the proof of work), not only to
    /// browsers without JavaScript.
    show: bool,
}

// ---- registration ------------------------------------------------------------------------

fn registration_page(
    state: &AppState,
    status: StatusCode,
    input: &FormInput,
    errors: &FieldErrors,
    message: Option<&str>,
) -> Response {
    let question = state.accounts.fallback_question();
    let show = input.get(forms::registration::ALTCHA.name).is_empty() && !errors.is_empty();
    let page = Page::new("forms/register.html", "Organisation registrieren")
        .status(status)
        .with(
            "form",
            &form_view(forms::registration::FIELDS, input, errors, message),
        )
        .with(
            "check",
            &form_view(
                forms::registration::HUMAN_CHECK,
                &FormInput::default(),
                errors,
                None,
            ),
        )
        .with(
            "question",
            &QuestionView {
                text: &question.text,
                token: &question.token,
                show,
            },
        )
        .with("csrf", &"");
    state.page(page, None)
}

pub async fn registration_form(State(state): State<AppState>) -> Response {
    registration_page(
        &state,
        StatusCode::OK,
        &FormInput::default(),
        &FieldErrors::default(),
        None,
    )
}

pub async fn register(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    if let Err(response) = check_origin(&state, &caller) {
        return response;
    }
    let input = match body_input(&state, &caller, &body) {
        Ok(input) => input,
        Err(response) => return response,
    };
    match state.accounts.register(&input, &caller.client).await {
        Ok(()) => {
            state.outbox.mail_queued().await;
            success(&caller, "/api/hinweis/registrierung-eingegangen")
        }
        Err(e) => account_error(
            &state,
            &caller,
            e,
            Box::new(|status, errors, message| {
                registration_page(&state, status, &input, errors, message)
            }),
        ),
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

pub async fn confirm_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<TokenQuery>,
) -> Response {
    let token = query.token;
    if let Err(e) = state.accounts.check_confirm_link(&token).await {
        return account_error(&state, &caller, e, no_form(&state, &caller));
    }
    let input = FormInput::from_pairs([(forms::confirm::TOKEN.name, token.as_str())]);
    let page = Page::new("forms/confirm.html", "E-Mail-Adresse bestätigen")
        .with(
            "form",
            &form_view(
                forms::confirm::FIELDS,
                &input,
                &FieldErrors::default(),
                None,
            ),
        )
        .with("csrf", &"");
    state.page(page, None)
}

pub async fn confirm(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    if let Err(response) = check_origin(&state, &caller) {
        return response;
    }
    let input = match body_input(&state, &caller, &body) {
        Ok(input) => input,
        Err(response) => return response,
    };
    match state
        .accounts
        .confirm(input.get(forms::confirm::TOKEN.name))
        .await
    {
        Ok(()) => {
            state.outbox.mail_queued().await;
            success(&caller, "/api/hinweis/email-bestaetigt")
        }
        Err(e) => account_error(&state, &caller, e, no_form(&state, &caller)),
    }
}

// ---- sign-in and sign-out ----------------------------------------------------------------

pub async fn sign_in_form(State(state): State<AppState>) -> Response {
    form_page(
        &state,
        SIGN_IN_PAGE,
        StatusCode::OK,
        &FormInput::default(),
        &FieldErrors::default(),
        None,
    )
}

pub async fn sign_in(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    if let Err(response) = check_origin(&state, &caller) {
        return response;
    }
    let input = match body_input(&state, &caller, &body) {
        Ok(input) => input,
        Err(response) => return response,
    };
    match state
        .accounts
        .sign_in(&input, &caller.client, caller.session_cookie.as_deref())
        .await
    {
        Ok(signed_in) => {
            let settings = state.accounts.settings();
            let cookie = session_cookie(&signed_in.session_id, settings.session_absolute_secs);
            let response = if caller.wants_json {
                json_value(
                    StatusCode::OK,
                    json!({"ok": true, "weiter": settings.after_sign_in, "csrf": signed_in.info.csrf_token}),
                )
            } else {
                see_other(&settings.after_sign_in)
            };
            with_cookie(response, cookie)
        }
        Err(e) => {
            let email = forms::sign_in::EMAIL.name;
            let keep = FormInput::from_pairs([(email, input.get(email))]);
            account_error(
                &state,
                &caller,
                e,
                Box::new(|status, errors, message| {
                    form_page(&state, SIGN_IN_PAGE, status, &keep, errors, message)
                }),
            )
        }
    }
}

pub async fn sign_out_page(State(state): State<AppState>, caller: Caller) -> Response {
    let Some(info) = current_session(&state, &caller).await else {
        return state.page(
            pages::notice(
                "Abmelden",
                "Sie sind nicht angemeldet.",
                &[("/anmelden/", "Anmelden"), ("/", "Zur Startseite")],
            ),
            None,
        );
    };
    let page = Page::new("forms/sign-out.html", "Abmelden").with("csrf", &info.csrf_token);
    state.page(page, Some(&info.user.name))
}

pub async fn sign_out(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    if let Err(response) = check_origin(&state, &caller) {
        return response;
    }
    // The token may come as a header (scripts) with an empty body, or as a form field.
    let input = if body.is_empty() {
        FormInput::default()
    } else {
        match body_input(&state, &caller, &body) {
            Ok(input) => input,
            Err(response) => return response,
        }
    };
    let clear = session_cookie("", 0);
    let Some(info) = current_session(&state, &caller).await else {
        return with_cookie(success(&caller, "/api/hinweis/abgemeldet"), clear);
    };
    let token = caller
        .csrf_header
        .as_deref()
        .unwrap_or_else(|| input.get(forms::CSRF.name));
    if !csrf::verify_session_token(state.accounts.secret(), &info.id_hash, token) {
        tracing::warn!("sign-out refused: missing or wrong CSRF token");
        return refusal(
            &state,
            &caller,
            StatusCode::FORBIDDEN,
            "Die Anfrage enthielt kein gültiges Sicherheitstoken. Bitte laden Sie die Seite neu.",
        );
    }
    match state.accounts.sign_out(&info).await {
        Ok(()) => with_cookie(success(&caller, "/api/hinweis/abgemeldet"), clear),
        Err(e) => account_error(&state, &caller, e, no_form(&state, &caller)),
    }
}

// ---- passwords ---------------------------------------------------------------------------

pub async fn forgot_form(State(state): State<AppState>) -> Response {
    form_page(
        &state,
        FORGOT_PAGE,
        StatusCode::OK,
        &FormInput::default(),
        &FieldErrors::default(),
        None,
    )
}

pub async fn forgot(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    if let Err(response) = check_origin(&state, &caller) {
        return response;
    }
    let input = match body_input(&state, &caller, &body) {
        Ok(input) => input,
        Err(response) => return response,
    };
    match state.accounts.request_reset(&input, &caller.client).await {
        Ok(()) => {
            state.outbox.mail_queued().await;
            success(&caller, "/api/hinweis/passwort-link-gesendet")
        }
        Err(e) => account_error(
            &state,
            &caller,
            e,
            Box::new(|status, errors, message| {
                form_page(&state, FORGOT_PAGE, status, &input, errors, message)
            }),
        ),
    }
}

fn set_password_page(
    state: &AppState,
    status: StatusCode,
    token: &str,
    errors: &FieldErrors,
    message: Option<&str>,
) -> Response {
    let input = FormInput::from_pairs([(forms::set_password::TOKEN.name, token)]);
    form_page(state, SET_PASSWORD_PAGE, status, &input, errors, message)
}

pub async fn set_password_form(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<TokenQuery>,
) -> Response {
    let token = query.token;
    match state.accounts.check_password_link(&token).await {
        Ok(()) => set_password_page(
            &state,
            StatusCode::OK,
            &token,
            &FieldErrors::default(),
            None,
        ),
        Err(e) => account_error(&state, &caller, e, no_form(&state, &caller)),
    }
}

pub async fn set_password(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    if let Err(response) = check_origin(&state, &caller) {
        return response;
    }
    let input = match body_input(&state, &caller, &body) {
        Ok(input) => input,
        Err(response) => return response,
    };
    match state.accounts.set_password(&input).await {
        Ok(()) => success(&caller, "/api/hinweis/passwort-gesetzt"),
        Err(e) => {
            let token = input.get(forms::set_password::TOKEN.name);
            account_error(
                &state,
                &caller,
                e,
                Box::new(|status, errors, message| {
                    set_password_page(&state, status, token, errors, message)
                }),
            )
        }
    }
}

// ---- account -----------------------------------------------------------------------------

fn org_json(org: &crate::domain::model::Organisation) -> Value {
    json!({
        "id": org.id,
        "name": org.name,
        "rechtsform": org.legal_form,
        "strasse": org.street,
        "plz": org.postcode,
        "ort": org.city,
        "inhousefaehig": org.in_house_capable,
        "ebene": org.level.map(|l| l.as_str()),
        "status": org.status.as_str(),
        "status_text": org.status.label(),
    })
}

#[derive(Serialize)]
struct PersonView<'a> {
    name: &'a str,
    email: &'a str,
    phone: &'a str,
}

#[derive(Serialize)]
struct OrganisationView<'a> {
    name: &'a str,
    legal_form: &'a str,
    street: &'a str,
    postcode: &'a str,
    city: &'a str,
    in_house_capable: bool,
    status: &'a str,
}

pub async fn account(State(state): State<AppState>, caller: Caller) -> Response {
    let Some(info) = current_session(&state, &caller).await else {
        return if caller.wants_json {
            json_value(
                StatusCode::UNAUTHORIZED,
                json!({"ok": false, "meldung": "Bitte melden Sie sich an."}),
            )
        } else {
            see_other("/api/anmeldung")
        };
    };
    if caller.wants_json {
        return json_value(
            StatusCode::OK,
            json!({"person": {"name": info.user.name, "email": info.user.email, "telefon": info.user.phone}, "organisation": org_json(&info.org)}),
        );
    }
    let org = &info.org;
    let page = Page::new("konto/index.html", "Ihr Konto")
        .with(
            "person",
            &PersonView {
                name: &info.user.name,
                email: &info.user.email,
                phone: &info.user.phone,
            },
        )
        .with(
            "org",
            &OrganisationView {
                name: &org.name,
                legal_form: &org.legal_form,
                street: &org.street,
                postcode: &org.postcode,
                city: &org.city,
                in_house_capable: org.in_house_capable,
                status: org.status.label(),
            },
        );
    state.page(page, Some(&info.user.name))
}

pub async fn organisation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let Some(info) = current_session(&state, &caller).await else {
        return refusal(
            &state,
            &caller,
            StatusCode::UNAUTHORIZED,
            "Bitte melden Sie sich an.",
        );
    };
    match state.accounts.organisation_for(&info, &id) {
        Ok(org) => json_value(StatusCode::OK, org_json(org)),
        Err(e) => account_error(&state, &caller, e, no_form(&state, &caller)),
    }
}

pub async fn notice(
    State(state): State<AppState>,
    Path(name): Path<String>,
    caller: Caller,
) -> Response {
    let (title, text, links): (&str, &str, &[(&str, &str)]) = match name.as_str() {
        "registrierung-eingegangen" => (
            "Vielen Dank für Ihre Registrierung",
            "Wir haben Ihnen eine E-Mail geschickt. Bitte bestätigen Sie Ihre E-Mail-Adresse innerhalb von 24 Stunden über den Link darin. Danach prüft das Betreiberteam Ihre Registrierung.",
            &[("/", "Zur Startseite")],
        ),
        "email-bestaetigt" => (
            "E-Mail-Adresse bestätigt",
            "Vielen Dank. Das Betreiberteam prüft jetzt Ihre Registrierung. Nach der Freigabe erhalten Sie eine E-Mail, mit der Sie Ihr Passwort festlegen.",
            &[("/", "Zur Startseite")],
        ),
        "link-ungueltig" => (
            "Link ungültig oder abgelaufen",
            "Dieser Link ist ungültig, abgelaufen oder wurde bereits verwendet. Fordern Sie bei Bedarf einen neuen Link an.",
            &[
                (
                    "/api/passwort-vergessen",
                    "Neuen Link zum Festlegen des Passworts anfordern",
                ),
                ("/api/registrierung", "Organisation registrieren"),
            ],
        ),
        "passwort-link-gesendet" => (
            "E-Mail unterwegs",
            "Wenn die Adresse zu einem freigegebenen Konto gehört, haben wir Ihnen einen Link geschickt. Er ist eine Stunde gültig.",
            &[("/api/anmeldung", "Zur Anmeldung")],
        ),
        "passwort-gesetzt" => (
            "Passwort gespeichert",
            "Ihr Passwort ist gespeichert. Sie können sich jetzt anmelden.",
            &[("/api/anmeldung", "Anmelden")],
        ),
        "bedarf-gemeldet" => (
            "Vielen Dank für Ihre Meldung",
            "Ihr Bedarf ist beim Betreiberteam eingegangen. Es meldet sich auf dem gewünschten Weg bei Ihnen, sobald es passende Angebote oder Rückfragen gibt.",
            &[
                ("/cloud-services/", "Zum Katalog"),
                ("/api/konto", "Zu Ihrem Konto"),
            ],
        ),
        "abgemeldet" => (
            "Sie sind abgemeldet",
            "Auf Wiedersehen.",
            &[
                ("/", "Zur Startseite"),
                ("/api/anmeldung", "Wieder anmelden"),
            ],
        ),
        _ => return not_found(State(state), caller).await,
    };
    let session = current_session(&state, &caller).await;
    state.page(
        pages::notice(title, text, links),
        session.as_ref().map(|s| s.user.name.as_str()),
    )
}

// ---- operator ----------------------------------------------------------------------------

pub(super) fn operator_only(state: &AppState, caller: &Caller) -> Result<(), Response> {
    let presented = caller
        .authorization
        .as_deref()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(sha256_hex);
    match (&state.operator_token_hash, presented) {
        (Some(expected), Some(presented))
            if constant_time_eq(expected.as_bytes(), presented.as_bytes()) =>
        {
            Ok(())
        }
        _ => Err(json_value(
            StatusCode::UNAUTHORIZED,
            json!({"ok": false, "meldung": "Betreiber-Token fehlt oder ist falsch."}),
        )),
    }
}

pub async fn pending_registrations(State(state): State<AppState>, caller: Caller) -> Response {
    if let Err(response) = operator_only(&state, &caller) {
        return response;
    }
    match state.accounts.pending_registrations().await {
        Ok(orgs) => {
            let mut list = Vec::with_capacity(orgs.len());
            for org in &orgs {
                let admin = state
                    .accounts
                    .store()
                    .get_user(&org.admin_user_id)
                    .await
                    .ok()
                    .flatten();
                let mut value = org_json(org);
                if let (Some(object), Some(admin)) = (value.as_object_mut(), admin) {
                    object.insert(
                        "administrator".into(),
                        json!({"name": admin.name, "email": admin.email, "telefon": admin.phone}),
                    );
                    object.insert("registriert".into(), json!(org.created_at));
                }
                list.push(value);
            }
            json_value(StatusCode::OK, json!({"registrierungen": list}))
        }
        Err(e) => {
            let caller = caller.clone_json();
            account_error(&state, &caller, e, no_form(&state, &caller))
        }
    }
}

async fn decide(state: AppState, caller: Caller, id: String, decision: Decision) -> Response {
    let caller = caller.clone_json();
    match state.accounts.decide(&id, decision).await {
        Ok(org) => {
            state.outbox.mail_queued().await;
            json_value(
                StatusCode::OK,
                json!({"ok": true, "organisation": org_json(&org)}),
            )
        }
        Err(e) => account_error(&state, &caller, e, no_form(&state, &caller)),
    }
}

pub async fn approve_registration(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    if let Err(response) = operator_only(&state, &caller) {
        return response;
    }
    decide(state, caller, id, Decision::Approve).await
}

pub async fn reject_registration(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(response) = operator_only(&state, &caller) {
        return response;
    }
    let input = match body_input(&state, &caller.clone_json(), &body) {
        Ok(input) => input,
        Err(response) => return response,
    };
    let reason = input
        .get(forms::reject_registration::REASON.name)
        .to_owned();
    decide(state, caller, id, Decision::Reject { reason }).await
}

impl Caller {
    /// Operator routes always answer in JSON.
    pub(super) fn clone_json(&self) -> Caller {
        Caller {
            wants_json: true,
            ..self.clone()
        }
    }
}
