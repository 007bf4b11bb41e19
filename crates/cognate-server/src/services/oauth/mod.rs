//! OAuth 2.0 and OpenID Connect: the pool's domain, its resource servers (custom scopes), the
//! app clients' OAuth settings, and the grants of the domain's endpoints (authorization codes
//! with PKCE, `client_credentials`, refresh), with the hosted sign-in on top of the login
//! state machine (`super::login`).
//!
//! The HTTP side (forms, redirects, pages, cookies) is `crate::http`; everything here is
//! protocol behaviour with typed inputs and outputs.

pub(crate) mod authorize;
pub(crate) mod client_settings;
pub(crate) mod codes;
pub(crate) mod domains;
pub(crate) mod federation;
pub(crate) mod grants;
pub(crate) mod hosted;
pub(crate) mod identity_providers;
pub(crate) mod links;
pub(crate) mod resource_servers;
pub(crate) mod scopes;
