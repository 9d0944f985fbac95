//! Handlers of the newsletter: the form (in the footer of every page, and as a page of its
//! own when the human check needs a question), the confirmation link and unsubscribing by
//! link, by button or by a mail program's one-click POST (RFC 8058).

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use catalog::forms;

use super::accounts::{QuestionView, form_view};
use super::form::PostedForm;
use super::request::Caller;
use super::responses::*;
use crate::domain::accounts::AccountError;
use crate::domain::validation::{FieldErrors, FormInput};
use crate::pages::{self, Page};
use crate::state::AppState;

/// Where the form's answer leads: the same page for every address.
pub const REQUESTED: &str = "/api/hinweis/newsletter-angefordert";
const CONFIRMED: &str = "/api/hinweis/newsletter-bestaetigt";
const INVALID_LINK: &str = "/api/hinweis/newsletter-link-ungueltig";

fn newsletter_page(
    state: &AppState,
    status: StatusCode,
    input: &FormInput,
    errors: &FieldErrors,
    message: Option<&str>,
) -> Response {
    let question = state.accounts.fallback_question();
    let show = input.get(forms::newsletter::ALTCHA.name).is_empty()
        && (!errors.is_empty() || message.is_some());
    let page = Page::new("forms/newsletter.html", "Newsletter abonnieren")
        .section("newsletter")
        .status(status)
        // With the check's fields, so the error summary leads to the question's own id.
        .with(
            "form",
            &form_view(
                &[forms::newsletter::FIELDS, forms::newsletter::HUMAN_CHECK].concat(),
                input,
                errors,
                message,
            ),
        )
        .with(
            "check",
            &form_view(
                forms::newsletter::HUMAN_CHECK,
                &FormInput::default(),
                errors,
                None,
            ),
        )
        .with(
            "question",
            &QuestionView::new(&question.text, &question.token, show),
        );
    state.page(page, None)
}

pub async fn form(State(state): State<AppState>) -> Response {
    newsletter_page(
        &state,
        StatusCode::OK,
        &FormInput::default(),
        &FieldErrors::default(),
        None,
    )
}

pub async fn subscribe(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Response {
    match state
        .newsletter
        .subscribe(&super::inputs::newsletter_input(&input), &caller.client)
        .await
    {
        Ok(()) => {
            state.outbox.mail_queued().await;
            success(&caller, REQUESTED)
        }
        Err(e) => account_error(
            &caller,
            e,
            Box::new(|status, errors, message| {
                newsletter_page(&state, status, &input, errors, message)
            }),
        ),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// An invalid, expired or used link: the newsletter's own notice (or JSON).
fn invalid_link(caller: &Caller, error: AccountError) -> Response {
    match error {
        AccountError::InvalidLink if !caller.wants_json => see_other(INVALID_LINK),
        other => account_error(caller, other, no_form(caller)),
    }
}

/// The page behind the confirmation mail's link: a button, since mail scanners open links.
pub async fn confirm_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<TokenQuery>,
) -> Response {
    if let Err(e) = state.newsletter.check_confirm_link(&query.token).await {
        return invalid_link(&caller, e);
    }
    let input =
        FormInput::from_pairs([(forms::newsletter_confirm::TOKEN.name, query.token.as_str())]);
    let page = Page::new(
        "forms/newsletter-confirm.html",
        "Newsletter-Abonnement bestätigen",
    )
    .section("newsletter")
    .with(
        "form",
        &form_view(
            forms::newsletter_confirm::FIELDS,
            &input,
            &FieldErrors::default(),
            None,
        ),
    );
    state.page(page, None)
}

pub async fn confirm(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Response {
    match state
        .newsletter
        .confirm(input.get(forms::newsletter_confirm::TOKEN.name))
        .await
    {
        Ok(()) => success(&caller, CONFIRMED),
        Err(e) => invalid_link(&caller, e),
    }
}

/// The page behind a newsletter's unsubscribe link: a button (a GET never unsubscribes, as
/// mail scanners fetch links).
pub async fn unsubscribe_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<TokenQuery>,
) -> Response {
    if let Err(e) = state.newsletter.check_unsubscribe_link(&query.token) {
        return invalid_link(&caller, e);
    }
    let input = FormInput::from_pairs([(
        forms::newsletter_unsubscribe::TOKEN.name,
        query.token.as_str(),
    )]);
    let page = Page::new(
        "forms/newsletter-unsubscribe.html",
        "Newsletter abbestellen",
    )
    .section("newsletter")
    .with(
        "form",
        &form_view(
            forms::newsletter_unsubscribe::FIELDS,
            &input,
            &FieldErrors::default(),
            None,
        ),
    );
    state.page(page, None)
}

/// Unsubscribes: the page's button, or a mail program's one-click POST to the address of the
/// `List-Unsubscribe` header (RFC 8058: `List-Unsubscribe=One-Click` as
/// `application/x-www-form-urlencoded` or `multipart/form-data`, no cookies, no origin of
/// ours). The token in the address (or the form's field) is the authority, so the origin is
/// not checked. Answers with the result page itself, not a redirect, since a mail program
/// may not follow one.
pub async fn unsubscribe(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<TokenQuery>,
    body: Bytes,
) -> Response {
    let mut token = query.token;
    let form_encoded = caller
        .content_type
        .as_deref()
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if token.is_empty() && form_encoded {
        token = form_urlencoded::parse(&body)
            .find(|(name, _)| name == forms::newsletter_unsubscribe::TOKEN.name)
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
    }
    match state.newsletter.unsubscribe(&token).await {
        Ok(()) => {
            if caller.wants_json {
                return json_value(StatusCode::OK, serde_json::json!({"ok": true}));
            }
            let page = pages::notice(UNSUBSCRIBED.0, UNSUBSCRIBED.1, &[("/", "Zur Startseite")])
                .section("newsletter");
            state.page(page, None).into_response()
        }
        Err(e) => invalid_link(&caller, e),
    }
}

/// Title and text of the page after unsubscribing.
pub const UNSUBSCRIBED: (&str, &str) = (
    "Newsletter abbestellt",
    "Ihre E-Mail-Adresse ist aus der Liste des Newsletters gelöscht. Sie erhalten keinen Newsletter mehr.",
);
