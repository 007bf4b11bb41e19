//! Hexadecimal as Cognito's SRP uses it: integers written in base 16, possibly with an odd
//! number of digits, and `padHex`, the byte form every hash in the protocol is taken over.

use crate::Error;

/// Longest hex input accepted for one number (a 3072-bit value needs 768 digits).
pub const MAX_HEX_DIGITS: usize = 2048;

/// Parses the base-16 integer `text` (either case, odd length allowed, leading zeros allowed)
/// into its big-endian bytes. `field` names the parameter in errors.
pub(crate) fn parse(field: &'static str, text: &str) -> Result<Vec<u8>, Error> {
    if text.is_empty() {
        return Err(Error::InvalidHex {
            field,
            reason: "empty",
        });
    }
    if text.len() > MAX_HEX_DIGITS {
        return Err(Error::InvalidHex {
            field,
            reason: "too long",
        });
    }
    let digits = text.as_bytes();
    let mut out = Vec::with_capacity(digits.len().div_ceil(2));
    let (head, rest) = if digits.len() % 2 == 1 {
        digits.split_at(1)
    } else {
        digits.split_at(0)
    };
    if let [d] = head {
        out.push(nibble(field, *d)?);
    }
    for pair in rest.chunks_exact(2) {
        out.push((nibble(field, pair[0])? << 4) | nibble(field, pair[1])?);
    }
    Ok(out)
}

fn nibble(field: &'static str, digit: u8) -> Result<u8, Error> {
    match digit {
        b'0'..=b'9' => Ok(digit - b'0'),
        b'a'..=b'f' => Ok(digit - b'a' + 10),
        b'A'..=b'F' => Ok(digit - b'A' + 10),
        _ => Err(Error::InvalidHex {
            field,
            reason: "contains a character that is not a hex digit",
        }),
    }
}

/// Lowercase hex of `bytes`, two digits a byte.
pub(crate) fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// The integer with big-endian bytes `bytes` written as JavaScript's `toString(16)` and
/// Python's `'%x'` write it: lowercase, no leading zeros, `"0"` for zero. This is how
/// amazon-cognito-identity-js and pycognito send `SRP_A`.
pub(crate) fn integer(bytes: &[u8]) -> String {
    let text = encode(bytes);
    let trimmed = text.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// `padHex` as bytes: the minimal big-endian bytes of an integer (one `00` byte for zero), with
/// a `00` byte in front when the top bit is set, so the value reads as non-negative.
pub(crate) fn padded(minimal: &[u8]) -> Vec<u8> {
    let first_nonzero = minimal
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(minimal.len());
    let significant = &minimal[first_nonzero..];
    let mut out = Vec::with_capacity(significant.len() + 1);
    if significant.first().is_none_or(|b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(significant);
    out
}

/// `padHex(x)` of Cognito's SRP for the integer written as hex in `text`: even length, with a
/// leading `00` when the top bit is set.
///
/// ```
/// assert_eq!(cognate_srp::pad_hex("abc").unwrap(), "0abc");
/// assert_eq!(cognate_srp::pad_hex("80").unwrap(), "0080");
/// assert_eq!(cognate_srp::pad_hex("000f").unwrap(), "0f");
/// assert_eq!(cognate_srp::pad_hex("0").unwrap(), "00");
/// ```
pub fn pad_hex(text: &str) -> Result<String, Error> {
    Ok(encode(&padded(&parse("value", text)?)))
}
