//! Coverage-guided fuzzing of cognate-server's wire request parser: `X-Amz-Target` routing, the
//! JSON body, the AWS model's validation of the operation's input, and the SigV4 check of the
//! `Authorization` header.
//!
//! Input: the target on the first line, the `Authorization` header on the second, the body
//! after. Invariants: no panic on any input, and no signature passes (no input can be signed
//! with the fixed key the target checks against).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == b'\n');
    let target = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let authorization = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let body = parts.next().unwrap_or_default();
    assert!(
        !cognate_server::fuzzing::wire_request(&target, &authorization, body),
        "a fuzzed signature passed"
    );
});
