//! End-to-end account flows and security checks over HTTP, run against every store.

use std::sync::Arc;

use functions::domain::model::OrgStatus;
use functions::domain::orders::ports::PortalStore;

use super::*;

/// Registers (with the proof of work, as a script would), confirms, and has the operator
/// approve; returns the app's set-password link for `email`.
pub async fn register_confirm_approve(app: &TestApp, org: &str, email: &str) -> String {
    register_confirm_approve_fields(app, org, email, registration(org, email)).await
}

/// [`register_confirm_approve`] with the registration form's fields given.
pub async fn register_confirm_approve_fields(
    app: &TestApp,
    org: &str,
    email: &str,
    fields: Vec<(&'static str, String)>,
) -> String {
    register_and_confirm_fields(app, email, fields).await;
    let pending = app
        .get("/api/betrieb/registrierungen", Opts::operator())
        .await;
    assert_eq!(pending.status, 200, "{}", pending.body);
    let list = pending.json();
    let entry = list["registrierungen"]
        .as_array()
        .expect("list")
        .iter()
        .find(|r| r["name"] == org)
        .cloned()
        .expect("pending registration listed");
    let id = entry["id"].as_str().expect("id").to_owned();
    assert_eq!(entry["administrator"]["email"], email);
    let approved = app
        .post_raw(
            &format!("/api/betrieb/registrierungen/{id}/freigabe"),
            "application/json",
            b"{}".to_vec(),
            Opts::operator(),
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    assert_eq!(approved.json()["organisation"]["status"], "approved");
    app.link_in_mail(email, "freigegeben")
}

/// Registers `org` and confirms the address through the mailed link: the registration then
/// waits for the operator's review.
pub async fn register_and_confirm(app: &TestApp, org: &str, email: &str) {
    register_and_confirm_fields(app, email, registration(org, email)).await;
}

async fn register_and_confirm_fields(
    app: &TestApp,
    email: &str,
    mut fields: Vec<(&'static str, String)>,
) {
    fields.push(("altcha", app.altcha().await));
    let reply = app
        .post_form("/api/registrierung", &as_pairs(&fields), Opts::json())
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.json()["weiter"],
        "/api/hinweis/registrierung-eingegangen"
    );

    let link = app.link_in_mail(email, "bestätigen");
    let page = app.get(&path_of(&link), Opts::html()).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        markup::texts(&page.body, "main h1"),
        ["E-Mail-Adresse bestätigen"]
    );
    let confirmed = app
        .post_form(
            "/api/bestaetigen",
            &[("token", &token_of(&link))],
            Opts::html(),
        )
        .await;
    assert_eq!(
        (confirmed.status, confirmed.location.as_deref()),
        (303, Some("/api/hinweis/email-bestaetigt")),
        "{}",
        confirmed.body
    );
    assert!(
        app.mails_to("betrieb@portal.example") >= 1,
        "operator notified"
    );
}

/// Sets the password through `link` and signs in; returns the session cookie.
pub async fn set_password_and_sign_in(app: &TestApp, link: &str, email: &str) -> String {
    let form = app.get(&path_of(link), Opts::html()).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert_eq!(markup::texts(&form.body, "main h1"), ["Passwort festlegen"]);
    let set = app
        .post_form(
            "/api/passwort-setzen",
            &[
                ("token", &token_of(link)),
                ("passwort", PASSWORD),
                ("passwort_wiederholung", PASSWORD),
            ],
            Opts::html(),
        )
        .await;
    assert_eq!(
        (set.status, set.location.as_deref()),
        (303, Some("/api/hinweis/passwort-gesetzt")),
        "{}",
        set.body
    );
    sign_in(app, email, PASSWORD)
        .await
        .session_cookie()
        .expect("session cookie")
}

pub async fn sign_in(app: &TestApp, email: &str, password: &str) -> Reply {
    app.post_form(
        "/api/anmeldung",
        &[("email", email), ("passwort", password)],
        Opts::html(),
    )
    .await
}

/// register → confirm → approve → set password → sign in → session → sign out.
pub async fn full_account_flow(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let email = "erika@musterstadt.de";
    let link = register_confirm_approve(&app, "Stadt Musterstadt", email).await;
    let cookie = set_password_and_sign_in(&app, &link, email).await;

    let signed_in = sign_in(&app, email, PASSWORD).await;
    assert_eq!(
        (signed_in.status, signed_in.location.as_deref()),
        (303, Some("/api/konto"))
    );
    let set_cookie = &signed_in.set_cookie[0];
    for attribute in [
        "__Host-csp-sitzung=",
        "Path=/",
        "Secure",
        "HttpOnly",
        "SameSite=Lax",
    ] {
        assert!(
            set_cookie.contains(attribute),
            "{set_cookie} lacks {attribute}"
        );
    }

    let session = app.get("/api/sitzung", Opts::json().cookie(&cookie)).await;
    let json = session.json();
    assert_eq!(json["angemeldet"], true);
    assert_eq!(json["organisation"]["name"], "Stadt Musterstadt");
    assert_eq!(
        session
            .headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let csrf = json["csrf"].as_str().expect("csrf").to_owned();

    let account = app.get("/api/konto", Opts::html().cookie(&cookie)).await;
    assert_eq!(account.status, 200);
    let facts = markup::texts(&account.body, "main dd");
    assert!(
        facts.iter().any(|f| f == "Stadt Musterstadt") && facts.iter().any(|f| f == email),
        "{facts:?}"
    );
    // The header shows the signed-in state without JavaScript: the function renders it from
    // the session it has.
    assert_eq!(
        markup::attrs(&account.body, "header li[data-session='out']", "hidden").len(),
        2,
        "Anmelden and Registrieren are hidden"
    );
    assert!(
        markup::attrs(&account.body, "header li[data-session='in']", "hidden").is_empty(),
        "the signed-in entries are shown"
    );
    assert!(
        markup::texts(&account.body, "header [data-session-name]")
            .iter()
            .any(|t| t.contains("Erika")),
        "{}",
        account.body
    );

    let page = app
        .get("/api/abmeldung", Opts::html().cookie(&cookie))
        .await;
    assert_eq!(
        markup::attrs(&page.body, "main form input[name='csrf']", "value"),
        std::slice::from_ref(&csrf),
        "sign-out form carries the token"
    );
    let out = app
        .post_form(
            "/api/abmeldung",
            &[("csrf", &csrf)],
            Opts::html().cookie(&cookie),
        )
        .await;
    assert_eq!(
        (out.status, out.location.as_deref()),
        (303, Some("/api/hinweis/abgemeldet")),
        "{}",
        out.body
    );
    assert!(out.set_cookie.iter().any(|c| c.contains("Max-Age=0")));
    assert_eq!(
        app.get("/api/sitzung", Opts::json().cookie(&cookie))
            .await
            .json()["angemeldet"],
        false
    );
    assert_eq!(
        app.get("/api/konto", Opts::html().cookie(&cookie))
            .await
            .location
            .as_deref(),
        Some("/api/anmeldung")
    );
}

/// The same flow without JavaScript: HTML forms, the arithmetic question, 303 redirects.
pub async fn flow_without_javascript(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let form = app.get("/api/registrierung", Opts::html()).await;
    // The question waits inside <noscript> (a parser that runs scripts reads it as text).
    assert!(
        markup::texts(&form.body, "noscript")
            .iter()
            .any(|t| t.contains("Sicherheitsfrage")),
        "{}",
        form.body
    );
    let fields = registration("Landkreis Ohnejs", "ohne@js.de");
    // First attempt without any human check: the form comes back with the question visible.
    let first = app
        .post_form("/api/registrierung", &as_pairs(&fields), Opts::html())
        .await;
    assert_eq!(first.status, 422, "{}", first.body);
    assert!(
        markup::attrs(&first.body, "main .error-summary a", "href")
            .contains(&"#frage-antwort".to_owned()),
        "{}",
        first.body
    );
    assert_eq!(
        markup::attrs(&first.body, "#org-name", "value"),
        ["Landkreis Ohnejs"],
        "entries are kept"
    );
    let token = markup::attrs(&first.body, "input[name='frage_token']", "value")
        .pop()
        .expect("question token");
    let label = markup::texts(&first.body, "label[for='frage-antwort']")
        .pop()
        .expect("question");
    let text = label
        .split("Sicherheitsfrage: Wie viel ist ")
        .nth(1)
        .expect("question")
        .to_owned();
    let words = [
        "null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun",
    ];
    let mut parts = text.split(' ');
    let (first_word, plus, second_word) = (
        parts.next().expect("a"),
        parts.next(),
        parts.next().expect("b"),
    );
    assert_eq!(plus, Some("plus"));
    let a = words.iter().position(|w| *w == first_word).expect("a");
    let b = words
        .iter()
        .position(|w| *w == second_word.trim_end_matches('?'))
        .expect("b");
    let mut pairs = as_pairs(&fields);
    let answer = (a + b).to_string();
    pairs.push(("frage_token", &token));
    pairs.push(("frage_antwort", &answer));
    let second = app
        .post_form("/api/registrierung", &pairs, Opts::html())
        .await;
    assert_eq!(
        (second.status, second.location.as_deref()),
        (303, Some("/api/hinweis/registrierung-eingegangen")),
        "{}",
        second.body
    );
    let replay = app
        .post_form("/api/registrierung", &pairs, Opts::html())
        .await;
    assert_eq!(replay.status, 422, "an answered question cannot be reused");
    let notice = app
        .get("/api/hinweis/registrierung-eingegangen", Opts::html())
        .await;
    assert_eq!(
        markup::texts(&notice.body, "main h1"),
        ["Vielen Dank für Ihre Registrierung"]
    );
}

/// Wrong input: per-field messages, nothing stored, no 5xx.
pub async fn bad_input_changes_nothing(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let mut fields = registration("", "keine-adresse");
    fields.retain(|(k, _)| *k != "agb");
    fields.push(("plz", "1234".to_owned()));
    fields.push(("altcha", app.altcha().await));
    let reply = app
        .post_form("/api/registrierung", &as_pairs(&fields), Opts::json())
        .await;
    assert_eq!(reply.status, 422);
    let errors = reply.json()["fehler"].clone();
    for field in ["organisation", "email", "plz", "agb"] {
        assert!(errors[field].is_string(), "{field}: {errors}");
    }
    assert!(app.mails.sent().is_empty());
    assert!(
        store
            .list_orgs_by_status(OrgStatus::AwaitingConfirmation)
            .await
            .expect("list")
            .is_empty()
    );

    let html = app
        .post_form("/api/registrierung", &as_pairs(&fields), Opts::html())
        .await;
    assert_eq!(html.status, 422);
    assert!(!markup::texts(&html.body, "main .error-summary li").is_empty());
    assert!(
        markup::attrs(&html.body, "#admin-email", "aria-describedby")
            .iter()
            .any(|d| d.split_whitespace().any(|id| id == "admin-email-fehler")),
        "{}",
        html.body
    );

    let wrong_type = app
        .post_raw(
            "/api/registrierung",
            "text/plain",
            b"x".to_vec(),
            Opts::json(),
        )
        .await;
    assert_eq!(wrong_type.status, 415);
    let too_big = app
        .post_raw(
            "/api/anmeldung",
            "application/x-www-form-urlencoded",
            // Above the 16 KiB limit, but small enough to be written before the server
            // answers 413 (a larger body can race with the server closing the connection).
            vec![b'a'; 20 * 1024],
            Opts::json(),
        )
        .await;
    assert_eq!(too_big.status, 413);
    let broken_json = app
        .post_raw(
            "/api/anmeldung",
            "application/json",
            b"{".to_vec(),
            Opts::json(),
        )
        .await;
    assert_eq!(broken_json.status, 400);
    let garbage_token = app
        .get("/api/passwort-setzen?token=%00%ff", Opts::json())
        .await;
    assert_eq!(garbage_token.status, 400);
    let long_email = format!("{}@example.de", "a".repeat(300));
    let long = app
        .post_form(
            "/api/anmeldung",
            &[("email", &long_email), ("passwort", &"p".repeat(5000))],
            Opts::json(),
        )
        .await;
    assert!(long.status < 500 && long.status >= 400, "{}", long.status);
    assert_eq!(
        app.get("/api/gibt-es-nicht", Opts::json()).await.status,
        404
    );

    let honeypot = {
        let mut f = registration("Bot GmbH", "bot@example.de");
        f.push(("website", "http://spam.example".to_owned()));
        f.push(("altcha", app.altcha().await));
        f
    };
    let bot = app
        .post_form("/api/registrierung", &as_pairs(&honeypot), Opts::html())
        .await;
    assert_eq!(bot.status, 303, "a bot sees success");
    assert_eq!(
        store
            .find_user_by_email("bot@example.de")
            .await
            .expect("find"),
        None,
        "but nothing is stored"
    );
}

/// Cross-site posts are refused; a session's sign-out needs its token.
pub async fn csrf_is_refused(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let mut fields = registration("Fremd", "fremd@example.de");
    fields.push(("altcha", app.altcha().await));
    let evil = app
        .post_form(
            "/api/registrierung",
            &as_pairs(&fields),
            Opts::html().origin("https://evil.example"),
        )
        .await;
    assert_eq!(evil.status, 403);
    let no_origin = app
        .post_form(
            "/api/registrierung",
            &as_pairs(&fields),
            Opts::html().origin(""),
        )
        .await;
    assert_eq!(no_origin.status, 403);
    assert_eq!(
        store
            .find_user_by_email("fremd@example.de")
            .await
            .expect("find"),
        None
    );

    let link = register_confirm_approve(&app, "Amt A", "a@amt.de").await;
    let cookie = set_password_and_sign_in(&app, &link, "a@amt.de").await;
    let without_token = app
        .post_form("/api/abmeldung", &[], Opts::html().cookie(&cookie))
        .await;
    assert_eq!(without_token.status, 403);
    let wrong_token = app
        .post_form(
            "/api/abmeldung",
            &[("csrf", "00")],
            Opts::html().cookie(&cookie),
        )
        .await;
    assert_eq!(wrong_token.status, 403);
    let cross_site = app
        .post_form(
            "/api/abmeldung",
            &[],
            Opts::html().cookie(&cookie).origin("https://evil.example"),
        )
        .await;
    assert_eq!(cross_site.status, 403);
    assert_eq!(
        app.get("/api/sitzung", Opts::json().cookie(&cookie))
            .await
            .json()["angemeldet"],
        true,
        "still signed in"
    );
    let login_csrf = app
        .post_form(
            "/api/anmeldung",
            &[("email", "a@amt.de"), ("passwort", PASSWORD)],
            Opts::html().origin("https://evil.example"),
        )
        .await;
    assert_eq!(login_csrf.status, 403, "no sign-in from another site");
    let csrf = app
        .get("/api/sitzung", Opts::json().cookie(&cookie))
        .await
        .json()["csrf"]
        .as_str()
        .expect("csrf")
        .to_owned();
    let scripted = app
        .post_raw(
            "/api/abmeldung",
            "application/json",
            Vec::new(),
            Opts::json().cookie(&cookie).csrf(&csrf),
        )
        .await;
    assert_eq!(scripted.status, 200, "{}", scripted.body);
}

/// Sign-in issues a fresh id and ends the session the browser brought along.
pub async fn session_fixation_is_prevented(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let link = register_confirm_approve(&app, "Amt Fix", "fix@amt.de").await;
    let first = set_password_and_sign_in(&app, &link, "fix@amt.de").await;
    let planted = "a".repeat(64);
    let reply = app
        .post_form(
            "/api/anmeldung",
            &[("email", "fix@amt.de"), ("passwort", PASSWORD)],
            Opts::html().cookie(&planted),
        )
        .await;
    let fresh = reply.session_cookie().expect("cookie");
    assert_ne!(fresh, planted, "a planted id is never adopted");
    let again = app
        .post_form(
            "/api/anmeldung",
            &[("email", "fix@amt.de"), ("passwort", PASSWORD)],
            Opts::html().cookie(&first),
        )
        .await;
    let newest = again.session_cookie().expect("cookie");
    assert_ne!(newest, first);
    assert_eq!(
        app.get("/api/sitzung", Opts::json().cookie(&first))
            .await
            .json()["angemeldet"],
        false,
        "the old session ended"
    );
    assert_eq!(
        app.get("/api/sitzung", Opts::json().cookie(&newest))
            .await
            .json()["angemeldet"],
        true
    );
    assert_eq!(
        app.get("/api/sitzung", Opts::json().cookie(&planted))
            .await
            .json()["angemeldet"],
        false
    );
}

/// Session timeouts: idle and absolute.
pub async fn sessions_time_out(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let link = register_confirm_approve(&app, "Amt Zeit", "zeit@amt.de").await;
    let cookie = set_password_and_sign_in(&app, &link, "zeit@amt.de").await;
    let idle = app.state.accounts.settings().session_idle_secs;
    app.clock.advance(idle - 10);
    assert_eq!(
        app.get("/api/sitzung", Opts::json().cookie(&cookie))
            .await
            .json()["angemeldet"],
        true,
        "activity keeps it alive"
    );
    app.clock.advance(idle - 10);
    assert_eq!(
        app.get("/api/sitzung", Opts::json().cookie(&cookie))
            .await
            .json()["angemeldet"],
        true
    );
    app.clock.advance(idle + 1);
    assert_eq!(
        app.get("/api/sitzung", Opts::json().cookie(&cookie))
            .await
            .json()["angemeldet"],
        false,
        "idle timeout"
    );

    let cookie = sign_in(&app, "zeit@amt.de", PASSWORD)
        .await
        .session_cookie()
        .expect("cookie");
    let absolute = app.state.accounts.settings().session_absolute_secs;
    let mut elapsed = 0;
    while elapsed + idle / 2 < absolute {
        app.clock.advance(idle / 2);
        elapsed += idle / 2;
        assert_eq!(
            app.get("/api/sitzung", Opts::json().cookie(&cookie))
                .await
                .json()["angemeldet"],
            true
        );
    }
    app.clock.advance(absolute - elapsed + 1);
    assert_eq!(
        app.get("/api/sitzung", Opts::json().cookie(&cookie))
            .await
            .json()["angemeldet"],
        false,
        "absolute timeout"
    );
}

/// Registration, sign-in and reset answer the same whether or not the address exists.
pub async fn no_account_enumeration(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let link = register_confirm_approve(&app, "Amt Enum", "enum@amt.de").await;
    set_password_and_sign_in(&app, &link, "enum@amt.de").await;

    let mut again = registration("Amt Enum Zwei", "enum@amt.de");
    again.push(("altcha", app.altcha().await));
    let mut fresh = registration("Amt Neu", "neu@amt.de");
    fresh.push(("altcha", app.altcha().await));
    let existing = app
        .post_form("/api/registrierung", &as_pairs(&again), Opts::json())
        .await;
    let new = app
        .post_form("/api/registrierung", &as_pairs(&fresh), Opts::json())
        .await;
    assert_eq!(
        (existing.status, existing.body.clone()),
        (new.status, new.body.clone())
    );
    assert!(
        app.link_in_mail("enum@amt.de", "Registrierungsversuch")
            .contains("/api/passwort-vergessen"),
        "the owner is told"
    );

    let wrong_password = app
        .post_form(
            "/api/anmeldung",
            &[("email", "enum@amt.de"), ("passwort", "falsch")],
            Opts::json(),
        )
        .await;
    let unknown = app
        .post_form(
            "/api/anmeldung",
            &[("email", "niemand@amt.de"), ("passwort", "falsch")],
            Opts::json(),
        )
        .await;
    let unapproved = app
        .post_form(
            "/api/anmeldung",
            &[("email", "neu@amt.de"), ("passwort", "falsch")],
            Opts::json(),
        )
        .await;
    assert_eq!(wrong_password.status, 401);
    assert_eq!(
        (wrong_password.status, &wrong_password.body),
        (unknown.status, &unknown.body)
    );
    assert_eq!(
        (wrong_password.status, &wrong_password.body),
        (unapproved.status, &unapproved.body)
    );

    let before = app.mails.sent().len();
    let known = app
        .post_form(
            "/api/passwort-vergessen",
            &[("email", "enum@amt.de")],
            Opts::html(),
        )
        .await;
    let nobody = app
        .post_form(
            "/api/passwort-vergessen",
            &[("email", "niemand@amt.de")],
            Opts::html(),
        )
        .await;
    assert_eq!(
        (known.status, &known.location),
        (nobody.status, &nobody.location)
    );
    assert_eq!(
        known.location.as_deref(),
        Some("/api/hinweis/passwort-link-gesendet")
    );
    assert_eq!(
        app.mails.sent().len(),
        before + 1,
        "only the real account got a mail"
    );
}

/// Links work once and expire: confirmation after 24 h, reset after 1 h.
pub async fn tokens_are_single_use_and_expire(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let link = register_confirm_approve(&app, "Amt Token", "token@amt.de").await;
    // The confirmation link was used in register_confirm_approve.
    let confirm_link = app.link_in_mail("token@amt.de", "bestätigen");
    let reuse = app
        .post_form(
            "/api/bestaetigen",
            &[("token", &token_of(&confirm_link))],
            Opts::html(),
        )
        .await;
    assert_eq!(
        reuse.location.as_deref(),
        Some("/api/hinweis/link-ungueltig")
    );

    set_password_and_sign_in(&app, &link, "token@amt.de").await;
    let reuse = app
        .post_form(
            "/api/passwort-setzen",
            &[
                ("token", &token_of(&link)),
                ("passwort", PASSWORD),
                ("passwort_wiederholung", PASSWORD),
            ],
            Opts::html(),
        )
        .await;
    assert_eq!(
        reuse.location.as_deref(),
        Some("/api/hinweis/link-ungueltig"),
        "invitation used twice"
    );

    app.post_form(
        "/api/passwort-vergessen",
        &[("email", "token@amt.de")],
        Opts::html(),
    )
    .await;
    let reset = app.link_in_mail("token@amt.de", "Neues Passwort");
    app.clock.advance(3601);
    let late = app.get(&path_of(&reset), Opts::json()).await;
    assert_eq!(late.status, 400, "reset link expired after an hour");
    let late_post = app
        .post_form(
            "/api/passwort-setzen",
            &[
                ("token", &token_of(&reset)),
                ("passwort", PASSWORD),
                ("passwort_wiederholung", PASSWORD),
            ],
            Opts::json(),
        )
        .await;
    assert_eq!(late_post.status, 400);

    let mut fields = registration("Amt Spät", "spaet@amt.de");
    fields.push(("altcha", app.altcha().await));
    app.post_form("/api/registrierung", &as_pairs(&fields), Opts::json())
        .await;
    let confirm = app.link_in_mail("spaet@amt.de", "bestätigen");
    app.clock.advance(24 * 3600 + 1);
    let expired = app
        .post_form(
            "/api/bestaetigen",
            &[("token", &token_of(&confirm))],
            Opts::json(),
        )
        .await;
    assert_eq!(
        expired.status, 400,
        "confirmation link expired after 24 hours"
    );

    // A new password ends existing sessions; the new password works, the old does not.
    app.post_form(
        "/api/passwort-vergessen",
        &[("email", "token@amt.de")],
        Opts::html(),
    )
    .await;
    let cookie = sign_in(&app, "token@amt.de", PASSWORD)
        .await
        .session_cookie()
        .expect("cookie");
    let reset = app.link_in_mail("token@amt.de", "Neues Passwort");
    let new_password = "ein ganz anderes, ebenfalls langes Passwort";
    let set = app
        .post_form(
            "/api/passwort-setzen",
            &[
                ("token", &token_of(&reset)),
                ("passwort", new_password),
                ("passwort_wiederholung", new_password),
            ],
            Opts::html(),
        )
        .await;
    assert_eq!(
        set.location.as_deref(),
        Some("/api/hinweis/passwort-gesetzt"),
        "{}",
        set.body
    );
    assert_eq!(
        app.get("/api/sitzung", Opts::json().cookie(&cookie))
            .await
            .json()["angemeldet"],
        false
    );
    assert_eq!(sign_in(&app, "token@amt.de", PASSWORD).await.status, 401);
    assert_eq!(
        sign_in(&app, "token@amt.de", new_password).await.status,
        303
    );
}

/// Rate limits hold (counted in the store) and answer 429 with Retry-After.
pub async fn rate_limits_hold(store: Arc<dyn PortalStore>) {
    let app = spawn_with(store, |s| {
        s.limits.registration_per_client = functions::domain::RateLimit {
            max: 2,
            window_secs: 3600,
        };
        s.limits.reset_per_client = functions::domain::RateLimit {
            max: 3,
            window_secs: 3600,
        };
    })
    .await;
    // The free wrong passwords, and the first that starts the back-off.
    let free = app.state.accounts.settings().limits.sign_in_free_failures;
    for i in 0..=free {
        let reply = app
            .post_form(
                "/api/anmeldung",
                &[("email", "ziel@amt.de"), ("passwort", "falsch")],
                Opts::json(),
            )
            .await;
        assert_eq!(reply.status, 401, "attempt {i}");
    }
    let blocked = app
        .post_form(
            "/api/anmeldung",
            &[("email", "ziel@amt.de"), ("passwort", "falsch")],
            Opts::json(),
        )
        .await;
    assert_eq!(blocked.status, 429);
    assert!(blocked.headers.get("retry-after").is_some());
    let html = app
        .post_form(
            "/api/anmeldung",
            &[("email", "ziel@amt.de"), ("passwort", "falsch")],
            Opts::html(),
        )
        .await;
    assert_eq!(html.status, 429);
    assert!(
        markup::texts(&html.body, "main .error-summary h2")
            .iter()
            .any(|t| t.starts_with("Zu viele Versuche")),
        "{}",
        html.body
    );
    assert_eq!(
        app.post_form(
            "/api/anmeldung",
            &[("email", "andere@amt.de"), ("passwort", "falsch")],
            Opts::json()
        )
        .await
        .status,
        401,
        "other accounts are not locked"
    );
    app.clock.advance(901);
    assert_eq!(
        app.post_form(
            "/api/anmeldung",
            &[("email", "ziel@amt.de"), ("passwort", "falsch")],
            Opts::json()
        )
        .await
        .status,
        401,
        "the wait passed"
    );

    for i in 0..2 {
        let mut f = registration("Amt Rate", &format!("rate{i}@amt.de"));
        f.push(("altcha", app.altcha().await));
        assert_eq!(
            app.post_form("/api/registrierung", &as_pairs(&f), Opts::json())
                .await
                .status,
            200
        );
    }
    let mut f = registration("Amt Rate", "rate9@amt.de");
    f.push(("altcha", app.altcha().await));
    assert_eq!(
        app.post_form("/api/registrierung", &as_pairs(&f), Opts::json())
            .await
            .status,
        429
    );

    for _ in 0..3 {
        app.post_form(
            "/api/passwort-vergessen",
            &[("email", "reset@amt.de")],
            Opts::json(),
        )
        .await;
    }
    assert_eq!(
        app.post_form(
            "/api/passwort-vergessen",
            &[("email", "reset@amt.de")],
            Opts::json()
        )
        .await
        .status,
        429
    );
}

/// A session of one organisation never reads another's data; operator routes need the token.
pub async fn organisations_are_isolated(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let link_a = register_confirm_approve(&app, "Amt A", "a@a.de").await;
    let link_b = register_confirm_approve(&app, "Amt B", "b@b.de").await;
    let cookie_a = set_password_and_sign_in(&app, &link_a, "a@a.de").await;
    let cookie_b = set_password_and_sign_in(&app, &link_b, "b@b.de").await;
    let org_a = app
        .get("/api/sitzung", Opts::json().cookie(&cookie_a))
        .await
        .json()["organisation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let org_b = app
        .get("/api/sitzung", Opts::json().cookie(&cookie_b))
        .await
        .json()["organisation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let own = app
        .get(
            &format!("/api/organisationen/{org_a}"),
            Opts::json().cookie(&cookie_a),
        )
        .await;
    assert_eq!(own.status, 200);
    assert_eq!(own.json()["name"], "Amt A");
    let other = app
        .get(
            &format!("/api/organisationen/{org_b}"),
            Opts::json().cookie(&cookie_a),
        )
        .await;
    assert_eq!(other.status, 404);
    assert!(!other.body.contains("Amt B"));
    assert_eq!(
        app.get(&format!("/api/organisationen/{org_a}"), Opts::json())
            .await
            .status,
        401
    );
    let account_b = app
        .get("/api/konto", Opts::json().cookie(&cookie_b))
        .await
        .json();
    assert_eq!(account_b["organisation"]["name"], "Amt B");

    assert_eq!(
        app.get("/api/betrieb/registrierungen", Opts::json())
            .await
            .status,
        401
    );
    let mut wrong = Opts::json();
    wrong.bearer = Some("x".repeat(40));
    assert_eq!(
        app.get("/api/betrieb/registrierungen", wrong).await.status,
        401
    );
    let session_only = app
        .post_raw(
            &format!("/api/betrieb/registrierungen/{org_b}/ablehnung"),
            "application/json",
            br#"{"grund":"x"}"#.to_vec(),
            Opts::json().cookie(&cookie_a),
        )
        .await;
    assert_eq!(
        session_only.status, 403,
        "a customer session is not an operator"
    );
    let decided_twice = app
        .post_raw(
            &format!("/api/betrieb/registrierungen/{org_b}/freigabe"),
            "application/json",
            b"{}".to_vec(),
            Opts::operator(),
        )
        .await;
    assert_eq!(decided_twice.status, 409);
    let no_reason = app
        .post_raw(
            &format!("/api/betrieb/registrierungen/{org_b}/ablehnung"),
            "application/json",
            b"{}".to_vec(),
            Opts::operator(),
        )
        .await;
    assert_eq!(no_reason.status, 422);
}

/// Generates one `#[tokio::test]` per flow for a store constructor.
#[macro_export]
macro_rules! store_tests {
    ($make:expr) => {
        $crate::conformance_tests!($make);
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn newsletter_store_conformance() {
            common::newsletter::store_conformance($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn newsletter_two_confirmations_one_wins() {
            common::newsletter::two_confirmations_one_wins($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn newsletter_subscribe_confirm_send_unsubscribe() {
            common::newsletter::subscribe_confirm_send_unsubscribe($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn newsletter_same_answer_for_every_address() {
            common::newsletter::same_answer_for_every_address($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn newsletter_unconfirmed_addresses_are_removed() {
            common::newsletter::unconfirmed_addresses_are_removed($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn newsletter_issue_reaches_each_address_once() {
            common::newsletter::an_issue_reaches_each_address_once($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn full_account_flow() {
            common::flows::full_account_flow($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn flow_without_javascript() {
            common::flows::flow_without_javascript($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn bad_input_changes_nothing() {
            common::flows::bad_input_changes_nothing($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn csrf_is_refused() {
            common::flows::csrf_is_refused($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn session_fixation_is_prevented() {
            common::flows::session_fixation_is_prevented($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn sessions_time_out() {
            common::flows::sessions_time_out($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn no_account_enumeration() {
            common::flows::no_account_enumeration($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn tokens_are_single_use_and_expire() {
            common::flows::tokens_are_single_use_and_expire($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn rate_limits_hold() {
            common::flows::rate_limits_hold($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn organisations_are_isolated() {
            common::flows::organisations_are_isolated($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn deadlines_remind_and_expire_once() {
            common::orders::deadlines_remind_and_expire_once($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn overlapping_runs_do_the_work_once() {
            common::orders::overlapping_runs_do_the_work_once($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn reminders_are_queued_once_in_the_expected_status() {
            common::orders::reminders_are_queued_once_in_the_expected_status($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn unconfirmed_registrations_are_removed() {
            common::flows::unconfirmed_registrations_are_removed($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn folder_keeps_the_agreed_agb_text() {
            common::orders::folder_keeps_the_agreed_agb_text($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn folder_documents_download_one_by_one_and_as_zip() {
            common::orders::folder_documents_download_one_by_one_and_as_zip($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn console_provider_decides_in_the_console() {
            common::console::provider_decides_in_the_console($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn console_refusals_change_nothing() {
            common::console::console_refusals_change_nothing($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn console_party_orgs_are_unique() {
            common::console::party_orgs_are_unique($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn console_operator_org_is_one_per_portal() {
            common::console::operator_org_is_one_per_portal($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn figures_show_each_party_its_own_numbers() {
            common::figures::figures_show_each_party_its_own_numbers($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn figures_operator_counts_registrations_orders_and_needs() {
            common::figures::operator_figures_count_registrations_orders_and_needs($make.await)
                .await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn console_downloads_the_folder_documents() {
            common::figures::console_downloads_the_folder_documents($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn console_inbox_conformance() {
            common::console::inbox_conformance($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn order_lists_same_second_in_number_order() {
            common::order_lists::same_second_orders_list_in_number_order($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn order_lists_closed_by_portal_latest_first() {
            common::order_lists::closed_by_portal_are_listed_latest_first($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn order_store_conformance() {
            common::orders::store_conformance($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn order_direktvertrag_confirmed_by_link() {
            common::orders::direktvertrag_confirmed_by_link($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn order_umklappvertrag_through_the_intermediary() {
            common::orders::umklappvertrag_through_the_intermediary($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn order_errors_store_nothing() {
            common::orders::errors_store_nothing($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn orders_are_isolated() {
            common::orders::orders_are_isolated($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn needs_are_reported() {
            common::orders::needs_are_reported($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn orders_are_created_exactly_once() {
            common::orders::exactly_once_under_concurrency($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn concurrent_decisions_leave_one() {
            common::orders::concurrent_decisions_leave_one($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn question_allows_one_answer() {
            common::security::question_allows_one_answer($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn owner_signs_in_while_attacked() {
            common::security::owner_signs_in_while_attacked($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn sign_in_limits_per_client_and_account() {
            common::security::sign_in_limits_per_client_and_account($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn owner_gets_a_reset_mail_while_attacked() {
            common::security::owner_gets_a_reset_mail_while_attacked($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn only_the_newest_password_link_works() {
            common::security::only_the_newest_password_link_works($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn framework_refusals_are_german() {
            common::security::framework_refusals_are_german($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn forms_without_a_token_change_nothing() {
            common::security::forms_without_a_token_change_nothing($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn reused_idempotency_key_is_refused() {
            common::security::reused_idempotency_key_is_refused($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn dead_senders_mail_is_taken_over() {
            common::security::dead_senders_mail_is_taken_over($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn overdue_orders_are_listed() {
            common::orders::overdue_orders_are_listed($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn members_are_invited_and_managed() {
            common::members::members_are_invited_and_managed($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn invitations_are_single_use_expire_and_do_not_enumerate() {
            common::members::invitations_are_single_use_expire_and_do_not_enumerate($make.await)
                .await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn members_are_isolated_and_invitations_limited() {
            common::members::members_are_isolated_and_invitations_limited($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn roles_are_defined_given_and_checked() {
            common::role_flows::roles_are_defined_given_and_checked($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn roles_are_isolated_between_organisations() {
            common::role_flows::roles_are_isolated_between_organisations($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn profile_and_details_are_edited() {
            common::profile::profile_and_details_are_edited($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn addresses_are_managed_and_copied_into_orders() {
            common::addresses::addresses_are_managed_and_copied_into_orders($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn second_factor_signs_in_in_two_steps() {
            common::second_factor::second_factor_signs_in_in_two_steps($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn a_recovery_code_signs_in_once_under_concurrency() {
            common::second_factor::a_recovery_code_signs_in_once_under_concurrency($make.await)
                .await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn the_console_needs_the_right_to_see_all_orders() {
            common::console::the_console_needs_the_right_to_see_all_orders($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn setup_proof_is_bound_to_the_person() {
            common::second_factor::setup_proof_is_bound_to_the_person($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn operators_must_use_a_second_factor() {
            common::second_factor::operators_must_use_a_second_factor($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn operator_reviews_registrations_in_the_console() {
            common::operator_console::operator_reviews_registrations_in_the_console($make.await)
                .await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn operator_works_through_reported_needs() {
            common::operator_pages::operator_works_through_reported_needs($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn operator_sees_orders_at_their_deadline() {
            common::operator_pages::operator_sees_orders_at_their_deadline($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn needs_are_marked_handled_once() {
            common::operator_pages::needs_are_marked_handled_once($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn undecided_orders_are_read_by_deadline() {
            common::operator_pages::undecided_orders_are_read_by_deadline($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_lost_second_factor_is_reset() {
            common::operator_pages::a_lost_second_factor_is_reset($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_reset_needs_the_record_as_read() {
            common::operator_pages::a_reset_needs_the_record_as_read($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn operator_lists_provider_orgs() {
            common::operator_providers::operator_lists_provider_orgs($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn operator_creates_provider_org() {
            common::operator_providers::operator_creates_provider_org($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn operator_resends_first_invitation() {
            common::operator_providers::operator_resends_first_invitation($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn expired_first_invitation_is_listed_and_sent_again() {
            common::operator_providers::expired_first_invitation_is_listed_and_sent_again(
                $make.await,
            )
            .await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn resending_first_invitations_is_limited() {
            common::operator_providers::resending_first_invitations_is_limited($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn operator_manages_organisations() {
            common::operator_orgs::operator_manages_organisations($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn org_status_changes_once() {
            common::operator_orgs::org_status_changes_once($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn operator_needs_come_in_pages() {
            common::operator_paging::needs_come_in_pages($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn operator_organisations_come_in_pages() {
            common::operator_paging::organisations_come_in_pages($make.await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn an_operator_resets_a_lost_second_factor() {
            common::operator_factor::an_operator_resets_a_lost_second_factor($make.await).await;
        }
    };
}

/// A registration whose address is not confirmed within the link's lifetime is deleted by
/// the scheduled work; the address can register again, the old link is dead.
pub async fn unconfirmed_registrations_are_removed(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let email = "unbestaetigt@stadt.de";
    let mut fields = registration("Stadt Vergessen", email);
    fields.push(("altcha", app.altcha().await));
    let reply = app
        .post_form("/api/registrierung", &as_pairs(&fields), Opts::json())
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let old_link = app.link_in_mail(email, "bestätigen");

    let work = app.state.run_due_work().await;
    assert_eq!(work.registrations_removed, 0, "the link is still valid");
    app.clock.advance(24 * 60 * 60 + 1);
    let work = app.state.run_due_work().await;
    assert_eq!(
        (work.registrations_removed, work.failed),
        (1, 0),
        "{work:?}"
    );
    assert!(
        store
            .find_user_by_email(email)
            .await
            .expect("read")
            .is_none()
    );
    assert_eq!(app.state.run_due_work().await.registrations_removed, 0);

    let confirmed = app
        .post_form(
            "/api/bestaetigen",
            &[("token", &token_of(&old_link))],
            Opts::json(),
        )
        .await;
    assert_ne!(
        confirmed.status, 200,
        "the old link is dead: {}",
        confirmed.body
    );
    register_confirm_approve(&app, "Stadt Vergessen", email).await;
}
