"""Times wrong sign-ins of real users against unknown names with PreventUserExistenceErrors.

    .interop/venv/bin/python crates/cognate-server/bench/enumeration.py ENDPOINT [ROUNDS]

Creates a pool and a client (PreventUserExistenceErrors = ENABLED) on the server at ENDPOINT,
ROUNDS users, then alternates, one attempt per name (no lockout in the way): a wrong
USER_PASSWORD_AUTH password; USER_SRP_AUTH's InitiateAuth; and a PASSWORD_VERIFIER answer with
a wrong signature (the server checks the whole proof). Prints the median latency of each for
real users and for unknown names, and their ratio: 1.00 means the time does not tell them
apart. Used for issue 13 item 8; no test asserts on it.
"""

import base64
import json
import os
import secrets
import statistics
import sys
import time
import urllib.request

from pycognito.aws_srp import G_HEX, N_HEX, hex_to_long

ENDPOINT = sys.argv[1]
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 200
PASSWORD = "Correct horse 1!"


def call(op, body):
    req = urllib.request.Request(
        ENDPOINT,
        data=json.dumps(body).encode(),
        headers={
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{op}",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    try:
        with urllib.request.urlopen(req) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        return json.load(e)


def timed(op, body):
    start = time.perf_counter()
    out = call(op, body)
    return (time.perf_counter() - start) * 1000, out


pool = call("CreateUserPool", {"PoolName": "enumeration"})["UserPool"]["Id"]
client = call(
    "CreateUserPoolClient",
    {
        "UserPoolId": pool,
        "ClientName": "bench",
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        "PreventUserExistenceErrors": "ENABLED",
    },
)["UserPoolClient"]["ClientId"]
for i in range(ROUNDS):
    name = f"user{i}"
    call("AdminCreateUser", {"UserPoolId": pool, "Username": name, "MessageAction": "SUPPRESS"})
    call("AdminSetUserPassword", {"UserPoolId": pool, "Username": name, "Password": PASSWORD, "Permanent": True})

N, g = hex_to_long(N_HEX), hex_to_long(G_HEX)
times = {k: {"real": [], "unknown": []} for k in ("password", "srp start", "srp answer")}
for i in range(ROUNDS):
    for kind, name in (("real", f"user{i}"), ("unknown", f"nobody{i}")):
        ms, out = timed(
            "InitiateAuth",
            {"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
             "AuthParameters": {"USERNAME": name, "PASSWORD": "Wrong horse 1!"}},
        )
        assert out.get("message") == "Incorrect username or password.", out
        times["password"][kind].append(ms)
        a = secrets.randbelow(N - 2) + 1
        srp_a = format(pow(g, a, N), "x")
        ms, out = timed(
            "InitiateAuth",
            {"ClientId": client, "AuthFlow": "USER_SRP_AUTH",
             "AuthParameters": {"USERNAME": f"{name}-srp" if kind == "unknown" else name, "SRP_A": srp_a}},
        )
        times["srp start"][kind].append(ms)
        p = out["ChallengeParameters"]
        stamp = time.strftime("%a %b %-d %H:%M:%S UTC %Y", time.gmtime())
        ms, out = timed(
            "RespondToAuthChallenge",
            {"ClientId": client, "ChallengeName": "PASSWORD_VERIFIER",
             "ChallengeResponses": {"USERNAME": p["USERNAME"], "TIMESTAMP": stamp,
                                    "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
                                    "PASSWORD_CLAIM_SIGNATURE": base64.b64encode(os.urandom(32)).decode()}},
        )
        assert out.get("message") == "Incorrect username or password.", out
        times["srp answer"][kind].append(ms)

print(f"{'median ms (' + str(ROUNDS) + ' each)':<28}{'real user':>10}{'unknown':>10}{'ratio':>8}")
for step, t in times.items():
    r, u = statistics.median(t["real"]), statistics.median(t["unknown"])
    print(f"{step:<28}{r:>10.2f}{u:>10.2f}{u / r:>8.2f}")
