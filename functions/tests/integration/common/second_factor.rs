//! The optional second sign-in factor (TOTP), through HTTP as a browser uses it, on every
//! store: switching it on with the page's key, signing in in two steps, codes used once,
//! recovery codes, switching it off.

use std::sync::Arc;

use functions::domain::Clock;
use functions::domain::orders::ports::PortalStore;
use totp_rs::{Builder, Secret};

use super::flows::{register_confirm_approve, set_password_and_sign_in, sign_in};
use super::*;

const PENDING: &str = "__Host-csp-anmeldung";

/// The code an authenticator app shows for the key at `time`.
pub fn app_code(key: &str, time: i64) -> String {
    let secret = Secret::try_from_base32(key.replace(' ', "")).expect("base32 key");
    let totp = Builder::new().with_secret(secret).build().expect("totp");
    totp.generate(u64::try_from(time).expect("time"))
        .to_string()
}

/// Opens "Zwei-Faktor-Anmeldung", reads the key and the setup proof as the page shows them.
pub async fn setup_page(app: &TestApp, cookie: &str) -> (String, String) {
    let page = app
        .get("/api/konto/zwei-faktor", Opts::html().cookie(cookie))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        markup::texts(&page.body, "main h1"),
        ["Zwei-Faktor-Anmeldung"]
    );
    assert_eq!(
        markup::attrs(&page.body, "main svg[role=img] title", "id").len(),
        1,
        "the QR code is an image with a title"
    );
    let key = markup::texts(&page.body, "[data-secret]")
        .pop()
        .expect("the key as text");
    let proof = markup::attrs(&page.body, "input[name=einrichtung]", "value")
        .pop()
        .expect("the setup proof");
    (key, proof)
}

pub async fn switch_on(app: &TestApp, cookie: &str, proof: &str, code: &str) -> Reply {
    let csrf = app.csrf_token(cookie).await;
    app.post_form(
        "/api/konto/zwei-faktor",
        &[("einrichtung", proof), ("code", code), ("csrf", &csrf)],
        Opts::html().cookie(cookie),
    )
    .await
}

/// Password right: the answer sends the browser to the code page with a pending cookie.
pub async fn password_step(app: &TestApp, email: &str) -> String {
    let reply = sign_in(app, email, PASSWORD).await;
    assert_eq!(
        (reply.status, reply.location.as_deref()),
        (303, Some("/api/anmeldung/code")),
        "{}",
        reply.body
    );
    assert!(
        reply.session_cookie().is_none(),
        "no session before the code"
    );
    let pending = reply.cookie_set(PENDING).expect("pending sign-in cookie");
    assert!(!pending.is_empty());
    pending
}

pub async fn code_step(app: &TestApp, pending: &str, code: &str) -> Reply {
    app.post_form(
        "/api/anmeldung/code",
        &[("code", code)],
        Opts::html().other_cookie(&format!("{PENDING}={pending}")),
    )
    .await
}

async fn has_second_factor(store: &Arc<dyn PortalStore>, email: &str) -> bool {
    store
        .find_user_by_email(email)
        .await
        .expect("read")
        .expect("user")
        .second_factor
        .is_some()
}

pub async fn second_factor_signs_in_in_two_steps(store: Arc<dyn PortalStore>) {
    let app = spawn(Arc::clone(&store)).await;
    let email = "zwei@amt.de";
    let link = register_confirm_approve(&app, "Amt Zwei", email).await;
    let cookie = set_password_and_sign_in(&app, &link, email).await;

    // Switching on: a wrong first code changes nothing and shows the same key again.
    let (key, proof) = setup_page(&app, &cookie).await;
    let wrong = switch_on(&app, &cookie, &proof, "000000").await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert_eq!(
        markup::texts(&wrong.body, "[data-secret]"),
        std::slice::from_ref(&key)
    );
    assert_eq!(
        markup::attrs(&wrong.body, "#einrichtung-code", "aria-invalid"),
        ["true"]
    );
    assert!(!has_second_factor(&store, email).await);

    let now = app.clock.now();
    let on = switch_on(&app, &cookie, &proof, &app_code(&key, now)).await;
    assert_eq!(on.status, 200, "{}", on.body);
    let recovery = markup::texts(&on.body, "[data-recovery-codes] code");
    assert_eq!(recovery.len(), 10, "{}", on.body);
    assert!(has_second_factor(&store, email).await);
    // The page's key is of no use any more: switching on twice is refused.
    let again = switch_on(&app, &cookie, &proof, &app_code(&key, now)).await;
    assert_eq!(again.status, 409, "{}", again.body);

    // Signing in: the password alone gives no session.
    let pending = password_step(&app, email).await;
    let form = app
        .get(
            "/api/anmeldung/code",
            Opts::html().other_cookie(&format!("{PENDING}={pending}")),
        )
        .await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert_eq!(
        markup::attrs(&form.body, "form input[name=code]", "autocomplete"),
        ["one-time-code"]
    );
    // The code that switched it on is used up in its time step.
    let replay = code_step(&app, &pending, &app_code(&key, now)).await;
    assert_eq!(replay.status, 422, "{}", replay.body);
    assert!(markup::texts(&replay.body, "#code-fehler")[0].contains("bereits verwendet"));
    let wrong = code_step(&app, &pending, "123456").await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.session_cookie().is_none());

    app.clock.advance(30);
    let done = code_step(&app, &pending, &app_code(&key, app.clock.now())).await;
    assert_eq!(
        (done.status, done.location.as_deref()),
        (303, Some("/api/konto")),
        "{}",
        done.body
    );
    let session = done.session_cookie().expect("session after the code");
    assert_eq!(
        done.cookie_set(PENDING).as_deref(),
        Some(""),
        "pending cookie cleared"
    );
    let account = app.get("/api/konto", Opts::json().cookie(&session)).await;
    assert_eq!(account.status, 200);
    // The pending sign-in is used once.
    app.clock.advance(30);
    let reused = code_step(&app, &pending, &app_code(&key, app.clock.now())).await;
    assert_eq!(reused.status, 410, "{}", reused.body);
    assert!(reused.session_cookie().is_none());

    // A recovery code signs in once.
    let pending = password_step(&app, email).await;
    let by_recovery = code_step(&app, &pending, &recovery[3].to_uppercase()).await;
    assert_eq!(
        (by_recovery.status, by_recovery.location.as_deref()),
        (303, Some("/api/konto/zwei-faktor?uebrig=9")),
        "{}",
        by_recovery.body
    );
    let pending = password_step(&app, email).await;
    let used = code_step(&app, &pending, &recovery[3]).await;
    assert_eq!(used.status, 422, "{}", used.body);

    // A pending sign-in expires after five minutes.
    app.clock.advance(5 * 60 + 1);
    let late = code_step(&app, &pending, &app_code(&key, app.clock.now())).await;
    assert_eq!(late.status, 410, "{}", late.body);

    // Switching off needs the password and a code.
    let session = by_recovery.session_cookie().expect("session");
    let csrf = app.csrf_token(&session).await;
    let refused = app
        .post_form(
            "/api/konto/zwei-faktor/aus",
            &[
                ("passwort", "falsch"),
                ("code", &app_code(&key, app.clock.now())),
                ("csrf", &csrf),
            ],
            Opts::html().cookie(&session),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(has_second_factor(&store, email).await);
    let off = app
        .post_form(
            "/api/konto/zwei-faktor/aus",
            &[
                ("passwort", PASSWORD),
                ("code", &recovery[4]),
                ("csrf", &csrf),
            ],
            Opts::html().cookie(&session),
        )
        .await;
    assert_eq!(
        (off.status, off.location.as_deref()),
        (303, Some("/api/konto/zwei-faktor?hinweis=aus")),
        "{}",
        off.body
    );
    assert!(!has_second_factor(&store, email).await);
    let plain = sign_in(&app, email, PASSWORD).await;
    assert_eq!(plain.location.as_deref(), Some("/api/konto"));
    assert!(plain.session_cookie().is_some());
}

/// Two browsers complete two pending sign-ins with the same recovery code at once: one
/// gets a session, the other a refusal, and the code is gone.
pub async fn a_recovery_code_signs_in_once_under_concurrency(store: Arc<dyn PortalStore>) {
    let app = spawn(Arc::clone(&store)).await;
    let email = "gleichzeitig@amt.de";
    let link = register_confirm_approve(&app, "Amt Gleichzeitig", email).await;
    let cookie = set_password_and_sign_in(&app, &link, email).await;
    let (key, proof) = setup_page(&app, &cookie).await;
    let on = switch_on(&app, &cookie, &proof, &app_code(&key, app.clock.now())).await;
    let recovery = markup::texts(&on.body, "[data-recovery-codes] code");
    let code = recovery[0].clone();

    let first = password_step(&app, email).await;
    let second = password_step(&app, email).await;
    let (a, b) = tokio::join!(
        code_step(&app, &first, &code),
        code_step(&app, &second, &code)
    );
    let sessions = [&a, &b]
        .iter()
        .filter(|r| r.session_cookie().is_some())
        .count();
    assert_eq!(sessions, 1, "{} / {}", a.status, b.status);
    assert!([a.status, b.status].contains(&422));
    let user = store
        .find_user_by_email(email)
        .await
        .expect("read")
        .expect("user");
    assert_eq!(
        user.second_factor.expect("on").recovery_codes.len(),
        9,
        "exactly one code used"
    );
}

/// A stolen setup page is of no use to another person: its proof is bound to the person.
pub async fn setup_proof_is_bound_to_the_person(store: Arc<dyn PortalStore>) {
    let app = spawn(Arc::clone(&store)).await;
    let link_a = register_confirm_approve(&app, "Amt A", "a@amt-a.de").await;
    let cookie_a = set_password_and_sign_in(&app, &link_a, "a@amt-a.de").await;
    let link_b = register_confirm_approve(&app, "Amt B", "b@amt-b.de").await;
    let cookie_b = set_password_and_sign_in(&app, &link_b, "b@amt-b.de").await;
    let (key, proof) = setup_page(&app, &cookie_a).await;
    let foreign = switch_on(&app, &cookie_b, &proof, &app_code(&key, app.clock.now())).await;
    assert_eq!(foreign.status, 422, "{}", foreign.body);
    assert!(!has_second_factor(&store, "b@amt-b.de").await);
    assert!(!has_second_factor(&store, "a@amt-a.de").await);
}

/// An operator (created as `admin create-operator` does) must set up the second factor
/// after the password before any other page works, signs in with a code from then on, and
/// cannot switch it off.
pub async fn operators_must_use_a_second_factor(store: Arc<dyn PortalStore>) {
    use functions::domain::model::OrgKind;
    let app = spawn(Arc::clone(&store)).await;
    let email = "zweifaktor@betrieb.example";
    app.state
        .orders
        .create_party_org(OrgKind::Operator, "Betrieb", "Olga Betrieb", email)
        .await
        .expect("operator");
    app.state.outbox.mail_queued().await;
    let link = app.link_in_mail(email, "Einladung");
    let cookie = set_password_and_sign_in(&app, &link, email).await;
    // The password step leads straight to the setup.
    let again = sign_in(&app, email, PASSWORD).await;
    assert_eq!(
        (again.status, again.location.as_deref()),
        (303, Some("/api/konto/zwei-faktor")),
        "{}",
        again.body
    );

    // Every other route leads to the setup (pages) or is refused (JSON).
    for path in ["/api/konto", "/api/konto/profil", "/api/bestellungen"] {
        let page = app.get(path, Opts::html().cookie(&cookie)).await;
        assert_eq!(
            (page.status, page.location.as_deref()),
            (303, Some("/api/konto/zwei-faktor")),
            "{path}: {}",
            page.body
        );
        let json = app.get(path, Opts::json().cookie(&cookie)).await;
        assert_eq!(json.status, 403, "{path}: {}", json.body);
    }
    let csrf = app.csrf_token(&cookie).await;
    let posted = app
        .post_form(
            "/api/konto/profil",
            &[("name", "Anders"), ("csrf", &csrf)],
            Opts::html().cookie(&cookie),
        )
        .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    assert_eq!(
        store
            .find_user_by_email(email)
            .await
            .expect("read")
            .expect("user")
            .name,
        "Olga Betrieb",
        "nothing changed"
    );

    // The setup page says it is mandatory; switching on opens the portal.
    let (key, proof) = setup_page(&app, &cookie).await;
    let on = switch_on(&app, &cookie, &proof, &app_code(&key, app.clock.now())).await;
    assert_eq!(on.status, 200, "{}", on.body);
    assert!(has_second_factor(&store, email).await);
    let account = app.get("/api/konto", Opts::json().cookie(&cookie)).await;
    assert_eq!(account.status, 200, "{}", account.body);
    // No form to switch it off, and the route refuses.
    let shown = app
        .get("/api/konto/zwei-faktor", Opts::html().cookie(&cookie))
        .await;
    assert!(
        markup::attrs(&shown.body, "main form", "action").is_empty(),
        "{}",
        shown.body
    );
    app.clock.advance(30);
    let off = app
        .post_form(
            "/api/konto/zwei-faktor/aus",
            &[
                ("passwort", PASSWORD),
                ("code", &app_code(&key, app.clock.now())),
                ("csrf", &csrf),
            ],
            Opts::html().cookie(&cookie),
        )
        .await;
    assert_eq!(off.status, 403, "{}", off.body);
    assert!(has_second_factor(&store, email).await);

    // From now on the password alone gives no session; the code does.
    let pending = password_step(&app, email).await;
    app.clock.advance(30);
    let done = code_step(&app, &pending, &app_code(&key, app.clock.now())).await;
    assert_eq!(
        (done.status, done.location.as_deref()),
        (303, Some("/api/konto")),
        "{}",
        done.body
    );
}
