//! The first step of a login: `USER_PASSWORD_AUTH` / `ADMIN_USER_PASSWORD_AUTH`, SRP
//! (`USER_SRP_AUTH` and its `PASSWORD_VERIFIER` answer), the status checks after a proven
//! password, and `NEW_PASSWORD_REQUIRED`.

use cognate_model::idp::ErrorKind as E;
use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_model::idp::types::ChallengeNameType as C;
use serde_json::{Map, Value, json};

use super::decoy::{decoy_lockout_key, decoy_user_id, decoy_verifier};
use super::{Answer, Ctx, Finish, Step, param};
use crate::error::ApiError;
use crate::model::{AppClient, User, UserPool, UserStatus};
use crate::secret_block::{Purpose, SrpState};
use crate::services::clients::check_secret_hash;
use crate::services::tokens::spend;
use crate::services::{lockout, triggers, users};
use crate::store::{Change, RecordKind};

/// How long a `SECRET_BLOCK` stays valid.
pub(crate) const SECRET_BLOCK_LIFETIME: i64 = 300;

pub(crate) fn flow_not_enabled(flow: &str) -> ApiError {
    ApiError::invalid(format!("{flow} flow not enabled for this client"))
}

pub(crate) fn pool_name(pool: &UserPool) -> Result<&str, ApiError> {
    cognate_srp::pool_name(&pool.id).map_err(|e| ApiError::internal(e.to_string()))
}

/// How the client of a password login proves itself.
#[derive(Clone, Copy)]
pub(crate) enum ClientProof<'a> {
    /// The API: `SECRET_HASH` (for a client with a secret).
    SecretHash(Option<&'a str>),
    /// The hosted sign-in page, served by this server for the client.
    HostedPage,
}

impl ClientProof<'_> {
    fn check(self, client: &AppClient, names: &[&str]) -> Result<(), ApiError> {
        match self {
            ClientProof::SecretHash(given) => check_secret_hash(client, given, names),
            ClientProof::HostedPage => Ok(()),
        }
    }
}

pub(crate) fn password_login(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    params: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    let username = param(params, "USERNAME")?;
    let password = param(params, "PASSWORD")?;
    let proof = ClientProof::SecretHash(params.get("SECRET_HASH").map(String::as_str));
    let user = check_password(ctx, pool, client, username, password, proof)?;
    after_credentials(
        ctx,
        pool,
        client,
        &user,
        params.get("DEVICE_KEY").map(String::as_str),
        None,
        Finish::Tokens,
    )
}

/// The user whose password `password` is, with the lockout counted; an unknown name may be
/// migrated by the UserMigration trigger with this password, and otherwise gets the same work
/// and answers as a wrong password when the client prevents user-existence errors.
pub(crate) fn check_password(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    username: &str,
    password: &str,
    proof: ClientProof<'_>,
) -> Result<User, ApiError> {
    let mut user = users::find(ctx, pool, username)?;
    if user.is_none() {
        proof.check(client, &[username])?;
        user = triggers::migration::on_sign_in(ctx, pool, client, username, password)?;
    }
    let Some(user) = user else {
        proof.check(client, &[username])?;
        if client.prevent_user_existence_errors != "ENABLED" {
            return Err(ApiError::user_not_found());
        }
        triggers::pre_authentication_unknown(ctx, pool, username, &client.id)?;
        // The same work and the same answers as a wrong password of a real user: the lockout
        // (counted under a key no real user can have), the password check against a stand-in
        // verifier, then "Incorrect username or password." or "Password attempts exceeded".
        let key = decoy_lockout_key(pool, username);
        let checked = lockout::check(ctx, &pool.id, &key)?;
        let decoy = decoy_verifier(ctx, pool, username)?;
        let matches = decoy
            .matches_password(
                pool_name(pool)?,
                &decoy_user_id(ctx, pool, username),
                password,
            )
            .map_err(|e| ApiError::invalid(e.to_string()))?;
        if matches {
            // Unreachable but for a 2^-3071 chance: v is a keyed hash, not made from a password.
            lockout::succeeded(ctx, &pool.id, &key, checked)?;
        } else {
            lockout::failed(ctx, &pool.id, &key)?;
        }
        return Err(ApiError::bad_credentials());
    };
    proof.check(client, &[username, &user.username])?;
    triggers::pre_authentication(ctx, pool, &user, &client.id)?;
    let checked = lockout::check(ctx, &pool.id, &user.username)?;
    let verifier = users::load_verifier(&user)?;
    let matches = verifier
        .matches_password(pool_name(pool)?, &user.username, password)
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    if !matches {
        lockout::failed(ctx, &pool.id, &user.username)?;
        return Err(ApiError::bad_credentials());
    }
    lockout::succeeded(ctx, &pool.id, &user.username, checked)?;
    Ok(user)
}

pub(crate) fn start_srp(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    params: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    let username = param(params, "USERNAME")?;
    let srp_a = param(params, "SRP_A")?;
    if srp_a.is_empty()
        || srp_a.len() > cognate_srp::MAX_HEX_DIGITS
        || !srp_a.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(ApiError::invalid("SRP_A is not valid hexadecimal"));
    }
    let secret_hash = params.get("SECRET_HASH").map(String::as_str);
    let user = users::find(ctx, pool, username)?;
    let mut rng = cognate_srp::os_rng();
    let (internal, verifier, decoy) = match &user {
        Some(u) => {
            check_secret_hash(client, secret_hash, &[username, &u.username])?;
            triggers::pre_authentication(ctx, pool, u, &client.id)?;
            (u.username.clone(), users::load_verifier(u)?, false)
        }
        None => {
            check_secret_hash(client, secret_hash, &[username])?;
            if client.prevent_user_existence_errors != "ENABLED" {
                return Err(ApiError::user_not_found());
            }
            triggers::pre_authentication_unknown(ctx, pool, username, &client.id)?;
            // A challenge indistinguishable from a real one (same SALT for the same name every
            // time, a user id of the same form, the same cost); its answer is always refused,
            // after the same work as a real user's wrong answer.
            let fake = decoy_verifier(ctx, pool, username)?;
            (decoy_user_id(ctx, pool, username), fake, true)
        }
    };
    let server = cognate_srp::SrpServer::new(&mut rng, &verifier)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let state = SrpState {
        pool: pool.id.clone(),
        client: client.id.clone(),
        user: internal.clone(),
        login: username.to_owned(),
        b: STANDARD.encode(server.secret().as_slice()),
        big_b: Some(STANDARD.encode(server.public_bytes())),
        srp_a: srp_a.to_owned(),
        issued: ctx.now(),
        decoy,
    };
    let block = ctx.sealer.seal(Purpose::PasswordVerifier, &state);
    Ok(Answer::challenge(
        C::PasswordVerifier,
        None,
        [
            ("SALT", verifier.salt().to_owned()),
            ("SECRET_BLOCK", block),
            ("SRP_B", server.srp_b()),
            ("USERNAME", internal.clone()),
            ("USER_ID_FOR_SRP", internal),
        ],
    ))
}

pub(crate) fn password_verifier(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    session: Option<&str>,
    answers: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    let username = param(answers, "USERNAME")?;
    let block_b64 = param(answers, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    let signature = param(answers, "PASSWORD_CLAIM_SIGNATURE")?;
    let timestamp = param(answers, "TIMESTAMP")?;
    let block = STANDARD
        .decode(block_b64)
        .map_err(|_| ApiError::invalid("PASSWORD_CLAIM_SECRET_BLOCK is not valid base64"))?;
    let state: SrpState = ctx
        .sealer
        .open(Purpose::PasswordVerifier, &block)
        .ok_or_else(ApiError::bad_credentials)?;
    if state.client != client.id || state.pool != pool.id {
        return Err(ApiError::bad_credentials());
    }
    if ctx.now() - state.issued > SECRET_BLOCK_LIFETIME || state.issued - ctx.now() > 60 {
        return Err(ApiError::not_authorized("Incorrect username or password."));
    }
    check_secret_hash(
        client,
        answers.get("SECRET_HASH").map(String::as_str),
        &[username, &state.user, &state.login],
    )?;
    cognate_srp::Timestamp::parse(timestamp).map_err(|e| ApiError::invalid(e.to_string()))?;
    let (lockout_key, user) = if state.decoy {
        // An unknown name (PreventUserExistenceErrors): the same steps as a real user's answer
        // — a lookup, the lockout, the proof checked against the stand-in verifier — and the
        // same answers, so neither the time nor "Password attempts exceeded" tells them apart.
        let _ = ctx.store.user_get(&pool.id, &state.user)?;
        (decoy_lockout_key(pool, &state.login), None)
    } else {
        // USERNAME: USER_ID_FOR_SRP (amazon-cognito-identity-js), the challenge's USERNAME
        // (pycognito), or the name logged in with; all must lead to the same user.
        if username != state.user && username != state.login {
            let same = users::find(ctx, pool, username)?.is_some_and(|u| u.username == state.user);
            if !same {
                return Err(ApiError::bad_credentials());
            }
        }
        let user = ctx
            .store
            .user_get(&pool.id, &state.user)?
            .ok_or_else(ApiError::bad_credentials)?;
        (user.username.clone(), Some(user))
    };
    let checked = lockout::check(ctx, &pool.id, &lockout_key)?;
    let verifier = match &user {
        Some(user) => users::load_verifier(user)?,
        None => decoy_verifier(ctx, pool, &state.login)?,
    };
    let b = STANDARD
        .decode(&state.b)
        .map_err(|_| ApiError::bad_credentials())?;
    // B travels in the sealed block (authenticated, so it is the one this server made for b):
    // restoring it saves recomputing k·v + g^b.
    let server = match &state.big_b {
        Some(big_b) => {
            let big_b = STANDARD
                .decode(big_b)
                .map_err(|_| ApiError::bad_credentials())?;
            cognate_srp::SrpServer::restore(&b, &big_b)
        }
        None => cognate_srp::SrpServer::from_secret(&b, &verifier),
    }
    .map_err(|_| ApiError::bad_credentials())?;
    let verdict = server.check(
        &verifier,
        &cognate_srp::PasswordVerifierAnswer {
            srp_a: &state.srp_a,
            pool_name: pool_name(pool)?,
            user_id: &state.user,
            secret_block: &block,
            timestamp,
            signature,
        },
    );
    match verdict {
        Ok(()) => lockout::succeeded(ctx, &pool.id, &lockout_key, checked)?,
        Err(cognate_srp::Error::SignatureMismatch) => {
            lockout::failed(ctx, &pool.id, &lockout_key)?;
            return Err(ApiError::bad_credentials());
        }
        Err(cognate_srp::Error::InvalidBase64 { .. }) => {
            return Err(ApiError::invalid(
                "PASSWORD_CLAIM_SIGNATURE is not valid base64",
            ));
        }
        Err(_) => return Err(ApiError::bad_credentials()),
    }
    let Some(user) = user else {
        // Unreachable but for a 2^-3071 chance: a stand-in verifier is no password's.
        return Err(ApiError::bad_credentials());
    };
    // A SECRET_BLOCK proves one login: the first right answer consumes it (in the store, so
    // across restarts and nodes too), and a captured answer replayed — with or without a
    // Session, which pycognito never sends — is refused. The claim is written with the login's
    // next write (its refresh token, or its challenge), in the same transaction.
    let claim = Change::Claim {
        kind: RecordKind::UsedSession,
        scope: pool.id.clone(),
        key: format!("srp:{}", crate::tokens::refresh_hash(block_b64)),
        data: json!({"expires": state.issued + SECRET_BLOCK_LIFETIME + 60}),
    };
    // SRP inside CUSTOM_AUTH: the Session says which custom authentication goes on.
    if let Some(custom) = super::custom::password_step(ctx, pool, client, session) {
        return super::custom::after_password(ctx, pool, client, &user, &custom, Some(claim));
    }
    after_credentials(
        ctx,
        pool,
        client,
        &user,
        answers.get("DEVICE_KEY").map(String::as_str),
        Some(claim),
        Finish::Tokens,
    )
}

/// What happens once the password was proven: status checks, then a challenge (a new
/// password, a second factor, the device's proof — see `challenge`) or the end (`finish`).
/// `device_key` is the `DEVICE_KEY` the login named.
pub(crate) fn after_credentials(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    user: &User,
    device_key: Option<&str>,
    claim: Option<Change>,
    finish: Finish,
) -> Result<Answer, ApiError> {
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    match user.status {
        UserStatus::Confirmed => {}
        UserStatus::Unconfirmed => {
            return Err(ApiError::new(
                E::UserNotConfirmedException,
                "User is not confirmed.",
            ));
        }
        // A federated user has no password here (its verifier is absent, so this is not
        // reached by a password; kept for completeness).
        UserStatus::ExternalProvider => return Err(ApiError::bad_credentials()),
        UserStatus::ResetRequired => {
            return Err(ApiError::new(
                E::PasswordResetRequiredException,
                "Password reset required for the user",
            ));
        }
        UserStatus::ForceChangePassword => {
            let days = i64::from(pool.password_policy.temporary_password_validity_days);
            if ctx.now() - user.password_set > days * 86_400 {
                return Err(ApiError::not_authorized(
                    "Temporary password has expired and must be reset by an administrator.",
                ));
            }
            spend(ctx, claim)?;
            let mut state =
                super::state_for(pool, client, user, device_key, Step::NewPasswordRequired);
            state.finish = finish;
            let session = crate::services::login::issue(ctx, state);
            let attrs: Map<String, Value> = user
                .attributes
                .iter()
                .filter(|(k, _)| {
                    k.as_str() != "email_verified" && k.as_str() != "phone_number_verified"
                })
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            let required: Vec<String> = pool
                .required_attributes
                .iter()
                .filter(|a| !user.attributes.contains_key(*a))
                .map(|a| format!("userAttributes.{a}"))
                .collect();
            return Ok(Answer::challenge(
                C::NewPasswordRequired,
                Some(session),
                [
                    ("USER_ID_FOR_SRP", user.username.clone()),
                    ("requiredAttributes", json!(required).to_string()),
                    ("userAttributes", Value::Object(attrs).to_string()),
                ],
            ));
        }
    }
    super::challenges::proceed(ctx, pool, client, user, device_key, false, claim, finish)
}

pub(crate) fn new_password(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    session: Option<&str>,
    answers: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    if session.is_none() {
        return Err(ApiError::missing("Session"));
    }
    let invalid_session = || ApiError::not_authorized("Invalid session for the user.");
    let state =
        crate::services::login::open(ctx, pool, client, session, &["NEW_PASSWORD_REQUIRED"])?;
    let new_password = param(answers, "NEW_PASSWORD")?;
    // Cognito requires USERNAME in every challenge answer but SELECT_CHALLENGE's.
    let username = param(answers, "USERNAME")?;
    if state.finish == Finish::Tokens {
        check_secret_hash(
            client,
            answers.get("SECRET_HASH").map(String::as_str),
            &[username, &state.user],
        )?;
    }
    let mut user = ctx
        .store
        .user_get(&pool.id, &state.user)?
        .ok_or_else(ApiError::user_not_found)?;
    if user.status != UserStatus::ForceChangePassword {
        return Err(invalid_session());
    }
    // USERNAME names the session's user (by its name or an alias), never another one.
    let same_user = username == state.user
        || users::find(ctx, pool, username)?.is_some_and(|u| u.username == state.user);
    if !same_user {
        return Err(invalid_session());
    }
    // `userAttributes.NAME`: attributes of the pool's schema that this client may write. (The
    // pool's required attributes are there already: AdminCreateUser insists on them, as
    // Cognito does today.)
    let attrs: Vec<(String, String)> = answers
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("userAttributes.")
                .map(|name| (name.to_owned(), v.clone()))
        })
        .collect();
    users::check_attributes(pool, &attrs)?;
    users::check_client_may_write(client, &attrs)?;
    for (k, v) in attrs {
        user.attributes.insert(k, v);
    }
    user.verifier = Some(users::make_verifier(pool, &user.username, new_password)?);
    crate::services::login::consume(ctx, client, &state)?;
    user.status = UserStatus::Confirmed;
    let now = ctx.now();
    user.password_set = now;
    user.modified = now;
    ctx.store.user_put(&user)?;
    after_credentials(
        ctx,
        pool,
        client,
        &user,
        state.device_key.as_deref(),
        None,
        state.finish,
    )
}
