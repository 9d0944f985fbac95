//! "Anbieterorganisationen" in the operator console: every provider and intermediary
//! organisation with the provider id it is linked to, its first Hauptadmin and the
//! invitation's state, and the catalog's providers without an organisation; the form that
//! creates one (`Orders::create_party_org_from`, the same domain as `csp-function admin
//! create-provider-org`), with the session's CSRF token and the origin check.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use catalog::forms::FormView;
use catalog::forms::operator::party_org;
use serde::{Deserialize, Serialize};

use super::form::PostedForm;
use super::inputs::{party_org_field_name, party_org_input};
use super::members::require_token;
use super::operator_console::operator_session;
use super::orders::order_error;
use super::refusal::Refusal;
use super::request::Caller;
use super::responses::json_value;
use super::responses::{CORRECT, see_other};
use crate::domain::accounts::SessionInfo;
use crate::domain::orders::console::{INTERMEDIARY, PartyOrgError, PartyOrgInput};
use crate::domain::orders::party_orgs::{CatalogProvider, PartyOrgRow};
use crate::domain::orders::party_orgs::{InvitationState, ResendError};
use crate::domain::validation::FieldErrors;
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
    /// Not accepted yet: "Einladung erneut senden" is offered.
    pending: bool,
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
        pending: row.state != InvitationState::Accepted,
    }
}

const PAGE: &str = "/api/betrieb/anbieter";

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    hinweis: String,
}

pub async fn providers_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<PageQuery>,
) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    let notice = match query.hinweis.as_str() {
        "angelegt" => {
            "Die Organisation ist angelegt; die Einladung an ihre erste Hauptadministration ist unterwegs (Link 7 Tage gültig, einmal nutzbar)."
        }
        "erneut-gesendet" => {
            "Die Einladung ist erneut gesendet (Link 7 Tage gültig, einmal nutzbar); frühere Links gelten nicht mehr."
        }
        "schon-angenommen" => "Die Einladung ist schon angenommen; es wurde nichts gesendet.",
        _ => "",
    };
    render(
        &state,
        &caller,
        &info,
        StatusCode::OK,
        &PartyOrgInput::default(),
        &FieldErrors::default(),
        Message::Notice(notice),
    )
    .await
}

/// Creates a provider's or the intermediary's organisation and invites its first
/// Hauptadministration; refusals come back as messages at the form's fields.
pub async fn create(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    let form = party_org_input(&input);
    let mut errors = FieldErrors::default();
    match state.orders.create_party_org_from(&form).await {
        Ok(_) => {
            state.outbox.mail_queued().await;
            if caller.wants_json {
                return Ok(json_value(StatusCode::CREATED, serde_json::json!({})));
            }
            return Ok(see_other(&format!("{PAGE}?hinweis=angelegt")));
        }
        Err(PartyOrgError::Invalid(problems)) => errors = problems.named(party_org_field_name),
        Err(PartyOrgError::UnknownProvider(_)) => errors.add(
            party_org::PARTY.name,
            "Diesen Anbieter gibt es im Katalog nicht. Bitte einen Anbieter aus der Liste auswählen.",
        ),
        Err(PartyOrgError::Exists) => errors.add(
            party_org::PARTY.name,
            "Für diese Partei gibt es schon eine Organisation; es wurde nichts angelegt.",
        ),
        Err(PartyOrgError::EmailTaken) => errors.add(
            party_org::ADMIN_EMAIL.name,
            "Diese Adresse hat schon ein Konto. Bitte eine andere Adresse angeben.",
        ),
        Err(PartyOrgError::Order(e)) => return Err(order_error(&caller, Some(&info.user.name), e)),
    }
    if caller.wants_json {
        let fehler: serde_json::Map<String, serde_json::Value> = errors
            .0
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
            .collect();
        return Ok(json_value(
            StatusCode::UNPROCESSABLE_ENTITY,
            serde_json::json!({"fehler": fehler}),
        ));
    }
    render(
        &state,
        &caller,
        &info,
        StatusCode::UNPROCESSABLE_ENTITY,
        &form,
        &errors,
        Message::None,
    )
    .await
}

/// "Einladung erneut senden" for a first Hauptadministration who has not accepted yet.
pub async fn resend(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    match state.orders.resend_party_invitation(&id).await {
        Ok(()) => {
            state.outbox.mail_queued().await;
            Ok(see_other(&format!("{PAGE}?hinweis=erneut-gesendet")))
        }
        Err(ResendError::Accepted) => Ok(see_other(&format!("{PAGE}?hinweis=schon-angenommen"))),
        Err(ResendError::RateLimited { retry_after }) => {
            let minutes = (retry_after + 59) / 60;
            let message = format!(
                "Die Einladung dieser Organisation wurde in dieser Stunde schon zu oft erneut gesendet; es wurde nichts gesendet. Bitte versuchen Sie es in etwa {minutes} Minute(n) erneut."
            );
            if caller.wants_json {
                return Ok(Refusal::json(StatusCode::TOO_MANY_REQUESTS, message)
                    .retry_after(retry_after)
                    .into_response());
            }
            let mut response = render(
                &state,
                &caller,
                &info,
                StatusCode::TOO_MANY_REQUESTS,
                &PartyOrgInput::default(),
                &FieldErrors::default(),
                Message::Problem(&message),
            )
            .await?;
            if let Ok(value) = HeaderValue::from_str(&retry_after.max(1).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Ok(response)
        }
        Err(ResendError::Order(e)) => Err(order_error(&caller, Some(&info.user.name), e)),
        Err(ResendError::NotFound) => Err(Refusal::new(
            &caller,
            StatusCode::NOT_FOUND,
            "Diese Anbieterorganisation gibt es nicht.",
        )
        .for_session(Some(&info.user.name))),
    }
}

/// What the page says above the list: a confirmation (`role=status`) or why nothing was
/// done (`role=alert`).
enum Message<'a> {
    None,
    Notice(&'a str),
    Problem(&'a str),
}

async fn render(
    state: &AppState,
    caller: &Caller,
    info: &SessionInfo,
    status: StatusCode,
    entered: &PartyOrgInput,
    errors: &FieldErrors,
    message: Message<'_>,
) -> Result<Response, Refusal> {
    let (notice, problem) = match message {
        Message::None => ("", ""),
        Message::Notice(notice) => (notice, ""),
        Message::Problem(problem) => ("", problem),
    };
    let overview = state
        .orders
        .party_orgs()
        .await
        .map_err(|e| order_error(caller, Some(&info.user.name), e))?;
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
    let form = FormView::filled(
        party_org::FIELDS,
        |field| match field {
            "partei" => entered.party.clone(),
            "name" => entered.name.clone(),
            "admin_name" => entered.admin_name.clone(),
            "admin_email" => entered.admin_email.clone(),
            _ => String::new(),
        },
        &errors.0,
        if errors.is_empty() { "" } else { CORRECT },
    );
    // The choices of the party: the providers without an organisation, and the intermediary
    // while it has none (a group is left out when it is empty).
    let mut groups: Vec<(&str, Vec<(String, String)>)> = Vec::new();
    let providers: Vec<(String, String)> = overview
        .without_org
        .iter()
        .map(|p| (p.id.clone(), format!("{} ({})", p.name, p.id)))
        .collect();
    if !providers.is_empty() {
        groups.push(("Anbieter ohne Organisation", providers));
    }
    if !overview.intermediary_exists {
        groups.push((
            "Intermediär",
            vec![(
                INTERMEDIARY.to_owned(),
                "Intermediär (Umklappvertrag)".to_owned(),
            )],
        ));
    }
    let page = Page::new("betrieb/providers.html", "Anbieterorganisationen")
        .status(status)
        .with("rows", &views)
        .with("without", &without)
        .with("intermediary_exists", &overview.intermediary_exists)
        .with("form", &form)
        .with("groups", &groups)
        .with("notice", &notice)
        .with("problem", &problem)
        .with("csrf", &info.csrf_token);
    Ok(state.page(page, Some(&info.user.name)))
}
