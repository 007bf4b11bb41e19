//! Constant-time modular exponentiation with AVX-512 IFMA, for moduli of up to 3,118 bits (the
//! SRP group's is 3,072), where the CPU has it.
//!
//! Every SRP login costs the server two exponentiations modulo the 3072-bit group prime and the
//! client one; aws-lc's `BN_mod_exp_mont_consttime` does them with 64-bit scalar multiplies.
//! CPUs with AVX-512 IFMA (Intel since Ice Lake, AMD since Zen 4) multiply eight 52-bit limbs per
//! instruction. [`IfmaModulus::pow`] runs the same fixed-window Montgomery exponentiation on 60
//! limbs of 52 bits (`R = 2^3120`), in time independent of the base and of the exponent's value:
//! no branch and no memory address depends on them (table entries are picked by reading every
//! entry under a mask), and the loop counts depend only on the exponent's length in 64-bit
//! words, as aws-lc's do.
//!
//! [`crate::bn::Modulus`] uses it when it applies and falls back to aws-lc otherwise; setting
//! `COGNATE_SRP_NO_IFMA` (to anything) turns it off. The tests check it against aws-lc.
#![allow(unsafe_code)]
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Storage lanes: 8 vectors of 8.
const LANES: usize = 64;
/// Limbs used: 60 × 52 = 3120 bits, so `R = 2^3120 > 4n` for moduli of up to 3118 bits.
const ROUNDS: usize = 60;
const MASK: u64 = (1 << 52) - 1;
/// Largest modulus handled, in bits.
const MAX_BITS: usize = 52 * ROUNDS - 2;
/// Window width of the exponentiation, in bits.
const WINDOW: usize = 4;

type Limbs = [u64; LANES];

/// An odd modulus prepared for IFMA exponentiation.
pub(crate) struct IfmaModulus {
    /// The modulus in 52-bit limbs, least significant first (lanes past [`ROUNDS`] are zero).
    n: Limbs,
    /// `R^2 mod n`.
    rr: Limbs,
    /// `-n^-1 mod 2^52`.
    k0: u64,
    /// Bytes of the modulus.
    len: usize,
}

impl IfmaModulus {
    /// The IFMA form of the odd modulus `n` (big-endian), or `None` when it does not apply: the
    /// CPU lacks AVX-512 IFMA, `COGNATE_SRP_NO_IFMA` is set, or `n` is even, below 3 or longer
    /// than 3,118 bits.
    pub(crate) fn new(n: &[u8]) -> Option<Self> {
        if !use_ifma() {
            return None;
        }
        Self::new_unchecked_cpu(n)
    }

    fn new_unchecked_cpu(n: &[u8]) -> Option<Self> {
        let n = strip(n);
        let bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
        if !(2..=MAX_BITS).contains(&bits) || n.last().is_none_or(|b| b & 1 == 0) {
            return None;
        }
        let words = be_to_words(n);
        let limbs = words_to_limbs(&words);
        Some(IfmaModulus {
            n: limbs,
            rr: words_to_limbs(&r_squared_mod(&words)),
            k0: neg_inverse_mod_2_52(limbs[0]),
            len: n.len(),
        })
    }

    /// `base^exp mod n`, big-endian and padded to the modulus's length, for `base < n`. The time
    /// taken depends on `exp`'s length in 64-bit words, never on the values.
    pub(crate) fn pow(&self, base: &[u8], exp: &[u8]) -> Zeroizing<Vec<u8>> {
        let base = Zeroizing::new(words_to_limbs(&be_to_words(strip(base))));
        // Whole 64-bit words of exponent, as aws-lc's constant-time exponentiation reads it.
        let exp = strip(exp);
        let mut padded = Zeroizing::new(vec![0u8; exp.len().div_ceil(8) * 8]);
        let at = padded.len() - exp.len();
        padded[at..].copy_from_slice(exp);
        // SAFETY: an `IfmaModulus` exists only where `use_ifma()` held (or in tests that check
        // `cpu_has_ifma()` first).
        let out = Zeroizing::new(unsafe { pow_ct(&base, &padded, &self.n, &self.rr, self.k0) });
        self.to_bytes(&out)
    }
}

/// Precomputed powers of one fixed base, in Montgomery form: row `i`, entry `j` is
/// `base^(j · 16^i)`. An exponentiation is then one Montgomery multiplication per 4 exponent
/// bits, each operand read out of its row under a mask.
pub(crate) struct IfmaFixedBase {
    rows: Vec<[Limbs; 1 << WINDOW]>,
}

impl IfmaModulus {
    /// The table for `base` (big-endian, below n) and exponents of up to `max_bits` bits.
    pub(crate) fn fixed_base(&self, base: &[u8], max_bits: usize) -> IfmaFixedBase {
        let base = words_to_limbs(&be_to_words(strip(base)));
        let rows = max_bits.div_ceil(WINDOW);
        // SAFETY: as in `pow`.
        let rows = unsafe { fixed_base_rows(&base, rows, &self.n, &self.rr, self.k0) };
        IfmaFixedBase { rows }
    }

    /// `base^exp mod n` from `table`, big-endian and padded to the modulus's length, or `None`
    /// when `exp` has more bits than the table covers. The time taken does not depend on `exp`.
    pub(crate) fn pow_fixed(
        &self,
        table: &IfmaFixedBase,
        exp: &[u8],
    ) -> Option<Zeroizing<Vec<u8>>> {
        let exp = strip(exp);
        let mut padded = Zeroizing::new(vec![0u8; table.rows.len().div_ceil(2)]);
        let at = padded.len().checked_sub(exp.len())?;
        padded[at..].copy_from_slice(exp);
        if !table.rows.len().is_multiple_of(2) && padded[0] >> 4 != 0 {
            return None;
        }
        // SAFETY: as in `pow`.
        let out = Zeroizing::new(unsafe { pow_fixed_ct(table, &padded, &self.n, self.k0) });
        Some(self.to_bytes(&out))
    }

    fn to_bytes(&self, limbs: &Limbs) -> Zeroizing<Vec<u8>> {
        let words = Zeroizing::new(limbs_to_words(limbs));
        let mut bytes = Zeroizing::new(vec![0u8; self.len]);
        for (i, byte) in bytes.iter_mut().rev().enumerate() {
            *byte = (words[i / 8] >> (8 * (i % 8))) as u8;
        }
        bytes
    }
}

/// The environment variable that, set to anything, keeps every exponentiation on aws-lc.
pub(crate) const OPT_OUT_VAR: &str = "COGNATE_SRP_NO_IFMA";

fn use_ifma() -> bool {
    static USE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *USE.get_or_init(|| cpu_has_ifma() && std::env::var_os(OPT_OUT_VAR).is_none())
}

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

/// `bytes` without leading zeros.
fn strip(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    &bytes[zeros..]
}

/// Little-endian 64-bit words of a big-endian number of at most `LANES * 8` bytes.
fn be_to_words(bytes: &[u8]) -> Limbs {
    let mut words = [0u64; LANES];
    for (i, byte) in bytes.iter().rev().enumerate().take(LANES * 8) {
        words[i / 8] |= u64::from(*byte) << (8 * (i % 8));
    }
    words
}

/// `len` (< 64) bits of a little-endian word array from bit `start`.
fn bits(words: &Limbs, start: usize, len: usize) -> u64 {
    let (w, b) = (start / 64, start % 64);
    let lo = words.get(w).copied().unwrap_or(0) >> b;
    let hi = match (b, words.get(w + 1)) {
        (0, _) | (_, None) => 0,
        (_, Some(next)) => next << (64 - b),
    };
    (lo | hi) & ((1u64 << len) - 1)
}

fn words_to_limbs(words: &Limbs) -> Limbs {
    let mut limbs = [0u64; LANES];
    for (i, limb) in limbs.iter_mut().enumerate().take(ROUNDS) {
        *limb = bits(words, 52 * i, 52);
    }
    limbs
}

fn limbs_to_words(limbs: &Limbs) -> Limbs {
    let mut words = [0u64; LANES];
    for (i, limb) in limbs.iter().enumerate().take(ROUNDS) {
        let (w, b) = ((52 * i) / 64, (52 * i) % 64);
        words[w] |= limb << b;
        if b > 12 {
            words[w + 1] |= limb >> (64 - b);
        }
    }
    words
}

/// `-n0^-1 mod 2^52` for odd `n0`.
fn neg_inverse_mod_2_52(n0: u64) -> u64 {
    let mut inv: u64 = 1;
    for _ in 0..6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(n0.wrapping_mul(inv)));
    }
    inv.wrapping_neg() & MASK
}

/// `R^2 mod n = 2^6240 mod n`, by doubling (once per modulus; `n` is public).
fn r_squared_mod(n: &Limbs) -> Limbs {
    let mut x = [0u64; LANES];
    x[0] = 1;
    for _ in 0..2 * 52 * ROUNDS {
        // x < n < 2^3118, so 2x fits; then x -= n if x >= n.
        for i in (1..LANES).rev() {
            x[i] = (x[i] << 1) | (x[i - 1] >> 63);
        }
        x[0] <<= 1;
        if !less_than(&x, n) {
            let mut borrow = 0u64;
            for i in 0..LANES {
                let (d, b1) = x[i].overflowing_sub(n[i]);
                let (d, b2) = d.overflowing_sub(borrow);
                x[i] = d;
                borrow = u64::from(b1 | b2);
            }
        }
    }
    x
}

fn less_than(a: &Limbs, b: &Limbs) -> bool {
    for i in (0..LANES).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// `base^exp mod n`, fully reduced, in time independent of `base` and of `exp`'s value.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512 IFMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn pow_ct(base: &Limbs, exp: &[u8], n: &Limbs, rr: &Limbs, k0: u64) -> Limbs {
    let mut one = [0u64; LANES];
    one[0] = 1;
    // table[j] = base^j · R mod n (below 2n), for every 4-bit window value j.
    let mut table = Zeroizing::new([[0u64; LANES]; 1 << WINDOW]);
    table[0] = montmul(&one, rr, n, k0);
    table[1] = montmul(base, rr, n, k0);
    for j in 2..table.len() {
        table[j] = montmul(&table[j - 1], &table[1], n, k0);
    }
    let mut acc = Zeroizing::new(table[0]);
    for byte in exp {
        for nibble in [byte >> 4, byte & 0x0f] {
            for _ in 0..WINDOW {
                *acc = montmul(&acc, &acc, n, k0);
            }
            let picked = Zeroizing::new(select(&table, nibble));
            *acc = montmul(&acc, &picked, n, k0);
        }
    }
    // Leaving Montgomery form gives a value ≤ n; subtract n without a branch if it is n.
    let mut out = montmul(&acc, &one, n, k0);
    reduce_once_ct(&mut out, n);
    out
}

/// The rows of an [`IfmaFixedBase`] (public base; built once).
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512 IFMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn fixed_base_rows(
    base: &Limbs,
    rows: usize,
    n: &Limbs,
    rr: &Limbs,
    k0: u64,
) -> Vec<[Limbs; 1 << WINDOW]> {
    let mut one = [0u64; LANES];
    one[0] = 1;
    let one_m = montmul(&one, rr, n, k0);
    let mut row_base = montmul(base, rr, n, k0);
    let mut out = Vec::with_capacity(rows);
    for _ in 0..rows {
        let mut row = [one_m; 1 << WINDOW];
        for j in 1..row.len() {
            row[j] = montmul(&row[j - 1], &row_base, n, k0);
        }
        out.push(row);
        for _ in 0..WINDOW {
            row_base = montmul(&row_base, &row_base, n, k0);
        }
    }
    out
}

/// `base^exp mod n` from a fixed-base table, fully reduced; `exp` is big-endian with exactly
/// one nibble per row. Constant time in `exp`.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512 IFMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn pow_fixed_ct(table: &IfmaFixedBase, exp: &[u8], n: &Limbs, k0: u64) -> Limbs {
    let nibble = |i: usize| {
        // Row i takes exponent bits 4i..4i+4, counted from the least significant end.
        let byte = exp[exp.len() - 1 - i / 2];
        if i.is_multiple_of(2) {
            byte & 0x0f
        } else {
            byte >> 4
        }
    };
    let mut acc = Zeroizing::new(select(&table.rows[0], nibble(0)));
    for (i, row) in table.rows.iter().enumerate().skip(1) {
        let picked = Zeroizing::new(select(row, nibble(i)));
        *acc = montmul(&acc, &picked, n, k0);
    }
    let mut one = [0u64; LANES];
    one[0] = 1;
    let mut out = montmul(&acc, &one, n, k0);
    reduce_once_ct(&mut out, n);
    out
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn fixed_base_rows(
    _: &Limbs,
    _: usize,
    _: &Limbs,
    _: &Limbs,
    _: u64,
) -> Vec<[Limbs; 1 << WINDOW]> {
    unreachable!("IfmaModulus is only built on x86_64 CPUs with AVX-512 IFMA")
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn pow_fixed_ct(_: &IfmaFixedBase, _: &[u8], _: &Limbs, _: u64) -> Limbs {
    unreachable!("IfmaModulus is only built on x86_64 CPUs with AVX-512 IFMA")
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn pow_ct(_: &Limbs, _: &[u8], _: &Limbs, _: &Limbs, _: u64) -> Limbs {
    unreachable!("IfmaModulus is only built on x86_64 CPUs with AVX-512 IFMA")
}

/// The table entry at `index`, reading every entry under a mask (eight lanes at a time).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn select(table: &[Limbs; 1 << WINDOW], index: u8) -> Limbs {
    use std::arch::x86_64::{
        _mm512_and_si512, _mm512_loadu_epi64, _mm512_or_si512, _mm512_set1_epi64,
        _mm512_setzero_si512, _mm512_storeu_epi64,
    };
    const V: usize = LANES / 8;
    let mut acc = [_mm512_setzero_si512(); V];
    for (j, entry) in table.iter().enumerate() {
        let mask = 0u64.wrapping_sub(u64::from((j as u8).ct_eq(&index).unwrap_u8()));
        let mask = _mm512_set1_epi64(mask as i64);
        for (k, a) in acc.iter_mut().enumerate() {
            // SAFETY: reads 8 in-bounds u64 of `entry`.
            let e = unsafe { _mm512_loadu_epi64(entry[8 * k..].as_ptr().cast()) };
            *a = _mm512_or_si512(*a, _mm512_and_si512(e, mask));
        }
    }
    let mut out = [0u64; LANES];
    for (k, a) in acc.iter().enumerate() {
        // SAFETY: writes 8 in-bounds u64 of `out`.
        unsafe { _mm512_storeu_epi64(out[8 * k..].as_mut_ptr().cast(), *a) };
    }
    out
}

/// `a - n` if `a ≥ n`, else `a`, for normalized limbs, without a branch on the values.
fn reduce_once_ct(a: &mut Limbs, n: &Limbs) {
    let mut diff = [0u64; LANES];
    let mut borrow = 0u64;
    for i in 0..LANES {
        let v = a[i].wrapping_sub(n[i]).wrapping_sub(borrow);
        diff[i] = v & MASK;
        borrow = v >> 63;
    }
    // borrow = 1: a < n, keep a.
    let keep = 0u64.wrapping_sub(borrow);
    for i in 0..LANES {
        a[i] = (a[i] & keep) | (diff[i] & !keep);
    }
}

/// Montgomery multiplication `a·b·R^-1 mod n`, below 2n when `a, b < 2n`, with normalized
/// 52-bit limbs in and out.
///
/// Word-serial Montgomery over [`ROUNDS`] limbs of `a`: add the low halves of `a_i·b` and
/// `m·n` (with `m` chosen so that limb 0 vanishes modulo 2^52), shift one limb down (limb 0's
/// carry goes into the new limb 0), add the high halves, which belong one limb up. A lane gains
/// less than 4·2^52 per round, far below 2^64 after 60 rounds; one carry pass at the end
/// normalizes. The result is `(a·b + M·n)/R < 4n²/R + n < 2n`, as `4n < R`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512ifma")]
fn montmul(a: &Limbs, b: &Limbs, n: &Limbs, k0: u64) -> Limbs {
    use std::arch::x86_64::{
        __m512i, _mm_cvtsi128_si64, _mm512_alignr_epi64, _mm512_castsi512_si128,
        _mm512_loadu_epi64, _mm512_madd52hi_epu64, _mm512_madd52lo_epu64, _mm512_mask_add_epi64,
        _mm512_set1_epi64, _mm512_setzero_si512, _mm512_storeu_epi64,
    };
    const V: usize = LANES / 8;
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
    for &ai in &a[..ROUNDS] {
        let acc0 = _mm_cvtsi128_si64(_mm512_castsi512_si128(acc[0])) as u64;
        let m = acc0
            .wrapping_add(ai.wrapping_mul(b[0]) & MASK)
            .wrapping_mul(k0)
            & MASK;
        let (av, mv) = (_mm512_set1_epi64(ai as i64), _mm512_set1_epi64(m as i64));
        for k in 0..V {
            acc[k] = _mm512_madd52lo_epu64(acc[k], av, b_v[k]);
            acc[k] = _mm512_madd52lo_epu64(acc[k], mv, n_v[k]);
        }
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
    let mut out = [0u64; LANES];
    for k in 0..V {
        // SAFETY: each store writes 8 in-bounds u64 of `out`.
        unsafe { _mm512_storeu_epi64(out[8 * k..].as_mut_ptr().cast(), acc[k]) };
    }
    let mut carry = 0u64;
    for limb in out.iter_mut() {
        let v = *limb + carry;
        *limb = v & MASK;
        carry = v >> 52;
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::bn::{Bn, Modulus};
    use proptest::prelude::*;

    /// aws-lc's constant-time exponentiation: the reference.
    fn reference(n: &[u8], base: &[u8], exp: &[u8]) -> Vec<u8> {
        let m = Modulus::new_aws_lc_only(Bn::from_be_bytes(n).unwrap()).unwrap();
        let out = m
            .pow(
                &Bn::from_be_bytes(base).unwrap(),
                &Bn::from_be_bytes(exp).unwrap(),
            )
            .unwrap()
            .to_be_bytes();
        let mut padded = vec![0u8; strip(n).len() - out.len()];
        padded.extend_from_slice(&out);
        padded
    }

    fn check(n: &[u8], base: &[u8], exp: &[u8]) {
        let m = IfmaModulus::new_unchecked_cpu(n).unwrap();
        assert_eq!(
            m.pow(base, exp).to_vec(),
            reference(n, base, exp),
            "base {base:02x?} exp {exp:02x?}"
        );
    }

    fn group_n() -> Vec<u8> {
        crate::group::group().unwrap().modulus.n_bytes()
    }

    #[test]
    fn refuses_moduli_it_does_not_handle() {
        assert!(IfmaModulus::new_unchecked_cpu(&[0x02]).is_none());
        assert!(IfmaModulus::new_unchecked_cpu(&[0x01]).is_none());
        assert!(IfmaModulus::new_unchecked_cpu(&[0xff; 391]).is_none());
        assert!(IfmaModulus::new_unchecked_cpu(&[0x0f; 390]).is_some());
    }

    #[test]
    fn edge_values_match_aws_lc() {
        if !cpu_has_ifma() {
            eprintln!("skipped: this CPU has no AVX-512 IFMA");
            return;
        }
        let n = group_n();
        let n_minus_1 = {
            let mut v = n.clone();
            *v.last_mut().unwrap() -= 1; // N is odd
            v
        };
        let mut all_ones_mod = vec![0xffu8; 384];
        all_ones_mod[0] = 0x7f;
        for modulus in [n.clone(), all_ones_mod, vec![0x0f; 390], vec![0x80, 0x01]] {
            let top = {
                let mut v = modulus.clone();
                *v.last_mut().unwrap() -= 1;
                v
            };
            for base in [vec![], vec![1], vec![2], top.clone()] {
                for exp in [vec![], vec![1], vec![0xff; 32], vec![0x80; 64], top.clone()] {
                    check(&modulus, &base, &exp);
                }
            }
        }
        check(&n, &n_minus_1, &[0xff; 128]);
    }

    #[test]
    fn fixed_base_matches_aws_lc() {
        if !cpu_has_ifma() {
            eprintln!("skipped: this CPU has no AVX-512 IFMA");
            return;
        }
        let n = group_n();
        let m = IfmaModulus::new_unchecked_cpu(&n).unwrap();
        for base in [vec![2u8], vec![0x5a; 200]] {
            let table = m.fixed_base(&base, 256);
            for exp in [
                vec![],
                vec![1],
                vec![0xff; 32],
                vec![0x80; 32],
                vec![0x0f; 3],
            ] {
                assert_eq!(
                    m.pow_fixed(&table, &exp).unwrap().to_vec(),
                    reference(&n, &base, &exp)
                );
            }
            assert!(m.pow_fixed(&table, &[1; 33]).is_none(), "257 bits");
            // Leading zero bytes do not count.
            let mut long = vec![0u8; 10];
            long.extend_from_slice(&[0xff; 32]);
            assert_eq!(
                m.pow_fixed(&table, &long).unwrap().to_vec(),
                reference(&n, &base, &[0xff; 32])
            );
        }
        // An odd number of rows: the top nibble of the top byte must be zero.
        let table = m.fixed_base(&[3], 10);
        assert!(m.pow_fixed(&table, &[0x10, 0x00]).is_none(), "13 bits");
        assert_eq!(
            m.pow_fixed(&table, &[0x0f, 0xff]).unwrap().to_vec(),
            reference(&n, &[3], &[0x0f, 0xff])
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn random_values_match_aws_lc(
            base in proptest::collection::vec(any::<u8>(), 1..384),
            exp in proptest::collection::vec(any::<u8>(), 0..80),
        ) {
            if cpu_has_ifma() {
                let n = group_n();
                let mut base = base;
                base[0] &= 0x7f; // N's top byte is 0xff: anything shorter or with this bit clear is below it
                check(&n, &base, &exp);
            }
        }

        #[test]
        fn random_moduli_match_aws_lc(
            mut n in proptest::collection::vec(any::<u8>(), 2..390),
            base in proptest::collection::vec(any::<u8>(), 1..390),
            exp in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            if cpu_has_ifma() {
                n[0] |= 0x80;
                *n.last_mut().unwrap() |= 1;
                // A base below n: fewer bytes, or as many with a lower top byte.
                let mut base: Vec<u8> = base.into_iter().take(n.len()).collect();
                if base.len() == n.len() {
                    base[0] &= 0x7f;
                }
                check(&n, &base, &exp);
            }
        }
    }
}
