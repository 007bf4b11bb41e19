//! RS256 signature checks for 2048-bit keys with AVX-512 IFMA, where the CPU has it.
//!
//! An RS256 check is one RSA public-key operation, `s^65537 mod n`: 17 modular multiplications
//! of 2048-bit numbers. aws-lc (like OpenSSL) does them with 64-bit scalar multiplies, about
//! 14 µs per check on this project's machines, which is most of a token verification. CPUs with
//! AVX-512 IFMA (Intel since Ice Lake, AMD since Zen 4) multiply eight 52-bit limbs per
//! instruction; [`Rs256Key2048`] runs the same Montgomery multiplication on 40 limbs of 52 bits,
//! eight at a time, and checks the result against the PKCS#1 v1.5 encoding it builds itself.
//!
//! Only public values go through this code (the key, the signature, the digest), so it has no
//! secret to leak through timing. Every other key, and every CPU without IFMA, goes to aws-lc,
//! and so does a key whose exponent is not 65537; setting `COGNATE_VERIFY_NO_IFMA` (to
//! anything) sends every key there. This module's tests check the arithmetic against an
//! independent big-integer implementation (num-bigint) and the whole check against aws-lc.
//!
//! This module and its intrinsics are the crate's only `unsafe` code.
#![allow(unsafe_code)]
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]

/// Bytes of a 2048-bit modulus and of a signature made with it.
pub(crate) const MODULUS_BYTES: usize = 256;

/// Limbs of 52 bits: 40 × 52 = 2080 bits, so `R = 2^2080 > 4n` for any 2048-bit `n`.
const LIMBS: usize = 40;
const MASK: u64 = (1 << 52) - 1;

/// The DER `DigestInfo` prefix for SHA-256 (RFC 8017, section 9.2, note 1).
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

type Limbs = [u64; LIMBS];

/// A 2048-bit RSA public key with exponent 65537, ready for IFMA RS256 checks.
#[derive(Clone)]
pub(crate) struct Rs256Key2048 {
    /// The modulus, big-endian, exactly [`MODULUS_BYTES`] long.
    n_bytes: [u8; MODULUS_BYTES],
    /// The modulus in 52-bit limbs, least significant first.
    n: Limbs,
    /// `R^2 mod n`, to bring a number into Montgomery form.
    rr: Limbs,
    /// `-n^-1 mod 2^52`.
    k0: u64,
}

impl Rs256Key2048 {
    /// The fast form of the key `(n, e)` (big-endian magnitudes without leading zeros), or
    /// `None` when it does not apply: the CPU lacks AVX-512 IFMA, `COGNATE_VERIFY_NO_IFMA` is
    /// set, the modulus is not exactly 2048 bits and odd, or `e` is not 65537.
    pub(crate) fn new(n: &[u8], e: &[u8]) -> Option<Self> {
        if !use_ifma() {
            return None;
        }
        Self::new_unchecked_cpu(n, e)
    }

    /// As [`Rs256Key2048::new`], without asking the CPU or the environment (tests use it
    /// directly, and only run the arithmetic where the CPU has IFMA).
    fn new_unchecked_cpu(n: &[u8], e: &[u8]) -> Option<Self> {
        if e != [0x01, 0x00, 0x01] || n.len() != MODULUS_BYTES || n[0] & 0x80 == 0 {
            return None;
        }
        if n[MODULUS_BYTES - 1] & 1 == 0 {
            return None;
        }
        let mut n_bytes = [0u8; MODULUS_BYTES];
        n_bytes.copy_from_slice(n);
        let words = be_bytes_to_words(&n_bytes);
        let n = words_to_limbs(&words);
        let k0 = neg_inverse_mod_2_52(n[0]);
        let rr = words_to_limbs(&r_squared_mod(&words));
        Some(Rs256Key2048 { n_bytes, n, rr, k0 })
    }

    /// Whether `signature` is a valid RSASSA-PKCS1-v1_5 signature with SHA-256 of the message
    /// whose SHA-256 digest is `digest`, under this key.
    pub(crate) fn verify_digest(&self, digest: &[u8; 32], signature: &[u8]) -> bool {
        // RFC 8017 8.2.2: the signature is exactly k bytes and, as an integer, below n.
        let Ok(sig) = <&[u8; MODULUS_BYTES]>::try_from(signature) else {
            return false;
        };
        if sig.as_slice() >= self.n_bytes.as_slice() {
            return false;
        }
        let em = self.public_op(sig);
        em == expected_encoding(digest)
    }

    /// `s^65537 mod n`, big-endian, for `s < n`.
    fn public_op(&self, s: &[u8; MODULUS_BYTES]) -> [u8; MODULUS_BYTES] {
        let s = words_to_limbs(&be_bytes_to_words(s));
        // SAFETY: a key exists only where `cpu_has_ifma()` held (or in tests that check it).
        let out = unsafe { pow_65537(&s, &self.n, &self.rr, self.k0) };
        words_to_be_bytes(&limbs_to_words(&out))
    }
}

/// The environment variable that, set to anything, sends every key to aws-lc.
pub(crate) const OPT_OUT_VAR: &str = "COGNATE_VERIFY_NO_IFMA";

/// Whether keys get the IFMA check: the CPU can run it and [`OPT_OUT_VAR`] is not set.
fn use_ifma() -> bool {
    static USE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *USE.get_or_init(|| cpu_has_ifma() && std::env::var_os(OPT_OUT_VAR).is_none())
}

/// Whether this CPU can run the IFMA code.
fn cpu_has_ifma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512ifma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `EM = 0x00 || 0x01 || PS (0xff...) || 0x00 || DigestInfo || digest` (RFC 8017, 9.2).
fn expected_encoding(digest: &[u8; 32]) -> [u8; MODULUS_BYTES] {
    let mut em = [0xffu8; MODULUS_BYTES];
    em[0] = 0x00;
    em[1] = 0x01;
    let t = MODULUS_BYTES - SHA256_DIGEST_INFO.len() - digest.len();
    em[t - 1] = 0x00;
    em[t..t + SHA256_DIGEST_INFO.len()].copy_from_slice(&SHA256_DIGEST_INFO);
    em[MODULUS_BYTES - 32..].copy_from_slice(digest);
    em
}

/// 32 little-endian 64-bit words of a big-endian 256-byte number.
fn be_bytes_to_words(bytes: &[u8; MODULUS_BYTES]) -> [u64; 32] {
    let mut words = [0u64; 32];
    for (i, chunk) in bytes.rchunks_exact(8).enumerate() {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        words[i] = u64::from_be_bytes(w);
    }
    words
}

fn words_to_be_bytes(words: &[u64; 32]) -> [u8; MODULUS_BYTES] {
    let mut bytes = [0u8; MODULUS_BYTES];
    for (i, chunk) in bytes.rchunks_exact_mut(8).enumerate() {
        chunk.copy_from_slice(&words[i].to_be_bytes());
    }
    bytes
}

/// `len` (< 64) bits of a little-endian word array from bit `start` (zeros past the end).
fn bits(words: &[u64], start: usize, len: usize) -> u64 {
    let (w, b) = (start / 64, start % 64);
    let lo = words.get(w).copied().unwrap_or(0) >> b;
    let hi = if b == 0 {
        0
    } else {
        words.get(w + 1).copied().unwrap_or(0) << (64 - b)
    };
    (lo | hi) & ((1u64 << len) - 1)
}

fn words_to_limbs(words: &[u64; 32]) -> Limbs {
    let mut limbs = [0u64; LIMBS];
    for (i, limb) in limbs.iter_mut().enumerate() {
        *limb = bits(words, 52 * i, 52);
    }
    limbs
}

/// The low 2048 bits of a normalized limb array (the caller knows the value is below 2^2048).
fn limbs_to_words(limbs: &Limbs) -> [u64; 32] {
    let mut words = [0u64; 32];
    for (i, limb) in limbs.iter().enumerate() {
        let bit = 52 * i;
        let (w, b) = (bit / 64, bit % 64);
        if w < 32 {
            words[w] |= limb << b;
        }
        if b > 12 && w + 1 < 32 {
            words[w + 1] |= limb >> (64 - b);
        }
    }
    words
}

/// `-n0^-1 mod 2^52` for odd `n0` (Newton's iteration doubles the correct bits each step).
fn neg_inverse_mod_2_52(n0: u64) -> u64 {
    let mut inv: u64 = 1;
    for _ in 0..6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(n0.wrapping_mul(inv)));
    }
    inv.wrapping_neg() & MASK
}

/// `R^2 mod n` with `R = 2^2080`, by doubling 4160 times (once per key, about 0.1 ms).
fn r_squared_mod(n: &[u64; 32]) -> [u64; 32] {
    let mut x = [0u64; 32];
    x[0] = 1;
    for _ in 0..2 * 52 * LIMBS {
        // x = 2x, with the bit shifted out of the top kept; then x -= n if x >= n.
        let top = x[31] >> 63;
        for i in (1..32).rev() {
            x[i] = (x[i] << 1) | (x[i - 1] >> 63);
        }
        x[0] <<= 1;
        if top == 1 || !less_than(&x, n) {
            let mut borrow = 0u64;
            for i in 0..32 {
                let (d, b1) = x[i].overflowing_sub(n[i]);
                let (d, b2) = d.overflowing_sub(borrow);
                x[i] = d;
                borrow = u64::from(b1 | b2);
            }
        }
    }
    x
}

fn less_than(a: &[u64; 32], b: &[u64; 32]) -> bool {
    for i in (0..32).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// Carries every limb's excess into the next, leaving 52-bit limbs. The value must fit in
/// 40 limbs (every caller's value is below 2n < 2^2049).
fn normalize(acc: &mut Limbs) {
    let mut carry = 0u64;
    for limb in acc.iter_mut() {
        let v = *limb + carry;
        *limb = v & MASK;
        carry = v >> 52;
    }
    debug_assert_eq!(carry, 0);
}

/// `a ≥ n` for normalized limbs.
fn at_least(a: &Limbs, n: &Limbs) -> bool {
    for i in (0..LIMBS).rev() {
        if a[i] != n[i] {
            return a[i] > n[i];
        }
    }
    true
}

fn subtract(a: &mut Limbs, n: &Limbs) {
    let mut borrow = 0u64;
    for i in 0..LIMBS {
        let v = a[i].wrapping_sub(n[i]).wrapping_sub(borrow);
        a[i] = v & MASK;
        borrow = v >> 63;
    }
}

/// `s^65537 mod n`, fully reduced, for `s < n`.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512 IFMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn pow_65537(s: &Limbs, n: &Limbs, rr: &Limbs, k0: u64) -> Limbs {
    // Montgomery form: every intermediate value stays below 2n (see `montmul`).
    let base = montmul(s, rr, n, k0);
    let mut x = base;
    for _ in 0..16 {
        x = montmul(&x, &x, n, k0);
    }
    x = montmul(&x, &base, n, k0);
    let mut one = [0u64; LIMBS];
    one[0] = 1;
    let mut out = montmul(&x, &one, n, k0);
    // Leaving Montgomery form gives a value ≤ n; n itself means 0.
    if at_least(&out, n) {
        subtract(&mut out, n);
    }
    out
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn pow_65537(_: &Limbs, _: &Limbs, _: &Limbs, _: u64) -> Limbs {
    unreachable!("Rs256Key2048 is only built on x86_64 CPUs with AVX-512 IFMA")
}

/// Montgomery multiplication `a·b·R^-1 mod n` (result below 2n when `a, b < 2n`), with
/// normalized 52-bit limbs in and out.
///
/// Word-serial Montgomery: for each limb `a_i`, add the low halves of `a_i·b` and `m·n` (where
/// `m` makes limb 0 vanish modulo 2^52), shift one limb down (the vanishing limb's carry goes
/// into the new limb 0), and add the high halves, which belong one limb up. A lane gains less
/// than 4·2^52 per round, so 40 rounds stay far below 2^64 before the final carry pass. The
/// result is `(a·b + M·n)/R < 4n²/R + n < 2n`, as `4n < R`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512ifma")]
fn montmul(a: &Limbs, b: &Limbs, n: &Limbs, k0: u64) -> Limbs {
    use std::arch::x86_64::{
        __m512i, _mm_cvtsi128_si64, _mm512_alignr_epi64, _mm512_castsi512_si128,
        _mm512_loadu_epi64, _mm512_madd52hi_epu64, _mm512_madd52lo_epu64, _mm512_mask_add_epi64,
        _mm512_set1_epi64, _mm512_setzero_si512, _mm512_storeu_epi64,
    };
    const V: usize = LIMBS / 8;
    let zero = _mm512_setzero_si512();
    let mut b_v: [__m512i; V] = [zero; V];
    let mut n_v: [__m512i; V] = [zero; V];
    for k in 0..V {
        // SAFETY: each load reads 8 in-bounds u64 of `b` and of `n`.
        unsafe {
            b_v[k] = _mm512_loadu_epi64(b[8 * k..].as_ptr().cast());
            n_v[k] = _mm512_loadu_epi64(n[8 * k..].as_ptr().cast());
        }
    }
    let mut acc = [zero; V];
    for &ai in a.iter() {
        let acc0 = _mm_cvtsi128_si64(_mm512_castsi512_si128(acc[0])) as u64;
        let t = acc0.wrapping_add(ai.wrapping_mul(b[0]) & MASK);
        let m = t.wrapping_mul(k0) & MASK;
        let av = _mm512_set1_epi64(ai as i64);
        let mv = _mm512_set1_epi64(m as i64);
        for k in 0..V {
            acc[k] = _mm512_madd52lo_epu64(acc[k], av, b_v[k]);
            acc[k] = _mm512_madd52lo_epu64(acc[k], mv, n_v[k]);
        }
        // Limb 0 is now a multiple of 2^52: keep its carry, drop the limb.
        let carry = (_mm_cvtsi128_si64(_mm512_castsi512_si128(acc[0])) as u64) >> 52;
        for k in 0..V {
            let next = if k + 1 < V { acc[k + 1] } else { zero };
            acc[k] = _mm512_alignr_epi64::<1>(next, acc[k]);
        }
        acc[0] = _mm512_mask_add_epi64(acc[0], 1, acc[0], _mm512_set1_epi64(carry as i64));
        for k in 0..V {
            acc[k] = _mm512_madd52hi_epu64(acc[k], av, b_v[k]);
            acc[k] = _mm512_madd52hi_epu64(acc[k], mv, n_v[k]);
        }
    }
    let mut out = [0u64; LIMBS];
    for k in 0..V {
        // SAFETY: each store writes 8 in-bounds u64 of `out`.
        unsafe { _mm512_storeu_epi64(out[8 * k..].as_mut_ptr().cast(), acc[k]) };
    }
    normalize(&mut out);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use num_bigint::BigUint;
    use proptest::prelude::*;

    fn modulus_from(seed: &[u8]) -> Vec<u8> {
        // Any odd 2048-bit number will do for the arithmetic (primality does not matter).
        let mut n = vec![0u8; MODULUS_BYTES];
        for (i, byte) in n.iter_mut().enumerate() {
            *byte = seed[i % seed.len()]
                .wrapping_mul(i as u8 | 1)
                .wrapping_add(i as u8);
        }
        n[0] |= 0x80;
        n[MODULUS_BYTES - 1] |= 1;
        n
    }

    fn reference(s: &[u8], n: &[u8]) -> Vec<u8> {
        let r =
            BigUint::from_bytes_be(s).modpow(&BigUint::from(65537u32), &BigUint::from_bytes_be(n));
        let bytes = r.to_bytes_be();
        let mut out = vec![0u8; MODULUS_BYTES - bytes.len()];
        out.extend_from_slice(&bytes);
        out
    }

    fn check(n: &[u8], s: &[u8; MODULUS_BYTES]) {
        let key = Rs256Key2048::new_unchecked_cpu(n, &[1, 0, 1]).unwrap();
        assert_eq!(key.public_op(s).to_vec(), reference(s, n));
    }

    /// A throwaway RSA-2048 test key (made with `openssl genrsa 2048` for these tests only):
    /// the modulus and the private exponent, in hex, so tests can sign any encoding.
    const TEST_N: [&str; 8] = [
        "971aa60db4985ecac05b63f22153d1769086dee2b8ee47b98c3710fc7e01fc01",
        "fb84eb90c712f301fcd46bcd23286f0f48cc682b33bc2bfee04d049232719edc",
        "94c6874cf1895a62a1f1848dc04c127a23f79d04d0e0486aa62b2d63437149f6",
        "3f67ffe518ae629d1311f790f1d7cfae8fec5c3fb5228083d60925cec945d986",
        "c98aa5a6782143a8d99aeb6e76c1cd99850046f457ddff185c6bb3537cd11e03",
        "8d729da7756eeae61226b44a8db05b0c634fac249da0da9e36b37d3248cf0760",
        "8b507493a6eed477480a0d7da26d5567f90c2c7415beaaad0c23c051899467a5",
        "15f628444679ce8c77ef8a90f18d8a186dc1f91f0a5f2f226cd7022889d5c291",
    ];
    const TEST_D: [&str; 8] = [
        "02bb828277b03431a02c1ee8f16197c5783c5a22393424e3a5f59676ec6bea83",
        "da29a78d5f0e388b020890d8fd30655ebe43250497fb4883e3c83cc38c8a39b4",
        "5533e85d33b677461695dc9ee819f011199ea80e1edd596de54a9d57e0cfb705",
        "cf1479400a33d8186d507b3cb9a4dc8e746f92a4fbc86f90c2c17857ae93d6e8",
        "c615fb065d4bff3e09a1d8857a287153e434a73327b3d9d72c90dbe5f7f12d5f",
        "028d15e48270ae9173d434de2c3d85ad20b93fed1da860587af00c19688dbde7",
        "c5ffb7ddce8d30111632ab774bb2718475c9976fa806ddff09f8aabc69c0f374",
        "e8e482b5d5d1e9e610dac390283146452c5cbce122016e6e94a4524e011a7441",
    ];

    fn big(hex: &[&str]) -> BigUint {
        BigUint::parse_bytes(hex.concat().as_bytes(), 16).unwrap()
    }

    fn padded(x: &BigUint) -> Vec<u8> {
        let bytes = x.to_bytes_be();
        let mut out = vec![0u8; MODULUS_BYTES.saturating_sub(bytes.len())];
        out.extend_from_slice(&bytes);
        out
    }

    /// The raw RSA signature of an arbitrary encoded message: `em^d mod n`.
    fn sign_raw(em: &[u8]) -> Vec<u8> {
        padded(&BigUint::from_bytes_be(em).modpow(&big(&TEST_D), &big(&TEST_N)))
    }

    /// Both checks (this module's and aws-lc's) on one message and signature.
    fn both(message: &[u8], signature: &[u8]) -> (bool, bool) {
        use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
        let n = padded(&big(&TEST_N));
        let key = Rs256Key2048::new_unchecked_cpu(&n, &[1, 0, 1]).unwrap();
        let der = crate::jwk::rsa_public_key_der(n, vec![1, 0, 1]);
        let reference = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der).unwrap();
        let mut digest = [0u8; 32];
        digest.copy_from_slice(
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, message).as_ref(),
        );
        (
            key.verify_digest(&digest, signature),
            reference.verify_sig(message, signature).is_ok(),
        )
    }

    #[test]
    fn accepts_exactly_the_encoding_aws_lc_accepts() {
        if !cpu_has_ifma() {
            eprintln!("skipped: this CPU has no AVX-512 IFMA");
            return;
        }
        let message = b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0";
        let mut digest = [0u8; 32];
        digest.copy_from_slice(
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, message).as_ref(),
        );
        let good = expected_encoding(&digest);
        assert_eq!(both(message, &sign_raw(&good)), (true, true));

        // Each variant breaks the encoding in one place; both checks must refuse it.
        let t = MODULUS_BYTES - 32 - SHA256_DIGEST_INFO.len();
        let mut variants: Vec<(&str, Vec<u8>)> = Vec::new();
        let mut v = good.to_vec();
        v[1] = 0x02;
        variants.push(("block type 2", v));
        let mut v = good.to_vec();
        v[40] = 0xfe;
        variants.push(("a padding byte not 0xff", v));
        let mut v = good.to_vec();
        v[t - 1] = 0x01;
        variants.push(("no zero separator", v));
        let mut v = good.to_vec();
        v[t + 14] = 0x03;
        variants.push(("the SHA-512 OID in the DigestInfo", v));
        let mut v = good.to_vec();
        v[MODULUS_BYTES - 1] ^= 1;
        variants.push(("another digest", v));
        // Bleichenbacher 2006: a short padding with the digest followed by garbage.
        let mut v = vec![0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0x00];
        v.extend_from_slice(&SHA256_DIGEST_INFO);
        v.extend_from_slice(&digest);
        v.resize(MODULUS_BYTES, 0x42);
        variants.push(("digest followed by garbage", v));
        let mut v = vec![0u8; MODULUS_BYTES];
        v[MODULUS_BYTES - 32..].copy_from_slice(&digest);
        variants.push(("the bare digest", v));
        for (what, em) in variants {
            assert_eq!(both(message, &sign_raw(&em)), (false, false), "{what}");
        }

        let sig = sign_raw(&good);
        let mut tampered = sig.clone();
        tampered[100] ^= 0x10;
        assert_eq!(
            both(message, &tampered),
            (false, false),
            "tampered signature"
        );
        assert_eq!(
            both(b"another message", &sig),
            (false, false),
            "another message"
        );
        assert_eq!(both(message, &sig[1..]), (false, false), "255 bytes");
        let mut long = vec![0u8];
        long.extend_from_slice(&sig);
        assert_eq!(both(message, &long), (false, false), "257 bytes");
        // s + n has the same s^e mod n but is not below n: RFC 8017 requires refusing it.
        let above = padded(&(BigUint::from_bytes_be(&sig) + big(&TEST_N)));
        if above.len() == MODULUS_BYTES {
            assert_eq!(both(message, &above), (false, false), "s + n");
        }
        assert_eq!(
            both(message, &padded(&big(&TEST_N))),
            (false, false),
            "s = n"
        );
        assert_eq!(
            both(message, &[0xff; MODULUS_BYTES]),
            (false, false),
            "all ones"
        );
    }

    #[test]
    fn limbs_round_trip() {
        let n = modulus_from(b"round trip");
        let mut bytes = [0u8; MODULUS_BYTES];
        bytes.copy_from_slice(&n);
        let words = be_bytes_to_words(&bytes);
        assert_eq!(
            words_to_be_bytes(&limbs_to_words(&words_to_limbs(&words))),
            bytes
        );
    }

    #[test]
    fn r_squared_matches_the_reference() {
        let n = modulus_from(b"r squared");
        let mut bytes = [0u8; MODULUS_BYTES];
        bytes.copy_from_slice(&n);
        let rr = words_to_be_bytes(&r_squared_mod(&be_bytes_to_words(&bytes)));
        let want = (BigUint::from(1u8) << 4160usize) % BigUint::from_bytes_be(&n);
        assert_eq!(BigUint::from_bytes_be(&rr), want);
    }

    #[test]
    fn rejects_keys_it_does_not_handle() {
        let n = modulus_from(b"k");
        assert!(Rs256Key2048::new_unchecked_cpu(&n, &[3]).is_none());
        assert!(Rs256Key2048::new_unchecked_cpu(&n[1..], &[1, 0, 1]).is_none());
        let mut even = n.clone();
        even[MODULUS_BYTES - 1] &= 0xfe;
        assert!(Rs256Key2048::new_unchecked_cpu(&even, &[1, 0, 1]).is_none());
        let mut short = n.clone();
        short[0] = 0x7f;
        assert!(Rs256Key2048::new_unchecked_cpu(&short, &[1, 0, 1]).is_none());
    }

    #[test]
    fn edge_values_match_the_reference() {
        if !cpu_has_ifma() {
            eprintln!("skipped: this CPU has no AVX-512 IFMA");
            return;
        }
        // All-ones moduli stress every carry; small and near-n bases stress the reductions.
        let all_ones = vec![0xffu8; MODULUS_BYTES];
        let mut top_only = vec![0u8; MODULUS_BYTES];
        top_only[0] = 0x80;
        top_only[MODULUS_BYTES - 1] = 1;
        for n in [all_ones, top_only, modulus_from(b"edge")] {
            let n_int = BigUint::from_bytes_be(&n);
            let mut bases: Vec<BigUint> = vec![
                BigUint::from(0u8),
                BigUint::from(1u8),
                BigUint::from(2u8),
                &n_int - 1u8,
                &n_int - 2u8,
                &n_int >> 1usize,
                (BigUint::from(1u8) << 2047usize) % &n_int,
                (BigUint::from(1u8) << 1040usize) - 1u8,
            ];
            bases.push(&n_int - (BigUint::from(1u8) << 52usize));
            for s in bases {
                let bytes = s.to_bytes_be();
                let mut padded = [0u8; MODULUS_BYTES];
                padded[MODULUS_BYTES - bytes.len()..].copy_from_slice(&bytes);
                check(&n, &padded);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn random_values_match_the_reference(
            mut n in proptest::collection::vec(any::<u8>(), MODULUS_BYTES),
            s in proptest::collection::vec(any::<u8>(), MODULUS_BYTES),
        ) {
            if cpu_has_ifma() {
                n[0] |= 0x80;
                n[MODULUS_BYTES - 1] |= 1;
                let mut s_bytes = [0u8; MODULUS_BYTES];
                s_bytes.copy_from_slice(&s);
                s_bytes[0] &= 0x7f; // below n, whose top bit is set
                check(&n, &s_bytes);
            }
        }
    }
}
