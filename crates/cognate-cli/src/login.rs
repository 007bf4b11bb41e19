//! `cognate login`: logs in (SRP by default), answers challenges on a terminal, and keeps the
//! tokens in the profile's token file (0600).
//!
//! The password comes from `--password-stdin`, `COGNATE_PASSWORD`, or a prompt without echo on
//! a terminal; never from a flag. Without a terminal nothing is ever asked: a missing password
//! or a challenge (new password, MFA code) is an error saying what is needed. MFA set-up shows
//! the key as text, as an `otpauth://` URI and as a QR code.

use std::io::{BufRead, IsTerminal, Write};

use clap::{Args, ValueEnum};
use cognate_client::{AuthFlow, Challenge, Credentials, LoginStep, MfaType, TokenSet, TokenStore};
use secrecy::{ExposeSecret, SecretString};

use crate::connection::{ConnectionArgs, process_env};
use crate::error::{CliError, Result};
use crate::exit::Exit;
use crate::output::Ui;
use crate::session::{Session, client_error, runtime};

/// `cognate login`.
#[derive(Args, Debug)]
#[command(
    after_help = "The password comes from --password-stdin, COGNATE_PASSWORD, or a prompt \
                        without echo; never from a flag."
)]
pub struct LoginArgs {
    /// Login flow: srp (USER_SRP_AUTH, the password never leaves this machine) or password
    /// (USER_PASSWORD_AUTH).
    #[arg(long, value_enum, default_value_t = Flow::Srp, value_name = "FLOW")]
    flow: Flow,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// `--flow`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Flow {
    /// USER_SRP_AUTH.
    Srp,
    /// USER_PASSWORD_AUTH.
    Password,
}

fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Runs `cognate login`.
pub fn run(args: LoginArgs, ui: &Ui) -> Result<()> {
    let session = Session::open(&args.connection)?;
    let tty = interactive() && !args.password_stdin;
    let username = match session.username() {
        Some(u) => u.to_owned(),
        None if tty => prompt_line("Username: ")?,
        None => {
            return Err(CliError::usage("no username").hint(
                "pass --username, set COGNATE_USERNAME, or save one with `cognate configure`",
            ));
        }
    };
    let password = if args.password_stdin {
        read_line_secret(&mut std::io::stdin().lock(), "--password-stdin")?
    } else if let Some(p) = process_env("COGNATE_PASSWORD") {
        SecretString::from(p)
    } else if tty {
        prompt_secret(&format!("Password for {username}: "))?
    } else {
        return Err(CliError::usage("no password, and no terminal to ask for one").hint(
            "pipe it in with --password-stdin (printf %s \"$PW\" | cognate login --password-stdin) \
             or set COGNATE_PASSWORD",
        ));
    };
    let credentials = Credentials::new(username.clone(), password.expose_secret());
    drop(password);
    let flow = match args.flow {
        Flow::Srp => AuthFlow::UserSrp,
        Flow::Password => AuthFlow::UserPassword,
    };
    let rt = runtime()?;
    let tokens = rt.block_on(async {
        let step = session
            .client
            .login_with(&credentials, flow)
            .await
            .map_err(client_error)?;
        answer_challenges(step, tty, &username).await
    })?;
    session
        .store
        .save(&session.profile, &tokens)
        .map_err(client_error)?;
    let who = tokens.username().unwrap_or(&username).to_owned();
    let minutes = (tokens.expires_at_local() - now()).max(0) / 60;
    ui.status(&format!(
        "logged in as {who} (profile {}); tokens saved in {}; access token valid for {minutes} min",
        session.profile,
        session.token_path().display()
    ));
    Ok(())
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// What a challenge needs, in words, for the error without a terminal.
fn needs(c: &Challenge) -> String {
    match c {
        Challenge::NewPasswordRequired(_) => "a new password (NEW_PASSWORD_REQUIRED)".to_owned(),
        Challenge::SoftwareTokenMfa(_) => {
            "a code from the authenticator app (SOFTWARE_TOKEN_MFA)".to_owned()
        }
        Challenge::SmsMfa(_) => "the code sent by SMS (SMS_MFA)".to_owned(),
        Challenge::EmailOtp(_) => "the code sent by email (EMAIL_OTP)".to_owned(),
        Challenge::SelectMfaType(_) => "a choice of second factor (SELECT_MFA_TYPE)".to_owned(),
        Challenge::MfaSetup(_) => "setting up an authenticator app (MFA_SETUP)".to_owned(),
        other => format!("an answer to the {} challenge", other.name()),
    }
}

async fn answer_challenges(mut step: LoginStep, tty: bool, username: &str) -> Result<TokenSet> {
    for _ in 0..16 {
        let challenge = match step {
            LoginStep::Authenticated(tokens) => return Ok(*tokens),
            LoginStep::Challenge(c) => c,
        };
        if !tty {
            return Err(CliError::new(
                Exit::Auth,
                format!(
                    "the login needs {}, and there is no terminal to ask",
                    needs(&challenge)
                ),
            )
            .hint("run `cognate login` in a terminal (without --password-stdin) to answer it"));
        }
        step = match challenge {
            Challenge::NewPasswordRequired(c) => {
                eprintln!("{username} must choose a new password.");
                let new = loop {
                    let a = prompt_secret("New password: ")?;
                    let b = prompt_secret("New password again: ")?;
                    if a.expose_secret() == b.expose_secret() {
                        break a;
                    }
                    eprintln!("the passwords differ; try again");
                };
                let mut values = Vec::new();
                for name in &c.required_attributes {
                    values.push((name.clone(), prompt_line(&format!("{name}: "))?));
                }
                let attrs: Vec<(&str, &str)> = values
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                c.respond(new.expose_secret(), &attrs).await
            }
            Challenge::SoftwareTokenMfa(c) => {
                let code = prompt_line("Code from your authenticator app: ")?;
                c.respond(&code).await
            }
            Challenge::SmsMfa(c) => {
                let to = c.destination.clone().unwrap_or_else(|| "your phone".into());
                let code = prompt_line(&format!("Code sent by SMS to {to}: "))?;
                c.respond(&code).await
            }
            Challenge::EmailOtp(c) => {
                let to = c.destination.clone().unwrap_or_else(|| "your email".into());
                let code = prompt_line(&format!("Code sent by email to {to}: "))?;
                c.respond(&code).await
            }
            Challenge::SelectMfaType(c) => {
                let choice = choose(&c.options)?;
                c.select(choice).await
            }
            Challenge::MfaSetup(mut c) => {
                let totp = c.options.is_empty() || c.options.contains(&MfaType::SoftwareToken);
                if !totp {
                    let names: Vec<_> = c.options.iter().map(MfaType::as_str).collect();
                    return Err(CliError::new(
                        Exit::Auth,
                        format!(
                            "the pool requires MFA set-up with {}, which cognate cannot set up",
                            names.join(", ")
                        ),
                    ));
                }
                let setup = c
                    .associate_software_token("cognate")
                    .await
                    .map_err(client_error)?;
                eprintln!("This pool requires MFA. Add this key to your authenticator app:");
                eprintln!("  secret: {}", setup.secret());
                eprintln!("  URI:    {}", setup.otpauth_uri());
                if let Some(qr) = qr_code(setup.otpauth_uri()) {
                    eprintln!("or scan this QR code:\n{qr}");
                }
                let code = prompt_line("First code from the app: ")?;
                c.verify(&code, Some("cognate")).await
            }
            other => {
                return Err(CliError::new(
                    Exit::Auth,
                    format!("cognate cannot answer the {} challenge", other.name()),
                ));
            }
        }
        .map_err(client_error)?;
    }
    Err(CliError::new(
        Exit::Auth,
        "too many challenges in one login",
    ))
}

/// `text` as a QR code of Unicode half blocks (two modules a character), light modules drawn
/// and dark ones left blank, for a terminal with a dark background; `None` if it does not fit
/// in a QR code.
fn qr_code(text: &str) -> Option<String> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

fn choose(options: &[MfaType]) -> Result<MfaType> {
    if options.is_empty() {
        return Err(CliError::new(
            Exit::Auth,
            "SELECT_MFA_TYPE offered no factor",
        ));
    }
    eprintln!("Choose a second factor:");
    for (i, o) in options.iter().enumerate() {
        eprintln!("  {}. {}", i + 1, o.as_str());
    }
    loop {
        let answer = prompt_line("Number: ")?;
        match answer.trim().parse::<usize>() {
            Ok(n) if (1..=options.len()).contains(&n) => return Ok(options[n - 1].clone()),
            _ => eprintln!("answer 1 to {}", options.len()),
        }
    }
}

/// One line from standard input, the newline removed; empty is an error naming `what`.
fn read_line_secret(input: &mut impl BufRead, what: &str) -> Result<SecretString> {
    let mut line = String::new();
    input.read_line(&mut line)?;
    let secret = line.trim_end_matches(['\r', '\n']);
    if secret.is_empty() {
        return Err(CliError::usage(format!("{what}: standard input is empty"))
            .hint("pipe the password in: printf %s \"$PW\" | cognate login --password-stdin"));
    }
    let secret = SecretString::from(secret.to_owned());
    zeroize_string(line);
    Ok(secret)
}

fn zeroize_string(s: String) {
    let _ = SecretString::from(s);
}

/// Prompts on stderr and reads a line (with echo).
fn prompt_line(prompt: &str) -> Result<String> {
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line)? == 0 {
        return Err(CliError::usage("standard input ended before an answer"));
    }
    Ok(line.trim().to_owned())
}

/// Prompts on stderr and reads a line from the terminal with echo off.
///
/// Echo goes off before the prompt is shown: whatever is typed (or pasted) as soon as the
/// prompt appears is never echoed.
#[cfg(unix)]
fn prompt_secret(prompt: &str) -> Result<SecretString> {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    let saved = tcgetattr(&stdin).map_err(std::io::Error::from)?;
    let mut quiet = saved.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    tcsetattr(&stdin, OptionalActions::Now, &quiet).map_err(std::io::Error::from)?;
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let result = read_line_secret(&mut stdin.lock(), "the password");
    let _ = tcsetattr(&stdin, OptionalActions::Now, &saved);
    eprintln!();
    result
}

#[cfg(not(unix))]
fn prompt_secret(prompt: &str) -> Result<SecretString> {
    eprint!("{prompt}");
    read_line_secret(&mut std::io::stdin().lock(), "the password")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otpauth_uris_become_qr_codes_of_half_blocks() {
        let qr =
            qr_code("otpauth://totp/cognate:alice?secret=JBSWY3DPEHPK3PXP&issuer=cognate").unwrap();
        let lines: Vec<&str> = qr.lines().collect();
        let width = lines[0].chars().count();
        // Version 3 or more (29+ modules) plus a 4-module quiet zone on each side.
        assert!(width >= 37, "{qr}");
        assert!(lines.iter().all(|l| l.chars().count() == width), "{qr}");
        assert!(qr.chars().all(|c| " ▀▄█\n".contains(c)), "{qr}");
        // Two modules a line: about half as many lines as columns.
        assert_eq!(lines.len(), width.div_ceil(2));
    }

    #[test]
    fn stdin_passwords_lose_only_the_newline() {
        let p = read_line_secret(&mut &b"  pass word \n"[..], "x").unwrap();
        assert_eq!(p.expose_secret(), "  pass word ");
        assert!(read_line_secret(&mut &b"\n"[..], "x").is_err());
    }
}
