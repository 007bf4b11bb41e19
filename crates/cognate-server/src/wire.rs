//! The HTTP face: AWS JSON 1.1 on `POST /`, JWKS and OpenID discovery per pool, a health check.
//!
//! `X-Amz-Target` names a modeled operation of either service (anything else is
//! `UnknownOperationException`); the body is read whole within the limits of [`crate::serve`]
//! (size, in-flight budget, timeout — each answered as an AWS JSON error), the SigV4 signature
//! is checked when administrator credentials are configured and the model says the operation
//! needs IAM auth ([`crate::sigv4`]), the body is parsed (`SerializationException` when
//! it is not JSON), validated against the operation's input shape from the AWS model
//! (`SerializationException` for a wrong JSON type, `InvalidParameterException` with AWS's
//! wording for a violated constraint), and only then handed to `api`, which blocks (SQLite,
//! SRP maths and RSA signing): on a multi-thread runtime on the worker itself (durable writes
//! use `block_in_place`), on a current-thread runtime on the blocking thread pool. Bad input
//! never yields a 500.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRef, Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};
use sha2::Digest;

use cognate_model::validate::{self, Rejection};
use cognate_model::{identity, idp};

use crate::api;
use crate::error::{ApiError, Exception};
use crate::serve::{BodyGuard, BodyRejected};
use crate::services::Ctx;
use crate::sigv4::{self, AdminCredentials};

const JSON_11: &str = "application/x-amz-json-1.1";

/// What the HTTP face holds beside the operations' context.
pub(crate) struct Front {
    pub ctx: Arc<Ctx>,
    /// The request-body limits.
    pub body: BodyGuard,
    /// When set, operations the model marks as needing IAM auth, and the outbox, need a SigV4
    /// signature by one of these keys.
    pub admin: Option<AdminCredentials>,
}

/// The router's state.
#[derive(Clone)]
pub(crate) struct AppState(Arc<Front>);

impl FromRef<AppState> for Arc<Ctx> {
    fn from_ref(state: &AppState) -> Self {
        state.0.ctx.clone()
    }
}

pub(crate) fn router(front: Front, debug_panic_route: bool) -> Router {
    let mut router = Router::new();
    if debug_panic_route {
        router = router.route("/_cognate/debug/panic", post(debug_panic));
    }
    router
        .route("/", post(api))
        .route("/health", get(health))
        .route("/_cognate/outbox", get(outbox))
        .route("/_cognate/import/{pool}/{job}", put(import_upload))
        .route("/{pool}/.well-known/jwks.json", get(jwks))
        .route("/{pool}/.well-known/openid-configuration", get(openid))
        .merge(crate::http::routes())
        .with_state(AppState(Arc::new(front)))
}

fn json_response(status: StatusCode, content_type: &'static str, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

fn error_response(e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    // AWS spells the message key `Message` on protocol errors and `message` on modeled ones.
    let key = match e.kind {
        Exception::Serialization => "Message",
        _ => "message",
    };
    let mut body = serde_json::Map::new();
    body.insert("__type".into(), Value::from(e.kind.name()));
    body.insert(key.into(), Value::from(e.message.as_str()));
    let mut resp = json_response(status, JSON_11, &Value::Object(body));
    resp.headers_mut()
        .insert("x-amzn-errortype", HeaderValue::from_static(e.kind.name()));
    resp
}

async fn api(
    State(app): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = std::time::Instant::now();
    let request_id = crate::ids::uuid();
    // What a request log line may say: the operation, never the body (it holds passwords,
    // tokens and codes).
    let operation = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.split_once('.').map(|(_, op)| op))
        .filter(|op| op.len() <= 64 && op.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or("-")
        .to_owned();
    let (outcome, half_read) = match crate::serve::read_body(&app.0.body, &headers, body).await {
        // The body (and its share of the in-flight budget) is held until the answer is made.
        Ok(body) => (
            handle(&app.0, &method, &uri, &headers, body.bytes.clone()).await,
            false,
        ),
        Err(BodyRejected(e)) => (Err(e), true),
    };
    let (mut resp, error) = match outcome {
        Ok(v) => (json_response(StatusCode::OK, JSON_11, &v), None),
        Err(e) => (error_response(&e), Some(e.kind.name())),
    };
    if half_read {
        // The body may be half read: the connection cannot carry another request.
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    tracing::info!(
        target: "cognate_server::request",
        request_id = %request_id,
        operation = %operation,
        status = resp.status().as_u16(),
        error = %error.unwrap_or("-"),
        latency_ms = %format!("{:.2}", started.elapsed().as_secs_f64() * 1000.0),
        "POST /"
    );
    resp
}

/// `POST /_cognate/debug/panic` (only with `ServerBuilder::debug_panic_route`): an operation
/// that panics, so that tests can check that a panic is a 500 and the server lives on.
async fn debug_panic() -> Response {
    #[allow(clippy::panic)]
    let outcome = guarded(|| -> Result<Value, ApiError> { panic!("the debug panic route") }).await;
    match outcome {
        Ok(v) => json_response(StatusCode::OK, JSON_11, &v),
        Err(e) => error_response(&e),
    }
}

/// A modeled operation of one of the two services.
#[derive(Debug, Clone, Copy)]
enum Route {
    Idp(idp::Operation),
    Identity(identity::Operation),
}

impl Route {
    /// The operation an `X-Amz-Target` header names.
    fn from_target(target: &str) -> Option<Route> {
        let (prefix, op) = target.split_once('.')?;
        if prefix == idp::SERVICE.target_prefix {
            idp::Operation::from_name(op).map(Route::Idp)
        } else if prefix == identity::SERVICE.target_prefix {
            identity::Operation::from_name(op).map(Route::Identity)
        } else {
            None
        }
    }

    /// Whether the model says the operation needs no IAM (SigV4) signature.
    fn unsigned(self) -> bool {
        match self {
            Route::Idp(op) => op.def().unsigned,
            Route::Identity(op) => op.def().unsigned,
        }
    }

    /// The service name in a SigV4 credential scope.
    fn signing_name(self) -> &'static str {
        match self {
            Route::Idp(_) => idp::SERVICE.endpoint_prefix,
            Route::Identity(_) => identity::SERVICE.endpoint_prefix,
        }
    }

    /// Checks the request against the operation's input shape, as AWS does before anything
    /// else: wrong JSON types are `SerializationException`, constraint violations
    /// `InvalidParameterException` in AWS's wording.
    fn validate(self, body: &Value) -> Result<(), ApiError> {
        let outcome = match self {
            Route::Idp(op) => validate::input(&idp::SERVICE, op.def(), body),
            Route::Identity(op) => validate::input(&identity::SERVICE, op.def(), body),
        };
        outcome.map_err(|r| match r {
            Rejection::Serialization(m) => ApiError::new(Exception::Serialization, m),
            Rejection::Invalid(m) => match self {
                Route::Idp(_) => ApiError::new(idp::ErrorKind::InvalidParameterException, m),
                Route::Identity(_) => {
                    ApiError::new(identity::ErrorKind::InvalidParameterException, m)
                }
            },
        })
    }

    fn dispatch(self, ctx: &Ctx, body: serde_json::Map<String, Value>) -> Result<Value, ApiError> {
        let outcome = match self {
            Route::Idp(op) => api::call(ctx, op, body),
            Route::Identity(op) => api::identity_call(ctx, op, body),
        };
        outcome.map_err(|e| self.conform(e))
    }

    /// Whether the model lists exception `name` for this operation.
    fn models(self, name: &str) -> bool {
        match self {
            Route::Idp(op) => op.errors().iter().any(|e| e.name() == name),
            Route::Identity(op) => op.errors().iter().any(|e| e.name() == name),
        }
    }

    /// Keeps every answer inside the operation's modeled exceptions: the services report a
    /// missing user as `UserNotFoundException` whatever the operation, and the model tells
    /// what this operation answers instead — `NotAuthorizedException` for the operations
    /// authorized by a token (`GlobalSignOut`, `AssociateSoftwareToken`, …),
    /// `ResourceNotFoundException` for the administrator's (`AdminGetDevice`, …). The message
    /// stays. Any other unmodeled answer is a defect of cognate: it is logged, and sent as is.
    fn conform(self, e: ApiError) -> ApiError {
        let name = e.kind.name();
        if matches!(
            e.kind,
            Exception::Serialization | Exception::UnknownOperation
        ) || self.models(name)
        {
            return e;
        }
        if name == "UserNotFoundException" {
            let admin = matches!(self, Route::Idp(op) if op.name().starts_with("Admin"));
            let order = if admin {
                ["ResourceNotFoundException", "NotAuthorizedException"]
            } else {
                ["NotAuthorizedException", "ResourceNotFoundException"]
            };
            for fallback in order {
                if self.models(fallback)
                    && let Some(kind) = idp::ErrorKind::from_name(fallback)
                {
                    return ApiError::new(kind, e.message);
                }
            }
        }
        tracing::error!(route = ?self, error = name, "cognate defect: an exception the model does not list for this operation");
        e
    }
}

/// Parses a JSON 1.1 body: empty is `{}`, anything unparsable is `SerializationException`.
fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    serde_json::from_slice::<Value>(body).map_err(|e| {
        // AWS sends no message here; one that says what is wrong costs no client anything.
        ApiError::new(
            Exception::Serialization,
            format!("The request body is not valid JSON: {e}"),
        )
    })
}

/// The operation a request's `X-Amz-Target` names.
fn route_of(target: Option<&str>) -> Result<Route, ApiError> {
    let target = target
        .ok_or_else(|| ApiError::new(Exception::UnknownOperation, "Missing X-Amz-Target header"))?;
    Route::from_target(target).ok_or_else(|| {
        ApiError::new(
            Exception::UnknownOperation,
            format!("Unknown operation {target}"),
        )
    })
}

/// The request parser: a body read whole, parsed and checked against `route`'s input shape.
fn input_of(route: Route, body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    let body = parse_body(body)?;
    route.validate(&body)?;
    let Value::Object(body) = body else {
        return Err(ApiError::new(
            Exception::Serialization,
            "Expected map or null",
        ));
    };
    Ok(body)
}

/// What the `wire_request` fuzz target runs: the request parser, and the SigV4 check of
/// `authorization` (true if it passed, which no fuzzed input should).
pub(crate) fn fuzz_request(target: &str, authorization: &str, body: &[u8]) -> bool {
    let Ok(route) = route_of(Some(target)) else {
        return false;
    };
    let _ = input_of(route, body);
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(authorization) {
        headers.insert(header::AUTHORIZATION, v);
    }
    headers.insert(header::HOST, HeaderValue::from_static("localhost"));
    headers.insert("x-amz-date", HeaderValue::from_static("20250101T000000Z"));
    let mut creds = AdminCredentials::default();
    creds.add("AKIDFUZZ", "fuzz-secret");
    let req = sigv4::Request {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body,
    };
    sigv4::verify(&creds, route.signing_name(), &req, 1_735_689_600).is_ok()
}

async fn handle(
    front: &Front,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Value, ApiError> {
    let route = route_of(headers.get("x-amz-target").and_then(|v| v.to_str().ok()))?;
    if let Some(creds) = &front.admin
        && !route.unsigned()
    {
        let req = sigv4::Request {
            method: method.as_str(),
            path: uri.path(),
            query: uri.query().unwrap_or(""),
            headers,
            body: &body,
        };
        sigv4::verify(creds, route.signing_name(), &req, front.ctx.now())?;
    }
    let ctx = front.ctx.clone();
    let body = input_of(route, &body)?;
    tracing::debug!(?route, "request");
    guarded(move || route.dispatch(&ctx, body)).await
}

/// Runs an operation so that a panic in it is a 500 `InternalErrorException` (and an error in
/// the log), never the end of the server.
///
/// On a multi-thread runtime the operation runs right here on the worker: it is CPU work (SRP
/// maths, RSA signatures, SQLite reads from the page cache) of at most about a millisecond, and
/// handing it to another thread costs thread wake-ups that take more CPU than a small
/// operation. The one wait that can be long, a durable write, tells tokio itself
/// (`block_in_place` in the store), so other tasks go on meanwhile. A current-thread runtime
/// must not block its only thread, so there the operation goes to the blocking pool.
async fn guarded(
    op: impl FnOnce() -> Result<Value, ApiError> + Send + 'static,
) -> Result<Value, ApiError> {
    if tokio::runtime::Handle::current().runtime_flavor()
        == tokio::runtime::RuntimeFlavor::MultiThread
    {
        return std::panic::catch_unwind(std::panic::AssertUnwindSafe(op)).unwrap_or_else(|_| {
            tracing::error!("an operation panicked: answered 500 InternalErrorException");
            Err(ApiError::internal("internal error"))
        });
    }
    match tokio::task::spawn_blocking(op).await {
        Ok(result) => result,
        Err(e) => {
            tracing::error!(error = %e, "an operation panicked: answered 500 InternalErrorException");
            Err(ApiError::internal("internal error"))
        }
    }
}

/// `GET /_cognate/outbox?pool=…&username=…&purpose=…`: the codes the server "sent".
///
/// With administrator credentials configured, only for a request SigV4-signed by one of them
/// (service `cognito-idp`, e.g. `curl --aws-sigv4 aws:amz:us-east-1:cognito-idp --user KEY:SECRET`).
async fn outbox(State(app): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = app.0.ctx.clone();
    if let Some(creds) = &app.0.admin {
        let req = sigv4::Request {
            method: "GET",
            path: uri.path(),
            query: uri.query().unwrap_or(""),
            headers: &headers,
            body: b"",
        };
        if let Err(e) = sigv4::verify(creds, idp::SERVICE.endpoint_prefix, &req, ctx.now()) {
            return error_response(&e);
        }
    }
    let mut filter = crate::services::outbox::Filter::default();
    for pair in uri.query().unwrap_or("").split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_decode(v);
        match k {
            "pool" => filter.pool = Some(v),
            "username" => filter.username = Some(v),
            "purpose" => filter.purpose = Some(v),
            _ => {}
        }
    }
    match tokio::task::spawn_blocking(move || crate::services::outbox::list(&ctx, &filter)).await {
        Ok(Ok(v)) => json_response(StatusCode::OK, "application/json", &v),
        Ok(Err(e)) => error_response(&e),
        Err(_) => error_response(&ApiError::internal("internal error")),
    }
}

/// `PUT /_cognate/import/{pool}/{job}?X-Amz-Signature=…`: the pre-signed URL of a user import
/// job (CreateUserImportJob), taking the CSV file as S3 would (200 with an `ETag`; S3's
/// `AccessDenied`/`NoSuchKey` XML errors otherwise).
async fn import_upload(
    State(app): State<AppState>,
    Path((pool, job)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    use crate::services::imports::UploadRefused;
    let signature = uri
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|p| p.strip_prefix("X-Amz-Signature="))
        .map(percent_decode)
        .unwrap_or_default();
    let bytes = match crate::serve::read_body(&app.0.body, &headers, body).await {
        Ok(b) => b.bytes.clone(),
        Err(BodyRejected(e)) => return error_response(&e),
    };
    let ctx = app.0.ctx.clone();
    let digest: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let etag = format!("\"{digest}\"");
    let outcome = tokio::task::spawn_blocking(move || {
        crate::services::imports::upload(&ctx, &pool, &job, &signature, &bytes)
    })
    .await;
    let s3_error = |status: StatusCode, code: &str, message: &str| {
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
        );
        let mut resp = (status, xml).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml"),
        );
        resp
    };
    match outcome {
        Ok(Ok(())) => {
            let mut resp = StatusCode::OK.into_response();
            if let Ok(v) = HeaderValue::from_str(&etag) {
                resp.headers_mut().insert(header::ETAG, v);
            }
            resp
        }
        Ok(Err(UploadRefused::NoSuchJob)) => s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        ),
        Ok(Err(UploadRefused::Denied)) => {
            s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Access Denied")
        }
        Ok(Err(UploadRefused::TooLarge)) => s3_error(
            StatusCode::BAD_REQUEST,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
        ),
        Ok(Err(UploadRefused::Failed(e))) => error_response(&e),
        Err(_) => error_response(&ApiError::internal("internal error")),
    }
}

/// Decodes `%XX` and `+` of a query value (invalid escapes are kept as they are).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if bytes.len() >= i + 3
                && hex(bytes[i + 1]).is_some()
                && hex(bytes[i + 2]).is_some() =>
            {
                let hi = hex(bytes[i + 1]).unwrap_or(0);
                let lo = hex(bytes[i + 2]).unwrap_or(0);
                out.push((hi * 16 + lo) as u8);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn health() -> Response {
    json_response(StatusCode::OK, "application/json", &json!({"status": "ok"}))
}

async fn pool_document(
    ctx: Arc<Ctx>,
    pool_id: String,
    render: fn(&Ctx, &crate::model::UserPool) -> Result<Value, ApiError>,
) -> Response {
    let outcome = tokio::task::spawn_blocking(move || {
        let pool = ctx.pool(&pool_id)?;
        render(&ctx, &pool)
    })
    .await;
    match outcome {
        Ok(Ok(v)) => json_response(StatusCode::OK, "application/json", &v),
        Ok(Err(e)) if e.kind.name() == "ResourceNotFoundException" => json_response(
            StatusCode::NOT_FOUND,
            "application/json",
            &json!({"message": e.message}),
        ),
        Ok(Err(e)) => error_response(&e),
        Err(_) => error_response(&ApiError::internal("internal error")),
    }
}

async fn jwks(State(ctx): State<Arc<Ctx>>, Path(pool): Path<String>) -> Response {
    pool_document(ctx, pool, |ctx, pool| Ok(ctx.pool_keys(pool)?.jwks())).await
}

async fn openid(State(ctx): State<Arc<Ctx>>, Path(pool): Path<String>) -> Response {
    pool_document(ctx, pool, |ctx, pool| {
        let domain = crate::services::oauth::domains::of_pool(ctx, &pool.id)?;
        let endpoints = domain.map(|_| crate::http::endpoints_base(ctx, &pool.id));
        Ok(crate::tokens::openid_configuration(
            &ctx.issuer_for(&pool.id),
            endpoints.as_deref(),
        ))
    })
    .await
}
