//! AWS Signature Version 4, server side: checks the `Authorization: AWS4-HMAC-SHA256 …` of a
//! request against the configured administrator credentials, as AWS does — the signature
//! recomputed over the canonical request (the signed headers, the query, the body's SHA-256),
//! the credential scope's service and date, and the request date within 15 minutes of the
//! server's clock. Errors carry AWS's names and wording.
//!
//! Checked against AWS's published SigV4 test suite (the unit tests below), the `aws-sigv4`
//! crate, boto3 and raw requests (`tests/admin_auth.rs`).

use std::collections::HashMap;
use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::{ApiError, Exception, Protocol};

/// How far a request's date may be from the server's clock.
const SKEW_SECS: i64 = 15 * 60;

/// The access keys the server accepts, each with its secret.
#[derive(Clone, Default)]
pub struct AdminCredentials {
    keys: HashMap<String, Zeroizing<String>>,
}

impl fmt::Debug for AdminCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Access key ids are not secret; the secrets never appear.
        f.debug_struct("AdminCredentials")
            .field("access_keys", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl AdminCredentials {
    /// Adds an access key and its secret.
    pub fn add(&mut self, access_key: impl Into<String>, secret: impl Into<String>) {
        self.keys
            .insert(access_key.into(), Zeroizing::new(secret.into()));
    }

    /// Parses `ACCESS_KEY:SECRET` (the secret may contain `:`); `None` if either part is empty.
    pub fn parse_pair(text: &str) -> Option<(String, String)> {
        let (key, secret) = text.split_once(':')?;
        let key = key.trim();
        if key.is_empty() || secret.is_empty() {
            return None;
        }
        Some((key.to_owned(), secret.to_owned()))
    }

    /// Whether no key is configured.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// What is checked of one request.
pub(crate) struct Request<'a> {
    pub method: &'a str,
    /// The path as sent (percent-encoded).
    pub path: &'a str,
    /// The query as sent, without `?`.
    pub query: &'a str,
    pub headers: &'a axum::http::HeaderMap,
    pub body: &'a [u8],
}

fn err(kind: Protocol, message: impl Into<String>) -> ApiError {
    ApiError::new(Exception::Protocol(kind), message)
}

fn incomplete(message: impl Into<String>) -> ApiError {
    err(Protocol::IncompleteSignature, message)
}

/// The parts of an `Authorization` header.
struct Authorization<'a> {
    access_key: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    terminator: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, ApiError> {
    let Some(rest) = value.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return Err(incomplete(format!(
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization={}",
            value.split_whitespace().next().unwrap_or("")
        )));
    };
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = Some(v);
        }
    }
    let mut missing = Vec::new();
    for (name, v) in [
        ("Credential", credential),
        ("Signature", signature),
        ("SignedHeaders", signed),
    ] {
        if v.is_none_or(str::is_empty) {
            missing.push(format!("Authorization header requires '{name}' parameter."));
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) = (credential, signed, signature)
    else {
        return Err(incomplete(missing.join(" ")));
    };
    if !missing.is_empty() {
        return Err(incomplete(missing.join(" ")));
    }
    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key, date, region, service, terminator] = parts[..] else {
        return Err(incomplete(format!(
            "Credential should be scoped to a valid region, not '{}'. ",
            parts.get(2).copied().unwrap_or("")
        )));
    };
    Ok(Authorization {
        access_key,
        date,
        region,
        service,
        terminator,
        signed_headers,
        signature,
    })
}

/// Checks a request's SigV4 signature for `service` (`cognito-idp`, `cognito-identity`) at
/// `now` (epoch seconds).
pub(crate) fn verify(
    creds: &AdminCredentials,
    service: &str,
    req: &Request<'_>,
    now: i64,
) -> Result<(), ApiError> {
    let Some(value) = req.headers.get("authorization") else {
        return Err(err(
            Protocol::MissingAuthenticationToken,
            "Request is missing Authentication Token",
        ));
    };
    let value = value
        .to_str()
        .map_err(|_| incomplete("The Authorization header is not valid text."))?;
    let auth = parse_authorization(value)?;
    if auth.terminator != "aws4_request" {
        return Err(err(
            Protocol::InvalidSignature,
            format!(
                "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'.",
                auth.terminator
            ),
        ));
    }
    if auth.service != service {
        return Err(err(
            Protocol::InvalidSignature,
            format!("Credential should be scoped to correct service: '{service}'. "),
        ));
    }
    let Some(secret) = creds.keys.get(auth.access_key) else {
        return Err(err(
            Protocol::UnrecognizedClient,
            "The security token included in the request is invalid.",
        ));
    };
    let amz_date = req
        .headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        })?;
    let when = parse_amz_date(amz_date).ok_or_else(|| {
        incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See http://en.wikipedia.org/wiki/ISO_8601"
        ))
    })?;
    if auth.date != &amz_date[..8] {
        return Err(err(
            Protocol::InvalidSignature,
            format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{amz_date}'.",
                auth.date,
                &amz_date[..8]
            ),
        ));
    }
    if when < now - SKEW_SECS {
        return Err(err(
            Protocol::InvalidSignature,
            format!(
                "Signature expired: {amz_date} is now earlier than {} ({} - 15 min.)",
                format_amz_date(now - SKEW_SECS),
                format_amz_date(now)
            ),
        ));
    }
    if when > now + SKEW_SECS {
        return Err(err(
            Protocol::InvalidSignature,
            format!(
                "Signature not yet current: {amz_date} is still later than {} ({} + 15 min.)",
                format_amz_date(now + SKEW_SECS),
                format_amz_date(now)
            ),
        ));
    }
    let names: Vec<&str> = auth.signed_headers.split(';').collect();
    if !names.contains(&"host") {
        return Err(incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    let canonical = canonical_request(req, &names)?;
    let scope = format!(
        "{}/{}/{}/aws4_request",
        auth.date, auth.region, auth.service
    );
    let expected = signature(secret, amz_date, &scope, &canonical);
    let given = auth.signature.as_bytes();
    if given.len() == expected.len() && bool::from(given.ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(err(
            Protocol::InvalidSignature,
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ))
    }
}

/// The canonical request of SigV4 over the headers `signed` (lower-case names, in the
/// `SignedHeaders` order the client sent, which SigV4 requires to be sorted).
fn canonical_request(req: &Request<'_>, signed: &[&str]) -> Result<String, ApiError> {
    let mut headers = String::new();
    for name in signed {
        let values: Vec<String> = req
            .headers
            .get_all(*name)
            .iter()
            .map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        if values.is_empty() {
            return Err(err(
                Protocol::InvalidSignature,
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
            ));
        }
        headers.push_str(name);
        headers.push(':');
        headers.push_str(&values.join(","));
        headers.push('\n');
    }
    Ok(format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        canonical_uri(req.path),
        canonical_query(req.query),
        headers,
        signed.join(";"),
        hex(&Sha256::digest(req.body))
    ))
}

/// The path URI-encoded once more, `/` kept (what the SDKs sign for every service but S3).
fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".into();
    }
    encode(path.as_bytes(), true)
}

/// `key=value` pairs decoded, encoded the SigV4 way, sorted.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                encode(&percent_decode(k), false),
                encode(&percent_decode(v), false),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// RFC 3986 encoding: unreserved characters kept, everything else `%XX` (upper case).
fn encode(bytes: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length; were it to refuse one, no signature would match.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) else {
        return [0; 32];
    };
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

fn signature(secret: &str, amz_date: &str, scope: &str, canonical: &str) -> String {
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let mut parts = scope.split('/');
    let mut key = Zeroizing::new(format!("AWS4{secret}").into_bytes());
    for part in [
        parts.next(),
        parts.next(),
        parts.next(),
        Some("aws4_request"),
    ] {
        let next = hmac(&key, part.unwrap_or("").as_bytes());
        key = Zeroizing::new(next.to_vec());
    }
    hex(&hmac(&key, to_sign.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `YYYYMMDDTHHMMSSZ` to epoch seconds.
fn parse_amz_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if !t.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    };
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss)
}

fn format_amz_date(t: i64) -> String {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

// Howard Hinnant's days-from-civil algorithms (proleptic Gregorian, 1970-01-01 is day 0).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    const KEY: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const DATE: &str = "20150830T123600Z";

    /// A request of AWS's SigV4 test suite (service `service`, us-east-1, 2015-08-30 12:36:00)
    /// with the suite's published signature: it must verify, and fail with one bit changed.
    fn suite(method: &str, path: &str, query: &str, signature: &str) {
        let mut creds = AdminCredentials::default();
        creds.add(KEY, SECRET);
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("example.amazonaws.com"));
        headers.insert("x-amz-date", HeaderValue::from_static(DATE));
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={KEY}/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}"
        );
        headers.insert("authorization", HeaderValue::from_str(&auth).unwrap());
        let now = parse_amz_date(DATE).unwrap();
        let req = Request {
            method,
            path,
            query,
            headers: &headers,
            body: b"",
        };
        verify(&creds, "service", &req, now).unwrap_or_else(|e| panic!("{path}?{query}: {e}"));
        let mut wrong = signature.to_owned();
        wrong.replace_range(0..1, if &signature[..1] == "0" { "1" } else { "0" });
        headers.insert(
            "authorization",
            HeaderValue::from_str(&auth.replace(signature, &wrong)).unwrap(),
        );
        let req = Request {
            method,
            path,
            query,
            headers: &headers,
            body: b"",
        };
        let e = verify(&creds, "service", &req, now).unwrap_err();
        assert_eq!(e.kind.name(), "InvalidSignatureException");
    }

    #[test]
    fn aws_test_suite_vectors_verify() {
        suite(
            "GET",
            "/",
            "",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        );
        suite(
            "POST",
            "/",
            "",
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
        );
        suite(
            "GET",
            "/",
            "Param2=value2&Param1=value1",
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        );
        suite(
            "GET",
            "/",
            "Param1=value1",
            "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
        );
        suite(
            "POST",
            "/",
            "Param1=value1",
            "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
        );
        suite(
            "GET",
            "/ሴ",
            "",
            "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
        );
        suite(
            "GET",
            "/example space/",
            "",
            "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
        );
    }

    #[test]
    fn dates_round_trip() {
        let t = parse_amz_date(DATE).unwrap();
        assert_eq!(t, 1_440_938_160);
        assert_eq!(format_amz_date(t), DATE);
        assert_eq!(format_amz_date(0), "19700101T000000Z");
        assert_eq!(
            parse_amz_date("20240229T235959Z")
                .map(format_amz_date)
                .as_deref(),
            Some("20240229T235959Z")
        );
        for bad in [
            "",
            "2015083T123600Z",
            "20150830T123600",
            "20151330T123600Z",
            "2015083xT123600Z",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
    }
}
