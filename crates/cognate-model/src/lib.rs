//! The official AWS API models of Amazon Cognito, as Rust.
//!
//! The models of `cognito-idp` (user pools, 2016-04-18) and `cognito-identity` (identity
//! pools, 2014-06-30) are vendored in `models/` exactly as botocore publishes them (Apache-2.0;
//! botocore's licence and notice sit beside them; `models/refresh` updates them from a pinned
//! release). `cognate-codegen` turns each into a module here, committed and checked fresh by
//! the test command:
//!
//! - `Operation`: every operation, with its input/output shapes and modeled exceptions;
//! - `ErrorKind`: every modeled exception;
//! - `types`: a struct per structure and an enum per string enum, with serde under the
//!   model's member names (`user_pool_id` ↔ `UserPoolId`), sensitive members redacted in
//!   `Debug`;
//! - `SHAPES` / `PATTERNS`: the tables that [`validate`] walks to check a request exactly as
//!   AWS does, with AWS's own messages.
//!
//! ```
//! use cognate_model::idp::{self, types::InitiateAuthRequest};
//! let body = serde_json::json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": "abc",
//!                               "AuthParameters": {"USERNAME": "u", "SRP_A": "0a"}});
//! let op = idp::Operation::from_name("InitiateAuth").unwrap();
//! cognate_model::validate::input(&idp::SERVICE, op.def(), &body).unwrap();
//! let req: InitiateAuthRequest = serde_json::from_value(body).unwrap();
//! assert_eq!(req.auth_flow, idp::types::AuthFlowType::UserSrpAuth);
//! assert!(!format!("{req:?}").contains("\"u\"")); // AuthParameters is sensitive
//! ```

pub mod schema;
pub mod validate;

/// `cognito-idp`, the user-pool API (`AWSCognitoIdentityProviderService.*`).
#[rustfmt::skip]
#[path = "generated/idp.rs"]
#[allow(clippy::all, rustdoc::all)]
pub mod idp;

/// `cognito-identity`, the identity-pool API (`AWSCognitoIdentityService.*`).
#[rustfmt::skip]
#[path = "generated/identity.rs"]
#[allow(clippy::all, rustdoc::all)]
pub mod identity;

/// A blob member: base64 text on the wire, kept as sent.
pub type Blob = String;
/// A timestamp member: seconds since the epoch, as JSON 1.1 sends it.
pub type Timestamp = f64;
/// A document member: any JSON.
pub type Document = serde_json::Value;

/// The README's example, compiled as a doc test.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
