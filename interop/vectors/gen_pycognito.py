#!/usr/bin/env python3
"""SRP test vectors computed by pycognito's own code (pycognito.aws_srp).

Usage: gen_pycognito.py CASES_JSON INPUTS_OUT RESULTS_OUT

1. Turns the case specs in CASES_JSON into concrete inputs (a, SRP_B, SALT,
   SECRET_BLOCK, device passwords, the random bytes a device confirmation draws)
   taken from a fixed SHA-256 stream keyed by each case's slug. Where a case
   wants a property of a computed value (u or S with the top bit set, an
   odd-length SRP_A, ...), the stream is walked until pycognito's own results
   have it. The concrete inputs are written to INPUTS_OUT for the JavaScript
   generator, which replays them through amazon-cognito-identity-js.
2. Runs every input through pycognito and writes the results to RESULTS_OUT.

Nothing here reads the clock or the operating system's random source: the
module's `datetime` and `os.urandom` are replaced by a frozen clock and a
scripted byte source before anything runs, and `compute_hkdf` / `pow` are
wrapped so that the intermediate values pycognito itself computed (x, S, the
HKDF inputs and key) can be recorded.
"""

import base64
import builtins
import contextlib
import datetime
import hashlib
import importlib.metadata
import json
import sys
import types

from pycognito import aws_srp
from pycognito.aws_srp import AWSSRP

N = aws_srp.hex_to_long(aws_srp.N_HEX)
G = aws_srp.hex_to_long(aws_srp.G_HEX)
CLIENT_ID = "cognatevectorsclient0000"
DEFAULT_POOL_ID = "us-east-1_AbC123xyZ"


# --------------------------------------------------------------------------
# Deterministic sources
# --------------------------------------------------------------------------


class Stream:
    """An endless byte stream: SHA-256(label "/" counter) blocks, concatenated."""

    def __init__(self, label):
        self.label = label
        self.counter = 0
        self.buf = b""

    def take(self, n):
        while len(self.buf) < n:
            block = f"cognate-srp-vectors/{self.label}/{self.counter}".encode()
            self.buf += hashlib.sha256(block).digest()
            self.counter += 1
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


class Script:
    """Serves exactly the given bytes, then refuses."""

    def __init__(self, data):
        self.data = bytes(data)

    def take(self, n):
        if n > len(self.data):
            raise RuntimeError(f"scripted randomness exhausted (wanted {n} bytes)")
        out, self.data = self.data[:n], self.data[n:]
        return out

    def done(self):
        return not self.data


class Entropy:
    """Replacement for os.urandom inside pycognito.aws_srp."""

    def __init__(self):
        self.source = None
        self.draws = []

    def urandom(self, n):
        if self.source is None:
            raise RuntimeError("pycognito asked for randomness outside a scripted section")
        data = self.source.take(n)
        self.draws.append(data)
        return data

    @contextlib.contextmanager
    def serving(self, source):
        saved, self.source, self.draws = self.source, source, []
        try:
            yield self
        finally:
            self.source = saved


class Clock:
    now = None


class FrozenDatetime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        if Clock.now is None:
            raise RuntimeError("pycognito read the clock outside a frozen section")
        return Clock.now

    @classmethod
    def now(cls, tz=None):
        raise RuntimeError("unexpected datetime.now()")


@contextlib.contextmanager
def frozen(iso):
    Clock.now = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")
    try:
        yield
    finally:
        Clock.now = None


class Trace:
    events = None


_real_compute_hkdf = aws_srp.compute_hkdf


def traced_compute_hkdf(ikm, salt):
    key = _real_compute_hkdf(ikm, salt)
    if Trace.events is not None:
        Trace.events.append(("hkdf", bytes(ikm), bytes(salt), bytes(key)))
    return key


def traced_pow(base, exp, mod=None):
    result = builtins.pow(base, exp, mod)
    if Trace.events is not None:
        Trace.events.append(("pow", base, exp, mod, result))
    return result


@contextlib.contextmanager
def tracing():
    Trace.events = []
    try:
        yield Trace.events
    finally:
        Trace.events = None


ENTROPY = Entropy()
POSTED = []


def fake_post(url, headers=None, data=None, timeout=None):
    POSTED.append({"url": url, "headers": headers, "body": json.loads(data)})
    return types.SimpleNamespace(status_code=200, json=lambda: {})


# Install the replacements in pycognito's module namespace (module globals
# shadow builtins, so `pow` there now goes through traced_pow).
aws_srp.os = types.SimpleNamespace(urandom=ENTROPY.urandom)
aws_srp.datetime = types.SimpleNamespace(datetime=FrozenDatetime)
aws_srp.compute_hkdf = traced_compute_hkdf
aws_srp.pow = traced_pow
aws_srp.requests = types.SimpleNamespace(post=fake_post)


class ScriptedCognito:
    """Stands in for the boto3 cognito-idp client: replays scripted answers."""

    def __init__(self, answers=()):
        self.answers = list(answers)
        self.calls = []

    def _answer(self, op, kwargs):
        self.calls.append((op, kwargs))
        if not self.answers:
            raise RuntimeError(f"unexpected call {op}")
        return self.answers.pop(0)

    def initiate_auth(self, **kwargs):
        return self._answer("InitiateAuth", kwargs)

    def respond_to_auth_challenge(self, **kwargs):
        return self._answer("RespondToAuthChallenge", kwargs)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def hexs(n):
    """Lowercase hex without padding, as a server (Java BigInteger) sends it."""
    return f"{n:x}"


def b64(data):
    return base64.b64encode(data).decode("ascii")


def new_awssrp(inp, **extra):
    with ENTROPY.serving(Stream(f"{inp['id']}/constructor")):
        if inp["device"]:
            return AWSSRP(
                username=inp["login_name"],
                password="unused-for-device-srp",
                pool_id=inp["pool_id"],
                client_id=CLIENT_ID,
                client=extra.pop("client", ScriptedCognito()),
                device_key=inp["user_id"],
                device_group_key=inp["pool_name"],
                device_password=inp["password"],
            )
        return AWSSRP(
            username=inp["login_name"],
            password=inp["password"],
            pool_id=inp["pool_id"],
            client_id=CLIENT_ID,
            client=extra.pop("client", ScriptedCognito()),
        )


def with_a(srp, a):
    srp.small_a_value = a
    srp.large_a_value = srp.calculate_a()
    return srp


def challenge_parameters(inp):
    params = {
        "USERNAME": inp["login_name"] if inp["device"] else inp["user_id"],
        "SRP_B": inp["srp_b"],
        "SALT": inp["salt"],
        "SECRET_BLOCK": inp["secret_block"],
    }
    if not inp["device"]:
        params["USER_ID_FOR_SRP"] = inp["user_id"]
    return params


# --------------------------------------------------------------------------
# Vectors
# --------------------------------------------------------------------------


def srp_vector(inp):
    """Runs one input through AWSSRP, recording what pycognito computed."""
    a = int(inp["a"], 16)
    srp = with_a(new_awssrp(inp), a)
    auth_params = srp.get_auth_params()
    srp_a = auth_params["SRP_A"]
    b = aws_srp.hex_to_long(inp["srp_b"])
    u = aws_srp.calculate_u(srp.large_a_value, b)
    with frozen(inp["time"]), tracing() as events:
        if inp["device"]:
            response = srp.process_device_challenge(challenge_parameters(inp))
        else:
            response = srp.process_challenge(challenge_parameters(inp), auth_params)
    pows = [e for e in events if e[0] == "pow"]
    hkdfs = [e for e in events if e[0] == "hkdf"]
    if len(pows) != 2 or len(hkdfs) != 1:
        raise RuntimeError(f"{inp['id']}: unexpected trace {[e[0] for e in events]}")
    _, g_base, x, n_mod, _ = pows[0]
    _, _, exponent, _, s = pows[1]
    _, ikm, hkdf_salt, key = hkdfs[0]
    if (g_base, n_mod) != (G, N) or exponent != a + u * x:
        raise RuntimeError(f"{inp['id']}: trace does not match the SRP formula")
    if int.from_bytes(ikm, "big") != s or int.from_bytes(hkdf_salt, "big") != u:
        raise RuntimeError(f"{inp['id']}: HKDF inputs are not padHex(S) / padHex(u)")
    return {
        "srp_a": srp_a,
        "timestamp": response["TIMESTAMP"],
        "u": hexs(u),
        "x": hexs(x),
        "s": hexs(s),
        "key": key.hex(),
        "signature": response["PASSWORD_CLAIM_SIGNATURE"],
    }


def full_flow_check(inp, vec):
    """Replays the input through AWSSRP.authenticate_user against a scripted
    Cognito, with os.urandom serving the case's a, and checks that what
    pycognito sends equals the vector."""
    a = int(inp["a"], 16)
    params = challenge_parameters(inp)
    if inp["device"]:
        dummy_user = {
            "USERNAME": inp["login_name"],
            "USER_ID_FOR_SRP": inp["login_name"],
            "SRP_B": "2",
            "SALT": "1",
            "SECRET_BLOCK": b64(b"dummy"),
        }
        client = ScriptedCognito(
            [
                {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": dummy_user},
                {"ChallengeName": "DEVICE_SRP_AUTH", "ChallengeParameters": {}},
                {"ChallengeName": "DEVICE_PASSWORD_VERIFIER", "ChallengeParameters": params},
                {"AuthenticationResult": {}},
            ]
        )
    else:
        client = ScriptedCognito(
            [
                {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": params},
                {"AuthenticationResult": {}},
            ]
        )
    script = Script(a.to_bytes(128, "big"))
    with ENTROPY.serving(script):
        srp = AWSSRP(
            username=inp["login_name"],
            password="unused" if inp["device"] else inp["password"],
            pool_id=inp["pool_id"],
            client_id=CLIENT_ID,
            client=client,
            **(
                {
                    "device_key": inp["user_id"],
                    "device_group_key": inp["pool_name"],
                    "device_password": inp["password"],
                }
                if inp["device"]
                else {}
            ),
        )
    if not script.done():
        raise RuntimeError("pycognito did not draw exactly 128 bytes for a")
    with frozen(inp["time"]):
        srp.authenticate_user()
    sent_a = client.calls[0][1]["AuthParameters"]["SRP_A"]
    last = client.calls[-1][1]
    if inp["device"]:
        if client.calls[2][1]["ChallengeName"] != "DEVICE_SRP_AUTH":
            raise RuntimeError("unexpected device flow")
        sent_a = client.calls[2][1]["ChallengeResponses"]["SRP_A"]
        expected_name = "DEVICE_PASSWORD_VERIFIER"
    else:
        expected_name = "PASSWORD_VERIFIER"
    answer = last["ChallengeResponses"]
    got = (sent_a, last["ChallengeName"], answer["TIMESTAMP"], answer["PASSWORD_CLAIM_SIGNATURE"])
    want = (vec["srp_a"], expected_name, vec["timestamp"], vec["signature"])
    if got != want:
        raise RuntimeError(f"{inp['id']}: authenticate_user sent {got}, expected {want}")


def device_verifier(inp):
    """AWSSRP.confirm_device with scripted randomness; records what it drew
    and the DeviceSecretVerifierConfig it POSTs."""
    srp = new_awssrp(
        {
            "id": inp["id"],
            "device": False,
            "login_name": "vector-user",
            "password": "unused",
            "pool_id": DEFAULT_POOL_ID,
        }
    )
    tokens = {
        "AuthenticationResult": {
            "AccessToken": "not-a-real-token",
            "NewDeviceMetadata": {
                "DeviceKey": inp["device_key"],
                "DeviceGroupKey": inp["device_group_key"],
            },
        }
    }
    script = Script(bytes.fromhex(inp["random"]))
    POSTED.clear()
    with ENTROPY.serving(script) as entropy:
        _, device_password = srp.confirm_device(tokens, device_name="cognate-vectors")
        draws = list(entropy.draws)
    if not script.done() or [len(d) for d in draws] != [40, 16]:
        raise RuntimeError(f"{inp['id']}: unexpected draws {[len(d) for d in draws]}")
    if device_password != b64(draws[0]):
        raise RuntimeError(f"{inp['id']}: device password is not base64 of the first draw")
    (post,) = POSTED
    body = post["body"]
    if body["DeviceKey"] != inp["device_key"]:
        raise RuntimeError("ConfirmDevice sent another DeviceKey")
    config = body["DeviceSecretVerifierConfig"]
    return {
        "random_salt": draws[1].hex(),
        "device_password": device_password,
        "password_verifier": config["PasswordVerifier"],
        "salt": config["Salt"],
    }


# --------------------------------------------------------------------------
# Turning case specs into concrete inputs
# --------------------------------------------------------------------------


def shape_salt(raw, wants):
    """16 random bytes, bent to the wanted shape; returns the integer."""
    b = bytearray(raw)
    if "salt_odd" in wants:  # top nibble 0: 31 hex digits
        b[0] = (b[0] & 0x0F) | 0x01
    elif "salt_msb" in wants:  # top bit set: padHex adds 00
        b[0] |= 0x80
    elif "salt_short" in wants:  # a leading zero byte: 30 digits, no top bit
        b[0] = 0
        b[1] = (b[1] & 0x7F) | 0x10
    elif "salt_short_msb" in wants:  # leading zero byte, then top bit: 30 digits, padHex adds 00
        b[0] = 0
        b[1] |= 0x80
    elif "salt_short2_odd" in wants:  # two leading zero bytes, then a zero nibble: 27 digits
        b[0] = b[1] = 0
        b[2] = (b[2] & 0x0F) | 0x01
    else:  # plain: 32 digits, top bit clear
        b[0] = (b[0] & 0x7F) | 0x10
    return int.from_bytes(b, "big")


def shape_b(stream, wants):
    """A B value in [2, N-1] of the wanted shape, or None to try again."""
    b = int.from_bytes(stream.take(384), "big")
    if "srp_b_odd" in wants:
        b >>= 4  # 767 hex digits unless the top nibble is 0
        ok = len(hexs(b)) == 767
    elif "srp_b_msb" in wants:
        b |= 1 << 3071
        ok = b < N
    else:
        b %= N
        ok = len(hexs(b)) == 768 and hexs(b)[0] < "8"
    return b if ok and 2 <= b < N else None


def check_wants(wants, vec):
    checks = {
        "srp_b_odd": None,
        "srp_b_msb": None,
        "salt_odd": None,
        "salt_msb": None,
        "salt_short": None,
        "salt_short_msb": None,
        "salt_short2_odd": None,
        "srp_a_odd": lambda: len(vec["srp_a"]) % 2 == 1,
        "srp_a_msb": lambda: len(vec["srp_a"]) == 768 and vec["srp_a"][0] >= "8",
        "u_msb": lambda: len(vec["u"]) == 64 and vec["u"][0] >= "8",
        "u_short": lambda: len(vec["u"]) <= 62,
        "s_msb": lambda: len(vec["s"]) == 768 and vec["s"][0] >= "8",
        "s_odd": lambda: len(vec["s"]) % 2 == 1,
    }
    for want in wants:
        if want not in checks:
            raise RuntimeError(f"unknown want {want!r}")
    return all(checks[w]() for w in wants if checks[w] is not None)


def concrete_srp_input(case, index):
    wants = case["want"]
    slug = case["slug"]
    device = case["device"]
    inp = {
        "id": f"srp/{index:02d}/{slug}",
        "device": device,
        "pool_id": case.get("pool_id", DEFAULT_POOL_ID),
    }
    if device:
        inp["pool_name"] = case["device_group_key"]
        inp["user_id"] = case["device_key"]
        inp["login_name"] = case["login_name"]
        inp["password"] = case.get("password") or b64(Stream(f"{slug}/device-password").take(40))
    else:
        inp["pool_name"] = inp["pool_id"].split("_", 1)[1]
        inp["user_id"] = case["user_id"]
        inp["login_name"] = case.get("login_name", case["user_id"])
        inp["password"] = case["password"]
    inp["time"] = case["time"]

    # a: a_bits bits with the top bit set; walk on until SRP_A has the wanted shape.
    a_wants = [w for w in wants if w.startswith("srp_a_")]
    for attempt in range(10_000):
        raw = Stream(f"{slug}/a/{attempt}").take(case["a_bits"] // 8)
        a = int.from_bytes(raw, "big") | (1 << (case["a_bits"] - 1))
        srp_a = with_a(new_awssrp(inp), a).get_auth_params()["SRP_A"]
        if check_wants(a_wants, {"srp_a": srp_a}):
            break
    else:
        raise RuntimeError(f"{slug}: no a found")
    inp["a"] = hexs(a)
    inp["secret_block"] = b64(Stream(f"{slug}/secret-block").take(case["secret_block_len"]))

    # B and salt; walk on until u and S have the wanted shape.
    b_stream = Stream(f"{slug}/b")
    salt_stream = Stream(f"{slug}/salt")
    for attempt in range(100_000):
        if "srp_b" in case:
            b = N - 1 if case["srp_b"] == "n-1" else int(case["srp_b"], 16)
        else:
            b = shape_b(b_stream, wants)
            if b is None:
                continue
        salt = shape_salt(salt_stream.take(16), wants)
        inp["srp_b"] = hexs(b)
        inp["salt"] = hexs(salt)
        # u first (cheap), then the whole computation
        u = aws_srp.calculate_u(int(srp_a, 16), b)
        u_wants = [w for w in wants if w.startswith("u_")]
        if not check_wants(u_wants, {"u": hexs(u)}):
            continue
        vec = srp_vector(inp)
        if check_wants(wants, {**vec, "srp_b": inp["srp_b"], "salt": inp["salt"]}):
            return inp, vec
        if "srp_b" in case:
            raise RuntimeError(f"{slug}: fixed B cannot satisfy {wants}")
    raise RuntimeError(f"{slug}: no B found for {wants}")


def concrete_device_input(case, index):
    slug = case["slug"]
    password_bytes = Stream(f"device-verifier/{slug}/{index}/password").take(40)
    salt = bytearray(Stream(f"device-verifier/{slug}/{index}/salt").take(16))
    shape = case["salt_shape"]
    if shape == "plain":
        salt[0] = (salt[0] & 0x7F) | 0x10
    elif shape == "msb":
        salt[0] |= 0x80
    elif shape == "odd":
        salt[0] = (salt[0] & 0x0F) | 0x01
    elif shape == "short":
        salt[0] = 0
        salt[1] = (salt[1] & 0x7F) | 0x10
    elif shape == "short_msb":
        salt[0] = 0
        salt[1] |= 0x80
    elif shape == "short2_odd":
        salt[0] = salt[1] = 0
        salt[2] = (salt[2] & 0x0F) | 0x01
    else:
        raise RuntimeError(f"unknown salt shape {shape!r}")
    return {
        "id": f"device-verifier/{index:02d}/{slug}",
        "device_group_key": case["device_group_key"],
        "device_key": case["device_key"],
        # what the library will draw: 40 bytes (device password), then 16 (salt)
        "random": (password_bytes + bytes(salt)).hex(),
    }


def main():
    cases_path, inputs_out, results_out = sys.argv[1:4]
    with open(cases_path, encoding="utf-8") as f:
        cases = json.load(f)

    srp_inputs, srp_results = [], []
    for index, case in enumerate(cases["srp"]):
        inp, vec = concrete_srp_input(case, index)
        full_flow_check(inp, vec)
        srp_inputs.append(inp)
        srp_results.append({"id": inp["id"], **vec})
        print(f"gen_pycognito: {inp['id']}", file=sys.stderr)

    dv_inputs, dv_results = [], []
    for index, case in enumerate(cases["device_verifiers"]):
        inp = concrete_device_input(case, index)
        dv_inputs.append(inp)
        dv_results.append({"id": inp["id"], **device_verifier(inp)})

    with open(inputs_out, "w", encoding="utf-8") as f:
        json.dump({"srp": srp_inputs, "device_verifiers": dv_inputs}, f, indent=2)
        f.write("\n")
    with open(results_out, "w", encoding="utf-8") as f:
        json.dump(
            {
                "library": "pycognito",
                "version": importlib.metadata.version("pycognito"),
                "srp": srp_results,
                "device_verifiers": dv_results,
            },
            f,
            indent=2,
        )
        f.write("\n")


if __name__ == "__main__":
    main()
