//! Handlers of "Ihr Konto › Adressen" (Adressverwaltung): the list of the organisation's
//! addresses with the form "Adresse hinzufügen" (`konto/addresses.html`), one address to
//! edit, make the Standardadresse or delete (`konto/address.html`). Who may do this is the
//! domain's decision (`can_manage_addresses`); changes need the session's CSRF token, as
//! the pages that post here are the function's own.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::json;

use catalog::forms::{FormView, address};

use super::form::PostedForm;
use super::members::{require_token, signed_in};
use super::refusal::Refusal;
use super::request::Caller;
use super::responses::{account_error, json_value, no_form, see_other, success};
use crate::domain::accounts::addresses::AddressAction;
use crate::domain::accounts::{AccountError, SessionInfo};
use crate::domain::model::Address;
use crate::domain::validation::FormInput;
use crate::pages::Page;
use crate::state::AppState;

const LIST: &str = "/api/konto/adressen";

#[derive(Serialize)]
struct AddressView<'a> {
    id: &'a str,
    kind: &'static str,
    kind_label: &'static str,
    label: &'a str,
    recipient: &'a str,
    street: &'a str,
    postcode: &'a str,
    city: &'a str,
    phone: &'a str,
    is_default: bool,
}

impl<'a> AddressView<'a> {
    fn of(a: &'a Address) -> Self {
        AddressView {
            id: &a.id,
            kind: a.kind.as_str(),
            kind_label: a.kind.label(),
            label: &a.label,
            recipient: &a.recipient,
            street: &a.street,
            postcode: &a.postcode,
            city: &a.city,
            phone: &a.phone,
            is_default: a.is_default,
        }
    }
}

fn address_json(a: &Address) -> serde_json::Value {
    json!({
        "id": a.id, "art": a.kind.as_str(), "bezeichnung": a.label, "empfaenger": a.recipient,
        "strasse": a.street, "plz": a.postcode, "ort": a.city, "telefon": a.phone,
        "standard": a.is_default,
    })
}

/// What the list says after a change (`?hinweis=`).
fn done_message(key: &str) -> &'static str {
    match key {
        "angelegt" => "Die Adresse wurde angelegt.",
        "gespeichert" => "Die Adresse wurde gespeichert.",
        "standard" => "Die Standardadresse wurde geändert.",
        "geloescht" => "Die Adresse wurde gelöscht.",
        _ => "",
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    hinweis: String,
}

/// The list with the form "Adresse hinzufügen" as entered and its messages.
async fn list_page(
    state: &AppState,
    caller: &Caller,
    info: &SessionInfo,
    status: StatusCode,
    form: FormView,
    notice: &str,
) -> Response {
    let addresses = match state.accounts.managed_addresses(info).await {
        Ok(addresses) => addresses,
        Err(e) => return account_error(caller, e, no_form(caller)),
    };
    let title = if form.summary.is_empty() {
        "Adressen"
    } else {
        "Fehler: Adressen"
    };
    let views: Vec<AddressView<'_>> = addresses.iter().map(AddressView::of).collect();
    let page = Page::new("konto/addresses.html", title)
        .status(status)
        .with("addresses", &views)
        .with("form", &form)
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
    if caller.wants_json {
        return Ok(match state.accounts.managed_addresses(&info).await {
            Ok(addresses) => json_value(
                StatusCode::OK,
                json!({"adressen": addresses.iter().map(address_json).collect::<Vec<_>>()}),
            ),
            Err(e) => account_error(&caller, e, no_form(&caller)),
        });
    }
    Ok(list_page(
        &state,
        &caller,
        &info,
        StatusCode::OK,
        FormView::empty(address::FIELDS),
        done_message(&query.hinweis),
    )
    .await)
}

pub async fn add(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    let added = state
        .accounts
        .add_address(&info, &super::inputs::address_input(&input))
        .await
        .map_err(super::inputs::named);
    Ok(match added {
        Ok(added) => {
            if caller.wants_json {
                json_value(
                    StatusCode::OK,
                    json!({"ok": true, "weiter": format!("{LIST}?hinweis=angelegt"), "adresse": address_json(&added)}),
                )
            } else {
                see_other(&format!("{LIST}?hinweis=angelegt"))
            }
        }
        Err(AccountError::Invalid(errors)) if !caller.wants_json => {
            let form = super::accounts::form_view(address::FIELDS, &input, &errors, None);
            list_page(
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

/// The form of one address, filled with what it holds.
fn current_form(a: &Address) -> FormView {
    FormView::filled(
        address::FIELDS,
        |name| match name {
            "art" => a.kind.as_str().to_owned(),
            "bezeichnung" => a.label.clone(),
            "empfaenger" => a.recipient.clone(),
            "strasse" => a.street.clone(),
            "plz" => a.postcode.clone(),
            "ort" => a.city.clone(),
            "telefon" => a.phone.clone(),
            _ => String::new(),
        },
        &[],
        "",
    )
}

fn edit_page(
    state: &AppState,
    info: &SessionInfo,
    status: StatusCode,
    address: &Address,
    form: FormView,
) -> Response {
    let title = if status.is_success() {
        "Adresse bearbeiten"
    } else {
        "Fehler: Adresse bearbeiten"
    };
    let page = Page::new("konto/address.html", title)
        .status(status)
        .with("address", &AddressView::of(address))
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
    Ok(match state.accounts.managed_address(&info, &id).await {
        Ok(address) if caller.wants_json => json_value(StatusCode::OK, address_json(&address)),
        Ok(address) => edit_page(
            &state,
            &info,
            StatusCode::OK,
            &address,
            current_form(&address),
        ),
        Err(e) => account_error(&caller, e, no_form(&caller)),
    })
}

/// The edit page again with the messages of `input`, or the refusal.
async fn refused(
    state: &AppState,
    caller: &Caller,
    info: &SessionInfo,
    id: &str,
    input: &FormInput,
    error: AccountError,
) -> Response {
    match super::inputs::named(error) {
        AccountError::Invalid(errors) if !caller.wants_json => {
            match state.accounts.managed_address(info, id).await {
                Ok(address) => {
                    let form = super::accounts::form_view(address::FIELDS, input, &errors, None);
                    edit_page(
                        state,
                        info,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &address,
                        form,
                    )
                }
                Err(e) => account_error(caller, e, no_form(caller)),
            }
        }
        other => account_error(caller, other, no_form(caller)),
    }
}

pub async fn act(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    let action = match super::inputs::address_action(&input) {
        Ok(action) => action,
        Err(errors) => {
            return Ok(account_error(
                &caller,
                AccountError::Invalid(errors),
                no_form(&caller),
            ));
        }
    };
    Ok(
        match state
            .accounts
            .act_on_address(&info, &id, action, &super::inputs::address_input(&input))
            .await
        {
            Ok(()) => {
                let done = match action {
                    AddressAction::Save => "gespeichert",
                    AddressAction::MakeDefault => "standard",
                    AddressAction::Delete => "geloescht",
                };
                success(&caller, &format!("{LIST}?hinweis={done}"))
            }
            Err(e) => refused(&state, &caller, &info, &id, &input, e).await,
        },
    )
}
