"""What every interop script shares: the endpoint of the cognate server under test (the first
argument), a boto3 cognito-idp client pointed at it, a check counter, and helpers to expect a
Cognito error by its exact code and message, build a pycognito user, and read a token's claims.

Each script prints one line per check on stderr (`ok N: …`) and a JSON summary with
`checks()` on stdout; the first failed assertion exits non-zero.
"""

import base64
import json
import os
import sys

import boto3
from botocore.exceptions import ClientError

ENDPOINT = sys.argv[1].rstrip("/")
REGION = "us-east-1"
PASSWORD = "Correct horse 1!"
# botocore wants credentials for admin calls; the local server accepts any.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
# pycognito would otherwise use a JWKS from the environment instead of the server's.
os.environ.pop("COGNITO_JWKS", None)

idp = boto3.client("cognito-idp", region_name=REGION, endpoint_url=ENDPOINT)
_checks = 0


def ok(what):
    """Counts a passed check and says so on stderr."""
    global _checks
    _checks += 1
    print(f"ok {_checks}: {what}", file=sys.stderr)


def checks():
    """How many checks passed so far."""
    return _checks


def expect_error(code, fn, *args, message=None, **kwargs):
    """Calls `fn` and asserts it fails with Cognito error `code` (and `message`, if given)."""
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"expected {code}, got {got}: {e}"
        if message is not None:
            assert e.response["Error"]["Message"] == message, e.response["Error"]["Message"]
        return e
    raise AssertionError(f"expected {code}, call succeeded")


def cognito(pool_id, client_id, username, secret=None):
    """A pycognito user of `pool_id` talking to the server under test."""
    from pycognito import Cognito

    return Cognito(
        pool_id,
        client_id,
        username=username,
        client_secret=secret,
        boto3_client_kwargs={"endpoint_url": ENDPOINT, "region_name": REGION},
    )


def claims(token):
    """The payload of a JWT, unverified."""
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
