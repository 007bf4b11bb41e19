//! `cognate login --browser`: the user signs in on the pool's hosted sign-in page (SSO, social
//! providers, passkeys: whatever the pool offers) in a browser; the redirect comes back to a
//! loopback listener (`http://localhost:{port}/callback`, which must be one of the app client's
//! callback URLs), the code is exchanged with PKCE, and the tokens go to the profile's token
//! file like a password login's, so `cognate token` and `cognate curl` refresh them as usual.

use std::time::Duration;

use cognate_client::{BrowserSignIn, OAuthTokens};
use secrecy::ExposeSecret;
use serde_json::json;

use crate::connection::ConnectionArgs;
use crate::error::{CliError, Result};
use crate::exit::Exit;
use crate::oidc_profile::OidcProfile;
use crate::output::{Output, Ui, print_json};
use crate::session::{Session, client_error, profile_flag, runtime};

/// The browser sign-in's options.
pub struct BrowserLogin<'a> {
    /// Print the URL and wait, without opening a browser.
    pub no_browser: bool,
    /// The pool's domain, from the flag.
    pub domain: Option<&'a str>,
    /// The loopback port.
    pub port: u16,
    /// The scopes to ask for (none: every scope the app client allows).
    pub scope: Option<&'a str>,
    /// How long to wait for the browser.
    pub timeout: Duration,
}

/// Runs the browser sign-in for `session`'s profile.
pub fn run(
    session: &Session,
    args: &ConnectionArgs,
    opts: &BrowserLogin<'_>,
    ui: &Ui,
) -> Result<()> {
    let p = profile_flag(&session.profile);
    let domain = match (opts.domain, &session.connection.domain) {
        (Some(d), _) => d.to_owned(),
        (None, Some(d)) => d.value.clone(),
        (None, None) => {
            return Err(CliError::usage("no domain for the browser sign-in").hint(format!(
                "pass --domain https://PREFIX.auth.REGION.amazoncognito.com (or save it with `cognate configure{p} --domain URL`)"
            )));
        }
    };
    crate::connection::check_endpoint(&domain)
        .map_err(|e| e.hint("--domain takes an http(s) URL"))?;
    let scopes: Vec<String> = opts
        .scope
        .map(|s| s.split_ascii_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    let mut builder = BrowserSignIn::builder(session.client.client_id())
        .domain(domain.clone())
        .redirect_host("localhost")
        .redirect_port(opts.port)
        .scopes(scopes)
        .timeout(opts.timeout);
    if let Some(secret) = &session.connection.client_secret {
        builder = builder.client_secret(secret.value.expose_secret());
    }
    let tokens = runtime()?.block_on(async {
        let sign_in = builder.build().await.map_err(client_error)?;
        in_the_browser(&sign_in, opts, &p, ui).await
    })?;
    let tokens = tokens.into_token_set().map_err(|e| {
        client_error(e).hint("the browser sign-in needs the openid scope for an ID token")
    })?;
    let username = tokens
        .username()
        .map(str::to_owned)
        .ok_or_else(|| CliError::new(Exit::Auth, "the tokens name no user"))?;
    session
        .store
        .save_for(&session.profile, &tokens, &session.owner(&username))
        .map_err(|e| session.error(e))?;
    let mut saved = crate::login_settings::remember(session, args, None)?;
    if opts.domain.is_some() {
        remember_domain(session, &domain)?;
        saved.push("domain");
    }
    ui.status(&format!(
        "logged in as {username} through the browser (profile {}); tokens saved in {}",
        session.profile,
        session.token_path().display()
    ));
    if ui.output == Output::Json {
        print_json(&json!({
            "profile": session.profile,
            "username": username,
            "token_file": session.token_path().display().to_string(),
            "expires_at": tokens.expires_at_local(),
            "saved_settings": saved,
        }))?;
    }
    Ok(())
}

/// Opens the loopback listener, shows (and opens) the authorization URL, and waits for the
/// sign-in to come back.
async fn in_the_browser(
    sign_in: &BrowserSignIn,
    opts: &BrowserLogin<'_>,
    p: &str,
    ui: &Ui,
) -> Result<OAuthTokens> {
    let pending = sign_in.start().await.map_err(|e| {
        client_error(e).hint(format!(
            "another program may be using port {}; pick another with --port (it must be in the app client's callback URLs)",
            opts.port
        ))
    })?;
    eprintln!(
        "Open this URL in a browser to sign in:\n\n  {}\n",
        pending.authorize_url()
    );
    if !opts.no_browser
        && let Err(e) = open_browser(pending.authorize_url())
    {
        eprintln!("(could not open a browser: {e}; open the URL yourself)");
    }
    ui.status(&format!(
        "waiting for the sign-in to come back to {} …",
        pending.redirect_uri()
    ));
    pending.finish().await.map_err(|e| match e.oauth_error() {
        Some(code) => CliError::new(Exit::Auth, format!("the sign-in did not succeed: {e}")).hint(
            if code == "invalid_scope" {
                "ask only for scopes the app client allows (--scope)".to_owned()
            } else {
                format!("run `cognate login{p} --browser` again")
            },
        ),
        None => client_error(e),
    })
}

/// The browser sign-in at an OpenID provider that is not a Cognito pool (`--issuer`, or the
/// profile's `issuer`): the tokens go to the profile's OAuth token file.
pub fn run_at_issuer(oidc: &OidcProfile, opts: &BrowserLogin<'_>, ui: &Ui) -> Result<()> {
    let p = profile_flag(&oidc.profile);
    let scopes: Vec<String> = opts
        .scope
        .map(str::to_owned)
        .or_else(|| oidc.connection.scope.as_ref().map(|s| s.value.clone()))
        .unwrap_or_else(|| "openid".to_owned())
        .split_ascii_whitespace()
        .map(str::to_owned)
        .collect();
    let tokens = runtime()?.block_on(async {
        let sign_in = oidc.sign_in(opts.port, scopes, opts.timeout).await?;
        in_the_browser(&sign_in, opts, &p, ui).await
    })?;
    let subject = tokens
        .id_token()
        .and_then(crate::oidc_profile::id_token_subject);
    oidc.store()
        .save_oauth_tokens(&oidc.profile, &tokens)
        .map_err(client_error)?;
    let saved = oidc.remember()?;
    let who = subject
        .as_deref()
        .map(|s| format!("as {s} "))
        .unwrap_or_default();
    ui.status(&format!(
        "logged in {who}at {} through the browser (profile {}); tokens saved in {}",
        oidc.issuer(),
        oidc.profile,
        oidc.token_path().display()
    ));
    if ui.output == Output::Json {
        print_json(&json!({
            "profile": oidc.profile,
            "issuer": oidc.issuer(),
            "subject": subject,
            "scopes": tokens.scope().unwrap_or_default().split_ascii_whitespace().collect::<Vec<_>>(),
            "token_file": oidc.token_path().display().to_string(),
            "expires_at": tokens.expires_at(),
            "saved_settings": saved,
        }))?;
    }
    Ok(())
}

/// Saves the domain in the profile: `cognate logout` revokes there.
fn remember_domain(session: &Session, domain: &str) -> Result<()> {
    let path = crate::profile::config_path()?;
    let mut config = crate::connection::load_config(&path)?;
    let mut profile = config
        .profiles
        .get(&session.profile)
        .cloned()
        .unwrap_or_default();
    if profile.domain.as_deref() != Some(domain) {
        profile.domain = Some(domain.to_owned());
        config.profiles.insert(session.profile.clone(), profile);
        config.save(&path)?;
    }
    Ok(())
}

/// Opens `url` in the user's browser: `$BROWSER` (its first entry; `%s` stands for the URL),
/// else the system's opener.
fn open_browser(url: &str) -> std::io::Result<()> {
    use std::process::{Command, Stdio};
    let mut cmd = match std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty())
    {
        Some(browser) => {
            let first = browser.split(':').next().unwrap_or_default();
            let mut words = first.split_whitespace();
            let program = words.next().unwrap_or_default();
            let mut cmd = Command::new(program);
            let mut placed = false;
            for w in words {
                if w.contains("%s") {
                    cmd.arg(w.replace("%s", url));
                    placed = true;
                } else {
                    cmd.arg(w);
                }
            }
            if !placed {
                cmd.arg(url);
            }
            cmd
        }
        None if cfg!(target_os = "macos") => {
            let mut c = Command::new("open");
            c.arg(url);
            c
        }
        None if cfg!(windows) => {
            let mut c = Command::new("cmd");
            c.args(["/C", "start", "", url]);
            c
        }
        None => {
            let mut c = Command::new("xdg-open");
            c.arg(url);
            c
        }
    };
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(|_| ())
}
