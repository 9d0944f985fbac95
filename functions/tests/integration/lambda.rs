//! The real binary on the Lambda path: a small fake Lambda Runtime API hands it real API
//! Gateway events (HTTP API v2 and REST API v1) and collects its responses.
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

#[derive(Clone)]
struct Runtime {
    events: Arc<Mutex<VecDeque<(String, Value)>>>,
    more: Arc<Notify>,
    results: mpsc::UnboundedSender<(String, String, Value)>,
}

async fn next(State(rt): State<Runtime>) -> impl IntoResponse {
    loop {
        let event = rt.events.lock().unwrap().pop_front();
        if let Some((id, event)) = event {
            let mut headers = HeaderMap::new();
            headers.insert("lambda-runtime-aws-request-id", id.parse().unwrap());
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 30_000;
            headers.insert(
                "lambda-runtime-deadline-ms",
                deadline.to_string().parse().unwrap(),
            );
            headers.insert(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:eu-central-1:123456789012:function:csp"
                    .parse()
                    .unwrap(),
            );
            headers.insert(
                "lambda-runtime-trace-id",
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
                    .parse()
                    .unwrap(),
            );
            return (headers, event.to_string()).into_response();
        }
        rt.more.notified().await;
    }
}

async fn respond(State(rt): State<Runtime>, Path(id): Path<String>, body: String) -> StatusCode {
    let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    rt.results.send((id, "response".into(), value)).unwrap();
    StatusCode::ACCEPTED
}

async fn error(State(rt): State<Runtime>, Path(id): Path<String>, body: String) -> StatusCode {
    rt.results
        .send((id, "error".into(), Value::String(body)))
        .unwrap();
    StatusCode::ACCEPTED
}

async fn init_error(State(rt): State<Runtime>, body: String) -> StatusCode {
    rt.results
        .send(("init".into(), "init-error".into(), Value::String(body)))
        .unwrap();
    StatusCode::ACCEPTED
}

/// An HTTP API (v2) event as API Gateway sends it.
fn v2_event(method: &str, path: &str, query: &str, headers: Value, body: Option<&str>) -> Value {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "r3pmxmplak",
            "domainName": "r3pmxmplak.execute-api.eu-central-1.amazonaws.com",
            "domainPrefix": "r3pmxmplak",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "Mozilla/5.0"},
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "$default",
            "stage": "$default",
            "time": "10/Mar/2026:05:16:23 +0000",
            "timeEpoch": 1_773_119_783_220_u64
        },
        "body": body,
        "isBase64Encoded": false
    })
}

/// A REST API (v1) proxy event as API Gateway sends it.
fn v1_event(method: &str, path: &str, accept: &str) -> Value {
    json!({
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {"Accept": accept, "Host": "1234567890.execute-api.eu-central-1.amazonaws.com", "X-Forwarded-Proto": "https"},
        "multiValueHeaders": {"Accept": [accept], "Host": ["1234567890.execute-api.eu-central-1.amazonaws.com"], "X-Forwarded-Proto": ["https"]},
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": {"proxy": path.trim_start_matches('/')},
        "stageVariables": null,
        "requestContext": {
            "accountId": "123456789012",
            "resourceId": "123456",
            "stage": "prod",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "requestTime": "09/Apr/2026:12:34:56 +0000",
            "requestTimeEpoch": 1_775_738_096_000_u64,
            "identity": {"cognitoIdentityPoolId": null, "accountId": null, "cognitoIdentityId": null, "caller": null,
                "accessKey": null, "sourceIp": "203.0.113.9", "cognitoAuthenticationType": null,
                "cognitoAuthenticationProvider": null, "userArn": null, "userAgent": "curl/8.5.0", "user": null},
            "path": format!("/prod{path}"),
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "apiId": "1234567890",
            "protocol": "HTTP/1.1"
        },
        "body": null,
        "isBase64Encoded": false
    })
}

type Results = mpsc::UnboundedReceiver<(String, String, Value)>;

/// The fake Runtime API on a free port: where to reach it, and its results.
async fn fake_runtime() -> (Runtime, std::net::SocketAddr, Results) {
    let (tx, rx) = mpsc::unbounded_channel();
    let runtime = Runtime {
        events: Arc::default(),
        more: Arc::new(Notify::new()),
        results: tx,
    };
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(respond),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .with_state(runtime.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (runtime, addr, rx)
}

/// The binary as Lambda starts it, against the runtime at `addr`, with `data` as its folder.
fn start_function(addr: std::net::SocketAddr, data: &std::path::Path) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_csp-function"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "csp")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/03/10/[$LATEST]abc")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/csp")
        .env("AWS_REGION", "eu-central-1")
        // As in deploy/template.yaml: REST API paths without the stage prefix.
        .env("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH", "true")
        .env("CSP_SECRET", "a-secret-of-at-least-32-characters-for-tests")
        .env("CSP_DATA_DIR", data)
        .env("CSP_PUBLIC_URL", "https://portal.example")
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start csp-function")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_serves_api_gateway_v2_and_v1_events() {
    let (runtime, addr, mut rx) = fake_runtime().await;

    let events = [
        (
            "v2-session",
            v2_event(
                "GET",
                "/api/sitzung",
                "",
                json!({"accept": "application/json", "host": "portal.example"}),
                None,
            ),
        ),
        (
            "v2-sign-in",
            v2_event(
                "POST",
                "/api/anmeldung",
                "",
                json!({"accept": "application/json", "content-type": "application/x-www-form-urlencoded",
                       "origin": "https://portal.example", "sec-fetch-site": "same-origin"}),
                Some("email=niemand%40amt.de&passwort=falsch"),
            ),
        ),
        (
            "v2-cross-site",
            v2_event(
                "POST",
                "/api/anmeldung",
                "",
                json!({"accept": "application/json", "content-type": "application/x-www-form-urlencoded", "origin": "https://evil.example"}),
                Some("email=a%40b.de&passwort=x"),
            ),
        ),
        (
            "v2-form-page",
            v2_event(
                "GET",
                "/api/passwort-setzen",
                "token=abc",
                json!({"accept": "text/html"}),
                None,
            ),
        ),
        (
            "v1-openapi",
            v1_event("GET", "/api/openapi.json", "application/json"),
        ),
        (
            "v1-altcha",
            v1_event("GET", "/api/altcha", "application/json"),
        ),
        (
            "v1-unknown",
            v1_event("GET", "/api/nichts", "application/json"),
        ),
    ];
    runtime
        .events
        .lock()
        .unwrap()
        .extend(events.iter().map(|(id, e)| ((*id).to_owned(), e.clone())));
    runtime.more.notify_waiters();

    let data = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut child = start_function(addr, data.path());

    let mut results = std::collections::HashMap::new();
    let mut first_response = None;
    while results.len() < events.len() {
        let (id, kind, value) = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .unwrap_or_else(|_| panic!("no answer from the binary; got so far: {results:#?}"))
            .expect("channel");
        first_response.get_or_insert_with(|| started.elapsed());
        assert_eq!(kind, "response", "{id}: {value}");
        results.insert(id, value);
    }
    child.start_kill().unwrap();
    let output = child.wait_with_output().await.unwrap();
    let logs = String::from_utf8_lossy(&output.stderr);
    eprintln!(
        "first response after {:?}",
        first_response.unwrap_or_default()
    );

    let session = &results["v2-session"];
    assert_eq!(session["statusCode"], 200, "{session}");
    let body: Value = serde_json::from_str(session["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["angemeldet"], false);
    assert_eq!(session["headers"]["cache-control"], "no-store");

    let sign_in = &results["v2-sign-in"];
    assert_eq!(sign_in["statusCode"], 401, "{sign_in}");
    let body: Value = serde_json::from_str(sign_in["body"].as_str().unwrap()).unwrap();
    assert!(body["meldung"].as_str().unwrap().contains("Passwort"));

    assert_eq!(results["v2-cross-site"]["statusCode"], 403);
    let form = &results["v2-form-page"];
    assert_eq!(
        form["statusCode"], 303,
        "an invalid token redirects to the notice: {form}"
    );
    assert_eq!(form["headers"]["location"], "/api/hinweis/link-ungueltig");

    let openapi = &results["v1-openapi"];
    assert_eq!(openapi["statusCode"], 200, "{openapi}");
    let doc: Value = serde_json::from_str(openapi["body"].as_str().unwrap()).unwrap();
    assert!(doc["paths"]["/api/sitzung"]["get"].is_object());
    let altcha: Value =
        serde_json::from_str(results["v1-altcha"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(altcha["algorithm"], "SHA-256");
    let unknown = &results["v1-unknown"];
    assert_eq!(unknown["statusCode"], 404);
    assert_eq!(
        unknown["multiValueHeaders"]["x-content-type-options"][0], "nosniff",
        "hardened: {unknown}"
    );

    // Structured logs: JSON lines with the Lambda request id, and no personal data.
    let handled: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["fields"]["message"] == "handled")
        .collect();
    assert_eq!(
        handled.len(),
        events.len(),
        "one JSON log line per request:\n{logs}"
    );
    assert!(
        handled.iter().any(|l| l["span"]["id"] == "v2-sign-in"),
        "request id in the log:\n{logs}"
    );
    assert!(
        !logs.contains("niemand@amt.de"),
        "no e-mail addresses in logs:\n{logs}"
    );
    assert!(!logs.contains("token=abc"), "no tokens in logs");
}

/// An EventBridge scheduled event, as the SAM template's `Schedule` delivers it.
fn scheduled_event() -> Value {
    json!({
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-12-06T12:00:00Z",
        "region": "eu-central-1",
        "resources": ["arn:aws:events:eu-central-1:123456789012:rule/csp-due-work"],
        "detail": {}
    })
}

/// The schedule's event runs the due work (here: a queued mail is delivered and an expired
/// session forgotten) and answers with what it did; HTTP events keep working beside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_runs_the_due_work_on_a_scheduled_event() {
    use functions::domain::ports::Store;
    let data = tempfile::tempdir().unwrap();
    {
        let store = functions::store::SqliteStore::open(&data.path().join("function.sqlite3"))
            .expect("open");
        store
            .enqueue_mail(&functions::domain::model::OutgoingMail {
                id: "waiting-mail".into(),
                to: "kunde@amt.de".into(),
                subject: "Wartet im Postausgang".into(),
                body: "Text".into(),
                created_at: 1,
                ..Default::default()
            })
            .await
            .expect("queue");
        store
            .create_session(&functions::domain::model::Session {
                id_hash: "a".repeat(64),
                user_id: "u".into(),
                org_id: "o".into(),
                created_at: 1,
                last_seen: 1,
                expires_at: 2,
            })
            .await
            .expect("session");
    }
    let (runtime, addr, mut rx) = fake_runtime().await;
    runtime.events.lock().unwrap().extend([
        ("schedule-1".to_owned(), scheduled_event()),
        (
            "http".to_owned(),
            v1_event("GET", "/api/openapi.json", "application/json"),
        ),
        ("schedule-2".to_owned(), scheduled_event()),
    ]);
    runtime.more.notify_waiters();
    let mut child = start_function(addr, data.path());
    let mut results = std::collections::HashMap::new();
    while results.len() < 3 {
        let (id, kind, value) = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .unwrap_or_else(|_| panic!("no answer from the binary; got so far: {results:#?}"))
            .expect("channel");
        assert_eq!(kind, "response", "{id}: {value}");
        results.insert(id, value);
    }
    child.start_kill().unwrap();
    let first = &results["schedule-1"];
    assert_eq!(first["mails_sent"], 1, "{first}");
    assert_eq!(first["records_removed"], 1, "the expired session: {first}");
    assert_eq!(first["failed"], 0, "{first}");
    let second = &results["schedule-2"];
    assert_eq!(second["mails_sent"], 0, "delivered once: {second}");
    assert_eq!(results["http"]["statusCode"], 200, "{}", results["http"]);
    let delivered = std::fs::read_dir(data.path().join("mail"))
        .expect("mail folder")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .count();
    assert_eq!(
        delivered, 1,
        "the mail left through the configured transport"
    );
}
