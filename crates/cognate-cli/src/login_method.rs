//! `cognate login --method`: the first factor a login starts with. `srp` and `password` are the
//! classic flows (`USER_SRP_AUTH`, `USER_PASSWORD_AUTH`); `email-otp`, `sms-otp` and `passkey`
//! start a choice-based sign-in (`USER_AUTH`) preferring that factor. A passkey is answered by
//! a software authenticator, and only one the user configured (`--authenticator-file`,
//! `COGNATE_AUTHENTICATOR_FILE`, or `authenticator_file` in the profile).

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use cognate_client::passkey::SoftwareAuthenticator;
use cognate_client::{Challenge, Credentials, FirstFactor, LoginStep};

use crate::connection::process_env;
use crate::error::{CliError, Result};
use crate::exit::Exit;
use crate::session::{Session, profile_flag};

/// `--method`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// The password, proven by SRP (USER_SRP_AUTH): it never leaves this machine.
    Srp,
    /// The password, sent over TLS (USER_PASSWORD_AUTH).
    Password,
    /// A code sent by email (USER_AUTH, EMAIL_OTP).
    EmailOtp,
    /// A code sent by SMS (USER_AUTH, SMS_OTP).
    SmsOtp,
    /// A passkey of the configured software authenticator (USER_AUTH, WEB_AUTHN).
    Passkey,
}

impl Method {
    /// The `USER_AUTH` factor to prefer; `None` for the password flows.
    pub fn first_factor(self) -> Option<FirstFactor> {
        match self {
            Method::Srp | Method::Password => None,
            Method::EmailOtp => Some(FirstFactor::EmailOtp),
            Method::SmsOtp => Some(FirstFactor::SmsOtp),
            Method::Passkey => Some(FirstFactor::WebAuthn),
        }
    }

    /// The `--method` value.
    pub fn name(self) -> &'static str {
        match self {
            Method::Srp => "srp",
            Method::Password => "password",
            Method::EmailOtp => "email-otp",
            Method::SmsOtp => "sms-otp",
            Method::Passkey => "passkey",
        }
    }
}

/// The `--method` that starts with `factor`, if there is one.
fn method_of(factor: &FirstFactor) -> Option<Method> {
    match factor {
        FirstFactor::Password => Some(Method::Password),
        FirstFactor::PasswordSrp => Some(Method::Srp),
        FirstFactor::EmailOtp => Some(Method::EmailOtp),
        FirstFactor::SmsOtp => Some(Method::SmsOtp),
        FirstFactor::WebAuthn => Some(Method::Passkey),
        _ => None,
    }
}

/// The software authenticator's credential file: `--authenticator-file`, else
/// `COGNATE_AUTHENTICATOR_FILE`, else the profile's `authenticator_file`.
pub fn authenticator_path(flag: Option<&Path>, session: &Session) -> Result<Option<PathBuf>> {
    Ok(match flag {
        Some(p) => Some(p.to_owned()),
        None => match process_env("COGNATE_AUTHENTICATOR_FILE") {
            Some(p) => Some(PathBuf::from(p)),
            None => {
                let path = crate::profile::config_path()?;
                crate::connection::load_config(&path)?
                    .profiles
                    .get(&session.profile)
                    .and_then(|p| p.authenticator_file.clone())
                    .map(PathBuf::from)
            }
        },
    })
}

/// The software authenticator `--method passkey` signs with ([`authenticator_path`]). Without
/// one, or with a file that does not exist, nothing is tried.
pub fn authenticator(flag: Option<&Path>, session: &Session) -> Result<SoftwareAuthenticator> {
    let Some(path) = authenticator_path(flag, session)? else {
        return Err(CliError::usage(format!(
            "passkey sign-in needs a configured software authenticator (--authenticator-file PATH, \
             COGNATE_AUTHENTICATOR_FILE, or authenticator_file in the profile) or the browser: \
             `cognate login{} --browser`",
            profile_flag(&session.profile)
        )));
    };
    if !path.exists() {
        return Err(CliError::usage(format!(
            "the authenticator file {} does not exist: register a passkey into it first \
             (`cognate passkey add{p} --authenticator-file {}` after a login), or sign in with \
             `cognate login{p} --browser`",
            path.display(),
            path.display(),
            p = profile_flag(&session.profile)
        )));
    }
    SoftwareAuthenticator::open(&path)
        .map_err(|e| CliError::usage(e.to_string()).hint("--authenticator-file names the file"))
}

/// Starts a choice-based sign-in with `method`'s factor. Cognito offering a choice instead
/// (`SELECT_CHALLENGE`) means the user cannot sign in that way: an error naming what they can
/// use.
pub async fn start(session: &Session, username: &str, method: Method) -> Result<LoginStep> {
    let factor = method.first_factor();
    let step = session
        .client
        .login_user_auth(username, factor.clone())
        .await
        .map_err(|e| session.error(e))?;
    let LoginStep::Challenge(Challenge::SelectChallenge(choice)) = step else {
        return Ok(step);
    };
    let offered: Vec<&str> = choice
        .available
        .iter()
        .filter_map(method_of)
        .map(Method::name)
        .collect();
    let what = factor.as_ref().map_or("", FirstFactor::as_str);
    Err(CliError::new(
        Exit::Auth,
        format!(
            "{username} cannot sign in with --method {} ({what} is not offered to them; offered: {})",
            method.name(),
            if offered.is_empty() {
                "nothing cognate can use".to_owned()
            } else {
                offered.join(", ")
            }
        ),
    )
    .hint(match method {
        Method::Passkey => "register a passkey for the user first, or use another --method",
        Method::EmailOtp => "the user needs a verified email address, and the pool must allow EMAIL_OTP",
        _ => "the user needs a verified phone number, and the pool must allow SMS_OTP",
    }))
}

/// Whether Cognito refused a flow the app client does not allow (`InvalidParameterException:
/// USER_SRP_AUTH flow not enabled for this client`).
pub fn flow_not_enabled(e: &cognate_client::Error) -> bool {
    matches!(e, cognate_client::Error::Cognito { kind, message, .. }
        if kind == "InvalidParameterException" && message.contains("flow not enabled"))
}

/// The password through a choice-based sign-in (`USER_AUTH`, then `PASSWORD_SRP` or
/// `PASSWORD` from `SELECT_CHALLENGE`), for app clients that allow `USER_AUTH` but not the
/// classic flow. `None` when that is not possible either (the caller keeps its first error).
pub async fn password_through_user_auth(
    session: &Session,
    credentials: &Credentials,
    method: Method,
    password: &str,
) -> Option<cognate_client::Result<LoginStep>> {
    let step = session
        .client
        .login_user_auth(credentials.username(), None)
        .await
        .ok()?;
    let LoginStep::Challenge(Challenge::SelectChallenge(choice)) = step else {
        return None;
    };
    let wanted = match method {
        Method::Password => FirstFactor::Password,
        _ => FirstFactor::PasswordSrp,
    };
    if !choice.available.contains(&wanted) {
        return None;
    }
    Some(match wanted {
        FirstFactor::Password => choice.password(password).await,
        _ => choice.password_srp(password).await,
    })
}
