//! InitiateAuth / AdminInitiateAuth (`USER_SRP_AUTH`, `USER_PASSWORD_AUTH`,
//! `ADMIN_USER_PASSWORD_AUTH`, `REFRESH_TOKEN_AUTH`), RespondToAuthChallenge
//! (`PASSWORD_VERIFIER`, `NEW_PASSWORD_REQUIRED`; the MFA and device challenges are answered in
//! `challenge`), GetTokensFromRefreshToken, GetUser, RevokeToken; and token minting.

use cognate_model::idp::ErrorKind as E;
use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::clients::allows;
use super::{Ctx, Req, attribute_json};
use crate::error::{ApiError, StoreError};
use crate::model::{AppClient, RefreshRecord, User, UserPool, UserStatus};
use crate::secret_block::{Purpose, SrpState};
use crate::store::{Change, RecordKind, cascade};
use crate::tokens::{refresh_hash, split};

/// How long a `SECRET_BLOCK` stays valid.
const SECRET_BLOCK_LIFETIME: i64 = 300;

/// One login, carried across refreshes: `origin_jti`, `event_id`, `auth_time`, and the device
/// it was made on (`device_key` claim).
struct Login {
    origin_jti: String,
    event_id: String,
    auth_time: i64,
    device_key: Option<String>,
}

pub(crate) fn param<'a>(
    params: &'a HashMap<String, String>,
    name: &str,
) -> Result<&'a str, ApiError> {
    params
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| ApiError::invalid(format!("Missing required parameter {name}")))
}

/// Checks `SECRET_HASH` for a client with a secret against any of `names`.
pub(crate) fn check_secret_hash(
    client: &AppClient,
    given: Option<&str>,
    names: &[&str],
) -> Result<(), ApiError> {
    let Some(secret) = &client.secret else {
        return Ok(());
    };
    let Some(given) = given else {
        return Err(ApiError::not_authorized(format!(
            "Client {} is configured for secret but secret was not received",
            client.id
        )));
    };
    let ok = names.iter().any(|name| {
        let expected = cognate_srp::secret_hash(secret, name, &client.id);
        bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::not_authorized(format!(
            "Unable to verify secret hash for client {}",
            client.id
        )))
    }
}

fn check_client_secret(client: &AppClient, given: Option<&str>) -> Result<(), ApiError> {
    match (&client.secret, given) {
        (None, _) => Ok(()),
        (Some(s), Some(g)) if bool::from(s.as_bytes().ct_eq(g.as_bytes())) => Ok(()),
        (Some(_), _) => Err(ApiError::not_authorized(format!(
            "Unable to verify secret hash for client {}",
            client.id
        ))),
    }
}

fn flow_not_enabled(flow: &str) -> ApiError {
    ApiError::invalid(format!("{flow} flow not enabled for this client"))
}

/// The error for an unknown user at login: `UserNotFoundException`, or the same answer as a
/// wrong password when the client prevents user existence errors.
fn unknown_user(client: &AppClient) -> ApiError {
    if client.prevent_user_existence_errors == "ENABLED" {
        ApiError::bad_credentials()
    } else {
        ApiError::user_not_found()
    }
}

pub(crate) fn initiate(ctx: &Ctx, req: &Req, admin: bool) -> Result<Value, ApiError> {
    let pool_id = if admin {
        Some(req.str("UserPoolId")?)
    } else {
        None
    };
    let client_id = req.str("ClientId")?;
    let flow = req.str("AuthFlow")?;
    let params = req.str_map("AuthParameters")?;
    let client = ctx.client(client_id)?;
    if let Some(p) = pool_id
        && p != client.pool_id
    {
        ctx.pool(p)?;
        return Err(ApiError::client_not_found(client_id));
    }
    let pool = ctx.pool(&client.pool_id)?;
    match flow {
        "USER_SRP_AUTH" => {
            if !allows(&client, "ALLOW_USER_SRP_AUTH") {
                return Err(flow_not_enabled("USER_SRP_AUTH"));
            }
            start_srp(ctx, &pool, &client, &params)
        }
        "USER_PASSWORD_AUTH" if !admin => {
            if !allows(&client, "ALLOW_USER_PASSWORD_AUTH") {
                return Err(flow_not_enabled("USER_PASSWORD_AUTH"));
            }
            password_login(ctx, &pool, &client, &params)
        }
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" if admin => {
            if !allows(&client, "ALLOW_ADMIN_USER_PASSWORD_AUTH") {
                return Err(flow_not_enabled("ADMIN_USER_PASSWORD_AUTH"));
            }
            password_login(ctx, &pool, &client, &params)
        }
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {
            // AWS documents that REFRESH_TOKEN_AUTH is unavailable on a client with refresh-token
            // rotation: such clients refresh only through GetTokensFromRefreshToken.
            if !allows(&client, "ALLOW_REFRESH_TOKEN_AUTH") || client.refresh_rotation {
                return Err(flow_not_enabled("REFRESH_TOKEN_AUTH"));
            }
            let token = param(&params, "REFRESH_TOKEN")?;
            let (tokens, _) = refresh(
                ctx,
                &pool,
                &client,
                token,
                RefreshCheck::SecretHash(params.get("SECRET_HASH").map(String::as_str)),
                false,
            )?;
            Ok(json!({ "AuthenticationResult": tokens, "ChallengeParameters": {} }))
        }
        "CUSTOM_AUTH" | "USER_AUTH" => Err(ApiError::invalid(format!(
            "{flow} is not supported by this server yet"
        ))),
        other => Err(ApiError::invalid(format!(
            "1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, ADMIN_NO_SRP_AUTH, USER_AUTH]"
        ))),
    }
}

fn load_verifier(user: &User) -> Result<cognate_srp::Verifier, ApiError> {
    let stored = user
        .verifier
        .as_ref()
        .ok_or_else(ApiError::bad_credentials)?;
    let v = STANDARD
        .decode(&stored.v)
        .map_err(|_| ApiError::internal("stored verifier is not base64"))?;
    cognate_srp::Verifier::from_parts(&stored.salt, &v)
        .map_err(|_| ApiError::internal("stored verifier rejected"))
}

pub(crate) fn pool_name(pool: &UserPool) -> Result<&str, ApiError> {
    cognate_srp::pool_name(&pool.id).map_err(|e| ApiError::internal(e.to_string()))
}

fn password_login(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    params: &HashMap<String, String>,
) -> Result<Value, ApiError> {
    let username = param(params, "USERNAME")?;
    let password = param(params, "PASSWORD")?;
    let secret_hash = params.get("SECRET_HASH").map(String::as_str);
    let user = super::users::find(ctx, pool, username)?;
    let Some(user) = user else {
        check_secret_hash(client, secret_hash, &[username])?;
        return Err(unknown_user(client));
    };
    check_secret_hash(client, secret_hash, &[username, &user.username])?;
    let checked = super::lockout::check(ctx, &pool.id, &user.username)?;
    let verifier = load_verifier(&user)?;
    let matches = verifier
        .matches_password(pool_name(pool)?, &user.username, password)
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    if !matches {
        super::lockout::failed(ctx, &pool.id, &user.username)?;
        return Err(ApiError::bad_credentials());
    }
    super::lockout::succeeded(ctx, &pool.id, &user.username, checked)?;
    after_credentials(
        ctx,
        pool,
        client,
        &user,
        params.get("DEVICE_KEY").map(String::as_str),
        None,
    )
}

fn start_srp(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    params: &HashMap<String, String>,
) -> Result<Value, ApiError> {
    let username = param(params, "USERNAME")?;
    let srp_a = param(params, "SRP_A")?;
    if srp_a.is_empty()
        || srp_a.len() > cognate_srp::MAX_HEX_DIGITS
        || !srp_a.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(ApiError::invalid("SRP_A is not valid hexadecimal"));
    }
    let secret_hash = params.get("SECRET_HASH").map(String::as_str);
    let user = super::users::find(ctx, pool, username)?;
    let pool_name = pool_name(pool)?;
    let mut rng = cognate_srp::os_rng();
    let (internal, verifier, decoy) = match &user {
        Some(u) => {
            check_secret_hash(client, secret_hash, &[username, &u.username])?;
            (u.username.clone(), load_verifier(u)?, false)
        }
        None => {
            check_secret_hash(client, secret_hash, &[username])?;
            if client.prevent_user_existence_errors != "ENABLED" {
                return Err(ApiError::user_not_found());
            }
            // A challenge indistinguishable from a real one; its answer is always refused.
            let salt = decoy_salt(ctx, pool, username);
            let password = crate::ids::random_bytes::<32>();
            let fake = cognate_srp::Verifier::with_salt(
                &salt,
                pool_name,
                username,
                &STANDARD.encode(password),
            )
            .map_err(|e| ApiError::invalid(e.to_string()))?;
            (username.to_owned(), fake, true)
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
    Ok(json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {
            "SALT": verifier.salt(),
            "SECRET_BLOCK": block,
            "SRP_B": server.srp_b(),
            "USERNAME": internal,
            "USER_ID_FOR_SRP": internal,
        },
    }))
}

fn decoy_salt(ctx: &Ctx, pool: &UserPool, username: &str) -> [u8; 16] {
    let mut salt = [0u8; 16];
    if let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(&ctx.decoy_key) {
        mac.update(pool.id.as_bytes());
        mac.update(b"\0");
        mac.update(username.as_bytes());
        salt.copy_from_slice(&mac.finalize().into_bytes()[..16]);
    }
    salt[0] |= 1; // no leading zero byte: SALT goes out as minimal hex either way
    salt
}

pub(crate) fn respond(ctx: &Ctx, req: &Req, admin: bool) -> Result<Value, ApiError> {
    let pool_id = if admin {
        Some(req.str("UserPoolId")?)
    } else {
        None
    };
    let client = ctx.client(req.str("ClientId")?)?;
    if let Some(p) = pool_id
        && p != client.pool_id
    {
        ctx.pool(p)?;
        return Err(ApiError::client_not_found(&client.id));
    }
    let pool = ctx.pool(&client.pool_id)?;
    let name = req.str("ChallengeName")?;
    let answers = req.str_map("ChallengeResponses")?;
    match name {
        "PASSWORD_VERIFIER" => password_verifier(ctx, &pool, &client, &answers),
        "NEW_PASSWORD_REQUIRED" => {
            new_password(ctx, &pool, &client, req.opt_str("Session")?, &answers)
        }
        "SOFTWARE_TOKEN_MFA" | "SMS_MFA" | "EMAIL_OTP" => {
            let session = req.opt_str("Session")?;
            super::challenge::answer_code(ctx, &pool, &client, name, session, &answers)
        }
        "SELECT_MFA_TYPE" => {
            super::challenge::answer_select(ctx, &pool, &client, req.opt_str("Session")?, &answers)
        }
        "MFA_SETUP" => {
            super::challenge::answer_setup(ctx, &pool, &client, req.opt_str("Session")?, &answers)
        }
        "DEVICE_SRP_AUTH" => super::challenge::answer_device_srp(
            ctx,
            &pool,
            &client,
            req.opt_str("Session")?,
            &answers,
        ),
        "DEVICE_PASSWORD_VERIFIER" => super::challenge::answer_device_verifier(
            ctx,
            &pool,
            &client,
            req.opt_str("Session")?,
            &answers,
        ),
        other => Err(ApiError::invalid(format!(
            "The challenge {other} is not supported by this server yet"
        ))),
    }
}

fn password_verifier(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    answers: &HashMap<String, String>,
) -> Result<Value, ApiError> {
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
    if state.decoy {
        return Err(ApiError::bad_credentials());
    }
    // USERNAME: USER_ID_FOR_SRP (amazon-cognito-identity-js), the challenge's USERNAME
    // (pycognito), or the name logged in with; all must lead to the same user.
    if username != state.user && username != state.login {
        let same =
            super::users::find(ctx, pool, username)?.is_some_and(|u| u.username == state.user);
        if !same {
            return Err(ApiError::bad_credentials());
        }
    }
    let user = ctx
        .store
        .user_get(&pool.id, &state.user)?
        .ok_or_else(ApiError::bad_credentials)?;
    let checked = super::lockout::check(ctx, &pool.id, &user.username)?;
    let verifier = load_verifier(&user)?;
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
        Ok(()) => super::lockout::succeeded(ctx, &pool.id, &user.username, checked)?,
        Err(cognate_srp::Error::SignatureMismatch) => {
            super::lockout::failed(ctx, &pool.id, &user.username)?;
            return Err(ApiError::bad_credentials());
        }
        Err(cognate_srp::Error::InvalidBase64 { .. }) => {
            return Err(ApiError::invalid(
                "PASSWORD_CLAIM_SIGNATURE is not valid base64",
            ));
        }
        Err(_) => return Err(ApiError::bad_credentials()),
    }
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
    after_credentials(
        ctx,
        pool,
        client,
        &user,
        answers.get("DEVICE_KEY").map(String::as_str),
        Some(claim),
    )
}

/// Writes a use-once claim of a login now (when the login goes on with a challenge rather than
/// tokens); a claim made already means a replayed answer.
pub(crate) fn spend(ctx: &Ctx, claim: Option<Change>) -> Result<(), ApiError> {
    if let Some(claim) = claim {
        match ctx.store.apply(vec![claim]) {
            Err(StoreError::Conflict(_)) => return Err(ApiError::bad_credentials()),
            other => other?,
        }
    }
    Ok(())
}

/// What happens once the password was proven: status checks, then a challenge (a new
/// password, a second factor, the device's proof — see `challenge`) or tokens. `device_key` is
/// the `DEVICE_KEY` the login named.
fn after_credentials(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    user: &User,
    device_key: Option<&str>,
    claim: Option<Change>,
) -> Result<Value, ApiError> {
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
                super::challenge::state_for(pool, client, user, "NEW_PASSWORD_REQUIRED");
            state.device_key = device_key.map(str::to_owned);
            let session = super::challenge::issue(ctx, state);
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
            return Ok(json!({
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": session,
                "ChallengeParameters": {
                    "USER_ID_FOR_SRP": user.username,
                    "requiredAttributes": Value::Array(required.into_iter().map(Value::String).collect()).to_string(),
                    "userAttributes": Value::Object(attrs).to_string(),
                },
            }));
        }
    }
    super::challenge::proceed(ctx, pool, client, user, device_key, false, claim)
}

/// Ends a login: a refresh token, the access and ID tokens (with `device_key` when the login
/// was made on `device`), and `NewDeviceMetadata` when the pool tracks devices and the login
/// named none. `claim` (a use-once claim of the login) is written in the same transaction as
/// the refresh token.
pub(crate) fn issue_tokens(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    user: &User,
    device: Option<&str>,
    claim: Option<Change>,
) -> Result<Value, ApiError> {
    let new_device = match device {
        Some(_) => None,
        None => super::devices::new_device(ctx, pool, user)?,
    };
    let login = Login {
        origin_jti: crate::ids::uuid(),
        event_id: crate::ids::uuid(),
        auth_time: ctx.now(),
        device_key: device
            .map(str::to_owned)
            .or_else(|| new_device.as_ref().map(|(k, _)| k.clone())),
    };
    let refresh_token = crate::ids::refresh_token();
    let now = ctx.now();
    let mut unit: Vec<Change> = claim.into_iter().collect();
    unit.push(Change::InsertRefresh(RefreshRecord {
        hash: refresh_hash(&refresh_token),
        pool_id: pool.id.clone(),
        client_id: client.id.clone(),
        username: user.username.clone(),
        sub: user.sub.clone(),
        origin_jti: login.origin_jti.clone(),
        event_id: login.event_id.clone(),
        auth_time: login.auth_time,
        issued: now,
        expires: now + client.refresh_validity.secs(),
        revoked: false,
        rotated: None,
        device_key: login.device_key.clone(),
    }));
    match ctx.store.apply(unit) {
        Err(StoreError::Conflict(_)) => return Err(ApiError::bad_credentials()),
        other => other?,
    }
    let mut tokens = mint(ctx, pool, client, user, &login, Some(&refresh_token))?;
    if let Some((key, group)) = new_device {
        tokens["NewDeviceMetadata"] = json!({"DeviceKey": key, "DeviceGroupKey": group});
    }
    Ok(json!({ "ChallengeParameters": {}, "AuthenticationResult": tokens }))
}

fn new_password(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    session: Option<&str>,
    answers: &HashMap<String, String>,
) -> Result<Value, ApiError> {
    if session.is_none() {
        return Err(ApiError::missing("Session"));
    }
    let invalid_session = || ApiError::not_authorized("Invalid session for the user.");
    let state = super::challenge::open(ctx, pool, client, session, &["NEW_PASSWORD_REQUIRED"])?;
    let new_password = param(answers, "NEW_PASSWORD")?;
    // Cognito requires USERNAME in every challenge answer but SELECT_CHALLENGE's.
    let username = param(answers, "USERNAME")?;
    check_secret_hash(
        client,
        answers.get("SECRET_HASH").map(String::as_str),
        &[username, &state.user],
    )?;
    let mut user = ctx
        .store
        .user_get(&pool.id, &state.user)?
        .ok_or_else(ApiError::user_not_found)?;
    if user.status != UserStatus::ForceChangePassword {
        return Err(invalid_session());
    }
    // USERNAME names the session's user (by its name or an alias), never another one.
    let same_user = username == state.user
        || super::users::find(ctx, pool, username)?.is_some_and(|u| u.username == state.user);
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
    super::users::check_attributes(pool, &attrs)?;
    super::users::check_client_may_write(client, &attrs)?;
    for (k, v) in attrs {
        user.attributes.insert(k, v);
    }
    user.verifier = Some(super::users::make_verifier(
        pool,
        &user.username,
        new_password,
    )?);
    super::challenge::consume(ctx, client, &state)?;
    user.status = UserStatus::Confirmed;
    let now = ctx.now();
    user.password_set = now;
    user.modified = now;
    ctx.store.user_put(&user)?;
    after_credentials(ctx, pool, client, &user, state.device_key.as_deref(), None)
}

enum RefreshCheck<'a> {
    /// InitiateAuth: `SECRET_HASH` over the user's internal name.
    SecretHash(Option<&'a str>),
    /// GetTokensFromRefreshToken: the client secret itself was checked already.
    Checked,
}

/// Uses a refresh token: returns the new AuthenticationResult (with a new refresh token when
/// `rotate`), and the record.
fn refresh(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    token: &str,
    check: RefreshCheck<'_>,
    rotate: bool,
) -> Result<(Value, RefreshRecord), ApiError> {
    let hash = refresh_hash(token);
    let record = ctx
        .store
        .refresh_get(&hash)?
        .filter(|r| r.client_id == client.id && r.pool_id == pool.id)
        .ok_or_else(|| ApiError::not_authorized("Invalid Refresh Token"))?;
    if let RefreshCheck::SecretHash(given) = check {
        check_secret_hash(client, given, &[&record.username])?;
    }
    if record.revoked {
        return Err(ApiError::not_authorized("Refresh Token has been revoked"));
    }
    let now = ctx.now();
    if now >= record.expires {
        return Err(ApiError::not_authorized("Refresh Token has expired"));
    }
    if let Some(at) = record.rotated
        && now - at >= client.rotation_grace_secs
    {
        return Err(ApiError::new(
            E::RefreshTokenReuseException,
            "Refresh token has already been used",
        ));
    }
    let user = ctx
        .store
        .user_get(&pool.id, &record.username)?
        .filter(|u| u.sub == record.sub)
        .ok_or_else(|| ApiError::not_authorized("User does not exist."))?;
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    let login = Login {
        origin_jti: record.origin_jti.clone(),
        event_id: record.event_id.clone(),
        auth_time: record.auth_time,
        device_key: record.device_key.clone(),
    };
    let new_refresh = if rotate {
        let token = crate::ids::refresh_token();
        // The "rotated already?" check is made again inside the write, so that concurrent
        // rotations of one token cannot both succeed.
        let rotation = cascade::rotate_refresh(
            &record.hash,
            RefreshRecord {
                hash: refresh_hash(&token),
                issued: now,
                expires: now + client.refresh_validity.secs(),
                revoked: false,
                rotated: None,
                ..record.clone()
            },
            now,
            client.rotation_grace_secs,
        );
        match ctx.store.apply(rotation) {
            Err(StoreError::Conflict(_)) => {
                return Err(ApiError::new(
                    E::RefreshTokenReuseException,
                    "Refresh token has already been used",
                ));
            }
            other => other?,
        }
        Some(token)
    } else {
        None
    };
    let tokens = mint(ctx, pool, client, &user, &login, new_refresh.as_deref())?;
    Ok((tokens, record))
}

pub(crate) fn get_tokens_from_refresh_token(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let token = req.str("RefreshToken")?;
    let client = ctx.client(req.str("ClientId")?)?;
    check_client_secret(&client, req.opt_str("ClientSecret")?)?;
    // A rotation client must drop ALLOW_REFRESH_TOKEN_AUTH (AWS's guide to rotation) and
    // refreshes here; a client without rotation needs the flow, as for REFRESH_TOKEN_AUTH.
    if !client.refresh_rotation && !allows(&client, "ALLOW_REFRESH_TOKEN_AUTH") {
        return Err(flow_not_enabled("REFRESH_TOKEN_AUTH"));
    }
    let pool = ctx.pool(&client.pool_id)?;
    let rotate = client.refresh_rotation;
    let (tokens, _) = refresh(ctx, &pool, &client, token, RefreshCheck::Checked, rotate)?;
    Ok(json!({ "AuthenticationResult": tokens }))
}

/// Mints the access and ID tokens (and passes `refresh_token` through) as an
/// `AuthenticationResult`.
fn mint(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    user: &User,
    login: &Login,
    refresh_token: Option<&str>,
) -> Result<Value, ApiError> {
    let keys = ctx.pool_keys(pool)?;
    let now = ctx.now();
    let iss = ctx.issuer_for(&pool.id);
    let access_exp = now + client.access_validity.secs();
    let id_exp = now + client.id_validity.secs();
    let mut access = Map::new();
    access.insert("sub".into(), json!(user.sub));
    access.insert("iss".into(), json!(iss));
    access.insert("version".into(), json!(2));
    access.insert("client_id".into(), json!(client.id));
    access.insert("origin_jti".into(), json!(login.origin_jti));
    access.insert("event_id".into(), json!(login.event_id));
    access.insert("token_use".into(), json!("access"));
    access.insert("scope".into(), json!("aws.cognito.signin.user.admin"));
    access.insert("auth_time".into(), json!(login.auth_time));
    access.insert("exp".into(), json!(access_exp));
    access.insert("iat".into(), json!(now));
    access.insert("jti".into(), json!(crate::ids::uuid()));
    access.insert("username".into(), json!(user.username));
    if let Some(device_key) = &login.device_key {
        access.insert("device_key".into(), json!(device_key));
    }
    let groups = super::groups::claims(ctx, pool, user)?;
    if !groups.groups.is_empty() {
        access.insert("cognito:groups".into(), json!(groups.groups));
    }

    let mut id = Map::new();
    id.insert("sub".into(), json!(user.sub));
    if !groups.groups.is_empty() {
        id.insert("cognito:groups".into(), json!(groups.groups));
    }
    if !groups.roles.is_empty() {
        id.insert("cognito:roles".into(), json!(groups.roles));
    }
    if let Some(role) = &groups.preferred_role {
        id.insert("cognito:preferred_role".into(), json!(role));
    }
    for (k, v) in &user.attributes {
        if !client.read_attributes.is_empty() && !client.read_attributes.contains(k) {
            continue;
        }
        let value = match k.as_str() {
            "email_verified" | "phone_number_verified" => json!(v == "true"),
            "updated_at" => v
                .parse::<i64>()
                .map(|n| json!(n))
                .unwrap_or_else(|_| json!(v)),
            _ => json!(v),
        };
        id.insert(k.clone(), value);
    }
    id.insert("iss".into(), json!(iss));
    id.insert("cognito:username".into(), json!(user.username));
    id.insert("origin_jti".into(), json!(login.origin_jti));
    id.insert("aud".into(), json!(client.id));
    id.insert("event_id".into(), json!(login.event_id));
    id.insert("token_use".into(), json!("id"));
    id.insert("auth_time".into(), json!(login.auth_time));
    id.insert("exp".into(), json!(id_exp));
    id.insert("iat".into(), json!(now));
    id.insert("jti".into(), json!(crate::ids::uuid()));

    let mut result = json!({
        "AccessToken": keys.access.sign(&Value::Object(access))?,
        "ExpiresIn": client.access_validity.secs(),
        "TokenType": "Bearer",
        "IdToken": keys.id.sign(&Value::Object(id))?,
    });
    if let Some(r) = refresh_token {
        result["RefreshToken"] = json!(r);
    }
    Ok(result)
}

/// The claims of a valid access token minted here, with its pool.
pub(crate) fn check_access_token(
    ctx: &Ctx,
    token: &str,
) -> Result<(UserPool, Map<String, Value>), ApiError> {
    let invalid = || ApiError::not_authorized("Invalid Access Token");
    let jws = split(token).ok_or_else(invalid)?;
    let (header, claims) = (&jws.header, jws.claims.clone());
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or_else(invalid)?;
    let pool_id = iss.rsplit('/').next().ok_or_else(invalid)?;
    let pool = ctx.store.pool_get(pool_id)?.ok_or_else(invalid)?;
    if iss != ctx.issuer_for(&pool.id) {
        return Err(invalid());
    }
    let keys = ctx.pool_keys(&pool)?;
    if header.get("kid").and_then(Value::as_str) != Some(keys.access.kid.as_str())
        || header.get("alg").and_then(Value::as_str) != Some("RS256")
        || !keys.access.verify(jws.signed.as_bytes(), &jws.signature)
        || claims.get("token_use").and_then(Value::as_str) != Some("access")
    {
        return Err(invalid());
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or_else(invalid)?;
    if ctx.now() >= exp {
        return Err(ApiError::not_authorized("Access Token has expired"));
    }
    if let Some(jti) = claims.get("origin_jti").and_then(Value::as_str)
        && ctx.store.family_revoked(jti)?
    {
        return Err(ApiError::not_authorized("Access Token has been revoked"));
    }
    Ok((pool, claims))
}

/// The pool, app client and user of a valid access token: the one check every operation
/// authorized by an access token makes. A user deleted (or replaced by a new user of the same
/// name) since the token was issued is `UserNotFoundException: User does not exist.`; a
/// disabled one `NotAuthorizedException: User is disabled.`.
pub(crate) fn token_user(ctx: &Ctx, token: &str) -> Result<(UserPool, AppClient, User), ApiError> {
    let (pool, claims) = check_access_token(ctx, token)?;
    let claim = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or("");
    let user = ctx
        .store
        .user_get(&pool.id, claim("username"))?
        .filter(|u| u.sub == claim("sub"))
        .ok_or_else(ApiError::user_not_found)?;
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    let client = ctx.pool_client(&pool.id, claim("client_id"))?;
    Ok((pool, client, user))
}

pub(crate) fn get_user(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (pool, claims) = check_access_token(ctx, req.str("AccessToken")?)?;
    let username = claims.get("username").and_then(Value::as_str).unwrap_or("");
    let sub = claims.get("sub").and_then(Value::as_str).unwrap_or("");
    let user = ctx
        .store
        .user_get(&pool.id, username)?
        .filter(|u| u.sub == sub)
        .ok_or_else(ApiError::user_not_found)?;
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    let mut out = json!({
        "Username": user.username,
        "UserAttributes": attribute_json(&user.attribute_list()),
    });
    super::mfa::annotate(ctx, &pool, &user, &mut out)?;
    Ok(out)
}

pub(crate) fn revoke_token(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let token = req.str("Token")?;
    let client = ctx.client(req.str("ClientId")?)?;
    check_client_secret(&client, req.opt_str("ClientSecret")?)?;
    if !client.enable_token_revocation {
        return Err(ApiError::new(
            E::UnsupportedOperationException,
            "Token revocation is not enabled for this app client.",
        ));
    }
    let Some(record) = ctx.store.refresh_get(&refresh_hash(token))? else {
        // As RFC 7009: an unknown token is not an error.
        return Ok(json!({}));
    };
    if record.client_id != client.id {
        return Err(ApiError::new(
            E::UnauthorizedException,
            "The refresh token was not issued to this client.",
        ));
    }
    ctx.store
        .revoke_family(&record.pool_id, &record.origin_jti, ctx.now())?;
    Ok(json!({}))
}
