//! The HTTP face: AWS JSON 1.1 on `POST /`, JWKS and OpenID discovery per pool, a health check.
//!
//! Every request body is read whole, parsed, and handed with its operation name to `ops`,
//! which blocks (SQLite, SRP maths and RSA signing): on a multi-thread runtime on the worker
//! itself (durable writes use `block_in_place`), on a current-thread runtime on the blocking
//! thread pool. Bad input never
//! yields a 500: malformed JSON and missing members are `InvalidParameterException`, unknown
//! operations `UnknownOperationException`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::ops::{self, Ctx};

const JSON_11: &str = "application/x-amz-json-1.1";
const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
/// Identity pools (`cognito-identity`), served on the same `POST /`.
const IDENTITY_TARGET_PREFIX: &str = "AWSCognitoIdentityService.";

pub(crate) fn router(ctx: Arc<Ctx>) -> Router {
    Router::new()
        .route("/", post(api))
        .route("/health", get(health))
        .route("/_cognate/outbox", get(outbox))
        .route("/{pool}/.well-known/jwks.json", get(jwks))
        .route("/{pool}/.well-known/openid-configuration", get(openid))
        .with_state(ctx)
}

fn json_response(status: StatusCode, content_type: &'static str, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

fn error_response(e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut resp = json_response(
        status,
        JSON_11,
        &json!({"__type": e.kind, "message": e.message}),
    );
    if let Ok(v) = HeaderValue::from_str(e.kind) {
        resp.headers_mut().insert("x-amzn-errortype", v);
    }
    resp
}

async fn api(State(ctx): State<Arc<Ctx>>, headers: HeaderMap, body: Bytes) -> Response {
    let request_id = crate::ids::uuid();
    let mut resp = match handle(ctx, &headers, body).await {
        Ok(v) => json_response(StatusCode::OK, JSON_11, &v),
        Err(e) => error_response(&e),
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    resp
}

async fn handle(ctx: Arc<Ctx>, headers: &HeaderMap, body: Bytes) -> Result<Value, ApiError> {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::new("UnknownOperationException", "Missing X-Amz-Target header"))?;
    type Dispatch = fn(&Ctx, &str, serde_json::Map<String, Value>) -> Result<Value, ApiError>;
    let (dispatch, op): (Dispatch, &str) = if let Some(op) = target.strip_prefix(TARGET_PREFIX) {
        (ops::call, op)
    } else if let Some(op) = target.strip_prefix(IDENTITY_TARGET_PREFIX) {
        (ops::identity::call, op)
    } else {
        return Err(ApiError::new(
            "UnknownOperationException",
            format!("Unknown operation {target}"),
        ));
    };
    let op = op.to_owned();
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::Map::new()
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err(ApiError::invalid("The request body must be a JSON object")),
            Err(e) => {
                return Err(ApiError::invalid(format!(
                    "The request body is not valid JSON: {e}"
                )));
            }
        }
    };
    tracing::debug!(op = %op, "request");
    // On a multi-thread runtime, run the operation right here on the worker: it is CPU work
    // (SRP maths, RSA signatures, SQLite reads from the page cache) of at most about a
    // millisecond, and handing it to another thread costs thread wake-ups that take more CPU
    // than a small operation. The one wait that can be long, a durable write, tells tokio
    // itself (`block_in_place` in the store), so other tasks go on meanwhile. A current-thread
    // runtime must not block its only thread, so there the operation goes to the blocking pool.
    if tokio::runtime::Handle::current().runtime_flavor()
        == tokio::runtime::RuntimeFlavor::MultiThread
    {
        let ran =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dispatch(&ctx, &op, body)));
        return ran.unwrap_or_else(|_| {
            tracing::error!("operation panicked");
            Err(ApiError::internal("internal error"))
        });
    }
    let outcome = tokio::task::spawn_blocking(move || dispatch(&ctx, &op, body)).await;
    match outcome {
        Ok(result) => result,
        Err(e) => {
            tracing::error!(error = %e, "operation panicked");
            Err(ApiError::internal("internal error"))
        }
    }
}

/// `GET /_cognate/outbox?pool=…&username=…&purpose=…`: the codes the server "sent".
async fn outbox(State(ctx): State<Arc<Ctx>>, uri: axum::http::Uri) -> Response {
    let mut filter = crate::outbox::Filter::default();
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
    match tokio::task::spawn_blocking(move || crate::outbox::list(&ctx, &filter)).await {
        Ok(Ok(v)) => json_response(StatusCode::OK, "application/json", &v),
        Ok(Err(e)) => error_response(&e),
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
        Ok(Err(e)) if e.kind == "ResourceNotFoundException" => json_response(
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
        Ok(crate::tokens::openid_configuration(
            &ctx.issuer_for(&pool.id),
        ))
    })
    .await
}
