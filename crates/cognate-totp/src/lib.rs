//! TOTP (RFC 6238) as Amazon Cognito's software-token MFA uses it: HMAC-SHA1, six digits,
//! 30-second steps, base32 secrets, and `otpauth://` URIs for authenticator apps.
//!
//! Both sides use it: a local Cognito generates secrets (`AssociateSoftwareToken`) and checks
//! codes (`VerifySoftwareToken`, `SOFTWARE_TOKEN_MFA`); a client shows the URI to a person, or —
//! for a service account whose TOTP secret it holds — computes the code itself.
//!
//! ```
//! use cognate_totp::TotpSecret;
//!
//! let secret = TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
//! assert_eq!(secret.code_at(59), "287082"); // RFC 6238, appendix B
//! assert_eq!(secret.check("287082", 59 + 30, 1), Some(1)); // one step late is still fine
//! assert_eq!(secret.check("287082", 59 + 90, 1), None);
//! let uri = secret.otpauth_uri("My App", "alice@example.com");
//! assert!(uri.starts_with("otpauth://totp/My%20App:alice%40example.com?secret=GEZDGNBV"));
//! ```

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Seconds per step.
pub const STEP_SECONDS: u64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;

/// What can be wrong with a secret given as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not RFC 4648 base32.
    #[error("the TOTP secret is not base32 (letters A–Z and digits 2–7)")]
    NotBase32,
    /// Shorter than 80 bits (RFC 4226 asks for at least 128, recommends 160).
    #[error("the TOTP secret is too short: at least 10 bytes (16 base32 characters) are needed")]
    TooShort,
}

/// A shared TOTP secret. Wiped on drop; `Debug` does not show it.
#[derive(Clone)]
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl TotpSecret {
    /// A fresh 32-byte secret (52 base32 characters, the length Cognito hands out).
    pub fn generate(rng: &mut impl rand_core::CryptoRng) -> Self {
        let mut bytes = Zeroizing::new(vec![0u8; 32]);
        rng.fill_bytes(&mut bytes);
        TotpSecret(bytes)
    }

    /// The secret from its raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() < 10 {
            return Err(Error::TooShort);
        }
        Ok(TotpSecret(Zeroizing::new(bytes.to_vec())))
    }

    /// Parses base32 as authenticator apps and Cognito write it: either case, spaces and `=`
    /// padding ignored.
    pub fn from_base32(text: &str) -> Result<Self, Error> {
        let mut out = Zeroizing::new(Vec::with_capacity(text.len() * 5 / 8));
        let (mut acc, mut bits) = (0u64, 0u32);
        for c in text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '=' && *c != '-')
        {
            let v = match c.to_ascii_uppercase() {
                u @ 'A'..='Z' => u as u64 - 'A' as u64,
                d @ '2'..='7' => d as u64 - '2' as u64 + 26,
                _ => return Err(Error::NotBase32),
            };
            acc = (acc << 5) | v;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
                acc &= (1 << bits) - 1;
            }
        }
        Self::from_bytes(&out)
    }

    /// The secret as unpadded uppercase base32 (what `AssociateSoftwareToken` returns as
    /// `SecretCode`).
    pub fn to_base32(&self) -> String {
        const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let mut out = String::with_capacity(self.0.len().div_ceil(5) * 8);
        let (mut acc, mut bits) = (0u64, 0u32);
        for b in self.0.iter() {
            acc = (acc << 8) | u64::from(*b);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
            }
            acc &= (1 << bits) - 1;
        }
        if bits > 0 {
            out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
        }
        out
    }

    /// The code for time step `step` (RFC 4226 HOTP of the step counter).
    pub fn code_for_step(&self, step: u64) -> String {
        // HMAC takes keys of any length: this cannot fail.
        let mut mac =
            <Hmac<Sha1> as KeyInit>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(&step.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = usize::from(digest[19] & 0x0f);
        let value = u32::from_be_bytes([
            digest[offset] & 0x7f,
            digest[offset + 1],
            digest[offset + 2],
            digest[offset + 3],
        ]);
        format!("{:06}", value % 1_000_000)
    }

    /// The code at Unix time `unix_secs`.
    pub fn code_at(&self, unix_secs: u64) -> String {
        self.code_for_step(unix_secs / STEP_SECONDS)
    }

    /// Checks `code` at Unix time `unix_secs`, allowing `window` steps of drift either way.
    /// Returns the step that matched — a server refuses a second use of the same step — or
    /// `None`. Every candidate is compared, in constant time.
    pub fn check(&self, code: &str, unix_secs: u64, window: u64) -> Option<u64> {
        let code = code.trim();
        if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let now = unix_secs / STEP_SECONDS;
        let mut found = None;
        for step in now.saturating_sub(window)..=now.saturating_add(window) {
            if bool::from(self.code_for_step(step).as_bytes().ct_eq(code.as_bytes())) {
                found = Some(step);
            }
        }
        found
    }

    /// An `otpauth://totp/...` URI for authenticator apps (and QR codes).
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            encode_component(issuer),
            encode_component(account),
            self.to_base32(),
            encode_component(issuer)
        )
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vectors() {
        // Appendix B, SHA1 key "12345678901234567890"; six-digit codes are the last six digits.
        let s = TotpSecret::from_bytes(b"12345678901234567890").unwrap();
        for (t, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(s.code_at(t), code, "t = {t}");
        }
    }

    #[test]
    fn rfc_4648_base32_vectors() {
        for (raw, b32) in [
            ("foobar", "MZXW6YTBOI"),
            ("fooba", "MZXW6YTB"),
            ("12345678901234567890", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
        ] {
            if raw.len() >= 10 {
                let s = TotpSecret::from_bytes(raw.as_bytes()).unwrap();
                assert_eq!(s.to_base32(), b32);
                assert_eq!(
                    *TotpSecret::from_base32(&b32.to_lowercase()).unwrap().0,
                    raw.as_bytes()
                );
            } else {
                assert_eq!(TotpSecret::from_base32(b32).unwrap_err(), Error::TooShort);
            }
        }
        assert_eq!(
            TotpSecret::from_base32("GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ====")
                .unwrap()
                .to_base32(),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
        assert_eq!(
            TotpSecret::from_base32("GEZDGNBVGY3TQOJ1").unwrap_err(),
            Error::NotBase32
        );
    }

    #[test]
    fn check_allows_the_window_and_reports_the_step() {
        let s = TotpSecret::from_bytes(b"12345678901234567890").unwrap();
        let code = s.code_at(1_111_111_109);
        let step = 1_111_111_109 / 30;
        assert_eq!(s.check(&code, 1_111_111_109, 1), Some(step));
        assert_eq!(s.check(&code, 1_111_111_109 + 30, 1), Some(step));
        assert_eq!(s.check(&code, 1_111_111_109 - 30, 1), Some(step));
        assert_eq!(s.check(&code, 1_111_111_109 + 60, 1), None);
        assert_eq!(s.check(&format!(" {code}\n"), 1_111_111_109, 0), Some(step));
        for bad in ["", "12345", "1234567", "abcdef", "１２３４５６"] {
            assert_eq!(s.check(bad, 1_111_111_109, 1), None, "{bad:?}");
        }
    }

    #[test]
    fn generated_secrets_are_cognito_sized_and_private() {
        struct Counter(u8);
        impl rand_core::TryRng for Counter {
            type Error = core::convert::Infallible;
            fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
                Ok(0)
            }
            fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
                Ok(0)
            }
            fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
                for b in dst {
                    self.0 = self.0.wrapping_add(1);
                    *b = self.0;
                }
                Ok(())
            }
        }
        impl rand_core::TryCryptoRng for Counter {}
        let s = TotpSecret::generate(&mut Counter(0));
        assert_eq!(s.to_base32().len(), 52);
        assert_eq!(format!("{s:?}"), "TotpSecret([redacted])");
        assert!(
            s.otpauth_uri("a b", "c@d")
                .contains("otpauth://totp/a%20b:c%40d?secret=")
        );
    }

    proptest::proptest! {
        #[test]
        fn base32_round_trips(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 10..64)) {
            let s = TotpSecret::from_bytes(&bytes).unwrap();
            proptest::prop_assert_eq!(&**TotpSecret::from_base32(&s.to_base32()).unwrap().0, &bytes[..]);
        }
    }
}
