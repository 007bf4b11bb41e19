#!/usr/bin/env python3
"""Drives a running cognate server's identity pools with boto3, as an app would.

usage: identity_pools.py ENDPOINT_URL

boto3 `cognito-idp` creates a user pool, an app client and a user and logs in
(USER_PASSWORD_AUTH); boto3 `cognito-identity` creates, describes, lists and updates an identity
pool, sets and reads its roles, turns the ID token into an identity id (GetId, twice: the same
id) and into temporary AWS credentials (GetCredentialsForIdentity), which botocore must accept
as credentials: `botocore.credentials.Credentials` built from them, an Expiration that botocore
parsed into a timezone-aware datetime about an hour ahead. Error paths check Cognito's exact
codes and messages. Prints one line per check on stderr and a JSON summary on stdout; exits 1 at
the first failure.
"""

import datetime
import json

import boto3
import botocore.credentials
from harness import ENDPOINT, REGION, PASSWORD, idp, ok, checks, expect_error

ROLE = "arn:aws:iam::123456789012:role/cognate-authenticated"

ci = boto3.client("cognito-identity", region_name=REGION, endpoint_url=ENDPOINT)


# A user pool, an app client, a user, a login.
pool_id = idp.create_user_pool(PoolName="identity-interop")["UserPool"]["Id"]
client_id = idp.create_user_pool_client(
    UserPoolId=pool_id,
    ClientName="app",
    ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
)["UserPoolClient"]["ClientId"]
idp.admin_create_user(UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS")
idp.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)
auth = idp.initiate_auth(
    ClientId=client_id,
    AuthFlow="USER_PASSWORD_AUTH",
    AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
)["AuthenticationResult"]
id_token = auth["IdToken"]
ok("boto3 cognito-idp login")

provider = f"cognito-idp.{REGION}.amazonaws.com/{pool_id}"
created = ci.create_identity_pool(
    IdentityPoolName="interop pool",
    AllowUnauthenticatedIdentities=False,
    CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": client_id}],
)
identity_pool_id = created["IdentityPoolId"]
region, _, uuid = identity_pool_id.partition(":")
assert region == REGION and len(uuid) == 36, identity_pool_id
assert created["IdentityPoolName"] == "interop pool"
assert created["AllowUnauthenticatedIdentities"] is False
assert created["CognitoIdentityProviders"] == [
    {"ProviderName": provider, "ClientId": client_id, "ServerSideTokenCheck": False}
], created
ok("create_identity_pool")

described = ci.describe_identity_pool(IdentityPoolId=identity_pool_id)
assert described["IdentityPoolId"] == identity_pool_id
assert described["CognitoIdentityProviders"] == created["CognitoIdentityProviders"]
ok("describe_identity_pool")

listed = ci.list_identity_pools(MaxResults=10)["IdentityPools"]
assert {"IdentityPoolId": identity_pool_id, "IdentityPoolName": "interop pool"} in listed, listed
ok("list_identity_pools")

updated = ci.update_identity_pool(
    IdentityPoolId=identity_pool_id,
    IdentityPoolName="interop pool 2",
    AllowUnauthenticatedIdentities=False,
    CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": client_id}],
)
assert updated["IdentityPoolName"] == "interop pool 2"
ok("update_identity_pool")

ci.set_identity_pool_roles(
    IdentityPoolId=identity_pool_id,
    Roles={"authenticated": ROLE},
    RoleMappings={provider: {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"}},
)
roles = ci.get_identity_pool_roles(IdentityPoolId=identity_pool_id)
assert roles["Roles"] == {"authenticated": ROLE}, roles
assert roles["RoleMappings"][provider]["Type"] == "Token", roles
ok("set_identity_pool_roles / get_identity_pool_roles")

logins = {provider: id_token}
identity_id = ci.get_id(IdentityPoolId=identity_pool_id, Logins=logins)["IdentityId"]
assert identity_id.startswith(REGION + ":"), identity_id
again = ci.get_id(IdentityPoolId=identity_pool_id, Logins=logins)["IdentityId"]
assert again == identity_id, (again, identity_id)
ok("get_id: the same user, the same identity")

before = datetime.datetime.now(datetime.timezone.utc)
out = ci.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
assert out["IdentityId"] == identity_id
c = out["Credentials"]
assert c["AccessKeyId"].startswith("ASIA") and len(c["AccessKeyId"]) == 20, c["AccessKeyId"]
assert len(c["SecretKey"]) == 40
assert c["SessionToken"]
expiration = c["Expiration"]
assert isinstance(expiration, datetime.datetime), type(expiration)
assert expiration.tzinfo is not None
ahead = (expiration - before).total_seconds()
assert 3000 < ahead <= 3700, ahead
creds = botocore.credentials.Credentials(c["AccessKeyId"], c["SecretKey"], c["SessionToken"])
frozen = creds.get_frozen_credentials()
assert frozen.access_key == c["AccessKeyId"]
assert frozen.secret_key == c["SecretKey"]
assert frozen.token == c["SessionToken"]
ok("get_credentials_for_identity: credentials botocore accepts, expiring in an hour")

# Credentials botocore refreshes itself from the identity pool, as an app would wire it.
refreshable = botocore.credentials.RefreshableCredentials.create_from_metadata(
    metadata={
        "access_key": c["AccessKeyId"],
        "secret_key": c["SecretKey"],
        "token": c["SessionToken"],
        "expiry_time": expiration.isoformat(),
    },
    refresh_using=lambda: {},
    method="cognito-identity",
)
assert refreshable.get_frozen_credentials().access_key == c["AccessKeyId"]
assert not refreshable.refresh_needed()
ok("RefreshableCredentials from the expiration")

open_id = ci.get_open_id_token(IdentityId=identity_id, Logins=logins)
assert open_id["IdentityId"] == identity_id and open_id["Token"].count(".") == 2
ok("get_open_id_token")

expect_error(
    "NotAuthorizedException",
    ci.get_id,
    IdentityPoolId=identity_pool_id,
    message="Unauthenticated access is not supported for this identity pool.",
)
expect_error(
    "NotAuthorizedException",
    ci.get_id,
    IdentityPoolId=identity_pool_id,
    Logins={provider: auth["AccessToken"]},
    message="Invalid login token. Missing a required claim: aud",
)
expect_error(
    "NotAuthorizedException",
    ci.get_credentials_for_identity,
    IdentityId=identity_id,
    message="Logins don't match. Please include at least one valid login for this identity or identity pool.",
)
missing = f"{REGION}:00000000-0000-4000-8000-000000000000"
expect_error(
    "ResourceNotFoundException",
    ci.describe_identity_pool,
    IdentityPoolId=missing,
    message=f"IdentityPool '{missing}' not found.",
)
expect_error(
    "ResourceNotFoundException",
    ci.get_credentials_for_identity,
    IdentityId=missing,
    message=f"Identity '{missing}' not found.",
)
ok("error codes and messages")

ci.delete_identity_pool(IdentityPoolId=identity_pool_id)
expect_error("ResourceNotFoundException", ci.describe_identity_pool, IdentityPoolId=identity_pool_id)
ok("delete_identity_pool")

print(json.dumps({"checks": checks(), "identity_id": identity_id}))
