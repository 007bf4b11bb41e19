//! A Lambda service played by the test: the Lambda Invoke API
//! (`POST /2015-03-31/functions/{name-or-ARN}/invocations`, request-response) running each
//! function's handler file in a fresh `node` or `python3` process, as a plain import of the
//! file (not cognate's runner), and recording every event it was sent. A handler's error is
//! answered as Lambda answers it: 200 with `X-Amz-Function-Error: Unhandled` and an
//! `{"errorType", "errorMessage"}` body.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

/// Calls a Node handler once: the event on stdin, `{"result"}` or `{"error"}` on stdout.
const NODE_ONCE: &str = r#"
import { pathToFileURL } from "node:url";
const out = process.stdout.write.bind(process.stdout);
console.log = console.info = (...a) => console.error(...a);
let input = "";
for await (const chunk of process.stdin) input += chunk;
const mod = await import(pathToFileURL(process.argv[process.argv.length - 1]).href);
const handler = mod.handler ?? mod.default.handler;
try {
  const result = await new Promise((resolve, reject) => {
    const p = handler(JSON.parse(input), { functionName: "test" }, (e, r) => (e ? reject(e) : resolve(r)));
    if (p && typeof p.then === "function") p.then(resolve, reject);
  });
  out(JSON.stringify({ result: result ?? null }));
} catch (e) {
  out(JSON.stringify({ error: { errorType: e.name, errorMessage: e.message } }));
}
"#;

/// Calls a Python handler once, the same way.
const PYTHON_ONCE: &str = r#"
import importlib.util, json, sys
out, sys.stdout = sys.stdout, sys.stderr
spec = importlib.util.spec_from_file_location("handler_module", sys.argv[-1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
event = json.loads(sys.stdin.read())
try:
    out.write(json.dumps({"result": module.handler(event, None)}))
except Exception as e:
    out.write(json.dumps({"error": {"errorType": type(e).__name__, "errorMessage": str(e)}}))
"#;

/// The service: function name → handler file, and the events received.
#[derive(Clone, Default)]
pub struct LambdaService {
    functions: Arc<HashMap<String, PathBuf>>,
    events: Arc<Mutex<Vec<(String, Value)>>>,
}

impl LambdaService {
    /// Starts the service for `functions` on a free port; returns it and its endpoint URL.
    pub async fn start(functions: HashMap<String, PathBuf>) -> (LambdaService, String) {
        let service = LambdaService {
            functions: Arc::new(functions),
            events: Arc::default(),
        };
        let app = Router::new()
            .route("/2015-03-31/functions/{function}/invocations", post(invoke))
            .with_state(service.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (service, format!("http://{addr}"))
    }

    /// The events sent to the function `name`, oldest first.
    pub fn events(&self, name: &str) -> Vec<Value> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, e)| e.clone())
            .collect()
    }
}

async fn invoke(
    State(service): State<LambdaService>,
    Path(function): Path<String>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, HeaderMap, String) {
    assert_eq!(
        headers
            .get("x-amz-invocation-type")
            .and_then(|v| v.to_str().ok()),
        Some("RequestResponse")
    );
    let name = function
        .split(":function:")
        .nth(1)
        .unwrap_or(&function)
        .to_owned();
    let event: Value = serde_json::from_str(&body).unwrap();
    service
        .events
        .lock()
        .unwrap()
        .push((name.clone(), event.clone()));
    let Some(path) = service.functions.get(&name) else {
        let body = json!({"Type": "User", "message": format!("Function not found: {function}")});
        return (StatusCode::NOT_FOUND, HeaderMap::new(), body.to_string());
    };
    let python = path.extension().is_some_and(|e| e == "py");
    let mut cmd = if python {
        let mut c = tokio::process::Command::new("python3");
        c.args(["-c", PYTHON_ONCE]);
        c
    } else {
        let mut c = tokio::process::Command::new("node");
        c.args(["--input-type=module", "-e", NODE_ONCE]);
        c
    };
    // The functions' environment, as a Lambda service would set it: tells the custom sender
    // examples there is no KMS here.
    let mut child = cmd
        .env("COGNATE_LOCAL", "1")
        .arg(path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(body.as_bytes()).await.unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "the handler {} answered no JSON ({e}): {}",
            path.display(),
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let mut headers = HeaderMap::new();
    if let Some(error) = answer.get("error") {
        headers.insert(
            "X-Amz-Function-Error",
            HeaderValue::from_static("Unhandled"),
        );
        return (StatusCode::OK, headers, error.to_string());
    }
    (StatusCode::OK, headers, answer["result"].to_string())
}
