//! Handlers of the public routes: the session for the header, the human check, the OpenAPI
//! document, unknown paths and the forms' result pages.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::refusal::Refusal;
use super::request::Caller;
use crate::pages::{self};
use crate::state::AppState;

use super::responses::*;

// ---- public routes -----------------------------------------------------------------------

pub async fn session_status(State(state): State<AppState>, caller: Caller) -> Response {
    match current_session(&state, &caller).await {
        Some(info) => {
            // The header's Warenkorb count; left out (null) if the store cannot say.
            let cart = state.orders.cart_count(&info).await.ok();
            json_value(
                StatusCode::OK,
                json!({
                    "angemeldet": true,
                    "name": info.user.name,
                    "organisation": {"id": info.org.id, "name": info.org.name},
                    "csrf": info.csrf_token,
                    "warenkorb": cart,
                }),
            )
        }
        None => json_value(StatusCode::OK, json!({"angemeldet": false})),
    }
}

pub async fn altcha_challenge(State(state): State<AppState>) -> Response {
    json_value(StatusCode::OK, json!(state.accounts.altcha_challenge()))
}

pub async fn altcha_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/altcha.js"),
    )
        .into_response()
}

pub async fn openapi() -> Response {
    json_value(StatusCode::OK, super::openapi_document())
}

pub async fn not_found(caller: Caller) -> Refusal {
    refusal(
        &caller,
        StatusCode::NOT_FOUND,
        "Diese Adresse gibt es nicht.",
    )
}

pub async fn notice(
    State(state): State<AppState>,
    Path(name): Path<String>,
    caller: Caller,
) -> Response {
    let (title, text, links): (&str, &str, &[(&str, &str)]) = match name.as_str() {
        "registrierung-eingegangen" => (
            "Vielen Dank für Ihre Registrierung",
            "Wir haben Ihnen eine E-Mail geschickt. Bitte bestätigen Sie Ihre E-Mail-Adresse innerhalb von 24 Stunden über den Link darin. Danach prüft das Betreiberteam Ihre Registrierung.",
            &[("/", "Zur Startseite")],
        ),
        "email-bestaetigt" => (
            "E-Mail-Adresse bestätigt",
            "Vielen Dank. Das Betreiberteam prüft jetzt Ihre Registrierung. Nach der Freigabe erhalten Sie eine E-Mail, mit der Sie Ihr Passwort festlegen.",
            &[("/", "Zur Startseite")],
        ),
        "link-ungueltig" => (
            "Link ungültig oder abgelaufen",
            "Dieser Link ist ungültig, abgelaufen oder wurde bereits verwendet. Fordern Sie bei Bedarf einen neuen Link an.",
            &[
                (
                    "/api/passwort-vergessen",
                    "Neuen Link zum Festlegen des Passworts anfordern",
                ),
                ("/api/registrierung", "Organisation registrieren"),
            ],
        ),
        "passwort-link-gesendet" => (
            "E-Mail unterwegs",
            "Wenn die Adresse zu einem freigegebenen Konto gehört, haben wir Ihnen einen Link geschickt. Er ist eine Stunde gültig.",
            &[("/api/anmeldung", "Zur Anmeldung")],
        ),
        "passwort-gesetzt" => (
            "Passwort gespeichert",
            "Ihr Passwort ist gespeichert. Sie können sich jetzt anmelden.",
            &[("/api/anmeldung", "Anmelden")],
        ),
        "bedarf-gemeldet" => (
            "Vielen Dank für Ihre Meldung",
            "Ihr Bedarf ist beim Betreiberteam eingegangen. Es meldet sich auf dem gewünschten Weg bei Ihnen, sobald es passende Angebote oder Rückfragen gibt.",
            &[
                ("/cloud-services/", "Zum Katalog"),
                ("/api/konto", "Zu Ihrem Konto"),
            ],
        ),
        "newsletter-angefordert" => (
            "Bitte sehen Sie in Ihr Postfach",
            "Sie erhalten in Kürze eine E-Mail an die angegebene Adresse. Ist die Adresse neu, bestätigen Sie das Abonnement bitte innerhalb von 24 Stunden über den Link darin; erst danach senden wir Ihnen den Newsletter. Ist sie schon angemeldet, teilt Ihnen die E-Mail das mit. An dieselbe Adresse senden wir höchstens drei solche E-Mails am Tag.",
            &[
                ("/", "Zur Startseite"),
                ("/datenschutz/", "Datenschutzhinweise zum Newsletter"),
            ],
        ),
        "newsletter-bestaetigt" => (
            "Newsletter abonniert",
            "Vielen Dank. Ihre E-Mail-Adresse ist bestätigt, und Sie erhalten ab jetzt den Newsletter. Jede Ausgabe enthält einen Link, mit dem Sie ihn wieder abbestellen.",
            &[("/", "Zur Startseite")],
        ),
        "newsletter-abgemeldet" => (
            super::newsletter::UNSUBSCRIBED.0,
            super::newsletter::UNSUBSCRIBED.1,
            &[("/", "Zur Startseite")],
        ),
        "newsletter-link-ungueltig" => (
            "Link ungültig oder abgelaufen",
            "Dieser Link ist ungültig, abgelaufen oder wurde bereits verwendet. Den Newsletter können Sie jederzeit über das Feld unten auf jeder Seite neu bestellen.",
            &[
                ("/api/newsletter", "Newsletter abonnieren"),
                ("/", "Zur Startseite"),
            ],
        ),
        "abgemeldet" => (
            "Sie sind abgemeldet",
            "Auf Wiedersehen.",
            &[
                ("/", "Zur Startseite"),
                ("/api/anmeldung", "Wieder anmelden"),
            ],
        ),
        _ => return not_found(caller).await.into_response(),
    };
    let session = current_session(&state, &caller).await;
    state.page(
        pages::notice(title, text, links),
        session.as_ref().map(|s| s.user.name.as_str()),
    )
}
