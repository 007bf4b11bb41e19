#!/usr/bin/env python3
"""Times pycognito's client-side SRP maths per login, for scripts/bench-srp.

Per iteration, exactly what a pycognito login computes locally: AWSSRP() (draws a, computes A),
get_auth_params() (SRP_A), then process_challenge() (x, u, S, the key and the signature) for a
fixed challenge. No network. Prints one JSON line: {"median_ns": ..., "runs": ...}.
"""

import json
import statistics
import sys
import time

from pycognito.aws_srp import AWSSRP

from pycognito.aws_srp import N_HEX

# A fixed challenge: any B with B mod N != 0 costs the client the same.
CHALLENGE = {
    "pool_id": "us-east-1_AbC123xyZ",
    "user": "alice@example.com",
    "password": "Correct horse battery staple 1!",
    "srp_b": format(pow(2, 123456789, int(N_HEX, 16)), "x"),
    "salt": "5f8c6eae27e8901fcc0e89b23c3851ba",
    "secret_block": "c2VjcmV0IGJsb2Nr" * 16,
}
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 40


class NoNetwork:
    def __getattr__(self, name):
        raise RuntimeError("no network in a benchmark")


def one_login():
    srp = AWSSRP(
        username=CHALLENGE["user"],
        password=CHALLENGE["password"],
        pool_id=CHALLENGE["pool_id"],
        client_id="bench",
        client=NoNetwork(),
    )
    params = srp.get_auth_params()
    srp.process_challenge(
        {
            "USERNAME": CHALLENGE["user"],
            "USER_ID_FOR_SRP": CHALLENGE["user"],
            "SRP_B": CHALLENGE["srp_b"],
            "SALT": CHALLENGE["salt"],
            "SECRET_BLOCK": CHALLENGE["secret_block"],
        },
        params,
    )


one_login()  # warm-up
times = []
for _ in range(RUNS):
    t = time.perf_counter_ns()
    one_login()
    times.append(time.perf_counter_ns() - t)
print(json.dumps({"median_ns": statistics.median(times), "runs": RUNS}))
