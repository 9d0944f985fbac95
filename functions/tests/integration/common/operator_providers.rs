//! "Anbieterorganisationen" in the operator console: the provider and intermediary
//! organisations with their first Hauptadmin and the invitation's state, the catalog's
//! providers without one; customers and providers are refused.

use std::sync::Arc;

use functions::domain::model::OrgKind;
use functions::domain::orders::ports::PortalStore;

use super::console::party_member;
use super::operator_console::signed_in_operator;
use super::orders::member;
use super::*;

const PAGE: &str = "/api/betrieb/anbieter";

pub async fn operator_lists_provider_orgs(store: Arc<dyn PortalStore>) {
    let app = spawn(Arc::clone(&store)).await;
    let customer = member(
        &app,
        "Stadt Anbieterliste",
        "chefin@stadt-anbieterliste.de",
        true,
    )
    .await;
    let operator = signed_in_operator(&app, "anbieter@betrieb.example").await;

    // Before: Dataport is among the providers without an organisation.
    let before = app.get(PAGE, Opts::html().cookie(&operator)).await;
    assert_eq!(before.status, 200, "{}", before.body);
    assert!(markup::texts(&before.body, "main tbody th").is_empty());
    let without = markup::texts(&before.body, "main ul.without-org li");
    assert!(
        without.iter().any(|t| t.contains("(dataport)")),
        "{without:?}"
    );

    // The intermediary accepted its invitation; Dataport is invited, not yet accepted.
    let intermediary = party_member(
        &app,
        OrgKind::Intermediary,
        "Intermediär GmbH",
        "admin@intermediaer-liste.example",
    )
    .await;
    app.state
        .orders
        .create_party_org(
            OrgKind::Provider {
                provider_id: "dataport".into(),
            },
            "Dataport AöR",
            "Dana Daten",
            "dana@dataport-liste.example",
        )
        .await
        .expect("created");

    let page = app.get(PAGE, Opts::html().cookie(&operator)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        markup::texts(&page.body, "main tbody th"),
        ["Dataport AöR", "Intermediär GmbH"]
    );
    assert_eq!(
        markup::texts(&page.body, "main tbody td:not(:last-child)"),
        [
            "dataport",
            "Dana Daten",
            "dana@dataport-liste.example",
            "Intermediär",
            "Paula Anbieter",
            "admin@intermediaer-liste.example",
        ]
    );
    assert_eq!(
        markup::texts(&page.body, "main tbody td .invitation"),
        ["eingeladen", "angenommen"]
    );
    // Only the pending invitation can be sent again.
    assert_eq!(
        markup::texts(&page.body, "main tbody td form button"),
        ["Einladung erneut senden"]
    );
    let without = markup::texts(&page.body, "main ul.without-org li");
    assert!(
        !without.iter().any(|t| t.contains("(dataport)")),
        "{without:?}"
    );
    assert!(!without.is_empty(), "other providers have none yet");
    // The console's navigation leads here.
    assert!(
        markup::texts(&page.body, "nav.console-nav a[aria-current=page]")
            .contains(&"Anbieterorganisationen".to_owned())
    );

    // JSON for the same session.
    let json = app.get(PAGE, Opts::json().cookie(&operator)).await;
    assert_eq!(json.status, 200, "{}", json.body);
    let value = json.json();
    assert_eq!(value["organisationen"][0]["einladung"], "invited");
    assert_eq!(value["organisationen"][1]["einladung"], "accepted");

    // Customers and providers are refused.
    for cookie in [&customer, &intermediary] {
        assert_eq!(app.get(PAGE, Opts::html().cookie(cookie)).await.status, 403);
    }
    // Signed out: not shown.
    assert_ne!(app.get(PAGE, Opts::html()).await.status, 200);
}

/// Posts the form "Anbieterorganisation anlegen" as the browser does.
async fn create(app: &TestApp, cookie: &str, fields: &[(&str, &str)]) -> Reply {
    let csrf = app.csrf_token(cookie).await;
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    app.post_form(PAGE, &all, Opts::html().cookie(cookie)).await
}

/// The messages at the form's fields, by the field's id.
fn field_errors(body: &str) -> Vec<String> {
    markup::attrs(body, "form p.field-error", "id")
}

pub async fn operator_creates_provider_org(store: Arc<dyn PortalStore>) {
    let app = spawn(Arc::clone(&store)).await;
    let customer = member(&app, "Stadt Formular", "chefin@stadt-formular.de", true).await;
    let operator = signed_in_operator(&app, "anlegen@betrieb.example").await;

    // The form offers the catalog's providers without an organisation and the intermediary.
    let page = app.get(PAGE, Opts::html().cookie(&operator)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let choices = markup::attrs(&page.body, "form select#partei option", "value");
    assert!(choices.contains(&"dataport".to_owned()), "{choices:?}");
    assert!(choices.contains(&"intermediaer".to_owned()), "{choices:?}");

    // Everything missing: a message at each field, nothing created.
    let empty = create(&app, &operator, &[]).await;
    assert_eq!(empty.status, 422, "{}", empty.body);
    assert_eq!(
        field_errors(&empty.body),
        [
            "partei-fehler",
            "partei-org-name-fehler",
            "partei-admin-name-fehler",
            "partei-admin-email-fehler"
        ]
    );

    // Without the CSRF token, or as a customer: refused, nothing created.
    let forged = app
        .post_form(
            PAGE,
            &[
                ("partei", "dataport"),
                ("name", "Gefälscht"),
                ("admin_name", "X"),
                ("admin_email", "x@gefaelscht.example"),
            ],
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    let by_customer = create(
        &app,
        &customer,
        &[
            ("partei", "dataport"),
            ("name", "Gefälscht"),
            ("admin_name", "X"),
            ("admin_email", "x@gefaelscht.example"),
        ],
    )
    .await;
    assert_eq!(by_customer.status, 403, "{}", by_customer.body);
    assert!(
        store
            .find_user_by_email("x@gefaelscht.example")
            .await
            .expect("read")
            .is_none()
    );

    // Dataport: created, its first Hauptadmin invited by mail, listed as eingeladen.
    let fields = [
        ("partei", "dataport"),
        ("name", "Dataport AöR"),
        ("admin_name", "Dana Daten"),
        ("admin_email", "dana@dataport-formular.example"),
    ];
    let created = create(&app, &operator, &fields).await;
    assert_eq!(created.status, 303, "{}", created.body);
    let back = created.location.expect("redirect");
    assert_eq!(back, format!("{PAGE}?hinweis=angelegt"));
    let listed = app.get(&back, Opts::html().cookie(&operator)).await;
    assert_eq!(
        markup::texts(&listed.body, "main tbody th"),
        ["Dataport AöR"]
    );
    assert_eq!(
        markup::texts(&listed.body, "main tbody td .invitation"),
        ["eingeladen"]
    );
    assert!(!markup::texts(&listed.body, "[role=status]").is_empty());
    let link = app.link_in_mail("dana@dataport-formular.example", "Einladung");
    assert!(link.contains("/api/passwort-setzen?token="), "{link}");

    // Again for Dataport: exists already; the intermediary with a taken address.
    let again = create(
        &app,
        &operator,
        &[
            ("partei", "dataport"),
            ("name", "Dataport zwei"),
            ("admin_name", "Zweite"),
            ("admin_email", "zweite@dataport-formular.example"),
        ],
    )
    .await;
    assert_eq!(again.status, 422, "{}", again.body);
    assert_eq!(field_errors(&again.body), ["partei-fehler"]);
    let taken = create(
        &app,
        &operator,
        &[
            ("partei", "intermediaer"),
            ("name", "Intermediär GmbH"),
            ("admin_name", "Ida"),
            ("admin_email", "dana@dataport-formular.example"),
        ],
    )
    .await;
    assert_eq!(taken.status, 422, "{}", taken.body);
    assert_eq!(field_errors(&taken.body), ["partei-admin-email-fehler"]);
    // What was entered is shown again.
    assert_eq!(
        markup::attrs(&taken.body, "input#partei-org-name", "value"),
        ["Intermediär GmbH"]
    );
    let unknown = create(
        &app,
        &operator,
        &[
            ("partei", "gibt-es-nicht"),
            ("name", "Niemand"),
            ("admin_name", "Nora"),
            ("admin_email", "nora@niemand.example"),
        ],
    )
    .await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert_eq!(field_errors(&unknown.body), ["partei-fehler"]);
    let after = app.get(PAGE, Opts::html().cookie(&operator)).await;
    assert_eq!(
        markup::texts(&after.body, "main tbody th"),
        ["Dataport AöR"]
    );
}

pub async fn operator_resends_first_invitation(store: Arc<dyn PortalStore>) {
    let app = spawn(Arc::clone(&store)).await;
    let customer = member(&app, "Stadt Erneut", "chefin@stadt-erneut.de", true).await;
    let operator = signed_in_operator(&app, "erneut@betrieb.example").await;
    let created = create(
        &app,
        &operator,
        &[
            ("partei", "dataport"),
            ("name", "Dataport AöR"),
            ("admin_name", "Dana Daten"),
            ("admin_email", "dana@dataport-erneut.example"),
        ],
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let first = app.link_in_mail("dana@dataport-erneut.example", "Einladung");
    let page = app.get(PAGE, Opts::html().cookie(&operator)).await;
    let action = markup::attrs(&page.body, "main tbody td form", "action");
    assert_eq!(action.len(), 1, "{}", page.body);
    let action = action[0].clone();

    // A customer cannot resend; nothing is mailed.
    let csrf = app.csrf_token(&customer).await;
    let refused = app
        .post_form(&action, &[("csrf", &csrf)], Opts::html().cookie(&customer))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    app.state.outbox.mail_queued().await;
    assert_eq!(
        app.link_in_mail("dana@dataport-erneut.example", "Einladung"),
        first
    );

    // The operator resends: a new link, the old one void.
    let csrf = app.csrf_token(&operator).await;
    let resent = app
        .post_form(&action, &[("csrf", &csrf)], Opts::html().cookie(&operator))
        .await;
    assert_eq!(resent.status, 303, "{}", resent.body);
    assert_eq!(
        resent.location.as_deref(),
        Some("/api/betrieb/anbieter?hinweis=erneut-gesendet")
    );
    let second = app.link_in_mail("dana@dataport-erneut.example", "Einladung");
    assert_ne!(second, first);
    let old = app
        .post_form(
            "/api/passwort-setzen",
            &[
                ("token", &token_of(&first)),
                ("passwort", "ein-langes-Passwort-2026"),
                ("passwort_wiederholung", "ein-langes-Passwort-2026"),
            ],
            Opts::html(),
        )
        .await;
    assert_ne!(
        old.location.as_deref(),
        Some("/api/hinweis/passwort-gesetzt"),
        "the old link no longer sets a password"
    );
    // The new link works: the invitation is accepted, and resending is no longer offered.
    super::flows::set_password_and_sign_in(&app, &second, "dana@dataport-erneut.example").await;
    let after = app.get(PAGE, Opts::html().cookie(&operator)).await;
    assert_eq!(
        markup::texts(&after.body, "main tbody td .invitation"),
        ["angenommen"]
    );
    assert!(markup::texts(&after.body, "main tbody td form button").is_empty());
    let late = app
        .post_form(&action, &[("csrf", &csrf)], Opts::html().cookie(&operator))
        .await;
    assert_eq!(
        late.location.as_deref(),
        Some("/api/betrieb/anbieter?hinweis=schon-angenommen")
    );
}

/// The form "Einladung erneut senden" of the only pending row, posted as the browser does.
async fn resend_pending(app: &TestApp, operator: &str) -> Reply {
    let page = app.get(PAGE, Opts::html().cookie(operator)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let action = markup::attrs(&page.body, "main tbody td form", "action");
    assert_eq!(action.len(), 1, "{}", page.body);
    let csrf = markup::attrs(&page.body, "main tbody td form input[name=csrf]", "value");
    assert_eq!(csrf.len(), 1, "{}", page.body);
    app.post_form(
        &action[0],
        &[("csrf", &csrf[0])],
        Opts::html().cookie(operator),
    )
    .await
}

/// A mailed invitation link opened as mailed: the page it leads to, after redirects.
async fn open_link(app: &TestApp, link: &str) -> Reply {
    let mut reply = app.get(&path_of(link), Opts::html()).await;
    while let Some(next) = reply.location.clone() {
        reply = app.get(&next, Opts::html()).await;
    }
    reply
}

/// An invitation past its seven days is listed as "Einladung abgelaufen" and its link no
/// longer opens the password form; sending it again gives a link that works, the old one
/// stays void.
pub async fn expired_first_invitation_is_listed_and_sent_again(store: Arc<dyn PortalStore>) {
    let app = spawn(Arc::clone(&store)).await;
    app.state
        .orders
        .create_party_org(
            OrgKind::Provider {
                provider_id: "dataport".into(),
            },
            "Dataport AöR",
            "Dana Daten",
            "dana@dataport-abgelaufen.example",
        )
        .await
        .expect("created");
    app.state.outbox.mail_queued().await;
    let first = app.link_in_mail("dana@dataport-abgelaufen.example", "Einladung");
    let valid = open_link(&app, &first).await;
    assert_eq!(
        markup::texts(&valid.body, "main h1"),
        ["Passwort festlegen"]
    );

    // Seven days and a second later.
    app.clock.advance(7 * 24 * 60 * 60 + 1);
    let operator = signed_in_operator(&app, "abgelaufen@betrieb.example").await;
    let page = app.get(PAGE, Opts::html().cookie(&operator)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(markup::texts(&page.body, "main tbody th"), ["Dataport AöR"]);
    assert_eq!(
        markup::texts(&page.body, "main tbody td .invitation"),
        ["Einladung abgelaufen"]
    );
    assert_eq!(
        markup::texts(&page.body, "main tbody td form button"),
        ["Einladung erneut senden"]
    );
    let json = app.get(PAGE, Opts::json().cookie(&operator)).await;
    assert_eq!(json.json()["organisationen"][0]["einladung"], "expired");

    // The mailed link no longer leads to the password form.
    let expired = open_link(&app, &first).await;
    assert_eq!(
        markup::texts(&expired.body, "main h1"),
        ["Link ungültig oder abgelaufen"]
    );

    // Sent again: a new link that works; the old one stays void.
    let resent = resend_pending(&app, &operator).await;
    assert_eq!(
        resent.location.as_deref(),
        Some("/api/betrieb/anbieter?hinweis=erneut-gesendet")
    );
    let listed = app
        .get(
            resent.location.as_deref().unwrap_or(PAGE),
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(
        markup::texts(&listed.body, "main tbody td .invitation"),
        ["eingeladen"]
    );
    assert_eq!(markup::texts(&listed.body, "[role=status] p").len(), 1);
    let second = app.link_in_mail("dana@dataport-abgelaufen.example", "Einladung");
    assert_ne!(second, first);
    let old = open_link(&app, &first).await;
    assert_eq!(
        markup::texts(&old.body, "main h1"),
        ["Link ungültig oder abgelaufen"]
    );
    super::flows::set_password_and_sign_in(&app, &second, "dana@dataport-abgelaufen.example").await;
    let after = app.get(PAGE, Opts::html().cookie(&operator)).await;
    assert_eq!(
        markup::texts(&after.body, "main tbody td .invitation"),
        ["angenommen"]
    );
    let old = open_link(&app, &first).await;
    assert_eq!(
        markup::texts(&old.body, "main h1"),
        ["Link ungültig oder abgelaufen"]
    );
}

/// "Einladung erneut senden" is limited per organisation and hour: over the limit the page
/// says so, no mail goes out and the last link keeps working; another organisation and the
/// next hour are not affected.
pub async fn resending_first_invitations_is_limited(store: Arc<dyn PortalStore>) {
    let app = spawn_with(Arc::clone(&store), |settings| {
        settings.limits.party_invitations_per_org = functions::domain::RateLimit {
            max: 2,
            window_secs: 3600,
        };
    })
    .await;
    let operator = signed_in_operator(&app, "grenze@betrieb.example").await;
    let created = create(
        &app,
        &operator,
        &[
            ("partei", "dataport"),
            ("name", "Dataport AöR"),
            ("admin_name", "Dana Daten"),
            ("admin_email", "dana@dataport-grenze.example"),
        ],
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.body);
    for _ in 0..2 {
        let resent = resend_pending(&app, &operator).await;
        assert_eq!(resent.status, 303, "{}", resent.body);
    }
    app.state.outbox.mail_queued().await;
    let mails = app.mails_to("dana@dataport-grenze.example");
    assert_eq!(mails, 3, "the invitation and two sent again");
    let last = app.link_in_mail("dana@dataport-grenze.example", "Einladung");

    let limited = resend_pending(&app, &operator).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.headers.get("retry-after").is_some());
    let alert = markup::texts(&limited.body, "main [role=alert] p");
    assert_eq!(alert.len(), 1, "{}", limited.body);
    assert!(alert[0].contains("zu oft erneut gesendet"), "{alert:?}");
    // The page is still the list, with the row still pending.
    assert_eq!(
        markup::texts(&limited.body, "main tbody td .invitation"),
        ["eingeladen"]
    );
    app.state.outbox.mail_queued().await;
    assert_eq!(app.mails_to("dana@dataport-grenze.example"), mails);
    // Nothing changed: the last link still opens the password form.
    let form = open_link(&app, &last).await;
    assert_eq!(markup::texts(&form.body, "main h1"), ["Passwort festlegen"]);

    // The next hour (when Retry-After says; the session kept alive halfway): sent again.
    let wait: i64 = limited
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("seconds");
    assert!((1..=3600).contains(&wait), "{wait}");
    app.clock.advance(wait / 2);
    assert_eq!(
        app.get(PAGE, Opts::html().cookie(&operator)).await.status,
        200
    );
    app.clock.advance(wait - wait / 2);
    let resent = resend_pending(&app, &operator).await;
    assert_eq!(resent.status, 303, "{}", resent.body);
    app.state.outbox.mail_queued().await;
    assert_eq!(app.mails_to("dana@dataport-grenze.example"), mails + 1);
    let newest = app.link_in_mail("dana@dataport-grenze.example", "Einladung");
    assert_ne!(newest, last);
    let void = open_link(&app, &last).await;
    assert_eq!(
        markup::texts(&void.body, "main h1"),
        ["Link ungültig oder abgelaufen"]
    );
}
