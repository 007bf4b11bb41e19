//! How a trigger's function is called: the two [`Invoke`] implementations behind one trait —
//! [`LambdaApi`] (the Lambda Invoke API of a Lambda service: LocalStack, SAM's `start-lambda`,
//! AWS itself) and [`Runner`] (a handler file run by the runner script cognate ships, one warm
//! process per handler) — and [`Invokers`], which picks one for a function name or ARN.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// The runner script for Node handlers (`.mjs`, `.js`, `.cjs`).
pub(crate) const NODE_RUNNER: &str = include_str!("runner.mjs");
/// The runner script for Python handlers (`.py`).
pub(crate) const PYTHON_RUNNER: &str = include_str!("runner.py");

/// How long AWS waits for a trigger before it gives up.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// What a call of a function gave back.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// The handler returned this document.
    Returned(Value),
    /// The handler threw (or called back with) an error with this message.
    HandlerError(String),
}

/// Why a function could not be called at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum InvokeError {
    /// No answer within the timeout.
    #[error("the function did not answer within {0:?}")]
    Timeout(Duration),
    /// The function could not be reached or did not speak the protocol.
    #[error("{0}")]
    Unavailable(String),
}

/// A boxed future of an invocation.
pub(crate) type Invocation<'a> =
    Pin<Box<dyn Future<Output = Result<Outcome, InvokeError>> + Send + 'a>>;

/// Calls a function with an event, request-response, as Cognito calls Lambda.
pub(crate) trait Invoke: Send + Sync {
    /// Calls `function` (the name or ARN from `LambdaConfig`) with `event`.
    fn invoke<'a>(&'a self, function: &'a str, event: &'a Value) -> Invocation<'a>;
}

/// The Lambda Invoke API: `POST {endpoint}/2015-03-31/functions/{name-or-ARN}/invocations`
/// with `X-Amz-Invocation-Type: RequestResponse`. A handler's error comes back as a 200 with
/// `X-Amz-Function-Error` and an `{"errorMessage", "errorType"}` body.
pub(crate) struct LambdaApi {
    endpoint: String,
    http: reqwest::Client,
}

impl LambdaApi {
    /// A client of the Lambda service at `endpoint` (`http://localhost:4566`).
    pub(crate) fn new(endpoint: &str) -> Self {
        LambdaApi {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
        }
    }
}

/// Percent-encodes a path segment (an ARN's `:` stays, as the AWS SDKs send it).
fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Invoke for LambdaApi {
    fn invoke<'a>(&'a self, function: &'a str, event: &'a Value) -> Invocation<'a> {
        Box::pin(async move {
            let url = format!(
                "{}/2015-03-31/functions/{}/invocations",
                self.endpoint,
                path_segment(function)
            );
            let unavailable = |e: reqwest::Error| InvokeError::Unavailable(e.to_string());
            let resp = self
                .http
                .post(url)
                .header("Content-Type", "application/json")
                .header("X-Amz-Invocation-Type", "RequestResponse")
                .body(event.to_string())
                .send()
                .await
                .map_err(unavailable)?;
            let status = resp.status();
            let function_error = resp.headers().contains_key("x-amz-function-error");
            let body = resp.bytes().await.map_err(unavailable)?;
            if !status.is_success() {
                return Err(InvokeError::Unavailable(format!(
                    "the Lambda service answered {status}: {}",
                    String::from_utf8_lossy(&body)
                )));
            }
            let doc: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            if function_error {
                let message = doc
                    .get("errorMessage")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
                return Ok(Outcome::HandlerError(message));
            }
            Ok(Outcome::Returned(doc))
        })
    }
}

/// The language of a handler file, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Language {
    /// `.mjs`, `.js`, `.cjs`: run by `node` with [`NODE_RUNNER`].
    Node,
    /// `.py`: run by `python3` with [`PYTHON_RUNNER`].
    Python,
}

impl Language {
    /// The language of `path`, if its extension names one.
    pub(crate) fn of(path: &Path) -> Option<Language> {
        match path.extension()?.to_str()? {
            "mjs" | "js" | "cjs" => Some(Language::Node),
            "py" => Some(Language::Python),
            _ => None,
        }
    }
}

/// A warm runner process: its stdin and stdout.
struct Warm {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

/// A handler file run by cognate's runner: one warm process, started at its first call and
/// started again after it died or timed out; one call at a time.
pub(crate) struct Runner {
    path: PathBuf,
    language: Language,
    timeout: Duration,
    process: tokio::sync::Mutex<Option<Warm>>,
}

impl Runner {
    /// A runner of `path` (its language from the extension).
    pub(crate) fn new(path: PathBuf, timeout: Duration) -> Result<Self, String> {
        let language = Language::of(&path).ok_or_else(|| {
            format!(
                "{}: a trigger handler must be a .mjs, .js, .cjs or .py file",
                path.display()
            )
        })?;
        Ok(Runner {
            path,
            language,
            timeout,
            process: tokio::sync::Mutex::new(None),
        })
    }

    fn start(&self) -> Result<Warm, InvokeError> {
        let mut cmd = match self.language {
            Language::Node => {
                let mut c = Command::new("node");
                c.args(["--input-type=module", "-e", NODE_RUNNER]);
                c
            }
            Language::Python => {
                let mut c = Command::new("python3");
                c.args(["-u", "-c", PYTHON_RUNNER]);
                c
            }
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            cmd.current_dir(dir);
        }
        let path = self
            .path
            .canonicalize()
            .map_err(|e| InvokeError::Unavailable(format!("{}: {e}", self.path.display())))?;
        // Tells a handler it runs under cognate (see `message::send`: no KMS here).
        cmd.env("COGNATE_TRIGGER_RUNNER", "1");
        cmd.arg(path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|e| {
            InvokeError::Unavailable(format!(
                "cannot start the runner of {}: {e}",
                self.path.display()
            ))
        })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(InvokeError::Unavailable("runner without pipes".into()));
        };
        Ok(Warm {
            child,
            stdin,
            stdout: BufReader::new(stdout),
        })
    }

    async fn exchange(warm: &mut Warm, line: &str) -> Result<Outcome, InvokeError> {
        let gone = |e: std::io::Error| InvokeError::Unavailable(format!("runner: {e}"));
        warm.stdin.write_all(line.as_bytes()).await.map_err(gone)?;
        warm.stdin.flush().await.map_err(gone)?;
        let mut answer = String::new();
        if warm.stdout.read_line(&mut answer).await.map_err(gone)? == 0 {
            return Err(InvokeError::Unavailable(
                "the handler's runner exited (its error is in the server's stderr)".into(),
            ));
        }
        let doc: Value = serde_json::from_str(&answer)
            .map_err(|e| InvokeError::Unavailable(format!("runner answered no JSON: {e}")))?;
        if let Some(err) = doc.get("error") {
            let message = err
                .get("errorMessage")
                .and_then(Value::as_str)
                .unwrap_or_default();
            return Ok(Outcome::HandlerError(message.to_owned()));
        }
        Ok(Outcome::Returned(
            doc.get("result").cloned().unwrap_or(Value::Null),
        ))
    }
}

impl Invoke for Runner {
    fn invoke<'a>(&'a self, function: &'a str, event: &'a Value) -> Invocation<'a> {
        Box::pin(async move {
            let mut slot = self.process.lock().await;
            let warm = match slot.as_mut() {
                Some(w) => w,
                None => slot.insert(self.start()?),
            };
            let deadline_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() + self.timeout.as_millis())
                .unwrap_or_default();
            let line = json!({
                "event": event,
                "context": {
                    "functionName": function_name(function),
                    "invokedFunctionArn": function,
                    "awsRequestId": crate::ids::uuid(),
                    "deadlineMs": deadline_ms as u64,
                },
            })
            .to_string()
                + "\n";
            match tokio::time::timeout(self.timeout, Self::exchange(warm, &line)).await {
                Ok(Ok(outcome)) => Ok(outcome),
                Ok(Err(e)) => {
                    // A runner that broke the protocol or died is replaced at the next call.
                    if let Some(mut w) = slot.take() {
                        let _ = w.child.start_kill();
                    }
                    Err(e)
                }
                Err(_) => {
                    // A handler still running has the process: a fresh one takes the next call.
                    if let Some(mut w) = slot.take() {
                        let _ = w.child.start_kill();
                    }
                    Err(InvokeError::Timeout(self.timeout))
                }
            }
        })
    }
}

/// The function name of a name or ARN: `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`
/// → `NAME`.
pub(crate) fn function_name(function: &str) -> &str {
    match function.split_once(":function:") {
        Some((_, rest)) => rest.split(':').next().unwrap_or(rest),
        None => function,
    }
}

/// Where triggers go: handler files by function name (or full ARN), then the Lambda service.
pub(crate) struct Invokers {
    runners: HashMap<String, Arc<Runner>>,
    lambda: Option<LambdaApi>,
    timeout: Duration,
}

impl Invokers {
    /// Handler files `handlers` (function name or ARN → file), the Lambda endpoint, and the
    /// timeout of a call.
    pub(crate) fn new(
        handlers: &[(String, PathBuf)],
        lambda_endpoint: Option<&str>,
        timeout: Duration,
    ) -> Result<Self, String> {
        let mut runners = HashMap::new();
        for (name, path) in handlers {
            runners.insert(name.clone(), Arc::new(Runner::new(path.clone(), timeout)?));
        }
        Ok(Invokers {
            runners,
            lambda: lambda_endpoint.map(LambdaApi::new),
            timeout,
        })
    }

    /// Calls `function`, within the timeout, blocking this thread (operations are
    /// synchronous; see [`block_on`]).
    pub(crate) fn call(&self, function: &str, event: &Value) -> Result<Outcome, InvokeError> {
        let runner = self
            .runners
            .get(function)
            .or_else(|| self.runners.get(function_name(function)))
            .cloned();
        let timeout = self.timeout;
        match (runner, &self.lambda) {
            (Some(r), _) => block_on(r.invoke(function, event))?,
            (None, Some(api)) => block_on(async {
                tokio::time::timeout(timeout, api.invoke(function, event))
                    .await
                    .unwrap_or(Err(InvokeError::Timeout(timeout)))
            })?,
            (None, None) => Err(InvokeError::Unavailable(format!(
                "cognate serve has no handler for {function}: map it with --trigger-handler {}=PATH, or name a Lambda service with --lambda-endpoint (AWS_ENDPOINT_URL_LAMBDA)",
                function_name(function)
            ))),
        }
    }
}

/// Runs `f` to completion from synchronous code that runs inside the tokio runtime: on a
/// multi-thread runtime's worker through `block_in_place` (its other tasks move elsewhere),
/// on a blocking-pool thread directly.
fn block_on<F: Future>(f: F) -> Result<F::Output, InvokeError> {
    let handle = tokio::runtime::Handle::try_current()
        .map_err(|_| InvokeError::Unavailable("no async runtime to call triggers on".into()))?;
    Ok(match handle.runtime_flavor() {
        tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| handle.block_on(f))
        }
        _ => handle.block_on(f),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_arns() {
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:123456789012:function:pre-signup"),
            "pre-signup"
        );
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:123456789012:function:f:live"),
            "f"
        );
        assert_eq!(function_name("plain"), "plain");
        assert_eq!(
            path_segment("arn:aws:lambda:us-east-1:1:function:a b"),
            "arn:aws:lambda:us-east-1:1:function:a%20b"
        );
    }
}
