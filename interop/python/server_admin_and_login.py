#!/usr/bin/env python3
"""Drives a running cognate server with boto3, pycognito and awscli, as an app would.

usage: server_admin_and_login.py ENDPOINT_URL

Every admin operation of the issue goes through boto3; pycognito logs in with USER_SRP_AUTH
(right and wrong password, with and without a client secret, by user name and by email) and
renews its tokens (pycognito checks the tokens' signatures against the server's JWKS, their
issuer, audience and token_use on every login); awscli lists and reads. Prints one line per
check on stderr; exits 1 at the first failure.
"""

import json
import os
import subprocess
import sys

import boto3
from harness import ENDPOINT, REGION, PASSWORD, idp, ok, checks, expect_error, cognito, claims as decode


# ---- pools
pool = idp.create_user_pool(
    PoolName="interop",
    Policies={"PasswordPolicy": {"MinimumLength": 10, "RequireNumbers": True, "RequireSymbols": True,
                                 "RequireUppercase": True, "RequireLowercase": True}},
    Schema=[{"Name": "companyId", "AttributeDataType": "String", "Mutable": True}],
    AutoVerifiedAttributes=["email"],
)["UserPool"]
pool_id = pool["Id"]
region, suffix = pool_id.split("_")
assert region == REGION and len(suffix) == 9 and suffix.isalnum(), pool_id
names = [a["Name"] for a in pool["SchemaAttributes"]]
assert "custom:companyId" in names and "email" in names, names
ok(f"CreateUserPool {pool_id}")

described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
idp.update_user_pool(UserPoolId=pool_id, Policies={"PasswordPolicy": {"MinimumLength": 8, "RequireNumbers": True,
                                                                       "RequireSymbols": True, "RequireUppercase": True,
                                                                       "RequireLowercase": True}})
assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
listed = idp.list_user_pools(MaxResults=60)["UserPools"]
assert any(p["Id"] == pool_id for p in listed)
ok("DescribeUserPool, UpdateUserPool, ListUserPools")
expect_error("ResourceNotFoundException", idp.describe_user_pool, UserPoolId="us-east-1_NoSuchOne")
ok("unknown pool: ResourceNotFoundException")

# ---- clients
flows = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
         "ALLOW_REFRESH_TOKEN_AUTH"]
public = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="public", ExplicitAuthFlows=flows)[
    "UserPoolClient"]
client_id = public["ClientId"]
assert len(client_id) == 26 and client_id.isalnum() and client_id.lower() == client_id
assert "ClientSecret" not in public
# A rotation client refreshes only with GetTokensFromRefreshToken: AWS's guide has it drop
# ALLOW_REFRESH_TOKEN_AUTH, and REFRESH_TOKEN_AUTH is refused on it regardless.
confidential = idp.create_user_pool_client(
    UserPoolId=pool_id, ClientName="confidential", GenerateSecret=True,
    ExplicitAuthFlows=[f for f in flows if f != "ALLOW_REFRESH_TOKEN_AUTH"],
    AccessTokenValidity=30, TokenValidityUnits={"AccessToken": "minutes"},
    RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0},
)["UserPoolClient"]
secret_id, secret = confidential["ClientId"], confidential["ClientSecret"]
classic = idp.create_user_pool_client(
    UserPoolId=pool_id, ClientName="confidential-classic", GenerateSecret=True, ExplicitAuthFlows=flows,
)["UserPoolClient"]
classic_id, classic_secret = classic["ClientId"], classic["ClientSecret"]
srp_only = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="srp-only",
                                       ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                                       PreventUserExistenceErrors="ENABLED")["UserPoolClient"]["ClientId"]
d = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=secret_id)["UserPoolClient"]
assert d["ClientSecret"] == secret and d["AccessTokenValidity"] == 30
idp.update_user_pool_client(UserPoolId=pool_id, ClientId=srp_only, ClientName="srp-only-2",
                            ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                            PreventUserExistenceErrors="ENABLED")
clients = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
assert {c["ClientName"] for c in clients} == {"public", "confidential", "confidential-classic", "srp-only-2"}, clients
throwaway = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="gone")["UserPoolClient"]["ClientId"]
idp.delete_user_pool_client(UserPoolId=pool_id, ClientId=throwaway)
expect_error("ResourceNotFoundException", idp.describe_user_pool_client, UserPoolId=pool_id, ClientId=throwaway)
ok("CreateUserPoolClient (secret, validity, rotation), Describe/List/Update/DeleteUserPoolClient")

# ---- users
created = idp.admin_create_user(
    UserPoolId=pool_id, Username="alice", TemporaryPassword="Temporary 1!", MessageAction="SUPPRESS",
    UserAttributes=[{"Name": "email", "Value": "alice@example.com"}, {"Name": "email_verified", "Value": "true"},
                    {"Name": "custom:companyId", "Value": "acme-42"}],
)["User"]
assert created["UserStatus"] == "FORCE_CHANGE_PASSWORD" and created["Enabled"] is True
expect_error("UsernameExistsException", idp.admin_create_user, UserPoolId=pool_id, Username="alice",
             MessageAction="SUPPRESS")
expect_error("InvalidParameterException", idp.admin_create_user, UserPoolId=pool_id, Username="bob",
             UserAttributes=[{"Name": "custom:nope", "Value": "1"}], MessageAction="SUPPRESS")
expect_error("InvalidPasswordException", idp.admin_set_user_password, UserPoolId=pool_id, Username="alice",
             Password="short", Permanent=True)
ok("AdminCreateUser (+ exists, bad attribute, bad password)")

# temporary password: pycognito sees NEW_PASSWORD_REQUIRED and completes it
u = cognito(pool_id, client_id, "alice")
u.new_password_challenge("Temporary 1!", PASSWORD)
assert u.access_token and u.id_token
ok("NEW_PASSWORD_REQUIRED via pycognito new_password_challenge")
got = idp.admin_get_user(UserPoolId=pool_id, Username="alice")
assert got["UserStatus"] == "CONFIRMED", got
idp.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)
ok("AdminGetUser, AdminSetUserPassword")

# ---- SRP login with pycognito
u = cognito(pool_id, client_id, "alice")
u.authenticate(password=PASSWORD)
claims = decode(u.id_token)
assert claims["email"] == "alice@example.com" and claims["email_verified"] is True, claims
assert claims["custom:companyId"] == "acme-42" and claims["aud"] == client_id
access = decode(u.access_token)
assert access["username"] == "alice" and access["client_id"] == client_id and access["token_use"] == "access"
assert access["iss"] == f"{ENDPOINT}/{pool_id}"
ok("pycognito USER_SRP_AUTH, no secret: tokens verified by pycognito")
e = expect_error("NotAuthorizedException", cognito(pool_id, client_id, "alice").authenticate, password="Wrong horse 1!",
                 message="Incorrect username or password.")
ok("pycognito wrong password: NotAuthorizedException")
first_access = u.access_token
u.renew_access_token()
renewed = decode(u.access_token)
assert u.access_token != first_access
assert renewed["origin_jti"] == access["origin_jti"] and renewed["auth_time"] == access["auth_time"]
ok("pycognito renew_access_token (REFRESH_TOKEN_AUTH), origin_jti and auth_time kept")

s = cognito(pool_id, classic_id, "alice", classic_secret)
s.authenticate(password=PASSWORD)
assert decode(s.access_token)["client_id"] == classic_id
expect_error("NotAuthorizedException", cognito(pool_id, classic_id, "alice", classic_secret).authenticate,
             password="Wrong horse 1!", message="Incorrect username or password.")
s.renew_access_token()
ok("pycognito with client secret: login, wrong password, renew")
r = cognito(pool_id, secret_id, "alice", secret)
r.authenticate(password=PASSWORD)
expect_error("InvalidParameterException", r.renew_access_token,
             message="REFRESH_TOKEN_AUTH flow not enabled for this client")
ok("pycognito renew (REFRESH_TOKEN_AUTH) on a rotation client: refused")
expect_error("NotAuthorizedException", cognito(pool_id, secret_id, "alice", "not-the-secret").authenticate,
             password=PASSWORD, message=f"Unable to verify secret hash for client {secret_id}")
ok("wrong client secret: Unable to verify secret hash")

expect_error("UserNotFoundException", cognito(pool_id, client_id, "nobody").authenticate, password=PASSWORD)
expect_error("NotAuthorizedException", cognito(pool_id, srp_only, "nobody").authenticate, password=PASSWORD,
             message="Incorrect username or password.")
ok("unknown user: UserNotFoundException; with PreventUserExistenceErrors: NotAuthorizedException")

# ---- USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, GetUser
r = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                      AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})["AuthenticationResult"]
assert r["TokenType"] == "Bearer" and r["ExpiresIn"] == 3600 and r["RefreshToken"]
expect_error("NotAuthorizedException", idp.initiate_auth, ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
             AuthParameters={"USERNAME": "alice", "PASSWORD": "nope"}, message="Incorrect username or password.")
expect_error("InvalidParameterException", idp.initiate_auth, ClientId=srp_only, AuthFlow="USER_PASSWORD_AUTH",
             AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})
me = idp.get_user(AccessToken=r["AccessToken"])
assert me["Username"] == "alice"
assert {"Name": "custom:companyId", "Value": "acme-42"} in me["UserAttributes"]
ok("USER_PASSWORD_AUTH (+ wrong password, flow not enabled), GetUser")
a = idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                            AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})["AuthenticationResult"]
assert a["AccessToken"]
ok("AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH")

# ---- GetTokensFromRefreshToken with rotation, RevokeToken
login = idp.initiate_auth(ClientId=secret_id, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD,
                                          "SECRET_HASH": __import__("pycognito").aws_srp.AWSSRP.get_secret_hash(
                                              "alice", secret_id, secret)})["AuthenticationResult"]
rot = idp.get_tokens_from_refresh_token(RefreshToken=login["RefreshToken"], ClientId=secret_id,
                                        ClientSecret=secret)["AuthenticationResult"]
assert rot["RefreshToken"] != login["RefreshToken"]
expect_error("RefreshTokenReuseException", idp.get_tokens_from_refresh_token,
             RefreshToken=login["RefreshToken"], ClientId=secret_id, ClientSecret=secret)
rot2 = idp.get_tokens_from_refresh_token(RefreshToken=rot["RefreshToken"], ClientId=secret_id,
                                         ClientSecret=secret)["AuthenticationResult"]
ok("GetTokensFromRefreshToken rotates; reuse: RefreshTokenReuseException")
idp.revoke_token(Token=rot2["RefreshToken"], ClientId=secret_id, ClientSecret=secret)
expect_error("NotAuthorizedException", idp.get_tokens_from_refresh_token, RefreshToken=rot2["RefreshToken"],
             ClientId=secret_id, ClientSecret=secret, message="Refresh Token has been revoked")
expect_error("NotAuthorizedException", idp.get_user, AccessToken=rot2["AccessToken"],
             message="Access Token has been revoked")
ok("RevokeToken: refresh and access tokens of that login refused")

# ---- the rest of the user admin operations
idp.admin_create_user(UserPoolId=pool_id, Username="bob", TemporaryPassword="Temporary 1!", MessageAction="SUPPRESS",
                      UserAttributes=[{"Name": "email", "Value": "bob@example.org"}, {"Name": "name", "Value": "Bob"}])
users = idp.list_users(UserPoolId=pool_id)["Users"]
assert {x["Username"] for x in users} == {"alice", "bob"}
f = idp.list_users(UserPoolId=pool_id, Filter='email ^= "bob@"')["Users"]
assert [x["Username"] for x in f] == ["bob"], f
f = idp.list_users(UserPoolId=pool_id, Filter='cognito:user_status = "CONFIRMED"')["Users"]
assert [x["Username"] for x in f] == ["alice"], f
page = idp.list_users(UserPoolId=pool_id, Limit=1)
assert len(page["Users"]) == 1 and page["PaginationToken"]
page2 = idp.list_users(UserPoolId=pool_id, Limit=1, PaginationToken=page["PaginationToken"])
assert page2["Users"][0]["Username"] != page["Users"][0]["Username"]
ok("ListUsers with Filter and pagination")
idp.admin_update_user_attributes(UserPoolId=pool_id, Username="bob",
                                 UserAttributes=[{"Name": "custom:companyId", "Value": "b-1"}])
idp.admin_delete_user_attributes(UserPoolId=pool_id, Username="bob", UserAttributeNames=["name"])
attrs = {x["Name"]: x["Value"] for x in idp.admin_get_user(UserPoolId=pool_id, Username="bob")["UserAttributes"]}
assert attrs["custom:companyId"] == "b-1" and "name" not in attrs, attrs
ok("AdminUpdateUserAttributes, AdminDeleteUserAttributes")
idp.admin_disable_user(UserPoolId=pool_id, Username="alice")
expect_error("NotAuthorizedException", idp.initiate_auth, ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
             AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD}, message="User is disabled.")
expect_error("NotAuthorizedException", cognito(pool_id, client_id, "alice").authenticate, password=PASSWORD,
             message="User is disabled.")
assert idp.admin_get_user(UserPoolId=pool_id, Username="alice")["Enabled"] is False
idp.admin_enable_user(UserPoolId=pool_id, Username="alice")
cognito(pool_id, client_id, "alice").authenticate(password=PASSWORD)
ok("AdminDisableUser (login refused), AdminEnableUser")
expect_error("NotAuthorizedException", idp.admin_confirm_sign_up, UserPoolId=pool_id, Username="alice")
idp.admin_delete_user(UserPoolId=pool_id, Username="bob")
expect_error("UserNotFoundException", idp.admin_get_user, UserPoolId=pool_id, Username="bob",
             message="User does not exist.")
ok("AdminConfirmSignUp (already confirmed), AdminDeleteUser")

# ---- a pool that logs in by email: USER_ID_FOR_SRP is the sub
epool = idp.create_user_pool(PoolName="by-email", UsernameAttributes=["email"])["UserPool"]["Id"]
eclient = idp.create_user_pool_client(UserPoolId=epool, ClientName="web", ExplicitAuthFlows=flows)[
    "UserPoolClient"]["ClientId"]
ecreated = idp.admin_create_user(UserPoolId=epool, Username="carol@example.com", MessageAction="SUPPRESS")["User"]
sub = ecreated["Username"]
assert len(sub) == 36 and sub.count("-") == 4, sub
idp.admin_set_user_password(UserPoolId=epool, Username="carol@example.com", Password=PASSWORD, Permanent=True)
c = cognito(epool, eclient, "carol@example.com")
c.authenticate(password=PASSWORD)
ac = decode(c.access_token)
assert ac["username"] == sub and ac["sub"] == sub, ac
assert decode(c.id_token)["cognito:username"] == sub
c.renew_access_token()
ok("email-username pool: pycognito SRP login by email (USER_ID_FOR_SRP = sub), renew")

# ---- awscli
aws = [os.path.join(os.path.dirname(sys.executable), "aws"), "--endpoint-url", ENDPOINT, "--region", REGION,
       "--output", "json", "cognito-idp"]
out = json.loads(subprocess.run(aws + ["list-user-pools", "--max-results", "10"], check=True,
                                capture_output=True, text=True).stdout)
assert any(p["Id"] == pool_id for p in out["UserPools"])
out = json.loads(subprocess.run(aws + ["admin-get-user", "--user-pool-id", pool_id, "--username", "alice"],
                                check=True, capture_output=True, text=True).stdout)
assert out["Username"] == "alice"
out = json.loads(subprocess.run(aws + ["initiate-auth", "--client-id", client_id, "--auth-flow", "USER_PASSWORD_AUTH",
                                       "--auth-parameters", f"USERNAME=alice,PASSWORD={PASSWORD}"],
                                check=True, capture_output=True, text=True).stdout)
assert out["AuthenticationResult"]["AccessToken"]
bad = subprocess.run(aws + ["admin-get-user", "--user-pool-id", pool_id, "--username", "ghost"],
                     capture_output=True, text=True)
assert bad.returncode != 0 and "UserNotFoundException" in bad.stderr, bad.stderr
ok("awscli: list-user-pools, admin-get-user, initiate-auth, error")

# ---- delete
idp.update_user_pool(UserPoolId=epool, DeletionProtection="ACTIVE")
expect_error("InvalidParameterException", idp.delete_user_pool, UserPoolId=epool)
idp.update_user_pool(UserPoolId=epool, DeletionProtection="INACTIVE")
idp.delete_user_pool(UserPoolId=epool)
expect_error("ResourceNotFoundException", idp.describe_user_pool, UserPoolId=epool)
ok("DeleteUserPool (with deletion protection)")

print(json.dumps({"checks": checks(), "pool_id": pool_id}))
