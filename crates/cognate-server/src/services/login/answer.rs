//! What a step of a login answers: another challenge, or the end of the login — tokens
//! through the API, the authenticated user on the hosted pages. The API's handlers turn it
//! into the operation's response (`api::auth`), the hosted pages into their next page
//! (`services::oauth::hosted`).

use std::collections::BTreeMap;

use cognate_model::idp::types::ChallengeNameType;

use crate::model::User;
use crate::services::tokens::Tokens;

/// How a step of a login ends.
pub(crate) enum Answer {
    /// Another challenge.
    Challenge(Challenge),
    /// Every check passed, through the API: the login's tokens.
    Tokens(Box<Tokens>),
    /// Every check passed, on the hosted sign-in pages ([`super::Finish::Hosted`]): the user.
    /// There are no tokens: the pages go on with an authorization code.
    Authenticated(Box<User>),
}

/// A challenge as the API sends it.
pub(crate) struct Challenge {
    /// `ChallengeName`.
    pub name: ChallengeNameType,
    /// `Session`: the sealed login state the answer must carry (none for `PASSWORD_VERIFIER`
    /// after `USER_SRP_AUTH`, whose state travels in `SECRET_BLOCK`).
    pub session: Option<String>,
    /// `ChallengeParameters`.
    pub parameters: BTreeMap<String, String>,
    /// `AvailableChallenges` (`SELECT_CHALLENGE`).
    pub available: Option<Vec<ChallengeNameType>>,
}

impl Answer {
    /// Challenge `name` with its `session` and `parameters`.
    pub(crate) fn challenge<K: Into<String>>(
        name: ChallengeNameType,
        session: Option<String>,
        parameters: impl IntoIterator<Item = (K, String)>,
    ) -> Answer {
        Answer::Challenge(Challenge {
            name,
            session,
            parameters: parameters.into_iter().map(|(k, v)| (k.into(), v)).collect(),
            available: None,
        })
    }

    /// The end of a login through the API.
    pub(crate) fn tokens(tokens: Tokens) -> Answer {
        Answer::Tokens(Box::new(tokens))
    }

    /// The end of a login on the hosted pages.
    pub(crate) fn authenticated(user: &User) -> Answer {
        Answer::Authenticated(Box::new(user.clone()))
    }
}
