//! The newsletter, run against every store: the store port (conditional writes, two
//! confirmations racing), and the flow over HTTP as a visitor and a mail program go through
//! it — subscribe, confirm the mailed link, receive an issue, unsubscribe with one click.

use std::sync::Arc;

use functions::domain::model::OutgoingMail;
use functions::domain::newsletter::Subscriber;
use functions::domain::newsletter::campaign;
use functions::domain::orders::ports::PortalStore;
use functions::domain::ports::StoreError;

use super::*;

fn subscriber(id: &str, email: &str, expires: i64) -> Subscriber {
    Subscriber {
        id: id.to_owned(),
        email: email.to_owned(),
        subscribed_at: START,
        confirmed_at: None,
        confirm_hash: "a".repeat(64),
        confirm_expires_at: expires,
    }
}

fn mail(id: &str, to: &str) -> OutgoingMail {
    OutgoingMail {
        id: id.to_owned(),
        to: to.to_owned(),
        subject: "Bitte bestätigen".to_owned(),
        body: "Link".to_owned(),
        created_at: START,
        ..Default::default()
    }
}

/// The port's contract: one entry per address, changes and deletions only as read, lists
/// by state in time order.
pub async fn store_conformance(store: Arc<dyn PortalStore>) {
    let anna = subscriber(&"1".repeat(32), "anna@amt.de", START + 100);
    store
        .create_subscriber(&anna, &mail("m1", "anna@amt.de"))
        .await
        .expect("create");
    let again = subscriber(&"2".repeat(32), "anna@amt.de", START + 100);
    assert!(matches!(
        store
            .create_subscriber(&again, &mail("m2", "anna@amt.de"))
            .await,
        Err(StoreError::EmailTaken)
    ));
    assert_eq!(
        store.get_subscriber(&again.id).await.expect("get"),
        None,
        "nothing of the refused entry is written"
    );
    let claimed = store
        .claim_mails(START, START + 60, 10)
        .await
        .expect("claim");
    assert_eq!(
        claimed.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        ["m1"],
        "the confirmation mail is queued with its entry, the refused one's is not"
    );
    assert_eq!(
        store
            .find_subscriber_by_email("anna@amt.de")
            .await
            .expect("find"),
        Some(anna.clone())
    );

    // A second, earlier-expiring unconfirmed entry and a confirmed one.
    let bernd = subscriber(&"3".repeat(32), "bernd@amt.de", START + 50);
    store
        .create_subscriber(&bernd, &mail("m3", "bernd@amt.de"))
        .await
        .expect("create");
    let confirmed = Subscriber {
        confirmed_at: Some(START + 10),
        confirm_hash: String::new(),
        ..anna.clone()
    };
    store
        .replace_subscriber(&anna, &confirmed, None)
        .await
        .expect("confirm");
    assert!(
        matches!(
            store.replace_subscriber(&anna, &confirmed, None).await,
            Err(StoreError::Conflict)
        ),
        "a change from a stale read is refused"
    );
    assert_eq!(
        store
            .list_confirmed_subscribers()
            .await
            .expect("list")
            .iter()
            .map(|s| s.email.as_str())
            .collect::<Vec<_>>(),
        ["anna@amt.de"]
    );
    assert_eq!(
        store
            .list_unconfirmed_subscribers()
            .await
            .expect("list")
            .iter()
            .map(|s| s.email.as_str())
            .collect::<Vec<_>>(),
        ["bernd@amt.de"]
    );

    // Deleting as read: a stale expectation is refused, the current one works.
    let renewed = Subscriber {
        confirm_expires_at: START + 500,
        ..bernd.clone()
    };
    store
        .replace_subscriber(&bernd, &renewed, Some(&mail("m4", "bernd@amt.de")))
        .await
        .expect("renew");
    assert!(matches!(
        store.delete_subscriber(&bernd.id, Some(&bernd)).await,
        Err(StoreError::Conflict)
    ));
    store
        .delete_subscriber(&bernd.id, Some(&renewed))
        .await
        .expect("delete as read");
    assert!(matches!(
        store.delete_subscriber(&bernd.id, None).await,
        Err(StoreError::NotFound)
    ));
    // Unsubscribing deletes unconditionally, and frees the address.
    store
        .delete_subscriber(&anna.id, None)
        .await
        .expect("unsubscribe");
    assert_eq!(
        store
            .find_subscriber_by_email("anna@amt.de")
            .await
            .expect("find"),
        None
    );
    assert!(
        store
            .list_confirmed_subscribers()
            .await
            .expect("list")
            .is_empty()
    );
    store
        .create_subscriber(&again, &mail("m5", "anna@amt.de"))
        .await
        .expect("the address can subscribe again");
}

/// Two confirmations of one link at the same moment (a double click, a scanner and a
/// person): exactly one succeeds, on the store and through the domain.
pub async fn two_confirmations_one_wins(store: Arc<dyn PortalStore>) {
    for round in 0..5 {
        let before = subscriber(
            &format!("{round:032}"),
            &format!("race{round}@amt.de"),
            START + 100,
        );
        store
            .create_subscriber(&before, &mail(&format!("race-{round}"), &before.email))
            .await
            .expect("create");
        let (a, b) = (
            Subscriber {
                confirmed_at: Some(START + 1),
                confirm_hash: String::new(),
                ..before.clone()
            },
            Subscriber {
                confirmed_at: Some(START + 2),
                confirm_hash: String::new(),
                ..before.clone()
            },
        );
        let (first, second) = tokio::join!(
            store.replace_subscriber(&before, &a, None),
            store.replace_subscriber(&before, &b, None)
        );
        assert_eq!(
            [first.is_ok(), second.is_ok()]
                .iter()
                .filter(|ok| **ok)
                .count(),
            1,
            "round {round}: {first:?} {second:?}"
        );
    }

    let app = spawn(store).await;
    let email = "doppelt@amt.de";
    subscribe(&app, email).await;
    let link = app.link_in_mail(email, "Newsletter-Abonnement");
    let token = token_of(&link);
    let (first, second) = tokio::join!(
        app.state.newsletter.confirm(&token),
        app.state.newsletter.confirm(&token)
    );
    assert_eq!(
        [first.is_ok(), second.is_ok()]
            .iter()
            .filter(|ok| **ok)
            .count(),
        1,
        "{first:?} {second:?}"
    );
}

/// Posts the footer's form as a script does (with the proof of work).
pub async fn subscribe(app: &TestApp, email: &str) -> Reply {
    let altcha = app.altcha().await;
    app.post_form(
        "/api/newsletter",
        &[("email", email), ("altcha", &altcha), ("website", "")],
        Opts::html(),
    )
    .await
}

/// The answer of the page's arithmetic question (as a person reads it).
fn answer_question(page: &str) -> (String, String) {
    let token = markup::attrs(page, "main input[name='frage_token']", "value")
        .pop()
        .expect("question token");
    let label = markup::texts(page, "main label[for='newsletter-frage-antwort']")
        .pop()
        .expect("question");
    let text = label
        .split("Wie viel ist ")
        .nth(1)
        .and_then(|rest| rest.split('?').next())
        .expect("question")
        .to_owned();
    let words = [
        "null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun",
    ];
    let value = |w: &str| words.iter().position(|x| *x == w).expect("a number word");
    let parts: Vec<&str> = text.split(' ').collect();
    assert_eq!(parts.get(1), Some(&"plus"), "{label}");
    (token, (value(parts[0]) + value(parts[2])).to_string())
}

/// Subscribe from the footer, confirm the mailed link, receive an issue with its headers,
/// unsubscribe with the one-click POST of a mail program: the address is gone.
pub async fn subscribe_confirm_send_unsubscribe(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let email = "leser@musterstadt.de";

    // Every page has the field in its footer, the same as the static pages.
    let page = app.get("/api/registrierung", Opts::html()).await;
    assert_eq!(
        markup::attrs(
            &page.body,
            "footer form[action='/api/newsletter'] input[type='email']",
            "name"
        ),
        ["email"]
    );

    // Without JavaScript: the footer sends only the address; the page asks its question and
    // keeps the address.
    let first = app
        .post_form(
            "/api/newsletter",
            &[("email", email), ("website", "")],
            Opts::html(),
        )
        .await;
    assert_eq!(first.status, 422, "{}", first.body);
    assert_eq!(
        markup::texts(&first.body, "main h1"),
        ["Newsletter abonnieren"]
    );
    assert_eq!(
        markup::attrs(&first.body, "#newsletter-email", "value"),
        [email]
    );
    assert!(
        markup::attrs(&first.body, "main .error-summary a", "href")
            .contains(&"#newsletter-frage-antwort".to_owned()),
        "{}",
        first.body
    );
    assert_eq!(app.mails_to(email), 0, "nothing sent before the check");
    let (token, answer) = answer_question(&first.body);
    let second = app
        .post_form(
            "/api/newsletter",
            &[
                ("email", email),
                ("frage_token", &token),
                ("frage_antwort", &answer),
            ],
            Opts::html(),
        )
        .await;
    assert_eq!(
        (second.status, second.location.as_deref()),
        (303, Some("/api/hinweis/newsletter-angefordert")),
        "{}",
        second.body
    );

    // Not on the list before the link is confirmed.
    assert!(
        app.state
            .newsletter
            .confirmed()
            .await
            .expect("list")
            .is_empty()
    );
    let link = app.link_in_mail(email, "Newsletter-Abonnement");
    assert!(link.starts_with(&format!("{}/api/newsletter/bestaetigen?token=", app.base)));
    // Opening the link shows a button and confirms nothing (mail scanners open links).
    let confirm_page = app.get(&path_of(&link), Opts::html()).await;
    assert_eq!(confirm_page.status, 200, "{}", confirm_page.body);
    assert_eq!(
        markup::texts(&confirm_page.body, "main h1"),
        ["Newsletter-Abonnement bestätigen"]
    );
    assert!(
        app.state
            .newsletter
            .confirmed()
            .await
            .expect("list")
            .is_empty()
    );
    let token = markup::attrs(&confirm_page.body, "main form input[name='token']", "value")
        .pop()
        .expect("token in the form");
    let confirmed = app
        .post_form(
            "/api/newsletter/bestaetigen",
            &[("token", &token)],
            Opts::html(),
        )
        .await;
    assert_eq!(
        (confirmed.status, confirmed.location.as_deref()),
        (303, Some("/api/hinweis/newsletter-bestaetigt"))
    );
    let used = app.get(&path_of(&link), Opts::html()).await;
    assert_eq!(
        used.location.as_deref(),
        Some("/api/hinweis/newsletter-link-ungueltig"),
        "the link works once"
    );
    let list = app.state.newsletter.confirmed().await.expect("list");
    assert_eq!(
        list.iter().map(|s| s.email.as_str()).collect::<Vec<_>>(),
        [email]
    );

    // The operator sends an issue.
    let issue = campaign::parse(
        "# Neues im Cloud-Service-Portal\n\nDrei neue Angebote für [Kommunen](https://portal.example/kommunen/).\n",
    )
    .expect("issue");
    let report = app.state.newsletter.send(&issue, 60).await.expect("send");
    assert_eq!(report.queued, 1);
    app.state.outbox.deliver_all().await;
    let received = app
        .mails
        .sent()
        .into_iter()
        .find(|m| m.to == email && m.subject == "Neues im Cloud-Service-Portal")
        .expect("the issue was delivered");
    assert!(
        received
            .body
            .contains("Drei neue Angebote für Kommunen (https://portal.example/kommunen/).")
    );
    let header = |name: &str| {
        received
            .headers
            .iter()
            .find(|h| h.name == name)
            .map(|h| h.value.clone())
            .unwrap_or_else(|| panic!("no {name} header"))
    };
    assert_eq!(
        header("List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    let unsubscribe = header("List-Unsubscribe");
    let url = unsubscribe
        .strip_prefix('<')
        .and_then(|u| u.strip_suffix('>'))
        .expect("<url>");
    assert!(received.body.contains(url), "the link is in the text too");
    assert!(
        received
            .html
            .as_deref()
            .is_some_and(|h| h.contains("Newsletter abbestellen")),
        "an HTML part with the link"
    );

    // Opening the link shows a button and unsubscribes nobody.
    let page = app.get(&path_of(url), Opts::html()).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        markup::texts(&page.body, "main h1"),
        ["Newsletter abbestellen"]
    );
    assert_eq!(
        app.state.newsletter.confirmed().await.expect("list").len(),
        1
    );

    // A mail program's one-click POST: to the header's address, with the body of RFC 8058,
    // no Origin and no cookie.
    let one_click = app
        .post_raw(
            &path_of(url),
            "application/x-www-form-urlencoded",
            b"List-Unsubscribe=One-Click".to_vec(),
            Opts::html().origin(""),
        )
        .await;
    assert_eq!(one_click.status, 200, "{}", one_click.body);
    assert_eq!(
        markup::texts(&one_click.body, "main h1"),
        ["Newsletter abbestellt"]
    );
    assert!(
        app.state
            .newsletter
            .confirmed()
            .await
            .expect("list")
            .is_empty()
    );
    // Again (a second click, a retry): the same answer.
    let again = app
        .post_raw(
            &path_of(url),
            "multipart/form-data; boundary=x",
            b"--x\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--x--\r\n"
                .to_vec(),
            Opts::html().origin(""),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    // A forged token unsubscribes nobody.
    let forged = app
        .post_raw(
            &format!(
                "/api/newsletter/abmelden?token={}.{}",
                "1".repeat(32),
                "0".repeat(64)
            ),
            "application/x-www-form-urlencoded",
            b"List-Unsubscribe=One-Click".to_vec(),
            Opts::html().origin(""),
        )
        .await;
    assert_eq!(
        forged.location.as_deref(),
        Some("/api/hinweis/newsletter-link-ungueltig")
    );
}

/// A new, a pending, a confirmed and an address over its mail limit all get the same
/// answer; what differs is only the mail (none past the limit).
pub async fn same_answer_for_every_address(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let confirmed = "bekannt@amt.de";
    subscribe(&app, confirmed).await;
    let link = app.link_in_mail(confirmed, "Newsletter-Abonnement");
    app.state
        .newsletter
        .confirm(&token_of(&link))
        .await
        .expect("confirm");
    let pending = "wartet@amt.de";
    subscribe(&app, pending).await;

    let mut answers = Vec::new();
    for email in [confirmed, pending, "neu@amt.de"] {
        let reply = subscribe(&app, email).await;
        let page = app
            .get(reply.location.as_deref().unwrap_or("/"), Opts::html())
            .await;
        answers.push((
            reply.status,
            reply.location.clone(),
            markup::texts(&page.body, "main"),
        ));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:#?}");
    assert_eq!(
        answers[0].1.as_deref(),
        Some("/api/hinweis/newsletter-angefordert")
    );
    assert_eq!(answers[0].2.len(), 1);
    assert!(answers[0].2[0].contains("Bitte sehen Sie in Ihr Postfach"));

    // The confirmed address is told it is subscribed, with a way out; nothing changed.
    let notice = app
        .mails
        .sent()
        .into_iter()
        .rev()
        .find(|m| m.to == confirmed)
        .expect("a notice");
    assert_eq!(notice.subject, "Sie erhalten den Newsletter bereits");
    assert!(notice.body.contains("/api/newsletter/abmelden?token="));
    // The pending one got a new link; the first one is void.
    let links: Vec<String> = app
        .mails
        .sent()
        .into_iter()
        .filter(|m| m.to == pending)
        .filter_map(|m| {
            m.body
                .lines()
                .find(|l| l.contains("/api/newsletter/bestaetigen"))
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(links.len(), 2);
    assert!(
        app.state
            .newsletter
            .confirm(&token_of(&links[0]))
            .await
            .is_err()
    );
    app.state
        .newsletter
        .confirm(&token_of(&links[1]))
        .await
        .expect("the newest link works");

    // At most three mails a day to one address, however often the form is sent.
    let victim = "opfer@amt.de";
    for _ in 0..6 {
        let reply = subscribe(&app, victim).await;
        assert_eq!(
            reply.location.as_deref(),
            Some("/api/hinweis/newsletter-angefordert")
        );
    }
    assert_eq!(app.mails_to(victim), 3);
    app.clock.advance(24 * 3600);
    subscribe(&app, victim).await;
    assert_eq!(app.mails_to(victim), 4, "the next day it may get one again");

    // A filled honeypot answers the same and stores nothing.
    let altcha = app.altcha().await;
    let bot = app
        .post_form(
            "/api/newsletter",
            &[
                ("email", "bot@amt.de"),
                ("altcha", &altcha),
                ("website", "x"),
            ],
            Opts::html(),
        )
        .await;
    assert_eq!(
        bot.location.as_deref(),
        Some("/api/hinweis/newsletter-angefordert")
    );
    assert_eq!(app.mails_to("bot@amt.de"), 0);
}

/// An address whose link expired unused is removed by the scheduled work; a confirmed one
/// stays.
pub async fn unconfirmed_addresses_are_removed(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    subscribe(&app, "bleibt@amt.de").await;
    let link = app.link_in_mail("bleibt@amt.de", "Newsletter-Abonnement");
    app.state
        .newsletter
        .confirm(&token_of(&link))
        .await
        .expect("confirm");
    subscribe(&app, "vergisst@amt.de").await;
    let forgotten = app.link_in_mail("vergisst@amt.de", "Newsletter-Abonnement");

    app.clock.advance(23 * 3600);
    assert_eq!(app.state.run_due_work().await.subscriptions_removed, 0);
    app.clock.advance(3600);
    let work = app.state.run_due_work().await;
    assert_eq!(work.subscriptions_removed, 1);
    assert_eq!(work.failed, 0);
    assert!(
        app.state
            .newsletter
            .confirm(&token_of(&forgotten))
            .await
            .is_err()
    );
    assert_eq!(
        app.state
            .newsletter
            .confirmed()
            .await
            .expect("list")
            .iter()
            .map(|s| s.email.as_str())
            .collect::<Vec<_>>(),
        ["bleibt@amt.de"]
    );
    // The removed address may subscribe again.
    subscribe(&app, "vergisst@amt.de").await;
    let fresh = app.link_in_mail("vergisst@amt.de", "Newsletter-Abonnement");
    assert_ne!(fresh, forgotten);
    app.state
        .newsletter
        .confirm(&token_of(&fresh))
        .await
        .expect("a new link works");
}

/// Sending the same file twice reaches each address once; the mails are spaced by the
/// throttle and leave the outbox only when their time has come.
pub async fn an_issue_reaches_each_address_once(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    for name in ["a", "b", "c"] {
        let email = format!("{name}@amt.de");
        subscribe(&app, &email).await;
        let link = app.link_in_mail(&email, "Newsletter-Abonnement");
        app.state
            .newsletter
            .confirm(&token_of(&link))
            .await
            .expect("confirm");
    }
    let issue = campaign::parse("# Ausgabe 1\n\nText.\n").expect("issue");
    let first = app.state.newsletter.send(&issue, 2).await.expect("send");
    assert_eq!((first.queued, first.already_queued), (3, 0));
    assert_eq!(
        first.last_not_before,
        START + 60,
        "two a minute: the third after a minute"
    );
    let second = app
        .state
        .newsletter
        .send(&issue, 2)
        .await
        .expect("send again");
    assert_eq!((second.queued, second.already_queued), (0, 3));

    let issues = |app: &TestApp| {
        app.mails
            .sent()
            .iter()
            .filter(|m| m.subject == "Ausgabe 1")
            .count()
    };
    app.state.outbox.deliver_all().await;
    assert_eq!(issues(&app), 1, "the others wait for their half minute");
    app.clock.advance(30);
    app.state.outbox.deliver_all().await;
    assert_eq!(issues(&app), 2);
    app.clock.advance(30);
    app.state.outbox.deliver_all().await;
    assert_eq!(issues(&app), 3);
    app.state
        .newsletter
        .send(&issue, 2)
        .await
        .expect("a third run");
    app.clock.advance(120);
    app.state.outbox.deliver_all().await;
    assert_eq!(issues(&app), 3, "each address got the issue once");
    let other = campaign::parse("# Ausgabe 2\n\nText.\n").expect("issue");
    assert_eq!(
        app.state
            .newsletter
            .send(&other, 60)
            .await
            .expect("send")
            .queued,
        3
    );
}
