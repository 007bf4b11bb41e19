//! The server's core, under the operations: each module owns one concern and is called by the
//! handlers in `api`. Arrows point down only: `login` uses `tokens`, `mfa`, `devices`,
//! `users`, `lockout`, `clients` and `outbox`; `tokens` uses `groups`, `devices`,
//! `auth_events` and `sessions`; `lockout` uses `auth_events`; `sessions` and the
//! configuration areas use `config_docs`; `identities` and `tags` use `identity`; `oauth`
//! uses `login`, `tokens` and `clients`; all use
//! `context` (the [`Ctx`] every operation gets) and the store.

pub(crate) mod account;
pub(crate) mod auth_events;
pub(crate) mod client_secrets;
pub(crate) mod client_token;
pub(crate) mod clients;
pub(crate) mod codes;
pub(crate) mod config_docs;
pub(crate) mod context;
pub(crate) mod devices;
pub(crate) mod groups;
pub(crate) mod identities;
pub(crate) mod identity;
pub(crate) mod imports;
pub(crate) mod lockout;
pub(crate) mod login;
pub(crate) mod mfa;
pub(crate) mod oauth;
pub(crate) mod outbox;
pub(crate) mod passkeys;
pub(crate) mod pool_cache;
pub(crate) mod saml_certificate;
pub(crate) mod schema;
pub(crate) mod sessions;
pub(crate) mod tags;
pub(crate) mod token_exchange;
pub(crate) mod tokens;
pub(crate) mod triggers;
pub(crate) mod users;

pub(crate) use context::Ctx;
pub use context::IssuerStyle;
