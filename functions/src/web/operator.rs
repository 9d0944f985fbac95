//! The operator's routes (JSON, bearer token): registrations waiting for review, reported
//! needs, overdue orders.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use catalog::forms;
use serde_json::json;

use super::accounts::org_json;
use super::form::FormBody;
use super::operator_console::{self as console, ListQuery};
use super::orders::{order_error, order_json};
use super::refusal::Refusal;
use super::request::Caller;
use super::responses::*;
use crate::domain::model::Decision;
use crate::domain::tokens::{constant_time_eq, sha256_hex};
use crate::state::AppState;

// ---- operator ----------------------------------------------------------------------------

pub(super) fn operator_only(state: &AppState, caller: &Caller) -> Result<(), Refusal> {
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
        _ => Err(Refusal::json(
            StatusCode::UNAUTHORIZED,
            "Betreiber-Token fehlt oder ist falsch.",
        )),
    }
}

/// Without a bearer token the routes below serve the operator console to a signed-in
/// operator (`operator_console`).
fn by_token(caller: &Caller) -> bool {
    caller.authorization.is_some()
}

pub async fn pending_registrations(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Response, Refusal> {
    if !by_token(&caller) {
        return console::registrations_page(state, caller, query).await;
    }
    operator_only(&state, &caller)?;
    Ok(match state.accounts.pending_registrations().await {
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
            account_error(&caller, e, no_form(&caller))
        }
    })
}

/// One registration: JSON with the bearer token, else the console's page for a signed-in
/// operator.
pub async fn registration(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Refusal> {
    if !by_token(&caller) {
        return console::registration(state, caller, id).await;
    }
    let caller = caller.clone_json();
    operator_only(&state, &caller)?;
    let store = state.accounts.store();
    let org = match store.get_org(&id).await {
        Ok(Some(org)) if org.kind.party_key().is_none() => org,
        Ok(_) => {
            return Err(Refusal::json(
                StatusCode::NOT_FOUND,
                "Diese Registrierung gibt es nicht.",
            ));
        }
        Err(e) => return Ok(account_error(&caller, e.into(), no_form(&caller))),
    };
    let mut value = org_json(&org);
    if let (Some(object), Ok(Some(admin))) = (
        value.as_object_mut(),
        store.get_user(&org.admin_user_id).await,
    ) {
        object.insert(
            "administrator".into(),
            json!({"name": admin.name, "email": admin.email, "telefon": admin.phone}),
        );
        object.insert("registriert".into(), json!(org.created_at));
    }
    Ok(json_value(StatusCode::OK, value))
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
        Err(e) => account_error(&caller, e, no_form(&caller)),
    }
}

pub async fn approve_registration(
    State(state): State<AppState>,
    Path(id): Path<String>,
    FormBody { caller, input }: FormBody,
) -> Result<Response, Refusal> {
    if !by_token(&caller) {
        return console::decide(state, caller, id, input, Decision::Approve).await;
    }
    operator_only(&state, &caller)?;
    Ok(decide(state, caller, id, Decision::Approve).await)
}

pub async fn reject_registration(
    State(state): State<AppState>,
    Path(id): Path<String>,
    FormBody { caller, input }: FormBody,
) -> Result<Response, Refusal> {
    let reason = input
        .get(forms::reject_registration::REASON.name)
        .to_owned();
    if !by_token(&caller) {
        return console::decide(state, caller, id, input, Decision::Reject { reason }).await;
    }
    let caller = caller.clone_json();
    operator_only(&state, &caller)?;
    Ok(decide(state, caller, id, Decision::Reject { reason }).await)
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

// ---- operator ----------------------------------------------------------------------------

pub async fn operator_needs(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<super::operator_needs::NeedsQuery>,
) -> Result<Response, Refusal> {
    if !by_token(&caller) {
        return super::operator_needs::needs_page(state, caller, query).await;
    }
    operator_only(&state, &caller)?;
    Ok(match state.orders.needs().await {
        Ok(needs) => json_value(StatusCode::OK, json!({"bedarfe": needs})),
        Err(e) => order_error(&caller.clone_json(), None, e).into_response(),
    })
}

pub async fn operator_overdue(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, Refusal> {
    if !by_token(&caller) {
        return super::operator_deadlines::deadlines_page(state, caller).await;
    }
    operator_only(&state, &caller)?;
    let now = state.orders.now();
    Ok(match state.orders.overdue().await {
        Ok(orders) => json_value(
            StatusCode::OK,
            json!({"bestellungen": orders.iter().map(|o| order_json(o, now)).collect::<Vec<_>>()}),
        ),
        Err(e) => order_error(&caller.clone_json(), None, e).into_response(),
    })
}
