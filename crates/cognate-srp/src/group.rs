//! The group every Cognito SRP exchange uses: RFC 5054's 3072-bit prime, generator 2, and the
//! multiplier `k = H(padHex(N) ‖ padHex(g))`.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use crate::Error;
use crate::bn::{Bn, FixedBase, Modulus};
use crate::hex;

/// RFC 5054 appendix A, 3072-bit group (also RFC 3526 group 15).
pub(crate) const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// Bits of the secret exponents this crate draws (`a`, `b`) and of `x` (a SHA-256 output):
/// RFC 5054 asks for at least 256 random bits.
pub(crate) const SECRET_BITS: u32 = 256;

pub(crate) struct Group {
    pub(crate) modulus: Modulus,
    pub(crate) g: Bn,
    pub(crate) k: Bn,
    g_powers: FixedBase,
}

impl Group {
    fn build() -> Result<Self, Error> {
        let n = Bn::from_be_bytes(&hex::parse("N", N_HEX)?)?;
        let g = Bn::from_u64(2)?;
        let mut h = Sha256::new();
        h.update(hex::padded(&n.to_be_bytes()));
        h.update(hex::padded(&g.to_be_bytes()));
        let k = Bn::from_be_bytes(&h.finalize())?;
        let modulus = Modulus::new(n)?;
        let g_powers = FixedBase::new(&modulus, &g, SECRET_BITS)?;
        Ok(Group {
            modulus,
            g,
            k,
            g_powers,
        })
    }

    /// `g^exp mod N`, constant time in `exp`; fast for exponents of up to 256 bits.
    pub(crate) fn g_pow(&self, exp: &Bn) -> Result<Bn, Error> {
        match self.g_powers.pow(&self.modulus, exp)? {
            Some(r) => Ok(r),
            None => self.modulus.pow(&self.g, exp),
        }
    }
}

/// The shared group, built once per process (about a millisecond, mostly the `g` table).
pub(crate) fn group() -> Result<&'static Group, Error> {
    static GROUP: OnceLock<Option<Group>> = OnceLock::new();
    GROUP
        .get_or_init(|| Group::build().ok())
        .as_ref()
        .ok_or(Error::Backend)
}
