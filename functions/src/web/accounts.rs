//! Handlers of registration, e-mail confirmation, sign-in and sign-out, passwords and the
//! account page.

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use catalog::forms::{self, FormView};

use super::form::PostedForm;
use super::inputs;
use super::refusal::Refusal;
use super::request::Caller;
use super::return_to;
use crate::domain::accounts::SignInStep;
use crate::domain::csrf;
use crate::domain::model::Right;
use crate::domain::validation::{FieldErrors, FormInput};
use crate::pages::{self, Page};
use crate::state::AppState;

use super::responses::*;

// ---- forms -------------------------------------------------------------------------------

/// A form's fields as its template reads them, filled with what was entered.
pub(super) fn form_view(
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
pub(super) fn form_page(
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

pub(super) const SIGN_IN_PAGE: (&str, &str, &[forms::Field]) =
    ("forms/signin.html", "Anmelden", forms::sign_in::FIELDS);
pub(super) const FORGOT_PAGE: (&str, &str, &[forms::Field]) = (
    "forms/forgot.html",
    "Passwort vergessen",
    forms::forgot_password::FIELDS,
);
pub(super) const SET_PASSWORD_PAGE: (&str, &str, &[forms::Field]) = (
    "forms/set-password.html",
    "Passwort festlegen",
    forms::set_password::FIELDS,
);

/// The arithmetic question of the human check, as the registration template reads it.
#[derive(Serialize)]
pub(super) struct QuestionView<'a> {
    text: &'a str,
    token: &'a str,
    /// Shown as it is (the last attempt came without the proof of work), not only to
    /// browsers without JavaScript.
    show: bool,
}

impl<'a> QuestionView<'a> {
    pub(super) fn new(text: &'a str, token: &'a str, show: bool) -> Self {
        Self { text, token, show }
    }
}

// ---- registration ------------------------------------------------------------------------

pub(super) fn registration_page(
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

pub async fn register(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Response {
    match state
        .accounts
        .register(&inputs::registration_input(&input), &caller.client)
        .await
    {
        Ok(()) => {
            state.outbox.mail_queued().await;
            success(&caller, "/api/hinweis/registrierung-eingegangen")
        }
        Err(e) => account_error(
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
        return account_error(&caller, e, no_form(&caller));
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

pub async fn confirm(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Response {
    match state
        .accounts
        .confirm(input.get(forms::confirm::TOKEN.name))
        .await
    {
        Ok(()) => {
            state.outbox.mail_queued().await;
            success(&caller, "/api/hinweis/email-bestaetigt")
        }
        Err(e) => account_error(&caller, e, no_form(&caller)),
    }
}

// ---- sign-in and sign-out ----------------------------------------------------------------

/// The sign-in form; `?weiter=` (a local path) travels on in its hidden field.
pub async fn sign_in_form(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let return_to = return_to::from_query(query.as_deref().unwrap_or_default());
    let input = FormInput::from_pairs([(
        forms::sign_in::RETURN_TO.name,
        return_to.as_deref().unwrap_or_default(),
    )]);
    form_page(
        &state,
        SIGN_IN_PAGE,
        StatusCode::OK,
        &input,
        &FieldErrors::default(),
        None,
    )
}

pub async fn sign_in(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Response {
    let return_to = return_to::requested(&caller, &input);
    match state
        .accounts
        .sign_in(
            &inputs::sign_in_input(&input),
            &caller.client,
            caller.session_cookie.as_deref(),
        )
        .await
    {
        Ok(SignInStep::Done(signed_in)) => {
            let settings = state.accounts.settings();
            let cookie = session_cookie(&signed_in.session_id, settings.session_absolute_secs);
            // An operator without a second factor sets it up before anything else.
            let info = &signed_in.info;
            let next = if info.org.kind.is_operator() && info.user.second_factor.is_none() {
                super::operator_gate::SETUP_PAGE
            } else {
                return_to
                    .as_deref()
                    .unwrap_or(settings.after_sign_in.as_str())
            };
            let response = if caller.wants_json {
                json_value(
                    StatusCode::OK,
                    json!({"ok": true, "weiter": next, "csrf": signed_in.info.csrf_token}),
                )
            } else {
                see_other(next)
            };
            with_cookie(response, cookie)
        }
        Ok(SignInStep::SecondFactor { pending }) => {
            super::second_factor::ask_for_code(&caller, &pending, return_to.as_deref())
        }
        Err(e) => {
            let email = forms::sign_in::EMAIL.name;
            let keep = FormInput::from_pairs([
                (email, input.get(email)),
                (
                    forms::sign_in::RETURN_TO.name,
                    return_to.as_deref().unwrap_or_default(),
                ),
            ]);
            account_error(
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

/// The CSRF token may come as a header (scripts) with an empty body, or as a form field.
pub async fn sign_out(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let clear = session_cookie("", 0);
    let Some(info) = current_session(&state, &caller).await else {
        return Ok(with_cookie(
            success(&caller, "/api/hinweis/abgemeldet"),
            clear,
        ));
    };
    let token = caller
        .csrf_header
        .as_deref()
        .unwrap_or_else(|| input.get(forms::CSRF.name));
    if !csrf::verify_session_token(state.accounts.secret(), &info.id_hash, token) {
        tracing::warn!("sign-out refused: missing or wrong CSRF token");
        return Err(refusal(
            &caller,
            StatusCode::FORBIDDEN,
            "Die Anfrage enthielt kein gültiges Sicherheitstoken. Bitte laden Sie die Seite neu.",
        ));
    }
    Ok(match state.accounts.sign_out(&info).await {
        Ok(()) => with_cookie(success(&caller, "/api/hinweis/abgemeldet"), clear),
        Err(e) => account_error(&caller, e, no_form(&caller)),
    })
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

pub async fn forgot(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Response {
    match state
        .accounts
        .request_reset(inputs::reset_email(&input), &caller.client)
        .await
    {
        Ok(()) => {
            state.outbox.mail_queued().await;
            success(&caller, "/api/hinweis/passwort-link-gesendet")
        }
        Err(e) => account_error(
            &caller,
            e,
            Box::new(|status, errors, message| {
                form_page(&state, FORGOT_PAGE, status, &input, errors, message)
            }),
        ),
    }
}

pub(super) fn set_password_page(
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
        Err(e) => account_error(&caller, e, no_form(&caller)),
    }
}

pub async fn set_password(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Response {
    match state
        .accounts
        .set_password(&inputs::set_password_input(&input))
        .await
    {
        Ok(()) => success(&caller, "/api/hinweis/passwort-gesetzt"),
        Err(e) => {
            let token = input.get(forms::set_password::TOKEN.name);
            account_error(
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

pub(super) fn org_json(org: &crate::domain::model::Organisation) -> Value {
    json!({
        "id": org.id,
        "name": org.name,
        "rechtsform": org.legal_form,
        "strasse": org.street,
        "plz": org.postcode,
        "ort": org.city,
        "inhousefaehig": org.in_house_capable,
        "leitweg_id": org.leitweg_id,
        "zentrale_telefon": org.central_phone,
        "ebene": org.level.map(|l| l.as_str()),
        "status": org.status.as_str(),
        "status_text": org.status.label(),
    })
}

#[derive(Serialize)]
pub(super) struct PersonView<'a> {
    name: &'a str,
    email: &'a str,
    phone: &'a str,
    /// Hauptadministration, Organisationsadmin or Mitarbeiter/in.
    role: &'static str,
    /// The named role, if the person holds one.
    role_name: Option<&'a str>,
    /// The rights' labels.
    rights: Vec<&'static str>,
    /// May manage the organisation's people ("Mitarbeitende").
    administers: bool,
    /// May manage the organisation's addresses ("Adressen").
    manages_addresses: bool,
    /// May edit the Ergänzende Angaben zur Organisation.
    edits_organisation: bool,
    /// The Hauptadmin or an Organisationsadmin: defines roles.
    defines_roles: bool,
}

#[derive(Serialize)]
pub(super) struct OrganisationView<'a> {
    name: &'a str,
    legal_form: &'a str,
    street: &'a str,
    postcode: &'a str,
    city: &'a str,
    in_house_capable: bool,
    leitweg_id: &'a str,
    central_phone: &'a str,
    status: &'a str,
}

pub async fn account(State(state): State<AppState>, caller: Caller) -> Response {
    let Some(info) = current_session(&state, &caller).await else {
        return if caller.wants_json {
            Refusal::json(StatusCode::UNAUTHORIZED, "Bitte melden Sie sich an.").into_response()
        } else {
            see_other("/api/anmeldung")
        };
    };
    let standing = crate::domain::model::Standing::of(&info.org, &info.user);
    let rights = info.rights();
    if caller.wants_json {
        let granted: Vec<&str> = rights.list().into_iter().map(Right::as_str).collect();
        return json_value(
            StatusCode::OK,
            json!({"person": {"name": info.user.name, "email": info.user.email, "telefon": info.user.phone, "rolle": standing, "benannte_rolle": info.role.as_ref().map(|r| r.name.as_str()), "rechte": granted}, "organisation": org_json(&info.org)}),
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
                role: standing.label(),
                role_name: info.role.as_ref().map(|r| r.name.as_str()),
                rights: rights.list().into_iter().map(Right::label).collect(),
                administers: rights.has(Right::ManageMembers),
                edits_organisation: rights.has(Right::EditOrganisation),
                defines_roles: rights.administrator(),
                manages_addresses: rights.has(Right::ManageAddresses),
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
                leitweg_id: &org.leitweg_id,
                central_phone: &org.central_phone,
                status: org.status.label(),
            },
        )
        // Provider and intermediary organisations have "Eingegangene Bestellungen".
        .with(
            "party",
            &org.kind
                .party_key()
                .filter(|_| !org.kind.is_operator() && rights.has(Right::SeeAllOrders))
                .map(|_| org.kind.label()),
        )
        // Customers express interest in offerings ("Ihre Interessenbekundungen").
        .with(
            "customer",
            &matches!(org.kind, crate::domain::model::OrgKind::Customer),
        );
    state.page(page, Some(&info.user.name))
}

pub async fn organisation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Refusal> {
    let Some(info) = current_session(&state, &caller).await else {
        return Err(refusal(
            &caller,
            StatusCode::UNAUTHORIZED,
            "Bitte melden Sie sich an.",
        ));
    };
    Ok(match state.accounts.organisation_for(&info, &id) {
        Ok(org) => json_value(StatusCode::OK, org_json(org)),
        Err(e) => account_error(&caller, e, no_form(&caller)),
    })
}
