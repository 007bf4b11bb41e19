//! Groups, sign-out and brute-force lockout over the wire, driven by the official Rust SDK
//! (aws-sdk-cognitoidentityprovider): every group operation and its errors, the group claims
//! of both tokens and their order, GlobalSignOut / AdminUserGlobalSignOut (old access tokens
//! and refresh tokens refused, new logins fine), and the password lockout with a moved clock.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::config::{Credentials, Region};
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType,
};
use cognate_server::{ManualClock, RunningServer, Seed, Server};
use cognate_srp::{PasswordVerifierChallenge, SrpClient, Timestamp};
use serde_json::json;

const POOL: &str = "us-east-1_GroupsSO1";
const CLIENT: &str = "groupssignoutclientaaaaaaa";
const SAFE_CLIENT: &str = "groupssignoutsafeclientbbb";
const PASSWORD: &str = "Correct horse 1!";
const WRONG: &str = "Wrong horse 1!";
const ROLE_A: &str = "arn:aws:iam::123456789012:role/zeta-role";
const ROLE_B: &str = "arn:aws:iam::123456789012:role/alpha-role";
const ROLE_C: &str = "arn:aws:iam::123456789012:role/aardvark-role";

fn seed() -> Seed {
    let users: Vec<String> = ["alice", "bob", "carol", "dave", "erin", "frank"]
        .iter()
        .map(|u| format!("[[pools.users]]\nusername = \"{u}\"\npassword = \"{PASSWORD}\"\n"))
        .collect();
    Seed::from_toml(&format!(
        r#"
[[pools]]
id = "{POOL}"
name = "groups-signout"

[[pools.clients]]
name = "app"
id = "{CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.clients]]
name = "safe"
id = "{SAFE_CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
PreventUserExistenceErrors = "ENABLED"

{}"#,
        users.join("\n")
    ))
    .unwrap()
}

async fn start(clock: Arc<ManualClock>) -> (RunningServer, Client) {
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .clock(clock)
        .seed_data(seed())
        .start()
        .await
        .unwrap();
    let conf = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version_latest()
        .region(Region::new("us-east-1"))
        .endpoint_url(server.endpoint_url())
        // Admin operations are SigV4-signed: any credentials do.
        .credentials_provider(Credentials::new("local", "local", None, None, "test"))
        .build();
    (server, Client::from_conf(conf))
}

/// `(__type, message)` of a failed SDK call.
fn err<E: ProvideErrorMetadata, R: std::fmt::Debug>(r: Result<R, E>) -> (String, String) {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => (
            e.code().unwrap_or_default().to_owned(),
            e.message().unwrap_or_default().to_owned(),
        ),
    }
}

fn e(kind: &str, message: &str) -> (String, String) {
    (kind.to_owned(), message.to_owned())
}

use common::claims;

async fn password_login(
    sdk: &Client,
    client: &str,
    user: &str,
    password: &str,
) -> Result<AuthenticationResultType, (String, String)> {
    sdk.initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", user)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map(|o| o.authentication_result().unwrap().clone())
        .map_err(|e| {
            (
                e.code().unwrap_or_default().to_owned(),
                e.message().unwrap_or_default().to_owned(),
            )
        })
}

async fn admin_login(
    sdk: &Client,
    user: &str,
    password: &str,
) -> Result<AuthenticationResultType, (String, String)> {
    sdk.admin_initiate_auth()
        .user_pool_id(POOL)
        .client_id(CLIENT)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", user)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map(|o| o.authentication_result().unwrap().clone())
        .map_err(|e| {
            (
                e.code().unwrap_or_default().to_owned(),
                e.message().unwrap_or_default().to_owned(),
            )
        })
}

/// A whole USER_SRP_AUTH login with `password`.
async fn srp_login(
    sdk: &Client,
    user: &str,
    password: &str,
) -> Result<AuthenticationResultType, (String, String)> {
    let client = SrpClient::new(&mut cognate_srp::os_rng()).unwrap();
    let out = sdk
        .initiate_auth()
        .client_id(CLIENT)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", user)
        .auth_parameters("SRP_A", client.srp_a())
        .send()
        .await
        .unwrap();
    let p: &HashMap<String, String> = out.challenge_parameters().unwrap();
    let claim = client
        .respond(
            &PasswordVerifierChallenge {
                pool_name: cognate_srp::pool_name(POOL).unwrap(),
                user_id_for_srp: &p["USER_ID_FOR_SRP"],
                srp_b: &p["SRP_B"],
                salt: &p["SALT"],
                secret_block: &p["SECRET_BLOCK"],
            },
            password,
            &Timestamp::now(),
        )
        .unwrap();
    sdk.respond_to_auth_challenge()
        .client_id(CLIENT)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", user)
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"])
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", claim.signature)
        .challenge_responses("TIMESTAMP", claim.timestamp)
        .send()
        .await
        .map(|o| o.authentication_result().unwrap().clone())
        .map_err(|e| {
            (
                e.code().unwrap_or_default().to_owned(),
                e.message().unwrap_or_default().to_owned(),
            )
        })
}

async fn create_group(sdk: &Client, name: &str, precedence: Option<i32>, role: Option<&str>) {
    sdk.create_group()
        .user_pool_id(POOL)
        .group_name(name)
        .set_precedence(precedence)
        .set_role_arn(role.map(str::to_owned))
        .send()
        .await
        .unwrap();
}

async fn add(sdk: &Client, user: &str, group: &str) {
    sdk.admin_add_user_to_group()
        .user_pool_id(POOL)
        .username(user)
        .group_name(group)
        .send()
        .await
        .unwrap();
}

async fn groups_for(sdk: &Client, user: &str) -> Vec<String> {
    sdk.admin_list_groups_for_user()
        .user_pool_id(POOL)
        .username(user)
        .send()
        .await
        .unwrap()
        .groups()
        .iter()
        .map(|g| g.group_name().unwrap().to_owned())
        .collect()
}

async fn users_in(sdk: &Client, group: &str) -> Vec<String> {
    sdk.list_users_in_group()
        .user_pool_id(POOL)
        .group_name(group)
        .send()
        .await
        .unwrap()
        .users()
        .iter()
        .map(|u| u.username().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_operations_and_their_errors() {
    let clock = Arc::new(ManualClock::new(1_700_000_000));
    let (server, sdk) = start(clock.clone()).await;

    // CreateGroup answers the whole GroupType.
    let created = sdk
        .create_group()
        .user_pool_id(POOL)
        .group_name("admins")
        .description("The admins")
        .role_arn(ROLE_A)
        .precedence(1)
        .send()
        .await
        .unwrap();
    let g = created.group().unwrap();
    assert_eq!(g.group_name(), Some("admins"));
    assert_eq!(g.user_pool_id(), Some(POOL));
    assert_eq!(g.description(), Some("The admins"));
    assert_eq!(g.role_arn(), Some(ROLE_A));
    assert_eq!(g.precedence(), Some(1));
    assert_eq!(g.creation_date().unwrap().secs(), 1_700_000_000);
    assert_eq!(g.last_modified_date().unwrap().secs(), 1_700_000_000);

    // The wire shape: dates are epoch seconds as numbers, absent members absent.
    let (status, body) = common::idp_raw(
        &server.endpoint_url(),
        "CreateGroup",
        json!({"UserPoolId": POOL, "GroupName": "readers"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"Group": {"GroupName": "readers", "UserPoolId": POOL,
            "CreationDate": 1_700_000_000.0, "LastModifiedDate": 1_700_000_000.0}})
    );
    let (status, body) = common::idp_raw(
        &server.endpoint_url(),
        "CreateGroup",
        json!({"UserPoolId": POOL, "GroupName": "readers"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"__type": "GroupExistsException",
               "message": "A group with the name readers already exists."})
    );

    assert_eq!(
        err(sdk
            .create_group()
            .user_pool_id(POOL)
            .group_name("admins")
            .send()
            .await),
        e(
            "GroupExistsException",
            "A group with the name admins already exists."
        )
    );
    assert_eq!(
        err(sdk
            .create_group()
            .user_pool_id("us-east-1_Missing01")
            .group_name("admins")
            .send()
            .await),
        e(
            "ResourceNotFoundException",
            "User pool us-east-1_Missing01 does not exist."
        )
    );
    let bad_role = err(sdk
        .create_group()
        .user_pool_id(POOL)
        .group_name("x")
        .role_arn("not-an-arn")
        .send()
        .await);
    assert_eq!(bad_role.0, "InvalidParameterException");
    let bad_name = err(sdk
        .create_group()
        .user_pool_id(POOL)
        .group_name("has space")
        .send()
        .await);
    assert_eq!(bad_name.0, "InvalidParameterException");
    let bad_precedence = err(sdk
        .create_group()
        .user_pool_id(POOL)
        .group_name("x")
        .precedence(-1)
        .send()
        .await);
    assert_eq!(bad_precedence.0, "InvalidParameterException");

    // GetGroup.
    let got = sdk
        .get_group()
        .user_pool_id(POOL)
        .group_name("admins")
        .send()
        .await
        .unwrap();
    assert_eq!(got.group().unwrap().description(), Some("The admins"));
    assert_eq!(
        err(sdk
            .get_group()
            .user_pool_id(POOL)
            .group_name("nobody")
            .send()
            .await),
        e("ResourceNotFoundException", "Group not found.")
    );

    // ListGroups pages with Limit / NextToken, oldest first.
    create_group(&sdk, "writers", Some(3), None).await;
    let first = sdk
        .list_groups()
        .user_pool_id(POOL)
        .limit(2)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = first
        .groups()
        .iter()
        .map(|g| g.group_name().unwrap())
        .collect();
    assert_eq!(names, ["admins", "readers"]);
    let token = first.next_token().unwrap();
    let second = sdk
        .list_groups()
        .user_pool_id(POOL)
        .limit(2)
        .next_token(token)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = second
        .groups()
        .iter()
        .map(|g| g.group_name().unwrap())
        .collect();
    assert_eq!(names, ["writers"]);
    assert_eq!(second.next_token(), None);
    assert_eq!(
        err(sdk.list_groups().user_pool_id(POOL).limit(61).send().await).0,
        "InvalidParameterException"
    );

    // UpdateGroup changes what it is given and keeps the rest.
    clock.advance(60);
    let updated = sdk
        .update_group()
        .user_pool_id(POOL)
        .group_name("admins")
        .description("Still the admins")
        .precedence(7)
        .send()
        .await
        .unwrap();
    let g = updated.group().unwrap();
    assert_eq!(g.description(), Some("Still the admins"));
    assert_eq!(g.precedence(), Some(7));
    assert_eq!(g.role_arn(), Some(ROLE_A));
    assert_eq!(g.creation_date().unwrap().secs(), 1_700_000_000);
    assert_eq!(g.last_modified_date().unwrap().secs(), 1_700_000_060);
    assert_eq!(
        err(sdk
            .update_group()
            .user_pool_id(POOL)
            .group_name("nobody")
            .precedence(1)
            .send()
            .await),
        e("ResourceNotFoundException", "Group not found.")
    );

    // Memberships, and their errors.
    add(&sdk, "alice", "admins").await;
    add(&sdk, "alice", "admins").await; // again: no error
    add(&sdk, "alice", "writers").await;
    add(&sdk, "bob", "admins").await;
    assert_eq!(
        err(sdk
            .admin_add_user_to_group()
            .user_pool_id(POOL)
            .username("nobody")
            .group_name("admins")
            .send()
            .await),
        e("UserNotFoundException", "User does not exist.")
    );
    assert_eq!(
        err(sdk
            .admin_add_user_to_group()
            .user_pool_id(POOL)
            .username("alice")
            .group_name("nobody")
            .send()
            .await),
        e("ResourceNotFoundException", "Group not found.")
    );
    // writers (3) before admins (7).
    assert_eq!(groups_for(&sdk, "alice").await, ["writers", "admins"]);
    assert_eq!(users_in(&sdk, "admins").await, ["alice", "bob"]);
    let listed = sdk
        .list_users_in_group()
        .user_pool_id(POOL)
        .group_name("admins")
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.users().len(), 1);
    assert_eq!(listed.users()[0].username(), Some("alice"));
    assert_eq!(
        listed.users()[0].user_status().map(|s| s.as_str()),
        Some("CONFIRMED")
    );
    let rest = sdk
        .list_users_in_group()
        .user_pool_id(POOL)
        .group_name("admins")
        .limit(1)
        .next_token(listed.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.users()[0].username(), Some("bob"));
    assert_eq!(rest.next_token(), None);
    let paged = sdk
        .admin_list_groups_for_user()
        .user_pool_id(POOL)
        .username("alice")
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(paged.groups()[0].group_name(), Some("writers"));
    assert!(paged.next_token().is_some());
    assert_eq!(
        err(sdk
            .admin_list_groups_for_user()
            .user_pool_id(POOL)
            .username("nobody")
            .send()
            .await),
        e("UserNotFoundException", "User does not exist.")
    );
    assert_eq!(
        err(sdk
            .list_users_in_group()
            .user_pool_id(POOL)
            .group_name("nobody")
            .send()
            .await),
        e("ResourceNotFoundException", "Group not found.")
    );

    // AdminRemoveUserFromGroup.
    sdk.admin_remove_user_from_group()
        .user_pool_id(POOL)
        .username("alice")
        .group_name("writers")
        .send()
        .await
        .unwrap();
    assert_eq!(groups_for(&sdk, "alice").await, ["admins"]);
    assert_eq!(
        err(sdk
            .admin_remove_user_from_group()
            .user_pool_id(POOL)
            .username("nobody")
            .group_name("admins")
            .send()
            .await),
        e("UserNotFoundException", "User does not exist.")
    );
    assert_eq!(
        err(sdk
            .admin_remove_user_from_group()
            .user_pool_id(POOL)
            .username("alice")
            .group_name("nobody")
            .send()
            .await),
        e("ResourceNotFoundException", "Group not found.")
    );

    // Deleting a group deletes its memberships: a new group of the same name is empty.
    sdk.delete_group()
        .user_pool_id(POOL)
        .group_name("admins")
        .send()
        .await
        .unwrap();
    assert_eq!(
        err(sdk
            .delete_group()
            .user_pool_id(POOL)
            .group_name("admins")
            .send()
            .await),
        e("ResourceNotFoundException", "Group not found.")
    );
    assert!(groups_for(&sdk, "alice").await.is_empty());
    create_group(&sdk, "admins", None, None).await;
    assert!(users_in(&sdk, "admins").await.is_empty());

    // Deleting a user deletes its memberships: a new user of the same name is in no group.
    add(&sdk, "dave", "writers").await;
    assert_eq!(users_in(&sdk, "writers").await, ["dave"]);
    sdk.admin_delete_user()
        .user_pool_id(POOL)
        .username("dave")
        .send()
        .await
        .unwrap();
    assert!(users_in(&sdk, "writers").await.is_empty());
    sdk.admin_create_user()
        .user_pool_id(POOL)
        .username("dave")
        .send()
        .await
        .unwrap();
    assert!(groups_for(&sdk, "dave").await.is_empty());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_claims_in_both_tokens_ordered_by_precedence() {
    let clock = Arc::new(ManualClock::starting_now());
    let (server, sdk) = start(clock.clone()).await;

    // No groups: no group claims at all.
    let tokens = password_login(&sdk, CLIENT, "alice", PASSWORD)
        .await
        .unwrap();
    for t in [tokens.access_token().unwrap(), tokens.id_token().unwrap()] {
        let c = claims(t);
        for claim in ["cognito:groups", "cognito:roles", "cognito:preferred_role"] {
            assert!(c.get(claim).is_none(), "{claim} in {c}");
        }
    }

    create_group(&sdk, "beta", None, None).await;
    create_group(&sdk, "gamma", Some(5), None).await;
    create_group(&sdk, "alpha", Some(5), Some(ROLE_B)).await;
    create_group(&sdk, "aardvark", None, Some(ROLE_C)).await;
    create_group(&sdk, "zeta", Some(0), Some(ROLE_A)).await;
    for g in ["beta", "gamma", "alpha", "aardvark", "zeta"] {
        add(&sdk, "alice", g).await;
    }
    let order = ["zeta", "alpha", "gamma", "aardvark", "beta"];
    assert_eq!(groups_for(&sdk, "alice").await, order);

    for tokens in [
        password_login(&sdk, CLIENT, "alice", PASSWORD)
            .await
            .unwrap(),
        srp_login(&sdk, "alice", PASSWORD).await.unwrap(),
    ] {
        let access = claims(tokens.access_token().unwrap());
        let id = claims(tokens.id_token().unwrap());
        assert_eq!(access["cognito:groups"], json!(order));
        assert_eq!(id["cognito:groups"], json!(order));
        assert_eq!(id["cognito:roles"], json!([ROLE_A, ROLE_B, ROLE_C]));
        assert_eq!(id["cognito:preferred_role"], json!(ROLE_A));
        assert!(access.get("cognito:roles").is_none());
        assert!(access.get("cognito:preferred_role").is_none());
    }

    // Refresh reads the groups again.
    let tokens = password_login(&sdk, CLIENT, "alice", PASSWORD)
        .await
        .unwrap();
    sdk.admin_remove_user_from_group()
        .user_pool_id(POOL)
        .username("alice")
        .group_name("zeta")
        .send()
        .await
        .unwrap();
    let refreshed = sdk
        .initiate_auth()
        .client_id(CLIENT)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", tokens.refresh_token().unwrap())
        .send()
        .await
        .unwrap();
    let r = refreshed.authentication_result().unwrap();
    let id = claims(r.id_token().unwrap());
    assert_eq!(
        claims(r.access_token().unwrap())["cognito:groups"],
        json!(["alpha", "gamma", "aardvark", "beta"])
    );
    assert_eq!(id["cognito:roles"], json!([ROLE_B, ROLE_C]));
    assert_eq!(id["cognito:preferred_role"], json!(ROLE_B));

    // Two groups of the same best precedence with different roles: no preferred role.
    create_group(
        &sdk,
        "t2",
        Some(2),
        Some("arn:aws:iam::123456789012:role/t2"),
    )
    .await;
    create_group(
        &sdk,
        "t1",
        Some(2),
        Some("arn:aws:iam::123456789012:role/t1"),
    )
    .await;
    add(&sdk, "bob", "t2").await;
    add(&sdk, "bob", "t1").await;
    let id = claims(
        password_login(&sdk, CLIENT, "bob", PASSWORD)
            .await
            .unwrap()
            .id_token()
            .unwrap(),
    );
    assert_eq!(id["cognito:groups"], json!(["t1", "t2"]));
    assert_eq!(
        id["cognito:roles"],
        json!([
            "arn:aws:iam::123456789012:role/t1",
            "arn:aws:iam::123456789012:role/t2"
        ])
    );
    assert!(id.get("cognito:preferred_role").is_none(), "{id}");
    // ... with the same role: that role.
    sdk.update_group()
        .user_pool_id(POOL)
        .group_name("t2")
        .role_arn("arn:aws:iam::123456789012:role/t1")
        .send()
        .await
        .unwrap();
    let id = claims(
        password_login(&sdk, CLIENT, "bob", PASSWORD)
            .await
            .unwrap()
            .id_token()
            .unwrap(),
    );
    assert_eq!(
        id["cognito:roles"],
        json!(["arn:aws:iam::123456789012:role/t1"])
    );
    assert_eq!(
        id["cognito:preferred_role"],
        json!("arn:aws:iam::123456789012:role/t1")
    );
    server.shutdown().await;
}

async fn get_user(sdk: &Client, access: &str) -> Result<String, (String, String)> {
    sdk.get_user()
        .access_token(access)
        .send()
        .await
        .map(|o| o.username().to_owned())
        .map_err(|e| {
            (
                e.code().unwrap_or_default().to_owned(),
                e.message().unwrap_or_default().to_owned(),
            )
        })
}

async fn refresh(sdk: &Client, token: &str) -> Result<(), (String, String)> {
    sdk.initiate_auth()
        .client_id(CLIENT)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", token)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            (
                e.code().unwrap_or_default().to_owned(),
                e.message().unwrap_or_default().to_owned(),
            )
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_sign_out_ends_every_login_of_the_user() {
    // The clock never moves here: the new login is in the same second as the sign-out.
    let clock = Arc::new(ManualClock::starting_now());
    let (server, sdk) = start(clock.clone()).await;
    let revoked_access = e("NotAuthorizedException", "Access Token has been revoked");
    let revoked_refresh = e("NotAuthorizedException", "Refresh Token has been revoked");

    let one = password_login(&sdk, CLIENT, "alice", PASSWORD)
        .await
        .unwrap();
    let two = srp_login(&sdk, "alice", PASSWORD).await.unwrap();
    // A refreshed access token of the second login.
    let two_refreshed = sdk
        .get_tokens_from_refresh_token()
        .client_id(CLIENT)
        .refresh_token(two.refresh_token().unwrap())
        .send()
        .await
        .unwrap()
        .authentication_result()
        .unwrap()
        .access_token()
        .unwrap()
        .to_owned();
    let other = password_login(&sdk, CLIENT, "carol", PASSWORD)
        .await
        .unwrap();

    sdk.global_sign_out()
        .access_token(one.access_token().unwrap())
        .send()
        .await
        .unwrap();
    for access in [
        one.access_token().unwrap(),
        two.access_token().unwrap(),
        two_refreshed.as_str(),
    ] {
        assert_eq!(get_user(&sdk, access).await, Err(revoked_access.clone()));
    }
    for token in [one.refresh_token().unwrap(), two.refresh_token().unwrap()] {
        assert_eq!(refresh(&sdk, token).await, Err(revoked_refresh.clone()));
    }
    assert_eq!(
        err(sdk
            .get_tokens_from_refresh_token()
            .client_id(CLIENT)
            .refresh_token(one.refresh_token().unwrap())
            .send()
            .await),
        revoked_refresh
    );
    // A revoked access token cannot sign out again.
    assert_eq!(
        err(sdk
            .global_sign_out()
            .access_token(one.access_token().unwrap())
            .send()
            .await),
        revoked_access
    );
    assert_eq!(
        err(sdk
            .global_sign_out()
            .access_token("not.a.token")
            .send()
            .await),
        e("NotAuthorizedException", "Invalid Access Token")
    );
    // Other users are untouched; a new login (same second) works, and refreshes.
    assert_eq!(
        get_user(&sdk, other.access_token().unwrap()).await,
        Ok("carol".into())
    );
    let again = password_login(&sdk, CLIENT, "alice", PASSWORD)
        .await
        .unwrap();
    assert_eq!(
        get_user(&sdk, again.access_token().unwrap()).await,
        Ok("alice".into())
    );
    refresh(&sdk, again.refresh_token().unwrap()).await.unwrap();

    // AdminUserGlobalSignOut.
    let bob = admin_login(&sdk, "bob", PASSWORD).await.unwrap();
    sdk.admin_user_global_sign_out()
        .user_pool_id(POOL)
        .username("bob")
        .send()
        .await
        .unwrap();
    assert_eq!(
        get_user(&sdk, bob.access_token().unwrap()).await,
        Err(revoked_access.clone())
    );
    assert_eq!(
        refresh(&sdk, bob.refresh_token().unwrap()).await,
        Err(revoked_refresh.clone())
    );
    let bob = admin_login(&sdk, "bob", PASSWORD).await.unwrap();
    assert_eq!(
        get_user(&sdk, bob.access_token().unwrap()).await,
        Ok("bob".into())
    );
    assert_eq!(
        err(sdk
            .admin_user_global_sign_out()
            .user_pool_id(POOL)
            .username("nobody")
            .send()
            .await),
        e("UserNotFoundException", "User does not exist.")
    );
    assert_eq!(
        err(sdk
            .admin_user_global_sign_out()
            .user_pool_id("us-east-1_Missing01")
            .username("bob")
            .send()
            .await),
        e(
            "ResourceNotFoundException",
            "User pool us-east-1_Missing01 does not exist."
        )
    );
    // The login of alice made after her sign-out is still alive.
    assert_eq!(
        get_user(&sdk, again.access_token().unwrap()).await,
        Ok("alice".into())
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_passwords_lock_the_user_out_for_a_growing_time() {
    let clock = Arc::new(ManualClock::starting_now());
    let (server, sdk) = start(clock.clone()).await;
    let wrong = e("NotAuthorizedException", "Incorrect username or password.");
    let exceeded = e("NotAuthorizedException", "Password attempts exceeded");

    // Failures of any password flow count for the user: SRP, USER_PASSWORD_AUTH, admin.
    assert_eq!(srp_login(&sdk, "erin", WRONG).await.unwrap_err(), wrong);
    assert_eq!(srp_login(&sdk, "erin", WRONG).await.unwrap_err(), wrong);
    assert_eq!(admin_login(&sdk, "erin", WRONG).await.unwrap_err(), wrong);
    for _ in 0..2 {
        assert_eq!(
            password_login(&sdk, CLIENT, "erin", WRONG)
                .await
                .unwrap_err(),
            wrong
        );
    }
    // Five failures: locked for 1 s, even with the right password, in every flow.
    assert_eq!(
        password_login(&sdk, CLIENT, "erin", PASSWORD)
            .await
            .unwrap_err(),
        exceeded
    );
    assert_eq!(
        srp_login(&sdk, "erin", PASSWORD).await.unwrap_err(),
        exceeded
    );
    assert_eq!(
        admin_login(&sdk, "erin", PASSWORD).await.unwrap_err(),
        exceeded
    );
    // Other users are not affected.
    password_login(&sdk, CLIENT, "frank", PASSWORD)
        .await
        .unwrap();
    clock.advance(1);
    // A sixth failure after the lockout: 2 s.
    assert_eq!(
        password_login(&sdk, CLIENT, "erin", WRONG)
            .await
            .unwrap_err(),
        wrong
    );
    clock.advance(1);
    assert_eq!(
        srp_login(&sdk, "erin", PASSWORD).await.unwrap_err(),
        exceeded
    );
    clock.advance(1);
    // A seventh: 4 s. Attempts during the lockout do not count as failures.
    assert_eq!(srp_login(&sdk, "erin", WRONG).await.unwrap_err(), wrong);
    clock.advance(3);
    assert_eq!(
        password_login(&sdk, CLIENT, "erin", WRONG)
            .await
            .unwrap_err(),
        exceeded
    );
    clock.advance(1);
    // A success resets the count: four more failures do not lock.
    srp_login(&sdk, "erin", PASSWORD).await.unwrap();
    for _ in 0..4 {
        assert_eq!(
            password_login(&sdk, CLIENT, "erin", WRONG)
                .await
                .unwrap_err(),
            wrong
        );
    }
    password_login(&sdk, CLIENT, "erin", PASSWORD)
        .await
        .unwrap();

    // The lockout doubles up to 15 minutes at most (attempts made during each lockout).
    for _ in 0..5 {
        assert_eq!(
            password_login(&sdk, CLIENT, "frank", WRONG)
                .await
                .unwrap_err(),
            wrong
        );
    }
    for n in 6..=16 {
        // the lockout of failure n - 1
        let lock = (1i64 << (n - 6)).min(900);
        clock.advance(lock - 1);
        assert_eq!(
            password_login(&sdk, CLIENT, "frank", PASSWORD)
                .await
                .unwrap_err(),
            exceeded,
            "failure {} locks for {lock} s",
            n - 1
        );
        clock.advance(1);
        assert_eq!(
            password_login(&sdk, CLIENT, "frank", WRONG)
                .await
                .unwrap_err(),
            wrong
        );
    }
    // Failure 16 would lock for 2^11 s: capped at 900.
    clock.advance(899);
    assert_eq!(
        password_login(&sdk, CLIENT, "frank", PASSWORD)
            .await
            .unwrap_err(),
        exceeded
    );
    clock.advance(1);
    password_login(&sdk, CLIENT, "frank", PASSWORD)
        .await
        .unwrap();

    // 15 minutes without any attempt start again from zero: after six failures (a 2 s
    // lockout next), a quiet quarter of an hour, one more failure does not lock.
    for _ in 0..5 {
        let _ = password_login(&sdk, CLIENT, "frank", WRONG).await;
    }
    clock.advance(1);
    assert_eq!(
        password_login(&sdk, CLIENT, "frank", WRONG)
            .await
            .unwrap_err(),
        wrong
    );
    clock.advance(900);
    assert_eq!(
        password_login(&sdk, CLIENT, "frank", WRONG)
            .await
            .unwrap_err(),
        wrong
    );
    password_login(&sdk, CLIENT, "frank", PASSWORD)
        .await
        .unwrap();

    // PreventUserExistenceErrors: an unknown user answers exactly as a real user with a wrong
    // password, lockout included (issue 13, item 8: "Password attempts exceeded" must not tell
    // real users apart). Without it, UserNotFoundException every time.
    for attempt in 0..8 {
        assert_eq!(
            password_login(&sdk, SAFE_CLIENT, "nobody", WRONG)
                .await
                .unwrap_err(),
            if attempt < 5 {
                wrong.clone()
            } else {
                exceeded.clone()
            },
            "attempt {attempt}"
        );
    }
    for _ in 0..6 {
        assert_eq!(
            password_login(&sdk, CLIENT, "nobody", WRONG)
                .await
                .unwrap_err(),
            e("UserNotFoundException", "User does not exist.")
        );
    }
    server.shutdown().await;
}

/// A group's name, description, role and precedence, and the list operations' `Limit`, are
/// checked as the AWS model constrains them (on the wire, before any handler), with AWS's
/// wording, and nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_members_are_checked_against_the_model() {
    let (s, _sdk) = start(Arc::new(ManualClock::starting_now())).await;
    let endpoint = s.endpoint_url();
    let call = |body: serde_json::Value| {
        let endpoint = endpoint.clone();
        async move { common::idp_call(&endpoint, "CreateGroup", body).await }
    };
    let invalid = |message: &str| Err(("InvalidParameterException".to_owned(), message.to_owned()));
    let pattern = "[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+";
    assert_eq!(
        call(json!({"UserPoolId": POOL, "GroupName": "two words"})).await,
        invalid(&format!(
            "1 validation error detected: Value 'two words' at 'groupName' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}"
        ))
    );
    // 128 characters are fine, 129 are not; counted in characters, not bytes.
    let long = "é".repeat(129);
    assert_eq!(
        call(json!({"UserPoolId": POOL, "GroupName": long})).await,
        invalid(&format!(
            "1 validation error detected: Value '{long}' at 'groupName' failed to satisfy constraint: Member must have length less than or equal to 128"
        ))
    );
    let description = "d".repeat(2049);
    assert_eq!(
        call(json!({"UserPoolId": POOL, "GroupName": "g", "Description": description})).await,
        invalid(&format!(
            "1 validation error detected: Value '{description}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 2048"
        ))
    );
    let arn_pattern = "arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?";
    assert_eq!(
        call(
            json!({"UserPoolId": POOL, "GroupName": "g", "RoleArn": "arn:aws:iam::account:role/x"})
        )
        .await,
        invalid(&format!(
            "1 validation error detected: Value 'arn:aws:iam::account:role/x' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: {arn_pattern}"
        ))
    );
    assert_eq!(
        call(json!({"UserPoolId": POOL, "GroupName": "g", "Precedence": -1})).await,
        invalid(
            "1 validation error detected: Value '-1' at 'precedence' failed to satisfy constraint: Member must have value greater than or equal to 0"
        )
    );
    assert_eq!(
        common::idp_call(
            &endpoint,
            "ListGroups",
            json!({"UserPoolId": POOL, "Limit": 61})
        )
        .await,
        invalid(
            "1 validation error detected: Value '61' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60"
        )
    );
    // None of them was stored; the longest valid name is.
    let listed = common::idp_call(&endpoint, "ListGroups", json!({"UserPoolId": POOL}))
        .await
        .unwrap();
    assert_eq!(listed["Groups"], json!([]));
    let longest = "é".repeat(128);
    let created = call(json!({"UserPoolId": POOL, "GroupName": longest, "Precedence": 0}))
        .await
        .unwrap();
    assert_eq!(created["Group"]["GroupName"], longest.as_str());
    assert_eq!(created["Group"]["Precedence"], 0);
    s.shutdown().await;
}
