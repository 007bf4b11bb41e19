//! Coverage-guided fuzzing of the SRP answer parser: what a `PASSWORD_VERIFIER` answer carries
//! (`SRP_A`, `TIMESTAMP`, `PASSWORD_CLAIM_SIGNATURE`, `SECRET_BLOCK`) through the parsers and
//! checks the server runs on it — the timestamp parser, the sealed `SECRET_BLOCK` opener, and
//! the SRP server's proof check.
//!
//! Input: the four values on four lines. Invariants: no panic on any input, no fuzzed
//! `SECRET_BLOCK` opens, and no proof verifies (the input cannot know the password).
#![no_main]

use std::sync::OnceLock;

use cognate_srp::{PasswordVerifierAnswer, SrpServer, Timestamp, Verifier};
use libfuzzer_sys::fuzz_target;

fn server() -> &'static (Verifier, SrpServer) {
    static SERVER: OnceLock<(Verifier, SrpServer)> = OnceLock::new();
    SERVER.get_or_init(|| {
        let verifier = Verifier::with_salt(&[3u8; 16], "Fuzz1", "alice", "Correct horse 1!")
            .expect("a verifier");
        let server = SrpServer::from_secret(&[5u8; 32], &verifier).expect("a server");
        (verifier, server)
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.splitn(4, '\n');
    let srp_a = lines.next().unwrap_or_default();
    let timestamp = lines.next().unwrap_or_default();
    let signature = lines.next().unwrap_or_default();
    let secret_block = lines.next().unwrap_or_default();
    let _ = Timestamp::parse(timestamp);
    assert!(
        !cognate_server::fuzzing::secret_block(secret_block),
        "a fuzzed SECRET_BLOCK opened"
    );
    let (verifier, server) = server();
    let answer = PasswordVerifierAnswer {
        srp_a,
        pool_name: "Fuzz1",
        user_id: "alice",
        secret_block: secret_block.as_bytes(),
        timestamp,
        signature,
    };
    assert!(
        server.check(verifier, &answer).is_err(),
        "a fuzzed proof verified"
    );
});
