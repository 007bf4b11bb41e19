//! The code outbox: every message the server "sends" (sign-up confirmation codes, forgot-password
//! codes, attribute verification codes, SMS_MFA / EMAIL_OTP codes) lands here instead of in a
//! mailbox or on a phone, so that tests and people can read it: `GET /_cognate/outbox`, and one
//! `info` log line per message (the code is shown on purpose: this is a local test server's
//! mailbox; passwords are never logged).
//!
//! Crate-internal API (stable; other operations call it):
//!
//! ```ignore
//! use crate::outbox::{self, Medium, Purpose};
//! let code = outbox::new_code();                      // 6 digits, OS RNG
//! let details = outbox::deliver(ctx, &pool.id, &user.username, Purpose::SmsMfa,
//!                               Medium::Sms, "+15555551234", &code)?;
//! // `details` becomes the answer's `CodeDeliveryDetails`:
//! // {"Destination": "+*******1234", "DeliveryMedium": "SMS", "AttributeName": "phone_number"}
//! ```
//!
//! Messages are stored per pool (record kind `outbox`, scope = pool id, so they go with the
//! pool); the most recent [`KEEP`] of each pool are kept.

use crate::store::RecordKind;
use serde_json::{Value, json};

use super::Ctx;
use super::triggers::events::Source;
use super::triggers::message;
use crate::error::ApiError;

/// How many messages are kept per pool (older ones are dropped).
pub(crate) const KEEP: usize = 200;

pub(crate) const KIND: RecordKind = RecordKind::Outbox;
pub(crate) const KEY: &str = "messages";

/// Why a message was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // SmsMfa / EmailOtp are for the MFA operations
pub(crate) enum Purpose {
    /// SignUp / ResendConfirmationCode: the confirmation code.
    SignUp,
    /// ForgotPassword: the reset code.
    ForgotPassword,
    /// UpdateUserAttributes / GetUserAttributeVerificationCode: an attribute verification code.
    VerifyAttribute,
    /// The `SMS_MFA` challenge's code.
    SmsMfa,
    /// The `EMAIL_OTP` challenge's code.
    EmailOtp,
    /// The `SMS_OTP` challenge's code (a `USER_AUTH` first factor).
    SmsOtp,
    /// AdminCreateUser's invitation: the `code` is the temporary password.
    Invitation,
}

impl Purpose {
    /// The name shown in the outbox and accepted by its `purpose` filter.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Purpose::SignUp => "SIGN_UP",
            Purpose::ForgotPassword => "FORGOT_PASSWORD",
            Purpose::VerifyAttribute => "VERIFY_ATTRIBUTE",
            Purpose::SmsMfa => "SMS_MFA",
            Purpose::EmailOtp => "EMAIL_OTP",
            Purpose::SmsOtp => "SMS_OTP",
            Purpose::Invitation => "INVITATION",
        }
    }
}

impl Purpose {
    /// What the message carries and its CustomMessage `triggerSource`.
    fn message(self) -> (message::Kind, Source) {
        use message::Kind;
        match self {
            Purpose::SignUp => (Kind::Verification, Source::MessageSignUp),
            Purpose::ForgotPassword => (Kind::Verification, Source::MessageForgotPassword),
            Purpose::VerifyAttribute => (Kind::Verification, Source::MessageUpdateUserAttribute),
            Purpose::SmsMfa | Purpose::EmailOtp | Purpose::SmsOtp => {
                (Kind::Authentication, Source::MessageAuthentication)
            }
            Purpose::Invitation => (Kind::Invitation, Source::MessageAdminCreateUser),
        }
    }
}

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Medium {
    /// To the `email` attribute.
    Email,
    /// To the `phone_number` attribute.
    Sms,
}

impl Medium {
    /// `DeliveryMedium`: `EMAIL` or `SMS`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Medium::Email => "EMAIL",
            Medium::Sms => "SMS",
        }
    }

    /// `AttributeName`: `email` or `phone_number`.
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            Medium::Email => "email",
            Medium::Sms => "phone_number",
        }
    }
}

/// Cognito's `CodeDeliveryDetails`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CodeDeliveryDetails {
    /// The masked destination: `a***@e***.com`, `+*******1234`.
    pub destination: String,
    /// How it was sent.
    pub medium: Medium,
}

impl CodeDeliveryDetails {
    /// As the model shapes it (`CodeDeliveryDetails` of the answers).
    pub(crate) fn to_type(&self) -> cognate_model::idp::types::CodeDeliveryDetailsType {
        use cognate_model::idp::types::{CodeDeliveryDetailsType, DeliveryMediumType};
        CodeDeliveryDetailsType {
            attribute_name: Some(self.medium.attribute().to_owned()),
            delivery_medium: Some(match self.medium {
                Medium::Email => DeliveryMediumType::Email,
                Medium::Sms => DeliveryMediumType::Sms,
            }),
            destination: Some(self.destination.clone()),
        }
    }
}

/// A new 6-digit code from the operating system's RNG (uniform, leading zeros kept).
pub(crate) fn new_code() -> String {
    loop {
        let b = crate::ids::random_bytes::<4>();
        let n = u32::from_be_bytes(b);
        // rejection sampling: 4_294_000_000 is the largest multiple of 10^6 below 2^32
        if n < 4_294_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// Masks a destination as Cognito shows it: `alice@example.com` → `a***@e***.com`,
/// `+15555551234` → `+*******1234`.
pub(crate) fn mask(medium: Medium, destination: &str) -> String {
    match medium {
        Medium::Email => {
            let (local, domain) = destination.rsplit_once('@').unwrap_or((destination, ""));
            let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
            let tld = domain.rsplit_once('.').map(|(_, t)| t).unwrap_or("");
            let mut out = format!("{}***@{}***", first(local), first(domain));
            if !tld.is_empty() {
                out.push('.');
                out.push_str(tld);
            }
            out
        }
        Medium::Sms => {
            let chars: Vec<char> = destination.chars().collect();
            let keep = chars.len().min(4);
            let (head, tail) = chars.split_at(chars.len() - keep);
            let mut out = String::new();
            for (i, c) in head.iter().enumerate() {
                out.push(if i == 0 && *c == '+' { '+' } else { '*' });
            }
            out.extend(tail);
            out
        }
    }
}

/// Records a message for `username` of `pool_id`, logs it, and returns the
/// `CodeDeliveryDetails` to answer with.
pub(crate) fn deliver(
    ctx: &Ctx,
    pool_id: &str,
    username: &str,
    purpose: Purpose,
    medium: Medium,
    destination: &str,
    code: &str,
) -> Result<CodeDeliveryDetails, ApiError> {
    // The text as sent: the pool's message, or the CustomMessage trigger's.
    let pool = ctx.pool(pool_id)?;
    let text = message::compose(
        ctx,
        &pool,
        username,
        purpose.message(),
        medium == Medium::Email,
        code,
    )?;
    let (body, subject) = message::record(&text);
    message::send(
        ctx,
        &pool,
        username,
        purpose.message().1,
        medium == Medium::Email,
        code,
    )?;
    let message = json!({
        "poolId": pool_id,
        "username": username,
        "purpose": purpose.as_str(),
        "medium": medium.as_str(),
        "destination": destination,
        "code": code,
        "message": body,
        "subject": subject,
        "sentAt": ctx.now(),
    });
    ctx.store.doc_update(
        KIND,
        pool_id,
        KEY,
        Box::new(move |old| {
            let mut list = match old {
                Some(Value::Array(list)) => list,
                _ => Vec::new(),
            };
            list.push(message);
            if list.len() > KEEP {
                let extra = list.len() - KEEP;
                list.drain(..extra);
            }
            Some(Value::Array(list))
        }),
    )?;
    // A one-time code is shown (this is the local server's mailbox); a temporary password is a
    // password, and is only in the outbox, for whoever asks for it.
    let shown = if purpose == Purpose::Invitation {
        "(a temporary password)"
    } else {
        code
    };
    tracing::info!(
        pool = pool_id,
        username,
        purpose = purpose.as_str(),
        medium = medium.as_str(),
        destination,
        code = shown,
        "outbox: message sent (local server: read it at GET /_cognate/outbox)"
    );
    Ok(CodeDeliveryDetails {
        destination: mask(medium, destination),
        medium,
    })
}

/// Filters of `GET /_cognate/outbox`.
#[derive(Debug, Default)]
pub(crate) struct Filter {
    /// Only this pool.
    pub pool: Option<String>,
    /// Only this user (internal name, or the destination address).
    pub username: Option<String>,
    /// Only this purpose (`SIGN_UP`, …; case-insensitive).
    pub purpose: Option<String>,
}

/// The messages matching `filter`, oldest first: `{"messages": [...]}`.
pub(crate) fn list(ctx: &Ctx, filter: &Filter) -> Result<Value, ApiError> {
    let pools: Vec<String> = match &filter.pool {
        Some(p) => vec![p.clone()],
        None => ctx.store.pool_list()?.into_iter().map(|p| p.id).collect(),
    };
    let mut out: Vec<Value> = Vec::new();
    for pool in pools {
        if let Some(Value::Array(list)) = ctx.store.doc_get(KIND, &pool, KEY)? {
            out.extend(list);
        }
    }
    let field = |m: &Value, name: &str| m.get(name).and_then(Value::as_str).map(str::to_owned);
    out.retain(|m| {
        let user_ok = filter.username.as_ref().is_none_or(|u| {
            field(m, "username").as_ref() == Some(u) || field(m, "destination").as_ref() == Some(u)
        });
        let purpose_ok = filter
            .purpose
            .as_ref()
            .is_none_or(|p| field(m, "purpose").is_some_and(|mp| mp.eq_ignore_ascii_case(p)));
        user_ok && purpose_ok
    });
    // Stable: within a pool the stored order is kept.
    out.sort_by_key(|m| m.get("sentAt").and_then(Value::as_i64).unwrap_or(0));
    Ok(json!({ "messages": out }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_cognito() {
        assert_eq!(mask(Medium::Email, "alice@example.com"), "a***@e***.com");
        assert_eq!(
            mask(Medium::Email, "bob@mail.example.co.uk"),
            "b***@m***.uk"
        );
        assert_eq!(mask(Medium::Sms, "+15555551234"), "+*******1234");
        assert_eq!(mask(Medium::Sms, "123"), "123");
    }

    #[test]
    fn codes_have_six_digits() {
        for _ in 0..100 {
            let c = new_code();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }
}
