//! Lambda triggers: the functions named by a pool's `LambdaConfig`, called with the events
//! Cognito sends ([`events`]) through a Lambda service or a handler file ([`invoke`]), their
//! responses applied as Cognito applies them (here, and in [`pre_token`] for the tokens).
//!
//! Failures are answered as Cognito answers them: a handler's error is
//! `UserLambdaValidationException: {Trigger} failed with error {message}.`; a response that is
//! not the event (or has a `response` of the wrong shape) is `InvalidLambdaResponseException:
//! Unrecognizable lambda output`; no answer within the timeout (5 s, as AWS) is
//! `UnexpectedLambdaException: {Trigger} invocation failed due to error Socket timeout while
//! invoking Lambda function.`
//!
//! The `ClientMetadata` of the operation and the kind of token generation (sign-in, new
//! password, device, refresh) reach the triggers through a per-operation [`Scope`] set by the
//! API handler, so that the login services between them need not carry it.

pub(crate) mod events;
pub(crate) mod invoke;
pub(crate) mod message;
pub(crate) mod migration;
pub(crate) mod pre_token;

use std::cell::RefCell;

use cognate_model::idp::ErrorKind as E;
use cognate_model::idp::types::LambdaConfigType;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use self::events::{
    Attributes, CallerContext, Event, NoResponse, PreSignUpRequest, PreSignUpResponse, Source,
    Trigger, UserRequest,
};
use self::invoke::{InvokeError, Outcome};
use super::Ctx;
use crate::error::ApiError;
use crate::model::{User, UserPool};

/// What the operation under way tells its triggers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    /// InitiateAuth's `ClientMetadata`: the `validationData` of PreAuthentication (and user
    /// migration), the only triggers AWS passes it to.
    pub validation_data: Option<Attributes>,
    /// The `ClientMetadata` of an answer to a challenge or of a refresh: the `clientMetadata`
    /// of PostAuthentication, pre token generation and the custom challenge triggers.
    pub client_metadata: Option<Attributes>,
    /// The `triggerSource` of tokens minted by this operation (default:
    /// `TokenGeneration_Authentication`).
    pub token_source: Option<Source>,
    /// The operation's `ClientId` (`callerContext.clientId`).
    pub client_id: Option<String>,
    /// The `triggerSource` of messages this operation sends, where the purpose alone does not
    /// tell (`CustomMessage_ResendCode`, `CustomMessage_VerifyUserAttribute`).
    pub message_source: Option<Source>,
}

impl Scope {
    /// What any request tells its triggers: its `ClientId` and `ClientMetadata`.
    pub(crate) fn of_request(body: &serde_json::Map<String, Value>) -> Scope {
        let client_metadata = body
            .get("ClientMetadata")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                    .collect()
            });
        Scope {
            client_metadata,
            client_id: body
                .get("ClientId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            ..Scope::default()
        }
    }
}

thread_local! {
    static SCOPE: RefCell<Scope> = RefCell::new(Scope::default());
}

/// Runs `f` (one operation, which runs on this thread from start to end) with `scope`.
pub(crate) fn scoped<T>(scope: Scope, f: impl FnOnce() -> T) -> T {
    let before = SCOPE.with(|s| s.replace(scope));
    let out = f();
    SCOPE.with(|s| s.replace(before));
    out
}

/// The scope of the operation under way.
pub(crate) fn scope() -> Scope {
    SCOPE.with(|s| s.borrow().clone())
}

/// Runs `f` with `source` as the CustomMessage `triggerSource` of the messages it sends.
pub(crate) fn with_message_source<T>(source: Source, f: impl FnOnce() -> T) -> T {
    let scope = Scope {
        message_source: Some(source),
        ..scope()
    };
    scoped(scope, f)
}

/// The function (name or ARN) and event version configured for `trigger` in `pool`.
pub(crate) fn configured(pool: &UserPool, trigger: Trigger) -> Option<(String, &'static str)> {
    let config: LambdaConfigType =
        serde_json::from_value(pool.extra.get("LambdaConfig")?.clone()).ok()?;
    let plain = |f: Option<String>| f.filter(|f| !f.is_empty()).map(|f| (f, "1"));
    match trigger {
        Trigger::PreSignUp => plain(config.pre_sign_up),
        Trigger::PostConfirmation => plain(config.post_confirmation),
        Trigger::PreAuthentication => plain(config.pre_authentication),
        Trigger::PostAuthentication => plain(config.post_authentication),
        Trigger::UserMigration => plain(config.user_migration),
        Trigger::DefineAuthChallenge => plain(config.define_auth_challenge),
        Trigger::CreateAuthChallenge => plain(config.create_auth_challenge),
        Trigger::VerifyAuthChallengeResponse => plain(config.verify_auth_challenge_response),
        Trigger::CustomMessage => plain(config.custom_message),
        Trigger::CustomEmailSender => config.custom_email_sender.map(|c| (c.lambda_arn, "1")),
        Trigger::CustomSmsSender => config.custom_sms_sender.map(|c| (c.lambda_arn, "1")),
        Trigger::InboundFederation => config.inbound_federation.map(|c| (c.lambda_arn, "1")),
        Trigger::PreTokenGeneration => match config.pre_token_generation_config {
            Some(c) => {
                let version = match c.lambda_version.as_str() {
                    "V2_0" => "2",
                    "V3_0" => "3",
                    _ => "1",
                };
                Some((c.lambda_arn, version))
            }
            None => plain(config.pre_token_generation),
        },
    }
}

/// The attributes a trigger sees of an existing user: `sub`, the rest, and
/// `cognito:user_status`.
pub(crate) fn user_attributes(user: &User) -> Attributes {
    let mut attrs: Attributes = user.attribute_list().into_iter().collect();
    attrs.insert(
        "cognito:user_status".into(),
        user.status.as_str().to_owned(),
    );
    attrs
}

/// Calls the trigger of `source` if `pool` configures one: `None` if not, else its response.
pub(crate) fn call<Req: Serialize, Resp: Serialize + DeserializeOwned + Default>(
    ctx: &Ctx,
    pool: &UserPool,
    source: Source,
    user_name: &str,
    client_id: Option<&str>,
    request: Req,
) -> Result<Option<Resp>, ApiError> {
    let trigger = source.trigger();
    let Some((function, version)) = configured(pool, trigger) else {
        return Ok(None);
    };
    let event = Event {
        version,
        trigger_source: source,
        region: pool.region.clone(),
        user_pool_id: pool.id.clone(),
        user_name: user_name.to_owned(),
        caller_context: CallerContext {
            aws_sdk_version: "aws-sdk-unknown-unknown".into(),
            client_id: client_id.unwrap_or("CLIENT_ID_NOT_APPLICABLE").to_owned(),
        },
        request,
        response: Resp::default(),
    };
    let event = serde_json::to_value(&event).map_err(|e| ApiError::internal(e.to_string()))?;
    let name = trigger.name();
    match ctx.triggers.call(&function, &event) {
        Ok(Outcome::Returned(doc)) => response_of(&doc).map(Some).ok_or_else(|| {
            tracing::warn!(trigger = name, %function, "the trigger's answer is not its event");
            ApiError::new(
                E::InvalidLambdaResponseException,
                "Unrecognizable lambda output",
            )
        }),
        Ok(Outcome::HandlerError(message)) => Err(ApiError::new(
            E::UserLambdaValidationException,
            format!("{name} failed with error {message}."),
        )),
        Err(InvokeError::Timeout(_)) => Err(ApiError::new(
            E::UnexpectedLambdaException,
            format!(
                "{name} invocation failed due to error Socket timeout while invoking Lambda function."
            ),
        )),
        Err(InvokeError::Unavailable(why)) => {
            tracing::warn!(trigger = name, %function, error = %why, "cannot call the trigger");
            Err(ApiError::new(
                E::UnexpectedLambdaException,
                format!("{name} invocation failed due to error {why}."),
            ))
        }
    }
}

/// The typed `response` of a returned event.
fn response_of<Resp: DeserializeOwned>(doc: &Value) -> Option<Resp> {
    let response = doc.as_object()?.get("response")?;
    let response = if response.is_null() {
        &Value::Object(Default::default())
    } else {
        response
    };
    serde_json::from_value(response.clone()).ok()
}

/// PreSignUp of SignUp (`PreSignUp_SignUp`) or AdminCreateUser (`PreSignUp_AdminCreateUser`):
/// its answer (all false without a trigger). An error means: no user.
pub(crate) fn pre_sign_up(
    ctx: &Ctx,
    pool: &UserPool,
    source: Source,
    user_name: &str,
    client_id: Option<&str>,
    request: PreSignUpRequest,
) -> Result<PreSignUpResponse, ApiError> {
    Ok(call(ctx, pool, source, user_name, client_id, request)?.unwrap_or_default())
}

/// InboundFederation, at each sign-in through an external provider: the attributes to store
/// instead of those of the provider's `AttributeMapping` (`None`: keep those).
pub(crate) fn inbound_federation(
    ctx: &Ctx,
    pool: &UserPool,
    user_name: &str,
    client_id: &str,
    request: events::InboundFederationRequest,
) -> Result<Option<Attributes>, ApiError> {
    let answer: Option<events::InboundFederationResponse> = call(
        ctx,
        pool,
        Source::InboundFederation,
        user_name,
        Some(client_id),
        request,
    )?;
    Ok(answer
        .and_then(|a| a.user_attributes_to_map)
        .filter(|m| !m.is_empty()))
}

/// PostConfirmation (`source`: sign-up or forgot-password confirmation), called once the
/// confirmation is stored: its failure is answered, and the user stays confirmed.
pub(crate) fn post_confirmation(
    ctx: &Ctx,
    pool: &UserPool,
    source: Source,
    user: &User,
    client_id: Option<&str>,
    client_metadata: Option<Attributes>,
) -> Result<(), ApiError> {
    let request = UserRequest {
        user_attributes: user_attributes(user),
        new_device_used: None,
        validation_data: None,
        client_metadata,
        user_not_found: None,
    };
    call::<_, NoResponse>(ctx, pool, source, &user.username, client_id, request).map(|_| ())
}

/// PreAuthentication of a sign-in with a name no user has, through a client that prevents
/// user-existence errors (`userNotFound`: `true`, no attributes); its failure is answered as
/// for a real user.
pub(crate) fn pre_authentication_unknown(
    ctx: &Ctx,
    pool: &UserPool,
    username: &str,
    client_id: &str,
) -> Result<(), ApiError> {
    let request = UserRequest {
        user_attributes: Attributes::new(),
        new_device_used: None,
        validation_data: Some(scope().validation_data.unwrap_or_default()),
        client_metadata: None,
        user_not_found: Some(true),
    };
    call::<_, NoResponse>(
        ctx,
        pool,
        Source::PreAuthentication,
        username,
        Some(client_id),
        request,
    )
    .map(|_| ())
}

/// PreAuthentication, before the password of a sign-in is checked; `ClientMetadata` of the
/// sign-in is its `validationData`.
pub(crate) fn pre_authentication(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
    client_id: &str,
) -> Result<(), ApiError> {
    let request = UserRequest {
        user_attributes: user_attributes(user),
        new_device_used: None,
        validation_data: Some(scope().validation_data.unwrap_or_default()),
        client_metadata: None,
        user_not_found: None,
    };
    call::<_, NoResponse>(
        ctx,
        pool,
        Source::PreAuthentication,
        &user.username,
        Some(client_id),
        request,
    )
    .map(|_| ())
}

/// PostAuthentication, once a sign-in passed every challenge and before its tokens.
pub(crate) fn post_authentication(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
    client_id: &str,
    new_device_used: bool,
) -> Result<(), ApiError> {
    let request = UserRequest {
        user_attributes: user_attributes(user),
        new_device_used: Some(new_device_used),
        validation_data: None,
        client_metadata: scope().client_metadata,
        user_not_found: None,
    };
    call::<_, NoResponse>(
        ctx,
        pool,
        Source::PostAuthentication,
        &user.username,
        Some(client_id),
        request,
    )
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_response_is_read_from_the_returned_event_only() {
        let ok: Option<PreSignUpResponse> =
            response_of(&json!({"response": {"autoConfirmUser": true}}));
        assert!(ok.unwrap().auto_confirm_user);
        let null: Option<NoResponse> = response_of(&json!({"response": null}));
        assert!(null.is_some());
        assert!(response_of::<NoResponse>(&json!(null)).is_none());
        assert!(response_of::<NoResponse>(&json!({})).is_none());
        assert!(
            response_of::<PreSignUpResponse>(&json!({"response": {"autoConfirmUser": "yes"}}))
                .is_none()
        );
    }

    #[test]
    fn scopes_nest_and_restore() {
        assert!(scope().client_metadata.is_none());
        let meta: Attributes = [("k".to_owned(), "v".to_owned())].into();
        scoped(
            Scope {
                client_metadata: Some(meta.clone()),
                ..Scope::default()
            },
            || assert_eq!(scope().client_metadata, Some(meta)),
        );
        assert!(scope().client_metadata.is_none());
    }
}
