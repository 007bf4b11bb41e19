//! The server's core, under the operations: each module owns one concern and is called by the
//! handlers in `api`. Arrows point down only: `login` uses `tokens`, `mfa`, `devices`,
//! `users`, `lockout`, `clients` and `outbox`; `tokens` uses `groups` and `devices`; `oauth`
//! uses `login`, `tokens` and `clients`; all use
//! `context` (the [`Ctx`] every operation gets) and the store.

pub(crate) mod clients;
pub(crate) mod codes;
pub(crate) mod context;
pub(crate) mod devices;
pub(crate) mod groups;
pub(crate) mod identity;
pub(crate) mod lockout;
pub(crate) mod login;
pub(crate) mod mfa;
pub(crate) mod oauth;
pub(crate) mod outbox;
pub(crate) mod tokens;
pub(crate) mod users;

pub(crate) use context::Ctx;
pub use context::IssuerStyle;
