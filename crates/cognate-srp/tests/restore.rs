//! `SrpServer::restore`: a challenge kept as `(b, B)` checks answers exactly as one rebuilt with
//! `SrpServer::from_secret`, and bad kept values are refused.

#![allow(clippy::unwrap_used)]

mod common;

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
    let n = common::n_bytes();
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
