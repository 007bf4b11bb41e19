//! `cargo run -p cognate-codegen [-- --check]`: regenerates cognate-model's code from the
//! vendored models, or (with `--check`) fails if the committed code is not what the models give.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// (model file, generated module) pairs, relative to crates/cognate-model.
const SERVICES: &[(&str, &str)] = &[
    ("cognito-idp-2016-04-18.json", "src/generated/idp.rs"),
    (
        "cognito-identity-2014-06-30.json",
        "src/generated/identity.rs",
    ),
];

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cognate-model");
    let version = match std::fs::read_to_string(root.join("models/BOTOCORE_VERSION")) {
        Ok(v) => v.trim().to_owned(),
        Err(e) => {
            eprintln!("cognate-codegen: models/BOTOCORE_VERSION: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stale = Vec::new();
    for (model, module) in SERVICES {
        let model_path = root.join("models").join(model);
        let text = match std::fs::read_to_string(&model_path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("cognate-codegen: {}: {e}", model_path.display());
                return ExitCode::FAILURE;
            }
        };
        let code = match cognate_codegen::generate(&text, model, &version) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("cognate-codegen: {model}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let out: PathBuf = root.join(module);
        let current = std::fs::read_to_string(&out).unwrap_or_default();
        if check {
            if current != code {
                stale.push(module.to_string());
            }
        } else if current != code {
            if let Some(dir) = out.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            if let Err(e) = std::fs::write(&out, code) {
                eprintln!("cognate-codegen: {}: {e}", out.display());
                return ExitCode::FAILURE;
            }
            eprintln!("cognate-codegen: wrote {module}");
        }
    }
    if !stale.is_empty() {
        eprintln!(
            "cognate-codegen: stale generated code: {} — run `cargo run -p cognate-codegen` and commit",
            stale.join(", ")
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
