//! Structural parsing of a compact JWS, before anything is verified.

use serde_json::{Map, Value};

use crate::error::{Part, VerifyError};
use crate::strict;

/// The default size limit for a token: 16 KiB. Cognito tokens are 1–4 KiB even with many
/// groups and custom attributes.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 16 * 1024;

/// A token split and decoded, with nothing checked but its shape.
///
/// Parsing enforces the structural rules every token must pass before any key is looked at:
/// a size limit, exactly three segments (a five-segment JWE, as Cognito refresh tokens are, is
/// reported as [`VerifyError::RefreshToken`]), canonical unpadded base64url in each segment, and
/// a header and payload that are each one JSON object with no repeated key at any depth.
///
/// Nothing here is authenticated: use it to inspect a token, never to trust one.
///
/// ```
/// use cognate_verify::UnverifiedToken;
///
/// // {"alg":"RS256","kid":"k1"} . {"sub":"abc"} . (signature)
/// let token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhYmMifQ.c2ln";
/// let parsed = UnverifiedToken::parse(token)?;
/// assert_eq!(parsed.alg(), Some("RS256"));
/// assert_eq!(parsed.kid(), Some("k1"));
/// assert_eq!(parsed.payload()["sub"], "abc");
/// assert_eq!(parsed.signature(), b"sig");
///
/// assert!(UnverifiedToken::parse("a.b").is_err());
/// # Ok::<(), cognate_verify::VerifyError>(())
/// ```
#[derive(Debug, Clone)]
pub struct UnverifiedToken<'a> {
    signing_input: &'a str,
    header: Map<String, Value>,
    payload: Map<String, Value>,
    signature: Vec<u8>,
}

impl<'a> UnverifiedToken<'a> {
    /// Parses `token` with the [default size limit](DEFAULT_MAX_TOKEN_LEN).
    pub fn parse(token: &'a str) -> Result<Self, VerifyError> {
        Self::parse_with_limit(token, DEFAULT_MAX_TOKEN_LEN)
    }

    /// Parses `token`, rejecting it if it is longer than `max_len` bytes.
    pub fn parse_with_limit(token: &'a str, max_len: usize) -> Result<Self, VerifyError> {
        let split = Split::new(token, max_len)?;
        let payload = strict::json_object(&split.payload, Part::Payload)?;
        Ok(UnverifiedToken {
            signing_input: split.signing_input,
            header: split.header,
            payload,
            signature: split.signature,
        })
    }

    /// The decoded JOSE header.
    pub fn header(&self) -> &Map<String, Value> {
        &self.header
    }

    /// The decoded claims.
    pub fn payload(&self) -> &Map<String, Value> {
        &self.payload
    }

    /// The header's `alg`, if it is a string.
    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    /// The header's `kid`, if it is a string.
    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// The decoded signature bytes (empty for an unsecured token).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// `header.payload` exactly as in the token: the bytes the signature covers.
    pub fn signing_input(&self) -> &'a str {
        self.signing_input
    }
}

/// A token split into its segments, each decoded, and the header parsed; the payload stays
/// bytes for the verifier's own reader.
pub(crate) struct Split<'a> {
    pub(crate) signing_input: &'a str,
    pub(crate) header: Map<String, Value>,
    pub(crate) payload: Vec<u8>,
    pub(crate) signature: Vec<u8>,
}

impl<'a> Split<'a> {
    pub(crate) fn new(token: &'a str, max_len: usize) -> Result<Self, VerifyError> {
        if token.len() > max_len {
            return Err(VerifyError::TooLarge {
                len: token.len(),
                max: max_len,
            });
        }
        let mut dots = token.match_indices('.').map(|(i, _)| i);
        let (Some(first), Some(second)) = (dots.next(), dots.next()) else {
            return Err(VerifyError::Malformed(
                "a JWT has three dot-separated segments",
            ));
        };
        match dots.count() {
            0 => {}
            // header.encrypted_key.iv.ciphertext.tag: a JWE, such as a Cognito refresh token.
            2 => return Err(VerifyError::RefreshToken),
            _ => {
                return Err(VerifyError::Malformed(
                    "a JWT has three dot-separated segments",
                ));
            }
        }
        let header_b64 = &token[..first];
        let payload_b64 = &token[first + 1..second];
        let signature_b64 = &token[second + 1..];
        if header_b64.is_empty() || payload_b64.is_empty() {
            return Err(VerifyError::Malformed("empty header or payload segment"));
        }
        let header_bytes = strict::base64url(header_b64, Part::Header)?;
        let header = strict::json_object(&header_bytes, Part::Header)?;
        let payload = strict::base64url(payload_b64, Part::Payload)?;
        let signature = strict::base64url(signature_b64, Part::Signature)?;
        Ok(Split {
            signing_input: &token[..second],
            header,
            payload,
            signature,
        })
    }

    pub(crate) fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0"; // {"alg":"RS256","kid":"k1"}
    const P: &str = "eyJzdWIiOiJhYmMifQ"; // {"sub":"abc"}

    #[test]
    fn segments() {
        assert!(UnverifiedToken::parse(&format!("{H}.{P}.c2ln")).is_ok());
        assert!(UnverifiedToken::parse(&format!("{H}.{P}.")).is_ok());
        assert_eq!(
            UnverifiedToken::parse(&format!("{H}.{P}"))
                .err()
                .map(|e| e.check()),
            Some("structure")
        );
        assert_eq!(
            UnverifiedToken::parse(&format!("{H}.{P}.c2ln.x")).err(),
            Some(VerifyError::Malformed(
                "a JWT has three dot-separated segments"
            ))
        );
        assert_eq!(
            UnverifiedToken::parse(&format!("{H}.a.b.c.d")).err(),
            Some(VerifyError::RefreshToken)
        );
        assert!(UnverifiedToken::parse(&format!(".{P}.c2ln")).is_err());
        assert!(UnverifiedToken::parse("").is_err());
        assert!(UnverifiedToken::parse("...").is_err());
    }

    #[test]
    fn size_limit() {
        let token = format!("{H}.{P}.c2ln");
        assert!(UnverifiedToken::parse_with_limit(&token, token.len()).is_ok());
        assert_eq!(
            UnverifiedToken::parse_with_limit(&token, token.len() - 1).err(),
            Some(VerifyError::TooLarge {
                len: token.len(),
                max: token.len() - 1
            })
        );
    }

    #[test]
    fn trailing_garbage_is_rejected() {
        assert_eq!(
            UnverifiedToken::parse(&format!("{H}.{P}.c2ln ")).err(),
            Some(VerifyError::Base64(Part::Signature))
        );
        assert_eq!(
            UnverifiedToken::parse(&format!("{H}.{P}.c2ln=")).err(),
            Some(VerifyError::Base64(Part::Signature))
        );
    }
}
