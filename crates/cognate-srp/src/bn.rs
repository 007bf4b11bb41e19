//! The crate's only `unsafe`: a small owned wrapper over aws-lc's `BIGNUM`, `BN_CTX` and
//! `BN_MONT_CTX`, exposing just the modular arithmetic SRP needs.
//!
//! Why aws-lc rather than a pure-Rust big-integer crate: its `BN_mod_exp_mont_consttime` is
//! constant time (it is what RSA private-key operations use) and about twice as fast as
//! crypto-bigint on a 3072-bit modulus on this project's machines (`BENCHMARKS.md`, "modexp
//! backends"), and aws-lc is already in every build through rustls and jsonwebtoken.
//!
//! Every value is freed with `BN_clear_free`, so secrets held in a [`Bn`] are wiped on drop.
//! Every call checks aws-lc's return value; a failure (memory exhaustion, an unreduced input)
//! becomes [`Error::Backend`] rather than a panic.
#![allow(unsafe_code)]

use std::ptr::NonNull;

use aws_lc_sys as ffi;
use subtle::ConstantTimeEq;

use crate::Error;
use crate::ifma::{IfmaFixedBase, IfmaModulus};

/// An owned, heap-allocated big integer (non-negative in all our uses).
pub(crate) struct Bn(NonNull<ffi::BIGNUM>);

// SAFETY: a BIGNUM is plain heap memory owned by this handle; aws-lc has no thread affinity and
// no interior mutability behind a `*const BIGNUM`, so moving or sharing a handle is sound.
unsafe impl Send for Bn {}
// SAFETY: as above: every `&self` method passes the pointer as `*const` (read-only).
unsafe impl Sync for Bn {}

impl Drop for Bn {
    fn drop(&mut self) {
        // SAFETY: the pointer came from BN_new and is freed exactly once, here.
        unsafe { ffi::BN_clear_free(self.0.as_ptr()) }
    }
}

fn check(rc: std::os::raw::c_int) -> Result<(), Error> {
    if rc == 1 { Ok(()) } else { Err(Error::Backend) }
}

impl Bn {
    fn alloc() -> Result<Self, Error> {
        // SAFETY: BN_new has no preconditions; a null return is handled.
        NonNull::new(unsafe { ffi::BN_new() })
            .map(Bn)
            .ok_or(Error::Backend)
    }

    fn as_ptr(&self) -> *const ffi::BIGNUM {
        self.0.as_ptr()
    }

    fn as_mut_ptr(&mut self) -> *mut ffi::BIGNUM {
        self.0.as_ptr()
    }

    /// The integer whose big-endian bytes are `bytes` (empty means zero).
    pub(crate) fn from_be_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let mut bn = Self::alloc()?;
        // SAFETY: `bytes` is valid for `bytes.len()` bytes; `bn` is a live BIGNUM it writes into.
        let out = unsafe { ffi::BN_bin2bn(bytes.as_ptr(), bytes.len(), bn.as_mut_ptr()) };
        if out.is_null() {
            Err(Error::Backend)
        } else {
            Ok(bn)
        }
    }

    fn load_le_bytes(&mut self, bytes: &[u8]) -> Result<(), Error> {
        // SAFETY: as in from_be_bytes.
        let out = unsafe { ffi::BN_le2bn(bytes.as_ptr(), bytes.len(), self.as_mut_ptr()) };
        if out.is_null() {
            Err(Error::Backend)
        } else {
            Ok(())
        }
    }

    /// A small integer.
    pub(crate) fn from_u64(value: u64) -> Result<Self, Error> {
        let mut bn = Self::alloc()?;
        // SAFETY: `bn` is live.
        check(unsafe { ffi::BN_set_word(bn.as_mut_ptr(), value) })?;
        Ok(bn)
    }

    /// Minimal big-endian bytes (zero gives an empty vector).
    pub(crate) fn to_be_bytes(&self) -> Vec<u8> {
        // SAFETY: `self` is live; BN_num_bytes only reads it.
        let len = unsafe { ffi::BN_num_bytes(self.as_ptr()) } as usize;
        let mut out = vec![0u8; len];
        // SAFETY: `out` has exactly BN_num_bytes(self) bytes, which BN_bn2bin fills.
        let written = unsafe { ffi::BN_bn2bin(self.as_ptr(), out.as_mut_ptr()) };
        debug_assert_eq!(written, len);
        out
    }

    /// Little-endian bytes padded to `out.len()`.
    fn write_le_padded(&self, out: &mut [u8]) -> Result<(), Error> {
        // SAFETY: `out` is valid for `out.len()` bytes; aws-lc fails if the value does not fit.
        check(unsafe { ffi::BN_bn2le_padded(out.as_mut_ptr(), out.len(), self.as_ptr()) })
    }

    pub(crate) fn is_zero(&self) -> bool {
        // SAFETY: `self` is live.
        unsafe { ffi::BN_is_zero(self.as_ptr()) == 1 }
    }

    /// Number of significant bits.
    pub(crate) fn bits(&self) -> u32 {
        // SAFETY: `self` is live.
        unsafe { ffi::BN_num_bits(self.as_ptr()) }
    }

    /// `self + other` (not reduced).
    pub(crate) fn add(&self, other: &Bn) -> Result<Bn, Error> {
        let mut r = Self::alloc()?;
        // SAFETY: all three are live; aws-lc allows `r` to be distinct from the inputs.
        check(unsafe { ffi::BN_add(r.as_mut_ptr(), self.as_ptr(), other.as_ptr()) })?;
        Ok(r)
    }

    /// `self · other` (not reduced).
    pub(crate) fn mul(&self, other: &Bn) -> Result<Bn, Error> {
        let ctx = Ctx::new()?;
        let mut r = Self::alloc()?;
        // SAFETY: all live; `ctx` is used by this thread only.
        check(unsafe {
            ffi::BN_mul(
                r.as_mut_ptr(),
                self.as_ptr(),
                other.as_ptr(),
                ctx.0.as_ptr(),
            )
        })?;
        Ok(r)
    }

    /// Constant-time equality of two values, compared as `len`-byte numbers.
    pub(crate) fn ct_eq(&self, other: &Bn, len: usize) -> Result<bool, Error> {
        let mut a = zeroize::Zeroizing::new(vec![0u8; len]);
        let mut b = zeroize::Zeroizing::new(vec![0u8; len]);
        self.write_le_padded(&mut a)?;
        other.write_le_padded(&mut b)?;
        Ok(bool::from(a.ct_eq(&b)))
    }
}

impl PartialEq for Bn {
    fn eq(&self, other: &Self) -> bool {
        // SAFETY: both live.
        unsafe { ffi::BN_cmp(self.as_ptr(), other.as_ptr()) == 0 }
    }
}

/// Scratch space for one operation; never shared between threads.
struct Ctx(NonNull<ffi::BN_CTX>);

impl Ctx {
    fn new() -> Result<Self, Error> {
        // SAFETY: no preconditions; null handled.
        NonNull::new(unsafe { ffi::BN_CTX_new() })
            .map(Ctx)
            .ok_or(Error::Backend)
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        // SAFETY: allocated by BN_CTX_new, freed once.
        unsafe { ffi::BN_CTX_free(self.0.as_ptr()) }
    }
}

/// An odd modulus with its Montgomery context, plus a precomputed table for one fixed base.
pub(crate) struct Modulus {
    n: Bn,
    mont: NonNull<ffi::BN_MONT_CTX>,
    bytes: usize,
    /// The same modulus for AVX-512 IFMA exponentiation, where the CPU has it.
    ifma: Option<IfmaModulus>,
}

// SAFETY: after construction the BN_MONT_CTX is only ever passed as `*const` (read-only), which
// aws-lc documents as safe to share between threads.
unsafe impl Send for Modulus {}
// SAFETY: as above.
unsafe impl Sync for Modulus {}

impl Drop for Modulus {
    fn drop(&mut self) {
        // SAFETY: allocated in `new`, freed once.
        unsafe { ffi::BN_MONT_CTX_free(self.mont.as_ptr()) }
    }
}

impl Modulus {
    /// `n` must be odd and greater than one.
    pub(crate) fn new(n: Bn) -> Result<Self, Error> {
        let ctx = Ctx::new()?;
        // SAFETY: `n` and `ctx` are live; aws-lc copies `n` into the new context.
        let mont = unsafe { ffi::BN_MONT_CTX_new_for_modulus(n.as_ptr(), ctx.0.as_ptr()) };
        let mont = NonNull::new(mont).ok_or(Error::Backend)?;
        let n_bytes = n.to_be_bytes();
        Ok(Modulus {
            ifma: IfmaModulus::new(&n_bytes),
            bytes: n_bytes.len(),
            n,
            mont,
        })
    }

    /// As [`Modulus::new`], with every exponentiation on aws-lc (the tests' reference, and
    /// the path on CPUs without AVX-512 IFMA).
    #[cfg(test)]
    pub(crate) fn new_aws_lc_only(n: Bn) -> Result<Self, Error> {
        let mut m = Self::new(n)?;
        m.ifma = None;
        Ok(m)
    }

    /// The modulus, big-endian.
    #[cfg(test)]
    pub(crate) fn n_bytes(&self) -> Vec<u8> {
        self.n.to_be_bytes()
    }

    /// Size of the modulus in bytes.
    pub(crate) fn len(&self) -> usize {
        self.bytes
    }

    fn binary(
        &self,
        a: &Bn,
        b: &Bn,
        op: unsafe extern "C" fn(
            *mut ffi::BIGNUM,
            *const ffi::BIGNUM,
            *const ffi::BIGNUM,
            *const ffi::BIGNUM,
            *mut ffi::BN_CTX,
        ) -> std::os::raw::c_int,
    ) -> Result<Bn, Error> {
        let ctx = Ctx::new()?;
        let mut r = Bn::alloc()?;
        // SAFETY: every pointer is live; `op` is one of aws-lc's BN_mod_{add,sub,mul}, which
        // accept any non-negative inputs and write a reduced result into the distinct `r`.
        check(unsafe {
            op(
                r.as_mut_ptr(),
                a.as_ptr(),
                b.as_ptr(),
                self.n.as_ptr(),
                ctx.0.as_ptr(),
            )
        })?;
        Ok(r)
    }

    /// `a mod n`.
    pub(crate) fn reduce(&self, a: &Bn) -> Result<Bn, Error> {
        let ctx = Ctx::new()?;
        let mut r = Bn::alloc()?;
        // SAFETY: all live.
        check(unsafe {
            ffi::BN_nnmod(r.as_mut_ptr(), a.as_ptr(), self.n.as_ptr(), ctx.0.as_ptr())
        })?;
        Ok(r)
    }

    /// `a · b mod n`.
    pub(crate) fn mul(&self, a: &Bn, b: &Bn) -> Result<Bn, Error> {
        self.binary(a, b, ffi::BN_mod_mul)
    }

    /// `a + b mod n`.
    pub(crate) fn add(&self, a: &Bn, b: &Bn) -> Result<Bn, Error> {
        self.binary(a, b, ffi::BN_mod_add)
    }

    /// `a − b mod n`, always in `[0, n)`.
    pub(crate) fn sub(&self, a: &Bn, b: &Bn) -> Result<Bn, Error> {
        let a = self.reduce(a)?;
        let b = self.reduce(b)?;
        self.binary(&a, &b, ffi::BN_mod_sub)
    }

    /// `base^exp mod n` in time independent of the value of `exp` (and of `base`): with AVX-512
    /// IFMA where the CPU has it ([`crate::ifma`]), else aws-lc's `BN_mod_exp_mont_consttime`.
    pub(crate) fn pow(&self, base: &Bn, exp: &Bn) -> Result<Bn, Error> {
        let base = self.reduce(base)?;
        if let Some(ifma) = &self.ifma {
            let base = zeroize::Zeroizing::new(base.to_be_bytes());
            let exp = zeroize::Zeroizing::new(exp.to_be_bytes());
            return Bn::from_be_bytes(&ifma.pow(&base, &exp));
        }
        let ctx = Ctx::new()?;
        let mut r = Bn::alloc()?;
        // SAFETY: all live; `base` is reduced as aws-lc requires; `mont` belongs to `n`.
        check(unsafe {
            ffi::BN_mod_exp_mont_consttime(
                r.as_mut_ptr(),
                base.as_ptr(),
                exp.as_ptr(),
                self.n.as_ptr(),
                ctx.0.as_ptr(),
                self.mont.as_ptr(),
            )
        })?;
        Ok(r)
    }

    fn mont_mul(&self, r: &mut Bn, a: &Bn, b: &Bn, ctx: &Ctx) -> Result<(), Error> {
        // SAFETY: all live; aws-lc allows `r` to alias neither or either input.
        check(unsafe {
            ffi::BN_mod_mul_montgomery(
                r.as_mut_ptr(),
                a.as_ptr(),
                b.as_ptr(),
                self.mont.as_ptr(),
                ctx.0.as_ptr(),
            )
        })
    }

    fn to_mont(&self, a: &Bn, ctx: &Ctx) -> Result<Bn, Error> {
        let a = self.reduce(a)?;
        let mut r = Bn::alloc()?;
        // SAFETY: all live; `a` is reduced.
        check(unsafe {
            ffi::BN_to_montgomery(
                r.as_mut_ptr(),
                a.as_ptr(),
                self.mont.as_ptr(),
                ctx.0.as_ptr(),
            )
        })?;
        Ok(r)
    }

    fn leave_mont(&self, a: &Bn, ctx: &Ctx) -> Result<Bn, Error> {
        let mut r = Bn::alloc()?;
        // SAFETY: all live.
        check(unsafe {
            ffi::BN_from_montgomery(
                r.as_mut_ptr(),
                a.as_ptr(),
                self.mont.as_ptr(),
                ctx.0.as_ptr(),
            )
        })?;
        Ok(r)
    }
}

/// Window width of the fixed-base table, in bits.
const WINDOW: usize = 4;
/// Entries per window.
const ENTRIES: usize = 1 << WINDOW;

/// Precomputed powers of one fixed base for exponents of up to `max_bits` bits:
/// entry `(i, j)` is `base^(j · 2^(4i))` in Montgomery form. An exponentiation is then one
/// Montgomery multiplication per 4 exponent bits, each operand picked from its row by a
/// constant-time scan of the whole row — instead of a square and a multiply per bit.
pub(crate) struct FixedBase {
    max_bits: u32,
    limbs: usize,
    table: Vec<u64>,
    /// The same table for AVX-512 IFMA, when the modulus has an IFMA form.
    ifma: Option<IfmaFixedBase>,
}

impl FixedBase {
    pub(crate) fn new(modulus: &Modulus, base: &Bn, max_bits: u32) -> Result<Self, Error> {
        if let Some(m) = &modulus.ifma {
            let base = modulus.reduce(base)?.to_be_bytes();
            return Ok(FixedBase {
                max_bits,
                limbs: 0,
                table: Vec::new(),
                ifma: Some(m.fixed_base(&base, max_bits as usize)),
            });
        }
        let ctx = Ctx::new()?;
        let limbs = modulus.len().div_ceil(8);
        let windows = (max_bits as usize).div_ceil(WINDOW);
        let mut table = vec![0u64; windows * ENTRIES * limbs];
        let one = modulus.to_mont(&Bn::from_u64(1)?, &ctx)?;
        let mut row_base = modulus.to_mont(base, &ctx)?;
        let mut bytes = vec![0u8; limbs * 8];
        for i in 0..windows {
            let mut entry = Bn::from_be_bytes(&one.to_be_bytes())?;
            for j in 0..ENTRIES {
                if j > 0 {
                    let mut next = Bn::alloc()?;
                    modulus.mont_mul(&mut next, &entry, &row_base, &ctx)?;
                    entry = next;
                }
                entry.write_le_padded(&mut bytes)?;
                let at = (i * ENTRIES + j) * limbs;
                for (k, chunk) in bytes.chunks_exact(8).enumerate() {
                    let mut limb = [0u8; 8];
                    limb.copy_from_slice(chunk);
                    table[at + k] = u64::from_le_bytes(limb);
                }
            }
            for _ in 0..WINDOW {
                let mut sq = Bn::alloc()?;
                modulus.mont_mul(&mut sq, &row_base, &row_base, &ctx)?;
                row_base = sq;
            }
        }
        Ok(FixedBase {
            max_bits,
            limbs,
            table,
            ifma: None,
        })
    }

    /// `base^exp mod n`, constant time in `exp` for exponents of up to `max_bits` bits.
    /// Returns `None` when `exp` is longer than the table covers.
    pub(crate) fn pow(&self, modulus: &Modulus, exp: &Bn) -> Result<Option<Bn>, Error> {
        if exp.bits() > self.max_bits {
            return Ok(None);
        }
        if let (Some(m), Some(table)) = (&modulus.ifma, &self.ifma) {
            let exp = zeroize::Zeroizing::new(exp.to_be_bytes());
            return match m.pow_fixed(table, &exp) {
                Some(out) => Ok(Some(Bn::from_be_bytes(&out)?)),
                None => Ok(None),
            };
        }
        let windows = (self.max_bits as usize).div_ceil(WINDOW);
        let mut exp_bytes = zeroize::Zeroizing::new(vec![0u8; windows.div_ceil(2)]);
        exp.write_le_padded(&mut exp_bytes)?;
        let ctx = Ctx::new()?;
        let mut picked = zeroize::Zeroizing::new(vec![0u64; self.limbs]);
        let mut picked_bytes = zeroize::Zeroizing::new(vec![0u8; self.limbs * 8]);
        let mut operand = Bn::alloc()?;
        let mut acc: Option<Bn> = None;
        for i in 0..windows {
            let nibble = (exp_bytes[i / 2] >> (4 * (i % 2))) & 0x0f;
            let row = &self.table[i * ENTRIES * self.limbs..(i + 1) * ENTRIES * self.limbs];
            picked.iter_mut().for_each(|l| *l = 0);
            for (j, entry) in row.chunks_exact(self.limbs).enumerate() {
                // All ones for the wanted entry, zero for the others, computed without a branch;
                // every entry is read either way.
                let mask = 0u64.wrapping_sub(u64::from((j as u8).ct_eq(&nibble).unwrap_u8()));
                for (out, limb) in picked.iter_mut().zip(entry) {
                    *out |= limb & mask;
                }
            }
            for (chunk, limb) in picked_bytes.chunks_exact_mut(8).zip(picked.iter()) {
                chunk.copy_from_slice(&limb.to_le_bytes());
            }
            operand.load_le_bytes(&picked_bytes)?;
            acc = Some(match acc {
                None => {
                    let mut first = Bn::alloc()?;
                    first.load_le_bytes(&picked_bytes)?;
                    first
                }
                Some(prev) => {
                    let mut next = Bn::alloc()?;
                    modulus.mont_mul(&mut next, &prev, &operand, &ctx)?;
                    next
                }
            });
        }
        match acc {
            Some(acc) => Ok(Some(modulus.leave_mont(&acc, &ctx)?)),
            None => Ok(Some(Bn::from_u64(1)?)),
        }
    }
}
