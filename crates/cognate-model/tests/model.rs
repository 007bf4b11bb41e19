//! The generated code against the vendored models: fresh, complete, and every pattern compiles
//! and means what the model's Java pattern means on typical values.

#![allow(clippy::unwrap_used)]

use cognate_model::schema::{Kind, ServiceDef};
use cognate_model::{identity, idp};

fn model(name: &str) -> String {
    let path = format!("{}/models/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn generated_code_is_fresh() {
    let version = model("BOTOCORE_VERSION");
    for (file, module) in [
        ("cognito-idp-2016-04-18.json", "idp.rs"),
        ("cognito-identity-2014-06-30.json", "identity.rs"),
    ] {
        let want = cognate_codegen::generate(&model(file), file, version.trim()).unwrap();
        let have = std::fs::read_to_string(format!(
            "{}/src/generated/{module}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        assert!(
            want == have,
            "src/generated/{module} is stale: run `cargo run -p cognate-codegen` and commit"
        );
    }
}

#[test]
fn every_operation_and_exception_of_the_models_is_there() {
    for (file, service, ops) in [
        (
            "cognito-idp-2016-04-18.json",
            &idp::SERVICE,
            idp::Operation::ALL.len(),
        ),
        (
            "cognito-identity-2014-06-30.json",
            &identity::SERVICE,
            identity::Operation::ALL.len(),
        ),
    ] {
        let json: serde_json::Value = serde_json::from_str(&model(file)).unwrap();
        let names = json["operations"].as_object().unwrap();
        assert_eq!(names.len(), ops);
        assert_eq!(service.operations.len(), ops);
        for name in names.keys() {
            let op = service.operation(name).unwrap();
            let input = op.input.map(|i| service.shapes[i].name);
            assert_eq!(
                op.unsigned,
                json["operations"][name]["authtype"].as_str() == Some("none"),
                "{name}: unsigned"
            );
            assert_eq!(
                input,
                json["operations"][name]["input"]["shape"].as_str(),
                "{name}"
            );
        }
    }
    assert_eq!(idp::Operation::ALL.len(), 153);
    assert_eq!(identity::Operation::ALL.len(), 23);
    assert_eq!(
        idp::Operation::from_name("InitiateAuth"),
        Some(idp::Operation::InitiateAuth)
    );
    assert_eq!(idp::Operation::InitiateAuth.name(), "InitiateAuth");
    assert!(
        idp::Operation::GlobalSignOut
            .errors()
            .contains(&idp::ErrorKind::NotAuthorizedException)
    );
    assert!(
        !idp::Operation::GlobalSignOut
            .errors()
            .contains(&idp::ErrorKind::UserNotFoundException)
    );
    // What the model says needs no IAM signature: the user-level operations only.
    for (op, unsigned) in [
        (idp::Operation::InitiateAuth, true),
        (idp::Operation::RespondToAuthChallenge, true),
        (idp::Operation::GetTokensFromRefreshToken, true),
        (idp::Operation::AdminCreateUser, false),
        (idp::Operation::CreateUserPool, false),
        (idp::Operation::ListUsers, false),
    ] {
        assert_eq!(op.def().unsigned, unsigned, "{}", op.name());
    }
    assert!(identity::Operation::GetId.def().unsigned);
    assert!(!identity::Operation::CreateIdentityPool.def().unsigned);
    assert!(idp::ErrorKind::InternalErrorException.is_fault());
    assert!(!idp::ErrorKind::NotAuthorizedException.is_fault());
    assert_eq!(
        idp::ErrorKind::from_name("CodeMismatchException").map(idp::ErrorKind::name),
        Some("CodeMismatchException")
    );
}

fn all_patterns(service: &ServiceDef) {
    for (i, p) in service.patterns.iter().enumerate() {
        assert!(
            regex::Regex::new(p.rust).is_ok(),
            "pattern {i} {:?} → {:?} does not compile",
            p.java,
            p.rust
        );
    }
}

#[test]
fn every_pattern_compiles() {
    all_patterns(&idp::SERVICE);
    all_patterns(&identity::SERVICE);
}

/// The value of shape `shape` passes its pattern.
fn pattern_of(service: &ServiceDef, shape: &str) -> regex::Regex {
    let id = service.shape_named(shape).unwrap();
    let Kind::String {
        pattern: Some(p), ..
    } = service.shape(id).kind
    else {
        panic!("{shape} has no pattern")
    };
    regex::Regex::new(service.patterns[p as usize].rust).unwrap()
}

#[test]
fn patterns_mean_what_java_means() {
    let s = &idp::SERVICE;
    let pool = pattern_of(s, "UserPoolIdType");
    assert!(pool.is_match("us-east-1_AbC123xyZ"));
    assert!(!pool.is_match("not a pool id!"));
    assert!(!pool.is_match("us-east-1_AbC123xyZ\n"), "whole-value match");
    // Java's \w is ASCII: a Unicode letter is not a word character.
    assert!(!pool.is_match("ü-east-1_AbC"));
    let client = pattern_of(s, "ClientIdType");
    assert!(client.is_match("1example23456789"));
    assert!(!client.is_match("abc-def"));
    // The live service's password pattern (a documented override of the model's `[\S]+`):
    // inner spaces allowed, no leading or trailing whitespace.
    let password = pattern_of(s, "PasswordType");
    assert!(password.is_match("Passw0rd!é"));
    assert!(password.is_match("two words"));
    assert!(!password.is_match(" leading"));
    assert!(!password.is_match("trailing\t"));
    // The lookbehind shape: may not end with a dot.
    let id = s
        .patterns
        .iter()
        .position(|p| p.java.contains("(?<!"))
        .unwrap();
    let re = regex::Regex::new(s.patterns[id].rust).unwrap();
    assert!(re.is_match("abc.def"));
    assert!(re.is_match(""));
    assert!(!re.is_match("abc."));
    // A '-' after a range is a literal in Java.
    let re = regex::Regex::new(
        s.patterns
            .iter()
            .find(|p| p.java == "[A-Za-z0-9-_=.]+")
            .unwrap()
            .rust,
    )
    .unwrap();
    assert!(re.is_match("a-b_c=.9"));
    assert!(!re.is_match("a b"));
}
