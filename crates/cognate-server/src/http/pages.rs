//! The hosted pages: plain server-rendered HTML with a small stylesheet, no JavaScript (but on
//! the passkey pages, `super::passkey_pages`); every input has a label, errors are announced
//! (`role="alert"`), the layout fits a phone.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::services::oauth::hosted::Challenge;

const STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#f3f4f6;color:#111827}\
main{max-width:24rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.15)}\
@media (max-width:30rem){main{margin:0;max-width:none;border-radius:0;min-height:100vh}}\
h1{font-size:1.375rem;margin:0 0 1.25rem}\
label{display:block;font-weight:600;margin:1rem 0 .25rem}\
input{width:100%;padding:.625rem;font:inherit;border:1px solid #9ca3af;border-radius:.375rem}\
input:focus,button:focus{outline:3px solid #2563eb;outline-offset:1px}\
button{width:100%;margin-top:1.5rem;padding:.75rem;font:inherit;font-weight:600;color:#fff;background:#1d4ed8;border:0;border-radius:.375rem;cursor:pointer}\
button:hover{background:#1e40af}\
.error{margin:0 0 1rem;padding:.75rem;border-radius:.375rem;background:#fef2f2;color:#991b1b;border:1px solid #fecaca}\
.note{color:#4b5563;font-size:.9375rem}\
.notice{margin:0 0 1rem;padding:.75rem;border-radius:.375rem;background:#f0fdf4;color:#166534;border:1px solid #bbf7d0}\
button.secondary{color:#1d4ed8;background:#fff;border:1px solid #1d4ed8;margin-top:.75rem}\
button.secondary:hover{background:#eff6ff}\
a{color:#1d4ed8}\
a.provider{display:block;padding:.75rem;text-align:center;font-weight:600;color:#1d4ed8;border:1px solid #1d4ed8;border-radius:.375rem;text-decoration:none}\
a.provider:focus{outline:3px solid #2563eb;outline-offset:1px}\
";

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{title}</title><style>{STYLE}</style></head>\
<body><main>{body}</main></body></html>\n",
        title = escape(title)
    )
}

/// An HTML answer; never cached, never framed.
pub(crate) fn html(status: StatusCode, page: String) -> Response {
    let mut resp = (status, page).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    resp
}

pub(super) fn alert(error: Option<&str>) -> String {
    error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default()
}

/// What the sign-in page offers.
pub(crate) struct SignInForm {
    /// The password form's URL (the `/login` path with the authorization request's query),
    /// when the app client signs in the pool's own users.
    pub action: Option<String>,
    /// A link per external identity provider: its name and where it goes.
    pub providers: Vec<(String, String)>,
    /// The forgotten-password page, when the pool's own users sign in here.
    pub forgot_password: Option<String>,
    /// The sign-up page, when users may sign themselves up.
    pub sign_up: Option<String>,
    /// A message above the form (an account just confirmed, a password just changed).
    pub notice: Option<String>,
    /// Whether the form offers "Sign in with a passkey" (the pool allows `WEB_AUTHN` and the
    /// page's host is under its relying party id).
    pub passkey: bool,
}

/// The sign-in page.
pub(crate) fn sign_in(form: &SignInForm, username: Option<&str>, error: Option<&str>) -> String {
    let autofocus_user = if username.is_none() { " autofocus" } else { "" };
    let autofocus_password = if username.is_some() { " autofocus" } else { "" };
    let mut providers = String::new();
    for (name, href) in &form.providers {
        providers.push_str(&format!(
            "<p><a class=\"provider\" href=\"{}\">Sign in with {}</a></p>",
            escape(href),
            escape(name)
        ));
    }
    let Some(action) = &form.action else {
        return document(
            "Sign in",
            &format!("<h1>Sign in</h1>{}{providers}", alert(error)),
        );
    };
    if !providers.is_empty() {
        providers.push_str("<p class=\"note\">Or with your user name and password:</p>");
    }
    let mut links = String::new();
    if let Some(href) = &form.forgot_password {
        links.push_str(&format!(
            "<p class=\"note\"><a href=\"{}\">Forgot your password?</a></p>",
            escape(href)
        ));
    }
    if let Some(href) = &form.sign_up {
        links.push_str(&format!(
            "<p class=\"note\">Need an account? <a href=\"{}\">Sign up</a></p>",
            escape(href)
        ));
    }
    document(
        "Sign in",
        &format!(
            "<h1>Sign in</h1>{notice}{alert}{providers}\
<form method=\"post\" action=\"{action}\">\
<label for=\"username\">User name</label>\
<input id=\"username\" name=\"username\" type=\"text\" autocomplete=\"username\" autocapitalize=\"none\" required value=\"{user}\"{autofocus_user}>\
<label for=\"password\">Password</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required{autofocus_password}>\
<button type=\"submit\">Sign in</button>{passkey}</form>{links}",
            passkey = if form.passkey {
                "<button type=\"submit\" name=\"method\" value=\"passkey\" class=\"secondary\" formnovalidate>Sign in with a passkey</button>"
            } else {
                ""
            },
            notice = notice(form.notice.as_deref()),
            alert = alert(error),
            action = escape(action),
            user = escape(username.unwrap_or("")),
        ),
    )
}

fn notice(text: Option<&str>) -> String {
    text.map(|t| format!("<p class=\"notice\" role=\"status\">{}</p>", escape(t)))
        .unwrap_or_default()
}

/// A text input with its label.
fn input(id: &str, label: &str, kind: &str, value: &str, autocomplete: &str) -> String {
    format!(
        "<label for=\"{id}\">{label}</label>\
<input id=\"{id}\" name=\"{id}\" type=\"{kind}\" autocomplete=\"{autocomplete}\" autocapitalize=\"none\" required value=\"{value}\">",
        id = escape(id),
        label = escape(label),
        value = escape(value),
    )
}

/// A field of the sign-up form: the form field's name, its label, its input type and its
/// `autocomplete` token.
pub(crate) struct Field {
    /// The form field (`username`, `password`, or an attribute's name).
    pub name: String,
    /// Its label.
    pub label: String,
    /// The input's `type`.
    pub kind: &'static str,
    /// The input's `autocomplete`.
    pub autocomplete: &'static str,
}

/// The sign-up page: `fields` in order, each refilled from `values` but the password.
pub(crate) fn sign_up(
    action: &str,
    fields: &[Field],
    values: &dyn Fn(&str) -> Option<String>,
    error: Option<&str>,
) -> String {
    let mut inputs = String::new();
    for f in fields {
        let value = if f.kind == "password" {
            String::new()
        } else {
            values(&f.name).unwrap_or_default()
        };
        inputs.push_str(&input(&f.name, &f.label, f.kind, &value, f.autocomplete));
    }
    document(
        "Sign up",
        &format!(
            "<h1>Sign up</h1>{alert}<form method=\"post\" action=\"{action}\">\
<input type=\"hidden\" name=\"step\" value=\"sign-up\">{inputs}\
<button type=\"submit\">Sign up</button></form>",
            alert = alert(error),
            action = escape(action),
        ),
    )
}

/// The confirmation of a sign-up: the code sent to `destination`, and a button that sends
/// another.
pub(crate) fn confirm_sign_up(
    action: &str,
    username: &str,
    destination: Option<&str>,
    note: Option<&str>,
    error: Option<&str>,
) -> String {
    document(
        "Confirm your account",
        &format!(
            "<h1>Confirm your account</h1>{notice}{alert}<p class=\"note\">We sent a code to {to}.</p>\
<form method=\"post\" action=\"{action}\">\
<input type=\"hidden\" name=\"step\" value=\"confirm\">\
<input type=\"hidden\" name=\"username\" value=\"{user}\">\
<label for=\"code\">Code</label>\
<input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\" required autofocus>\
<button type=\"submit\">Confirm</button></form>\
<form method=\"post\" action=\"{action}\">\
<input type=\"hidden\" name=\"step\" value=\"resend\">\
<input type=\"hidden\" name=\"username\" value=\"{user}\">\
<button type=\"submit\" class=\"secondary\">Send a new code</button></form>",
            notice = notice(note),
            alert = alert(error),
            to = escape(destination.unwrap_or("you")),
            action = escape(action),
            user = escape(username),
        ),
    )
}

/// The forgotten-password page: the user name to send a code for.
pub(crate) fn forgot_password(action: &str, username: Option<&str>, error: Option<&str>) -> String {
    document(
        "Forgot your password?",
        &format!(
            "<h1>Forgot your password?</h1>{alert}\
<p class=\"note\">We will send you a code to choose a new one.</p>\
<form method=\"post\" action=\"{action}\">\
<input type=\"hidden\" name=\"step\" value=\"request\">{user}\
<button type=\"submit\">Send a code</button></form>",
            alert = alert(error),
            action = escape(action),
            user = input(
                "username",
                "User name",
                "text",
                username.unwrap_or(""),
                "username"
            ),
        ),
    )
}

/// The choice of a new password with the code sent to `destination`.
pub(crate) fn confirm_forgot_password(
    action: &str,
    username: &str,
    destination: Option<&str>,
    error: Option<&str>,
) -> String {
    document(
        "Choose a new password",
        &format!(
            "<h1>Choose a new password</h1>{alert}<p class=\"note\">We sent a code to {to}.</p>\
<form method=\"post\" action=\"{action}\">\
<input type=\"hidden\" name=\"step\" value=\"confirm\">\
<input type=\"hidden\" name=\"username\" value=\"{user}\">\
<label for=\"code\">Code</label>\
<input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\" required autofocus>\
<label for=\"password\">New password</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" required>\
<button type=\"submit\">Change the password</button></form>",
            alert = alert(error),
            to = escape(destination.unwrap_or("you")),
            action = escape(action),
            user = escape(username),
        ),
    )
}

/// The page of a challenge of a sign-in in progress (`options`: the factors of
/// `SELECT_MFA_TYPE`).
pub(crate) fn challenge(
    action: &str,
    challenge: Challenge,
    session: &str,
    username: &str,
    destination: Option<&str>,
    options: &[Challenge],
    error: Option<&str>,
) -> String {
    if challenge == Challenge::SelectMfa {
        return select_factor(action, session, username, options, error);
    }
    let (title, intro, label, input) = match challenge {
        Challenge::NewPassword => (
            "Change your password",
            "Your password is temporary. Choose a new one to go on.".to_owned(),
            "New password",
            "type=\"password\" autocomplete=\"new-password\"",
        ),
        Challenge::Totp => (
            "Enter your code",
            "Enter the six-digit code from your authenticator app.".to_owned(),
            "Code",
            "type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\"",
        ),
        Challenge::Sms | Challenge::Email | Challenge::SelectMfa | Challenge::WebAuthn => (
            "Enter your code",
            format!(
                "We sent a code to {}.",
                escape(destination.unwrap_or("you"))
            ),
            "Code",
            "type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\"",
        ),
    };
    document(
        title,
        &format!(
            "<h1>{title}</h1>{alert}<p class=\"note\">{intro}</p>\
<form method=\"post\" action=\"{action}\">\
<input type=\"hidden\" name=\"challenge\" value=\"{name}\">\
<input type=\"hidden\" name=\"session\" value=\"{session}\">\
<input type=\"hidden\" name=\"username\" value=\"{user}\">\
<label for=\"answer\">{label}</label>\
<input id=\"answer\" name=\"answer\" {input} required autofocus>\
<button type=\"submit\">Continue</button></form>",
            alert = alert(error),
            action = escape(action),
            name = challenge.name(),
            session = escape(session),
            user = escape(username),
        ),
    )
}

/// The choice of a second factor: a radio group in a fieldset with a legend.
fn select_factor(
    action: &str,
    session: &str,
    username: &str,
    options: &[Challenge],
    error: Option<&str>,
) -> String {
    let mut radios = String::new();
    for (i, option) in options.iter().enumerate() {
        let label = match option {
            Challenge::Totp => "Authenticator app",
            Challenge::Sms => "Text message (SMS)",
            Challenge::Email => "Email",
            _ => continue,
        };
        let checked = if i == 0 { " checked" } else { "" };
        radios.push_str(&format!(
            "<p><input type=\"radio\" id=\"factor-{i}\" name=\"answer\" value=\"{value}\"{checked}> \
<label for=\"factor-{i}\" style=\"display:inline\">{label}</label></p>",
            value = option.name(),
        ));
    }
    document(
        "Choose how to confirm",
        &format!(
            "<h1>Choose how to confirm it is you</h1>{alert}\
<form method=\"post\" action=\"{action}\">\
<input type=\"hidden\" name=\"challenge\" value=\"SELECT_MFA_TYPE\">\
<input type=\"hidden\" name=\"session\" value=\"{session}\">\
<input type=\"hidden\" name=\"username\" value=\"{user}\">\
<fieldset style=\"border:0;padding:0;margin:0\"><legend class=\"note\">Second factor</legend>{radios}</fieldset>\
<button type=\"submit\">Continue</button></form>",
            alert = alert(error),
            action = escape(action),
            session = escape(session),
            user = escape(username),
        ),
    )
}

/// An error page: the request cannot be answered at any redirect URI.
pub(crate) fn error(message: &str) -> String {
    document(
        "Sign-in error",
        &format!(
            "<h1>An error was encountered with the requested page.</h1>\
<p class=\"error\" role=\"alert\">{}</p>",
            escape(message)
        ),
    )
}

/// The answer to a form posted without its anti-forgery token (`super::csrf`); `again` is the
/// page's own address, which shows the form anew.
pub(crate) fn form_expired(again: &str) -> String {
    document(
        "Sign-in error",
        &format!(
            "<h1>An error was encountered with the requested page.</h1>\
<p class=\"error\" role=\"alert\">This form came without this browser's anti-forgery \
cookie: it was sent from another site, or the browser did not keep the cookie.</p>\
<p><a href=\"{}\">Open the page again</a> and send the form from there.</p>",
            escape(again)
        ),
    )
}

/// The page after `/logout` when the request names nowhere to go.
pub(crate) fn signed_out() -> String {
    document("Signed out", "<h1>You are signed out.</h1>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_escape_what_they_echo_and_label_every_input() {
        let form = SignInForm {
            action: Some("/login?a=1&b=<x>".into()),
            providers: vec![(
                "Corp<1>".into(),
                "/oauth2/authorize?a=1&identity_provider=Corp".into(),
            )],
            forgot_password: Some("/forgotPassword?a=1&b=2".into()),
            sign_up: None,
            notice: Some("<i>".into()),
            passkey: false,
        };
        let page = sign_in(&form, Some("\"><script>"), Some("<b>"));
        assert!(page.contains("Sign in with Corp&lt;1&gt;"));
        assert!(page.contains("action=\"/login?a=1&amp;b=&lt;x&gt;\""));
        assert!(page.contains("value=\"&quot;&gt;&lt;script&gt;\""));
        assert!(page.contains("&lt;b&gt;"));
        assert!(!page.contains("<script>"));
        assert!(page.contains("href=\"/forgotPassword?a=1&amp;b=2\""));
        assert!(page.contains("&lt;i&gt;") && !page.contains("<i>"));
        assert!(!page.contains("Sign up"));
        for id in ["username", "password"] {
            assert!(page.contains(&format!("<label for=\"{id}\">")));
            assert!(page.contains(&format!("id=\"{id}\"")));
        }
    }
}
