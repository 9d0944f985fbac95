//! The one error type of the handlers: a refusal, answered as JSON for scripts or as a page
//! in the site's layout for people.
//!
//! A refusal knows nothing of the templates; it leaves what its page shows on the response,
//! and [`render_refusals`] (which has the application state) renders it. So a refusal can
//! be returned with `?` from an extractor or a handler alike.

use std::borrow::Cow;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::request::Caller;
use crate::pages;
use crate::state::AppState;

/// A request refused with a status and a message.
#[derive(Debug, Clone)]
pub struct Refusal(Box<RefusalPage>);

/// What a refusal shows; carried on the response until [`render_refusals`] renders it.
#[derive(Debug, Clone)]
struct RefusalPage {
    status: StatusCode,
    /// The message for scripts, and for people unless `page_text` says more.
    message: Cow<'static, str>,
    title: &'static str,
    page_text: Option<&'static str>,
    links: &'static [(&'static str, &'static str)],
    /// The name of the person signed in, for the page's header.
    session: Option<String>,
    json: bool,
    /// A message per field, for scripts.
    fields: Option<Value>,
    retry_after: Option<i64>,
}

const HOME: &[(&str, &str)] = &[("/", "Zur Startseite")];

impl Refusal {
    /// A refusal for `caller`, as JSON when it asked for JSON.
    pub fn new(caller: &Caller, status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self::with_json(caller.wants_json, status, message)
    }

    /// A refusal in JSON whatever was asked for (the operator's and partners' routes).
    pub fn json(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self::with_json(true, status, message)
    }

    fn with_json(json: bool, status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self(Box::new(RefusalPage {
            status,
            message: message.into(),
            title: "Das hat nicht geklappt",
            page_text: None,
            links: HOME,
            session: None,
            json,
            fields: None,
            retry_after: None,
        }))
    }

    /// The page's header shows the person signed in.
    pub fn for_session(mut self, name: Option<&str>) -> Self {
        self.0.session = name.map(str::to_owned);
        self
    }

    /// The page is titled after what happened, with its own ways on.
    pub fn titled(
        mut self,
        title: &'static str,
        links: &'static [(&'static str, &'static str)],
    ) -> Self {
        self.0.title = title;
        self.0.links = links;
        self
    }

    /// The page explains more than the short message scripts get.
    pub fn page_text(mut self, text: &'static str) -> Self {
        self.0.page_text = Some(text);
        self
    }

    /// Scripts get a message per field (`fehler`).
    pub fn with_fields(mut self, fields: Value) -> Self {
        self.0.fields = Some(fields);
        self
    }

    /// Tells when to try again (`Retry-After`, seconds).
    pub fn retry_after(mut self, seconds: i64) -> Self {
        self.0.retry_after = Some(seconds.max(1));
        self
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let page = *self.0;
        let retry_after = page.retry_after;
        let mut response = if page.json {
            let mut body = json!({"ok": false, "meldung": page.message});
            if let (Some(fields), Some(object)) = (&page.fields, body.as_object_mut()) {
                object.insert("fehler".to_owned(), fields.clone());
            }
            (page.status, Json(body)).into_response()
        } else {
            let mut response = page.status.into_response();
            response.extensions_mut().insert(page);
            response
        };
        if let Some(seconds) = retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// Middleware: renders the page of every [`Refusal`], and answers the framework's own
/// refusals (a body over the limit, a path or query it cannot read, a method or format a
/// route does not take), which come as English plain text, in German like every other
/// refusal: a page in the site's layout, or JSON for scripts.
pub async fn render_refusals(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let wants_json = super::request::wants_json(request.headers());
    let mut response = next.run(request).await;
    if let Some(page) = response.extensions_mut().remove::<RefusalPage>() {
        let mut rendered = state.page(
            pages::notice(
                page.title,
                page.page_text.unwrap_or(&page.message),
                page.links,
            )
            .status(page.status),
            page.session.as_deref(),
        );
        for (name, value) in response.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                rendered.headers_mut().insert(name.clone(), value.clone());
            }
        }
        return rendered;
    }
    let status = response.status();
    // The framework answers in plain text or with no body at all (405); every handler of ours
    // names its content type.
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    // An empty 404 is a path this router does not have: the router it is merged into (the
    // static site in `csp serve`) or the standalone fallback answers it.
    if !plain || !status.is_client_error() || status == StatusCode::NOT_FOUND {
        return response;
    }
    let message = match status.as_u16() {
        413 => "Die Anfrage ist zu groß. Bitte kürzen Sie Ihre Angaben und senden Sie sie erneut.",
        405 => "Diese Adresse nimmt diese Art von Anfrage nicht an.",
        415 => "Die Anfrage hat ein Format, das hier nicht angenommen wird.",
        _ => "Die Anfrage konnte nicht gelesen werden. Bitte prüfen Sie die Adresse.",
    };
    let refusal = Refusal::with_json(wants_json, status, message);
    if wants_json {
        return refusal.into_response();
    }
    state.page(
        pages::notice(refusal.0.title, message, HOME).status(status),
        None,
    )
}
