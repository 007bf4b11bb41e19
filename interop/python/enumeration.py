#!/usr/bin/env python3
"""A name that is no user's, seen through pycognito and boto3, with PreventUserExistenceErrors.

usage: enumeration.py ENDPOINT_URL

pycognito's own SRP code (AWSSRP.authenticate_user, which Cognito.authenticate calls) signs in a
real user with a wrong password and an unknown name with any password; both must fail with the
same botocore error, after a PASSWORD_VERIFIER challenge of the same form (same parameters, a
SALT fixed per name, an SRP_B of the same size). boto3's USER_PASSWORD_AUTH must answer both
alike, and the lockout must come after the same number of attempts for both. Prints one line per
check on stderr and a JSON summary on stdout; exits 1 at the first failure.
"""

import json
import re

from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP
from harness import PASSWORD, idp, ok, checks

WRONG = "Wrong horse 1!"
INCORRECT = ("NotAuthorizedException", "Incorrect username or password.")
EXCEEDED = ("NotAuthorizedException", "Password attempts exceeded")


class Recording:
    """The boto3 client, keeping the InitiateAuth answers pycognito receives."""

    def __init__(self, inner):
        self.inner = inner
        self.challenges = []

    def initiate_auth(self, **kwargs):
        answer = self.inner.initiate_auth(**kwargs)
        self.challenges.append(answer)
        return answer

    def __getattr__(self, name):
        return getattr(self.inner, name)


def srp_sign_in(pool_id, client_id, name, password):
    """pycognito's SRP sign-in; returns (error code, message, the challenge it answered)."""
    client = Recording(idp)
    srp = AWSSRP(username=name, password=password, pool_id=pool_id, client_id=client_id, client=client)
    try:
        srp.authenticate_user()
    except ClientError as e:
        challenge = client.challenges[-1] if client.challenges else None
        return (e.response["Error"]["Code"], e.response["Error"]["Message"]), challenge
    raise AssertionError(f"{name}: signed in with a wrong password")


def password_sign_in(client_id, name, password):
    try:
        idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": password},
        )
    except ClientError as e:
        return (e.response["Error"]["Code"], e.response["Error"]["Message"])
    return "tokens"


def shape(challenge):
    """What a caller can see of a PASSWORD_VERIFIER challenge without knowing any secret."""
    params = challenge["ChallengeParameters"]
    return {
        "name": challenge["ChallengeName"],
        "keys": sorted(params),
        "salt": bool(re.fullmatch(r"[0-9a-f]{1,64}", params["SALT"])),
        "srp_b": len(params["SRP_B"]) in (767, 768),
        "secret_block": len(params["SECRET_BLOCK"]) > 100,
    }


def main():
    pool_id = idp.create_user_pool(PoolName="enumeration")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]["ClientId"]
    for name in ("alice", "bob"):
        idp.admin_create_user(UserPoolId=pool_id, Username=name, TemporaryPassword=PASSWORD, MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)

    real, real_challenge = srp_sign_in(pool_id, client_id, "alice", WRONG)
    unknown, unknown_challenge = srp_sign_in(pool_id, client_id, "mallory", PASSWORD)
    assert real == unknown == INCORRECT, (real, unknown)
    ok("pycognito SRP: a wrong password and an unknown name fail alike, after a challenge")
    assert shape(real_challenge) == shape(unknown_challenge), (shape(real_challenge), shape(unknown_challenge))
    assert shape(real_challenge)["name"] == "PASSWORD_VERIFIER"
    assert all(shape(unknown_challenge).values())
    ok("the unknown name's PASSWORD_VERIFIER challenge has the real one's parameters and sizes")
    _, again = srp_sign_in(pool_id, client_id, "mallory", PASSWORD)
    _, other = srp_sign_in(pool_id, client_id, "trudy", PASSWORD)
    assert again["ChallengeParameters"]["SALT"] == unknown_challenge["ChallengeParameters"]["SALT"]
    assert other["ChallengeParameters"]["SALT"] != unknown_challenge["ChallengeParameters"]["SALT"]
    assert again["ChallengeParameters"]["SRP_B"] != unknown_challenge["ChallengeParameters"]["SRP_B"]
    ok("an unknown name keeps one SALT across sign-ins (as a real user does), another name has another")

    # boto3, USER_PASSWORD_AUTH, until the lockout: the same answers in the same order. Each
    # name has had two or three attempts above; bob and oscar start afresh.
    real = [password_sign_in(client_id, "bob", WRONG) for _ in range(7)]
    unknown = [password_sign_in(client_id, "oscar", WRONG) for _ in range(7)]
    assert real == unknown, (real, unknown)
    assert real == [INCORRECT] * 5 + [EXCEEDED] * 2, real
    ok("USER_PASSWORD_AUTH: the same seven answers for a real user and an unknown name, lockout included")
    assert password_sign_in(client_id, "alice", PASSWORD) == "tokens"
    ok("the real user still signs in with the right password")

    print(json.dumps({"checks": checks()}))


if __name__ == "__main__":
    main()
