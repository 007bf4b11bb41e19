//! The hosted pages of passkeys: signing in with one (`navigator.credentials.get`) and adding
//! one (`navigator.credentials.create`). These are the only pages with a script: one small
//! inline script, the same on both pages, allowed by its hash in the page's
//! `Content-Security-Policy` (nothing else runs, nothing is loaded from elsewhere).
//!
//! The script reads the options the server made (`data-options`, JSON with base64url byte
//! strings), turns the byte strings into `ArrayBuffer`s, calls the browser, and posts the
//! answer back as JSON (`AuthenticationResponseJSON` / `RegistrationResponseJSON`, byte
//! strings in base64url) in the form's `answer` field — or, when the browser refuses or the
//! user cancels, the error's name in the `error` field.

use std::sync::LazyLock;

use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use super::pages::{alert, document, escape, html};

/// The script of both pages.
const SCRIPT: &str = "(()=>{\
const form=document.getElementById('passkey-form');\
const button=document.getElementById('passkey-button');\
const bytes=s=>{const b=atob(s.replace(/-/g,'+').replace(/_/g,'/'));const a=new Uint8Array(b.length);for(let i=0;i<b.length;i++)a[i]=b.charCodeAt(i);return a.buffer;};\
const text=buf=>{let b='';for(const c of new Uint8Array(buf))b+=String.fromCharCode(c);return btoa(b).replace(/\\+/g,'-').replace(/\\//g,'_').replace(/=+$/,'');};\
button.addEventListener('click',async()=>{\
button.disabled=true;\
const create=form.dataset.mode==='create';\
try{\
if(!window.PublicKeyCredential||!navigator.credentials)throw new DOMException('no WebAuthn','NotSupportedError');\
const o=JSON.parse(form.dataset.options);\
o.challenge=bytes(o.challenge);\
for(const c of o.allowCredentials||[])c.id=bytes(c.id);\
for(const c of o.excludeCredentials||[])c.id=bytes(c.id);\
if(o.user)o.user.id=bytes(o.user.id);\
const c=create?await navigator.credentials.create({publicKey:o}):await navigator.credentials.get({publicKey:o});\
const r=c.response;\
const response=create?{clientDataJSON:text(r.clientDataJSON),attestationObject:text(r.attestationObject),transports:r.getTransports?r.getTransports():[]}\
:{clientDataJSON:text(r.clientDataJSON),authenticatorData:text(r.authenticatorData),signature:text(r.signature),userHandle:r.userHandle?text(r.userHandle):undefined};\
form.elements.answer.value=JSON.stringify({id:c.id,rawId:text(c.rawId),type:c.type,response,clientExtensionResults:c.getClientExtensionResults(),authenticatorAttachment:c.authenticatorAttachment||undefined});\
}catch(e){form.elements.error.value=(e&&e.name)||'Error';}\
form.submit();\
});\
})();";

/// The `Content-Security-Policy` of a passkey page: the pages' own, and [`SCRIPT`] by its hash.
static POLICY: LazyLock<String> = LazyLock::new(|| {
    let hash = STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{hash}'; frame-ancestors 'none'"
    )
});

/// A passkey page: as [`html`], with the script allowed.
fn with_script(page: String) -> Response {
    let mut resp = html(StatusCode::OK, page);
    if let Ok(v) = HeaderValue::from_str(&POLICY) {
        resp.headers_mut().insert("content-security-policy", v);
    }
    resp
}

/// What the browser says when it does not give a passkey (the `error` field: a `DOMException`
/// name), as the page shows it.
pub(crate) fn browser_error(name: &str) -> String {
    match name {
        "NotAllowedError" | "AbortError" => {
            "The passkey request was cancelled or timed out.".to_owned()
        }
        "NotSupportedError" | "SecurityError" => {
            "This browser cannot use a passkey on this page (passkeys need a secure origin under the user pool's relying party id).".to_owned()
        }
        "InvalidStateError" => "This passkey is registered already.".to_owned(),
        _ => "The browser did not give a passkey.".to_owned(),
    }
}

fn passkey_form(mode: &str, action: &str, options: &str, hidden: &str, label: &str) -> String {
    format!(
        "<form id=\"passkey-form\" method=\"post\" action=\"{action}\" data-mode=\"{mode}\" data-options=\"{options}\">\
{hidden}<input type=\"hidden\" name=\"answer\" value=\"\"><input type=\"hidden\" name=\"error\" value=\"\">\
<button type=\"button\" id=\"passkey-button\" autofocus>{label}</button></form>\
<noscript><p class=\"note\">Passkeys need JavaScript.</p></noscript><script>{SCRIPT}</script>",
        action = escape(action),
        options = escape(options),
        label = escape(label),
    )
}

/// The page of a passkey sign-in: `options` are the `CREDENTIAL_REQUEST_OPTIONS`, the answer
/// goes to `action` (the `/login` form) with the login's `session`; `back` is the sign-in page.
pub(crate) fn sign_in(
    action: &str,
    session: &str,
    username: &str,
    options: &str,
    back: &str,
) -> Response {
    let hidden = format!(
        "<input type=\"hidden\" name=\"challenge\" value=\"WEB_AUTHN\">\
<input type=\"hidden\" name=\"session\" value=\"{session}\">\
<input type=\"hidden\" name=\"username\" value=\"{user}\">",
        session = escape(session),
        user = escape(username),
    );
    with_script(document(
        "Sign in with a passkey",
        &format!(
            "<h1>Sign in with a passkey</h1>\
<p class=\"note\">Signing in as <strong>{user}</strong>. Your browser asks for your passkey (a fingerprint, your face, a PIN or a security key).</p>\
{form}<p class=\"note\"><a href=\"{back}\">Sign in another way</a></p>",
            user = escape(username),
            form = passkey_form("get", action, options, &hidden, "Use my passkey"),
            back = escape(back),
        ),
    ))
}

/// The page that offers to add a passkey to the signed-in user (`/passkeys/add`): `options`
/// are the `CredentialCreationOptions`; the form posts to `action` with `step=register`, and a
/// second one skips it (`step=skip`) and goes on to the app.
pub(crate) fn add(action: &str, username: &str, options: &str, error: Option<&str>) -> Response {
    let hidden = "<input type=\"hidden\" name=\"step\" value=\"register\">";
    with_script(document(
        "Add a passkey",
        &format!(
            "<h1>Add a passkey</h1>{alert}\
<p class=\"note\">You are signed in as <strong>{user}</strong>. With a passkey you sign in next time with your fingerprint, your face, a PIN or a security key instead of your password.</p>\
{form}<form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"step\" value=\"skip\">\
<button type=\"submit\" class=\"secondary\">Not now</button></form>",
            alert = alert(error),
            user = escape(username),
            form = passkey_form("create", action, options, hidden, "Add a passkey"),
            action = escape(action),
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_the_script_by_its_hash_and_options_are_escaped() {
        let script_src = POLICY
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src "))
            .unwrap();
        assert!(script_src.starts_with("script-src 'sha256-"));
        assert!(!script_src.contains("unsafe"));
        let resp = add(
            "/passkeys/add?a=1&b=2",
            "a<b",
            "{\"x\":\"</script>\"}",
            None,
        );
        let csp = resp.headers()["content-security-policy"].to_str().unwrap();
        assert_eq!(csp, POLICY.as_str());
        let page = passkey_form("get", "/login?a=1", "{\"x\":\"\\\"<\"}", "", "Go");
        assert!(page.contains("data-options=\"{&quot;x&quot;:&quot;\\&quot;&lt;&quot;}\""));
        assert_eq!(page.matches("<script>").count(), 1);
    }
}
