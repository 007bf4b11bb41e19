//! The formulas of Cognito's SRP-6a, on big integers. Crate-private: the public types in
//! [`crate::client`], [`crate::server`] and [`crate::device`] are built from these.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::Error;
use crate::bn::Bn;
use crate::group::group;
use crate::hex;

type HmacSha256 = Hmac<Sha256>;

/// `padHex(v)` bytes of a big integer.
pub(crate) fn pad(v: &Bn) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(hex::padded(&v.to_be_bytes()))
}

/// `u = H(padHex(A) ‖ padHex(B))`; zero is refused.
pub(crate) fn scrambler(big_a: &Bn, big_b: &Bn) -> Result<Bn, Error> {
    let mut h = Sha256::new();
    h.update(pad(big_a));
    h.update(pad(big_b));
    nonzero_scrambler(Bn::from_be_bytes(&h.finalize())?)
}

/// SRP-6a aborts when `u = 0` (no hash input is known to give it; the check stays anyway).
fn nonzero_scrambler(u: Bn) -> Result<Bn, Error> {
    if u.is_zero() {
        Err(Error::ZeroScrambler)
    } else {
        Ok(u)
    }
}

/// `x = H(padHex(salt) ‖ SHA256(poolName ‖ userId ‖ ":" ‖ password))`.
pub(crate) fn private_key(
    salt: &Bn,
    pool_name: &str,
    user_id: &str,
    password: &str,
) -> Result<Bn, Error> {
    let mut inner = Sha256::new();
    inner.update(pool_name.as_bytes());
    inner.update(user_id.as_bytes());
    inner.update(b":");
    inner.update(password.as_bytes());
    let inner: Zeroizing<[u8; 32]> = Zeroizing::new(inner.finalize().into());
    let mut outer = Sha256::new();
    outer.update(pad(salt));
    outer.update(inner.as_slice());
    let x: Zeroizing<[u8; 32]> = Zeroizing::new(outer.finalize().into());
    Bn::from_be_bytes(x.as_slice())
}

/// `v = g^x mod N`.
pub(crate) fn verifier(x: &Bn) -> Result<Bn, Error> {
    group()?.g_pow(x)
}

/// Parses a peer's public value and refuses it when it is zero modulo N.
pub(crate) fn public_value(field: &'static str, text: &str) -> Result<Bn, Error> {
    let v = Bn::from_be_bytes(&hex::parse(field, text)?)?;
    if group()?.modulus.reduce(&v)?.is_zero() {
        return Err(Error::IllegalPublicValue { field });
    }
    Ok(v)
}

/// Client side: `S = (B − k·g^x)^(a + u·x) mod N`.
pub(crate) fn client_premaster(big_b: &Bn, a: &Bn, u: &Bn, x: &Bn) -> Result<Bn, Error> {
    let grp = group()?;
    let m = &grp.modulus;
    let kv = m.mul(&grp.k, &verifier(x)?)?;
    let base = m.sub(big_b, &kv)?;
    let exp = a.add(&u.mul(x)?)?;
    m.pow(&base, &exp)
}

/// Server side: `B = (k·v + g^b) mod N`.
pub(crate) fn server_public(v: &Bn, b: &Bn) -> Result<Bn, Error> {
    let grp = group()?;
    let m = &grp.modulus;
    m.add(&m.mul(&grp.k, v)?, &grp.g_pow(b)?)
}

/// Server side: `S = (A · v^u)^b mod N`.
pub(crate) fn server_premaster(big_a: &Bn, v: &Bn, u: &Bn, b: &Bn) -> Result<Bn, Error> {
    let m = &group()?.modulus;
    let base = m.mul(big_a, &m.pow(v, u)?)?;
    m.pow(&base, b)
}

/// The 16-byte session key: `HMAC(HMAC(padHex(u), padHex(S)), "Caldera Derived Key" ‖ 0x01)[..16]`.
pub(crate) fn session_key(u: &Bn, s: &Bn) -> Zeroizing<[u8; 16]> {
    let prk = hmac(&pad(u), &[&pad(s)]);
    let okm = hmac(prk.as_slice(), &[b"Caldera Derived Key", &[1u8]]);
    let mut key = Zeroizing::new([0u8; 16]);
    key.copy_from_slice(&okm[..16]);
    key
}

/// `HMAC(K, poolName ‖ userId ‖ secretBlock ‖ timestamp)`.
pub(crate) fn claim_mac(
    key: &[u8; 16],
    pool_name: &str,
    user_id: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> Zeroizing<[u8; 32]> {
    hmac(
        key,
        &[
            pool_name.as_bytes(),
            user_id.as_bytes(),
            secret_block,
            timestamp.as_bytes(),
        ],
    )
}

pub(crate) fn hmac(key: &[u8], parts: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for p in parts {
        mac.update(p);
    }
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

pub(crate) fn decode_base64(field: &'static str, text: &str) -> Result<Vec<u8>, Error> {
    STANDARD
        .decode(text)
        .map_err(|_| Error::InvalidBase64 { field })
}

pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Draws a non-zero secret exponent of [`crate::group::SECRET_BITS`] bits.
pub(crate) fn random_exponent(rng: &mut impl rand_core::CryptoRng) -> Result<Bn, Error> {
    loop {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(bytes.as_mut_slice());
        let e = Bn::from_be_bytes(bytes.as_slice())?;
        if !e.is_zero() {
            return Ok(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_scrambler_is_refused() {
        assert_eq!(
            nonzero_scrambler(Bn::from_u64(0).unwrap()).err(),
            Some(Error::ZeroScrambler)
        );
        assert!(nonzero_scrambler(Bn::from_u64(1).unwrap()).is_ok());
    }

    #[test]
    fn fixed_base_table_agrees_with_plain_exponentiation() {
        let grp = group().unwrap();
        for exp in [
            &[1u8][..],
            &[0xff; 32],
            &[0x80, 0, 0, 1],
            &[0x12; 31],
            &[0xfe; 33],
            &[0x01; 128],
        ] {
            let e = Bn::from_be_bytes(exp).unwrap();
            let table = grp.g_pow(&e).unwrap();
            let plain = grp.modulus.pow(&grp.g, &e).unwrap();
            assert!(table == plain, "exponent {exp:02x?}");
        }
    }

    /// The aws-lc table (the path on CPUs without AVX-512 IFMA) against aws-lc's own
    /// exponentiation, whatever this CPU has.
    #[test]
    fn aws_lc_fixed_base_table_agrees_with_plain_exponentiation() {
        use crate::bn::{FixedBase, Modulus};
        let grp = group().unwrap();
        let n = Bn::from_be_bytes(&grp.modulus.n_bytes()).unwrap();
        let m = Modulus::new_aws_lc_only(n).unwrap();
        let table = FixedBase::new(&m, &grp.g, 256).unwrap();
        for exp in [&[1u8][..], &[0xff; 32], &[0x80, 0, 0, 1], &[0x12; 31]] {
            let e = Bn::from_be_bytes(exp).unwrap();
            let fast = table.pow(&m, &e).unwrap().unwrap();
            assert!(fast == m.pow(&grp.g, &e).unwrap(), "exponent {exp:02x?}");
        }
        assert!(
            table
                .pow(&m, &Bn::from_be_bytes(&[1; 33]).unwrap())
                .unwrap()
                .is_none()
        );
    }
}
