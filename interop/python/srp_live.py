#!/usr/bin/env python3
"""Answers one PASSWORD_VERIFIER challenge the way pycognito does.

Reads one JSON object from stdin:
  {"pool_id": "us-east-1_AbC123xyZ", "username": "...", "password": "...",
   "srp_b": "<hex>", "salt": "<hex>", "secret_block": "<base64>",
   "user_id_for_srp": "..."}        (optional; defaults to username)
and, once the whole input has been read, prints one JSON line:
  {"srp_a": "...", "timestamp": "...", "signature": "...", "user_id_for_srp": "..."}

pycognito's normal code path is used: AWSSRP draws its own random a when it is
constructed, SRP_A comes from get_auth_params(), and TIMESTAMP and
PASSWORD_CLAIM_SIGNATURE from process_challenge() at the current time. No
request is sent anywhere. Run it with the interop venv's python
(<repo>/.interop/venv/bin/python, made by scripts/install-interop).
"""

import json
import sys

from pycognito.aws_srp import AWSSRP


class NoNetwork:
    """Stands in for the boto3 client, which this program never calls."""

    def __getattr__(self, name):
        raise RuntimeError(f"srp_live.py does not talk to Cognito (tried {name})")


def main():
    try:
        request = json.loads(sys.stdin.read())
        user_id_for_srp = request.get("user_id_for_srp") or request["username"]
        srp = AWSSRP(
            username=request["username"],
            password=request["password"],
            pool_id=request["pool_id"],
            client_id="cognate-srp-live",
            client=NoNetwork(),
        )
        auth_params = srp.get_auth_params()
        challenge_parameters = {
            "USERNAME": user_id_for_srp,
            "USER_ID_FOR_SRP": user_id_for_srp,
            "SRP_B": request["srp_b"],
            "SALT": request["salt"],
            "SECRET_BLOCK": request["secret_block"],
        }
        answer = srp.process_challenge(challenge_parameters, auth_params)
    except Exception as e:  # one clear line for the calling test
        print(f"srp_live.py: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    line = {
        "srp_a": auth_params["SRP_A"],
        "timestamp": answer["TIMESTAMP"],
        "signature": answer["PASSWORD_CLAIM_SIGNATURE"],
        "user_id_for_srp": user_id_for_srp,
    }
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
