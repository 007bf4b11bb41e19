//! Property tests: padding and hex round trips, and "the server accepts exactly the right
//! password".

#![allow(clippy::unwrap_used)]

use cognate_srp::{
    DeviceSecret, Error, PasswordVerifierAnswer, PasswordVerifierChallenge, SrpClient, SrpServer,
    Timestamp, Verifier, pad_hex,
};
use proptest::prelude::*;

fn strip(hex: &str) -> &str {
    let t = hex.trim_start_matches('0');
    if t.is_empty() { "0" } else { t }
}

proptest! {
    #[test]
    fn pad_hex_is_even_non_negative_and_keeps_the_value(bytes in proptest::collection::vec(any::<u8>(), 0..64), odd in any::<bool>()) {
        let mut hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        if odd || hex.is_empty() { hex.insert(0, '0'); }
        let padded = pad_hex(&hex).unwrap();
        prop_assert_eq!(padded.len() % 2, 0);
        // Reads as non-negative: the first digit is below 8.
        prop_assert!(padded.as_bytes()[0] < b'8');
        // Same integer.
        let lower = hex.to_lowercase();
        prop_assert_eq!(strip(&padded), strip(&lower));
        // Minimal: at most one leading zero byte, and only when needed.
        if padded.starts_with("00") && padded.len() > 2 {
            prop_assert!(padded.as_bytes()[2] >= b'8');
        }
        // Idempotent.
        prop_assert_eq!(pad_hex(&padded).unwrap(), padded.clone());
        prop_assert_eq!(pad_hex(&hex.to_uppercase()).unwrap(), padded);
    }

    #[test]
    fn timestamps_round_trip(secs in -62_135_596_800i64..253_402_300_799) {
        let t = Timestamp::from_unix(secs);
        prop_assert_eq!(Timestamp::parse(t.as_str()).unwrap().unix(), secs);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn server_accepts_exactly_the_right_password(
        right in "\\PC{0,24}",
        wrong in "\\PC{0,24}",
        user in "[a-zA-Z0-9@._+-]{1,20}",
        salt in proptest::collection::vec(any::<u8>(), 1..20),
        a in proptest::collection::vec(any::<u8>(), 1..40),
        b in proptest::collection::vec(any::<u8>(), 1..40),
        block in proptest::collection::vec(any::<u8>(), 0..64),
        at in 0i64..4_102_444_800,
    ) {
        prop_assume!(a.iter().any(|x| *x != 0) && b.iter().any(|x| *x != 0));
        let pool = "AbC123xyZ";
        let verifier = Verifier::with_salt(&salt, pool, &user, &right).unwrap();
        let client = SrpClient::from_secret(&a).unwrap();
        let server = SrpServer::from_secret(&b, &verifier).unwrap();
        let block_b64 = base64_encode(&block);
        let challenge = PasswordVerifierChallenge {
            pool_name: pool, user_id_for_srp: &user, srp_b: &server.srp_b(), salt: &verifier.salt(), secret_block: &block_b64,
        };
        let srp_a = client.srp_a();
        let ts = Timestamp::from_unix(at);
        for (password, ok) in [(&right, true), (&wrong, right == wrong)] {
            let claim = client.respond(&challenge, password, &ts).unwrap();
            let verdict = server.check(&verifier, &PasswordVerifierAnswer {
                srp_a: &srp_a, pool_name: pool, user_id: &user, secret_block: &block,
                timestamp: &claim.timestamp, signature: &claim.signature,
            });
            if ok { prop_assert_eq!(verdict, Ok(())); } else { prop_assert_eq!(verdict, Err(Error::SignatureMismatch)); }
            prop_assert_eq!(verifier.matches_password(pool, &user, password).unwrap(), ok);
        }
        // The signature binds the timestamp and the secret block too.
        let claim = client.respond(&challenge, &right, &ts).unwrap();
        let later = Timestamp::from_unix(at + 1);
        prop_assert_eq!(server.check(&verifier, &PasswordVerifierAnswer {
            srp_a: &srp_a, pool_name: pool, user_id: &user, secret_block: &block,
            timestamp: later.as_str(), signature: &claim.signature,
        }), Err(Error::SignatureMismatch));
        let mut other_block = block.clone();
        other_block.push(1);
        prop_assert_eq!(server.check(&verifier, &PasswordVerifierAnswer {
            srp_a: &srp_a, pool_name: pool, user_id: &user, secret_block: &other_block,
            timestamp: &claim.timestamp, signature: &claim.signature,
        }), Err(Error::SignatureMismatch));
    }

    #[test]
    fn device_login_accepts_exactly_the_device_password(
        salt in proptest::collection::vec(any::<u8>(), 16..=16),
        other in "[A-Za-z0-9+/]{54}==",
    ) {
        let mut rng = cognate_srp::os_rng();
        let (group, key) = ("-AbCdEfGh", "us-east-1_0a1b2c3d-4e5f-6789-abcd-ef0123456789");
        let secret = DeviceSecret::from_parts(&salt, "dGhlIGRldmljZSBwYXNzd29yZA==", group, key).unwrap();
        let stored = Verifier::from_device_config(&secret.config).unwrap();
        let client = SrpClient::new(&mut rng).unwrap();
        let server = SrpServer::new(&mut rng, &stored).unwrap();
        let challenge = PasswordVerifierChallenge {
            pool_name: group, user_id_for_srp: key, srp_b: &server.srp_b(), salt: &stored.salt(), secret_block: "AAEC",
        };
        let srp_a = client.srp_a();
        for (password, ok) in [(secret.device_password.as_str(), true), (other.as_str(), false)] {
            let claim = client.respond(&challenge, password, &Timestamp::from_unix(1)).unwrap();
            let verdict = server.check(&stored, &PasswordVerifierAnswer {
                srp_a: &srp_a, pool_name: group, user_id: key, secret_block: &[0, 1, 2],
                timestamp: &claim.timestamp, signature: &claim.signature,
            });
            prop_assert_eq!(verdict.is_ok(), ok);
        }
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
