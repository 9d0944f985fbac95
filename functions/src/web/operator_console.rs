//! The operator console in the browser (for signed-in people of the operator's
//! organisation): registrations waiting for review, with approve, or reject with a reason.
//! The same domain calls as the bearer-token routes and the admin commands; forms with the
//! session's CSRF token and the origin check.

use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use catalog::forms::FormView;
use catalog::forms::reject_registration as form;

use super::accounts::org_json;
use super::inputs;
use super::members::{require_token, signed_in};
use super::refusal::Refusal;
use super::request::Caller;
use super::responses::{account_error, json_value, no_form, see_other};
use crate::domain::accounts::{AccountError, SessionInfo};
use crate::domain::clock::german_day;
use crate::domain::csrf;
use crate::domain::model::{Decision, OrgStatus, Organisation, User};
use crate::domain::validation::FormInput;
use crate::pages::Page;
use crate::state::AppState;

const LIST: &str = "/api/betrieb/registrierungen";

/// A signed-in person of the operator's organisation (with the second factor on: see
/// `operator_gate`); anyone else signed in gets a 403.
pub(super) async fn operator_session(
    state: &AppState,
    caller: &Caller,
) -> Result<SessionInfo, Refusal> {
    let info = signed_in(state, caller).await?;
    if info.org.kind.is_operator() {
        Ok(info)
    } else {
        Err(Refusal::new(
            caller,
            StatusCode::FORBIDDEN,
            "Diese Seite ist dem Betriebsteam des Portals vorbehalten.",
        ))
    }
}

/// A change from the console: the portal's origin and the session's CSRF token.
fn check_form(
    state: &AppState,
    caller: &Caller,
    info: &SessionInfo,
    input: &FormInput,
) -> Result<(), Refusal> {
    let allowed = state.accounts.settings().allowed_origins();
    csrf::check_origin(
        caller.origin.as_deref(),
        caller.sec_fetch_site.as_deref(),
        &allowed,
    )
    .map_err(|e| {
        tracing::warn!(reason = %e, "operator console form refused by the CSRF check");
        Refusal::new(
            caller,
            StatusCode::FORBIDDEN,
            "Die Anfrage kam nicht von dieser Website und wurde deshalb abgelehnt. Bitte laden Sie die Seite neu.",
        )
    })?;
    require_token(state, caller, info, input)
}

#[derive(Serialize)]
struct RegistrationView<'a> {
    id: &'a str,
    name: &'a str,
    legal_form: &'a str,
    street: &'a str,
    postcode: &'a str,
    city: &'a str,
    level: &'a str,
    in_house_capable: bool,
    leitweg_id: &'a str,
    central_phone: &'a str,
    status: &'static str,
    email_confirmed: bool,
    registered: String,
    admin_name: &'a str,
    admin_email: &'a str,
    admin_phone: &'a str,
}

fn view<'a>(org: &'a Organisation, admin: Option<&'a User>) -> RegistrationView<'a> {
    RegistrationView {
        id: &org.id,
        name: &org.name,
        legal_form: &org.legal_form,
        street: &org.street,
        postcode: &org.postcode,
        city: &org.city,
        level: org.level.map_or("", |l| l.as_str()),
        in_house_capable: org.in_house_capable,
        leitweg_id: &org.leitweg_id,
        central_phone: &org.central_phone,
        status: org.status.label(),
        email_confirmed: org.status != OrgStatus::AwaitingConfirmation,
        registered: german_day(org.created_at),
        admin_name: admin.map_or("", |a| a.name.as_str()),
        admin_email: admin.map_or("", |a| a.email.as_str()),
        admin_phone: admin.map_or("", |a| a.phone.as_str()),
    }
}

async fn admin_of(state: &AppState, org: &Organisation) -> Option<User> {
    state
        .accounts
        .store()
        .get_user(&org.admin_user_id)
        .await
        .ok()
        .flatten()
}

#[derive(Debug, serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    hinweis: String,
}

/// "Registrierungen prüfen": the registrations waiting, oldest first.
pub async fn registrations_page(
    state: AppState,
    caller: Caller,
    query: ListQuery,
) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    let mut orgs = match state.accounts.pending_registrations().await {
        Ok(orgs) => orgs,
        Err(e) => return Ok(account_error(&caller, e, no_form(&caller))),
    };
    orgs.sort_by_key(|o| o.created_at);
    let mut admins = Vec::with_capacity(orgs.len());
    for org in &orgs {
        admins.push(admin_of(&state, org).await);
    }
    if caller.wants_json {
        let list: Vec<_> = orgs.iter().map(org_json).collect();
        return Ok(json_value(
            StatusCode::OK,
            serde_json::json!({"registrierungen": list}),
        ));
    }
    let rows: Vec<_> = orgs
        .iter()
        .zip(&admins)
        .map(|(org, admin)| view(org, admin.as_ref()))
        .collect();
    let notice = match query.hinweis.as_str() {
        "freigegeben" => {
            "Die Registrierung ist freigegeben; die Hauptadministration erhält eine Einladung zum Festlegen des Passworts."
        }
        "abgelehnt" => {
            "Die Registrierung ist abgelehnt; die Organisation erhält die Begründung per E-Mail."
        }
        "entschieden" => "Über diese Registrierung wurde bereits entschieden.",
        _ => "",
    };
    let page = Page::new("betrieb/registrations.html", "Registrierungen prüfen")
        .with("registrations", &rows)
        .with("notice", &notice);
    Ok(state.page(page, Some(&info.user.name)))
}

fn detail_page(
    state: &AppState,
    info: &SessionInfo,
    org: &Organisation,
    admin: Option<&User>,
    status: StatusCode,
    form: &FormView,
) -> Response {
    let title = if status.is_success() {
        format!("Registrierung prüfen: {}", org.name)
    } else {
        format!("Fehler: Registrierung prüfen: {}", org.name)
    };
    let page = Page::new("betrieb/registration.html", &title)
        .status(status)
        .with("r", &view(org, admin))
        .with("form", form)
        .with("csrf", &info.csrf_token);
    state.page(page, Some(&info.user.name))
}

fn empty_form() -> FormView {
    FormView::empty(form::FIELDS)
}

/// One registration with its data and the two decisions.
pub async fn registration(
    state: AppState,
    caller: Caller,
    id: String,
) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    let org = match state.accounts.store().get_org(&id).await {
        Ok(Some(org)) if org.status == OrgStatus::AwaitingReview => org,
        Ok(Some(_)) => return Ok(see_other(&format!("{LIST}?hinweis=entschieden"))),
        Ok(None) => {
            return Err(Refusal::new(
                &caller,
                StatusCode::NOT_FOUND,
                "Diese Registrierung gibt es nicht.",
            ));
        }
        Err(e) => return Ok(account_error(&caller, e.into(), no_form(&caller))),
    };
    let admin = admin_of(&state, &org).await;
    Ok(detail_page(
        &state,
        &info,
        &org,
        admin.as_ref(),
        StatusCode::OK,
        &empty_form(),
    ))
}

/// Approve or reject from the console.
pub async fn decide(
    state: AppState,
    caller: Caller,
    id: String,
    input: FormInput,
    decision: Decision,
) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    check_form(&state, &caller, &info, &input)?;
    let done = match decision {
        Decision::Approve => "freigegeben",
        Decision::Reject { .. } => "abgelehnt",
    };
    Ok(
        match state
            .accounts
            .decide(&id, decision)
            .await
            .map_err(inputs::named)
        {
            Ok(org) => {
                state.outbox.mail_queued().await;
                if caller.wants_json {
                    json_value(
                        StatusCode::OK,
                        serde_json::json!({"ok": true, "organisation": org_json(&org)}),
                    )
                } else {
                    see_other(&format!("{LIST}?hinweis={done}"))
                }
            }
            Err(AccountError::Conflict) if !caller.wants_json => {
                see_other(&format!("{LIST}?hinweis=entschieden"))
            }
            Err(AccountError::Invalid(errors)) if !caller.wants_json => {
                match state.accounts.store().get_org(&id).await {
                    Ok(Some(org)) => {
                        let admin = admin_of(&state, &org).await;
                        detail_page(
                            &state,
                            &info,
                            &org,
                            admin.as_ref(),
                            StatusCode::UNPROCESSABLE_ENTITY,
                            &super::accounts::form_view(form::FIELDS, &input, &errors, None),
                        )
                    }
                    _ => see_other(LIST),
                }
            }
            Err(e) => account_error(&caller, e, no_form(&caller)),
        },
    )
}
