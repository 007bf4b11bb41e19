//! The login itself: `InitiateAuth` with SRP or the password, the SRP and device-SRP proofs,
//! `RespondToAuthChallenge`, and turning each answer into tokens or a challenge.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType,
};

use super::challenges::{
    Challenge, CodeChallenge, LoginStep, MfaSetup, NewPasswordRequired, OtherChallenge,
    SelectMfaType,
};
use super::state::{AuthAnswer, Credentials, MfaType, Pending, json_list};
use crate::client::{AuthFlow, Client};
use crate::device::RememberedDevice;
use crate::error::{Error, Result, from_sdk};
use crate::tokens::TokenSet;

macro_rules! answer_from {
    ($out:expr) => {{
        let out = $out;
        AuthAnswer {
            challenge: out.challenge_name().cloned(),
            session: out.session().map(str::to_owned),
            parameters: out.challenge_parameters().cloned().unwrap_or_default(),
            result: out.authentication_result().cloned(),
            available: out
                .available_challenges()
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
        }
    }};
}

impl Client {
    /// Logs in with the client's default flow ([`AuthFlow::UserSrp`] unless configured).
    pub async fn login(&self, credentials: &Credentials) -> Result<LoginStep> {
        self.login_with(credentials, self.inner.auth_flow).await
    }

    /// Logs in with a given flow.
    ///
    /// With device tracking on, a remembered device that the pool no longer knows
    /// (`ResourceNotFoundException: Device does not exist.`, after a `ForgetDevice`) is forgotten
    /// and the login made again without it, as the AWS SDKs do.
    pub async fn login_with(&self, credentials: &Credentials, flow: AuthFlow) -> Result<LoginStep> {
        let username = credentials.username();
        let device = match &self.inner.devices {
            Some(store) => store.load(username)?,
            None => None,
        };
        if device.is_none() {
            return self.login_on(credentials, flow, None).await;
        }
        match self.login_on(credentials, flow, device).await {
            Err(e) if device_gone(&e) => {
                tracing::info!(
                    "the pool no longer knows the remembered device; logging in without it"
                );
                if let Some(store) = &self.inner.devices {
                    store.forget(username)?;
                }
                self.login_on(credentials, flow, None).await
            }
            other => other,
        }
    }

    /// One login attempt, naming `device` if there is one.
    async fn login_on(
        &self,
        credentials: &Credentials,
        flow: AuthFlow,
        device: Option<RememberedDevice>,
    ) -> Result<LoginStep> {
        let username = credentials.username();
        let device_key = device.as_ref().map(|d| d.device_key.clone());
        let mut params = HashMap::from([("USERNAME".to_owned(), username.to_owned())]);
        if let Some(h) = self.secret_hash(username) {
            params.insert("SECRET_HASH".to_owned(), h);
        }
        if let Some(k) = &device_key {
            params.insert("DEVICE_KEY".to_owned(), k.clone());
        }
        let pending = Pending {
            client: self.clone(),
            username: username.to_owned(),
            session: None,
            parameters: HashMap::new(),
            device,
            login_name: username.to_owned(),
        };
        match flow {
            AuthFlow::UserPassword => {
                params.insert("PASSWORD".to_owned(), credentials.password().to_owned());
                let answer = self
                    .initiate(AuthFlowType::UserPasswordAuth, &params)
                    .await?;
                self.advance(pending, answer).await
            }
            AuthFlow::UserSrp => {
                let (srp, answer) = self
                    .with_retry("InitiateAuth", || {
                        let mut params = params.clone();
                        async move {
                            // A fresh `a` for every attempt: SRP_A is never reused.
                            let srp = cognate_srp::SrpClient::new(&mut cognate_srp::os_rng())?;
                            params.insert("SRP_A".to_owned(), srp.srp_a());
                            let answer = self
                                .initiate_once(AuthFlowType::UserSrpAuth, params)
                                .await?;
                            Ok((srp, answer))
                        }
                    })
                    .await?;
                self.answer_password_verifier(pending, &srp, credentials.password(), answer)
                    .await
            }
        }
    }

    /// Answers `PASSWORD_VERIFIER` (when `answer` is one) with the SRP proof of `password`
    /// made with `srp` (whose `SRP_A` started the exchange), and moves the login on.
    pub(crate) async fn answer_password_verifier(
        &self,
        mut pending: Pending,
        srp: &cognate_srp::SrpClient,
        password: &str,
        answer: AuthAnswer,
    ) -> Result<LoginStep> {
        let username = pending.login_name.clone();
        let username = username.as_str();
        if answer.challenge != Some(ChallengeNameType::PasswordVerifier) {
            return self.advance(pending, answer).await;
        }
        let p = &answer.parameters;
        let get = |k: &str| {
            p.get(k)
                .map(String::as_str)
                .ok_or_else(|| Error::protocol(format!("PASSWORD_VERIFIER without {k}")))
        };
        let user_id = p
            .get("USER_ID_FOR_SRP")
            .cloned()
            .unwrap_or_else(|| username.to_owned());
        let secret_block = lenient_base64(get("SECRET_BLOCK")?);
        let challenge = cognate_srp::PasswordVerifierChallenge {
            pool_name: cognate_srp::pool_name(self.user_pool_id())?,
            user_id_for_srp: &user_id,
            srp_b: get("SRP_B")?,
            salt: get("SALT")?,
            secret_block: &secret_block,
        };
        let now = cognate_srp::Timestamp::from_unix(self.inner.clock.now_secs());
        let claim = srp.respond(&challenge, password, &now)?;
        let responses = HashMap::from([
            (
                "PASSWORD_CLAIM_SECRET_BLOCK".to_owned(),
                get("SECRET_BLOCK")?.to_owned(),
            ),
            ("PASSWORD_CLAIM_SIGNATURE".to_owned(), claim.signature),
            ("TIMESTAMP".to_owned(), claim.timestamp),
        ]);
        // Answer USERNAME with USER_ID_FOR_SRP, as amazon-cognito-identity-js does (in
        // Cognito it is the same internal name as the challenge's USERNAME).
        let challenge_username = p.get("USERNAME").cloned();
        pending.username = user_id.clone();
        pending.session = answer.session;
        let next = match self
            .respond(
                &pending,
                ChallengeNameType::PasswordVerifier,
                responses.clone(),
            )
            .await
        {
            // A server whose USER_ID_FOR_SRP is not a user name it can look up (moto
            // sends the sub): answer once more with the challenge's USERNAME, as
            // pycognito does.
            Err(e)
                if e.is_user_not_found()
                    && challenge_username.as_ref().is_some_and(|u| *u != user_id) =>
            {
                pending.username = challenge_username.unwrap_or_default();
                self.respond(&pending, ChallengeNameType::PasswordVerifier, responses)
                    .await?
            }
            other => other?,
        };
        self.advance(pending, next).await
    }

    async fn initiate_once(
        &self,
        flow: AuthFlowType,
        params: HashMap<String, String>,
    ) -> Result<AuthAnswer> {
        let out = self
            .sdk()
            .initiate_auth()
            .auth_flow(flow)
            .client_id(self.client_id())
            .set_auth_parameters(Some(params))
            .send()
            .await
            .map_err(from_sdk)?;
        Ok(answer_from!(&out))
    }

    pub(crate) async fn initiate(
        &self,
        flow: AuthFlowType,
        params: &HashMap<String, String>,
    ) -> Result<AuthAnswer> {
        self.with_retry("InitiateAuth", || {
            self.initiate_once(flow.clone(), params.clone())
        })
        .await
    }

    /// RespondToAuthChallenge, adding `USERNAME`, `SECRET_HASH`, `DEVICE_KEY` and the session.
    pub(crate) async fn respond(
        &self,
        pending: &Pending,
        name: ChallengeNameType,
        mut responses: HashMap<String, String>,
    ) -> Result<AuthAnswer> {
        let username = responses
            .entry("USERNAME".to_owned())
            .or_insert_with(|| pending.username.clone())
            .clone();
        if let Some(h) = self.secret_hash(&username) {
            responses.entry("SECRET_HASH".to_owned()).or_insert(h);
        }
        if let Some(d) = &pending.device {
            responses
                .entry("DEVICE_KEY".to_owned())
                .or_insert_with(|| d.device_key.clone());
        }
        self.with_retry("RespondToAuthChallenge", || async {
            let out = self
                .sdk()
                .respond_to_auth_challenge()
                .client_id(self.client_id())
                .challenge_name(name.clone())
                .set_session(pending.session.clone())
                .set_challenge_responses(Some(responses.clone()))
                .send()
                .await
                .map_err(from_sdk)?;
            Ok(answer_from!(&out))
        })
        .await
    }

    /// Moves a login on from an answer: finishes it, answers device challenges by itself, or
    /// hands a challenge to the caller.
    pub(crate) async fn advance(
        &self,
        mut pending: Pending,
        mut answer: AuthAnswer,
    ) -> Result<LoginStep> {
        loop {
            if let Some(result) = answer.result.take() {
                return self
                    .finish(&pending, result)
                    .await
                    .map(|t| LoginStep::Authenticated(Box::new(t)));
            }
            let name = answer
                .challenge
                .take()
                .ok_or_else(|| Error::protocol("neither tokens nor a challenge in the answer"))?;
            if let Some(u) = answer.parameters.get("USERNAME") {
                pending.username = u.clone();
            }
            pending.session = answer.session.take().or(pending.session);
            pending.parameters = std::mem::take(&mut answer.parameters);
            let params = &pending.parameters;
            let destination = params.get("CODE_DELIVERY_DESTINATION").cloned();
            let delivery_medium = params.get("CODE_DELIVERY_DELIVERY_MEDIUM").cloned();
            let code = |kind: ChallengeNameType, pending: Pending| CodeChallenge {
                destination,
                delivery_medium,
                kind,
                pending: Box::new(pending),
            };
            let challenge = match name {
                ChallengeNameType::DeviceSrpAuth if pending.device.is_some() => {
                    answer = self.answer_device_srp(&pending).await?;
                    continue;
                }
                ChallengeNameType::NewPasswordRequired => {
                    let required = json_list(params.get("requiredAttributes"))
                        .into_iter()
                        .map(|a| {
                            a.strip_prefix("userAttributes.")
                                .map(str::to_owned)
                                .unwrap_or(a)
                        })
                        .collect();
                    let user_attributes = params
                        .get("userAttributes")
                        .and_then(|s| {
                            serde_json::from_str::<BTreeMap<String, serde_json::Value>>(s).ok()
                        })
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(k, v)| {
                            let v = match v {
                                serde_json::Value::String(s) => s,
                                other => other.to_string(),
                            };
                            (k, v)
                        })
                        .collect();
                    Challenge::NewPasswordRequired(NewPasswordRequired {
                        required_attributes: required,
                        user_attributes,
                        pending: Box::new(pending),
                    })
                }
                ChallengeNameType::SoftwareTokenMfa => {
                    Challenge::SoftwareTokenMfa(code(name, pending))
                }
                ChallengeNameType::SmsMfa => Challenge::SmsMfa(code(name, pending)),
                ChallengeNameType::EmailOtp => Challenge::EmailOtp(code(name, pending)),
                ChallengeNameType::SmsOtp => Challenge::SmsOtp(code(name, pending)),
                ChallengeNameType::SelectChallenge => {
                    Challenge::SelectChallenge(crate::user_auth::SelectChallenge::new(
                        std::mem::take(&mut answer.available),
                        pending,
                    ))
                }
                ChallengeNameType::WebAuthn => {
                    Challenge::WebAuthn(crate::user_auth::WebAuthnChallenge::new(
                        params.get("CREDENTIAL_REQUEST_OPTIONS").cloned(),
                        pending,
                    )?)
                }
                ChallengeNameType::SelectMfaType => Challenge::SelectMfaType(SelectMfaType {
                    options: json_list(params.get("MFAS_CAN_CHOOSE"))
                        .iter()
                        .map(|s| MfaType::parse(s))
                        .collect(),
                    pending: Box::new(pending),
                }),
                ChallengeNameType::MfaSetup => Challenge::MfaSetup(MfaSetup {
                    options: json_list(params.get("MFAS_CAN_SETUP"))
                        .iter()
                        .map(|s| MfaType::parse(s))
                        .collect(),
                    pending: Box::new(pending),
                }),
                other => Challenge::Other(OtherChallenge {
                    name: other.as_str().to_owned(),
                    parameters: params.clone(),
                    pending: Box::new(pending),
                }),
            };
            return Ok(LoginStep::Challenge(challenge));
        }
    }

    /// DEVICE_SRP_AUTH then DEVICE_PASSWORD_VERIFIER with the remembered device's secret.
    async fn answer_device_srp(&self, pending: &Pending) -> Result<AuthAnswer> {
        let device = pending
            .device
            .as_ref()
            .ok_or_else(|| Error::protocol("DEVICE_SRP_AUTH without a remembered device"))?;
        let srp = cognate_srp::SrpClient::new(&mut cognate_srp::os_rng())?;
        let r = HashMap::from([("SRP_A".to_owned(), srp.srp_a())]);
        let answer = self
            .respond(pending, ChallengeNameType::DeviceSrpAuth, r)
            .await?;
        if answer.challenge != Some(ChallengeNameType::DevicePasswordVerifier) {
            return Ok(answer);
        }
        let p = &answer.parameters;
        let get = |k: &str| {
            p.get(k)
                .map(String::as_str)
                .ok_or_else(|| Error::protocol(format!("DEVICE_PASSWORD_VERIFIER without {k}")))
        };
        let challenge = cognate_srp::PasswordVerifierChallenge {
            pool_name: &device.device_group_key,
            user_id_for_srp: &device.device_key,
            srp_b: get("SRP_B")?,
            salt: get("SALT")?,
            secret_block: get("SECRET_BLOCK")?,
        };
        let now = cognate_srp::Timestamp::from_unix(self.inner.clock.now_secs());
        let claim = srp.respond(&challenge, device.password(), &now)?;
        let responses = HashMap::from([
            (
                "PASSWORD_CLAIM_SECRET_BLOCK".to_owned(),
                get("SECRET_BLOCK")?.to_owned(),
            ),
            ("PASSWORD_CLAIM_SIGNATURE".to_owned(), claim.signature),
            ("TIMESTAMP".to_owned(), claim.timestamp),
        ]);
        let mut next = pending_clone(pending);
        if let Some(u) = p.get("USERNAME") {
            next.username = u.clone();
        }
        next.session = answer.session.clone().or(next.session);
        self.respond(&next, ChallengeNameType::DevicePasswordVerifier, responses)
            .await
    }

    async fn finish(
        &self,
        pending: &Pending,
        result: AuthenticationResultType,
    ) -> Result<TokenSet> {
        let access = result
            .access_token()
            .ok_or_else(|| Error::protocol("no AccessToken in the authentication result"))?;
        let id = result
            .id_token()
            .ok_or_else(|| Error::protocol("no IdToken in the authentication result"))?;
        let tokens = TokenSet::from_jwts(
            access,
            id,
            result.refresh_token(),
            self.inner.clock.now_secs(),
        )?;
        if let (Some(meta), Some(store)) = (result.new_device_metadata(), &self.inner.devices)
            && let (Some(key), Some(group)) = (meta.device_key(), meta.device_group_key())
        {
            {
                match self.confirm_device(&tokens, key, group).await {
                    Ok(device) => store.save(&pending.login_name, &device)?,
                    Err(e) => tracing::warn!(error = %e, "could not confirm the new device"),
                }
            }
        }
        Ok(tokens)
    }
}

/// `SECRET_BLOCK` as the SRP maths wants it: strict base64 as Cognito sends it is kept; anything
/// else is read the way the JavaScript and Python libraries read it (characters outside the
/// alphabet dropped, padding fixed), so servers that send other text (moto sends a UUID) work.
fn lenient_base64(s: &str) -> std::borrow::Cow<'_, str> {
    use base64::Engine;
    if base64::engine::general_purpose::STANDARD.decode(s).is_ok() {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut kept: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '/')
        .collect();
    if kept.len() % 4 == 1 {
        kept.pop();
    }
    while !kept.len().is_multiple_of(4) {
        kept.push('=');
    }
    std::borrow::Cow::Owned(kept)
}

/// `ResourceNotFoundException: Device does not exist.`: the device named was forgotten by the pool.
fn device_gone(e: &Error) -> bool {
    matches!(e, Error::Cognito { kind, message, .. }
        if kind == "ResourceNotFoundException" && message.contains("Device"))
}

/// A copy of the login state (the session and the device are shared by every branch).
fn pending_clone(p: &Pending) -> Pending {
    Pending {
        client: p.client.clone(),
        username: p.username.clone(),
        session: p.session.clone(),
        parameters: p.parameters.clone(),
        device: p.device.clone(),
        login_name: p.login_name.clone(),
    }
}
