//! Handlers of "Ihr Konto › Rollen": the organisation's named roles with their rights and
//! holders and the form "Rolle anlegen" (`konto/roles.html`), one role's page to edit or
//! delete it (`konto/role.html`). Administrators only (checked by the domain); changes need
//! the session's CSRF token.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use catalog::forms::{FormView, role as role_form};

use super::form::PostedForm;
use super::members::{require_token, signed_in};
use super::refusal::Refusal;
use super::request::Caller;
use super::responses::{account_error, json_value, no_form, success};
use crate::domain::accounts::roles::{RoleInUse, require_administrator};
use crate::domain::accounts::{AccountError, SessionInfo};
use crate::domain::model::{Right, Role};
use crate::domain::validation::FormInput;
use crate::pages::Page;
use crate::state::AppState;

const LIST: &str = "/api/konto/rollen";

#[derive(Serialize)]
struct RoleRow<'a> {
    id: &'a str,
    name: &'a str,
    /// The rights' values.
    rights: Vec<&'static str>,
    /// The rights' labels.
    right_labels: Vec<&'static str>,
    holders: Vec<&'a str>,
}

fn rows(roles: &[RoleInUse]) -> Vec<RoleRow<'_>> {
    roles
        .iter()
        .map(|r| RoleRow {
            id: &r.role.id,
            name: &r.role.name,
            rights: r.role.rights.iter().map(|x| x.as_str()).collect(),
            right_labels: r.role.rights.iter().map(|x| x.label()).collect(),
            holders: r.holders.iter().map(|u| u.name.as_str()).collect(),
        })
        .collect()
}

/// What the list says after a change (`?hinweis=`).
fn done_message(key: &str) -> &'static str {
    match key {
        "angelegt" => {
            "Die Rolle wurde angelegt. Unter „Mitarbeitende“ können Sie sie jetzt vergeben."
        }
        "gespeichert" => {
            "Die Rolle wurde gespeichert. Die Personen mit dieser Rolle haben die neuen Rechte ab sofort."
        }
        "geloescht" => "Die Rolle wurde gelöscht.",
        _ => "",
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    hinweis: String,
}

/// The roles page with the form "Rolle anlegen" as entered, and a message about the whole
/// page (a refused deletion).
async fn roles_page(
    state: &AppState,
    caller: &Caller,
    info: &SessionInfo,
    status: StatusCode,
    form: FormView,
    notice: &str,
) -> Response {
    let roles = match state.accounts.roles(info).await {
        Ok(roles) => roles,
        Err(e) => return account_error(caller, e, no_form(caller)),
    };
    let title = if form.has_errors() {
        "Fehler: Rollen"
    } else {
        "Rollen"
    };
    let page = Page::new("konto/roles.html", title)
        .status(status)
        .with("roles", &rows(&roles))
        .with("form", &form)
        .with(
            "rights",
            &role_form::RIGHTS.iter().map(|f| f.name).collect::<Vec<_>>(),
        )
        .with("notice", &notice)
        .with("csrf", &info.csrf_token);
    state.page(page, Some(&info.user.name))
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    if let Err(e) = require_administrator(&info) {
        return Ok(account_error(&caller, e, no_form(&caller)));
    }
    if caller.wants_json {
        return Ok(match state.accounts.roles(&info).await {
            Ok(roles) => json_value(StatusCode::OK, json!({"rollen": rows(&roles)})),
            Err(e) => account_error(&caller, e, no_form(&caller)),
        });
    }
    Ok(roles_page(
        &state,
        &caller,
        &info,
        StatusCode::OK,
        FormView::empty(role_form::FIELDS),
        done_message(&query.hinweis),
    )
    .await)
}

pub async fn create(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    let created = state
        .accounts
        .create_role(&info, &super::inputs::role_input(&input))
        .await
        .map_err(super::inputs::named);
    Ok(match created {
        Ok(_) => success(&caller, &format!("{LIST}?hinweis=angelegt")),
        Err(AccountError::Invalid(errors)) if !caller.wants_json => {
            let form = super::accounts::form_view(role_form::FIELDS, &input, &errors, None);
            roles_page(
                &state,
                &caller,
                &info,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                "",
            )
            .await
        }
        Err(e) => account_error(&caller, e, no_form(&caller)),
    })
}

/// The form of `role` as stored.
fn stored_form(role: &Role) -> FormView {
    FormView::filled(
        role_form::FIELDS,
        |name| {
            if name == role_form::NAME.name {
                role.name.clone()
            } else if Right::parse(name).is_some_and(|r| role.rights.contains(&r)) {
                "ja".to_owned()
            } else {
                String::new()
            }
        },
        &[],
        "",
    )
}

/// One role's page: its form, and the delete button.
fn role_page(
    state: &AppState,
    info: &SessionInfo,
    role: &Role,
    status: StatusCode,
    form: FormView,
) -> Response {
    let title = if form.has_errors() {
        format!("Fehler: Rolle „{}“ bearbeiten", role.name)
    } else {
        format!("Rolle „{}“ bearbeiten", role.name)
    };
    let page = Page::new("konto/role.html", &title)
        .status(status)
        .with("role_id", &role.id)
        .with("role_name", &role.name)
        .with("form", &form)
        .with("csrf", &info.csrf_token);
    state.page(page, Some(&info.user.name))
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    Ok(match state.accounts.role(&info, &id).await {
        Ok(role) if caller.wants_json => json_value(
            StatusCode::OK,
            json!({"id": role.id, "name": role.name, "rechte": role.rights.iter().map(|r| r.as_str()).collect::<Vec<_>>()}),
        ),
        Ok(role) => role_page(&state, &info, &role, StatusCode::OK, stored_form(&role)),
        Err(e) => account_error(&caller, e, no_form(&caller)),
    })
}

/// The role form as sent, with its messages.
fn sent_form(input: &FormInput, errors: &[(String, String)], message: &str) -> FormView {
    FormView::filled(
        role_form::FIELDS,
        |name| input.get(name).to_owned(),
        errors,
        message,
    )
}

pub async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    let edited = state
        .accounts
        .edit_role(&info, &id, &super::inputs::role_input(&input))
        .await
        .map_err(super::inputs::named);
    Ok(match edited {
        Ok(_) => {
            // The holders' mails are in the outbox: send them now.
            state.outbox.mail_queued().await;
            success(&caller, &format!("{LIST}?hinweis=gespeichert"))
        }
        Err(AccountError::Invalid(errors)) if !caller.wants_json => {
            match state.accounts.role(&info, &id).await {
                Ok(role) => role_page(
                    &state,
                    &info,
                    &role,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    sent_form(&input, &errors.0, ""),
                ),
                Err(e) => account_error(&caller, e, no_form(&caller)),
            }
        }
        Err(e) => account_error(&caller, e, no_form(&caller)),
    })
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    let deleted = state
        .accounts
        .delete_role(&info, &id)
        .await
        .map_err(super::inputs::named);
    Ok(match deleted {
        Ok(_) => success(&caller, &format!("{LIST}?hinweis=geloescht")),
        // Still given to people: the role's page says so (409), nothing is deleted.
        Err(AccountError::Invalid(errors)) if !caller.wants_json => {
            match state.accounts.role(&info, &id).await {
                Ok(role) => {
                    let message = errors.0.first().map(|(_, m)| m.as_str()).unwrap_or("");
                    let mut form = stored_form(&role);
                    form.message = message.to_owned();
                    role_page(&state, &info, &role, StatusCode::CONFLICT, form)
                }
                Err(e) => account_error(&caller, e, no_form(&caller)),
            }
        }
        Err(AccountError::Invalid(errors)) => {
            let message = errors.0.first().map(|(_, m)| m.clone()).unwrap_or_default();
            Refusal::json(StatusCode::CONFLICT, message).into_response()
        }
        Err(e) => account_error(&caller, e, no_form(&caller)),
    })
}
