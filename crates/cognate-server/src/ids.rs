//! Random identifiers in Cognito's shapes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `N` random bytes straight from the operating system (getrandom). Not aws-lc's DRBG: seeding
/// that costs ~35 ms at first use, which would delay the first answer after start.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    cognate_srp::rand_core::Rng::fill_bytes(&mut cognate_srp::os_rng(), &mut out);
    out
}

fn random_string(alphabet: &[u8], len: usize) -> String {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in random_bytes::<32>() {
            // rejection sampling: no bias towards the first letters
            let limit = 256 - (256 % alphabet.len());
            if (b as usize) < limit && out.len() < len {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

/// A user pool id: `{region}_{9 alphanumerics}`, e.g. `us-east-1_AbC123xyZ`.
pub(crate) fn pool_id(region: &str) -> String {
    format!("{region}_{}", random_string(ALNUM, 9))
}

/// An app client id: 26 lowercase alphanumerics.
pub(crate) fn client_id() -> String {
    random_string(LOWER_ALNUM, 26)
}

/// An app client secret: 51 lowercase alphanumerics.
pub(crate) fn client_secret() -> String {
    random_string(LOWER_ALNUM, 51)
}

/// A random UUID (version 4), lowercase with hyphens: `sub`, `jti`, `origin_jti`, `event_id`.
pub(crate) fn uuid() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(x >> 4)]));
        out.push(char::from(HEX[usize::from(x & 0x0f)]));
    }
    out
}

/// An opaque refresh token: a fixed prefix and 48 random bytes, base64url.
pub(crate) fn refresh_token() -> String {
    format!(
        "cognate.rt.{}",
        URL_SAFE_NO_PAD.encode(random_bytes::<48>())
    )
}

/// A temporary password that satisfies any password policy.
pub(crate) fn temporary_password() -> String {
    format!("Tmp{}9!a", random_string(ALNUM, 12))
}

#[cfg(test)]
mod tests {
    #[test]
    fn shapes() {
        let p = super::pool_id("us-east-1");
        assert_eq!(p.len(), "us-east-1_".len() + 9);
        let c = super::client_id();
        assert_eq!(c.len(), 26);
        assert!(
            c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
        let u = super::uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        for (i, c) in u.chars().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                assert_eq!(c, '-', "{u}");
            } else {
                assert!(c.is_ascii_hexdigit() && !c.is_ascii_uppercase(), "{u}");
            }
        }
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
    }
}
