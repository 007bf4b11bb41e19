"""Sets up a pool for the OAuth benchmark on a Cognito emulator at ENDPOINT (cognate or
ministack), through boto3: a domain, a resource server, a client_credentials client with a
secret, and (cognate) a code-flow client and a user. Prints the ids as JSON.

Usage: oauth_setup.py ENDPOINT
"""

import json
import os
import sys

import boto3

os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
endpoint = sys.argv[1]
idp = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=endpoint)
pool = idp.create_user_pool(PoolName="bench-oauth")["UserPool"]["Id"]
idp.create_user_pool_domain(UserPoolId=pool, Domain=f"bench-{os.getpid()}")
idp.create_resource_server(
    UserPoolId=pool,
    Identifier="https://api.bench",
    Name="api",
    Scopes=[{"ScopeName": "read", "ScopeDescription": "read"}],
)
machine = idp.create_user_pool_client(
    UserPoolId=pool,
    ClientName="machine",
    GenerateSecret=True,
    AllowedOAuthFlowsUserPoolClient=True,
    AllowedOAuthFlows=["client_credentials"],
    AllowedOAuthScopes=["https://api.bench/read"],
)["UserPoolClient"]
web = idp.create_user_pool_client(
    UserPoolId=pool,
    ClientName="web",
    AllowedOAuthFlowsUserPoolClient=True,
    AllowedOAuthFlows=["code"],
    AllowedOAuthScopes=["openid", "email"],
    CallbackURLs=["http://localhost:3000/callback"],
    SupportedIdentityProviders=["COGNITO"],
)["UserPoolClient"]
idp.admin_create_user(UserPoolId=pool, Username="bench", MessageAction="SUPPRESS")
idp.admin_set_user_password(UserPoolId=pool, Username="bench", Password="Correct horse 1!", Permanent=True)
print(json.dumps({
    "pool": pool,
    "machine": machine["ClientId"],
    "secret": machine["ClientSecret"],
    "web": web["ClientId"],
}))
