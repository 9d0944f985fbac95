//! `csp serve` as a provider uses it: start it, edit an offering, see the change; break the
//! file, see the last good page and the error; fix it, see the recovery. Waits are on the
//! preview's rebuild generation, never on timing.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod build_support;

use build_support::{copy_dir, repo};

struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&repo().join("content"), &dir.path().join("content"));
    copy_dir(&repo().join("themes"), &dir.path().join("themes"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_csp"))
        .args(["serve", "--port", "0"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start csp serve");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("serve: {line}");
            let _ = tx.send(line);
        }
    });
    let base = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("csp serve printed its address");
        if let Some(url) = line.strip_prefix("Portal läuft: ") {
            break url.trim_end_matches('/').to_string();
        }
    };
    let root = dir.path().to_path_buf();
    Server {
        child,
        base,
        _dir: dir,
        root,
    }
}

/// A plain HTTP/1.1 GET; returns status and body.
fn get(base: &str, path: &str) -> (u16, String) {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("response");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn status(server: &Server) -> serde_json::Value {
    let (_, body) = get(&server.base, "/__csp/status");
    serde_json::from_str(&body).expect("status JSON")
}

/// Waits until the preview has reacted to the change (a new generation or a new error).
fn wait_for(
    server: &Server,
    what: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = status(server);
        if done(&s) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "csp serve never got to: {what}; last status {s:#}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn edit_break_and_fix_an_offering_while_serving() {
    let server = start();
    let (code, page) = get(&server.base, "/cloud-services/dmessenger/");
    assert_eq!(code, 200);
    assert!(page.contains("dMessenger"));
    assert!(
        page.contains("data-csp-serve"),
        "the reload script is injected"
    );
    let generation = status(&server)["report"]["generation"]
        .as_u64()
        .expect("generation");

    // 1. Edit: the new summary appears on the detail page and on the catalog overview.
    let file = server.root.join("content/offerings/dmessenger.yaml");
    let original = std::fs::read_to_string(&file).expect("read");
    let edited = original.replacen(
        "summary: >-\n",
        "summary: >-\n  Neu: Testfassung Zitronenfalter.\n",
        1,
    );
    assert_ne!(edited, original);
    std::fs::write(&file, &edited).expect("write");
    let s = wait_for(&server, "rebuild after the edit", |s| {
        s["report"]["generation"].as_u64() > Some(generation) && s["error"].is_null()
    });
    assert_eq!(s["report"]["kind"], "offering");
    let rendered: Vec<String> = s["report"]["rendered"]
        .as_array()
        .expect("rendered pages")
        .iter()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    assert!(
        rendered.contains(&"/cloud-services/dmessenger/".to_string()),
        "{rendered:?}"
    );
    assert!(
        rendered.contains(&"/cloud-services/".to_string()),
        "{rendered:?}"
    );
    for unrelated in [
        "/cloud-services/ddatabox/",
        "/cloud-services/dipas/",
        "/cloud-services/zesi/",
    ] {
        assert!(
            !rendered.contains(&unrelated.to_string()),
            "{unrelated} was re-rendered: {rendered:?}"
        );
    }
    let (_, page) = get(&server.base, "/cloud-services/dmessenger/");
    assert!(
        page.contains("Zitronenfalter"),
        "detail page shows the edit"
    );
    let (_, listing) = get(&server.base, "/cloud-services/");
    assert!(
        listing.contains("Zitronenfalter"),
        "catalog overview shows the edit"
    );
    let (code, found) = get(&server.base, "/api/suche?q=zitronenfalter");
    assert_eq!(code, 200, "{found}");
    assert!(
        found.contains("/cloud-services/dmessenger/"),
        "the search finds the new words: {found}"
    );

    // 2. Break: the last good page stays, with the error shown on it.
    let generation = s["report"]["generation"].as_u64().expect("generation");
    std::fs::write(
        &file,
        edited.replacen("service_type: saas", "service_type: cloud", 1),
    )
    .expect("write");
    let s = wait_for(&server, "the error after breaking the file", |s| {
        !s["error"].is_null()
    });
    let problem = s["error"].as_str().expect("error text");
    assert!(problem.contains("dmessenger.yaml"), "{problem}");
    assert!(problem.contains("service_type"), "{problem}");
    let (code, page) = get(&server.base, "/cloud-services/dmessenger/");
    assert_eq!(code, 200);
    assert!(
        page.contains("Zitronenfalter"),
        "the last good page is still served"
    );
    assert!(
        page.contains("<div id=\"csp-problem\""),
        "the error overlay is on the page"
    );
    assert!(page.contains("service_type"), "the overlay names the field");

    // 3. Fix: the page recovers by itself.
    std::fs::write(&file, &original).expect("write");
    wait_for(&server, "recovery after the fix", |s| {
        s["error"].is_null() && s["report"]["generation"].as_u64() > Some(generation)
    });
    let (_, page) = get(&server.base, "/cloud-services/dmessenger/");
    assert!(!page.contains("Zitronenfalter"));
    assert!(!page.contains("<div id=\"csp-problem\""));
}

#[test]
fn serves_the_function_routes_and_a_404_page() {
    let server = start();
    let (code, body) = get(&server.base, "/api/sitzung");
    assert_eq!(code, 200);
    assert!(body.contains("angemeldet"), "{body}");
    // Search runs on the index `csp build` wrote, through the function's route.
    let (code, body) = get(&server.base, "/api/suche?q=messenger");
    assert_eq!(code, 200, "{body}");
    assert!(
        body.contains("/cloud-services/dmessenger/"),
        "search finds dMessenger: {body}"
    );
    let (code, body) = get(&server.base, "/gibt-es-nicht/");
    assert_eq!(code, 404);
    assert!(body.contains("<html"), "a real 404 page: {body}");
    let (code, _) = get(&server.base, "/../../etc/passwd");
    assert_ne!(code, 200);
}
