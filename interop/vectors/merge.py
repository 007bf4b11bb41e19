#!/usr/bin/env python3
"""Cross-checks the two libraries' results and writes srp.json.

Usage: merge.py CASES_JSON INPUTS_JSON PYCOGNITO_JSON COGNITO_JS_JSON OUT_JSON

Fails (exit 1) unless
  * pycognito and amazon-cognito-identity-js computed exactly the same SRP_A,
    TIMESTAMP, u, x, S, key and signature for every input, and the same
    device verifier for the same random draws;
  * every value also matches a plain restatement of the maths in
    shared/DESIGN.md ("SRP") written here, independent of both libraries;
  * every case has the shape its spec asked for (odd-length SALT, ...).
"""

import base64
import datetime
import hashlib
import hmac
import json
import re
import sys

N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G = 2
SOURCES = {"pycognito": "pycognito", "amazon-cognito-identity-js": "cognito-js"}
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def pad(n):
    """padHex as bytes: big-endian, one leading 0x00 when the top bit is set."""
    raw = n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")
    return b"\x00" + raw if raw[0] & 0x80 else raw


def sha(data):
    return hashlib.sha256(data).digest()


def as_int(data):
    return int.from_bytes(data, "big")


def expected_srp(inp):
    """The maths of shared/DESIGN.md, restated without either library."""
    a = int(inp["a"], 16)
    b = int(inp["srp_b"], 16)
    salt = int(inp["salt"], 16)
    big_a = pow(G, a, N)
    k = as_int(sha(pad(N) + pad(G)))
    u = as_int(sha(pad(big_a) + pad(b)))
    identity = f"{inp['pool_name']}{inp['user_id']}:{inp['password']}".encode()
    x = as_int(sha(pad(salt) + sha(identity)))
    s = pow((b - k * pow(G, x, N)) % N, a + u * x, N)
    prk = hmac.new(pad(u), pad(s), hashlib.sha256).digest()
    key = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
    t = datetime.datetime.strptime(inp["time"], "%Y-%m-%dT%H:%M:%SZ")
    timestamp = (
        f"{WEEKDAYS[t.weekday()]} {MONTHS[t.month - 1]} {t.day} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} UTC {t.year}"
    )
    message = (
        inp["pool_name"].encode()
        + inp["user_id"].encode()
        + base64.b64decode(inp["secret_block"])
        + timestamp.encode()
    )
    signature = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
    return {
        "srp_a": f"{big_a:x}",
        "timestamp": timestamp,
        "u": f"{u:x}",
        "x": f"{x:x}",
        "s": f"{s:x}",
        "key": key.hex(),
        "signature": signature,
    }


def expected_verifier(inp):
    random = bytes.fromhex(inp["random"])
    password = base64.b64encode(random[:40]).decode()
    salt = pad(as_int(random[40:]))
    identity = f"{inp['device_group_key']}{inp['device_key']}:{password}".encode()
    x = as_int(sha(salt + sha(identity)))
    return {
        "random_salt": random[40:].hex(),
        "device_password": password,
        "password_verifier": base64.b64encode(pad(pow(G, x, N))).decode(),
        "salt": base64.b64encode(salt).decode(),
    }


def shape_ok(want, inp, vec):
    def msb(h, full):
        return len(h) == full and h[0] >= "8"

    return {
        "srp_b_odd": lambda: len(inp["srp_b"]) % 2 == 1,
        "srp_b_msb": lambda: msb(inp["srp_b"], 768),
        "salt_odd": lambda: len(inp["salt"]) == 31,
        "salt_msb": lambda: msb(inp["salt"], 32),
        "salt_short": lambda: len(inp["salt"]) == 30 and inp["salt"][0] < "8",
        "salt_short_msb": lambda: msb(inp["salt"], 30),
        "salt_short2_odd": lambda: len(inp["salt"]) == 27,
        "srp_a_odd": lambda: len(vec["srp_a"]) % 2 == 1,
        "srp_a_msb": lambda: msb(vec["srp_a"], 768),
        "u_msb": lambda: msb(vec["u"], 64),
        "u_short": lambda: len(vec["u"]) <= 62,
        "s_msb": lambda: msb(vec["s"], 768),
        "s_odd": lambda: len(vec["s"]) % 2 == 1,
    }[want]()


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main():
    cases_path, inputs_path, py_path, js_path, out_path = sys.argv[1:6]
    cases, inputs = load(cases_path), load(inputs_path)
    results = {r["library"]: r for r in (load(py_path), load(js_path))}
    py, js = results["pycognito"], results["amazon-cognito-identity-js"]
    errors = []

    srp_inputs = inputs["srp"]
    if not (len(cases["srp"]) == len(srp_inputs) == len(py["srp"]) == len(js["srp"])):
        errors.append("srp: the inputs and the two result lists differ in length")
    for case, inp, p, j in zip(cases["srp"], srp_inputs, py["srp"], js["srp"]):
        if not (inp["id"] == p["id"] == j["id"]):
            errors.append(f"{inp['id']}: results out of order")
            continue
        for field in p:
            if p[field] != j.get(field):
                errors.append(f"{inp['id']}: {field} differs: pycognito {p[field]!r}, cognito-js {j.get(field)!r}")
        exp = expected_srp(inp)
        for field, value in exp.items():
            if p.get(field) != value:
                errors.append(f"{inp['id']}: {field} is not what the SRP maths gives")
        for want in case["want"]:
            if not shape_ok(want, inp, p):
                errors.append(f"{inp['id']}: does not have the wanted shape {want}")
        if not re.fullmatch(r"[0-9a-f]{32}", p["key"]):
            errors.append(f"{inp['id']}: key is not 16 bytes of hex")

    dv_inputs = inputs["device_verifiers"]
    for inp, p, j in zip(dv_inputs, py["device_verifiers"], js["device_verifiers"]):
        if p != j:
            errors.append(f"{inp['id']}: device verifiers differ: {p} / {j}")
        exp = expected_verifier(inp)
        if {k: p.get(k) for k in exp} != exp:
            errors.append(f"{inp['id']}: device verifier is not what the SRP maths gives")

    if errors:
        for e in errors:
            print(f"merge: {e}", file=sys.stderr)
        sys.exit(1)

    srp_out, dv_out = [], []
    for source, prefix in SOURCES.items():
        results_for = results[source]["srp"]
        number = 0
        for case, inp, vec in zip(cases["srp"], srp_inputs, results_for):
            if case["emit"] not in (source, "both"):
                continue
            number += 1
            srp_out.append(
                {
                    "name": f"{prefix}-{number:02d}-{case['slug']}",
                    "source": source,
                    "pool_name": inp["pool_name"],
                    "user_id": inp["user_id"],
                    "device": inp["device"],
                    "password": inp["password"],
                    "a": inp["a"],
                    "srp_b": inp["srp_b"],
                    "salt": inp["salt"],
                    "secret_block": inp["secret_block"],
                    "timestamp": vec["timestamp"],
                    "srp_a": vec["srp_a"],
                    "u": vec["u"],
                    "x": vec["x"],
                    "s": vec["s"],
                    "key": vec["key"],
                    "signature": vec["signature"],
                }
            )
        for case, inp, vec in zip(cases["device_verifiers"], dv_inputs, results[source]["device_verifiers"]):
            if case["emit"] not in (source, "both"):
                continue
            dv_out.append(
                {
                    "source": source,
                    "device_group_key": inp["device_group_key"],
                    "device_key": inp["device_key"],
                    "random_salt": vec["random_salt"],
                    "device_password": vec["device_password"],
                    "password_verifier": vec["password_verifier"],
                    "salt": vec["salt"],
                }
            )

    doc = {
        "comment": (
            f"Generated by interop/vectors/generate from pycognito {py['version']} and "
            f"amazon-cognito-identity-js {js['version']}; do not edit. "
            "The generator ran every input through both libraries and asserted that they agree on "
            "SRP_A, TIMESTAMP, u, x, S, the key and PASSWORD_CLAIM_SIGNATURE (and on the device "
            "verifiers for the same random draws); 'source' names the library whose result is shown."
        ),
        "srp": srp_out,
        "device_verifiers": dv_out,
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=True)
        f.write("\n")
    counts = {s: sum(v["source"] == s for v in srp_out) for s in SOURCES}
    dv_counts = {s: sum(v["source"] == s for v in dv_out) for s in SOURCES}
    print(f"merge: wrote {out_path}: srp {counts}, device_verifiers {dv_counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
