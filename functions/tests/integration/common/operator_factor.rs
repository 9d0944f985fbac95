//! "Zweiten Faktor zurücksetzen" in the operator console: an operator resets the lost second
//! factor of a colleague after a confirmation step; the colleague's sessions end, the mail
//! arrives at the real SMTP test server and says what happened, the audit trail names the
//! acting operator, and the next sign-in leads to setting up a new factor. Not an operator:
//! 403; the own factor, a person without one, no CSRF token and too many resets: refused,
//! nothing changes.

use std::sync::Arc;

use functions::domain::model::AuditAction;
use functions::domain::orders::ports::PortalStore;
use functions::domain::{Clock, RateLimit};

use super::flows::{set_password_and_sign_in, sign_in};
use super::operator_console::signed_in_operator;
use super::orders::member;
use super::second_factor::{app_code, setup_page, switch_on};
use super::*;

const PAGE: &str = "/api/betrieb/zwei-faktor";
const NEEDS: &str = "/api/betrieb/bedarfe";

async fn has_factor(store: &Arc<dyn PortalStore>, email: &str) -> bool {
    store
        .find_user_by_email(email)
        .await
        .expect("read")
        .expect("user")
        .second_factor
        .is_some()
}

async fn post(app: &TestApp, cookie: &str, email: &str, confirmed: bool) -> Reply {
    let csrf = app.csrf_token(cookie).await;
    let mut fields = vec![("csrf", csrf.as_str()), ("email", email)];
    if confirmed {
        fields.push(("bestaetigt", "ja"));
    }
    app.post_form(PAGE, &fields, Opts::html().cookie(cookie))
        .await
}

/// A second person of the operator's team (invited by `olga`), with a second factor.
async fn colleague(app: &TestApp, olga: &str, name: &str, email: &str) -> String {
    let sent = super::members::invite(app, olga, name, email, "mitarbeiter").await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let cookie = set_password_and_sign_in(app, &app.link_in_mail(email, "Einladung"), email).await;
    let (key, proof) = setup_page(app, &cookie).await;
    let on = switch_on(app, &cookie, &proof, &app_code(&key, app.clock.now())).await;
    assert_eq!(on.status, 200, "{}", on.body);
    cookie
}

/// The mails in the SMTP server's Maildir to `email`, decoded.
async fn arrived(email: &str) -> Vec<String> {
    let (_, maildir) = crate::contracts::smtp_server();
    let local = email.split('@').next().expect("local part");
    for _ in 0..50 {
        let found: Vec<String> = crate::contracts::received(&maildir, local)
            .iter()
            .map(|m| crate::contracts::decoded(m))
            .filter(|m| m.contains("zur=C3=BCckgesetzt") || m.contains("zurückgesetzt"))
            .collect();
        if !found.is_empty() {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Vec::new()
}

pub async fn an_operator_resets_a_lost_second_factor(store: Arc<dyn PortalStore>) {
    let run = functions::domain::tokens::new_id();
    let app = spawn_smtp(Arc::clone(&store), |settings| {
        settings.limits.factor_resets_per_operator = RateLimit {
            max: 3,
            window_secs: 3600,
        };
    })
    .await;
    let olga_email = format!("olga-{run}@betrieb.example");
    let olga = signed_in_operator(&app, &olga_email).await;
    let bernd_email = format!("bernd-{run}@betrieb.example");
    let bernd = colleague(&app, &olga, "Bernd Betrieb", &bernd_email).await;
    let customer_email = format!("kunde-{run}@stadt-faktor.de");
    let customer = member(&app, "Stadt Faktor", &customer_email, true).await;

    // Not an operator: 403, and nothing changes.
    let refused = post(&app, &customer, &bernd_email, true).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(
        app.get(PAGE, Opts::html().cookie(&customer)).await.status,
        403
    );
    assert!(has_factor(&store, &bernd_email).await);

    // The organisation's page links each colleague with a factor to the form, not Olga.
    let org = store
        .find_user_by_email(&olga_email)
        .await
        .expect("read")
        .expect("user")
        .org_id;
    let org_page = app
        .get(
            &format!("/api/betrieb/organisationen/{org}"),
            Opts::html().cookie(&olga),
        )
        .await;
    let links = markup::attrs(&org_page.body, "main table.members a", "href");
    assert_eq!(
        links,
        [format!(
            "{PAGE}?{}",
            form_urlencoded::Serializer::new(String::new())
                .append_pair("email", &bernd_email)
                .finish()
        )]
    );
    let form = app.get(&links[0], Opts::html().cookie(&olga)).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert_eq!(
        markup::attrs(&form.body, "main form input[name=email]", "value"),
        std::slice::from_ref(&bernd_email)
    );

    // Refusals at the field: the own factor, a person without one, an unknown address.
    for (email, words) in [
        (olga_email.as_str(), "eigenen zweiten Faktor"),
        (customer_email.as_str(), "ohne zweiten Faktor"),
        ("niemand@betrieb.example", "kein Konto"),
    ] {
        let wrong = post(&app, &olga, email, false).await;
        assert_eq!(wrong.status, 422, "{}", wrong.body);
        let message = markup::texts(&wrong.body, "main #zf-email-fehler");
        assert!(
            message.len() == 1 && message[0].contains(words),
            "{email}: {message:?}"
        );
        assert_eq!(
            markup::attrs(&wrong.body, "main .error-summary a", "href"),
            ["#zf-email"]
        );
    }
    let own = post(&app, &olga, &olga_email, true).await;
    assert_eq!(
        own.status, 422,
        "the confirmed form refuses the own factor too"
    );
    assert!(has_factor(&store, &olga_email).await);

    // No CSRF token: refused.
    let forged = app
        .post_form(
            PAGE,
            &[("email", bernd_email.as_str()), ("bestaetigt", "ja")],
            Opts::html().cookie(&olga),
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert!(has_factor(&store, &bernd_email).await);

    // The first step only asks.
    let ask = post(&app, &olga, &bernd_email, false).await;
    assert_eq!(ask.status, 200, "{}", ask.body);
    assert_eq!(
        markup::texts(&ask.body, "main h1"),
        ["Wirklich zurücksetzen?"]
    );
    assert!(markup::texts(&ask.body, "main dd").contains(&"Bernd Betrieb".to_owned()));
    assert_eq!(
        markup::attrs(&ask.body, "main form input[name=bestaetigt]", "value"),
        ["ja"]
    );
    assert!(
        has_factor(&store, &bernd_email).await,
        "asking changes nothing"
    );
    assert_eq!(
        app.get(NEEDS, Opts::html().cookie(&bernd)).await.status,
        200
    );

    // Confirmed: the factor is gone, Bernd's session has ended, the mail arrives.
    let done = post(&app, &olga, &bernd_email, true).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let back = done.location.expect("back to the form");
    let notice = app.get(&back, Opts::html().cookie(&olga)).await;
    let said = markup::texts(&notice.body, "main .notice");
    assert!(
        said.len() == 1 && said[0].contains("Bernd Betrieb") && said[0].contains("zurückgesetzt"),
        "{said:?}"
    );
    assert!(!has_factor(&store, &bernd_email).await);
    assert_eq!(
        app.get(NEEDS, Opts::html().cookie(&bernd)).await.status,
        401,
        "Bernd's session ended"
    );
    let user = store
        .find_user_by_email(&bernd_email)
        .await
        .expect("read")
        .expect("user");
    let resets: Vec<_> = store
        .list_audit(&user.org_id)
        .await
        .expect("audit")
        .into_iter()
        .filter(|a| a.action == AuditAction::SecondFactorReset)
        .collect();
    assert_eq!(resets.len(), 1);
    assert_eq!(resets[0].actor, "Olga Betrieb", "the acting operator");
    assert!(resets[0].subject.contains(&bernd_email));
    let mails = arrived(&bernd_email).await;
    assert_eq!(mails.len(), 1, "one mail at the SMTP server");
    assert!(mails[0].contains("Zwei-Faktor-Anmeldung"), "{}", mails[0]);
    assert!(
        mails[0].contains("neu ein") && mails[0].contains("abgemeldet"),
        "says what happened and what comes next: {}",
        mails[0]
    );

    // A second confirmed reset: a clear message, nothing written.
    let again = post(&app, &olga, &bernd_email, true).await;
    assert_eq!(again.status, 422);
    assert_eq!(
        store
            .list_audit(&user.org_id)
            .await
            .expect("audit")
            .iter()
            .filter(|a| a.action == AuditAction::SecondFactorReset)
            .count(),
        1
    );

    // Bernd signs in with the password and is led to set up a new factor first.
    let signed_in = sign_in(&app, &bernd_email, PASSWORD).await;
    assert_eq!(
        (signed_in.status, signed_in.location.as_deref()),
        (303, Some("/api/konto/zwei-faktor")),
        "{}",
        signed_in.body
    );

    // The rate limit counts confirmed attempts per operator (three an hour in this test:
    // the own factor, Bernd's and the second try), then answers 429 and changes nothing.
    let cara_email = format!("cara-{run}@betrieb.example");
    colleague(&app, &olga, "Cara Betrieb", &cara_email).await;
    let limited = post(&app, &olga, &cara_email, true).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(has_factor(&store, &cara_email).await);
}
