#!/usr/bin/env python3
"""cognate-client's software passkey authenticator, read by python-fido2.

usage: software_authenticator.py < input.json

The input (written by crates/cognate-client/tests/passkey_fido2.rs) holds the relying party
id, the origin, the two challenges, a RegistrationResponseJSON and an AuthenticationResponseJSON
made by `SoftwareAuthenticator`. Everything is parsed and checked with python-fido2's own
WebAuthn types (CollectedClientData, AttestationObject, AuthenticatorData, the `none`
attestation verifier, COSE keys): client data, rpIdHash, flags, counters, the attested
credential, and the assertion's signature under the registered public key.

Prints one line per check on stderr and {"checks": N} on stdout; exits 1 at the first failure.
"""

import hashlib
import json
import sys

from fido2.attestation import NoneAttestation
from fido2.cose import ES256
from fido2.utils import websafe_decode
from fido2.webauthn import (
    Aaguid,
    AttestationObject,
    AuthenticatorData,
    CollectedClientData,
)

checks = 0


def ok(what):
    global checks
    checks += 1
    print(f"ok: {what}", file=sys.stderr)


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    ok(what)


data = json.load(sys.stdin)
rp_hash = hashlib.sha256(data["rp_id"].encode()).digest()

# ---- registration
reg = data["registration"]
check(reg["type"] == "public-key" and reg["id"] == reg["rawId"], "credential type and id")
client = CollectedClientData(websafe_decode(reg["response"]["clientDataJSON"]))
check(client.type == CollectedClientData.TYPE.CREATE, "client data type webauthn.create")
check(client.challenge == websafe_decode(data["create_challenge"]), "client data challenge")
check(client.origin == data["origin"], "client data origin")
att = AttestationObject(websafe_decode(reg["response"]["attestationObject"]))
check(att.fmt == "none" and att.att_stmt == {}, "attestation format none, empty statement")
auth = att.auth_data
check(auth.rp_id_hash == rp_hash, "registration rpIdHash")
check(auth.is_user_present() and auth.is_user_verified(), "user present and verified")
check(auth.is_attested() and not auth.is_backup_eligible(), "attested, not backed up")
check(auth.counter == 0, "registration counter 0")
cred = auth.credential_data
check(cred.aaguid == Aaguid.NONE, "AAGUID all zeros")
check(cred.credential_id == websafe_decode(reg["rawId"]), "attested credential id")
key = cred.public_key
check(isinstance(key, ES256) and key[3] == -7 and key[-1] == 1, "COSE key EC2 P-256 ES256")
result = NoneAttestation().verify(att.att_stmt, auth, client.hash)
check(result is not None, "python-fido2 verifies the none attestation")

# ---- assertion
got = data["assertion"]
check(got["id"] == reg["id"], "assertion credential id")
client = CollectedClientData(websafe_decode(got["response"]["clientDataJSON"]))
check(client.type == CollectedClientData.TYPE.GET, "client data type webauthn.get")
check(client.challenge == websafe_decode(data["get_challenge"]), "assertion challenge")
check(client.origin == data["origin"], "assertion origin")
auth = AuthenticatorData(websafe_decode(got["response"]["authenticatorData"]))
check(auth.rp_id_hash == rp_hash, "assertion rpIdHash")
check(auth.is_user_present() and auth.is_user_verified(), "assertion flags UP and UV")
check(not auth.is_attested(), "no attested data in an assertion")
check(auth.counter == 1, "assertion counter 1")
signature = websafe_decode(got["response"]["signature"])
key.verify(bytes(auth) + client.hash, signature)
ok("the signature verifies under the registered COSE key")
try:
    key.verify(bytes(auth) + hashlib.sha256(b"something else").digest(), signature)
    check(False, "a signature over other data is refused")
except Exception:
    ok("a signature over other data is refused")
check(
    websafe_decode(got["response"]["userHandle"]) == websafe_decode(data["user_id"]),
    "user handle",
)

print(json.dumps({"checks": checks}))
