//! `SrpServer::restore`: a challenge kept as `(b, B)` checks answers exactly as one rebuilt with
//! `SrpServer::from_secret`, and bad kept values are refused.

#![allow(clippy::unwrap_used)]

use cognate_srp::{
    Error, PasswordVerifierAnswer, PasswordVerifierChallenge, SrpClient, SrpServer, Timestamp,
    Verifier,
};

const POOL: &str = "AbC123xyZ";
const USER: &str = "alice";

/// The client's answer to `server` with `password`, checked by `server`.
fn verdict(server: &SrpServer, verifier: &Verifier, password: &str) -> Result<(), Error> {
    let client = SrpClient::from_secret(&[0x5a; 32]).unwrap();
    let block = [9u8; 48];
    let block_b64 = "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJ";
    let srp_b = server.srp_b();
    let salt = verifier.salt();
    let challenge = PasswordVerifierChallenge {
        pool_name: POOL,
        user_id_for_srp: USER,
        srp_b: &srp_b,
        salt: &salt,
        secret_block: block_b64,
    };
    let ts = Timestamp::from_unix(1_700_000_000);
    let claim = client.respond(&challenge, password, &ts).unwrap();
    server.check(
        verifier,
        &PasswordVerifierAnswer {
            srp_a: &client.srp_a(),
            pool_name: POOL,
            user_id: USER,
            secret_block: &block,
            timestamp: &claim.timestamp,
            signature: &claim.signature,
        },
    )
}

/// N of the 3072-bit group (RFC 5054), big-endian.
fn modulus_bytes() -> Vec<u8> {
    let hex = concat!(
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
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn restored_challenge_checks_like_the_original() {
    let mut rng = cognate_srp::os_rng();
    let verifier = Verifier::generate(&mut rng, POOL, USER, "Correct horse 1!").unwrap();
    let server = SrpServer::new(&mut rng, &verifier).unwrap();
    let restored = SrpServer::restore(&server.secret(), &server.public_bytes()).unwrap();
    let rebuilt = SrpServer::from_secret(&server.secret(), &verifier).unwrap();
    assert_eq!(restored.srp_b(), server.srp_b());
    assert_eq!(rebuilt.srp_b(), server.srp_b());
    assert_eq!(verdict(&restored, &verifier, "Correct horse 1!"), Ok(()));
    assert_eq!(
        verdict(&restored, &verifier, "correct horse 1!"),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn a_b_that_does_not_belong_to_the_secret_fails_the_check() {
    let mut rng = cognate_srp::os_rng();
    let verifier = Verifier::generate(&mut rng, POOL, USER, "Correct horse 1!").unwrap();
    let one = SrpServer::new(&mut rng, &verifier).unwrap();
    let other = SrpServer::new(&mut rng, &verifier).unwrap();
    let mixed = SrpServer::restore(&one.secret(), &other.public_bytes()).unwrap();
    assert_eq!(
        verdict(&mixed, &verifier, "Correct horse 1!"),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn bad_kept_values_are_refused() {
    let mut rng = cognate_srp::os_rng();
    let verifier = Verifier::generate(&mut rng, POOL, USER, "pw").unwrap();
    let server = SrpServer::new(&mut rng, &verifier).unwrap();
    let big_b = server.public_bytes();
    assert!(matches!(
        SrpServer::restore(&[0, 0], &big_b),
        Err(Error::Empty(_))
    ));
    assert!(SrpServer::restore(&[], &big_b).is_err());
    let n = modulus_bytes();
    for bad in [vec![0u8], vec![0u8; 384], n.clone(), {
        let mut above = n.clone();
        above.insert(0, 1);
        above
    }] {
        assert_eq!(
            SrpServer::restore(&server.secret(), &bad).err(),
            Some(Error::IllegalPublicValue { field: "SRP_B" }),
            "{} bytes",
            bad.len()
        );
    }
}
