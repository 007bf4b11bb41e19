"""SigV4 through boto3 against a server with administrator credentials (the key and secret are
the second and third arguments): signed admin calls of both services work with the right
credentials, and fail with AWS's error codes with a wrong secret (InvalidSignatureException),
an unknown key (UnrecognizedClientException) or no signature (MissingAuthenticationTokenException);
user-level operations stay unsigned and open.
"""

import json
import sys

import boto3
from botocore import UNSIGNED
from botocore.config import Config

from harness import ENDPOINT, REGION, checks, expect_error, ok

KEY, SECRET = sys.argv[2], sys.argv[3]
once = Config(retries={"max_attempts": 1})


def clients(key, secret, config=once):
    session = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name=REGION)
    return (session.client("cognito-idp", endpoint_url=ENDPOINT, config=config),
            session.client("cognito-identity", endpoint_url=ENDPOINT, config=config))


idp, identity = clients(KEY, SECRET)
pool = idp.create_user_pool(PoolName="signed")["UserPool"]["Id"]
client = idp.create_user_pool_client(UserPoolId=pool, ClientName="web",
                                     ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
client_id = client["UserPoolClient"]["ClientId"]
idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS")
idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password="Correct horse 1!", Permanent=True)
assert [u["Username"] for u in idp.list_users(UserPoolId=pool)["Users"]] == ["alice"]
ok("right credentials: CreateUserPool, AdminCreateUser, ListUsers signed by boto3")
ident_pool = identity.create_identity_pool(IdentityPoolName="signed", AllowUnauthenticatedIdentities=True)
assert ident_pool["IdentityPoolId"].startswith(REGION)
ok("right credentials: cognito-identity's CreateIdentityPool")

bad_idp, bad_identity = clients(KEY, SECRET + "x")
expect_error("InvalidSignatureException", bad_idp.list_users, UserPoolId=pool,
             message="The request signature we calculated does not match the signature you provided. "
                     "Check your AWS Secret Access Key and signing method. Consult the service documentation "
                     "for details.")
expect_error("InvalidSignatureException", bad_identity.list_identity_pools, MaxResults=10)
ok("wrong secret: InvalidSignatureException, AWS's wording")

stranger, _ = clients("AKIASTRANGER", SECRET)
expect_error("UnrecognizedClientException", stranger.admin_get_user, UserPoolId=pool, Username="alice",
             message="The security token included in the request is invalid.")
ok("unknown access key: UnrecognizedClientException")

unsigned_idp, unsigned_identity = clients(KEY, SECRET, Config(signature_version=UNSIGNED,
                                                              retries={"max_attempts": 1}))
expect_error("MissingAuthenticationTokenException", unsigned_idp.admin_delete_user, UserPoolId=pool,
             Username="alice", message="Request is missing Authentication Token")
expect_error("MissingAuthenticationTokenException", unsigned_identity.list_identity_pools, MaxResults=10)
ok("no signature: MissingAuthenticationTokenException")

# User-level operations need no IAM credentials: a wrong secret or none at all does not matter.
for c in (unsigned_idp, bad_idp):
    tokens = c.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=client_id,
                             AuthParameters={"USERNAME": "alice", "PASSWORD": "Correct horse 1!"})
    assert tokens["AuthenticationResult"]["AccessToken"]
    assert c.get_user(AccessToken=tokens["AuthenticationResult"]["AccessToken"])["Username"] == "alice"
ok("InitiateAuth and GetUser stay unsigned and open")
ident = unsigned_identity.get_id(IdentityPoolId=ident_pool["IdentityPoolId"])
assert ident["IdentityId"]
ok("cognito-identity's GetId stays unsigned")

print(json.dumps({"checks": checks()}))
