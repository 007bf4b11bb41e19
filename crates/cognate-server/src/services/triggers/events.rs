//! The events Cognito sends to its triggers and the responses it reads back, typed, with the
//! members spelled and nested as AWS documents them ("Lambda trigger parameters" of each
//! trigger in the Cognito developer guide). Every event has the common members of [`Event`];
//! `request` and `response` are the trigger's own. A response member the handler leaves out
//! or sets to `null` is `None` (or `false`): the default behaviour.
//!
//! Longer than the project's ~600 lines on purpose: it is a catalogue of AWS's event shapes,
//! one per trigger, read side by side with the developer guide; each trigger's module uses
//! only its own, and splitting the catalogue would put the common members and the trigger
//! sources in a third place.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The lambda slot of `LambdaConfig` a trigger source belongs to; its name starts AWS's error
/// messages ("PreSignUp failed with error …").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// `PreSignUp`.
    PreSignUp,
    /// `PostConfirmation`.
    PostConfirmation,
    /// `PreAuthentication`.
    PreAuthentication,
    /// `PostAuthentication`.
    PostAuthentication,
    /// `PreTokenGeneration` (or `PreTokenGenerationConfig`).
    PreTokenGeneration,
    /// `UserMigration`.
    UserMigration,
    /// `DefineAuthChallenge`.
    DefineAuthChallenge,
    /// `CreateAuthChallenge`.
    CreateAuthChallenge,
    /// `VerifyAuthChallengeResponse`.
    VerifyAuthChallengeResponse,
    /// `CustomMessage`.
    CustomMessage,
    /// `CustomEmailSender`.
    CustomEmailSender,
    /// `CustomSMSSender`.
    CustomSmsSender,
    /// `InboundFederation`.
    InboundFederation,
}

impl Trigger {
    /// The name in `LambdaConfig` and in error messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Trigger::PreSignUp => "PreSignUp",
            Trigger::PostConfirmation => "PostConfirmation",
            Trigger::PreAuthentication => "PreAuthentication",
            Trigger::PostAuthentication => "PostAuthentication",
            Trigger::PreTokenGeneration => "PreTokenGeneration",
            Trigger::UserMigration => "UserMigration",
            Trigger::DefineAuthChallenge => "DefineAuthChallenge",
            Trigger::CreateAuthChallenge => "CreateAuthChallenge",
            Trigger::VerifyAuthChallengeResponse => "VerifyAuthChallengeResponse",
            Trigger::CustomMessage => "CustomMessage",
            Trigger::CustomEmailSender => "CustomEmailSender",
            Trigger::CustomSmsSender => "CustomSMSSender",
            Trigger::InboundFederation => "InboundFederation",
        }
    }
}

/// `triggerSource`: why the trigger is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) enum Source {
    /// SignUp.
    #[serde(rename = "PreSignUp_SignUp")]
    PreSignUpSignUp,
    /// AdminCreateUser.
    #[serde(rename = "PreSignUp_AdminCreateUser")]
    PreSignUpAdminCreateUser,
    /// The first sign-in of a user through an external identity provider.
    #[serde(rename = "PreSignUp_ExternalProvider")]
    PreSignUpExternalProvider,
    /// A sign-in through an external identity provider, before its attributes are mapped.
    #[serde(rename = "InboundFederation_ExternalProvider")]
    InboundFederation,
    /// ConfirmSignUp, AdminConfirmSignUp.
    #[serde(rename = "PostConfirmation_ConfirmSignUp")]
    PostConfirmationConfirmSignUp,
    /// ConfirmForgotPassword.
    #[serde(rename = "PostConfirmation_ConfirmForgotPassword")]
    PostConfirmationConfirmForgotPassword,
    /// A sign-in, before the password is checked.
    #[serde(rename = "PreAuthentication_Authentication")]
    PreAuthentication,
    /// A sign-in, once every challenge is passed.
    #[serde(rename = "PostAuthentication_Authentication")]
    PostAuthentication,
    /// Tokens at the end of a sign-in.
    #[serde(rename = "TokenGeneration_Authentication")]
    TokenAuthentication,
    /// Tokens at the end of a sign-in that set a new password (`NEW_PASSWORD_REQUIRED`).
    #[serde(rename = "TokenGeneration_NewPasswordChallenge")]
    TokenNewPasswordChallenge,
    /// Tokens at the end of a sign-in with a device's proof.
    #[serde(rename = "TokenGeneration_AuthenticateDevice")]
    TokenAuthenticateDevice,
    /// Tokens of a refresh.
    #[serde(rename = "TokenGeneration_RefreshTokens")]
    TokenRefreshTokens,
    /// Tokens of the managed login pages (the OAuth endpoints).
    #[serde(rename = "TokenGeneration_HostedAuth")]
    TokenHostedAuth,
    /// A machine-to-machine access token (the `client_credentials` grant, GetClientToken):
    /// V3_0 only.
    #[serde(rename = "TokenGeneration_ClientCredentials")]
    TokenClientCredentials,
    /// A sign-in with a password of a user the pool does not know.
    #[serde(rename = "UserMigration_Authentication")]
    MigrationAuthentication,
    /// ForgotPassword of a user the pool does not know.
    #[serde(rename = "UserMigration_ForgotPassword")]
    MigrationForgotPassword,
    /// The next step of a custom authentication.
    #[serde(rename = "DefineAuthChallenge_Authentication")]
    DefineAuthChallenge,
    /// A custom challenge to pose.
    #[serde(rename = "CreateAuthChallenge_Authentication")]
    CreateAuthChallenge,
    /// An answer to a custom challenge to check.
    #[serde(rename = "VerifyAuthChallengeResponse_Authentication")]
    VerifyAuthChallengeResponse,
    /// The confirmation code of SignUp.
    #[serde(rename = "CustomMessage_SignUp")]
    MessageSignUp,
    /// AdminCreateUser's invitation.
    #[serde(rename = "CustomMessage_AdminCreateUser")]
    MessageAdminCreateUser,
    /// ResendConfirmationCode.
    #[serde(rename = "CustomMessage_ResendCode")]
    MessageResendCode,
    /// ForgotPassword, AdminResetUserPassword.
    #[serde(rename = "CustomMessage_ForgotPassword")]
    MessageForgotPassword,
    /// The verification code of a changed email or phone number (UpdateUserAttributes).
    #[serde(rename = "CustomMessage_UpdateUserAttribute")]
    MessageUpdateUserAttribute,
    /// GetUserAttributeVerificationCode.
    #[serde(rename = "CustomMessage_VerifyUserAttribute")]
    MessageVerifyUserAttribute,
    /// The code of `SMS_MFA` or `EMAIL_OTP`.
    #[serde(rename = "CustomMessage_Authentication")]
    MessageAuthentication,
    /// A custom sender's message (its `triggerSource`, e.g. `CustomEmailSender_SignUp`, is
    /// the CustomMessage one's with the sender's name in front).
    #[serde(untagged, serialize_with = "sender_source")]
    Sender(SenderKind, &'static str),
}

/// Which custom sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SenderKind {
    /// `CustomEmailSender`.
    Email,
    /// `CustomSMSSender`.
    Sms,
}

fn sender_source<S: serde::Serializer>(
    kind: &SenderKind,
    suffix: &&'static str,
    s: S,
) -> Result<S::Ok, S::Error> {
    let name = match kind {
        SenderKind::Email => "CustomEmailSender",
        SenderKind::Sms => "CustomSMSSender",
    };
    s.serialize_str(&format!("{name}_{suffix}"))
}

impl Source {
    /// The `LambdaConfig` slot it calls.
    pub(crate) fn trigger(self) -> Trigger {
        match self {
            Source::PreSignUpSignUp
            | Source::PreSignUpAdminCreateUser
            | Source::PreSignUpExternalProvider => Trigger::PreSignUp,
            Source::PostConfirmationConfirmSignUp
            | Source::PostConfirmationConfirmForgotPassword => Trigger::PostConfirmation,
            Source::PreAuthentication => Trigger::PreAuthentication,
            Source::PostAuthentication => Trigger::PostAuthentication,
            Source::TokenAuthentication
            | Source::TokenNewPasswordChallenge
            | Source::TokenAuthenticateDevice
            | Source::TokenRefreshTokens
            | Source::TokenHostedAuth
            | Source::TokenClientCredentials => Trigger::PreTokenGeneration,
            Source::MigrationAuthentication | Source::MigrationForgotPassword => {
                Trigger::UserMigration
            }
            Source::DefineAuthChallenge => Trigger::DefineAuthChallenge,
            Source::CreateAuthChallenge => Trigger::CreateAuthChallenge,
            Source::VerifyAuthChallengeResponse => Trigger::VerifyAuthChallengeResponse,
            Source::MessageSignUp
            | Source::MessageAdminCreateUser
            | Source::MessageResendCode
            | Source::MessageForgotPassword
            | Source::MessageUpdateUserAttribute
            | Source::MessageVerifyUserAttribute
            | Source::MessageAuthentication => Trigger::CustomMessage,
            Source::Sender(SenderKind::Email, _) => Trigger::CustomEmailSender,
            Source::Sender(SenderKind::Sms, _) => Trigger::CustomSmsSender,
            Source::InboundFederation => Trigger::InboundFederation,
        }
    }
}

/// `callerContext`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CallerContext {
    /// The caller's SDK version; cognate does not see it (`aws-sdk-unknown-unknown`, as AWS
    /// sends for callers it cannot name).
    pub aws_sdk_version: String,
    /// The app client, or `CLIENT_ID_NOT_APPLICABLE` for administrator operations without one.
    pub client_id: String,
}

/// An event: the common members and the trigger's `request` and `response`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Event<Req, Resp> {
    /// `"1"`, or the pre token generation version (`"2"`, `"3"`).
    pub version: &'static str,
    /// Why the trigger is called.
    pub trigger_source: Source,
    /// The pool's region.
    pub region: String,
    /// The pool.
    pub user_pool_id: String,
    /// The user's internal name (none in a machine-to-machine token's event).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user_name: String,
    /// The caller.
    pub caller_context: CallerContext,
    /// The trigger's input.
    pub request: Req,
    /// The trigger's output as sent: its defaults.
    pub response: Resp,
}

/// Attributes, as every event carries them.
pub(crate) type Attributes = BTreeMap<String, String>;

/// PreSignUp's request.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PreSignUpRequest {
    /// The attributes signed up with.
    pub user_attributes: Attributes,
    /// SignUp's `ValidationData` (`null` when not given).
    pub validation_data: Option<Attributes>,
    /// The operation's `ClientMetadata`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_metadata: Option<Attributes>,
}

/// PreSignUp's response.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct PreSignUpResponse {
    /// Confirm the user now (no confirmation code).
    #[serde(deserialize_with = "null_false")]
    pub auto_confirm_user: bool,
    /// Mark the email verified.
    #[serde(deserialize_with = "null_false")]
    pub auto_verify_email: bool,
    /// Mark the phone number verified.
    #[serde(deserialize_with = "null_false")]
    pub auto_verify_phone: bool,
}

/// The request of PostConfirmation, PostAuthentication and PreAuthentication: the user's
/// attributes and the operation's metadata.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserRequest {
    /// The user's attributes, with `sub` and `cognito:user_status`.
    pub user_attributes: Attributes,
    /// PostAuthentication: whether the sign-in made a new device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_device_used: Option<bool>,
    /// PreAuthentication: the sign-in's `ClientMetadata`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_data: Option<Attributes>,
    /// The operation's `ClientMetadata`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_metadata: Option<Attributes>,
    /// PreAuthentication of a name no user has, through a client that prevents user-existence
    /// errors: `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_not_found: Option<bool>,
}

/// A response Cognito does not read (PostConfirmation, PreAuthentication,
/// PostAuthentication): `{}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct NoResponse {}

/// `groupConfiguration` / `groupOverrideDetails` of pre token generation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct GroupConfiguration {
    /// `cognito:groups`.
    pub groups_to_override: Option<Vec<String>>,
    /// `cognito:roles`.
    pub iam_roles_to_override: Option<Vec<String>>,
    /// `cognito:preferred_role`.
    pub preferred_role: Option<String>,
}

/// InboundFederation's request: what the external provider sent.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InboundFederationRequest {
    /// The identity provider's name.
    pub provider_name: String,
    /// Its type (`OIDC`, `SAML`, …).
    pub provider_type: String,
    /// Its data.
    pub attributes: FederatedAttributes,
}

/// The external provider's data in an InboundFederation event (strings, as AWS sends them).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FederatedAttributes {
    /// The provider's token response (OIDC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_response: Option<Attributes>,
    /// The claims of its ID token (OIDC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<Attributes>,
    /// Its userInfo answer (OIDC), when fetched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_info: Option<Attributes>,
}

/// InboundFederation's response.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct InboundFederationResponse {
    /// The user attributes to store: every one to keep (the others are dropped); empty or
    /// absent: the attributes of the provider's `AttributeMapping`, unchanged.
    pub user_attributes_to_map: Option<Attributes>,
}

/// PreTokenGeneration's request (every version; `scopes` from V2_0 on).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TokenRequest {
    /// The user's attributes, with `sub` and `cognito:user_status`.
    pub user_attributes: Attributes,
    /// V2_0 and V3_0: the access token's scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// The user's groups and roles as the tokens would carry them.
    pub group_configuration: GroupConfiguration,
    /// The operation's `ClientMetadata`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_metadata: Option<Attributes>,
}

/// Claims to add, override and suppress in one token.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ClaimsOverride {
    /// Claims to set.
    pub claims_to_add_or_override: Option<Map<String, Value>>,
    /// Claims to remove (wins over an override of the same claim).
    pub claims_to_suppress: Option<Vec<String>>,
    /// Access token (V2_0, V3_0): scopes to add.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes_to_add: Option<Vec<String>>,
    /// Access token (V2_0, V3_0): scopes to remove.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes_to_suppress: Option<Vec<String>>,
}

/// V1_0's `claimsOverrideDetails`: ID-token claims, and the groups of both tokens.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ClaimsOverrideDetails {
    /// Claims to set in the ID token.
    pub claims_to_add_or_override: Option<Map<String, Value>>,
    /// Claims to remove from the ID token.
    pub claims_to_suppress: Option<Vec<String>>,
    /// Replaces the groups (and roles) of both tokens.
    pub group_override_details: Option<GroupConfiguration>,
}

/// V2_0's and V3_0's `claimsAndScopeOverrideDetails`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ClaimsAndScopeOverrideDetails {
    /// The ID token's changes.
    pub id_token_generation: Option<ClaimsOverride>,
    /// The access token's changes, with its scopes.
    pub access_token_generation: Option<ClaimsOverride>,
    /// Replaces the groups (and roles) of both tokens.
    pub group_override_details: Option<GroupConfiguration>,
}

/// PreTokenGeneration's response, V1_0.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct TokenResponseV1 {
    /// The changes; `null` as sent.
    pub claims_override_details: Option<ClaimsOverrideDetails>,
}

/// PreTokenGeneration's response, V2_0 and V3_0.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct TokenResponseV2 {
    /// The changes; `null` as sent.
    pub claims_and_scope_override_details: Option<ClaimsAndScopeOverrideDetails>,
}

/// UserMigration's request.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MigrationRequest {
    /// `UserMigration_Authentication`: the password signed in with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// InitiateAuth's `ClientMetadata` (`UserMigration_Authentication`).
    pub validation_data: Option<Attributes>,
    /// ForgotPassword's `ClientMetadata` (`UserMigration_ForgotPassword`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_metadata: Option<Attributes>,
}

impl std::fmt::Debug for MigrationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MigrationRequest").finish_non_exhaustive()
    }
}

/// UserMigration's response: the user to create.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct MigrationResponse {
    /// The user's attributes (`null`: the user is not known there either).
    pub user_attributes: Option<Map<String, Value>>,
    /// `CONFIRMED` (the default) or `RESET_REQUIRED`.
    pub final_user_status: Option<String>,
    /// `SUPPRESS` the welcome message (cognate sends none either way).
    pub message_action: Option<String>,
    /// `EMAIL` and/or `SMS`, for the welcome message.
    pub desired_delivery_mediums: Option<Vec<String>>,
    /// Take the email or phone alias from another user.
    pub force_alias_creation: Option<bool>,
    /// Turn SMS MFA on for the user.
    #[serde(rename = "enableSMSMFA")]
    pub enable_sms_mfa: Option<bool>,
}

/// One step of a custom authentication so far, as the custom challenge triggers see it (the
/// `session` list of their events).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChallengeResult {
    /// `SRP_A`, `PASSWORD_VERIFIER` or `CUSTOM_CHALLENGE`.
    pub challenge_name: String,
    /// Whether it was passed.
    pub challenge_result: bool,
    /// CreateAuthChallenge's `challengeMetadata` for this challenge.
    pub challenge_metadata: Option<String>,
}

/// The request of the custom challenge triggers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CustomAuthRequest {
    /// The user's attributes, with `sub` and `cognito:user_status`.
    pub user_attributes: Attributes,
    /// Define and Create: the steps so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<Vec<ChallengeResult>>,
    /// Create: the challenge Define chose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge_name: Option<String>,
    /// Verify: Create's private parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_challenge_parameters: Option<BTreeMap<String, String>>,
    /// Verify: the user's answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge_answer: Option<String>,
    /// The answer's `ClientMetadata`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_metadata: Option<Attributes>,
    /// Set when the client prevents user-existence errors: whether the name matched no user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_not_found: Option<bool>,
}

/// DefineAuthChallenge's response.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct DefineResponse {
    /// The next challenge: `CUSTOM_CHALLENGE` or `PASSWORD_VERIFIER`.
    pub challenge_name: Option<String>,
    /// Done: issue the tokens.
    pub issue_tokens: Option<bool>,
    /// Done: refuse the sign-in.
    pub fail_authentication: Option<bool>,
}

/// CreateAuthChallenge's response.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct CreateResponse {
    /// What the client is shown (`ChallengeParameters`).
    pub public_challenge_parameters: Option<BTreeMap<String, String>>,
    /// What VerifyAuthChallengeResponse gets (the expected answer).
    pub private_challenge_parameters: Option<BTreeMap<String, String>>,
    /// A name for this challenge in later `session` lists.
    pub challenge_metadata: Option<String>,
}

/// VerifyAuthChallengeResponse's response.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct VerifyResponse {
    /// Whether the answer is right.
    pub answer_correct: Option<bool>,
}

/// CustomMessage's request.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageRequest {
    /// The user's attributes, with `sub` and `cognito:user_status`.
    pub user_attributes: Attributes,
    /// The placeholder of the code in the message: `{####}`.
    pub code_parameter: String,
    /// The placeholder of the user name (AdminCreateUser's invitation: `{username}`).
    pub username_parameter: Option<String>,
    /// The placeholder of a verification link (cognate sends codes: `null`).
    pub link_parameter: Option<String>,
    /// The operation's `ClientMetadata`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_metadata: Option<Attributes>,
}

/// CustomMessage's response: the messages to send instead of the pool's.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct MessageResponse {
    /// The SMS text (with `{####}`).
    pub sms_message: Option<String>,
    /// The email body (with `{####}`).
    pub email_message: Option<String>,
    /// The email subject.
    pub email_subject: Option<String>,
}

/// The request of CustomEmailSender and CustomSMSSender.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SenderRequest {
    /// `customEmailSenderRequestV1` or `customSMSSenderRequestV1`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The code (or temporary password), base64; see `message::send` for what stands in for
    /// AWS's KMS encryption.
    pub code: String,
    /// The user's attributes.
    pub user_attributes: Attributes,
    /// The operation's `ClientMetadata`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_metadata: Option<Attributes>,
}

impl std::fmt::Debug for SenderRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SenderRequest")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A boolean that may be `null`.
fn null_false<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_are_spelled_as_aws_documents_them() {
        let event = Event {
            version: "1",
            trigger_source: Source::PreSignUpSignUp,
            region: "us-east-1".into(),
            user_pool_id: "us-east-1_X".into(),
            user_name: "alice".into(),
            caller_context: CallerContext {
                aws_sdk_version: "aws-sdk-unknown-unknown".into(),
                client_id: "c".into(),
            },
            request: PreSignUpRequest {
                user_attributes: [("email".to_owned(), "a@example.com".to_owned())].into(),
                validation_data: None,
                client_metadata: None,
            },
            response: PreSignUpResponse::default(),
        };
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            json!({
                "version": "1",
                "triggerSource": "PreSignUp_SignUp",
                "region": "us-east-1",
                "userPoolId": "us-east-1_X",
                "userName": "alice",
                "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "c"},
                "request": {"userAttributes": {"email": "a@example.com"}, "validationData": null},
                "response": {"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false},
            })
        );
        assert_eq!(
            serde_json::to_value(Source::Sender(SenderKind::Sms, "ForgotPassword")).unwrap(),
            json!("CustomSMSSender_ForgotPassword")
        );
        assert_eq!(
            serde_json::to_value(Source::MessageSignUp).unwrap(),
            json!("CustomMessage_SignUp")
        );
        let back: PreSignUpResponse =
            serde_json::from_value(json!({"autoConfirmUser": true, "autoVerifyEmail": null}))
                .unwrap();
        assert!(back.auto_confirm_user && !back.auto_verify_email && !back.auto_verify_phone);
    }
}
