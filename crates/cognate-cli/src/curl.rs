//! `cognate curl`: one HTTP request with the profile's token in the header the API expects; on
//! a 401 the tokens are refreshed once and the request sent again.

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::Args;
use cognate_client::Authenticator;
use reqwest::Method;

use crate::connection::ConnectionArgs;
use crate::error::{CliError, Result};
use crate::exit::Exit;
use crate::output::Ui;
use crate::session::{Session, Style, client_error, runtime};

/// `cognate curl`.
#[derive(Args, Debug)]
pub struct CurlArgs {
    /// The URL.
    url: String,
    /// Header style [default: the profile's header_style, else access].
    #[arg(long, value_enum, value_name = "STYLE")]
    style: Option<Style>,
    /// Also send `x-api-key: KEY` [env: COGNATE_API_KEY].
    #[arg(
        long,
        value_name = "KEY",
        env = "COGNATE_API_KEY",
        hide_env_values = true
    )]
    api_key: Option<String>,
    /// HTTP method [default: GET, POST with a body].
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    method: Option<String>,
    /// An extra header, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// Request body; `@-` reads standard input, `@FILE` a file.
    #[arg(
        short = 'd',
        long = "data",
        value_name = "DATA",
        conflicts_with = "data_file"
    )]
    data: Option<String>,
    /// Request body from a file.
    #[arg(long, value_name = "FILE")]
    data_file: Option<PathBuf>,
    /// Show the status line and response headers on stderr.
    #[arg(short = 'i', long = "include")]
    include: bool,
    /// Exit 5 when the status is 400 or more.
    #[arg(long)]
    fail: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
}

fn body(args: &CurlArgs) -> Result<Option<Vec<u8>>> {
    if let Some(path) = &args.data_file {
        return std::fs::read(path)
            .map(Some)
            .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())));
    }
    match args.data.as_deref() {
        None => Ok(None),
        Some("@-") => {
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf)?;
            Ok(Some(buf))
        }
        Some(d) if d.starts_with('@') => std::fs::read(&d[1..])
            .map(Some)
            .map_err(|e| CliError::usage(format!("cannot read {}: {e}", &d[1..]))),
        Some(d) => Ok(Some(d.as_bytes().to_vec())),
    }
}

/// Runs `cognate curl`.
pub fn run(args: CurlArgs, ui: &Ui) -> Result<()> {
    let url = reqwest::Url::parse(&args.url)
        .map_err(|e| CliError::usage(format!("{:?} is not a URL: {e}", args.url)))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(CliError::usage(format!(
            "{:?} is not an http:// or https:// URL",
            args.url
        )));
    }
    let mut headers = reqwest::header::HeaderMap::new();
    for h in &args.headers {
        let (name, value) = h
            .split_once(':')
            .ok_or_else(|| CliError::usage(format!("-H {h:?}: expected `Name: value`")))?;
        let name = reqwest::header::HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| CliError::usage(format!("-H {h:?}: not a header name")))?;
        let value = reqwest::header::HeaderValue::from_str(value.trim())
            .map_err(|_| CliError::usage(format!("-H {h:?}: not a header value")))?;
        headers.append(name, value);
    }
    let body = body(&args)?;
    let method = match &args.method {
        Some(m) => Method::from_bytes(m.to_ascii_uppercase().as_bytes())
            .map_err(|_| CliError::usage(format!("-X {m:?} is not an HTTP method")))?,
        None if body.is_some() => Method::POST,
        None => Method::GET,
    };
    let session = Session::open(&args.connection)?;
    let style = match args.style {
        Some(s) => s,
        None => Style::from_profile(&session.connection)?.unwrap_or(Style::Access),
    };
    let source = session.source()?;
    let mut auth = Authenticator::new(source, style.header_style());
    if let Some(key) = &args.api_key {
        auth = auth.api_key(key.clone());
    }
    let http = reqwest::Client::builder()
        .user_agent(concat!("cognate/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| CliError::new(Exit::Failure, format!("cannot build the HTTP client: {e}")))?;
    let http = reqwest_middleware::ClientBuilder::new(http)
        .with(auth)
        .build();
    let mut request = http.request(method, url).headers(headers);
    if let Some(b) = body {
        request = request.body(b);
    }
    let rt = runtime()?;
    let (status, version, response_headers, bytes) = rt.block_on(async {
        let response = request.send().await.map_err(request_error)?;
        let status = response.status();
        let version = response.version();
        let response_headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(|e| {
            CliError::new(Exit::Network, format!("reading the response failed: {e}"))
        })?;
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
    let mut out = std::io::stdout().lock();
    out.write_all(&bytes)?;
    out.flush()?;
    if args.fail && status.as_u16() >= 400 {
        return Err(CliError::new(
            Exit::Http,
            format!("HTTP {status} from {}", args.url),
        ));
    }
    if status == reqwest::StatusCode::UNAUTHORIZED {
        ui.status("the API answered 401 even after refreshing the tokens once");
    }
    Ok(())
}

fn request_error(e: reqwest_middleware::Error) -> CliError {
    match e {
        reqwest_middleware::Error::Middleware(e) => match e.downcast::<cognate_client::Error>() {
            Ok(e) => client_error(e),
            Err(e) => CliError::new(Exit::Failure, format!("{e:#}")),
        },
        reqwest_middleware::Error::Reqwest(e) => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                text.push_str(&format!(": {s}"));
                source = s.source();
            }
            CliError::new(Exit::Network, text)
        }
    }
}
