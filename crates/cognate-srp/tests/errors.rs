//! Bad input gets a typed error naming the parameter, never a panic.

#![allow(clippy::unwrap_used)]

mod common;

use common::N_HEX;

use cognate_srp::{
    DeviceSecretVerifierConfig, Error, PasswordVerifierAnswer, PasswordVerifierChallenge,
    SrpClient, SrpServer, Timestamp, Verifier,
};

fn challenge<'a>(
    srp_b: &'a str,
    salt: &'a str,
    secret_block: &'a str,
) -> PasswordVerifierChallenge<'a> {
    PasswordVerifierChallenge {
        pool_name: "AbC123xyZ",
        user_id_for_srp: "alice",
        srp_b,
        salt,
        secret_block,
    }
}

fn respond(c: &PasswordVerifierChallenge<'_>) -> Result<cognate_srp::PasswordClaim, Error> {
    let client = SrpClient::from_secret(&[7; 32]).unwrap();
    client.respond(c, "pw", &Timestamp::from_unix(0))
}

#[test]
fn srp_b_must_be_hex() {
    for bad in ["", "xyz", "12 34", "0x1234", "12-34", "１２"] {
        let err = respond(&challenge(bad, "ab", "AAAA")).unwrap_err();
        assert!(
            matches!(err, Error::InvalidHex { field: "SRP_B", .. }),
            "{bad:?}: {err:?}"
        );
    }
    let huge = "1".repeat(cognate_srp::MAX_HEX_DIGITS + 1);
    assert_eq!(
        respond(&challenge(&huge, "ab", "AAAA")).unwrap_err(),
        Error::InvalidHex {
            field: "SRP_B",
            reason: "too long"
        }
    );
}

#[test]
fn salt_must_be_hex() {
    for bad in ["", "g0", "+1"] {
        let err = respond(&challenge("abc", bad, "AAAA")).unwrap_err();
        assert!(
            matches!(err, Error::InvalidHex { field: "SALT", .. }),
            "{bad:?}: {err:?}"
        );
    }
}

#[test]
fn odd_length_and_uppercase_hex_are_fine() {
    assert!(respond(&challenge("abc", "f00", "AAAA")).is_ok());
    assert!(respond(&challenge("ABCDEF1", "F", "AAAA")).is_ok());
    // Leading zeros do not change the number.
    assert_eq!(
        respond(&challenge("000abc", "0f00", "AAAA")).unwrap(),
        respond(&challenge("abc", "f00", "AAAA")).unwrap()
    );
}

#[test]
fn b_that_is_zero_mod_n_is_refused() {
    let two_n = {
        // 2N = N shifted left by one bit.
        let mut digits: Vec<u8> = Vec::new();
        let mut carry = 0u8;
        for c in N_HEX.bytes().rev() {
            let d = (c as char).to_digit(16).unwrap() as u8 * 2 + carry;
            digits.push(d & 0xf);
            carry = d >> 4;
        }
        digits.push(carry);
        digits
            .iter()
            .rev()
            .map(|d| format!("{d:x}"))
            .collect::<String>()
    };
    for b in ["0", "0000", N_HEX, &two_n] {
        assert_eq!(
            respond(&challenge(b, "ab", "AAAA")).unwrap_err(),
            Error::IllegalPublicValue { field: "SRP_B" }
        );
    }
}

#[test]
fn secret_block_must_be_base64() {
    for bad in ["not base64!", "AAA", "A===", "ÿÿ"] {
        assert_eq!(
            respond(&challenge("abc", "ab", bad)).unwrap_err(),
            Error::InvalidBase64 {
                field: "SECRET_BLOCK"
            }
        );
    }
}

#[test]
fn empty_names_are_refused() {
    let mut c = challenge("abc", "ab", "AAAA");
    c.user_id_for_srp = "";
    assert_eq!(respond(&c).unwrap_err(), Error::Empty("USER_ID_FOR_SRP"));
    let mut c = challenge("abc", "ab", "AAAA");
    c.pool_name = "";
    assert_eq!(respond(&c).unwrap_err(), Error::Empty("the pool name"));
    let mut rng = cognate_srp::os_rng();
    assert_eq!(
        Verifier::generate(&mut rng, "pool", "", "pw").unwrap_err(),
        Error::Empty("the user id")
    );
    assert_eq!(
        Verifier::generate(&mut rng, "", "u", "pw").unwrap_err(),
        Error::Empty("the pool name")
    );
}

#[test]
fn pool_ids_are_checked() {
    for bad in ["", "_", "us-east-1_", "_abc", "nounderscore", "a_b_c"] {
        assert!(
            matches!(cognate_srp::pool_name(bad), Err(Error::InvalidPoolId(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn zero_secrets_are_refused() {
    assert!(SrpClient::from_secret(&[]).is_err());
    assert!(SrpClient::from_secret(&[0, 0]).is_err());
    let mut rng = cognate_srp::os_rng();
    let v = Verifier::generate(&mut rng, "p", "u", "pw").unwrap();
    assert!(SrpServer::from_secret(&[0], &v).is_err());
}

#[test]
fn server_refuses_bad_answers_with_named_errors() {
    let mut rng = cognate_srp::os_rng();
    let v = Verifier::generate(&mut rng, "AbC123xyZ", "alice", "pw").unwrap();
    let server = SrpServer::new(&mut rng, &v).unwrap();
    let answer = |srp_a: &'static str, signature: &'static str| PasswordVerifierAnswer {
        srp_a,
        pool_name: "AbC123xyZ",
        user_id: "alice",
        secret_block: b"",
        timestamp: "Thu Jan 1 00:00:00 UTC 1970",
        signature,
    };
    assert_eq!(
        server.check(&v, &answer(N_HEX, "AAAA")).unwrap_err(),
        Error::IllegalPublicValue { field: "SRP_A" }
    );
    assert_eq!(
        server.check(&v, &answer("0", "AAAA")).unwrap_err(),
        Error::IllegalPublicValue { field: "SRP_A" }
    );
    assert!(matches!(
        server.check(&v, &answer("zz", "AAAA")).unwrap_err(),
        Error::InvalidHex { field: "SRP_A", .. }
    ));
    assert_eq!(
        server.check(&v, &answer("abc", "%%%")).unwrap_err(),
        Error::InvalidBase64 {
            field: "PASSWORD_CLAIM_SIGNATURE"
        }
    );
    // A well-formed signature of the wrong length or value is simply a mismatch.
    assert_eq!(
        server.check(&v, &answer("abc", "AAAA")).unwrap_err(),
        Error::SignatureMismatch
    );
}

#[test]
fn device_configs_are_checked() {
    let bad = |password_verifier: &str, salt: &str| {
        Verifier::from_device_config(&DeviceSecretVerifierConfig {
            password_verifier: password_verifier.into(),
            salt: salt.into(),
        })
        .unwrap_err()
    };
    assert_eq!(
        bad("!!", "AAAA"),
        Error::InvalidBase64 {
            field: "PasswordVerifier"
        }
    );
    assert_eq!(bad("AAAA", "!!"), Error::InvalidBase64 { field: "Salt" });
    assert_eq!(bad("AQ==", ""), Error::Empty("Salt"));
    // A verifier of zero is g^x for no x: refused.
    assert_eq!(
        bad("AAAA", "AQ=="),
        Error::IllegalPublicValue {
            field: "PasswordVerifier"
        }
    );
}

#[test]
fn secrets_stay_out_of_debug() {
    let mut rng = cognate_srp::os_rng();
    let client = SrpClient::from_secret(&[0xab; 32]).unwrap();
    let shown = format!("{client:?}");
    assert!(
        shown.contains("[redacted]") && !shown.contains("abababab"),
        "{shown}"
    );
    let secret =
        cognate_srp::DeviceSecret::from_parts(&[1; 16], "device-password", "-g", "k").unwrap();
    assert!(!format!("{secret:?}").contains("device-password"));
    let v = Verifier::generate(&mut rng, "p", "u", "pw").unwrap();
    assert!(format!("{v:?}").contains("[redacted]"));
    let server = SrpServer::from_secret(&[0xcd; 32], &v).unwrap();
    assert!(!format!("{server:?}").contains("cdcdcdcd"));
}
