//! `cognate aws-credentials`: temporary AWS credentials for the logged-in user, through an
//! identity pool (`GetId` + `GetCredentialsForIdentity` with the profile's ID token, refreshed
//! first when it is near expiry, as `cognate token` does), printed in the format of the AWS
//! CLI's and SDKs' `credential_process`:
//!
//! ```json
//! {"Version": 1, "AccessKeyId": "ASIA…", "SecretAccessKey": "…", "SessionToken": "…",
//!  "Expiration": "2025-01-01T13:00:00Z"}
//! ```
//!
//! so that `~/.aws/config` can say
//! `credential_process = cognate aws-credentials --profile work`. With `--output env` it prints
//! `export AWS_ACCESS_KEY_ID=…` lines instead.
//!
//! The identity pool id comes from `--identity-pool-id`, `COGNATE_IDENTITY_POOL_ID` or the
//! profile's `identity_pool_id`. The identity pool calls go to the same endpoint as the user
//! pool calls (`--endpoint`, …), so a local `cognate serve` answers both.

use std::time::SystemTime;

use clap::Args;
use cognate_client::IdentityPoolCredentials;
use cognate_client::sdk::identity::primitives::{DateTime, DateTimeFormat};
use serde_json::json;

use crate::connection::{ConnectionArgs, Source};
use crate::error::{CliError, Result};
use crate::exit::Exit;
use crate::output::{Output, Ui};
use crate::session::{Session, origin, runtime};

/// `cognate aws-credentials`.
#[derive(Args, Debug)]
pub struct AwsCredentialsArgs {
    /// Identity pool id, e.g. us-east-1:0b6c1c7e-1111-2222-3333-444455556666 [env:
    /// COGNATE_IDENTITY_POOL_ID] [profile key: identity_pool_id].
    #[arg(long, value_name = "ID")]
    identity_pool_id: Option<String>,
    #[command(flatten)]
    connection: ConnectionArgs,
}

const POOL_HINT: &str = "pass --identity-pool-id, set COGNATE_IDENTITY_POOL_ID, or save one with `cognate configure --identity-pool-id`";

/// Runs `cognate aws-credentials`.
pub fn run(args: AwsCredentialsArgs, ui: &Ui) -> Result<()> {
    let session = Session::open(&args.connection)?;
    let (pool, source) = match (&args.identity_pool_id, &session.connection.identity_pool_id) {
        (Some(id), _) if !id.is_empty() => (id.clone(), Source::Flag),
        (Some(_), _) => return Err(CliError::usage("no identity pool id").hint(POOL_HINT)),
        (None, Some(s)) => (s.value.clone(), s.source.clone()),
        (None, None) => return Err(CliError::usage("no identity pool id").hint(POOL_HINT)),
    };
    check_identity_pool_id(&pool).map_err(|e| {
        let hint = e.hint_text().unwrap_or_default().to_owned();
        e.replace_hint(format!(
            "check {}: {hint}",
            origin("identity_pool_id", "--identity-pool-id", &source)
        ))
    })?;
    let (tokens, _) = session.source()?;
    let aws = IdentityPoolCredentials::builder(pool.as_str(), tokens)
        .build()
        .map_err(|e| session.error(e))?;
    let creds = runtime()?
        .block_on(aws.credentials())
        .map_err(|e| identity_error(e, &session, &pool))?;
    let expiration = creds.expiry().map(rfc3339).transpose()?;
    match ui.output {
        Output::Env => {
            let mut lines = vec![
                ("AWS_ACCESS_KEY_ID", creds.access_key_id().to_owned()),
                (
                    "AWS_SECRET_ACCESS_KEY",
                    creds.secret_access_key().to_owned(),
                ),
            ];
            if let Some(t) = creds.session_token() {
                lines.push(("AWS_SESSION_TOKEN", t.to_owned()));
            }
            if let Some(e) = &expiration {
                lines.push(("AWS_CREDENTIAL_EXPIRATION", e.clone()));
            }
            for (k, v) in lines {
                println!("{}", crate::output::env_line(k, &v));
            }
        }
        // `credential_process` reads exactly this document; text output is the same JSON.
        Output::Text | Output::Json => {
            let mut doc = json!({
                "Version": 1,
                "AccessKeyId": creds.access_key_id(),
                "SecretAccessKey": creds.secret_access_key(),
            });
            if let Some(t) = creds.session_token() {
                doc["SessionToken"] = json!(t);
            }
            if let Some(e) = expiration {
                doc["Expiration"] = json!(e);
            }
            crate::output::print_json(&doc)?;
        }
    }
    Ok(())
}

/// `2025-01-01T13:00:00Z`.
fn rfc3339(t: SystemTime) -> Result<String> {
    DateTime::from(t)
        .fmt(DateTimeFormat::DateTime)
        .map_err(|e| CliError::new(Exit::Failure, format!("cannot format the expiry time: {e}")))
}

/// An identity pool id is `{region}:{uuid}`.
fn check_identity_pool_id(id: &str) -> Result<()> {
    let ok = id.split_once(':').is_some_and(|(region, rest)| {
        region.split('-').count() >= 3
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !rest.is_empty()
            && rest.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
    });
    if ok {
        Ok(())
    } else {
        Err(CliError::usage(format!("{id:?} is not an identity pool id")).hint(
            "an identity pool id is the region, `:` and a UUID, e.g. us-east-1:0b6c1c7e-1111-2222-3333-444455556666",
        ))
    }
}

/// The identity pool's refusals in the user's terms; the rest as for every command.
fn identity_error(e: cognate_client::Error, session: &Session, pool: &str) -> CliError {
    use cognate_client::Error as E;
    match &e {
        E::Cognito { kind, message, .. } => match kind.as_str() {
            "ResourceNotFoundException" => {
                CliError::usage(format!("{kind}: {message}")).hint(format!(
                    "check the identity pool id {pool} and the endpoint (`cognate configure list`)"
                ))
            }
            "InvalidIdentityPoolConfigurationException" => {
                CliError::new(Exit::Failure, format!("{kind}: {message}"))
                    .hint("the identity pool needs an IAM role for authenticated identities")
            }
            "NotAuthorizedException" if message.contains("supported provider") => {
                CliError::new(Exit::Auth, message.clone()).hint(
                    "the identity pool does not accept this user pool and app client: check its authentication providers",
                )
            }
            _ => session.error(e),
        },
        _ => session.error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_pool_ids_and_times() {
        assert!(check_identity_pool_id("us-east-1:0b6c1c7e-1111-2222-3333-444455556666").is_ok());
        assert!(check_identity_pool_id("us-east-1_AbC123xyZ").is_err());
        assert!(check_identity_pool_id("us-east-1:").is_err());
        assert!(check_identity_pool_id("x:0b6c1c7e").is_err());
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_735_736_400);
        assert_eq!(rfc3339(t).unwrap(), "2025-01-01T13:00:00Z");
    }
}
