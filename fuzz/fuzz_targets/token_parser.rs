//! Coverage-guided fuzzing of the token parser and of the whole synchronous verifier.
//!
//! `bash scripts/fuzz token_parser` (see fuzz/README.md). Invariants: no panic on any
//! input, and nothing verifies (the verifier has no keys an input could be signed with, so any
//! success is a bug).
#![no_main]

use std::sync::OnceLock;

use cognate_verify::{
    CognitoJwtVerifier, FetchFuture, Jwks, JwksFetcher, UnverifiedToken, UserPool,
};
use libfuzzer_sys::fuzz_target;

const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Fuzz1";

#[derive(Debug)]
struct NoNetwork;

impl JwksFetcher for NoNetwork {
    fn fetch<'a>(&'a self, _url: &'a str) -> FetchFuture<'a> {
        Box::pin(async { Err("no network".into()) })
    }
}

fn verifier() -> &'static CognitoJwtVerifier {
    static VERIFIER: OnceLock<CognitoJwtVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let verifier = CognitoJwtVerifier::builder()
            .user_pool(UserPool::from_issuer(ISSUER).any_client())
            .any_token_use()
            .jwks_fetcher(NoNetwork)
            .cache_verified_tokens(16)
            .build()
            .expect("a valid configuration");
        // A real 2048-bit modulus is not needed: no input can carry a valid signature anyway.
        let jwks = br#"{"keys":[{"kid":"k1","kty":"RSA","alg":"RS256","use":"sig","e":"AQAB","n":"xYz"}]}"#;
        verifier
            .cache_jwks(ISSUER, Jwks::from_json(jwks).expect("valid JWKS"))
            .expect("known issuer");
        verifier
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(token) = UnverifiedToken::parse(text) {
        let _ = (token.alg(), token.kid(), token.payload().len());
    }
    assert!(verifier().verify_sync(text).is_err());
});
