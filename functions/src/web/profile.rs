//! Handlers of "Profil und Angaben" (`konto/profile.html`): a person's own name, phone and
//! password, and the administrators' "Ergänzende Angaben zur Organisation". Every change
//! needs the session's CSRF token (the page that posts here is the function's own).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use catalog::forms::{self, FormView, change_password, organisation_details, profile};

use super::accounts::org_json;
use super::form::PostedForm;
use super::members::{require_token, signed_in};
use super::refusal::Refusal;
use super::request::Caller;
use super::responses::{
    account_error, json_value, no_form, see_other, session_cookie, success, with_cookie,
};
use crate::domain::accounts::{AccountError, SessionInfo};
use crate::domain::model::Right;
use crate::domain::validation::FormInput;
use crate::pages::Page;
use crate::state::AppState;

const PAGE: &str = "/api/konto/profil";

/// Which of the page's three forms came back with messages.
enum Which {
    Profile,
    Password,
    Details,
}

fn current_profile(info: &SessionInfo) -> FormView {
    FormView::filled(
        profile::FIELDS,
        |name| match name {
            "name" => info.user.name.clone(),
            "telefon" => info.user.phone.clone(),
            _ => String::new(),
        },
        &[],
        "",
    )
}

fn current_details(info: &SessionInfo) -> FormView {
    FormView::filled(
        organisation_details::FIELDS,
        |name| match name {
            "inhouse" => if info.org.in_house_capable { "ja" } else { "" }.to_owned(),
            "leitweg_id" => info.org.leitweg_id.clone(),
            "zentrale_telefon" => info.org.central_phone.clone(),
            _ => String::new(),
        },
        &[],
        "",
    )
}

fn done_message(key: &str) -> &'static str {
    match key {
        "profil" => "Ihr Profil wurde gespeichert.",
        "passwort" => {
            "Ihr Passwort wurde geändert. Alle anderen Sitzungen Ihres Kontos sind beendet."
        }
        "organisation" => "Die ergänzenden Angaben zur Organisation wurden gespeichert.",
        _ => "",
    }
}

fn profile_page(
    state: &AppState,
    info: &SessionInfo,
    status: StatusCode,
    shown: Option<(Which, FormView)>,
    notice: &str,
) -> Response {
    let mut profile_form = current_profile(info);
    let mut password_form = FormView::empty(change_password::FIELDS);
    let mut details_form = current_details(info);
    match shown {
        Some((Which::Profile, form)) => profile_form = form,
        Some((Which::Password, form)) => password_form = form,
        Some((Which::Details, form)) => details_form = form,
        None => {}
    }
    let title = if status.is_success() {
        "Profil und Angaben"
    } else {
        "Fehler: Profil und Angaben"
    };
    let page = Page::new("konto/profile.html", title)
        .status(status)
        .with("profile", &profile_form)
        .with("password", &password_form)
        .with("details", &details_form)
        .with("email", &info.user.email)
        .with("administers", &info.rights().has(Right::EditOrganisation))
        .with("second_factor", &info.user.second_factor.is_some())
        .with("org_name", &info.org.name)
        .with("org_legal_form", &info.org.legal_form)
        .with("notice", &notice)
        .with("csrf", &info.csrf_token);
    state.page(page, Some(&info.user.name))
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    hinweis: String,
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<PageQuery>,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    if caller.wants_json {
        return Ok(json_value(
            StatusCode::OK,
            json!({
                "person": {"name": info.user.name, "email": info.user.email, "telefon": info.user.phone},
                "organisation": org_json(&info.org),
            }),
        ));
    }
    Ok(profile_page(
        &state,
        &info,
        StatusCode::OK,
        None,
        done_message(&query.hinweis),
    ))
}

/// The answer to a refused change: the page with that form's messages, or JSON.
fn refused(
    state: &AppState,
    caller: &Caller,
    info: &SessionInfo,
    which: Which,
    fields: &[forms::Field],
    input: &FormInput,
    error: AccountError,
) -> Response {
    match super::inputs::named(error) {
        AccountError::Invalid(errors) if !caller.wants_json => {
            let form = super::accounts::form_view(fields, input, &errors, None);
            profile_page(
                state,
                info,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((which, form)),
                "",
            )
        }
        other => account_error(caller, other, no_form(caller)),
    }
}

pub async fn update_profile(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    Ok(
        match state
            .accounts
            .update_profile(&info, &super::inputs::profile_input(&input))
            .await
        {
            Ok(_) => success(&caller, &format!("{PAGE}?hinweis=profil")),
            Err(e) => refused(
                &state,
                &caller,
                &info,
                Which::Profile,
                profile::FIELDS,
                &input,
                e,
            ),
        },
    )
}

pub async fn change_password(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    Ok(
        match state
            .accounts
            .change_password(
                &info,
                &super::inputs::change_password_input(&input),
                &caller.client,
            )
            .await
        {
            Ok(signed_in) => {
                let settings = state.accounts.settings();
                let cookie = session_cookie(&signed_in.session_id, settings.session_absolute_secs);
                let location = format!("{PAGE}?hinweis=passwort");
                let response = if caller.wants_json {
                    json_value(
                        StatusCode::OK,
                        json!({"ok": true, "weiter": location, "csrf": signed_in.info.csrf_token}),
                    )
                } else {
                    see_other(&location)
                };
                with_cookie(response, cookie)
            }
            Err(e) => refused(
                &state,
                &caller,
                &info,
                Which::Password,
                change_password::FIELDS,
                &input,
                e,
            ),
        },
    )
}

pub async fn update_organisation(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    Ok(
        match state
            .accounts
            .update_organisation_details(&info, &super::inputs::organisation_details_input(&input))
            .await
        {
            Ok(_) => success(&caller, &format!("{PAGE}?hinweis=organisation")),
            Err(e) => refused(
                &state,
                &caller,
                &info,
                Which::Details,
                organisation_details::FIELDS,
                &input,
                e,
            ),
        },
    )
}
