//! `cognate login`: logs in (SRP by default), answers challenges on a terminal, and keeps the
//! tokens in the profile's token file (0600).
//!
//! The password comes from `--password-stdin`, `COGNATE_PASSWORD`, or a prompt without echo on
//! a terminal; never from a flag. Without a terminal nothing is ever asked: a missing password
//! or a challenge (new password, MFA code) is an error saying what is needed. MFA set-up shows
//! the key as text, as an `otpauth://` URI and as a QR code. A mistyped MFA code is asked again
//! in the same login, up to [`CODE_TRIES`] times in all.
//!
//! At a password prompt the terminal's echo is off, and it is restored on every way out: the
//! answer, end of input, an error, a panic (a guard restores it when dropped) and Ctrl-C (read
//! as a key while the prompt is up, so the settings are restored before `cognate` exits with
//! status 130).

use std::future::Future;
use std::io::IsTerminal;

use clap::{Args, ValueEnum};
use cognate_client::passkey::SoftwareAuthenticator;
use cognate_client::{AnswerError, AuthFlow, Challenge, Credentials, LoginStep, MfaType, TokenSet};
use secrecy::{ExposeSecret, SecretString};

use serde_json::json;

use crate::connection::{ConnectionArgs, Source, process_env};
use crate::error::{CliError, Result};
use crate::exit::Exit;
use crate::login_method::Method;
use crate::login_prompt::{choose, prompt_line, prompt_secret, qr_code, read_line_secret};
use crate::output::{Output, Ui, print_json};
use crate::session::{Session, client_error, profile_flag, runtime};

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
    /// How to sign in [default: srp]: srp or password with the password; email-otp or sms-otp
    /// with a code Cognito sends; passkey with a configured software authenticator (the last
    /// three through USER_AUTH, which the app client must allow).
    #[arg(long, value_enum, value_name = "METHOD", conflicts_with = "flow")]
    method: Option<Method>,
    /// The software authenticator's credential file for --method passkey [env:
    /// COGNATE_AUTHENTICATOR_FILE] [default: the profile's authenticator_file].
    #[arg(long, value_name = "PATH")]
    authenticator_file: Option<std::path::PathBuf>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
    /// Read one-time codes (EMAIL_OTP, SMS_OTP, MFA codes) from standard input, a line each, when
    /// the login asks for one (the prompt goes to standard error): for scripts and programs
    /// without a terminal. With --password-stdin the password is the first line.
    #[arg(long)]
    code_stdin: bool,
    /// Sign in through the browser, on the pool's hosted sign-in page (authorization code with
    /// PKCE; the redirect comes back to http://localhost:PORT/callback, which must be one of
    /// the app client's callback URLs). Opens the system browser ($BROWSER, else the desktop's
    /// opener) and prints the URL.
    #[arg(long, help_heading = "Browser sign-in")]
    browser: bool,
    /// Like --browser, but only print the URL and wait for the sign-in (from any browser that
    /// can reach this machine's loopback, e.g. over SSH port forwarding).
    #[arg(long, help_heading = "Browser sign-in")]
    no_browser: bool,
    /// The pool's domain, e.g. https://shop.auth.us-east-1.amazoncognito.com [env:
    /// COGNATE_DOMAIN] [default: the profile's domain]; saved in the profile.
    #[arg(long, value_name = "URL", help_heading = "Browser sign-in")]
    domain: Option<String>,
    /// Sign in at an OpenID Connect provider that is not a Cognito pool, e.g.
    /// https://login.example.com (its discovery document names the endpoints), with
    /// --client-id as registered there [env: COGNATE_ISSUER] [default: the profile's issuer];
    /// saved in the profile.
    #[arg(
        long,
        value_name = "URL",
        help_heading = "Browser sign-in",
        conflicts_with = "domain"
    )]
    issuer: Option<String>,
    /// The loopback port of the redirect.
    #[arg(
        long,
        value_name = "PORT",
        default_value_t = 8765,
        help_heading = "Browser sign-in"
    )]
    port: u16,
    /// The scopes to ask for, space-separated [default: every scope the app client allows].
    #[arg(long, value_name = "SCOPES", help_heading = "Browser sign-in")]
    scope: Option<String>,
    /// How long to wait for the browser, in seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 300,
        help_heading = "Browser sign-in"
    )]
    wait: u64,
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
    if ui.output == Output::Env {
        return Err(ui.unsupported("login", &[Output::Text, Output::Json]));
    }
    let browser = args.browser || args.no_browser;
    if let Some(oidc) =
        crate::oidc_profile::OidcProfile::open_for_login(&args.connection, args.issuer.as_deref())?
    {
        if !browser || args.method.is_some() || args.password_stdin {
            return Err(CliError::usage(format!(
                "profile {} signs in at the OpenID provider {} through the browser only",
                oidc.profile,
                oidc.issuer()
            ))
            .hint(format!(
                "run `cognate login{} --browser` (or --no-browser to print the URL)",
                crate::session::profile_flag(&oidc.profile)
            )));
        }
        let opts = crate::browser_login::BrowserLogin {
            no_browser: args.no_browser,
            domain: None,
            port: args.port,
            scope: args.scope.as_deref(),
            timeout: std::time::Duration::from_secs(args.wait.max(1)),
        };
        return crate::browser_login::run_at_issuer(&oidc, &opts, ui);
    }
    let session = Session::open_for_login(&args.connection)?;
    if browser {
        if let Some(m) = args.method {
            return Err(CliError::usage(format!(
                "--method {} and --browser do not go together: the hosted page offers the ways to sign in",
                m.name()
            )));
        }
        if args.password_stdin {
            return Err(
                CliError::usage("--password-stdin and --browser do not go together")
                    .hint("the browser sign-in asks for the password on the hosted page"),
            );
        }
        let opts = crate::browser_login::BrowserLogin {
            no_browser: args.no_browser,
            domain: args.domain.as_deref(),
            port: args.port,
            scope: args.scope.as_deref(),
            timeout: std::time::Duration::from_secs(args.wait.max(1)),
        };
        return crate::browser_login::run(&session, &args.connection, &opts, ui);
    }
    let method = args.method.unwrap_or(match args.flow {
        Flow::Srp => Method::Srp,
        Flow::Password => Method::Password,
    });
    if args.password_stdin && method.first_factor().is_some() {
        return Err(CliError::usage(format!(
            "--password-stdin does not go with --method {}, which uses no password",
            method.name()
        )));
    }
    if args.authenticator_file.is_some() && method != Method::Passkey {
        return Err(CliError::usage(format!(
            "--authenticator-file goes with --method passkey, not --method {}",
            method.name()
        )));
    }
    let tty = interactive() && !args.password_stdin && !args.code_stdin;
    let mut typed_username = None;
    let username = match session.username() {
        Some(u) => u.to_owned(),
        None if tty => {
            let u = prompt_line("Username: ")?;
            typed_username = Some(u.clone());
            u
        }
        None => {
            return Err(CliError::usage("no username").hint(
                "pass --username, set COGNATE_USERNAME, or save one with `cognate configure`",
            ));
        }
    };
    let asking = Asking {
        tty,
        code_stdin: args.code_stdin,
        passkey: match method {
            Method::Passkey => Some(crate::login_method::authenticator(
                args.authenticator_file.as_deref(),
                &session,
            )?),
            _ => None,
        },
    };
    let rt = runtime()?;
    let tokens = if method.first_factor().is_some() {
        rt.block_on(async {
            let step = crate::login_method::start(&session, &username, method).await?;
            answer_challenges(step, &asking, &username, &session).await
        })?
    } else {
        password_login(&args, &session, &username, method, &asking, &rt)?
    };
    finish(
        &args,
        ui,
        &session,
        &username,
        &tokens,
        typed_username.as_deref(),
    )
}

/// Logs in with the password (`--method srp` or `password`).
fn password_login(
    args: &LoginArgs,
    session: &Session,
    username: &str,
    method: Method,
    asking: &Asking,
    rt: &tokio::runtime::Runtime,
) -> Result<TokenSet> {
    let tty = asking.tty;
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
    let credentials = Credentials::new(username, password.expose_secret());
    let flow = match method {
        Method::Password => AuthFlow::UserPassword,
        _ => AuthFlow::UserSrp,
    };
    rt.block_on(async {
        let step = match session.client.login_with(&credentials, flow).await {
            // An app client that allows only USER_AUTH: the same password factor through it.
            Err(e) if crate::login_method::flow_not_enabled(&e) => {
                crate::login_method::password_through_user_auth(
                    session,
                    &credentials,
                    method,
                    password.expose_secret(),
                )
                .await
                .unwrap_or(Err(e))
            }
            other => other,
        };
        drop(password);
        let step = match step {
            Ok(step) => step,
            // With SRP a wrong user pool id looks like a wrong password (the pool's name is part
            // of the proof): say so when the pool does not exist.
            Err(e) if flow == AuthFlow::UserSrp && e.is_not_authorized() => {
                return Err(crate::login_settings::missing_pool(session)
                    .await
                    .unwrap_or_else(|| session.error(e)));
            }
            Err(e) => return Err(session.error(e)),
        };
        answer_challenges(step, asking, username, session).await
    })
}

/// Saves the tokens and the settings given as flags, and says so.
fn finish(
    args: &LoginArgs,
    ui: &Ui,
    session: &Session,
    username: &str,
    tokens: &TokenSet,
    typed_username: Option<&str>,
) -> Result<()> {
    session
        .store
        .save_for(&session.profile, tokens, &session.owner(username))
        .map_err(|e| session.error(e))?;
    let saved = crate::login_settings::remember(session, &args.connection, typed_username)?;
    let who = tokens.username().unwrap_or(username).to_owned();
    let minutes = (tokens.expires_at_local() - now()).max(0) / 60;
    ui.status(&format!(
        "logged in as {who} (profile {}); tokens saved in {}; access token valid for {minutes} min",
        session.profile,
        session.token_path().display()
    ));
    if !saved.is_empty() {
        ui.status(&format!(
            "saved {} in profile {} ({}): later commands use them",
            saved.join(", "),
            session.profile,
            crate::profile::config_path()?.display()
        ));
    }
    let secret_from_flag = session
        .connection
        .client_secret
        .as_ref()
        .is_some_and(|s| s.source == Source::Flag);
    if secret_from_flag {
        ui.status(&format!(
            "the app client secret was not saved; refreshing needs it: store it with `cognate configure{} --store-client-secret`",
            profile_flag(&session.profile)
        ));
    }
    if ui.output == Output::Json {
        print_json(&json!({
            "profile": session.profile,
            "username": who,
            "token_file": session.token_path().display().to_string(),
            "expires_at": tokens.expires_at_local(),
            "saved_settings": saved,
        }))?;
    }
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
        Challenge::SmsOtp(_) => "the code sent by SMS (SMS_OTP)".to_owned(),
        Challenge::WebAuthn(_) => "a passkey (WEB_AUTHN)".to_owned(),
        Challenge::SelectMfaType(_) => "a choice of second factor (SELECT_MFA_TYPE)".to_owned(),
        Challenge::MfaSetup(_) => "setting up an authenticator app (MFA_SETUP)".to_owned(),
        other => format!("an answer to the {} challenge", other.name()),
    }
}

/// What a login may ask of the user, and how.
struct Asking {
    /// A terminal to prompt on.
    tty: bool,
    /// `--code-stdin`: codes come from standard input without a terminal.
    code_stdin: bool,
    /// The configured software authenticator (`--method passkey`).
    passkey: Option<SoftwareAuthenticator>,
}

impl Asking {
    /// Whether `challenge` is answered with a one-time code.
    fn is_code(challenge: &Challenge) -> bool {
        matches!(
            challenge,
            Challenge::SoftwareTokenMfa(_)
                | Challenge::SmsMfa(_)
                | Challenge::EmailOtp(_)
                | Challenge::SmsOtp(_)
        )
    }

    /// Whether `challenge` can be answered here.
    fn can_answer(&self, challenge: &Challenge) -> bool {
        match challenge {
            Challenge::WebAuthn(_) => self.passkey.is_some(),
            c if Self::is_code(c) => self.tty || self.code_stdin,
            _ => self.tty,
        }
    }
}

async fn answer_challenges(
    mut step: LoginStep,
    asking: &Asking,
    username: &str,
    session: &Session,
) -> Result<TokenSet> {
    for _ in 0..16 {
        let challenge = match step {
            LoginStep::Authenticated(tokens) => return Ok(*tokens),
            LoginStep::Challenge(c) => c,
        };
        if !asking.can_answer(&challenge) {
            return Err(CliError::new(
                Exit::Auth,
                format!(
                    "the login needs {}, and there is no terminal to ask",
                    needs(&challenge)
                ),
            )
            .hint(format!(
                "run `cognate login{}` in a terminal (without --password-stdin) to answer it{}",
                profile_flag(&session.profile),
                if Asking::is_code(&challenge) {
                    ", or pass --code-stdin to give the code on standard input"
                } else {
                    ""
                }
            )));
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
                let prompt = "Code from your authenticator app: ";
                step = ask_code(c, prompt, |c, code| async move { c.respond(&code).await }).await?;
                continue;
            }
            Challenge::SmsMfa(c) => {
                let to = c.destination.clone().unwrap_or_else(|| "your phone".into());
                let prompt = format!("Code sent by SMS to {to}: ");
                step =
                    ask_code(c, &prompt, |c, code| async move { c.respond(&code).await }).await?;
                continue;
            }
            Challenge::EmailOtp(c) => {
                let to = c.destination.clone().unwrap_or_else(|| "your email".into());
                let prompt = format!("Code sent by email to {to}: ");
                step =
                    ask_code(c, &prompt, |c, code| async move { c.respond(&code).await }).await?;
                continue;
            }
            Challenge::SmsOtp(c) => {
                let to = c.destination.clone().unwrap_or_else(|| "your phone".into());
                let prompt = format!("Code sent by SMS to {to}: ");
                step =
                    ask_code(c, &prompt, |c, code| async move { c.respond(&code).await }).await?;
                continue;
            }
            Challenge::WebAuthn(c) => match &asking.passkey {
                Some(authenticator) => c.respond(authenticator).await,
                None => {
                    return Err(CliError::new(
                        Exit::Auth,
                        "the login asks for a passkey, and no software authenticator is configured",
                    ));
                }
            },
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
                let prompt = "First code from the app: ";
                step = ask_code(c, prompt, |c, code| async move {
                    c.verify(&code, Some("cognate")).await
                })
                .await?;
                continue;
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

/// How many codes one challenge may be answered with in one login before `cognate login` gives
/// up (Cognito keeps the session after a wrong code, up to its own limit).
pub const CODE_TRIES: usize = 3;

/// Prompts for a code and answers `challenge` with it; a wrong code (the challenge handed back)
/// is asked again, up to [`CODE_TRIES`] codes in all.
async fn ask_code<C, F, Fut>(mut challenge: C, prompt: &str, answer: F) -> Result<LoginStep>
where
    F: Fn(C, String) -> Fut,
    Fut: Future<Output = std::result::Result<LoginStep, AnswerError<C>>>,
{
    let mut tried = 0;
    loop {
        tried += 1;
        let code = prompt_line(prompt)?;
        match answer(challenge, code).await {
            Ok(step) => return Ok(step),
            Err(refused) => match refused.into_parts() {
                (e, Some(again)) if tried < CODE_TRIES => {
                    let left = CODE_TRIES - tried;
                    let tries = if left == 1 { "try" } else { "tries" };
                    eprintln!("{}; try again ({left} {tries} left)", client_error(e));
                    challenge = again;
                }
                (e, _) => return Err(client_error(e)),
            },
        }
    }
}
