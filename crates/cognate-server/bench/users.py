#!/usr/bin/env python3
"""Adds users u0 … u(N-1), with the benchmark's password, to a pool on a Cognito endpoint.

usage: users.py ENDPOINT POOL N
"""
import sys

import boto3

endpoint, pool, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
idp = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=endpoint,
                   aws_access_key_id="local", aws_secret_access_key="local")
for i in range(n):
    idp.admin_create_user(UserPoolId=pool, Username=f"u{i}", TemporaryPassword="Temporary 1!",
                          MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username=f"u{i}", Password="Correct horse 1!",
                                Permanent=True)
