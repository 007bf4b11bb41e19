//! Everything the server answers that is not AWS JSON 1.1: a pool domain's OAuth 2.0 and
//! OpenID Connect endpoints and its hosted pages (sign-in, sign-up, forgotten password,
//! passkeys).
//!
//! A pool's domain is served twice by the same process:
//! - **host form**: `http://{prefix}.auth.localhost:{port}/oauth2/token` (browsers and most
//!   HTTP clients resolve `*.localhost` to loopback), or a custom domain's name in `Host`;
//! - **path form**: `http://{host}:{port}/{poolId}/oauth2/token` on the main endpoint, for
//!   clients that cannot resolve `*.localhost`. It is what the pool's discovery document
//!   (`/{poolId}/.well-known/openid-configuration`) names.
//!
//! The path form needs the pool to have a domain, as the endpoints do at AWS. Handlers parse
//! the request (`form`), call `services::oauth`, and shape the answer (JSON, a redirect, or a
//! page from `pages`); they block on the store and the RSA keys as `wire` does.

mod account;
mod csrf;
mod endpoints;
mod federation;
mod form;
mod pages;
mod passkey_pages;
mod passkeys;
mod respond;
mod session;
mod site;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};

use crate::services::Ctx;

/// The domain's routes, in both forms.
pub(crate) fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Ctx>: FromRef<S>,
{
    let mut router = Router::new();
    let mut forms = Router::new();
    for prefix in ["", "/{pool}"] {
        router = router
            .route(
                &format!("{prefix}/oauth2/authorize"),
                get(endpoints::authorize),
            )
            .route(&format!("{prefix}/oauth2/token"), post(endpoints::token))
            .route(
                &format!("{prefix}/oauth2/userInfo"),
                get(endpoints::user_info).post(endpoints::user_info),
            )
            .route(&format!("{prefix}/oauth2/revoke"), post(endpoints::revoke))
            .route(&format!("{prefix}/logout"), get(endpoints::logout))
            .route(
                &format!("{prefix}/oauth2/idpresponse"),
                get(federation::idp_response),
            );
        forms = forms
            .route(
                &format!("{prefix}/login"),
                get(endpoints::login_page).post(endpoints::login_form),
            )
            .route(
                &format!("{prefix}/signup"),
                get(account::sign_up_page).post(account::sign_up_form),
            )
            .route(
                &format!("{prefix}/forgotPassword"),
                get(account::forgot_password_page).post(account::forgot_password_form),
            )
            .route(
                &format!("{prefix}/passkeys/add"),
                get(passkeys::add_form_page).post(passkeys::add_form),
            );
    }
    // The pages with forms check and hand out the anti-forgery token (`csrf`).
    router.merge(forms.layer(axum::middleware::from_fn(csrf::layer)))
}

/// The base URL of a pool's domain endpoints that the discovery document names: the path
/// form, which every client can reach.
pub(crate) fn endpoints_base(ctx: &Ctx, pool_id: &str) -> String {
    format!("{}/{pool_id}", ctx.local_base)
}

/// Runs blocking service work (store, RSA) as `wire` runs operations: on the worker of a
/// multi-thread runtime, on the blocking pool of a current-thread one; a panic is `None`.
async fn blocking<T: Send + 'static>(op: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    if tokio::runtime::Handle::current().runtime_flavor()
        == tokio::runtime::RuntimeFlavor::MultiThread
    {
        return std::panic::catch_unwind(std::panic::AssertUnwindSafe(op))
            .map_err(|_| tracing::error!("a domain endpoint panicked: answered 500"))
            .ok();
    }
    tokio::task::spawn_blocking(op)
        .await
        .map_err(|e| tracing::error!(error = %e, "a domain endpoint panicked: answered 500"))
        .ok()
}
