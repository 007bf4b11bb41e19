//! Coverage-guided fuzzing of the JWKS parser: `bash scripts/fuzz jwks_parser` (see fuzz/README.md).
#![no_main]

use cognate_verify::Jwks;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(jwks) = Jwks::from_json(data) {
        for kid in jwks.kids() {
            let _ = jwks.is_usable(kid);
        }
    }
});
