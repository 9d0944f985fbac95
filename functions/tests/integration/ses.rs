//! The Amazon SES sender against a real SES API: moto in server mode (PyPI), started by
//! `scripts/test` through `scripts/ses-test-server.sh`. Each test verifies its sender identity
//! in moto, sends through `SesSender` and reads the mail back from moto's state
//! (`/moto-api/data.json`). Without the server the tests fail, never skip.
use std::process::Command;

use functions::domain::model::OutgoingMail;
use functions::domain::ports::Store;
use functions::mail::{MailError, MailSender, SesConfig, SesSender};
use functions::store::SqliteStore;

fn ses_endpoint() -> String {
    std::env::var("CSP_TEST_SES_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "CSP_TEST_SES_ENDPOINT is not set: run the tests through scripts/test, which starts \
             moto, or start it yourself with: eval \"$(scripts/ses-test-server.sh)\""
        )
    })
}

/// A client of moto's SES API for what the sender does not do (verifying identities).
fn admin_client(endpoint: &str) -> aws_sdk_sesv2::Client {
    let config = aws_sdk_sesv2::Config::builder()
        .behavior_version(aws_sdk_sesv2::config::BehaviorVersion::latest())
        .region(aws_sdk_sesv2::config::Region::new("eu-central-1"))
        .credentials_provider(aws_sdk_sesv2::config::Credentials::new(
            "local", "local", None, None, "test",
        ))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_sesv2::Client::from_conf(config)
}

async fn verify_identity(endpoint: &str, identity: &str) {
    admin_client(endpoint)
        .create_email_identity()
        .email_identity(identity)
        .send()
        .await
        .expect("moto verifies the sender identity");
}

/// The messages moto's SES backend accepted for `recipient`, as `(source, subject, body)`.
async fn sent_to(endpoint: &str, recipient: &str) -> Vec<(String, String, String)> {
    let response = reqwest::get(format!("{endpoint}/moto-api/data.json"))
        .await
        .expect("moto answers");
    assert!(response.status().is_success());
    let data: serde_json::Value =
        serde_json::from_slice(&response.bytes().await.expect("body")).expect("JSON");
    data["ses"]["Message"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| {
            m["destinations"]["ToAddresses"]
                .as_array()
                .is_some_and(|to| to.iter().any(|a| a == recipient))
        })
        .map(|m| {
            let text = |field: &str| m[field].as_str().expect(field).to_owned();
            (text("source"), text("subject"), text("body"))
        })
        .collect()
}

fn unique() -> String {
    functions::domain::tokens::new_id()
}

fn mail(to: &str) -> OutgoingMail {
    OutgoingMail {
        id: unique(),
        to: to.to_owned(),
        subject: "Bitte bestätigen Sie Ihre Registrierung – Größe, Übermaß, Äpfel".to_owned(),
        body: "Guten Tag Frau Müller,\n\nbitte bestätigen Sie Ihre Registrierung für das \
               Amt Bärstadt:\nhttps://portal.example/api/bestaetigen?token=0123abcd\n\n\
               Mit freundlichen Grüßen\nIhr Cloud-Service-Portal (ÄÖÜäöüß €)\n"
            .to_owned(),
        created_at: 1_767_225_600,
        ..Default::default()
    }
}

#[tokio::test]
async fn mail_with_umlauts_arrives_intact_through_the_ses_api() {
    let endpoint = ses_endpoint();
    let sender_address = format!("noreply-{}@portal.example", unique());
    verify_identity(&endpoint, &sender_address).await;
    let sender = SesSender::new(&SesConfig::local(&endpoint));
    let local = format!("anna.mueller-{}", unique());
    let mail = mail(&format!("{local}@amt-bärstadt.de"));

    sender
        .send(&format!("Cloud-Service-Portal <{sender_address}>"), &mail)
        .await
        .expect("SES accepts the mail");

    // The domain travels in punycode; subject and body exactly as written.
    let received = sent_to(&endpoint, &format!("{local}@xn--amt-brstadt-p8a.de")).await;
    assert_eq!(received.len(), 1, "exactly one mail: {received:?}");
    let (source, subject, body) = &received[0];
    assert_eq!(source, &format!("Cloud-Service-Portal <{sender_address}>"));
    assert_eq!(subject, &mail.subject);
    assert_eq!(body, &mail.body);
}

#[tokio::test]
async fn a_sender_name_with_umlauts_is_sent_as_an_encoded_word() {
    let endpoint = ses_endpoint();
    let sender_address = format!("noreply-{}@portal.example", unique());
    verify_identity(&endpoint, &sender_address).await;
    let sender = SesSender::new(&SesConfig::local(&endpoint));
    let to = format!("ses-{}@amt.example", unique());

    sender
        .send(&format!("Portal Bärstadt <{sender_address}>"), &mail(&to))
        .await
        .expect("SES accepts the mail");

    let received = sent_to(&endpoint, &to).await;
    assert_eq!(received.len(), 1, "{received:?}");
    // "Portal Bärstadt" in RFC 2047 base64.
    assert_eq!(
        received[0].0,
        format!("=?UTF-8?B?UG9ydGFsIELDpHJzdGFkdA==?= <{sender_address}>")
    );
}

#[tokio::test]
async fn an_unverified_sender_is_refused_as_a_message_error_without_addresses_in_it() {
    let endpoint = ses_endpoint();
    let sender = SesSender::new(&SesConfig::local(&endpoint));
    let to = format!("refused-{}@amt.example", unique());

    let error = sender
        .send(
            &format!("Portal <unverified-{}@portal.example>", unique()),
            &mail(&to),
        )
        .await
        .expect_err("moto refuses an unverified sender");

    assert!(matches!(error, MailError::Message(_)), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("MessageRejected"), "{text}");
    assert!(!text.contains('@'), "no addresses in the error: {text}");
    assert!(sent_to(&endpoint, &to).await.is_empty());
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_transport_error() {
    // A port nobody listens on: bound, then closed again.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let sender = SesSender::new(&SesConfig::local(&format!("http://127.0.0.1:{port}")));

    let error = sender
        .send("Portal <noreply@portal.example>", &mail("anna@amt.example"))
        .await
        .expect_err("nobody answers");

    assert!(matches!(error, MailError::Transport(_)), "{error:?}");
}

#[tokio::test]
async fn the_binary_sends_its_outbox_through_ses_when_configured_by_the_environment() {
    let endpoint = ses_endpoint();
    let sender_address = format!("noreply-{}@portal.example", unique());
    verify_identity(&endpoint, &sender_address).await;
    let data = tempfile::tempdir().expect("tmp");
    let to = format!("outbox-{}@amt.example", unique());
    let queued = mail(&to);
    SqliteStore::open(&data.path().join("function.sqlite3"))
        .expect("store")
        .enqueue_mail(&queued)
        .await
        .expect("queued");

    let output = Command::new(env!("CARGO_BIN_EXE_csp-function"))
        .args(["admin", "send-mails"])
        .env("CSP_DATA_DIR", data.path())
        .env("CSP_SEARCH_INDEX", data.path().join("no-index"))
        .env("CSP_LOG", "warn")
        .env("CSP_MAIL_TRANSPORT", "ses")
        .env("CSP_SES_ENDPOINT", &endpoint)
        .env(
            "CSP_MAIL_FROM",
            format!("Cloud-Service-Portal <{sender_address}>"),
        )
        .env("AWS_REGION", "eu-central-1")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL_SESV2")
        .env_remove("CSP_DYNAMODB_TABLE")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .expect("csp-function runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("1 E-Mail(s) versendet."),
        "{stdout}\n{stderr}"
    );

    let received = sent_to(&endpoint, &to).await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0].1, queued.subject);
    assert_eq!(received[0].2, queued.body);
}

/// A newsletter issue (HTML alternative, List-Unsubscribe headers) is accepted by the SES
/// API as one message with its text intact.
#[tokio::test]
async fn a_newsletter_with_html_and_unsubscribe_headers_is_accepted() {
    let endpoint = ses_endpoint();
    let sender_address = format!("noreply-{}@portal.example", unique());
    verify_identity(&endpoint, &sender_address).await;
    let sender = SesSender::new(&SesConfig::local(&endpoint));
    let to = format!("leser-{}@amt.example", unique());
    let issue = functions::domain::newsletter::campaign::parse(
        "# Neues im Portal\n\nZwei neue **Angebote**.\n",
    )
    .expect("issue");
    let mail = functions::domain::newsletter::mails::issue(
        unique(),
        &to,
        &issue,
        "https://portal.example/api/newsletter/abmelden?token=abc.def",
        0,
    );

    sender
        .send(&format!("Cloud-Service-Portal <{sender_address}>"), &mail)
        .await
        .expect("SES accepts the mail with its headers and HTML");

    let received = sent_to(&endpoint, &to).await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0].1, "Neues im Portal");
    // moto keeps the HTML part (not the headers, which it drops from its record).
    assert!(
        received[0]
            .2
            .contains("https://portal.example/api/newsletter/abmelden?token=abc.def"),
        "{}",
        received[0].2
    );
}
