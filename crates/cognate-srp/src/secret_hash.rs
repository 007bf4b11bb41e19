//! `SECRET_HASH`, required on every call of an app client that has a secret.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::math::hmac;

/// `SECRET_HASH = base64(HMAC-SHA256(key = client secret, msg = username ‖ client id))`.
///
/// On `REFRESH_TOKEN_AUTH`, `username` must be the user's internal name (the `sub` for pools
/// that sign in with an email alias), not the name typed at login.
///
/// ```
/// let h = cognate_srp::secret_hash("client-secret", "alice", "1example23456789");
/// assert_eq!(h.len(), 44);
/// ```
pub fn secret_hash(client_secret: &str, username: &str, client_id: &str) -> String {
    let mac = hmac(
        client_secret.as_bytes(),
        &[username.as_bytes(), client_id.as_bytes()],
    );
    STANDARD.encode(mac.as_slice())
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_an_independent_hmac() {
        // python3 -c "import hmac,hashlib,base64;print(base64.b64encode(hmac.new(b'secret',
        //   b'alice'+b'client',hashlib.sha256).digest()).decode())"
        assert_eq!(
            super::secret_hash("secret", "alice", "client"),
            "RTsve+FQ659UKyESgvLg9GYmZEL+QjzQsW/OjL77/b0="
        );
    }
}
