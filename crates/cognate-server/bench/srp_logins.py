#!/usr/bin/env python3
"""Runs N USER_SRP_AUTH logins with pycognito, one after the other.

usage: srp_logins.py ENDPOINT POOL CLIENT N
The caller measures the server's CPU time around it (the client's own cost is not counted).
"""
import sys

import boto3
from pycognito.aws_srp import AWSSRP

endpoint, pool, client_id, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
idp = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=endpoint,
                   aws_access_key_id="local", aws_secret_access_key="local")
for _ in range(n):
    tokens = AWSSRP(username="bench", password="Correct horse 1!", pool_id=pool, client_id=client_id,
                    client=idp).authenticate_user()
    assert tokens["AuthenticationResult"]["AccessToken"]
