#!/usr/bin/env python3
"""Passkeys (WebAuthn) against a running cognate server, with boto3 and a software
authenticator made here from python-fido2's WebAuthn primitives (client data, authenticator
data, attested credential data, COSE keys, attestation objects) and `cryptography` (P-256
keys, ECDSA signatures, X.509 certificates): nothing of the server's own WebAuthn code.

usage: passkeys.py ENDPOINT_URL

Registration (StartWebAuthnRegistration / CompleteWebAuthnRegistration) with attestation
`none`, `packed` self attestation and `packed` with an x5c chain (a good chain, and one whose
leaf is not signed by its issuer); the relying party's checks (origin, rpIdHash, user
verification when required); a challenge answered twice; another app client completing; a
credential id registered twice in a pool. Then ListWebAuthnCredentials, GetUserAuthFactors,
and `USER_AUTH` sign-in with `WEB_AUTHN` (preferred and chosen from SELECT_CHALLENGE), refused
for tampered client data, another key's signature, a wrong origin, a replayed session or
assertion, a signature counter that goes back, and a deleted credential. Last, a relying party
`example.com`: `https` origins on it or a subdomain only.

Prints one line per check on stderr and {"checks": N} on stdout; exits 1 at the first failure.
"""

import hashlib
import json
import os
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

from harness import PASSWORD, checks, claims, expect_error, idp, ok

FLAG = AuthenticatorData.FLAG
LOCAL = "http://localhost:3000"


def sha256(data):
    return hashlib.sha256(data).digest()


def sign(key, data):
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def name(cn, ou=None):
    parts = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Software Authenticators"),
    ]
    if ou:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(parts)


def certificate(subject, subject_key, issuer, issuer_key, ca):
    now = datetime.now(timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


class Authenticator:
    """A software passkey provider: one P-256 key per credential, a signature counter each."""

    def __init__(self, uv=True):
        self.uv = uv
        self.keys = {}  # credential id -> private key
        self.counters = {}

    def flags(self):
        return FLAG.UP | (FLAG.UV if self.uv else 0)

    def create(self, options, origin=LOCAL, rp_id=None, fmt="none", chain=None, cred_id=None):
        """A RegistrationResponseJSON for CredentialCreationOptions `options`."""
        rp_id = rp_id or options["rp"]["id"]
        client_data = CollectedClientData.create(
            "webauthn.create", websafe_decode(options["challenge"]), origin
        )
        key = ec.generate_private_key(ec.SECP256R1())
        cred_id = cred_id or os.urandom(32)
        credential = AttestedCredentialData.create(
            bytes(16), cred_id, ES256.from_cryptography_key(key.public_key())
        )
        auth_data = AuthenticatorData.create(
            sha256(rp_id.encode()), self.flags() | FLAG.AT, 0, credential
        )
        signed = bytes(auth_data) + client_data.hash
        if fmt == "none":
            statement = {}
        elif chain is None:  # packed, self attestation
            statement = {"alg": -7, "sig": sign(key, signed)}
        else:  # packed with x5c: the attestation key of the leaf signs
            attestation_key, certs = chain
            statement = {
                "alg": -7,
                "sig": sign(attestation_key, signed),
                "x5c": list(certs),
            }
        self.keys[cred_id] = key
        self.counters[cred_id] = 0
        obj = AttestationObject.create(fmt, auth_data, statement)
        return {
            "id": websafe_encode(cred_id),
            "rawId": websafe_encode(cred_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": websafe_encode(bytes(client_data)),
                "attestationObject": websafe_encode(bytes(obj)),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def get(self, options, cred_id, origin=LOCAL, key=None, counter=None, tamper=False):
        """An AuthenticationResponseJSON (as the CREDENTIAL string) for request `options`."""
        client_data = CollectedClientData.create(
            "webauthn.get", websafe_decode(options["challenge"]), origin
        )
        if counter is None:
            self.counters[cred_id] += 1
            counter = self.counters[cred_id]
        auth_data = AuthenticatorData.create(
            sha256(options["rpId"].encode()), self.flags(), counter
        )
        signature = sign(key or self.keys[cred_id], bytes(auth_data) + client_data.hash)
        client_json = bytes(client_data)
        if tamper:  # the client data changed after the signature: a different challenge
            changed = json.loads(client_json)
            changed["challenge"] = websafe_encode(os.urandom(32))
            client_json = json.dumps(changed).encode()
        return json.dumps(
            {
                "id": websafe_encode(cred_id),
                "rawId": websafe_encode(cred_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": websafe_encode(client_json),
                    "authenticatorData": websafe_encode(bytes(auth_data)),
                    "signature": websafe_encode(signature),
                },
                "clientExtensionResults": {},
                "authenticatorAttachment": "platform",
            }
        )


def x5c_chain(broken=False):
    """(attestation key, [leaf DER, CA DER]); `broken`: the leaf signed by another key."""
    from cryptography.hazmat.primitives.serialization import Encoding

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate(name("Soft CA"), ca_key, name("Soft CA"), ca_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    signer = ec.generate_private_key(ec.SECP256R1()) if broken else ca_key
    leaf = certificate(
        name("Soft Authenticator", "Authenticator Attestation"), leaf_key, ca.subject, signer, ca=False
    )
    return leaf_key, [leaf.public_bytes(Encoding.DER), ca.public_bytes(Encoding.DER)]


# ---- a pool that allows passkeys, two clients, two users
pool = idp.create_user_pool(
    PoolName="passkeys",
    UserPoolTier="ESSENTIALS",
    Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}},
)["UserPool"]["Id"]
flows = ["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
client = idp.create_user_pool_client(UserPoolId=pool, ClientName="web", ExplicitAuthFlows=flows)[
    "UserPoolClient"
]["ClientId"]
other = idp.create_user_pool_client(UserPoolId=pool, ClientName="other", ExplicitAuthFlows=flows)[
    "UserPoolClient"
]["ClientId"]
for user in ["alice", "bob"]:
    idp.admin_create_user(UserPoolId=pool, Username=user, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username=user, Password=PASSWORD, Permanent=True)


def token(user, via=client):
    return idp.initiate_auth(
        ClientId=via,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]


alice = token("alice")
bob = token("bob")

expect_error(
    "WebAuthnConfigurationMissingException",
    idp.start_web_authn_registration,
    AccessToken=alice,
)
ok("no relying party id and no domain: WebAuthnConfigurationMissingException")
idp.set_user_pool_mfa_config(
    UserPoolId=pool,
    MfaConfiguration="OFF",
    WebAuthnConfiguration={"RelyingPartyId": "localhost", "UserVerification": "preferred"},
)
got = idp.get_user_pool_mfa_config(UserPoolId=pool)
assert got["WebAuthnConfiguration"]["RelyingPartyId"] == "localhost", got
ok("SetUserPoolMfaConfig / GetUserPoolMfaConfig keep WebAuthnConfiguration")

start = idp.initiate_auth(ClientId=client, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "alice"})
assert start["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"], start
ok("no passkey yet: WEB_AUTHN is not offered")

# ---- registration
device = Authenticator()


def options(access):
    return idp.start_web_authn_registration(AccessToken=access)["CredentialCreationOptions"]


o = options(alice)
assert o["rp"]["id"] == "localhost" and o["user"]["name"] == "alice", o
assert o["authenticatorSelection"]["residentKey"] == "required", o
first = device.create(o)
idp.complete_web_authn_registration(AccessToken=alice, Credential=first)
ok("attestation none registered")
expect_error(
    "WebAuthnChallengeNotFoundException",
    idp.complete_web_authn_registration,
    AccessToken=alice,
    Credential=first,
)
ok("a challenge is answered once")

expect_error(
    "WebAuthnOriginNotAllowedException",
    idp.complete_web_authn_registration,
    AccessToken=alice,
    Credential=device.create(options(alice), origin="https://evil.example"),
)
ok("another origin: WebAuthnOriginNotAllowedException")
expect_error(
    "WebAuthnOriginNotAllowedException",
    idp.complete_web_authn_registration,
    AccessToken=alice,
    Credential=device.create(options(alice), origin="http://localhost.evil.example"),
)
ok("a look-alike host: WebAuthnOriginNotAllowedException")
expect_error(
    "WebAuthnRelyingPartyMismatchException",
    idp.complete_web_authn_registration,
    AccessToken=alice,
    Credential=device.create(options(alice), rp_id="example.com"),
)
ok("another relying party's rpIdHash: WebAuthnRelyingPartyMismatchException")
o = options(alice)
expect_error(
    "WebAuthnClientMismatchException",
    idp.complete_web_authn_registration,
    AccessToken=token("alice", other),
    Credential=device.create(o),
)
ok("completed through another app client: WebAuthnClientMismatchException")

idp.complete_web_authn_registration(
    AccessToken=alice, Credential=device.create(options(alice), origin="http://localhost:8080", fmt="packed")
)
ok("packed self attestation registered (http://localhost on another port)")
key, certs = x5c_chain()
idp.complete_web_authn_registration(
    AccessToken=alice, Credential=device.create(options(alice), fmt="packed", chain=(key, certs))
)
ok("packed attestation with a valid x5c chain registered")
key, certs = x5c_chain(broken=True)
expect_error(
    "WebAuthnCredentialNotSupportedException",
    idp.complete_web_authn_registration,
    AccessToken=alice,
    Credential=device.create(options(alice), fmt="packed", chain=(key, certs)),
)
ok("an x5c leaf not signed by its issuer: WebAuthnCredentialNotSupportedException")

taken = websafe_decode(first["rawId"])
thief = Authenticator()
expect_error(
    "WebAuthnCredentialNotSupportedException",
    idp.complete_web_authn_registration,
    AccessToken=bob,
    Credential=thief.create(options(bob), cred_id=taken),
)
ok("a credential id registered in the pool already is refused for another user")

listed = idp.list_web_authn_credentials(AccessToken=alice)["Credentials"]
assert len(listed) == 3, listed
assert {c["RelyingPartyId"] for c in listed} == {"localhost"}, listed
assert all(c["AuthenticatorAttachment"] == "platform" for c in listed), listed
assert first["id"] in [c["CredentialId"] for c in listed], listed
page = idp.list_web_authn_credentials(AccessToken=alice, MaxResults=2)
assert len(page["Credentials"]) == 2 and "NextToken" in page, page
ok("ListWebAuthnCredentials lists alice's three passkeys, in pages")
assert idp.list_web_authn_credentials(AccessToken=bob)["Credentials"] == []
factors = idp.get_user_auth_factors(AccessToken=alice)
assert factors["ConfiguredUserAuthFactors"] == ["PASSWORD", "WEB_AUTHN"], factors
assert idp.admin_get_user_auth_factors(UserPoolId=pool, Username="bob")[
    "ConfiguredUserAuthFactors"
] == ["PASSWORD"]
ok("GetUserAuthFactors / AdminGetUserAuthFactors")

# ---- sign-in
def challenge(preferred=True):
    if preferred:
        c = idp.initiate_auth(
            ClientId=client,
            AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": "alice", "PREFERRED_CHALLENGE": "WEB_AUTHN"},
        )
    else:
        pick = idp.initiate_auth(
            ClientId=client, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "alice"}
        )
        assert pick["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "WEB_AUTHN"], pick
        c = idp.respond_to_auth_challenge(
            ClientId=client,
            ChallengeName="SELECT_CHALLENGE",
            Session=pick["Session"],
            ChallengeResponses={"USERNAME": "alice", "ANSWER": "WEB_AUTHN"},
        )
    assert c["ChallengeName"] == "WEB_AUTHN", c
    return c, json.loads(c["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])


def answer(c, credential):
    return idp.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="WEB_AUTHN",
        Session=c["Session"],
        ChallengeResponses={"USERNAME": "alice", "CREDENTIAL": credential},
    )


c, req = challenge()
assert req["rpId"] == "localhost", req
assert first["id"] in [a["id"] for a in req["allowCredentials"]], req
done = answer(c, device.get(req, taken))
assert claims(done["AuthenticationResult"]["AccessToken"])["username"] == "alice"
ok("USER_AUTH with PREFERRED_CHALLENGE WEB_AUTHN signs in")
expect_error("NotAuthorizedException", answer, c, device.get(req, taken))
ok("a session answered once")
c, req = challenge(preferred=False)
assertion = device.get(req, taken)
answer(c, assertion)
ok("WEB_AUTHN chosen from SELECT_CHALLENGE signs in")
c, req = challenge()
expect_error("NotAuthorizedException", answer, c, assertion)
ok("a replayed assertion (another challenge) is refused")

c, _ = challenge()
_, req = challenge()
expect_error("NotAuthorizedException", answer, c, device.get(req, taken))
ok("an assertion of another sign-in's challenge is refused")
c, req = challenge()
expect_error("NotAuthorizedException", answer, c, device.get(req, taken, tamper=True))
ok("tampered client data is refused")
c, req = challenge()
stranger = ec.generate_private_key(ec.SECP256R1())
expect_error("NotAuthorizedException", answer, c, device.get(req, taken, key=stranger))
ok("another key's signature is refused")
c, req = challenge()
expect_error("NotAuthorizedException", answer, c, device.get(req, taken, origin="https://evil.example"))
ok("a wrong origin is refused")
c, req = challenge()
expect_error("NotAuthorizedException", answer, c, device.get(req, taken, counter=1))
ok("a signature counter that goes back is refused")
c, req = challenge()
answer(c, device.get(req, taken))
ok("the next counter value signs in")

# ---- a name no user has, through a client that prevents user-existence errors: a WEB_AUTHN
# challenge shaped as a real user's, whose answer is refused as a wrong passkey is
hidden = idp.create_user_pool_client(
    UserPoolId=pool, ClientName="hidden", ExplicitAuthFlows=flows, PreventUserExistenceErrors="ENABLED"
)["UserPoolClient"]["ClientId"]


def hidden_start(name, preferred=True):
    params = {"USERNAME": name}
    if preferred:
        params["PREFERRED_CHALLENGE"] = "WEB_AUTHN"
    c = idp.initiate_auth(ClientId=hidden, AuthFlow="USER_AUTH", AuthParameters=params)
    return c, json.loads(c["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])


def hidden_answer(c, name, credential):
    return idp.respond_to_auth_challenge(
        ClientId=hidden,
        ChallengeName="WEB_AUTHN",
        Session=c["Session"],
        ChallengeResponses={"USERNAME": name, "CREDENTIAL": credential},
    )


real, real_o = hidden_start("alice")
ghost, ghost_o = hidden_start("ghost")
assert real["ChallengeName"] == ghost["ChallengeName"] == "WEB_AUTHN", ghost
assert sorted(real) == sorted(ghost), (real, ghost)
assert sorted(real_o) == sorted(ghost_o), (real_o, ghost_o)
for member in ("rpId", "timeout", "userVerification"):
    assert real_o.get(member) == ghost_o.get(member), (member, real_o, ghost_o)
assert len(websafe_decode(real_o["challenge"])) == len(websafe_decode(ghost_o["challenge"]))
assert len(ghost_o["allowCredentials"]) == 1, ghost_o
assert any(sorted(a) == sorted(ghost_o["allowCredentials"][0]) for a in real_o["allowCredentials"]), (
    real_o,
    ghost_o,
)
_, again_o = hidden_start("ghost")
assert again_o["allowCredentials"] == ghost_o["allowCredentials"], (again_o, ghost_o)
assert again_o["challenge"] != ghost_o["challenge"]
ok("an unknown name gets WEB_AUTHN request options shaped as a real user's, one credential id each time")
wrong_key = ec.generate_private_key(ec.SECP256R1())
expect_error(
    "NotAuthorizedException",
    hidden_answer,
    ghost,
    "ghost",
    device.get(ghost_o, taken),
    message="Incorrect username or passkey.",
)
expect_error(
    "NotAuthorizedException",
    hidden_answer,
    real,
    "alice",
    device.get(real_o, taken, key=wrong_key),
    message="Incorrect username or passkey.",
)
ok("the unknown name's answer is refused as a real user's wrong passkey is")
picked, _ = hidden_start("ghost", preferred=False)
assert picked["ChallengeName"] == "WEB_AUTHN", picked
ok("without a preference: a challenge the pool allows (here its only passwordless one)")

c, req = challenge()
idp.delete_web_authn_credential(AccessToken=alice, CredentialId=first["id"])
expect_error("NotAuthorizedException", answer, c, device.get(req, taken))
ok("a credential deleted after the challenge is refused")
expect_error(
    "ResourceNotFoundException",
    idp.delete_web_authn_credential,
    AccessToken=alice,
    CredentialId=first["id"],
)
ok("deleting it again: ResourceNotFoundException")
for cred in idp.list_web_authn_credentials(AccessToken=alice)["Credentials"]:
    idp.delete_web_authn_credential(AccessToken=alice, CredentialId=cred["CredentialId"])
start = idp.initiate_auth(ClientId=client, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "alice"})
assert start["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"], start
ok("no passkey left: WEB_AUTHN is not offered")

# ---- user verification required
idp.set_user_pool_mfa_config(
    UserPoolId=pool,
    MfaConfiguration="OFF",
    WebAuthnConfiguration={"RelyingPartyId": "localhost", "UserVerification": "required"},
)
o = options(alice)
assert o["authenticatorSelection"]["userVerification"] == "required", o
expect_error(
    "WebAuthnCredentialNotSupportedException",
    idp.complete_web_authn_registration,
    AccessToken=alice,
    Credential=Authenticator(uv=False).create(o),
)
ok("required user verification: an authenticator without it is refused")

# ---- a relying party on a domain: https, the host or a subdomain
web = idp.create_user_pool(
    PoolName="passkeys-web",
    Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}},
)["UserPool"]["Id"]
web_client = idp.create_user_pool_client(UserPoolId=web, ClientName="web", ExplicitAuthFlows=flows)[
    "UserPoolClient"
]["ClientId"]
idp.admin_create_user(UserPoolId=web, Username="carol", MessageAction="SUPPRESS")
idp.admin_set_user_password(UserPoolId=web, Username="carol", Password=PASSWORD, Permanent=True)
idp.set_user_pool_mfa_config(
    UserPoolId=web, MfaConfiguration="OFF", WebAuthnConfiguration={"RelyingPartyId": "example.com"}
)
carol = token("carol", web_client)
for origin in ["http://example.com", "https://badexample.com", "http://localhost:3000"]:
    expect_error(
        "WebAuthnOriginNotAllowedException",
        idp.complete_web_authn_registration,
        AccessToken=carol,
        Credential=device.create(options(carol), origin=origin),
    )
ok("relying party example.com: http, a look-alike domain and localhost are refused")
idp.complete_web_authn_registration(
    AccessToken=carol, Credential=device.create(options(carol), origin="https://login.example.com")
)
ok("relying party example.com: a https subdomain is accepted")

print(json.dumps({"checks": checks()}))
