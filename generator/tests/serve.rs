//! `csp serve` as a provider uses it: start it, edit an offering, see the change; break the
//! file, see the last good page and the error; fix it, see the recovery. The same for a
//! theme's templates: a page template, the tile partial and the layout re-render the pages
//! that use them. Waits are on the preview's rebuild generation, never on timing.

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

/// A plain HTTP/1.1 GET; returns status and the headers (names in lower case).
fn get_headers(base: &str, path: &str) -> (u16, Vec<(String, String)>) {
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
    let head = text
        .split_once("\r\n\r\n")
        .map_or(text.as_str(), |(h, _)| h);
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers)
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
        build_support::select(&page, "script[data-csp-serve]").len() == 1,
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
        build_support::select(&page, "#csp-problem").len() == 1,
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
    assert!(build_support::select(&page, "#csp-problem").is_empty());
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
    assert_eq!(
        build_support::texts(&body, "h1").len(),
        1,
        "a real 404 page: {body}"
    );
    let (code, _) = get(&server.base, "/../../etc/passwd");
    assert_ne!(code, 200);
}

fn rendered(status: &serde_json::Value) -> Vec<String> {
    status["report"]["rendered"]
        .as_array()
        .expect("rendered pages")
        .iter()
        .filter_map(|v| v.as_str().map(String::from))
        .collect()
}

fn generation(status: &serde_json::Value) -> u64 {
    status["report"]["generation"].as_u64().expect("generation")
}

#[test]
fn edit_break_and_fix_a_template_while_serving() {
    let server = start();
    let templates = server.root.join("themes/default/templates");
    let before = generation(&status(&server));

    // 1. A page template: its pages show the change, and no other page is re-rendered.
    let faq = templates.join("faq.html");
    let original = std::fs::read_to_string(&faq).expect("read");
    let edited = original.replacen(
        "<h1>{{ page.title }}</h1>",
        "<h1>{{ page.title }}</h1><p>Vorlagentest Distelfalter</p>",
        1,
    );
    assert_ne!(edited, original);
    std::fs::write(&faq, &edited).expect("write");
    let s = wait_for(&server, "rebuild after the template edit", |s| {
        generation(s) > before && s["error"].is_null()
    });
    assert_eq!(s["report"]["kind"], "template");
    let pages = rendered(&s);
    for page in ["/hilfe/kunden/", "/hilfe/anbieter/"] {
        assert!(pages.contains(&page.to_string()), "{page}: {pages:?}");
        let (code, html) = get(&server.base, page);
        assert_eq!(code, 200);
        assert!(
            html.contains("Vorlagentest Distelfalter"),
            "{page} shows it"
        );
    }
    assert!(
        !pages.iter().any(|p| p.starts_with("/cloud-services/")),
        "no listing or detail page is re-rendered for faq.html: {pages:?}"
    );
    let (_, detail) = get(&server.base, "/cloud-services/dmessenger/");
    assert!(!detail.contains("Distelfalter"));

    // 2. The tile partial: listings and the start page show it, detail pages are left alone.
    let tile = templates.join("partials/tile.html");
    let tile_original = std::fs::read_to_string(&tile).expect("read");
    let tile_edited = tile_original.replacen(
        "<p class=\"tile-summary\">",
        "<p>Kachelprobe Aurorafalter</p><p class=\"tile-summary\">",
        1,
    );
    assert_ne!(tile_edited, tile_original);
    let before = generation(&s);
    std::fs::write(&tile, &tile_edited).expect("write");
    let s = wait_for(&server, "rebuild after the tile edit", |s| {
        generation(s) > before && s["error"].is_null()
    });
    assert_eq!(s["report"]["kind"], "template");
    let pages = rendered(&s);
    for page in ["/", "/cloud-services/", "/anbieter/dataport/"] {
        assert!(pages.contains(&page.to_string()), "{page}: {pages:?}");
    }
    assert!(
        !pages.contains(&"/cloud-services/dmessenger/".to_string()),
        "{pages:?}"
    );
    let (_, listing) = get(&server.base, "/cloud-services/");
    assert!(listing.contains("Kachelprobe Aurorafalter"));

    // 2b. The maturity row partial (rendered once per level, outside the page's template):
    // detail pages show the change, listings are left alone.
    let row = templates.join("partials/criterion-level.html");
    let row_original = std::fs::read_to_string(&row).expect("read");
    let row_edited = row_original.replacen("<dt>", "<dt>Stufenprobe Zitronenfalter ", 1);
    assert_ne!(row_edited, row_original);
    let before = generation(&s);
    std::fs::write(&row, &row_edited).expect("write");
    let s = wait_for(&server, "rebuild after the maturity row edit", |s| {
        generation(s) > before && s["error"].is_null()
    });
    assert_eq!(s["report"]["kind"], "template");
    let pages = rendered(&s);
    assert!(
        pages.contains(&"/cloud-services/dmessenger/".to_string()),
        "{pages:?}"
    );
    assert!(
        !pages.contains(&"/cloud-services/".to_string()),
        "{pages:?}"
    );
    let (_, detail) = get(&server.base, "/cloud-services/dmessenger/");
    assert!(detail.contains("Stufenprobe Zitronenfalter"));

    // 3. Break: the last good pages stay, with the template's error shown on them.
    let before = generation(&s);
    std::fs::write(&faq, edited.replacen("<h1>", "{% if page.title %}<h1>", 1)).expect("write");
    let s = wait_for(&server, "the error after breaking the template", |s| {
        !s["error"].is_null()
    });
    let problem = s["error"].as_str().expect("error text");
    assert!(problem.contains("faq.html"), "{problem}");
    let (code, page) = get(&server.base, "/hilfe/kunden/");
    assert_eq!(code, 200);
    assert!(
        page.contains("Vorlagentest Distelfalter"),
        "the last good page is still served"
    );
    assert_eq!(
        build_support::select(&page, "#csp-problem").len(),
        1,
        "the overlay"
    );
    assert!(page.contains("faq.html"), "the overlay names the template");

    // 4. Fix: the pages recover by themselves.
    std::fs::write(&faq, &original).expect("write");
    let s = wait_for(&server, "recovery after the fix", |s| {
        s["error"].is_null() && generation(s) > before
    });
    assert_eq!(s["report"]["kind"], "template");
    let (_, page) = get(&server.base, "/hilfe/kunden/");
    assert!(!page.contains("Distelfalter"));
    assert!(build_support::select(&page, "#csp-problem").is_empty());
    let (_, listing) = get(&server.base, "/cloud-services/");
    assert!(
        listing.contains("Kachelprobe Aurorafalter"),
        "the tile stays"
    );

    // 5. The layout: every page, and the function's pages (its search page shows it).
    let base = templates.join("base.html");
    let layout = std::fs::read_to_string(&base).expect("read");
    let before = generation(&s);
    std::fs::write(
        &base,
        layout.replacen(
            "</footer>",
            "<p>Rahmenprobe Schwalbenschwanz</p></footer>",
            1,
        ),
    )
    .expect("write");
    let s = wait_for(&server, "rebuild after the layout edit", |s| {
        generation(s) > before && s["error"].is_null()
    });
    assert_eq!(s["report"]["kind"], "template");
    let pages = rendered(&s);
    for page in ["/", "/cloud-services/dmessenger/", "/bestellen/dmessenger/"] {
        assert!(pages.contains(&page.to_string()), "{page}: {pages:?}");
    }
    assert!(
        pages.iter().any(|p| p.starts_with("Vorlagen der Funktion")),
        "{pages:?}"
    );
    let (_, detail) = get(&server.base, "/cloud-services/dmessenger/");
    assert!(detail.contains("Rahmenprobe Schwalbenschwanz"));
    let (code, search) = get(&server.base, "/api/suche?q=messenger");
    assert_eq!(code, 200);
    assert!(
        search.contains("Rahmenprobe Schwalbenschwanz"),
        "the function's pages use the new layout"
    );
}

/// Static pages and assets carry the same security headers as the deployed distribution
/// (without HSTS, there is no https here), so the sign-in and registration pages cannot be
/// framed; the live-reload script is a file, as the policy allows no inline script.
#[test]
fn static_pages_carry_security_headers() {
    let server = start();
    for path in [
        "/",
        "/cloud-services/",
        "/anmelden/",
        "/registrieren/",
        "/assets/portal.css",
        "/__csp/reload.js",
        "/gibt-es-nicht/",
    ] {
        let (code, headers) = get_headers(&server.base, path);
        assert!(code == 200 || path == "/gibt-es-nicht/", "{path}: {code}");
        for (name, value) in functions::security_headers::STATIC_HEADERS {
            let sent: Vec<&str> = headers
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .collect();
            assert_eq!(sent, [value], "{path}: {name}");
        }
    }
    let csp = functions::security_headers::CONTENT_SECURITY_POLICY;
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"));
    let (_, script) = get(&server.base, "/__csp/reload.js");
    assert!(script.contains("EventSource"), "{script}");
    let (code, headers) = get_headers(&server.base, "/api/sitzung");
    assert_eq!(code, 200);
    assert!(
        headers.iter().any(|(k, _)| k == "content-security-policy"),
        "the function's answers keep their own headers"
    );
}

/// The function's errors reach the terminal: with the first build broken there is no search
/// index, and the 503 of a search is logged with its cause.
#[test]
fn function_errors_are_logged_in_the_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&repo().join("content"), &dir.path().join("content"));
    copy_dir(&repo().join("themes"), &dir.path().join("themes"));
    let file = dir.path().join("content/offerings/dmessenger.yaml");
    let original = std::fs::read_to_string(&file).expect("read");
    std::fs::write(
        &file,
        original.replacen("service_type: saas", "service_type: cloud", 1),
    )
    .expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_csp"))
        .args(["serve", "--port", "0"])
        .current_dir(dir.path())
        .env_remove("CSP_LOG")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start csp serve");
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let (err_tx, err_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            println!("serve stderr: {line}");
            let _ = err_tx.send(line);
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
    let (code, _) = get(&base, "/api/suche?q=cloud");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut log = Vec::new();
    while !log.iter().any(|l: &String| l.contains("server error")) {
        match err_rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => log.push(line),
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(code, 503, "no search index after a broken first build");
    let line = log
        .iter()
        .find(|l| l.contains("server error"))
        .unwrap_or_else(|| panic!("no server error in the terminal: {log:#?}"));
    assert!(
        line.contains("503") && line.contains("/api/suche"),
        "{line}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains("search requested but unavailable")),
        "with its cause: {log:#?}"
    );
}
