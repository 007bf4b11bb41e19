//! `cognate graphql URL QUERY`: a GraphQL request (`POST {"query", "variables"}` as JSON) with
//! the profile's ID token in `authorization` (AppSync's header) unless a header style says
//! otherwise; everything else as `cognate curl`.

use clap::Args;
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde_json::{Value, json};

use crate::curl::{Request, RequestArgs, fields, parse_url, send};
use crate::error::{CliError, Result};
use crate::exit::Exit;
use crate::output::{Output, Ui};
use crate::session::Style;

/// `cognate graphql`.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  cognate graphql https://api.example.com/graphql '{ me { id } }'
  cognate graphql -F id=42 https://api.example.com/graphql 'query($id: ID!) { team(id: $id) { name } }'
  cognate graphql https://api.example.com/graphql @query.graphql")]
pub struct GraphqlArgs {
    /// The GraphQL endpoint.
    url: String,
    /// The query or mutation; `@FILE` reads a file, `-` standard input.
    query: String,
    /// A string variable, `name=value` (repeatable).
    #[arg(short = 'f', long = "raw-field", value_name = "NAME=VALUE")]
    raw_fields: Vec<String>,
    /// A typed variable: true, false, null and numbers as JSON, `@FILE` a file's text.
    #[arg(short = 'F', long = "field", value_name = "NAME=VALUE")]
    fields: Vec<String>,
    /// The operation to run, when the document has several.
    #[arg(long, value_name = "NAME")]
    operation_name: Option<String>,
    #[command(flatten)]
    request: RequestArgs,
}

/// Runs `cognate graphql`.
pub fn run(args: GraphqlArgs, ui: &Ui) -> Result<()> {
    if ui.output != Output::Text {
        return Err(ui
            .unsupported("graphql", &[Output::Text])
            .hint("the response is JSON already; leave out --output"));
    }
    let url = parse_url(&args.url)?;
    let query = match args.query.as_str() {
        "-" => std::io::read_to_string(std::io::stdin())?,
        q if q.starts_with('@') => std::fs::read_to_string(&q[1..])
            .map_err(|e| CliError::usage(format!("cannot read {}: {e}", &q[1..])))?,
        q => q.to_owned(),
    };
    let mut body = json!({ "query": query });
    let variables = fields(&args.raw_fields, &args.fields)?;
    if !variables.is_empty() {
        body["variables"] = Value::Object(variables);
    }
    if let Some(op) = &args.operation_name {
        body["operationName"] = json!(op);
    }
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    let answer = send(
        &args.request,
        Request {
            url: &args.url,
            parsed: url,
            method: Method::POST,
            body: Some(serde_json::to_vec(&body)?),
            headers,
            default_style: Style::Id,
        },
        ui,
    )?;
    if args.request.fail || args.request.fail_with_body {
        let errors = serde_json::from_slice::<Value>(&answer)
            .ok()
            .and_then(|v| v.get("errors").cloned())
            .and_then(|e| e.as_array().cloned())
            .unwrap_or_default();
        if let Some(first) = errors.first() {
            let what = first
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("(no message)");
            return Err(CliError::new(
                Exit::Http,
                format!(
                    "the GraphQL response from {} has {} error(s): {what}",
                    args.url,
                    errors.len()
                ),
            ));
        }
    }
    Ok(())
}
