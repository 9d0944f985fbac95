//! Contracts with the outside: the OpenAPI document covers every route, mail goes through a
//! real SMTP server (aiosmtpd, started by `scripts/test`) and comes back readable, and the
//! SAM template passes `cfn-lint`. Missing tools make these tests fail, never skip.
use crate::common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use functions::mail::{MailSender, SmtpSender};
use functions::store::SqliteStore;
use tower::ServiceExt;

#[tokio::test]
async fn openapi_document_covers_every_route() {
    let doc = functions::openapi_document();
    assert_eq!(doc["openapi"], "3.1.0");
    let routes = functions::web::routes();
    let paths = doc["paths"].as_object().expect("paths");
    let documented: usize = paths
        .values()
        .map(|p| p.as_object().expect("operations").len())
        .sum();
    assert_eq!(documented, routes.len(), "one operation per route");

    let state = functions::AppState::local(
        tempfile::tempdir().expect("tmp").keep().as_path(),
        "http://localhost",
    )
    .expect("state");
    let app = functions::router(state);
    for route in &routes {
        let doc = &route.doc;
        let op = &paths[doc.path][doc.method];
        assert!(
            op["summary"].is_string(),
            "{} {} documented",
            doc.method,
            doc.path
        );
        if doc.method == "post" {
            assert!(
                op["requestBody"].is_object() && op["responses"]["422"].is_object(),
                "{} body and errors",
                doc.path
            );
        }
        // The documented operation exists in the router: anything but 404/405.
        let uri = doc
            .path
            .replace("{id}", "x")
            .replace("{name}", "abgemeldet");
        let request = Request::builder()
            .method(doc.method.to_uppercase().as_str())
            .uri(&uri)
            .header("accept", "application/json")
            .body(Body::empty())
            .expect("request");
        let status = app
            .clone()
            .oneshot(request)
            .await
            .expect("response")
            .status()
            .as_u16();
        assert!(
            status != 404 && status != 405,
            "{} {uri} answered {status}",
            doc.method
        );
    }
    let request = Request::builder()
        .uri("/api/nicht-dokumentiert")
        .body(Body::empty())
        .expect("request");
    assert_eq!(
        app.oneshot(request)
            .await
            .expect("response")
            .status()
            .as_u16(),
        404,
        "the router has nothing undocumented here"
    );
}

pub(crate) fn smtp_server() -> (String, std::path::PathBuf) {
    let address = std::env::var("CSP_TEST_SMTP").unwrap_or_else(|_| {
        panic!(
            "CSP_TEST_SMTP is not set: run the tests through scripts/test, which starts aiosmtpd"
        )
    });
    let maildir = std::env::var("CSP_TEST_SMTP_MAILDIR")
        .expect("CSP_TEST_SMTP_MAILDIR is set with CSP_TEST_SMTP");
    (address, maildir.into())
}

/// Mails in the server's Maildir that contain `needle`.
pub(crate) fn received(maildir: &std::path::Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for sub in ["new", "cur"] {
        let Ok(entries) = std::fs::read_dir(maildir.join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            if text.contains(needle) {
                found.push(text);
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_mail_travels_through_a_real_smtp_server() {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let (address, maildir) = smtp_server();
    let sender = SmtpSender::from_url(&format!("smtp://{address}")).expect("sender");
    let dir = tempfile::tempdir().expect("tmp");
    let store = Arc::new(SqliteStore::open(&dir.path().join("db.sqlite3")).expect("store"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let state = functions::AppState::new(
        store,
        Arc::new(sender),
        common::test_settings(&base),
        functions::domain::Secret::new(b"s".repeat(32)),
        Arc::new(functions::domain::SystemClock),
    );
    let state = state.delivering_inline();
    let app = functions::standalone_router(state.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .expect("serve")
    });
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let email = format!("smtp-{}@amt-müller.de", functions::domain::tokens::new_id());
    let challenge: functions::domain::human_check::Challenge = serde_json::from_str(
        &http
            .get(format!("{base}/api/altcha"))
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("body"),
    )
    .expect("json");
    let mut fields = common::registration("Gemeinde Ärzteweiler", &email);
    fields.push((
        "altcha",
        functions::domain::human_check::solve(&challenge).expect("solve"),
    ));
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(common::as_pairs(&fields))
        .finish();
    let reply = http
        .post(format!("{base}/api/registrierung"))
        .header("origin", &base)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(reply.status().as_u16(), 303);

    // aiosmtpd writes the message into its Maildir; read it back.
    let mut mails = Vec::new();
    for _ in 0..50 {
        mails = received(&maildir, email.split('@').next().expect("local part"));
        if !mails.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        mails.len(),
        1,
        "one confirmation mail arrived at the SMTP server"
    );
    let mail = &decoded(&mails[0]);
    assert!(
        mail.contains("Subject: Bitte =?utf-8?") || mail.contains("Subject: Bitte best"),
        "{mail}"
    );
    let link = mail
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(&format!("{base}/api/bestaetigen?token=")))
        .unwrap_or_else(|| panic!("confirmation link readable in the mail:\n{mail}"));
    let token = link.split("token=").nth(1).expect("token");
    let confirm = http
        .post(format!("{base}/api/bestaetigen"))
        .header("origin", &base)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .await
        .expect("confirm");
    assert_eq!(
        confirm.headers()["location"],
        "/api/hinweis/email-bestaetigt",
        "the mailed link works"
    );
    assert!(mail.contains("Gemeinde Ärzteweiler"), "UTF-8 body survives");
}

/// Headers plus the decoded body (lettre picks base64 or quoted-printable for UTF-8 text).
pub(crate) fn decoded(raw: &str) -> String {
    use base64::Engine;
    let raw = raw.replace("\r\n", "\n");
    let (headers, body) = raw.split_once("\n\n").expect("headers and body");
    let lower = headers.to_ascii_lowercase();
    let bytes = if lower.contains("content-transfer-encoding: base64") {
        let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(compact)
            .expect("base64")
    } else if lower.contains("content-transfer-encoding: quoted-printable") {
        let joined = body.replace("=\n", "");
        let mut out = Vec::new();
        let mut rest = joined.as_str();
        while let Some(pos) = rest.find('=') {
            out.extend_from_slice(&rest.as_bytes()[..pos]);
            let code = rest
                .get(pos + 1..pos + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match code {
                Some(byte) => {
                    out.push(byte);
                    rest = &rest[pos + 3..];
                }
                None => {
                    out.push(b'=');
                    rest = &rest[pos + 1..];
                }
            }
        }
        out.extend_from_slice(rest.as_bytes());
        out
    } else {
        body.as_bytes().to_vec()
    };
    format!(
        "{headers}\n\n{}",
        String::from_utf8(bytes).expect("utf-8 body")
    )
}

#[tokio::test]
async fn smtp_sender_reports_an_unreachable_server() {
    let sender = SmtpSender::from_url("smtp://127.0.0.1:1").expect("sender");
    let mail = functions::domain::model::OutgoingMail {
        id: "x".into(),
        to: "a@b.de".into(),
        subject: "s".into(),
        body: "b".into(),
        created_at: 0,
        ..Default::default()
    };
    assert!(
        sender
            .send("Portal <noreply@portal.example>", &mail)
            .await
            .is_err()
    );
}

#[test]
fn template_passes_cfn_lint() {
    let template = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/template.yaml");
    // `cfn-lint` on PATH, else the module (a fresh pip install may not have its shim yet).
    let output = std::process::Command::new("cfn-lint")
        .arg(template)
        .output()
        .or_else(|_| std::process::Command::new("python3").args(["-m", "cfnlint", template]).output())
        .unwrap_or_else(|e| {
            panic!("cannot run cfn-lint ({e}): run the tests through scripts/test, which installs it (pip install cfn-lint)")
        });
    assert!(
        output.status.success(),
        "cfn-lint found problems in deploy/template.yaml:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The function is invoked every five minutes by an EventBridge schedule, whose event the
/// binary recognises (tests/lambda.rs feeds it one).
#[test]
fn template_schedules_the_due_work() {
    let t = template_json();
    let events = &t["Resources"]["Function"]["Properties"]["Events"];
    let schedule = &events["DueWork"];
    assert_eq!(schedule["Type"], "Schedule", "{events}");
    assert_eq!(schedule["Properties"]["Schedule"], "rate(5 minutes)");
    assert_eq!(
        functions::due_work::PERIOD,
        std::time::Duration::from_secs(5 * 60),
        "the local servers run it as often"
    );
}

/// The template as CloudFormation reads it (cfn-lint's decoder: `!Ref` becomes `{"Ref": …}`).
fn template_json() -> serde_json::Value {
    let template = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/template.yaml");
    let output = std::process::Command::new("python3")
        .args([
            "-c",
            "import json, sys\nfrom cfnlint.decode import decode\ntemplate, problems = decode(sys.argv[1])\nassert not problems, problems\nprint(json.dumps(template))",
            template,
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 with cfn-lint ({e}): pip install cfn-lint"));
    assert!(
        output.status.success(),
        "cannot read deploy/template.yaml: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("template as JSON")
}

/// Every page through CloudFront carries the security headers (the same policy `csp serve`
/// sends, plus HSTS), and only CloudFront can reach the function: it adds the origin secret
/// that the function requires, and the API endpoint is not published.
#[test]
fn template_sends_security_headers_and_hides_the_api() {
    let t = template_json();
    let resources = t["Resources"].as_object().expect("resources");
    let (policy_name, policy) = resources
        .iter()
        .find(|(_, r)| r["Type"] == "AWS::CloudFront::ResponseHeadersPolicy")
        .expect("a response headers policy");
    let headers = &policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"];
    assert_eq!(
        headers["ContentSecurityPolicy"]["ContentSecurityPolicy"],
        functions::security_headers::CONTENT_SECURITY_POLICY
    );
    assert_eq!(headers["FrameOptions"]["FrameOption"], "DENY");
    assert_eq!(headers["ReferrerPolicy"]["ReferrerPolicy"], "same-origin");
    assert_eq!(headers["ContentTypeOptions"]["Override"], true);
    assert_eq!(
        headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"],
        functions::security_headers::STRICT_TRANSPORT_SECURITY_MAX_AGE
    );
    for (name, value) in functions::security_headers::STATIC_HEADERS {
        let configured = match name {
            "content-security-policy" => &headers["ContentSecurityPolicy"]["ContentSecurityPolicy"],
            "x-frame-options" => &headers["FrameOptions"]["FrameOption"],
            "referrer-policy" => &headers["ReferrerPolicy"]["ReferrerPolicy"],
            "x-content-type-options" => {
                assert_eq!(value, "nosniff");
                continue;
            }
            other => panic!("{other} is not in the policy"),
        };
        assert_eq!(configured, value, "{name}");
    }

    let config = &resources["Distribution"]["Properties"]["DistributionConfig"];
    let reference = serde_json::json!({ "Ref": policy_name });
    let mut behaviours = vec![&config["DefaultCacheBehavior"]];
    behaviours.extend(config["CacheBehaviors"].as_array().expect("behaviours"));
    for behaviour in behaviours {
        assert_eq!(
            behaviour["ResponseHeadersPolicyId"], reference,
            "{behaviour:#}"
        );
    }

    let secret = serde_json::json!({ "Ref": "OriginSecret" });
    assert_eq!(t["Parameters"]["OriginSecret"]["NoEcho"], true);
    let api = config["Origins"]
        .as_array()
        .expect("origins")
        .iter()
        .find(|o| o["Id"] == "api")
        .expect("api origin");
    let custom = api["OriginCustomHeaders"]
        .as_array()
        .expect("origin headers");
    assert!(
        custom
            .iter()
            .any(|h| h["HeaderName"].as_str().is_some_and(
                |n| n.eq_ignore_ascii_case(functions::web::request::ORIGIN_SECRET_HEADER)
            ) && h["HeaderValue"] == secret),
        "{custom:#?}"
    );
    let env = &resources["Function"]["Properties"]["Environment"]["Variables"];
    assert_eq!(env["CSP_ORIGIN_SECRET"], secret);
    assert_eq!(env["CSP_CLIENT_IP_HEADER"], "cloudfront-viewer-address");
    let outputs = t["Outputs"].as_object().expect("outputs");
    assert!(
        outputs
            .values()
            .all(|o| !o["Value"].to_string().contains("execute-api")),
        "the API endpoint is not published: {outputs:#?}"
    );
}
