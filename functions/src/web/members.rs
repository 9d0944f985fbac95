//! Handlers of "Ihr Konto › Mitarbeitende": the list of people with the invitation form and
//! the audit trail (`konto/members.html`), invitations, and one action per person. Every
//! route needs a signed-in administrator of the organisation (checked by the domain) and,
//! for changes, the session's CSRF token: the pages that post here are rendered by the
//! function and always carry it.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use catalog::forms::{self, FormView, invite_member, member_action};

use super::form::PostedForm;
use super::refusal::Refusal;
use super::request::Caller;
use super::responses::{account_error, current_session, json_value, no_form, see_other, success};
use crate::domain::accounts::SessionInfo;
use crate::domain::accounts::members::{Assignment, Member, MemberAction};
use crate::domain::csrf;
use crate::domain::model::{AuditEntry, Standing};
use crate::domain::orders::documents::german_datetime;
use crate::domain::validation::{FieldErrors, FormInput};
use crate::pages::Page;
use crate::state::AppState;

const LIST: &str = "/api/konto/mitarbeitende";

pub(super) async fn signed_in(state: &AppState, caller: &Caller) -> Result<SessionInfo, Refusal> {
    current_session(state, caller).await.ok_or_else(|| {
        Refusal::new(
            caller,
            StatusCode::UNAUTHORIZED,
            "Bitte melden Sie sich an.",
        )
    })
}

/// A change needs the session's CSRF token (form field or `X-CSRF-Token` header).
pub(super) fn require_token(
    state: &AppState,
    caller: &Caller,
    info: &SessionInfo,
    input: &FormInput,
) -> Result<(), Refusal> {
    let token = caller
        .csrf_header
        .as_deref()
        .unwrap_or_else(|| input.get(forms::CSRF.name));
    if !token.is_empty()
        && csrf::verify_session_token(state.accounts.secret(), &info.id_hash, token)
    {
        Ok(())
    } else {
        tracing::warn!("members form refused: missing or wrong CSRF token");
        Err(Refusal::new(
            caller,
            StatusCode::FORBIDDEN,
            "Die Anfrage enthielt kein gültiges Sicherheitstoken. Bitte laden Sie die Seite neu.",
        )
        .for_session(Some(&info.user.name)))
    }
}

#[derive(Serialize)]
struct MemberRow<'a> {
    id: &'a str,
    name: &'a str,
    email: &'a str,
    standing: Standing,
    standing_label: &'static str,
    /// The value of the role select (`mitarbeiter`, `organisationsadmin`, `rolle:<id>`).
    role: String,
    /// The named role's name, if any.
    role_name: Option<&'a str>,
    /// How the role select names the current role.
    role_label: String,
    /// Whether the current role is among those the session's person may give (else the
    /// select shows it on its own).
    role_listed: bool,
    hauptadmin: bool,
    myself: bool,
    /// The session's person may act on this one.
    actionable: bool,
    pending: bool,
    deactivated: bool,
}

fn rows<'a>(
    members: &'a [Member],
    info: &SessionInfo,
    choices: &[RoleChoice],
) -> Vec<MemberRow<'a>> {
    members
        .iter()
        .map(|m| {
            let role = Assignment::of(&m.user).value();
            MemberRow {
                role_label: match &m.role {
                    Some(r) => format!("Rolle „{}“", r.name),
                    None => m.standing.label().to_owned(),
                },
                role_listed: choices.iter().any(|c| c.value == role),
                id: &m.user.id,
                name: &m.user.name,
                email: &m.user.email,
                standing: m.standing,
                standing_label: m.standing.label(),
                role,
                role_name: m.role.as_ref().map(|r| r.name.as_str()),
                hauptadmin: m.standing == Standing::Hauptadmin,
                myself: m.user.id == info.user.id,
                actionable: m.actionable,
                pending: m.pending,
                deactivated: m.user.deactivated,
            }
        })
        .collect()
}

/// A choice of the role selects.
#[derive(Serialize)]
struct RoleChoice {
    value: String,
    label: String,
}

#[derive(Serialize)]
struct AuditRow<'a> {
    at: String,
    actor: &'a str,
    action: &'static str,
    subject: &'a str,
    detail: &'a str,
}

fn audit_rows(audit: &[AuditEntry]) -> Vec<AuditRow<'_>> {
    audit
        .iter()
        .map(|a| AuditRow {
            at: german_datetime(a.at),
            actor: &a.actor,
            action: a.action.label(),
            subject: &a.subject,
            detail: &a.detail,
        })
        .collect()
}

/// What the list says after a change (`?hinweis=`).
fn done_message(key: &str) -> &'static str {
    match key {
        "eingeladen" => {
            "Die Einladung ist unterwegs. Gehört die Adresse schon zu einem Konto, erhält die Person stattdessen einen Hinweis."
        }
        "erneut-gesendet" => {
            "Die Einladung wurde erneut gesendet. Der frühere Link gilt nicht mehr."
        }
        "rolle-geaendert" => "Die Rolle wurde geändert.",
        "deaktiviert" => "Das Konto wurde deaktiviert. Die Person ist abgemeldet.",
        "aktiviert" => "Das Konto ist wieder aktiv.",
        "geloescht" => "Das Konto wurde gelöscht.",
        _ => "",
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    hinweis: String,
}

/// The members page, with the invitation form as entered and its messages.
async fn members_page(
    state: &AppState,
    caller: &Caller,
    info: &SessionInfo,
    status: StatusCode,
    form: FormView,
    notice: &str,
) -> Response {
    let (members, audit) = match state.accounts.members(info).await {
        Ok(listed) => listed,
        Err(e) => return account_error(caller, e, no_form(caller)),
    };
    let choices: Vec<RoleChoice> = match state.accounts.assignable_roles(info).await {
        Ok(choices) => choices
            .into_iter()
            .map(|(value, label)| RoleChoice { value, label })
            .collect(),
        Err(e) => return account_error(caller, e, no_form(caller)),
    };
    let title = if form.summary.is_empty() {
        "Mitarbeitende"
    } else {
        "Fehler: Mitarbeitende"
    };
    let page = Page::new("konto/members.html", title)
        .status(status)
        .with("members", &rows(&members, info, &choices))
        .with("audit", &audit_rows(&audit))
        .with("form", &form)
        .with("roles", &choices)
        .with("defines_roles", &info.rights().administrator())
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
        return Ok(match state.accounts.members(&info).await {
            Ok((members, audit)) => json_value(
                StatusCode::OK,
                json!({"mitarbeitende": rows(&members, &info, &[]), "protokoll": audit_rows(&audit)}),
            ),
            Err(e) => account_error(&caller, e, no_form(&caller)),
        });
    }
    Ok(members_page(
        &state,
        &caller,
        &info,
        StatusCode::OK,
        FormView::empty(invite_member::FIELDS),
        done_message(&query.hinweis),
    )
    .await)
}

pub async fn invite(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    let invited = state
        .accounts
        .invite(&info, &super::inputs::invite_input(&input))
        .await
        .map_err(super::inputs::named);
    Ok(match invited {
        Ok(()) => {
            state.outbox.mail_queued().await;
            success(&caller, &format!("{LIST}?hinweis=eingeladen"))
        }
        Err(crate::domain::accounts::AccountError::Invalid(errors)) if !caller.wants_json => {
            let form = super::accounts::form_view(invite_member::FIELDS, &input, &errors, None);
            members_page(
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

#[derive(Serialize)]
struct DeleteView<'a> {
    id: &'a str,
    name: &'a str,
    email: &'a str,
}

pub async fn act(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    let action = match super::inputs::member_action(&input) {
        Ok(action) => action,
        Err(errors) => {
            return Ok(account_error(
                &caller,
                crate::domain::accounts::AccountError::Invalid(errors),
                no_form(&caller),
            ));
        }
    };
    let confirmed = input.get(member_action::CONFIRM.name) == "ja";
    let askable = id != info.user.id && id != info.org.admin_user_id;
    if action == MemberAction::Delete && !confirmed && askable {
        // Deleting cannot be undone: the page asks once more (scripts send `bestaetigt=ja`).
        let members = match state.accounts.members(&info).await {
            Ok((members, _)) => members,
            Err(e) => return Ok(account_error(&caller, e, no_form(&caller))),
        };
        let Some(member) = members.iter().find(|m| m.user.id == id) else {
            return Ok(account_error(
                &caller,
                crate::domain::accounts::AccountError::NotFound,
                no_form(&caller),
            ));
        };
        if caller.wants_json {
            let mut errors = FieldErrors::default();
            errors.add(
                member_action::CONFIRM.name,
                "Bitte bestätigen Sie das Löschen mit bestaetigt=ja.",
            );
            return Ok(account_error(
                &caller,
                crate::domain::accounts::AccountError::Invalid(errors),
                no_form(&caller),
            ));
        }
        let page = Page::new("konto/member-delete.html", "Konto löschen")
            .with(
                "member",
                &DeleteView {
                    id: &member.user.id,
                    name: &member.user.name,
                    email: &member.user.email,
                },
            )
            .with("csrf", &info.csrf_token);
        return Ok(state.page(page, Some(&info.user.name)));
    }
    Ok(
        match state
            .accounts
            .act_on_member(&info, &id, action.clone())
            .await
        {
            Ok(()) => {
                state.outbox.mail_queued().await;
                let done = match action {
                    MemberAction::ResendInvitation => "erneut-gesendet",
                    MemberAction::ChangeRole(_) => "rolle-geaendert",
                    MemberAction::Deactivate => "deaktiviert",
                    MemberAction::Reactivate => "aktiviert",
                    MemberAction::Delete => "geloescht",
                };
                let location = format!("{LIST}?hinweis={done}");
                if caller.wants_json {
                    success(&caller, &location)
                } else {
                    see_other(&location)
                }
            }
            Err(e) => account_error(&caller, e, no_form(&caller)).into_response(),
        },
    )
}
