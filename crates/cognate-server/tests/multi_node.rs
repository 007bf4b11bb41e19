//! Several servers ("nodes") on one PostgreSQL database, as behind a load balancer: they share
//! every record and name one public URL, so a client may reach any of them at each step. Each
//! node here is a server of its own (its own store, connection pool and caches) in this
//! process; `cognate-cli/tests/serve_postgres.rs` runs them as `cognate serve` processes.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use cognate_server::{Clock, ManualClock, RunningServer, Seed, Server};
use cognate_srp::{PasswordVerifierChallenge, SrpClient, Timestamp};
use common::idp_call;
use serde_json::{Value, json};

const POOL: &str = "us-east-1_Nodes12345";
const CLIENT: &str = "nodesclientaaaaaaaaaaaaaaa";
const ROTATING: &str = "nodesrotatingclientaaaaaaa";
const PASSWORD: &str = "Correct horse 1!";
const PUBLIC: &str = "https://cognito.example.test";

fn seed() -> Seed {
    Seed::from_toml(&format!(
        r#"
[[pools]]
id = "{POOL}"
name = "nodes"

[[pools.clients]]
name = "web"
id = "{CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.clients]]
name = "rotating"
id = "{ROTATING}"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH"]
RefreshTokenRotation = {{ Feature = "ENABLED", RetryGracePeriodSeconds = 0 }}

[[pools.users]]
username = "alice"
password = "{PASSWORD}"
"#
    ))
    .unwrap()
}

/// Two nodes on one fresh database, one after the other (the first applies the seed; the
/// second finds it applied), sharing `clock`.
async fn two_nodes(clock: Arc<dyn Clock>) -> (RunningServer, RunningServer) {
    two_nodes_opened(clock, false).await
}

/// [`two_nodes`]; with `given`, each node is given a store of its own on the database
/// (`ServerBuilder::store`) instead of opening it (`ServerBuilder::database`).
async fn two_nodes_opened(clock: Arc<dyn Clock>, given: bool) -> (RunningServer, RunningServer) {
    let url = common::postgres::shared_database();
    let node = || {
        let builder = if given {
            let store = cognate_server::store::PostgresStore::open(&url).unwrap();
            Server::builder().store(Arc::new(store))
        } else {
            Server::builder().database(url.clone())
        };
        builder
            .public_url(PUBLIC)
            .clock(clock.clone())
            .bind("127.0.0.1:0")
            .seed_data(seed())
            .start()
    };
    let a = node().await.unwrap();
    let b = node().await.unwrap();
    (a, b)
}

fn system() -> Arc<dyn Clock> {
    Arc::new(cognate_server::SystemClock)
}

async fn password_login(node: &RunningServer, client: &str) -> Value {
    idp_call(
        &node.endpoint_url(),
        "InitiateAuth",
        json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client,
               "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD}}),
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_srp_login_started_on_one_node_is_answered_on_the_other_once() {
    let (a, b) = two_nodes(system()).await;
    let srp = SrpClient::new(&mut cognate_srp::os_rng()).unwrap();
    let start = idp_call(
        &a.endpoint_url(),
        "InitiateAuth",
        json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": CLIENT,
               "AuthParameters": {"USERNAME": "alice", "SRP_A": srp.srp_a()}}),
    )
    .await
    .unwrap();
    let p = &start["ChallengeParameters"];
    let claim = srp
        .respond(
            &PasswordVerifierChallenge {
                pool_name: cognate_srp::pool_name(POOL).unwrap(),
                user_id_for_srp: p["USER_ID_FOR_SRP"].as_str().unwrap(),
                srp_b: p["SRP_B"].as_str().unwrap(),
                salt: p["SALT"].as_str().unwrap(),
                secret_block: p["SECRET_BLOCK"].as_str().unwrap(),
            },
            PASSWORD,
            &Timestamp::now(),
        )
        .unwrap();
    let answer = json!({"ClientId": CLIENT, "ChallengeName": "PASSWORD_VERIFIER",
           "ChallengeResponses": {"USERNAME": "alice",
               "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
               "PASSWORD_CLAIM_SIGNATURE": claim.signature,
               "TIMESTAMP": claim.timestamp}});
    let done = idp_call(&b.endpoint_url(), "RespondToAuthChallenge", answer.clone())
        .await
        .unwrap();
    let id = common::claims(done["AuthenticationResult"]["IdToken"].as_str().unwrap());
    assert_eq!(id["iss"], format!("{PUBLIC}/{POOL}"));
    // The SECRET_BLOCK was used: replayed on either node, it is refused.
    for node in [&a, &b] {
        assert_eq!(
            idp_call(
                &node.endpoint_url(),
                "RespondToAuthChallenge",
                answer.clone()
            )
            .await,
            Err((
                "NotAuthorizedException".into(),
                "Incorrect username or password.".into()
            ))
        );
    }
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_of_one_node_work_on_the_other() {
    let (a, b) = two_nodes(system()).await;
    let login = password_login(&a, CLIENT).await;
    let result = &login["AuthenticationResult"];
    // The access token minted by A is accepted by B (same issuer, same keys).
    let me = idp_call(
        &b.endpoint_url(),
        "GetUser",
        json!({"AccessToken": result["AccessToken"]}),
    )
    .await
    .unwrap();
    assert_eq!(me["Username"], "alice");
    // A's refresh token works on B, and B's tokens name the same issuer.
    let refreshed = idp_call(
        &b.endpoint_url(),
        "InitiateAuth",
        json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": CLIENT,
               "AuthParameters": {"REFRESH_TOKEN": result["RefreshToken"]}}),
    )
    .await
    .unwrap();
    let access = refreshed["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap();
    assert_eq!(common::claims(access)["iss"], format!("{PUBLIC}/{POOL}"));
    assert_eq!(a.issuer(POOL), b.issuer(POOL));
    // Signed out on B: A refuses the access token too.
    idp_call(
        &b.endpoint_url(),
        "GlobalSignOut",
        json!({"AccessToken": result["AccessToken"]}),
    )
    .await
    .unwrap();
    let (kind, _) = idp_call(
        &a.endpoint_url(),
        "GetUser",
        json!({"AccessToken": result["AccessToken"]}),
    )
    .await
    .unwrap_err();
    assert_eq!(kind, "NotAuthorizedException");
    a.shutdown().await;
    b.shutdown().await;
}

/// Discovery and JWKS: every node names the public URL, and serves the same keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_node_names_the_public_url_and_serves_the_same_keys() {
    let (a, b) = two_nodes(system()).await;
    let get = |node: &RunningServer, path: &str| {
        let url = format!("{}/{POOL}/{path}", node.endpoint_url());
        async move {
            reqwest::get(url)
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let (da, db) = (
        get(&a, ".well-known/openid-configuration").await,
        get(&b, ".well-known/openid-configuration").await,
    );
    assert_eq!(da["issuer"], format!("{PUBLIC}/{POOL}"));
    assert_eq!(
        da["jwks_uri"],
        format!("{PUBLIC}/{POOL}/.well-known/jwks.json")
    );
    assert_eq!(da, db);
    assert_eq!(
        get(&a, ".well-known/jwks.json").await,
        get(&b, ".well-known/jwks.json").await
    );
    a.shutdown().await;
    b.shutdown().await;
}

/// Wrong passwords on A and B, one after the other, count as one series: after five the user
/// is locked out on both, the right password included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lockout_counts_attempts_on_every_node() {
    let clock = Arc::new(ManualClock::starting_now());
    let (a, b) = two_nodes(clock.clone()).await;
    for i in 0..5 {
        let node = if i % 2 == 0 { &a } else { &b };
        let (_, message) = idp_call(
            &node.endpoint_url(),
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT,
                   "AuthParameters": {"USERNAME": "alice", "PASSWORD": format!("Wrong guess {i}!")}}),
        )
        .await
        .unwrap_err();
        assert_eq!(message, "Incorrect username or password.", "attempt {i}");
    }
    for node in [&a, &b] {
        let (kind, message) = idp_call(
            &node.endpoint_url(),
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT,
                   "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD}}),
        )
        .await
        .unwrap_err();
        assert_eq!(
            (kind.as_str(), message.as_str()),
            ("NotAuthorizedException", "Password attempts exceeded")
        );
    }
    // The lockout (one second after five failures) over: the right password, on B.
    clock.advance(2);
    password_login(&b, CLIENT).await;
    a.shutdown().await;
    b.shutdown().await;
}

/// One refresh token of a rotating client (no grace period) used 40 times at once, half on
/// each node: exactly one call gets new tokens, the others RefreshTokenReuseException.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_rotations_across_nodes_succeed_once() {
    let (a, b) = two_nodes(system()).await;
    let login = password_login(&a, ROTATING).await;
    let refresh = login["AuthenticationResult"]["RefreshToken"].clone();
    let urls = [a.endpoint_url(), b.endpoint_url()];
    let calls: Vec<_> = (0..40)
        .map(|i| {
            let url = urls[i % 2].clone();
            let refresh = refresh.clone();
            tokio::spawn(async move {
                idp_call(
                    &url,
                    "GetTokensFromRefreshToken",
                    json!({"ClientId": ROTATING, "RefreshToken": refresh}),
                )
                .await
            })
        })
        .collect();
    let mut ok = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(v) => {
                assert!(v["AuthenticationResult"]["RefreshToken"].is_string());
                ok += 1;
            }
            Err((kind, _)) => assert_eq!(kind, "RefreshTokenReuseException"),
        }
    }
    assert_eq!(ok, 1);
    a.shutdown().await;
    b.shutdown().await;
}

/// One user name signed up 20 times at once, half on each node: one user, and
/// UsernameExistsException for every other call.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_user_signed_up_on_two_nodes_at_once_exists_once() {
    let (a, b) = two_nodes(system()).await;
    let urls = [a.endpoint_url(), b.endpoint_url()];
    let calls: Vec<_> = (0..20)
        .map(|i| {
            let url = urls[i % 2].clone();
            tokio::spawn(async move {
                idp_call(
                    &url,
                    "SignUp",
                    json!({"ClientId": CLIENT, "Username": "bob", "Password": PASSWORD}),
                )
                .await
            })
        })
        .collect();
    let (mut created, mut exists) = (0, 0);
    for call in calls {
        match call.await.unwrap() {
            Ok(v) => {
                assert!(v["UserSub"].is_string());
                created += 1;
            }
            Err((kind, _)) => {
                assert_eq!(kind, "UsernameExistsException");
                exists += 1;
            }
        }
    }
    assert_eq!((created, exists), (1, 19));
    a.shutdown().await;
    b.shutdown().await;
}

/// 64 wrong passwords at once, half on each node (the clock stands still): exactly the five
/// failures the lockout allows are checked across both nodes; every other attempt is
/// "Password attempts exceeded".
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_wrong_passwords_over_two_nodes_gets_five_guesses() {
    let (a, b) = two_nodes(Arc::new(ManualClock::starting_now())).await;
    let urls = [a.endpoint_url(), b.endpoint_url()];
    let calls: Vec<_> = (0..64)
        .map(|i| {
            let url = urls[i % 2].clone();
            tokio::spawn(async move {
                idp_call(
                    &url,
                    "InitiateAuth",
                    json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT,
                           "AuthParameters": {"USERNAME": "alice", "PASSWORD": format!("Wrong guess {i}!")}}),
                )
                .await
            })
        })
        .collect();
    let (mut checked, mut refused) = (0, 0);
    for call in calls {
        match call.await.unwrap() {
            Err((kind, message)) => {
                assert_eq!(kind, "NotAuthorizedException");
                match message.as_str() {
                    "Incorrect username or password." => checked += 1,
                    "Password attempts exceeded" => refused += 1,
                    other => panic!("{other}"),
                }
            }
            Ok(v) => panic!("a wrong password logged in: {v}"),
        }
    }
    assert_eq!((checked, refused), (5, 59));
    a.shutdown().await;
    b.shutdown().await;
}

/// No node answers from a stale copy of what another node changed: after node A has served
/// the client, the pool and the user (so that any cache of A's would hold them), node B
/// changes each, and A's very next answer follows B's change — the client's token validity
/// and auth flows, the pool's password policy, the user's status. (A's per-process cache of
/// pools and clients would fail it; it is off on PostgreSQL.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_one_node_is_what_the_other_answers_at_once() {
    let (a, b) = two_nodes(system()).await;
    a_answers_what_b_changed(a, b).await;
}

/// The same with nodes given their `PostgresStore` (`ServerBuilder::store`, the library's way
/// to choose a store): the cache stays off there too (the store says it is shared). Before,
/// only `ServerBuilder::database` turned it off, and A answered with the old client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_given_their_store_answer_what_the_other_changed_too() {
    let (a, b) = two_nodes_opened(system(), true).await;
    a_answers_what_b_changed(a, b).await;
}

async fn a_answers_what_b_changed(a: RunningServer, b: RunningServer) {
    let (on_a, on_b) = (a.endpoint_url(), b.endpoint_url());
    let login = password_login(&a, CLIENT).await;
    let lifetime = |login: &Value| {
        let claims = common::claims(
            login["AuthenticationResult"]["AccessToken"]
                .as_str()
                .unwrap(),
        );
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap()
    };
    assert_eq!(lifetime(&login), 3600);

    // The pool's groups and session settings, which a node keeps under the pool's stamp: A has
    // just read them (no groups, no settings); what B changes is what A's next answer has.
    let groups = |login: &Value| {
        let id_token = login["AuthenticationResult"]["IdToken"].as_str().unwrap();
        common::claims(id_token)["cognito:groups"].clone()
    };
    assert_eq!(groups(&login), Value::Null);
    let session_tracking = || async {
        idp_call(
            &on_a,
            "GetUserPoolSessionConfiguration",
            json!({"UserPoolId": POOL}),
        )
        .await
        .unwrap()["UserSessionTracking"]
            .clone()
    };
    assert_eq!(session_tracking().await, "DISABLED");
    for (op, body) in [
        (
            "CreateGroup",
            json!({"UserPoolId": POOL, "GroupName": "admins"}),
        ),
        (
            "AdminAddUserToGroup",
            json!({"UserPoolId": POOL, "GroupName": "admins", "Username": "alice"}),
        ),
        (
            "SetUserPoolSessionConfiguration",
            json!({"UserPoolId": POOL, "UserSessionTracking": "ENABLED", "TokenSession": {"MaxPerUser": 5}}),
        ),
    ] {
        idp_call(&on_b, op, body).await.unwrap();
    }
    assert_eq!(groups(&password_login(&a, CLIENT).await), json!(["admins"]));
    assert_eq!(session_tracking().await, "ENABLED");
    idp_call(
        &on_b,
        "DeleteGroup",
        json!({"UserPoolId": POOL, "GroupName": "admins"}),
    )
    .await
    .unwrap();
    assert_eq!(groups(&password_login(&a, CLIENT).await), Value::Null);

    // The client: access tokens for five minutes, then no USER_PASSWORD_AUTH.
    let client = |flows: Value| {
        json!({"UserPoolId": POOL, "ClientId": CLIENT, "ExplicitAuthFlows": flows,
               "AccessTokenValidity": 5, "TokenValidityUnits": {"AccessToken": "minutes"}})
    };
    idp_call(
        &on_b,
        "UpdateUserPoolClient",
        client(json!([
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH"
        ])),
    )
    .await
    .unwrap();
    assert_eq!(lifetime(&password_login(&a, CLIENT).await), 300);
    idp_call(
        &on_b,
        "UpdateUserPoolClient",
        client(json!(["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])),
    )
    .await
    .unwrap();
    let refused = idp_call(
        &on_a,
        "InitiateAuth",
        json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT,
               "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD}}),
    )
    .await
    .unwrap_err();
    assert_eq!(refused.0, "InvalidParameterException", "{refused:?}");

    // The pool: a password A took is too short once B asks for 20 characters.
    let set_password = |password: &str| json!({"UserPoolId": POOL, "Username": "alice", "Password": password, "Permanent": true});
    idp_call(
        &on_a,
        "AdminSetUserPassword",
        set_password("Correct horse 2!"),
    )
    .await
    .unwrap();
    idp_call(
        &on_b,
        "UpdateUserPool",
        json!({"UserPoolId": POOL, "Policies": {"PasswordPolicy": {"MinimumLength": 20}}}),
    )
    .await
    .unwrap();
    let refused = idp_call(
        &on_a,
        "AdminSetUserPassword",
        set_password("Correct horse 3!"),
    )
    .await
    .unwrap_err();
    assert_eq!(refused.0, "InvalidPasswordException", "{refused:?}");

    // The user: disabled on B, A's GetUser refuses the access token it had accepted.
    let access = login["AuthenticationResult"]["AccessToken"].clone();
    idp_call(&on_a, "GetUser", json!({"AccessToken": access}))
        .await
        .unwrap();
    idp_call(
        &on_b,
        "AdminDisableUser",
        json!({"UserPoolId": POOL, "Username": "alice"}),
    )
    .await
    .unwrap();
    let refused = idp_call(&on_a, "GetUser", json!({"AccessToken": access}))
        .await
        .unwrap_err();
    assert_eq!(refused.0, "NotAuthorizedException", "{refused:?}");
    a.shutdown().await;
    b.shutdown().await;
}
