//! `cognate verify`: checks a token's signature and every Cognito claim with `cognate-verify`;
//! exit 0 only when it is valid, otherwise one line naming the check that failed.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, ValueEnum};
use cognate_verify::{Claims, CognitoJwtVerifier, TokenUse, UserPool, VerifyError};
use serde_json::{Value, json};

use crate::connection::{self, Connection, ConnectionArgs};
use crate::decode::{read_token, words};
use crate::error::{CliError, Result};
use crate::exit::Exit;
use crate::output::{Output, Ui, env_line, print_json};
use crate::profile::config_path;

/// Options of `cognate verify`.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  cognate verify --user-pool-id us-east-1_AbC123xyZ --client-id 4k9example \"$TOKEN\"
  cognate verify --token-use id -o json - < id-token.txt
  cognate verify --endpoint http://127.0.0.1:9229 --user-pool-id us-east-1_Local1 \"$TOKEN\"")]
pub struct VerifyArgs {
    /// The token (a JWT), or `-` to read it from standard input.
    token: String,
    /// User pool that issued the token [env: COGNATE_USER_POOL_ID].
    ///
    /// Also read from the profile. Tokens are checked against
    /// https://cognito-idp.{region}.amazonaws.com/{pool id}, unless an endpoint or --issuer says
    /// otherwise.
    #[arg(long, value_name = "ID")]
    user_pool_id: Option<String>,
    /// App client the token must belong to [env: COGNATE_CLIENT_ID].
    ///
    /// Also read from the profile. Without one, tokens of any app client of the pool are
    /// accepted, and the output says so.
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// Which token to accept [default: either].
    #[arg(long, value_enum, value_name = "KIND")]
    token_use: Option<Use>,
    /// Fetch the keys from this URL instead of `{issuer}/.well-known/jwks.json`.
    #[arg(long, value_name = "URL")]
    jwks_url: Option<String>,
    /// Accept exactly this issuer (`iss`) instead of Cognito's.
    ///
    /// With an endpoint (--endpoint, COGNATE_ENDPOINT or the profile) the default is
    /// `{endpoint}/{user pool id}`, as `cognate serve` issues them.
    #[arg(long, value_name = "URL")]
    issuer: Option<String>,
    /// Endpoint of a local Cognito such as `cognate serve` [env: COGNATE_ENDPOINT].
    ///
    /// An empty value (--endpoint '') means AWS, whatever the environment or profile say.
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// Profile to read the user pool, app client and endpoint from [env: COGNATE_PROFILE].
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Use {
    /// Access tokens only.
    Access,
    /// ID tokens only.
    Id,
}

/// Runs `cognate verify`.
pub fn run(args: VerifyArgs, ui: &Ui) -> Result<()> {
    let token = read_token(&args.token)?;
    let conn = Connection::resolve(
        &ConnectionArgs {
            profile: args.profile.clone(),
            user_pool_id: args.user_pool_id.clone(),
            client_id: args.client_id.clone(),
            endpoint: args.endpoint.clone(),
            ..ConnectionArgs::default()
        },
        &connection::process_env,
        &config_path()?,
    )?;
    let pool = user_pool(&args, &conn, &token)?;
    let client = conn.client_id.as_ref().map(|c| c.value.clone());
    let pool = match &client {
        Some(id) => pool.client_id(id.clone()),
        None => pool.any_client(),
    };
    let mut builder = CognitoJwtVerifier::builder().user_pool(pool);
    builder = match args.token_use {
        Some(Use::Access) => builder.token_use(TokenUse::Access),
        Some(Use::Id) => builder.token_use(TokenUse::Id),
        None => builder.any_token_use(),
    };
    let verifier = builder.build().map_err(config_error)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            CliError::new(
                Exit::Failure,
                format!("cannot start the async runtime: {e}"),
            )
        })?;
    let now = now();
    match runtime.block_on(verifier.verify(&token)) {
        Ok(claims) => report_valid(&claims, client.is_none(), now, ui),
        Err(e) => {
            if ui.output == Output::Json && !e.is_unavailable() {
                print_json(
                    &json!({ "valid": false, "check": e.check(), "reason": detail(&e, now) }),
                )?;
            }
            let err = invalid(&e, now);
            match (&e, &conn.endpoint) {
                (VerifyError::Issuer { .. }, Some(endpoint)) if args.issuer.is_none() => Err(err
                    .hint(format!(
                        "with the endpoint {} (from {}) only tokens of that server are accepted; \
                         pass --endpoint '' for a token of AWS, or --issuer",
                        endpoint.value, endpoint.source
                    ))),
                _ => Err(err),
            }
        }
    }
}

/// The pool to check against: an explicit issuer, `{endpoint}/{pool}` for a local server, or the
/// Cognito pool itself.
fn user_pool(args: &VerifyArgs, conn: &Connection, token: &str) -> Result<UserPool> {
    let pool = if let Some(issuer) = &args.issuer {
        UserPool::from_issuer(issuer.clone())
    } else {
        if conn.user_pool_id.is_none() {
            let hint = match unverified_issuer(token) {
                Some(iss) => format!(
                    "say which user pool to trust with --user-pool-id or --issuer; the token claims to come from {iss}"
                ),
                None => "say which user pool to trust with --user-pool-id or --issuer".to_owned(),
            };
            return Err(CliError::usage("no user pool id").hint(hint));
        }
        let id = conn.require_user_pool_id()?;
        match &conn.endpoint {
            Some(endpoint) => {
                let issuer = format!("{}/{id}", endpoint.value.trim_end_matches('/'));
                tracing::info!(
                    "accepting issuer {issuer} (endpoint from {})",
                    endpoint.source
                );
                UserPool::from_issuer(issuer)
            }
            None => UserPool::new(id).map_err(config_error)?,
        }
    };
    Ok(match &args.jwks_url {
        Some(url) => pool.jwks_url(url.clone()),
        None => pool,
    })
}

/// The `iss` the token claims, for a hint (never trusted).
fn unverified_issuer(token: &str) -> Option<String> {
    let decoded = crate::decode::decode(token).ok()?;
    decoded.claims.get("iss")?.as_str().map(str::to_owned)
}

fn config_error(e: VerifyError) -> CliError {
    let message = e.to_string();
    CliError::usage(
        message
            .strip_prefix("config: ")
            .unwrap_or(&message)
            .to_owned(),
    )
}

/// What went wrong, without the check's name, times in words.
fn detail(e: &VerifyError, now: i64) -> String {
    match e {
        VerifyError::Expired { exp, .. } => format!("the token expired {} ago", words(now - exp)),
        VerifyError::NotYetValid { nbf, .. } => {
            format!("the token is not valid for another {}", words(nbf - now))
        }
        _ => {
            let full = e.to_string();
            full.strip_prefix(&format!("{}: ", e.check()))
                .unwrap_or(&full)
                .to_owned()
        }
    }
}

/// One line naming the failed check, in words, with a hint where one helps.
fn invalid(e: &VerifyError, now: i64) -> CliError {
    let check = e.check();
    let detail = detail(e, now);
    if e.is_unavailable() {
        return CliError::new(Exit::Network, format!("cannot check the token: {detail}"))
            .hint("check the network, --endpoint or --jwks-url");
    }
    let err = CliError::new(
        Exit::InvalidToken,
        format!("invalid token: the `{check}` check failed: {detail}"),
    );
    match e {
        VerifyError::Issuer { .. } => err.hint(
            "the token comes from another user pool or server: pass its --user-pool-id, or --issuer",
        ),
        VerifyError::ClientId { .. } => {
            err.hint("the token was issued to another app client: pass its --client-id")
        }
        VerifyError::TokenUse { .. } => err.hint("pass --token-use with the kind of this token"),
        VerifyError::UnknownKid { .. } | VerifyError::Signature => {
            err.hint("the token was not signed by this user pool's keys")
        }
        _ => err,
    }
}

fn report_valid(claims: &Claims, any_client: bool, now: i64, ui: &Ui) -> Result<()> {
    let kind = match claims.token_use() {
        TokenUse::Access => "access",
        TokenUse::Id => "id",
    };
    let user = claims
        .username()
        .or_else(|| claims.str_claim("cognito:username"))
        .unwrap_or_else(|| claims.subject());
    let exp = claims.expires_at();
    match ui.output {
        Output::Text => {
            let kind = if kind == "id" { "ID" } else { "access" };
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "valid {kind} token of {user}, app client {}, issued by {}; expires in {}",
                claims.client_id(),
                claims.issuer(),
                words(exp - now)
            )?;
            if any_client {
                ui.status("note: the app client was not checked (no --client-id)");
            }
        }
        Output::Json => print_json(&json!({
            "valid": true,
            "token_use": kind,
            "client_checked": !any_client,
            "claims": Value::Object(claims.as_json().clone()),
        }))?,
        Output::Env => {
            let groups: Vec<_> = claims.groups().collect();
            let mut out = std::io::stdout().lock();
            for (key, value) in [
                ("COGNATE_TOKEN_USE", kind.to_owned()),
                ("COGNATE_TOKEN_SUB", claims.subject().to_owned()),
                ("COGNATE_TOKEN_USERNAME", user.to_owned()),
                ("COGNATE_TOKEN_CLIENT_ID", claims.client_id().to_owned()),
                ("COGNATE_TOKEN_ISSUER", claims.issuer().to_owned()),
                ("COGNATE_TOKEN_GROUPS", groups.join(" ")),
                ("COGNATE_TOKEN_EXPIRES_AT", exp.to_string()),
            ] {
                writeln!(out, "{}", env_line(key, &value))?;
            }
        }
    }
    Ok(())
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_name_the_check_in_words() {
        let e = invalid(
            &VerifyError::Expired {
                exp: 1000,
                now: 1000 + 7500,
            },
            1000 + 7500,
        );
        assert_eq!(e.exit(), Exit::InvalidToken);
        assert_eq!(
            e.to_string(),
            "invalid token: the `exp` check failed: the token expired 2 h 5 min ago"
        );
        let e = invalid(&VerifyError::Signature, 0);
        assert_eq!(
            e.to_string(),
            "invalid token: the `signature` check failed: the RS256 signature does not verify"
        );
        let e = invalid(
            &VerifyError::JwksFetch {
                issuer: "http://x".into(),
                reason: "refused".into(),
            },
            0,
        );
        assert_eq!(e.exit(), Exit::Network);
    }
}
