//! GetSigningCertificate: the pool's SAML signing certificate, a real self-signed X.509 v3
//! certificate (RSA 2048, `sha256WithRSAEncryption`, valid ten years, as Cognito's) for a key
//! made for the pool at the first request and kept with it. The DER is written here: the tree
//! has no X.509 writer, and the certificate needs only a handful of fixed structures.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{self, KeyPair, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::Ctx;
use super::config_docs::{self as docs, Collection};
use crate::error::ApiError;
use crate::model::UserPool;
use crate::tokens::SigningKey;

/// Validity of the certificate: ten years, as Cognito's.
pub(crate) const VALID_SECS: i64 = 10 * 365 * 86_400;

/// The stored key and certificate of a pool.
#[derive(Serialize, Deserialize)]
struct Stored {
    /// The private key, PKCS#8 DER, base64.
    pkcs8: String,
    /// The certificate, DER, base64 (what GetSigningCertificate answers).
    certificate: String,
}

/// The pool's certificate (DER, base64), made at the first request.
pub(crate) fn certificate(ctx: &Ctx, pool: &UserPool) -> Result<String, ApiError> {
    let stored: Stored =
        docs::get_or_insert(ctx, &pool.id, Collection::SamlSigning, "key", || {
            let key =
                SigningKey::generate().map_err(|_| ApiError::internal("key generation failed"))?;
            let der = STANDARD
                .decode(&key.pkcs8)
                .map_err(|_| ApiError::internal("key encoding failed"))?;
            let pair =
                RsaKeyPair::from_pkcs8(&der).map_err(|_| ApiError::internal("key rejected"))?;
            let cert = self_signed(&pair, &pool.id, ctx.now())?;
            Ok(Stored {
                pkcs8: key.pkcs8,
                certificate: STANDARD.encode(cert),
            })
        })?;
    Ok(stored.certificate)
}

/// A DER tag-length-value.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// `sha256WithRSAEncryption` (1.2.840.113549.1.1.11) with NULL parameters.
fn sha256_with_rsa() -> Vec<u8> {
    seq(&[
        &[
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
        ],
        &[0x05, 0x00],
    ])
}

/// A name of RDNs `(attribute OID bytes, UTF-8 value)`.
fn name(rdns: &[(&[u8], &str)]) -> Vec<u8> {
    let sets: Vec<Vec<u8>> = rdns
        .iter()
        .map(|(oid, value)| tlv(0x31, &seq(&[&tlv(0x06, oid), &tlv(0x0c, value.as_bytes())])))
        .collect();
    tlv(0x30, &sets.concat())
}

/// `UTCTime` (before 2050) or `GeneralizedTime` of Unix seconds.
fn time(secs: i64) -> Vec<u8> {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let clock = format!(
        "{month:02}{day:02}{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    if (1950..2050).contains(&year) {
        tlv(0x17, format!("{:02}{clock}", year % 100).as_bytes())
    } else {
        tlv(0x18, format!("{year:04}{clock}").as_bytes())
    }
}

/// A self-signed certificate of `pair` for pool `pool_id`, valid from `now` for ten years.
fn self_signed(pair: &RsaKeyPair, pool_id: &str, now: i64) -> Result<Vec<u8>, ApiError> {
    let spki = pair
        .public_key()
        .as_der()
        .map_err(|_| ApiError::internal("public key encoding failed"))?;
    let mut serial = crate::ids::random_bytes::<16>();
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    let subject = name(&[
        (&[0x55, 0x04, 0x06], "US"),
        (&[0x55, 0x04, 0x0a], "cognate"),
        (&[0x55, 0x04, 0x0b], "Cognito"),
        (&[0x55, 0x04, 0x03], pool_id),
    ]);
    let tbs = seq(&[
        &[0xa0, 0x03, 0x02, 0x01, 0x02], // [0] version v3
        &tlv(0x02, &serial),
        &sha256_with_rsa(),
        &subject,
        &seq(&[&time(now), &time(now + VALID_SECS)]),
        &subject,
        spki.as_ref(),
    ]);
    let mut sig = vec![0u8; pair.public_modulus_len()];
    pair.sign(
        &signature::RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        &tbs,
        &mut sig,
    )
    .map_err(|_| ApiError::internal("signing failed"))?;
    let mut bits = vec![0u8];
    bits.extend(sig);
    Ok(seq(&[&tbs, &sha256_with_rsa(), &tlv(0x03, &bits)]))
}

#[cfg(test)]
mod tests {
    use super::time;

    #[test]
    fn times_in_der() {
        assert_eq!(&time(0)[2..], b"700101000000Z");
        assert_eq!(time(0)[0], 0x17);
        // 2026-12-05 02:11:11 UTC and ten years on.
        assert_eq!(&time(1_796_436_671)[2..], b"261205021111Z");
        let later = time(2_556_057_600); // 2050-12-31 00:00:00
        assert_eq!(later[0], 0x18);
        assert_eq!(&later[2..], b"20501231000000Z");
    }
}
