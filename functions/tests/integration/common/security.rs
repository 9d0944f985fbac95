//! The defences of issue 27, run against every store: the human check's question allows one
//! answer, sign-in and reset limits slow an attacker without locking the owner out, only the
//! newest password link works, a reused idempotency key with another order is refused, and
//! a mail leased by a sender that died is taken over soon and sent once.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use functions::domain::AccountError;
use functions::domain::accounts::input::SignInInput;
use functions::domain::human_check;
use functions::domain::model::OutgoingMail;
use functions::domain::orders::ports::PortalStore;
use functions::domain::tokens::new_id;
use functions::mail::{MailError, MailSender};

use super::flows::{register_confirm_approve, set_password_and_sign_in, sign_in};
use super::orders::{dmessenger_order, member};
use super::*;

/// The answer to a question, read from its German text ("Wie viel ist drei plus vier?").
fn answer_of(question: &human_check::Question) -> u32 {
    const WORDS: [&str; 10] = [
        "null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun",
    ];
    let rest = question
        .text
        .strip_prefix("Wie viel ist ")
        .expect("question text");
    let mut words = rest.split(' ');
    let a = words.next().expect("first number");
    assert_eq!(words.next(), Some("plus"));
    let b = words.next().expect("second number").trim_end_matches('?');
    let value = |w: &str| {
        u32::try_from(WORDS.iter().position(|x| *x == w).expect("number word")).expect("small")
    };
    value(a) + value(b)
}

/// A registration answered with the question `token` and `answer` (no JavaScript).
async fn register_with_answer(app: &TestApp, email: &str, token: &str, answer: &str) -> Reply {
    let mut fields = registration("Amt Frage", email);
    fields.push(("frage_token", token.to_owned()));
    fields.push(("frage_antwort", answer.to_owned()));
    app.post_form("/api/registrierung", &as_pairs(&fields), Opts::json())
        .await
}

/// One question token allows exactly one answer: a wrong answer voids it, so the right answer
/// sent afterwards with the same token is refused; a new question works.
pub async fn question_allows_one_answer(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let question = app.state.accounts.fallback_question();
    let right = answer_of(&question);
    let wrong = if right == 2 { 3 } else { right - 1 };
    let first =
        register_with_answer(&app, "frage@amt.de", &question.token, &wrong.to_string()).await;
    assert_eq!(first.status, 422, "{}", first.body);
    let retried =
        register_with_answer(&app, "frage@amt.de", &question.token, &right.to_string()).await;
    assert_eq!(
        retried.status, 422,
        "the right answer after a wrong one with the same token: {}",
        retried.body
    );
    assert!(
        retried.json()["fehler"]["frage_antwort"]
            .as_str()
            .is_some_and(|m| m.contains("neue Frage")),
        "{}",
        retried.body
    );
    assert_eq!(app.mails_to("frage@amt.de"), 0, "nothing registered");
    let fresh = app.state.accounts.fallback_question();
    let answered = register_with_answer(
        &app,
        "frage@amt.de",
        &fresh.token,
        &answer_of(&fresh).to_string(),
    )
    .await;
    assert_eq!(answered.status, 200, "{}", answered.body);
    let again = register_with_answer(
        &app,
        "frage2@amt.de",
        &fresh.token,
        &answer_of(&fresh).to_string(),
    )
    .await;
    assert_eq!(again.status, 422, "a right answer is single use too");
}

fn credentials(email: &str, password: &str) -> SignInInput {
    SignInInput {
        email: email.to_owned(),
        password: password.to_owned(),
    }
}

/// How a sign-in attempt from `client` ended.
#[derive(Debug, PartialEq, Eq)]
enum Attempt {
    SignedIn,
    Wrong,
    Wait(i64),
}

async fn attempt(app: &TestApp, email: &str, password: &str, client: &str) -> Attempt {
    match app
        .state
        .accounts
        .sign_in(&credentials(email, password), client, None)
        .await
    {
        Ok(_) => Attempt::SignedIn,
        Err(AccountError::InvalidCredentials) => Attempt::Wrong,
        Err(AccountError::RateLimited { retry_after }) => Attempt::Wait(retry_after),
        Err(other) => panic!("unexpected: {other:?}"),
    }
}

const ATTACKER: &str = "198.51.100.66";
const OWNER: &str = "203.0.113.10";

/// An attacker guessing one address is slowed down exponentially per (address, client) and
/// refused while waiting; the owner signs in from their own client at any time, and successful
/// sign-ins never count (ASVS 2.2.1).
pub async fn owner_signs_in_while_attacked(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let email = "ziel@amt.de";
    let link = register_confirm_approve(&app, "Amt Ziel", email).await;
    set_password_and_sign_in(&app, &link, email).await;
    let free = app.state.accounts.settings().limits.sign_in_free_failures;
    for i in 0..free {
        assert_eq!(
            attempt(&app, email, "falsch", ATTACKER).await,
            Attempt::Wrong,
            "free attempt {i}"
        );
    }
    // From here each wrong password doubles the wait, and trying earlier is refused.
    let mut expected_wait = 1;
    for _ in 0..6 {
        assert_eq!(
            attempt(&app, email, "falsch", ATTACKER).await,
            Attempt::Wrong
        );
        for _ in 0..5 {
            assert_eq!(
                attempt(&app, email, "falsch", ATTACKER).await,
                Attempt::Wait(expected_wait),
                "refused while waiting, without counting"
            );
        }
        // The owner, from their own client, is never slowed by it.
        assert_eq!(
            attempt(&app, email, PASSWORD, OWNER).await,
            Attempt::SignedIn
        );
        app.clock.advance(expected_wait);
        expected_wait *= 2;
    }
    // The right password from the attacker's client waits too (a guess cannot skip it).
    assert_eq!(
        attempt(&app, email, "falsch", ATTACKER).await,
        Attempt::Wrong
    );
    assert!(matches!(
        attempt(&app, email, PASSWORD, ATTACKER).await,
        Attempt::Wait(_)
    ));
    // Successful sign-ins never count: the owner signs in many times in a row.
    for _ in 0..30 {
        assert_eq!(sign_in(&app, email, PASSWORD).await.status, 303);
    }
    // A success clears the pair's back-off: one wrong password afterwards is just wrong.
    app.clock.advance(16 * 60);
    assert_eq!(
        attempt(&app, email, PASSWORD, ATTACKER).await,
        Attempt::SignedIn
    );
    assert_eq!(
        attempt(&app, email, "falsch", ATTACKER).await,
        Attempt::Wrong
    );
    assert_eq!(
        attempt(&app, email, "falsch", ATTACKER).await,
        Attempt::Wrong
    );
}

/// One client spraying many addresses is refused after its limit; an attack spread over many
/// clients on one address is refused after the address's limit, except for the clients the
/// owner has signed in from before.
pub async fn sign_in_limits_per_client_and_account(store: Arc<dyn PortalStore>) {
    let app = spawn_with(store, |s| {
        s.limits.sign_in_per_client.max = 10;
        s.limits.sign_in_per_account.max = 10;
    })
    .await;
    let email = "verteilt@amt.de";
    let link = register_confirm_approve(&app, "Amt Verteilt", email).await;
    set_password_and_sign_in(&app, &link, email).await;
    assert_eq!(
        attempt(&app, email, PASSWORD, OWNER).await,
        Attempt::SignedIn,
        "the owner's second client becomes known"
    );

    for i in 0..10 {
        let target = format!("spray{i}@amt.de");
        assert_eq!(
            attempt(&app, &target, "falsch", ATTACKER).await,
            Attempt::Wrong
        );
    }
    assert!(
        matches!(
            attempt(&app, "spray-next@amt.de", "falsch", ATTACKER).await,
            Attempt::Wait(_)
        ),
        "the spraying client is refused"
    );
    assert_eq!(
        attempt(&app, email, PASSWORD, OWNER).await,
        Attempt::SignedIn,
        "other clients are not"
    );

    for i in 0..10 {
        let bot = format!("192.0.2.{i}");
        assert_eq!(attempt(&app, email, "falsch", &bot).await, Attempt::Wrong);
    }
    assert!(
        matches!(
            attempt(&app, email, "falsch", "192.0.2.200").await,
            Attempt::Wait(_)
        ),
        "a new client on an address under a distributed attack waits"
    );
    assert_eq!(
        attempt(&app, email, PASSWORD, OWNER).await,
        Attempt::SignedIn,
        "the owner's known client still signs in"
    );
    assert_eq!(
        sign_in(&app, email, PASSWORD).await.status,
        303,
        "over HTTP too"
    );
}

/// Many reset requests for one address (by someone else) send at most one mail per interval,
/// answer the same every time, and never block the owner's next mail.
pub async fn owner_gets_a_reset_mail_while_attacked(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let email = "vergessen@amt.de";
    let link = register_confirm_approve(&app, "Amt Vergessen", email).await;
    set_password_and_sign_in(&app, &link, email).await;
    let resets = |app: &TestApp| {
        app.mails
            .sent()
            .iter()
            .filter(|m| m.to == email && m.subject.contains("Neues Passwort"))
            .count()
    };
    for i in 0..10 {
        let answer = app.state.accounts.request_reset(email, ATTACKER).await;
        assert!(answer.is_ok(), "request {i}: {answer:?}");
        app.clock.advance(10);
    }
    app.state.outbox.deliver_pending().await;
    assert_eq!(resets(&app), 1, "one mail, not ten");
    let interval = app
        .state
        .accounts
        .settings()
        .limits
        .reset_per_account
        .window_secs;
    app.clock.advance(interval);
    let owner = app
        .post_form("/api/passwort-vergessen", &[("email", email)], Opts::json())
        .await;
    assert_eq!(owner.status, 200, "{}", owner.body);
    assert_eq!(resets(&app), 2, "the owner's request sends a new mail");
    let newest = app.link_in_mail(email, "Neues Passwort");
    let set = app
        .post_form(
            "/api/passwort-setzen",
            &[
                ("token", &token_of(&newest)),
                ("passwort", PASSWORD),
                ("passwort_wiederholung", PASSWORD),
            ],
            Opts::json(),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
}

/// A new password link voids the earlier ones of the account (invitation and resets).
pub async fn only_the_newest_password_link_works(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let email = "links@amt.de";
    let invitation = register_confirm_approve(&app, "Amt Links", email).await;
    let interval = app
        .state
        .accounts
        .settings()
        .limits
        .reset_per_account
        .window_secs;
    let mut links = Vec::new();
    for _ in 0..2 {
        app.clock.advance(interval);
        let reply = app
            .post_form("/api/passwort-vergessen", &[("email", email)], Opts::json())
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        links.push(app.link_in_mail(email, "Neues Passwort"));
    }
    assert_ne!(links[0], links[1]);
    let set = |token: String| {
        let app = &app;
        async move {
            app.post_form(
                "/api/passwort-setzen",
                &[
                    ("token", token.as_str()),
                    ("passwort", PASSWORD),
                    ("passwort_wiederholung", PASSWORD),
                ],
                Opts::json(),
            )
            .await
            .status
        }
    };
    assert_eq!(
        app.get(&path_of(&links[0]), Opts::json()).await.status,
        400,
        "the older reset link is void"
    );
    assert_eq!(set(token_of(&links[0])).await, 400, "older reset link");
    assert_eq!(set(token_of(&invitation)).await, 400, "the invitation");
    assert_eq!(set(token_of(&links[1])).await, 200, "the newest link works");
    assert_eq!(sign_in(&app, email, PASSWORD).await.status, 303);
}

/// The same idempotency key with another order is refused (409) and stores nothing; the same
/// form again still answers with the first order.
pub async fn reused_idempotency_key_is_refused(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let cookie = member(&app, "Stadt Schlüssel", "schluessel@stadt.de", true).await;
    let session = app
        .get("/api/sitzung", Opts::json().cookie(&cookie))
        .await
        .json();
    let csrf = session["csrf"].as_str().expect("csrf").to_owned();
    let org_id = session["organisation"]["id"]
        .as_str()
        .expect("org")
        .to_owned();
    let post = |fields: Vec<(&'static str, String)>| {
        let (app, cookie, csrf) = (&app, &cookie, &csrf);
        async move {
            app.post_form(
                "/api/bestellungen",
                &as_pairs(&fields),
                Opts::json().cookie(cookie).csrf(csrf),
            )
            .await
        }
    };
    let first = post(dmessenger_order("key-1", "direktvertrag")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let mut other = dmessenger_order("key-1", "direktvertrag");
    for (name, value) in &mut other {
        if *name == "option_nutzer" {
            *value = "500".to_owned();
        }
    }
    let reused = post(other).await;
    assert_eq!(reused.status, 409, "{}", reused.body);
    let first_number = first.json()["bestellung"]["nummer"]
        .as_str()
        .expect("number")
        .to_owned();
    let message = reused.json()["meldung"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains(&first_number) && message.contains("neu"),
        "says which order used the form and what to do: {message}"
    );
    let same = post(dmessenger_order("key-1", "direktvertrag")).await;
    assert_eq!(same.status, 200, "{}", same.body);
    assert_eq!(
        same.json()["bestellung"]["id"],
        first.json()["bestellung"]["id"]
    );
    let orders = store.list_org_orders(&org_id).await.expect("list");
    assert_eq!(orders.len(), 1, "one order");
}

/// A sender that never finishes (a process that hangs or dies while sending).
struct HangingSender {
    entered: Arc<tokio::sync::Notify>,
}

#[async_trait]
impl MailSender for HangingSender {
    async fn send(&self, _from: &str, _mail: &OutgoingMail) -> Result<(), MailError> {
        self.entered.notify_one();
        std::future::pending::<()>().await;
        Ok(())
    }
}

/// A sender that takes a while and counts what it sends.
#[derive(Clone, Default)]
struct SlowSender {
    inner: functions::mail::MemorySender,
}

#[async_trait]
impl MailSender for SlowSender {
    async fn send(&self, from: &str, mail: &OutgoingMail) -> Result<(), MailError> {
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.inner.send(from, mail).await
    }
}

fn state_with(
    store: Arc<dyn PortalStore>,
    sender: Arc<dyn MailSender>,
    clock: Arc<functions::domain::clock::ManualClock>,
) -> AppState {
    AppState::new(
        store,
        sender,
        test_settings("http://portal.test"),
        functions::domain::tokens::Secret::new(b"t".repeat(32)),
        clock,
    )
}

fn queued(to: &str) -> OutgoingMail {
    OutgoingMail {
        id: new_id(),
        to: to.to_owned(),
        subject: "Betreff".to_owned(),
        body: "Text".to_owned(),
        created_at: START,
        ..Default::default()
    }
}

/// A sender that died holding a mail blocks only that mail, and only for about a minute;
/// the other mails go out at once through another process, and nothing is sent twice.
pub async fn dead_senders_mail_is_taken_over(store: Arc<dyn PortalStore>) {
    let clock = Arc::new(functions::domain::clock::ManualClock::new(START));
    let mails: Vec<OutgoingMail> = (0..3).map(|i| queued(&format!("m{i}@amt.de"))).collect();
    for mail in &mails {
        store.enqueue_mail(mail).await.expect("enqueue");
    }
    let entered = Arc::new(tokio::sync::Notify::new());
    let dying = state_with(
        store.clone(),
        Arc::new(HangingSender {
            entered: entered.clone(),
        }),
        clock.clone(),
    );
    let task = tokio::spawn(async move { dying.outbox.deliver_pending().await });
    tokio::time::timeout(Duration::from_secs(10), entered.notified())
        .await
        .expect("the dying sender started sending");
    task.abort();

    let survivor = SlowSender::default();
    let restarted = state_with(store.clone(), Arc::new(survivor.clone()), clock.clone());
    assert_eq!(
        restarted.outbox.deliver_pending().await,
        2,
        "the mails the dead process had not started are sent at once"
    );
    clock.advance(functions::mail::LEASE_SECS + 1);
    assert_eq!(
        restarted.outbox.deliver_pending().await,
        1,
        "the mail it held is taken over after the short lease"
    );
    let mut sent: Vec<String> = survivor.inner.sent().iter().map(|m| m.id.clone()).collect();
    sent.sort();
    let mut expected: Vec<String> = mails.iter().map(|m| m.id.clone()).collect();
    expected.sort();
    assert_eq!(sent, expected, "each mail once");

    // Two live senders at once never send the same mail.
    let more: Vec<OutgoingMail> = (0..12).map(|i| queued(&format!("n{i}@amt.de"))).collect();
    for mail in &more {
        store.enqueue_mail(mail).await.expect("enqueue");
    }
    let a = SlowSender::default();
    let b = SlowSender::default();
    let state_a = state_with(store.clone(), Arc::new(a.clone()), clock.clone());
    let state_b = state_with(store.clone(), Arc::new(b.clone()), clock.clone());
    let (sent_a, sent_b) = tokio::join!(
        state_a.outbox.deliver_pending(),
        state_b.outbox.deliver_pending()
    );
    assert_eq!(sent_a + sent_b, 12);
    let mut ids: Vec<String> = a
        .inner
        .sent()
        .iter()
        .chain(b.inner.sent().iter())
        .map(|m| m.id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12, "no mail sent by both");
}

/// An order or a Bedarf sent without the session's CSRF token changes nothing: a script gets
/// 403, a page form (the static page without JavaScript) comes back filled in and carrying
/// the token, and sent again as it came back, it is placed once.
pub async fn forms_without_a_token_change_nothing(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let cookie = member(&app, "Stadt Token", "token@stadt.de", true).await;
    let session = app
        .get("/api/sitzung", Opts::json().cookie(&cookie))
        .await
        .json();
    let org_id = session["organisation"]["id"]
        .as_str()
        .expect("org")
        .to_owned();
    let order = dmessenger_order("", "direktvertrag");
    for opts in [
        Opts::json().cookie(&cookie),
        Opts::json().cookie(&cookie).csrf(""),
    ] {
        let refused = app
            .post_form("/api/bestellungen", &as_pairs(&order), opts)
            .await;
        assert_eq!(refused.status, 403, "{}", refused.body);
    }
    let need = [
        ("title", "Terminvergabe"),
        ("description", "Für drei Bürgerbüros."),
    ];
    let refused = app
        .post_form("/api/bedarf", &need, Opts::json().cookie(&cookie))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);

    // The page form without a token: the form again, nothing stored.
    let again = app
        .post_form(
            "/api/bestellungen",
            &as_pairs(&order),
            Opts::html().cookie(&cookie),
        )
        .await;
    assert_eq!(again.status, 422, "{}", again.body);
    assert!(
        markup::texts(&again.body, "main .error-summary h2")
            .iter()
            .any(|t| t.contains("noch einmal")),
        "{}",
        again.body
    );
    assert!(
        store
            .list_org_orders(&org_id)
            .await
            .expect("list")
            .is_empty()
    );
    let need_again = app
        .post_form("/api/bedarf", &need, Opts::html().cookie(&cookie))
        .await;
    assert_eq!(need_again.status, 422, "{}", need_again.body);
    assert_eq!(
        markup::attrs(&need_again.body, "#title", "value"),
        ["Terminvergabe"],
        "what was entered is kept"
    );
    assert!(
        app.mails
            .sent()
            .iter()
            .all(|m| !m.subject.contains("Bedarf"))
    );

    // Sent again as it came back (with every field it carries, the token among them).
    let fields: Vec<(String, String)> = {
        let html = scraper::Html::parse_document(&again.body);
        let form = scraper::Selector::parse("main form[action='/api/bestellungen']").expect("form");
        let controls = scraper::Selector::parse("input, select, textarea").expect("controls");
        let selected = scraper::Selector::parse("option[selected]").expect("option");
        let form = html.select(&form).next().expect("the order form");
        form.select(&controls)
            .filter_map(|c| {
                let name = c.value().attr("name")?.to_owned();
                let value = match c.value().name() {
                    "select" => {
                        let option = c.select(&selected).next()?;
                        option
                            .value()
                            .attr("value")
                            .map_or_else(|| option.text().collect(), str::to_owned)
                    }
                    "textarea" => c.text().collect(),
                    _ => {
                        let kind = c.value().attr("type").unwrap_or("text");
                        if matches!(kind, "radio" | "checkbox")
                            && c.value().attr("checked").is_none()
                        {
                            return None;
                        }
                        c.value().attr("value").unwrap_or_default().to_owned()
                    }
                };
                Some((name, value))
            })
            .collect()
    };
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let placed = app
        .post_form("/api/bestellungen", &pairs, Opts::html().cookie(&cookie))
        .await;
    assert_eq!(placed.status, 303, "{}", placed.body);
    assert_eq!(store.list_org_orders(&org_id).await.expect("list").len(), 1);
}

/// What the framework refuses by itself (a body over the limit, a method a route does not
/// take) is answered in German: a page in the site's layout, or JSON for scripts.
pub async fn framework_refusals_are_german(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let big = format!("email=a%40b.de&passwort={}", "x".repeat(20 * 1024));
    let page = app
        .post_raw(
            "/api/anmeldung",
            "application/x-www-form-urlencoded",
            big.clone().into_bytes(),
            Opts::html(),
        )
        .await;
    assert_eq!(page.status, 413, "{}", page.body);
    assert_eq!(
        markup::texts(&page.body, "main h1"),
        ["Das hat nicht geklappt"]
    );
    assert!(
        markup::texts(&page.body, "main p")
            .iter()
            .any(|p| p.contains("zu groß")),
        "{}",
        page.body
    );
    assert_eq!(
        markup::texts(&page.body, "header a.brand").len(),
        1,
        "in the layout"
    );
    let json = app
        .post_raw(
            "/api/anmeldung",
            "application/x-www-form-urlencoded",
            big.into_bytes(),
            Opts::json(),
        )
        .await;
    assert_eq!(json.status, 413, "{}", json.body);
    assert!(
        json.json()["meldung"]
            .as_str()
            .is_some_and(|m| m.contains("zu groß"))
    );
    let method = app
        .http
        .delete(format!("{}/api/anmeldung", app.base))
        .header("accept", "text/html")
        .send()
        .await
        .expect("DELETE");
    assert_eq!(method.status(), 405);
    let body = method.text().await.expect("body");
    assert!(
        markup::texts(&body, "main p")
            .iter()
            .any(|p| p.contains("Art von Anfrage")),
        "{body}"
    );
}
