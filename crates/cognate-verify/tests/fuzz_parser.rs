//! A bounded, fuzz-style run over the token parser and the whole synchronous verifier.
//!
//! This is property-based testing with random and mutated inputs (proptest), not coverage-guided
//! fuzzing: it runs a fixed number of cases per property (`PROPTEST_CASES`, default 1,000 here)
//! in the ordinary test command. The properties: nothing panics on any input, and no input other
//! than the exact valid token verifies. The coverage-guided targets are in `fuzz/`, run by
//! `scripts/fuzz` (libFuzzer on the stable toolchain) in the same test command.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::sync::OnceLock;

use cognate_verify::{
    CognitoJwtVerifier, FetchFuture, Jwks, JwksFetcher, TokenUse, UnverifiedToken, UserPool,
};
use common::*;
use proptest::prelude::*;
use serde_json::json;

const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_PoolAaaaa";

#[derive(Debug)]
struct NoNetwork;

impl JwksFetcher for NoNetwork {
    fn fetch<'a>(&'a self, _url: &'a str) -> FetchFuture<'a> {
        Box::pin(async { Err("no network in the fuzz test".into()) })
    }
}

struct Fixture {
    verifier: CognitoJwtVerifier,
    token: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let k = keys();
        let verifier = CognitoJwtVerifier::builder()
            .user_pool(UserPool::from_issuer(ISSUER).client_id(CLIENT_A))
            .token_use(TokenUse::Access)
            .clock(clock())
            .jwks_fetcher(NoNetwork)
            .cache_verified_tokens(64)
            .build()
            .unwrap();
        let jwks = json!({"keys": [k.a_access.jwk(), k.a_id.jwk()]}).to_string();
        verifier
            .cache_jwks(ISSUER, Jwks::from_json(jwks.as_bytes()).unwrap())
            .unwrap();
        let token = k.a_access.sign(&access_claims(ISSUER, CLIENT_A));
        assert!(verifier.verify_sync(&token).is_ok());
        Fixture { verifier, token }
    })
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(1_000);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, char),
    Insert(usize, char),
    Delete(usize),
    Swap(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let ch = prop_oneof![
        proptest::char::range('A', 'Z'),
        proptest::char::range('a', 'z'),
        proptest::char::range('0', '9'),
        Just('-'),
        Just('_'),
        Just('.'),
        Just('='),
        Just('+'),
        Just('/'),
        any::<char>(),
    ];
    prop_oneof![
        (any::<usize>(), ch.clone()).prop_map(|(i, c)| Edit::Replace(i, c)),
        (any::<usize>(), ch).prop_map(|(i, c)| Edit::Insert(i, c)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Edit::Swap(i, j)),
    ]
}

fn apply(token: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    for e in edits {
        let n = chars.len().max(1);
        match *e {
            Edit::Replace(i, c) => {
                if !chars.is_empty() {
                    chars[i % n] = c;
                }
            }
            Edit::Insert(i, c) => chars.insert(i % (chars.len() + 1), c),
            Edit::Delete(i) => {
                if !chars.is_empty() {
                    chars.remove(i % n);
                }
            }
            Edit::Swap(i, j) => {
                if !chars.is_empty() {
                    chars.swap(i % n, j % n);
                }
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(config())]

    /// Arbitrary bytes: the parser and the verifier return errors, never panic, never accept.
    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = UnverifiedToken::parse(&text);
        prop_assert!(fixture().verifier.verify_sync(&text).is_err());
        let _ = Jwks::from_json(&bytes);
    }

    /// Strings over the token alphabet, shaped as three segments or not.
    #[test]
    fn token_alphabet(text in "[A-Za-z0-9_=.+/-]{0,600}") {
        let _ = UnverifiedToken::parse(&text);
        prop_assert!(fixture().verifier.verify_sync(&text).is_err());
    }

    /// A valid token with up to 4 edits: only the unchanged token verifies.
    #[test]
    fn mutated_valid_token(edits in proptest::collection::vec(edit(), 1..5)) {
        let f = fixture();
        let mutated = apply(&f.token, &edits);
        let result = f.verifier.verify_sync(&mutated);
        if mutated == f.token {
            prop_assert!(result.is_ok());
        } else {
            prop_assert!(result.is_err(), "accepted {mutated}");
        }
    }

    /// Well-formed base64url around arbitrary JSON-ish text, correctly signed: the strict JSON
    /// reader never panics, and whatever it accepts goes through the claim checks.
    #[test]
    fn signed_arbitrary_payloads(payload in r#"\{("[a-z:_]{1,8}":(-?[0-9]{1,12}|"[ -~]{0,12}"|\[\]|\{\}|true|null),?){0,8}\}?"#) {
        let k = keys();
        let header = b64_json(&json!({"alg": "RS256", "kid": k.a_access.kid}));
        let token = k.a_access.sign_segments(&header, &b64(payload.as_bytes()));
        let _ = UnverifiedToken::parse(&token);
        // None of these has the issuer, client and times of a valid token.
        prop_assert!(fixture().verifier.verify_sync(&token).is_err());
    }

    /// Arbitrary JSON values as the header: never a panic, never accepted unless it is the
    /// original header's meaning.
    #[test]
    fn arbitrary_headers(alg in prop_oneof![Just("RS256".to_owned()), "[A-Za-z0-9]{0,8}"], kid in prop_oneof![Just("a-access-kid".to_owned()), "[ -~]{0,20}"], extra in proptest::option::of("[a-z]{1,5}")) {
        let k = keys();
        let mut header = json!({"alg": alg, "kid": kid});
        if let Some(extra) = &extra {
            header[extra] = json!(1);
        }
        let token = k.a_access.sign_with_header(&header, &access_claims(ISSUER, CLIENT_A));
        let ok = fixture().verifier.verify_sync(&token).is_ok();
        let expected = alg == "RS256" && kid == "a-access-kid"
            && !matches!(extra.as_deref(), Some("crit" | "alg" | "kid"));
        prop_assert_eq!(ok, expected);
    }
}
