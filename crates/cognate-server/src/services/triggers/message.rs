//! The text of every message the server "sends" (the outbox records it beside the code): the
//! pool's own message (its `VerificationMessageTemplate`, `EmailVerificationMessage`, …, or
//! Cognito's default), then the `CustomMessage` trigger's, when the pool has one and its
//! message has the code's placeholder `{####}` (a message without it would leave the user
//! without the code, so the pool's is kept, with a warning).

use serde_json::Value;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::events::{
    MessageRequest, MessageResponse, NoResponse, SenderKind, SenderRequest, Source, Trigger,
};
use super::{Ctx, call, scope, user_attributes};
use crate::error::ApiError;
use crate::model::UserPool;

/// What a message carries, for the pool's own text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A verification code (sign-up, resend, forgot password, attribute verification).
    Verification,
    /// A sign-in code (`SMS_MFA`, `EMAIL_OTP`).
    Authentication,
    /// AdminCreateUser's invitation: the code is the temporary password.
    Invitation,
}

/// The code's placeholder.
pub(crate) const CODE: &str = "{####}";
/// The user name's placeholder (invitations).
pub(crate) const USERNAME: &str = "{username}";

/// A message as sent: placeholders replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Message {
    /// The email's subject (`None` for SMS).
    pub subject: Option<String>,
    /// The text.
    pub body: String,
}

/// A string member of the pool's settings, by path.
fn setting<'a>(pool: &'a UserPool, path: &[&str]) -> Option<&'a str> {
    let mut v = pool.extra.get(path[0])?;
    for p in &path[1..] {
        v = v.get(p)?;
    }
    v.as_str().filter(|s| !s.is_empty())
}

/// The pool's own message of `purpose` by `medium` (Cognito's defaults where it sets none).
fn pool_message(pool: &UserPool, kind: Kind, email: bool) -> (Option<String>, String) {
    let template = |email_path: &[&str], sms_path: &[&str]| {
        if email {
            setting(pool, email_path)
        } else {
            setting(pool, sms_path)
        }
    };
    match kind {
        Kind::Invitation => {
            let body = template(
                &[
                    "AdminCreateUserConfig",
                    "InviteMessageTemplate",
                    "EmailMessage",
                ],
                &[
                    "AdminCreateUserConfig",
                    "InviteMessageTemplate",
                    "SMSMessage",
                ],
            )
            .unwrap_or("Your username is {username} and temporary password is {####}.");
            let subject = setting(
                pool,
                &[
                    "AdminCreateUserConfig",
                    "InviteMessageTemplate",
                    "EmailSubject",
                ],
            )
            .unwrap_or("Your temporary password");
            (email.then(|| subject.to_owned()), body.to_owned())
        }
        Kind::Authentication => {
            let body = if email {
                "Your authentication code is {####}."
            } else {
                setting(pool, &["SmsAuthenticationMessage"])
                    .unwrap_or("Your authentication code is {####}.")
            };
            (
                email.then(|| "Your authentication code".to_owned()),
                body.to_owned(),
            )
        }
        Kind::Verification => {
            let body = template(
                &["VerificationMessageTemplate", "EmailMessage"],
                &["VerificationMessageTemplate", "SmsMessage"],
            )
            .or_else(|| template(&["EmailVerificationMessage"], &["SmsVerificationMessage"]))
            .unwrap_or("Your verification code is {####}.");
            let subject = setting(pool, &["VerificationMessageTemplate", "EmailSubject"])
                .or_else(|| setting(pool, &["EmailVerificationSubject"]))
                .unwrap_or("Your verification code");
            (email.then(|| subject.to_owned()), body.to_owned())
        }
    }
}

/// The message of `kind` to `username` of `pool` carrying `code`, by email or SMS; `source`
/// is its `triggerSource` unless the operation says otherwise (`Scope::message_source`).
pub(crate) fn compose(
    ctx: &Ctx,
    pool: &UserPool,
    username: &str,
    (kind, source): (Kind, Source),
    email: bool,
    code: &str,
) -> Result<Message, ApiError> {
    let (mut subject, mut body) = pool_message(pool, kind, email);
    if super::configured(pool, super::events::Trigger::CustomMessage).is_some()
        && let Some(user) = ctx.store.user_get(&pool.id, username)?
    {
        let scope = scope();
        let request = MessageRequest {
            user_attributes: user_attributes(&user),
            code_parameter: CODE.into(),
            username_parameter: (kind == Kind::Invitation).then(|| USERNAME.to_owned()),
            link_parameter: None,
            client_metadata: scope.client_metadata.clone(),
        };
        let answer: Option<MessageResponse> = call(
            ctx,
            pool,
            scope.message_source.unwrap_or(source),
            username,
            scope.client_id.as_deref(),
            request,
        )?;
        if let Some(answer) = answer {
            let custom = if email {
                answer.email_message
            } else {
                answer.sms_message
            };
            match custom {
                Some(text) if text.contains(CODE) => {
                    body = text;
                    if email && let Some(s) = answer.email_subject {
                        subject = Some(s);
                    }
                }
                Some(_) => tracing::warn!(
                    "the CustomMessage trigger's message has no {CODE}: the pool's message is sent"
                ),
                None => {}
            }
        }
    }
    let render = |text: &str| text.replace(CODE, code).replace(USERNAME, username);
    Ok(Message {
        subject: subject.map(|s| render(&s)),
        body: render(&body),
    })
}

/// Hands the code of a message to the pool's CustomEmailSender (`email`) or CustomSMSSender,
/// if it has one: `triggerSource` `CustomEmailSender_SignUp`, … (the CustomMessage source's
/// name after the sender's), `request.type` `customEmailSenderRequestV1` /
/// `customSMSSenderRequestV1`, `request.code`, `request.userAttributes`.
///
/// AWS encrypts `code` with the pool's KMS key (`LambdaConfig.KMSKeyID`, the AWS Encryption
/// SDK's format), and handlers decrypt it with a KMS keyring. There is no KMS here: cognate
/// sends the code base64-encoded, unencrypted, so a handler run locally must skip its decrypt
/// step (or decode base64 instead). The message still lands in the outbox.
pub(crate) fn send(
    ctx: &Ctx,
    pool: &UserPool,
    username: &str,
    source: Source,
    email: bool,
    code: &str,
) -> Result<(), ApiError> {
    let (trigger, kind) = if email {
        (Trigger::CustomEmailSender, SenderKind::Email)
    } else {
        (Trigger::CustomSmsSender, SenderKind::Sms)
    };
    if super::configured(pool, trigger).is_none() {
        return Ok(());
    }
    let Some(user) = ctx.store.user_get(&pool.id, username)? else {
        return Ok(());
    };
    let scope = scope();
    let suffix = match scope.message_source.unwrap_or(source) {
        Source::MessageSignUp => "SignUp",
        Source::MessageResendCode => "ResendCode",
        Source::MessageForgotPassword => "ForgotPassword",
        Source::MessageUpdateUserAttribute => "UpdateUserAttribute",
        Source::MessageVerifyUserAttribute => "VerifyUserAttribute",
        Source::MessageAdminCreateUser => "AdminCreateUser",
        _ => "Authentication",
    };
    let request = SenderRequest {
        kind: if email {
            "customEmailSenderRequestV1"
        } else {
            "customSMSSenderRequestV1"
        },
        code: STANDARD.encode(code),
        user_attributes: user_attributes(&user),
        client_metadata: scope.client_metadata.clone(),
    };
    call::<_, NoResponse>(
        ctx,
        pool,
        Source::Sender(kind, suffix),
        username,
        scope.client_id.as_deref(),
        request,
    )?;
    Ok(())
}

/// The `message` and `subject` members of an outbox record.
pub(crate) fn record(message: &Message) -> (Value, Value) {
    (
        Value::String(message.body.clone()),
        message
            .subject
            .clone()
            .map(Value::String)
            .unwrap_or(Value::Null),
    )
}
