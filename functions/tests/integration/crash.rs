//! Killing the local server in the middle of a load of orders loses no acknowledged order and
//! leaves no half-written one: the real binary on SQLite (WAL), killed with SIGKILL, restarted
//! on the same data folder.
use crate::common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use functions::domain::model::{
    MemberRole, NewRegistration, OrgStatus, Organisation, OutgoingMail, Session, TokenKind,
    TokenRecord, User,
};
use functions::domain::ports::Store;
use functions::domain::tokens::{new_id, new_secret_token, sha256_hex};
use functions::store::SqliteStore;

const PUBLIC_URL: &str = "http://portal.test";

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap()
}

/// An approved organisation with a signed-in member, written straight into the database the
/// binary will open; returns the session cookie.
async fn approved_member(db: &Path) -> String {
    let store = SqliteStore::open(db).expect("open");
    let now = now();
    let (org_id, user_id) = (new_id(), new_id());
    store
        .create_registration(&NewRegistration {
            org: Organisation {
                id: org_id.clone(),
                name: "Stadt Absturz".into(),
                legal_form: "Gebietskörperschaft".into(),
                street: "Weg 1".into(),
                postcode: "12345".into(),
                city: "Ort".into(),
                in_house_capable: true,
                level: Some(catalog::model::CustomerScope::Kommune),
                status: OrgStatus::Approved,
                admin_user_id: user_id.clone(),
                agb_version: "2026-01".into(),
                privacy_version: "2026-01".into(),
                created_at: now,
                decided_at: Some(now),
                reject_reason: None,
                leitweg_id: String::new(),
                central_phone: String::new(),
                kind: Default::default(),
            },
            user: User {
                id: user_id.clone(),
                org_id: org_id.clone(),
                name: "Erika Absturz".into(),
                email: "erika@absturz.de".into(),
                phone: "030 1234567".into(),
                password_hash: None,
                created_at: now,
                role: MemberRole::Member,
                deactivated: false,
                second_factor: None,
                role_id: None,
            },
            confirm_token: TokenRecord {
                hash: sha256_hex(&new_id()),
                kind: TokenKind::Confirm,
                user_id: user_id.clone(),
                org_id: org_id.clone(),
                expires_at: now,
                used: true,
            },
            mail: OutgoingMail {
                id: new_id(),
                to: "erika@absturz.de".into(),
                subject: "Willkommen".into(),
                body: "Test".into(),
                created_at: now,
                ..Default::default()
            },
        })
        .await
        .expect("registration");
    let cookie = new_secret_token();
    store
        .create_session(&Session {
            id_hash: sha256_hex(&cookie),
            user_id,
            org_id,
            created_at: now,
            last_seen: now,
            expires_at: now + 3600,
        })
        .await
        .expect("session");
    cookie
}

/// Starts `csp-function serve` on a free port; returns the process and its base URL.
fn start(data: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_csp-function"))
        .args(["serve", "--port", "0", "--public-url", PUBLIC_URL])
        .env("CSP_DATA_DIR", data)
        .env("CSP_CATALOG", data.join("catalog.json"))
        .env("CSP_SEARCH_INDEX", data.join("no-index"))
        .env("CSP_LOG", "warn")
        .env_remove("CSP_DYNAMODB_TABLE")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start csp-function");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let base = line
        .trim()
        .rsplit(' ')
        .next()
        .filter(|url| url.starts_with("http://"))
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (child, base)
}

fn order_body(key: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            common::orders::dmessenger_order(key, "direktvertrag")
                .iter()
                .map(|(k, v)| (*k, v.as_str())),
        )
        .finish()
}

/// The session's CSRF token, as the site's script reads it.
async fn csrf_token(http: &reqwest::Client, base: &str, cookie: &str) -> String {
    let response = http
        .get(format!("{base}/api/sitzung"))
        .header("accept", "application/json")
        .header("cookie", format!("__Host-csp-sitzung={cookie}"))
        .send()
        .await
        .expect("session");
    let json: serde_json::Value =
        serde_json::from_slice(&response.bytes().await.expect("body")).expect("json");
    json["csrf"].as_str().expect("csrf token").to_owned()
}

async fn submit(
    http: &reqwest::Client,
    base: &str,
    cookie: &str,
    csrf: &str,
    key: &str,
) -> Option<(String, String)> {
    let response = http
        .post(format!("{base}/api/bestellungen"))
        .header("origin", PUBLIC_URL)
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("__Host-csp-sitzung={cookie}"))
        .header("x-csrf-token", csrf)
        .body(order_body(key))
        .send()
        .await
        .ok()?;
    if response.status() != 200 {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(&response.bytes().await.ok()?).ok()?;
    Some((
        json["bestellung"]["id"].as_str()?.to_owned(),
        json["bestellung"]["nummer"].as_str()?.to_owned(),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_server_loses_no_acknowledged_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    let mut snapshot = Vec::new();
    common::sample_order_catalog()
        .clone()
        .write_json(&mut snapshot)
        .expect("snapshot");
    std::fs::write(data.join("catalog.json"), snapshot).expect("write snapshot");
    let cookie = approved_member(&data.join("function.sqlite3")).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");

    let mut acknowledged: HashMap<String, (String, String)> = HashMap::new();
    for round in 0..3 {
        let (mut child, base) = start(data);
        let csrf = csrf_token(&http, &base, &cookie).await;
        let stop = Arc::new(AtomicBool::new(false));
        let mut workers = Vec::new();
        for worker in 0..8 {
            let (http, base, cookie, csrf, stop) = (
                http.clone(),
                base.clone(),
                cookie.clone(),
                csrf.clone(),
                stop.clone(),
            );
            workers.push(tokio::spawn(async move {
                let mut acked = Vec::new();
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let key = format!("r{round}-w{worker}-{n}");
                    match submit(&http, &base, &cookie, &csrf, &key).await {
                        Some(order) => acked.push((key, order)),
                        None => break, // the server is gone
                    }
                }
                acked
            }));
        }
        // Let the load run, then kill the process without warning.
        tokio::time::sleep(Duration::from_millis(400)).await;
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        stop.store(true, Ordering::SeqCst);
        let before = acknowledged.len();
        for worker in workers {
            acknowledged.extend(worker.await.expect("worker"));
        }
        assert!(
            acknowledged.len() > before,
            "round {round} acknowledged some orders before the kill"
        );
    }

    // Restarted: every acknowledged order is there, with the same id and number; sending its
    // key again returns it instead of creating a new one.
    let (mut child, base) = start(data);
    let csrf = csrf_token(&http, &base, &cookie).await;
    for (key, (id, number)) in &acknowledged {
        let again = submit(&http, &base, &cookie, &csrf, key)
            .await
            .expect("answer after restart");
        assert_eq!(
            (&again.0, &again.1),
            (id, number),
            "{key} after the restart"
        );
    }
    child.kill().expect("kill");
    child.wait().expect("reaped");

    // Nothing is half-written: the file is consistent, every order is complete and has both
    // of its mails, and no mail refers to an order that does not exist.
    let conn = rusqlite::Connection::open(data.join("function.sqlite3")).expect("open");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity");
    assert_eq!(check, "ok");
    let mut stmt = conn.prepare("SELECT doc FROM orders").expect("query");
    let orders: Vec<functions::domain::orders::Order> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .expect("rows")
        .map(|doc| serde_json::from_str(&doc.expect("doc")).expect("a complete order"))
        .collect();
    assert!(orders.len() >= acknowledged.len());
    let mut mails = conn.prepare("SELECT doc FROM outbox").expect("query");
    let subjects: Vec<String> = mails
        .query_map([], |r| r.get::<_, String>(0))
        .expect("rows")
        .map(|doc| {
            let mail: OutgoingMail = serde_json::from_str(&doc.expect("doc")).expect("mail");
            mail.subject
        })
        .collect();
    for order in &orders {
        assert_eq!(order.folder.number, order.number);
        let mentioned = subjects
            .iter()
            .filter(|s| s.contains(&order.number))
            .count();
        assert_eq!(
            mentioned, 2,
            "{} has its receipt and its notification",
            order.number
        );
    }
    let notifications = subjects
        .iter()
        .filter(|s| s.starts_with("Neue Bestellung"))
        .count();
    assert_eq!(
        notifications,
        orders.len(),
        "no notification without its order"
    );
    println!(
        "{} orders acknowledged over 3 kills, {} stored (the rest were in flight)",
        acknowledged.len(),
        orders.len()
    );
}
