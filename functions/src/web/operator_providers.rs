//! "Anbieterorganisationen" in the operator console: every provider and intermediary
//! organisation with the provider id it is linked to, its first Hauptadmin and the
//! invitation's state, and the catalog's providers without an organisation.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::operator_console::operator_session;
use super::orders::order_error;
use super::refusal::Refusal;
use super::request::Caller;
use super::responses::json_value;
use crate::domain::orders::party_orgs::{CatalogProvider, PartyOrgRow};
use crate::pages::Page;
use crate::state::AppState;

#[derive(Debug, Serialize)]
struct RowView<'a> {
    id: &'a str,
    name: &'a str,
    party: &'a str,
    admin_name: &'a str,
    admin_email: &'a str,
    state: &'static str,
}

fn view(row: &PartyOrgRow) -> RowView<'_> {
    let admin = row.entry.admin.as_ref();
    RowView {
        id: &row.entry.org.id,
        name: &row.entry.org.name,
        party: row.provider_id.as_deref().unwrap_or("Intermediär"),
        admin_name: admin.map_or("–", |a| a.name.as_str()),
        admin_email: admin.map_or("–", |a| a.email.as_str()),
        state: row.state.label(),
    }
}

pub async fn providers_page(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    let overview = state
        .orders
        .party_orgs()
        .await
        .map_err(|e| order_error(&caller, Some(&info.user.name), e))?;
    if caller.wants_json {
        let orgs: Vec<_> = overview
            .orgs
            .iter()
            .map(|row| {
                let admin = row.entry.admin.as_ref();
                serde_json::json!({
                    "id": row.entry.org.id, "name": row.entry.org.name,
                    "anbieter": row.provider_id,
                    "hauptadmin": admin.map(|a| serde_json::json!({"name": a.name, "email": a.email})),
                    "einladung": row.state.as_str(),
                })
            })
            .collect();
        let without: Vec<_> = overview.without_org.iter().map(|p| &p.id).collect();
        return Ok(json_value(
            StatusCode::OK,
            serde_json::json!({"organisationen": orgs, "ohne_organisation": without}),
        ));
    }
    let views: Vec<_> = overview.orgs.iter().map(view).collect();
    let without: &[CatalogProvider] = &overview.without_org;
    let without: Vec<_> = without
        .iter()
        .map(|p| serde_json::json!({"id": p.id, "name": p.name}))
        .collect();
    let page = Page::new("betrieb/providers.html", "Anbieterorganisationen")
        .with("rows", &views)
        .with("without", &without)
        .with("intermediary_exists", &overview.intermediary_exists);
    Ok(state.page(page, Some(&info.user.name)))
}
