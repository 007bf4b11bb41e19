//! `cognate decode`: a token's header and claims, shown without verifying anything.

use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use crate::error::CliError;
use crate::exit::Exit;
use crate::output::{Output, Ui, print_json};

/// Arguments of `cognate decode`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  cognate decode \"$TOKEN\"
  pbpaste | cognate decode -
  cognate decode -o json \"$TOKEN\" | jq -r .claims.sub")]
pub struct DecodeArgs {
    /// The token (a JWT), or `-` to read it from standard input.
    pub token: String,
}

/// A JWT split into its decoded header and claims.
#[derive(Debug, PartialEq)]
pub struct Decoded {
    /// The JOSE header.
    pub header: Map<String, Value>,
    /// The claims.
    pub claims: Map<String, Value>,
}

/// Runs `cognate decode`: the header and claims on stdout (pretty JSON), and on stderr a line
/// saying that nothing was verified and when the token expires.
pub fn run(args: DecodeArgs, ui: &Ui) -> crate::error::Result<()> {
    let as_json = match ui.output {
        Output::Text => false,
        Output::Json => true,
        Output::Env => return Err(ui.unsupported("decode", &[Output::Text, Output::Json])),
    };
    let token = read_token(&args.token)?;
    let decoded = decode(&token).map_err(|e| CliError::from(e).exit_with(Exit::InvalidToken))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    if as_json {
        let exp = decoded.claims.get("exp").and_then(Value::as_i64);
        print_json(&json!({
            "verified": false,
            "header": decoded.header,
            "claims": decoded.claims,
            "expires_in": exp.map(|exp| exp - now),
        }))?;
    } else {
        print_json(&json!({ "header": decoded.header, "claims": decoded.claims }))?;
        ui.status(&summary(&decoded, now));
    }
    Ok(())
}

/// The token argument, or standard input for `-` (surrounding whitespace and a `Bearer `
/// prefix removed).
pub fn read_token(arg: &str) -> crate::error::Result<String> {
    let token = if arg == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading the token from standard input")?;
        s
    } else {
        arg.to_owned()
    };
    let token = token.trim();
    let token = token.strip_prefix("Bearer ").unwrap_or(token).trim();
    if token.is_empty() {
        return Err(CliError::usage("no token given")
            .hint("pass the token as the argument, or `-` to read it from standard input"));
    }
    Ok(token.to_owned())
}

/// Splits and decodes a JWT. Refresh tokens (Cognito's are encrypted, five parts) and anything
/// that is not a JWT get an error saying what the input looks like.
pub fn decode(token: &str) -> Result<Decoded> {
    let token = token.trim();
    let token = token.strip_prefix("Bearer ").unwrap_or(token).trim();
    if token.is_empty() {
        bail!("no token given: pass one as the argument, or `-` to read it from standard input");
    }
    if token.starts_with("cognate.rt.") {
        bail!(
            "this is a refresh token of `cognate serve`: opaque, only the server that issued it can read it"
        );
    }
    let parts: Vec<&str> = token.split('.').collect();
    match parts.len() {
        3 => {}
        5 => bail!(
            "this is an encrypted token (five parts, JWE) — a Cognito refresh token: opaque, only Cognito can read it"
        ),
        1 if token.len() >= 40 => bail!(
            "this is not a JWT but an opaque token (no dots) — a refresh token? Only its issuer can read it"
        ),
        n => bail!("this is not a JWT: expected three dot-separated parts, found {n}"),
    }
    let part = |i: usize, name: &str| -> Result<Map<String, Value>> {
        let bytes = URL_SAFE_NO_PAD
            .decode(parts[i].trim_end_matches('='))
            .with_context(|| format!("the {name} is not base64url"))?;
        match serde_json::from_slice(&bytes).with_context(|| format!("the {name} is not JSON"))? {
            Value::Object(map) => Ok(map),
            _ => bail!("the {name} is not a JSON object"),
        }
    };
    Ok(Decoded {
        header: part(0, "header")?,
        claims: part(1, "payload")?,
    })
}

/// One line for a person: what the token is and when it expires, and that nothing was checked.
pub fn summary(d: &Decoded, now: i64) -> String {
    let c = &d.claims;
    let kind = match c.get("token_use").and_then(Value::as_str) {
        Some("access") => "access token",
        Some("id") => "ID token",
        _ => "token",
    };
    let mut line = format!("NOT VERIFIED (decoded only): {kind}");
    if let Some(who) = c
        .get("username")
        .or_else(|| c.get("cognito:username"))
        .and_then(Value::as_str)
    {
        line.push_str(&format!(" of {who}"));
    }
    if let Some(iss) = c.get("iss").and_then(Value::as_str) {
        line.push_str(&format!(", issued by {iss}"));
    }
    match c.get("exp").and_then(Value::as_i64) {
        Some(exp) if exp > now => line.push_str(&format!("; expires in {}", words(exp - now))),
        Some(exp) => line.push_str(&format!("; EXPIRED {} ago", words(now - exp))),
        None => line.push_str("; no expiry (exp) claim"),
    }
    line
}

/// A duration in words: "45 s", "43 min", "2 h 5 min", "3 days 4 h".
pub fn words(secs: i64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{secs} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (1, 0, _) => "1 day".to_owned(),
        (d, 0, _) => format!("{d} days"),
        (d, h, _) => format!("{d} day{} {h} h", if d == 1 { "" } else { "s" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(header: &str, claims: &str) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn decodes_header_and_claims() {
        let t = jwt(
            r#"{"alg":"RS256","kid":"k1"}"#,
            r#"{"token_use":"access","username":"bob","exp":100}"#,
        );
        let d = decode(&t).unwrap();
        assert_eq!(d.header["kid"], "k1");
        assert_eq!(d.claims["username"], "bob");
        assert_eq!(decode(&format!("Bearer {t}\n")).unwrap(), d);
    }

    #[test]
    fn says_what_is_wrong() {
        let err = |s: &str| decode(s).unwrap_err().to_string();
        assert!(err("").contains("no token given"));
        assert!(err("a.b.c.d.e").contains("refresh token"));
        assert!(err("cognate.rt.3ihxWsS-EV8n4QfPeM").contains("opaque"));
        assert!(err(&"x".repeat(64)).contains("opaque"));
        assert!(err("abc").contains("found 1"));
        assert!(err("!!.e30.x").contains("header is not base64url"));
        assert!(err(&jwt("{}", "[1]")).contains("payload is not a JSON object"));
        assert!(err(&jwt("{}", "{")).contains("payload is not JSON"));
    }

    #[test]
    fn summary_states_nothing_was_verified_and_the_expiry() {
        let d = decode(&jwt(
            "{}",
            r#"{"token_use":"id","cognito:username":"ann","exp":4000,"iss":"http://x/p"}"#,
        ))
        .unwrap();
        assert_eq!(
            summary(&d, 1420),
            "NOT VERIFIED (decoded only): ID token of ann, issued by http://x/p; expires in 43 min"
        );
        assert!(summary(&d, 4000 + 7500).ends_with("EXPIRED 2 h 5 min ago"));
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(words(45), "45 s");
        assert_eq!(words(3600), "1 h");
        assert_eq!(words(86_400 * 30), "30 days");
        assert_eq!(words(86_400 + 7200), "1 day 2 h");
    }
}
