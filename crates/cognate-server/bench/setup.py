#!/usr/bin/env python3
"""Creates the benchmark's pool, client and user on a Cognito endpoint (cognate or moto).

usage: setup.py ENDPOINT  -> prints {"pool": ..., "client": ...} on stdout
"""
import json
import sys

import boto3

idp = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=sys.argv[1],
                   aws_access_key_id="local", aws_secret_access_key="local")
pool = idp.create_user_pool(PoolName="bench")["UserPool"]["Id"]
client = idp.create_user_pool_client(
    UserPoolId=pool, ClientName="bench",
    ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
)["UserPoolClient"]["ClientId"]
idp.admin_create_user(UserPoolId=pool, Username="bench", TemporaryPassword="Temporary 1!", MessageAction="SUPPRESS")
idp.admin_set_user_password(UserPoolId=pool, Username="bench", Password="Correct horse 1!", Permanent=True)
print(json.dumps({"pool": pool, "client": client}))
