//! The real `csp-function` binary as an operator runs it: its files are private whatever the
//! umask, it refuses a database it cannot write, it issues API tokens only for providers in
//! the catalog, and with `CSP_ORIGIN_SECRET` it lets in only requests that came through the
//! CDN and logs every 5xx.
use crate::common;

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_csp-function");

/// The binary with a clean environment: SQLite in `data`, no DynamoDB, no mail transport.
fn command(data: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CSP_DATA_DIR", data)
        .env("CSP_SEARCH_INDEX", data.join("no-index"))
        .env("CSP_CATALOG", data.join("no-catalog.json"));
    command
}

struct Server {
    child: Child,
    base: String,
    stderr: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// What the server wrote to standard error so far.
    fn log(&self) -> String {
        let deadline = Instant::now() + Duration::from_millis(500);
        let mut text = String::new();
        while let Ok(line) = self
            .stderr
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            text.push_str(&line);
            text.push('\n');
        }
        text
    }
}

/// Starts `command serve --port 0` and waits for its address.
fn serve(mut command: Command) -> Server {
    let mut child = command
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start csp-function");
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let (err_tx, err_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("csp-function: {line}");
            let _ = err_tx.send(line);
        }
    });
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let base = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("csp-function printed its address");
        if let Some(url) = line.strip_prefix("csp-function listening on ") {
            break url.to_owned();
        }
    };
    Server {
        child,
        base,
        stderr: err_rx,
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn files_are_private_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // The umask of a careless shell: everything readable and writable by everyone.
    let server = serve(command_with_umask(&data));
    let db = data.join("function.sqlite3");
    assert_eq!(mode(&data), 0o700, "the data folder");
    for file in [
        db.clone(),
        data.join("function.sqlite3-wal"),
        data.join("function.sqlite3-shm"),
        data.join("secret.key"),
    ] {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    assert_eq!(mode(&data.join("mail")), 0o700, "the mail folder");
    drop(server);

    // Files left readable by an earlier version are tightened at the next start.
    for file in [&db, &data.join("secret.key")] {
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let again = serve(command_with_umask(&data));
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(&data.join("secret.key")), 0o600);
    drop(again);
}

fn command_with_umask(data: &Path) -> Command {
    let mut command = Command::new("sh");
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CSP_DATA_DIR", data)
        .env("CSP_SEARCH_INDEX", data.join("no-index"))
        .args(["-c", "umask 000 && exec \"$0\" \"$@\"", BIN]);
    command
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn a_database_that_cannot_be_written_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // A first start creates the database.
    let output = command(&data)
        .args(["admin", "registrations"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let db = data.join("function.sqlite3");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o400)).unwrap();

    // Root may write any file: run as nobody then, who owns the folder but not a writable file.
    let mut command = if is_root() {
        for path in [dir.path(), data.as_path()] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let status = Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success());
        let mut command = Command::new("setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
        command
    } else {
        Command::new(BIN)
    };
    let mut child = command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CSP_DATA_DIR", &data)
        .env("CSP_SEARCH_INDEX", data.join("no-index"))
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let mut out = String::new();
            child
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut out)
                .unwrap();
            panic!("the server started on a database it cannot write: {out}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!status.success());
    assert!(
        stderr.contains(&db.display().to_string())
            && stderr.contains("kann nicht geschrieben werden"),
        "names the file and the problem: {stderr}"
    );
}

#[test]
fn api_tokens_only_for_providers_in_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let catalog = dir.path().join("catalog.json");
    common::sample_order_catalog()
        .clone()
        .write_json(std::fs::File::create(&catalog).unwrap())
        .unwrap();
    let token = |provider: &str, catalog: &Path| {
        command(&data)
            .env("CSP_CATALOG", catalog)
            .args(["admin", "api-token", "--provider", provider])
            .output()
            .unwrap()
    };
    let known = token("dataport", &catalog);
    assert!(known.status.success(), "{known:?}");
    assert!(String::from_utf8_lossy(&known.stdout).trim().len() > 20);

    let unknown = token("gibt-es-nicht", &catalog);
    assert!(!unknown.status.success(), "{unknown:?}");
    assert!(unknown.stdout.is_empty(), "no token printed");
    let message = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        message.contains("gibt-es-nicht") && message.contains("dataport"),
        "says why and which exist: {message}"
    );

    let without = token("dataport", &dir.path().join("missing.json"));
    assert!(!without.status.success(), "no catalog, no check, no token");
    assert!(without.stdout.is_empty());
}

const ORIGIN_SECRET: &str = "origin-secret-for-tests-0123456789abcdef";

#[tokio::test]
async fn only_requests_through_the_cdn_reach_the_function() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = command(&dir.path().join("data"));
    command
        .env("CSP_ORIGIN_SECRET", ORIGIN_SECRET)
        .env("CSP_CLIENT_IP_HEADER", "cloudfront-viewer-address");
    let server = serve(command);
    let http = reqwest::Client::new();
    let get = |secret: Option<&str>, path: &str| {
        let mut request = http.get(format!("{}{path}", server.base));
        if let Some(secret) = secret {
            request = request.header("x-csp-origin-secret", secret);
        }
        request.send()
    };
    assert_eq!(get(None, "/api/sitzung").await.unwrap().status(), 403);
    assert_eq!(
        get(
            Some("origin-secret-for-tests-0123456789abcdeF"),
            "/api/sitzung"
        )
        .await
        .unwrap()
        .status(),
        403
    );
    assert_eq!(
        get(Some(ORIGIN_SECRET), "/api/sitzung")
            .await
            .unwrap()
            .status(),
        200
    );
    // Sign-ins around the CDN with made-up client addresses never reach the function.
    for i in 0..20 {
        let reply = http
            .post(format!("{}/api/anmeldung", server.base))
            .header("cloudfront-viewer-address", format!("198.51.100.{i}:443"))
            .header("origin", &server.base)
            .header("accept", "application/json")
            .form(&[("email", "ziel@amt.de"), ("passwort", "falsch")])
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 403, "attempt {i}");
    }
    // Through the CDN the viewer address is the client: its back-off holds.
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let reply = http
            .post(format!("{}/api/anmeldung", server.base))
            .header("x-csp-origin-secret", ORIGIN_SECRET)
            .header("cloudfront-viewer-address", "203.0.113.9:443")
            .header("origin", "http://localhost:8080")
            .header("accept", "application/json")
            .form(&[("email", "ziel@amt.de"), ("passwort", "falsch")])
            .send()
            .await
            .unwrap();
        statuses.push(reply.status().as_u16());
    }
    assert_eq!(statuses[..6], [401; 6], "{statuses:?}");
    assert!(statuses.contains(&429), "then slowed down: {statuses:?}");
    let log = server.log();
    assert!(
        log.contains("did not come through"),
        "refusals are logged: {log}"
    );
}

#[tokio::test]
async fn server_errors_are_logged_with_their_cause() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(command(&dir.path().join("data")));
    let reply = reqwest::get(format!("{}/api/suche?q=cloud", server.base))
        .await
        .unwrap();
    assert_eq!(reply.status(), 503, "no search index");
    let log = server.log();
    let line = log
        .lines()
        .find(|l| l.contains("server error"))
        .unwrap_or_else(|| panic!("no server error line in: {log}"));
    assert!(
        line.contains("503") && line.contains("/api/suche"),
        "{line}"
    );
}

/// `csp serve` records its address in the data folder; `csp-function admin approve` on that
/// folder (without CSP_PUBLIC_URL) mails a link to that address, not to a default one.
#[tokio::test]
async fn the_admin_command_mails_links_to_the_address_csp_serve_uses() {
    use functions::domain::model::*;
    use functions::domain::tokens::{new_id, sha256_hex};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("function");
    let public = "http://127.0.0.1:4567";
    let state = functions::AppState::local(&data, public).unwrap();
    let (org_id, user_id, token) = (new_id(), new_id(), new_id());
    let mail = |to: &str| OutgoingMail {
        id: new_id(),
        to: to.to_owned(),
        subject: "Betreff".to_owned(),
        body: "Text".to_owned(),
        created_at: 1,
        ..Default::default()
    };
    let registration = NewRegistration {
        org: Organisation {
            id: org_id.clone(),
            name: "Amt Adresse".to_owned(),
            legal_form: "Zweckverband".to_owned(),
            street: "Weg 1".to_owned(),
            postcode: "12345".to_owned(),
            city: "Ort".to_owned(),
            in_house_capable: true,
            level: Some(catalog::model::CustomerScope::Kommune),
            status: OrgStatus::AwaitingConfirmation,
            admin_user_id: user_id.clone(),
            agb_version: "1".to_owned(),
            privacy_version: "1".to_owned(),
            created_at: 1,
            decided_at: None,
            reject_reason: None,
            leitweg_id: String::new(),
            central_phone: String::new(),
            kind: Default::default(),
        },
        user: User {
            id: user_id.clone(),
            org_id: org_id.clone(),
            name: "Erika".to_owned(),
            email: "adresse@amt.de".to_owned(),
            phone: "030 123456".to_owned(),
            password_hash: None,
            created_at: 1,
            role: MemberRole::Member,
            deactivated: false,
            second_factor: None,
            role_id: None,
        },
        confirm_token: TokenRecord {
            hash: sha256_hex(&token),
            kind: TokenKind::Confirm,
            user_id,
            org_id: org_id.clone(),
            expires_at: i64::MAX / 2,
            used: false,
        },
        mail: mail("adresse@amt.de"),
    };
    let store = state.accounts.store();
    store.create_registration(&registration).await.unwrap();
    store
        .confirm_email(&sha256_hex(&token), &org_id, 2, &mail("betrieb@amt.de"))
        .await
        .unwrap();
    drop(state);

    let output = command(&data)
        .args(["admin", "approve", &org_id])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let conn = rusqlite::Connection::open(data.join("function.sqlite3")).unwrap();
    let docs: Vec<String> = conn
        .prepare("SELECT doc FROM outbox")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let approval: OutgoingMail = docs
        .iter()
        .map(|d| serde_json::from_str::<OutgoingMail>(d).unwrap())
        .find(|m| m.to == "adresse@amt.de" && m.body.contains("passwort-setzen"))
        .expect("the approval mail");
    let link = approval
        .body
        .lines()
        .map(str::trim)
        .find(|l| l.contains("/api/passwort-setzen?token="))
        .expect("a link");
    assert!(
        link.starts_with(&format!("{public}/api/passwort-setzen?token=")),
        "{link}"
    );
}

/// `csp-function admin run-due-work` runs the scheduled work once and says what it did.
#[tokio::test]
async fn run_due_work_by_hand() {
    use functions::domain::model::OutgoingMail;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("function");
    let state = functions::AppState::local(&data, "http://127.0.0.1:4567").unwrap();
    state
        .accounts
        .store()
        .enqueue_mail(&OutgoingMail {
            id: "queued".to_owned(),
            to: "kunde@amt.de".to_owned(),
            subject: "Betreff".to_owned(),
            body: "Text".to_owned(),
            created_at: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    drop(state);

    let output = command(&data)
        .args(["admin", "run-due-work"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout.contains("E-Mails versendet: 1"), "{stdout}");
    assert!(stdout.contains("Fehler: 0"), "{stdout}");
    let mails = std::fs::read_dir(data.join("mail")).unwrap().count();
    assert_eq!(mails, 1, "the queued mail was delivered");
}

/// Only the operator changes an organisation's Hauptadmin: `csp-function admin
/// set-hauptadmin` makes an active person with a password the Hauptadmin, keeps the
/// previous one an administrator and records the change in the audit trail; a person of
/// another organisation, or one who has not accepted the invitation, is refused.
#[tokio::test]
async fn the_operator_changes_the_hauptadmin() {
    use functions::domain::model::*;
    use functions::domain::tokens::{new_id, sha256_hex};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("function");
    let state = functions::AppState::local(&data, "http://127.0.0.1:4568").unwrap();
    let store = state.accounts.store().clone();
    let mail = |to: &str| OutgoingMail {
        id: new_id(),
        to: to.to_owned(),
        subject: "Betreff".to_owned(),
        body: "Text".to_owned(),
        created_at: 1,
        ..Default::default()
    };
    let (org_id, erika_id, confirm, invite) = (new_id(), new_id(), new_id(), new_id());
    let person = |id: &str, email: &str| User {
        id: id.to_owned(),
        org_id: org_id.clone(),
        name: email.to_owned(),
        email: email.to_owned(),
        phone: String::new(),
        password_hash: None,
        created_at: 1,
        role: MemberRole::Member,
        deactivated: false,
        second_factor: None,
        role_id: None,
    };
    let token = |hash: &str, kind: TokenKind, user: &str| TokenRecord {
        hash: sha256_hex(hash),
        kind,
        user_id: user.to_owned(),
        org_id: org_id.clone(),
        expires_at: i64::MAX / 2,
        used: false,
    };
    store
        .create_registration(&NewRegistration {
            org: Organisation {
                id: org_id.clone(),
                name: "Amt Wechsel".to_owned(),
                legal_form: "Zweckverband".to_owned(),
                street: "Weg 1".to_owned(),
                postcode: "12345".to_owned(),
                city: "Ort".to_owned(),
                in_house_capable: false,
                level: None,
                status: OrgStatus::AwaitingConfirmation,
                admin_user_id: erika_id.clone(),
                agb_version: "1".to_owned(),
                privacy_version: "1".to_owned(),
                created_at: 1,
                decided_at: None,
                reject_reason: None,
                leitweg_id: String::new(),
                central_phone: String::new(),
                kind: Default::default(),
            },
            user: person(&erika_id, "erika@wechsel.de"),
            confirm_token: token(&confirm, TokenKind::Confirm, &erika_id),
            mail: mail("erika@wechsel.de"),
        })
        .await
        .unwrap();
    store
        .confirm_email(&sha256_hex(&confirm), &org_id, 2, &mail("op@x.de"))
        .await
        .unwrap();
    store
        .decide_registration(
            &org_id,
            &Decision::Approve,
            3,
            None,
            &mail("erika@wechsel.de"),
        )
        .await
        .unwrap();
    let org = store.get_org(&org_id).await.unwrap().unwrap();
    let olaf_id = new_id();
    let olaf_link = token(&invite, TokenKind::Invite, &olaf_id);
    let audit = AuditEntry {
        id: new_id(),
        org_id: org_id.clone(),
        at: 4,
        actor: "erika@wechsel.de".to_owned(),
        action: AuditAction::Invited,
        subject: "olaf".to_owned(),
        detail: String::new(),
    };
    store
        .add_member(
            &person(&olaf_id, "olaf@wechsel.de"),
            &olaf_link,
            &mail("olaf@wechsel.de"),
            &audit,
        )
        .await
        .unwrap();
    drop(state);

    let run = |email: &str| {
        command(&data)
            .args(["admin", "set-hauptadmin", &org_id, "--email", email])
            .output()
            .unwrap()
    };
    assert!(
        !run("olaf@wechsel.de").status.success(),
        "not before the invitation is accepted"
    );
    assert!(!run("niemand@wechsel.de").status.success());
    store
        .set_password(&olaf_link.hash, &olaf_id, "$argon2id$x", 5)
        .await
        .unwrap();
    let output = run("olaf@wechsel.de");
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("olaf@wechsel.de"));
    let changed = store.get_org(&org_id).await.unwrap().unwrap();
    assert_eq!(changed.admin_user_id, olaf_id);
    assert_eq!(
        store.get_user(&erika_id).await.unwrap().unwrap().role,
        MemberRole::Admin,
        "the previous Hauptadmin stays an administrator"
    );
    let trail = store.list_audit(&org.id).await.unwrap();
    assert_eq!(trail[0].action, AuditAction::HauptadminChanged);
    assert_eq!(trail[0].actor, "Betreiberteam");
}

/// `csp-function admin newsletter export` writes the confirmed addresses as CSV for German
/// spreadsheets; `admin newsletter send FILE` mails a Markdown issue with its unsubscribe
/// headers, once per address however often it runs, and refuses a file without a subject.
#[tokio::test]
async fn the_operator_exports_subscribers_and_sends_an_issue() {
    use functions::domain::model::OutgoingMail;
    use functions::domain::newsletter::Subscriber;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("function");
    let state = functions::AppState::local(&data, "http://127.0.0.1:4567").unwrap();
    let subscriber = |id: &str, email: &str, confirmed: Option<i64>| Subscriber {
        id: id.repeat(32),
        email: email.to_owned(),
        subscribed_at: 1_800_000_000,
        confirmed_at: confirmed,
        confirm_hash: String::new(),
        confirm_expires_at: 4_000_000_000,
    };
    let notice = |id: &str| OutgoingMail {
        id: id.to_owned(),
        ..Default::default()
    };
    let store = functions::store::SqliteStore::open(&data.join("function.sqlite3")).unwrap();
    use functions::domain::newsletter::ports::NewsletterStore;
    use functions::domain::ports::Store;
    for (s, m) in [
        (subscriber("a", "anna@amt.de", Some(1_800_000_600)), "m1"),
        (subscriber("b", "bernd@amt.de", None), "m2"),
    ] {
        store.create_subscriber(&s, &notice(m)).await.unwrap();
    }
    // The placeholder mails above are not what this test is about.
    let now = 4_000_000_000;
    for mail in store.claim_mails(now, now + 60, 10).await.unwrap() {
        store.mark_mail_sent(&mail.id, now).await.unwrap();
    }
    drop((state, store));

    let export = command(&data)
        .args(["admin", "newsletter", "export"])
        .output()
        .unwrap();
    assert!(export.status.success(), "{export:?}");
    let csv = String::from_utf8(export.stdout).unwrap();
    assert!(
        csv.starts_with("\u{feff}E-Mail-Adresse;Eingetragen am;Bestätigt am\r\n"),
        "{csv}"
    );
    let lines: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(lines.len(), 1, "only the confirmed address: {csv}");
    assert!(
        lines[0].starts_with("anna@amt.de;15.01.2027, 09:00 Uhr;"),
        "{csv}"
    );
    let file = dir.path().join("abonnenten.csv");
    let to_file = command(&data)
        .args(["admin", "newsletter", "export", "--output"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(to_file.status.success(), "{to_file:?}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), csv);

    let issue = dir.path().join("ausgabe.md");
    std::fs::write(&issue, "# Neues im Portal\n\nZwei neue Angebote.\n").unwrap();
    let eml = |data: &Path| -> Vec<String> {
        std::fs::read_dir(data.join("mail"))
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| std::fs::read_to_string(e.path()).unwrap())
                    .filter(|text| text.contains("Subject: Neues im Portal"))
                    .collect()
            })
            .unwrap_or_default()
    };
    let send = command(&data)
        .args(["admin", "newsletter", "send"])
        .arg(&issue)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&send.stdout);
    assert!(send.status.success(), "{send:?}");
    assert!(
        stdout.contains("„Neues im Portal“: 1 E-Mail(s) eingereiht, höchstens 60 pro Minute"),
        "{stdout}"
    );
    let sent = eml(&data);
    assert_eq!(sent.len(), 1, "delivered by the command");
    assert!(sent[0].contains("To: anna@amt.de"), "{}", sent[0]);
    assert!(
        sent[0].contains("List-Unsubscribe: <http://127.0.0.1:4567/api/newsletter/abmelden?token="),
        "{}",
        sent[0]
    );
    assert!(sent[0].contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    assert!(sent[0].contains("multipart/alternative"));

    let again = command(&data)
        .args(["admin", "newsletter", "send"])
        .arg(&issue)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(again.status.success(), "{again:?}");
    assert!(stdout.contains("0 E-Mail(s) eingereiht"), "{stdout}");
    assert!(
        stdout.contains("1 Adresse(n) hatten diese Ausgabe schon"),
        "{stdout}"
    );
    assert_eq!(eml(&data).len(), 1, "each address gets an issue once");

    let no_subject = dir.path().join("ohne.md");
    std::fs::write(&no_subject, "Nur Text ohne Überschrift.\n").unwrap();
    let refused = command(&data)
        .args(["admin", "newsletter", "send"])
        .arg(&no_subject)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("start it with the subject as a heading"),
        "{stderr}"
    );
}

/// `csp-function admin create-operator` creates the operator's organisation once and says
/// so; a second call is refused with the way to add more operators, and writes nothing.
#[test]
fn the_operator_account_is_created_once_by_command() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let create = |name: &str, email: &str| {
        command(&data)
            .args(["admin", "create-operator", "--name", name, "--email", email])
            .output()
            .unwrap()
    };
    let first = create("Olga Betrieb", "olga@betrieb.example");
    assert!(first.status.success(), "{first:?}");
    let said = String::from_utf8_lossy(&first.stdout);
    assert!(said.contains("olga@betrieb.example"), "{said}");

    let second = create("Otto Betrieb", "otto@betrieb.example");
    assert!(!second.status.success(), "{second:?}");
    let message = String::from_utf8_lossy(&second.stderr);
    assert!(message.contains("Mitarbeitende"), "{message}");

    let conn = rusqlite::Connection::open(data.join("function.sqlite3")).unwrap();
    let users: Vec<String> = conn
        .prepare("SELECT email FROM users")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(users, ["olga@betrieb.example"]);
    let invitations: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM outbox WHERE doc LIKE '%olga@betrieb.example%'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(invitations, 1);
}

/// `csp-function admin reset-second-factor --email …`: the operator's last resort for a
/// lost authenticator app. It removes the factor, records it in the audit trail and queues
/// the person's mail; a person without a factor, or an unknown address, is refused and
/// nothing is written.
#[test]
fn the_operator_resets_a_lost_second_factor_by_command() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = |args: &[&str]| command(&data).args(args).output().unwrap();
    let created = run(&[
        "admin",
        "create-operator",
        "--name",
        "Olga Betrieb",
        "--email",
        "olga@betrieb.example",
    ]);
    assert!(created.status.success(), "{created:?}");
    let reset = [
        "admin",
        "reset-second-factor",
        "--email",
        "olga@betrieb.example",
    ];

    let without = run(&reset);
    assert!(!without.status.success(), "{without:?}");
    assert!(
        String::from_utf8_lossy(&without.stderr).contains("ohne zweiten Faktor"),
        "{without:?}"
    );
    let unknown = run(&[
        "admin",
        "reset-second-factor",
        "--email",
        "niemand@betrieb.example",
    ]);
    assert!(!unknown.status.success(), "{unknown:?}");

    // The person switched the factor on (as the setup page would store it).
    let conn = rusqlite::Connection::open(data.join("function.sqlite3")).unwrap();
    conn.execute(
        "UPDATE users SET doc = json_set(doc, '$.second_factor', json('{\"secret\":\"JBSWY3DPEHPK3PXP\",\"recovery_codes\":[],\"since\":1}')) WHERE email = 'olga@betrieb.example'",
        [],
    )
    .unwrap();
    let audit_rows = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row("SELECT COUNT(*) FROM audit", [], |row| row.get(0))
            .unwrap()
    };
    let audit_before = audit_rows(&conn);

    let done = run(&reset);
    assert!(done.status.success(), "{done:?}");
    assert!(
        String::from_utf8_lossy(&done.stdout).contains("zurückgesetzt"),
        "{done:?}"
    );
    let factor: Option<String> = conn
        .query_row(
            "SELECT json_extract(doc, '$.second_factor') FROM users WHERE email = 'olga@betrieb.example'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(factor, None, "the factor is gone");
    assert_eq!(
        audit_rows(&conn),
        audit_before + 1,
        "recorded in the audit trail"
    );
    let told: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM outbox WHERE doc LIKE '%zurückgesetzt%'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(told, 1, "the person's mail is queued");
}
