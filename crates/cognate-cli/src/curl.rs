//! `cognate curl` and `cognate graphql`: one HTTP request with the profile's token in the header
//! the API expects; on a 401 the tokens are refreshed once and the request sent again.
//!
//! A body that is JSON goes out as `Content-Type: application/json` (as `gh api` does), other
//! `-d` bodies as curl sends them (`application/x-www-form-urlencoded`), unless `-H` says
//! otherwise. `--json`, `-f`/`-F` fields and `cognate graphql` build JSON bodies. `--fail` is
//! curl's: on a status of 400 or more nothing is written to stdout and the exit status is 5
//! (`--fail-with-body` writes the body first).
//!
//! A token in `COGNATE_ACCESS_TOKEN` (or `COGNATE_ID_TOKEN` for the ID-token header styles) is
//! sent as it is, with no profile, login or refresh: for scripts that got it elsewhere.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use cognate_client::Authenticator;
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value};

use crate::connection::{ConnectionArgs, process_env};
use crate::error::{CliError, Result};
use crate::exit::Exit;
use crate::machine::Machine;
use crate::output::{Output, Ui};
use crate::session::{Session, Style, runtime};

/// `cognate curl`.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  cognate curl https://api.example.com/v1/me
  cognate curl --json '{\"name\":\"x\"}' https://api.example.com/v1/items
  cognate curl -f name=x -F count=3 https://api.example.com/v1/items    # {\"name\":\"x\",\"count\":3}
  cognate curl --header-style id -d @query.json https://api.example.com/graphql")]
pub struct CurlArgs {
    /// The URL.
    url: String,
    /// Request body; `@-` reads standard input, `@FILE` a file. Sent as application/json when
    /// it is JSON.
    #[arg(
        short = 'd',
        long = "data",
        value_name = "DATA",
        conflicts_with_all = ["data_file", "json"]
    )]
    data: Option<String>,
    /// Request body from a file.
    #[arg(long, value_name = "FILE", conflicts_with = "json")]
    data_file: Option<PathBuf>,
    /// A JSON body (`@FILE`, `@-` as for -d), with `Content-Type` and `Accept: application/json`.
    #[arg(long, value_name = "JSON")]
    json: Option<String>,
    /// A string field of a JSON body (`key=value`; repeatable); query parameters with -X GET.
    #[arg(
        short = 'f',
        long = "raw-field",
        value_name = "KEY=VALUE",
        conflicts_with_all = ["data", "data_file", "json"]
    )]
    raw_fields: Vec<String>,
    /// A typed field: true, false, null and numbers as JSON, `@FILE` a file's text (repeatable).
    #[arg(
        short = 'F',
        long = "field",
        value_name = "KEY=VALUE",
        conflicts_with_all = ["data", "data_file", "json"]
    )]
    fields: Vec<String>,
    /// HTTP method [default: GET, POST with a body].
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    method: Option<String>,
    #[command(flatten)]
    request: RequestArgs,
}

/// What `curl` and `graphql` share.
#[derive(Args, Debug)]
pub struct RequestArgs {
    /// How the token is sent: access (`Authorization: <access token>`), bearer, id
    /// (`authorization: <ID token>`) or security-token (`X-Amz-Cognito-Security-Token`)
    /// [default: the profile's header_style, else access (graphql: id)].
    #[arg(long = "header-style", alias = "style", value_name = "STYLE", value_parser = crate::session::parse_style)]
    pub style: Option<Style>,
    /// Also send `x-api-key: KEY`.
    #[arg(
        long,
        value_name = "KEY",
        env = "COGNATE_API_KEY",
        hide_env_values = true
    )]
    pub api_key: Option<String>,
    /// An extra header, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// Show the status line and response headers on stderr.
    #[arg(short = 'i', long = "include")]
    pub include: bool,
    /// On a status of 400 or more write nothing to stdout and exit 5 (curl's --fail).
    #[arg(long, conflicts_with = "fail_with_body")]
    pub fail: bool,
    /// Like --fail, but write the body first.
    #[arg(long)]
    pub fail_with_body: bool,
    /// Give up after this many seconds (exit 4).
    #[arg(short = 'm', long, value_name = "SECONDS")]
    pub max_time: Option<f64>,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// A body read from `DATA`, `@FILE` or `@-`.
fn read_data(d: &str) -> Result<Vec<u8>> {
    match d {
        "@-" => {
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf)?;
            Ok(buf)
        }
        d if d.starts_with('@') => std::fs::read(&d[1..])
            .map_err(|e| CliError::usage(format!("cannot read {}: {e}", &d[1..]))),
        d => Ok(d.as_bytes().to_vec()),
    }
}

/// `key=value` fields as a JSON object; `typed` turns true, false, null and numbers into JSON
/// and `@FILE` into the file's text.
pub fn fields(raw: &[String], typed: &[String]) -> Result<Map<String, Value>> {
    let mut map = Map::new();
    let split = |f: &str| -> Result<(String, String)> {
        f.split_once('=')
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .ok_or_else(|| {
                CliError::usage(format!("field {f:?}: expected key=value"))
                    .hint("e.g. -f name=x, or -F count=3 for a number")
            })
    };
    for f in raw {
        let (k, v) = split(f)?;
        map.insert(k, Value::String(v));
    }
    for f in typed {
        let (k, v) = split(f)?;
        let value = match v.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            s if s.starts_with('@') => {
                Value::String(String::from_utf8_lossy(&read_data(s)?).into_owned())
            }
            s => match s.parse::<serde_json::Number>() {
                Ok(n) => Value::Number(n),
                Err(_) => Value::String(s.to_owned()),
            },
        };
        map.insert(k, value);
    }
    Ok(map)
}

/// Runs `cognate curl`.
pub fn run(args: CurlArgs, ui: &Ui) -> Result<()> {
    if ui.output != Output::Text {
        return Err(ui
            .unsupported("curl", &[Output::Text])
            .hint("`cognate curl` writes the response body as it came; leave out --output"));
    }
    let mut url = parse_url(&args.url)?;
    let mut extra = HeaderMap::new();
    let fields = fields(&args.raw_fields, &args.fields)?;
    let explicit_get = args
        .method
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case("GET"));
    let body = if let Some(path) = &args.data_file {
        Some(
            std::fs::read(path)
                .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?,
        )
    } else if let Some(d) = &args.data {
        Some(read_data(d)?)
    } else if let Some(j) = &args.json {
        let bytes = read_data(j)?;
        serde_json::from_slice::<Value>(&bytes).map_err(|e| {
            CliError::usage(format!("--json: not JSON: {e}"))
                .hint("--json takes a JSON document; use -d for other bodies")
        })?;
        extra.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        extra.insert(ACCEPT, HeaderValue::from_static("application/json"));
        Some(bytes)
    } else if fields.is_empty() {
        None
    } else if explicit_get {
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in &fields {
                match v {
                    Value::String(s) => q.append_pair(k, s),
                    other => q.append_pair(k, &other.to_string()),
                };
            }
        }
        None
    } else {
        Some(serde_json::to_vec(&Value::Object(fields))?)
    };
    let method = match &args.method {
        Some(m) => Method::from_bytes(m.to_ascii_uppercase().as_bytes())
            .map_err(|_| CliError::usage(format!("-X {m:?} is not an HTTP method")))?,
        None if body.is_some() => Method::POST,
        None => Method::GET,
    };
    send(
        &args.request,
        Request {
            url: &args.url,
            parsed: url,
            method,
            body,
            headers: extra,
            default_style: Style::Access,
        },
        ui,
    )
    .map(|_| ())
}

/// A URL that must be http(s).
pub fn parse_url(text: &str) -> Result<reqwest::Url> {
    let url = reqwest::Url::parse(text)
        .map_err(|e| CliError::usage(format!("{text:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(CliError::usage(format!(
            "{text:?} is not an http:// or https:// URL"
        )));
    }
    Ok(url)
}

/// One request to send.
pub struct Request<'a> {
    /// The URL as given (for messages).
    pub url: &'a str,
    /// The URL to call.
    pub parsed: reqwest::Url,
    /// The method.
    pub method: Method,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
    /// Headers the command sets (the user's -H win).
    pub headers: HeaderMap,
    /// The header style when neither a flag nor the profile names one.
    pub default_style: Style,
}

fn user_headers(list: &[String]) -> Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    for h in list {
        let (name, value) = h.split_once(':').ok_or_else(|| {
            CliError::usage(format!("-H {h:?}: expected `Name: value`"))
                .hint("e.g. -H 'Accept: application/json'")
        })?;
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| CliError::usage(format!("-H {h:?}: not a header name")))?;
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| CliError::usage(format!("-H {h:?}: not a header value")))?;
        headers.append(name, value);
    }
    Ok(headers)
}

/// The headers of a profile that signs in at an OpenID provider: its access token (or ID
/// token, for the ID header styles), fresh, and the API key.
fn oidc_headers(
    oidc: &crate::oidc_profile::OidcProfile,
    style: Style,
    api_key: Option<&str>,
    headers: &mut HeaderMap,
) -> Result<()> {
    let tokens = oidc.tokens()?;
    let value = match style {
        Style::Access => tokens.access_token().to_owned(),
        Style::Bearer => format!("Bearer {}", tokens.access_token()),
        Style::Id | Style::SecurityToken => {
            tokens.id_token().map(str::to_owned).ok_or_else(|| {
                CliError::new(Exit::Auth, "the provider sent no ID token")
                    .hint("use --header-style access or bearer")
            })?
        }
    };
    let value = HeaderValue::from_str(&value)
        .map_err(|_| CliError::new(Exit::Auth, "the token is not a usable header value"))?;
    let name = HeaderName::from_static(match style {
        Style::SecurityToken => "x-amz-cognito-security-token",
        _ => "authorization",
    });
    headers.insert(name, value);
    if let Some(key) = api_key {
        let v = HeaderValue::from_str(key)
            .map_err(|_| CliError::usage("the API key is not a usable header value"))?;
        headers.insert(HeaderName::from_static("x-api-key"), v);
    }
    Ok(())
}

/// A token from the environment, for this style: `COGNATE_ACCESS_TOKEN` or `COGNATE_ID_TOKEN`.
fn token_from_env(style: Style) -> Option<(String, &'static str)> {
    let var = match style {
        Style::Access | Style::Bearer => "COGNATE_ACCESS_TOKEN",
        Style::Id | Style::SecurityToken => "COGNATE_ID_TOKEN",
    };
    process_env(var).map(|t| (t, var))
}

/// Sends the request, writes the body to stdout (and the head to stderr with -i), and applies
/// --fail; the body.
pub fn send(args: &RequestArgs, req: Request<'_>, ui: &Ui) -> Result<Vec<u8>> {
    let mut headers = req.headers;
    let given = user_headers(&args.headers)?;
    for name in given.keys() {
        headers.remove(name);
    }
    headers.extend(given);
    if let Some(body) = &req.body
        && !headers.contains_key(CONTENT_TYPE)
    {
        let kind = if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(kind));
    }
    let mut http =
        reqwest::Client::builder().user_agent(concat!("cognate/", env!("CARGO_PKG_VERSION")));
    if let Some(secs) = args.max_time {
        let d = Duration::try_from_secs_f64(secs)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                CliError::usage(format!(
                    "--max-time {secs}: not a positive number of seconds"
                ))
            })?;
        http = http.timeout(d);
    }
    let http = http
        .build()
        .map_err(|e| CliError::new(Exit::Failure, format!("cannot build the HTTP client: {e}")))?;

    // A token from the environment (for the flag's style, else the command's default) is sent
    // as it is; otherwise the profile's tokens, in the flag's or the profile's style.
    let env_style = args.style.unwrap_or(req.default_style);
    let env_token = token_from_env(env_style);
    let machine = match env_token {
        Some(_) => None,
        None => Machine::open(&args.connection)?,
    };
    let oidc = match (&env_token, &machine) {
        (None, None) => crate::oidc_profile::OidcProfile::open(&args.connection)?,
        _ => None,
    };
    if let Some(oidc) = &oidc {
        let style = match args.style {
            Some(s) => s,
            None => Style::from_profile(&oidc.connection)?.unwrap_or(req.default_style),
        };
        oidc_headers(oidc, style, args.api_key.as_deref(), &mut headers)?;
    }
    let (client, session) = match (env_token, machine) {
        // A profile at an OpenID provider: its token (refreshed first if needed) is in headers.
        (None, None) if oidc.is_some() => {
            (reqwest_middleware::ClientBuilder::new(http).build(), None)
        }
        (Some((token, var)), _) => {
            tracing::info!("using the token in {var}");
            let value = match env_style {
                Style::Bearer => format!("Bearer {token}"),
                _ => token,
            };
            let value = HeaderValue::from_str(&value)
                .map_err(|_| CliError::usage(format!("{var} is not a usable header value")))?;
            let name = HeaderName::from_static(match env_style {
                Style::SecurityToken => "x-amz-cognito-security-token",
                _ => "authorization",
            });
            headers.insert(name, value);
            if let Some(key) = &args.api_key {
                let v = HeaderValue::from_str(key)
                    .map_err(|_| CliError::usage("the API key is not a usable header value"))?;
                headers.insert(HeaderName::from_static("x-api-key"), v);
            }
            (reqwest_middleware::ClientBuilder::new(http).build(), None)
        }
        (None, Some(machine)) => {
            let style = match args.style {
                Some(s) => s,
                None => Style::from_profile(&machine.connection)?.unwrap_or(req.default_style),
            };
            if matches!(style, Style::Id | Style::SecurityToken) {
                return Err(CliError::usage(format!(
                    "the {} header style sends an ID token, which an app client's token has none of",
                    style.name()
                ))
                .hint("use --header-style access or bearer"));
            }
            // A fresh token in the file first (one request for many processes), then a source
            // over the file for the request (and one renewal after a 401).
            machine.token()?;
            let source = machine.source(machine.store.clone())?;
            let mut auth = Authenticator::new(source, style.header_style());
            if let Some(key) = &args.api_key {
                auth = auth.api_key(key.clone());
            }
            (
                reqwest_middleware::ClientBuilder::new(http)
                    .with(auth)
                    .build(),
                None,
            )
        }
        (None, None) => {
            let session = Session::open(&args.connection)?;
            let style = match args.style {
                Some(s) => s,
                None => Style::from_profile(&session.connection)?.unwrap_or(req.default_style),
            };
            let (source, _) = session.source()?;
            let mut auth = Authenticator::new(source, style.header_style());
            if let Some(key) = &args.api_key {
                auth = auth.api_key(key.clone());
            }
            (
                reqwest_middleware::ClientBuilder::new(http)
                    .with(auth)
                    .build(),
                Some(session),
            )
        }
    };
    let mut request = client.request(req.method, req.parsed).headers(headers);
    if let Some(b) = req.body {
        request = request.body(b);
    }
    let rt = runtime()?;
    let url = req.url;
    let (status, version, response_headers, bytes) = rt.block_on(async {
        let response = request
            .send()
            .await
            .map_err(|e| request_error(e, url, session.as_ref()))?;
        let status = response.status();
        let version = response.version();
        let response_headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| transport(&e, url, "reading the response from"))?;
        Ok::<_, CliError>((status, version, response_headers, bytes))
    })?;
    if args.include {
        let mut err = std::io::stderr().lock();
        writeln!(err, "{version:?} {status}")?;
        for (name, value) in &response_headers {
            writeln!(err, "{name}: {}", String::from_utf8_lossy(value.as_bytes()))?;
        }
        writeln!(err)?;
    }
    let failed = status.as_u16() >= 400;
    if !(failed && args.fail) {
        let mut out = std::io::stdout().lock();
        out.write_all(&bytes)?;
        out.flush()?;
    }
    if failed && (args.fail || args.fail_with_body) {
        return Err(CliError::new(
            Exit::Http,
            format!("HTTP {status} from {url}"),
        ));
    }
    if status == reqwest::StatusCode::UNAUTHORIZED {
        ui.status("the API answered 401 even after refreshing the tokens once");
    }
    Ok(bytes.to_vec())
}

/// A failed request in one line; the chain behind -v.
fn transport(e: &reqwest::Error, url: &str, doing: &str) -> CliError {
    let mut chain = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        chain.push_str(&format!(": {s}"));
        source = s.source();
    }
    let lower = chain.to_ascii_lowercase();
    let why = if e.is_timeout() {
        "timed out".to_owned()
    } else if lower.contains("connection refused") {
        "connection refused".to_owned()
    } else if lower.contains("dns") || lower.contains("lookup") {
        "the host name does not resolve".to_owned()
    } else if lower.contains("certificate") || lower.contains("tls") {
        "TLS failed".to_owned()
    } else {
        "no answer".to_owned()
    };
    let hint = if e.is_timeout() {
        "raise --max-time, or check that the API is up"
    } else {
        "check the URL and that the API is up"
    };
    CliError::new(Exit::Network, format!("{doing} {url} failed: {why}"))
        .hint(hint)
        .cause(chain)
}

fn request_error(e: reqwest_middleware::Error, url: &str, session: Option<&Session>) -> CliError {
    match e {
        reqwest_middleware::Error::Middleware(e) => match e.downcast::<cognate_client::Error>() {
            Ok(e) => match session {
                Some(s) => s.error(e),
                None => crate::session::client_error(e),
            },
            Err(e) => CliError::new(Exit::Failure, format!("{e:#}")),
        },
        reqwest_middleware::Error::Reqwest(e) => transport(&e, url, "the request to"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_strings_or_typed() {
        let m = fields(
            &["name=x".into(), "n=3".into()],
            &[
                "count=3".into(),
                "ok=true".into(),
                "none=null".into(),
                "word=hi".into(),
            ],
        )
        .unwrap();
        assert_eq!(
            Value::Object(m),
            serde_json::json!({"name": "x", "n": "3", "count": 3, "ok": true, "none": null, "word": "hi"})
        );
        assert!(fields(&["novalue".into()], &[]).is_err());
    }
}
