//! The operator console in the browser: a signed-in operator (with the mandatory second
//! factor) reviews registrations, approves one and rejects one with a reason; customers and
//! providers are refused; the bearer-token JSON API keeps working.

use std::sync::Arc;

use functions::domain::Clock;
use functions::domain::model::{OrgKind, OrgStatus};
use functions::domain::orders::ports::PortalStore;

use super::console::party_member;
use super::flows::{register_and_confirm, register_confirm_approve, set_password_and_sign_in};
use super::second_factor::{app_code, setup_page, switch_on};
use super::*;

const LIST: &str = "/api/betrieb/registrierungen";

/// An operator created as `admin create-operator` does, who accepted the invitation, set a
/// password and switched the second factor on. Returns the session cookie.
pub async fn signed_in_operator(app: &TestApp, email: &str) -> String {
    app.state
        .orders
        .create_party_org(OrgKind::Operator, "Betrieb", "Olga Betrieb", email)
        .await
        .expect("operator");
    app.state.outbox.mail_queued().await;
    let link = app.link_in_mail(email, "Einladung");
    let cookie = set_password_and_sign_in(app, &link, email).await;
    let (key, proof) = setup_page(app, &cookie).await;
    let on = switch_on(app, &cookie, &proof, &app_code(&key, app.clock.now())).await;
    assert_eq!(on.status, 200, "{}", on.body);
    cookie
}

async fn status_of(store: &Arc<dyn PortalStore>, email: &str) -> (OrgStatus, Option<String>) {
    let user = store
        .find_user_by_email(email)
        .await
        .expect("read")
        .expect("user");
    let org = store
        .get_org(&user.org_id)
        .await
        .expect("read")
        .expect("org");
    (org.status, org.reject_reason)
}

pub async fn operator_reviews_registrations_in_the_console(store: Arc<dyn PortalStore>) {
    let app = spawn(Arc::clone(&store)).await;
    register_and_confirm(&app, "Amt Frei", "frei@amt-konsole.de").await;
    register_and_confirm(&app, "Amt Nein", "nein@amt-konsole.de").await;
    let operator = signed_in_operator(&app, "konsole@betrieb.example").await;

    // The list: both registrations with their Hauptadministration, each linked.
    let list = app.get(LIST, Opts::html().cookie(&operator)).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(
        markup::texts(&list.body, "main h1"),
        ["Registrierungen prüfen"]
    );
    let names = markup::texts(&list.body, "main tbody th a");
    assert!(names.contains(&"Amt Frei".to_owned()), "{names:?}");
    assert!(names.contains(&"Amt Nein".to_owned()), "{names:?}");
    let links = markup::attrs(&list.body, "main tbody th a", "href");
    let link_of = |name: &str| {
        let at = names.iter().position(|n| n == name).expect("listed");
        links[at].clone()
    };
    let (free, refuse) = (link_of("Amt Frei"), link_of("Amt Nein"));

    // Customers and providers are refused, and change nothing.
    let customer_link = register_confirm_approve(&app, "Amt Kunde", "kunde@amt-konsole.de").await;
    let customer = set_password_and_sign_in(&app, &customer_link, "kunde@amt-konsole.de").await;
    let provider = party_member(
        &app,
        OrgKind::Provider {
            provider_id: "dataport".into(),
        },
        "Dataport",
        "anbieter@dataport-konsole.example",
    )
    .await;
    for cookie in [&customer, &provider] {
        for path in [LIST, free.as_str()] {
            let refused = app.get(path, Opts::html().cookie(cookie)).await;
            assert_eq!(refused.status, 403, "{path}: {}", refused.body);
        }
        let csrf = app.csrf_token(cookie).await;
        let approve = app
            .post_form(
                &format!("{free}/freigabe"),
                &[("csrf", &csrf)],
                Opts::html().cookie(cookie),
            )
            .await;
        assert_eq!(approve.status, 403, "{}", approve.body);
    }
    let signed_out = app.get(LIST, Opts::html()).await;
    assert_eq!(signed_out.status, 401, "{}", signed_out.body);
    assert_eq!(
        status_of(&store, "frei@amt-konsole.de").await.0,
        OrgStatus::AwaitingReview
    );

    // Approve from the registration's page.
    let page = app.get(&free, Opts::html().cookie(&operator)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        markup::texts(&page.body, "main h1"),
        ["Registrierung prüfen: Amt Frei"]
    );
    assert!(markup::texts(&page.body, "main dd").contains(&"frei@amt-konsole.de".to_owned()));
    let csrf = app.csrf_token(&operator).await;
    let approved = app
        .post_form(
            &format!("{free}/freigabe"),
            &[("csrf", &csrf)],
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(
        (approved.status, approved.location.as_deref()),
        (
            303,
            Some("/api/betrieb/registrierungen?hinweis=freigegeben")
        ),
        "{}",
        approved.body
    );
    assert_eq!(
        status_of(&store, "frei@amt-konsole.de").await.0,
        OrgStatus::Approved
    );
    let invitation = app.link_in_mail("frei@amt-konsole.de", "freigegeben");
    assert!(invitation.contains("/api/passwort-setzen?token="));

    // Reject: without the CSRF token, and without a reason, nothing changes.
    let forged = app
        .post_form(
            &format!("{refuse}/ablehnung"),
            &[("grund", "Keine Behörde")],
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    let empty = app
        .post_form(
            &format!("{refuse}/ablehnung"),
            &[("grund", "  "), ("csrf", &csrf)],
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(empty.status, 422, "{}", empty.body);
    assert_eq!(
        markup::attrs(&empty.body, "main textarea[name=grund]", "aria-invalid"),
        ["true"]
    );
    assert_eq!(
        status_of(&store, "nein@amt-konsole.de").await,
        (OrgStatus::AwaitingReview, None)
    );
    let rejected = app
        .post_form(
            &format!("{refuse}/ablehnung"),
            &[("grund", "Keine öffentliche Stelle."), ("csrf", &csrf)],
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(
        (rejected.status, rejected.location.as_deref()),
        (303, Some("/api/betrieb/registrierungen?hinweis=abgelehnt")),
        "{}",
        rejected.body
    );
    assert_eq!(
        status_of(&store, "nein@amt-konsole.de").await,
        (
            OrgStatus::Rejected,
            Some("Keine öffentliche Stelle.".to_owned())
        )
    );
    assert!(
        app.mails_to("nein@amt-konsole.de") >= 2,
        "confirmation and rejection"
    );

    // Decided: the list is empty, a second decision says so.
    let list = app.get(LIST, Opts::html().cookie(&operator)).await;
    assert!(markup::texts(&list.body, "main tbody th a").is_empty());
    let twice = app
        .post_form(
            &format!("{free}/freigabe"),
            &[("csrf", &csrf)],
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(
        twice.location.as_deref(),
        Some("/api/betrieb/registrierungen?hinweis=entschieden")
    );

    // The bearer-token API is unchanged.
    let api = app.get(LIST, Opts::operator()).await;
    assert_eq!(api.status, 200, "{}", api.body);
    assert!(
        api.json()["registrierungen"]
            .as_array()
            .expect("list")
            .is_empty()
    );
    let one = app.get(&free, Opts::operator()).await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.json()["name"], "Amt Frei");
    assert_eq!(one.json()["status"], "approved");
    assert_eq!(one.json()["administrator"]["email"], "frei@amt-konsole.de");
}
