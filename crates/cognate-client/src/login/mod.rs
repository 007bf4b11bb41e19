//! Logging in: `USER_SRP_AUTH` and `USER_PASSWORD_AUTH`, and the challenges Cognito may ask for
//! on the way, as a state machine the caller drives.
//!
//! - `state`: the credentials, what a login carries between steps, Cognito's answers;
//! - `challenges`: [`LoginStep`], [`Challenge`] and each challenge's type and answer;
//! - `flow`: the requests (`InitiateAuth`, the SRP proofs, `RespondToAuthChallenge`) and how an
//!   answer becomes tokens or a challenge;
//! - `refresh`: new tokens for a refresh token.
//!
//! `challenges` and `crate::user_auth` name each other's types: [`Challenge`] lists the
//! `USER_AUTH` steps, whose answers are [`LoginStep`]s (see `user_auth.rs`).

pub(crate) mod challenges;
mod flow;
mod refresh;
pub(crate) mod state;

pub use challenges::{
    AnswerError, Challenge, CodeChallenge, LoginStep, MfaSetup, NewPasswordRequired,
    OtherChallenge, SelectMfaType, SoftwareTokenSetup, otpauth_uri,
};
pub(crate) use refresh::{refresh_with_get_tokens, refresh_with_initiate_auth};
pub use state::{Credentials, MfaType};
