#!/usr/bin/env python3
"""pycognito's MFA and device support against a running cognate server.

usage: mfa_devices.py ENDPOINT_URL

Software-token MFA as pycognito does it: associate_software_token, verify_software_token (a
wrong code, then a right one), set_user_mfa_preference, a login raising
SoftwareTokenMFAChallengeException, respond_to_software_token_mfa_challenge (a wrong code, then
a right one; with and without a client secret), renewal after an MFA login. Devices as
pycognito's AWSSRP does them: confirm_device with its own SRP verifier, update_device_status,
a login with device_key / device_group_key / device_password answering DEVICE_SRP_AUTH and
DEVICE_PASSWORD_VERIFIER (no second factor asked), a wrong device password, a device that is
no longer remembered (MFA again), forget_device.

TOTP codes are computed here with hmac/hashlib (RFC 6238, SHA-1, 6 digits, 30 s), each
30-second step used once (the server refuses a code used before). Boto3 does the admin calls.

pycognito's confirm_device / update_device_status / forget_device post with `requests` to the
AWS URL they build themselves (`https://cognito-idp.{region}.amazonaws.com/`), ignoring the
boto3 endpoint: this script hands them a `requests` stand-in that sends exactly that request
to the local server instead (and refuses any other URL), so no request ever leaves the machine.

Prints one line per check on stderr and {"checks": N} on stdout; exits 1 at the first failure.
"""

import base64
import hashlib
import hmac
import json
import os
import struct
import time
import types

import boto3
import requests
from pycognito import Cognito
from pycognito import aws_srp as aws_srp_module
from pycognito.aws_srp import AWSSRP
from pycognito.exceptions import SoftwareTokenMFAChallengeException
from harness import ENDPOINT, REGION, PASSWORD, idp, ok, checks, expect_error, cognito, claims


class Authenticator:
    """An authenticator app: RFC 6238 codes for a base32 secret, each step used at most once.

    The server accepts the steps one either side of its clock and a step only once, so codes
    are taken from the step before now onwards; a fourth code within one step waits for the
    next step. Never close to a step boundary, so a code cannot go stale in flight."""

    def __init__(self, secret):
        self.key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        self.last = None

    def code_for(self, step):
        digest = hmac.new(self.key, struct.pack(">Q", step), hashlib.sha1).digest()
        offset = digest[-1] & 0x0F
        value = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
        return f"{value:06d}"

    def code(self):
        while True:
            now = time.time()
            if 30 - now % 30 < 2:
                time.sleep(2.5)
                continue
            step = int(now) // 30
            want = step - 1 if self.last is None else max(self.last + 1, step - 1)
            if want <= step + 1:
                self.last = want
                return self.code_for(want)
            time.sleep(30 - now % 30 + 0.5)

    def wrong(self):
        """A six-digit code that is none of the codes the server would accept now."""
        step = int(time.time()) // 30
        near = {self.code_for(s) for s in range(step - 2, step + 3)}
        return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in near)


# pycognito's device calls go to the AWS URL it builds; send them here instead.
AWS_URL = f"https://cognito-idp.{REGION}.amazonaws.com/"
device_calls = []


def post_to_local(url, headers=None, data=None, timeout=None):
    assert url == AWS_URL, f"pycognito posted to an unexpected URL: {url}"
    response = requests.post(ENDPOINT + "/", headers=headers, data=data, timeout=timeout)
    target = headers["X-Amz-Target"].rsplit(".", 1)[1]
    device_calls.append((target, response.status_code, response.json()))
    return response


aws_srp_module.requests = types.SimpleNamespace(post=post_to_local)


def new_pool(name, **settings):
    pool_id = idp.create_user_pool(PoolName=name, **settings)["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )
    flows = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    public = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=flows)[
        "UserPoolClient"]["ClientId"]
    confidential = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="confidential", GenerateSecret=True, ExplicitAuthFlows=flows
    )["UserPoolClient"]
    return pool_id, public, (confidential["ClientId"], confidential["ClientSecret"])


def new_user(pool_id, username):
    idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)


# ---- software-token MFA with pycognito's Cognito class
pool, client, (secret_client, client_secret) = new_pool("pycognito-mfa")
config = idp.get_user_pool_mfa_config(UserPoolId=pool)
assert config["MfaConfiguration"] == "OPTIONAL", config
assert config["SoftwareTokenMfaConfiguration"] == {"Enabled": True}, config
new_user(pool, "alice")
u = cognito(pool, client, "alice")
u.authenticate(PASSWORD)
assert u.access_claims["username"] == "alice"
ok("SetUserPoolMfaConfig OPTIONAL; a login with no factor yet gives tokens")

secret = u.associate_software_token()
assert len(secret) == 52 and secret == secret.upper() and secret.isalnum(), secret
app = Authenticator(secret)
expect_error("EnableSoftwareTokenMFAException", u.verify_software_token, app.wrong(), "phone",
             message="Code mismatch and fail enable Software Token MFA")
ok("associate_software_token: a 52-character base32 secret; a wrong code refused")
assert u.verify_software_token(app.code(), "phone") is True
ok("verify_software_token with a TOTP computed here: SUCCESS")

expect_error("InvalidParameterException", u.set_user_mfa_preference, True, True, "SMS",
             message="User does not have delivery config set to turn on SMS_MFA")
u.set_user_mfa_preference(False, True, "SOFTWARE_TOKEN")
user = idp.admin_get_user(UserPoolId=pool, Username="alice")
assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"], user
assert user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA", user
ok("set_user_mfa_preference: SMS refused (no phone), SOFTWARE_TOKEN enabled and preferred")

v = cognito(pool, client, "alice")
try:
    v.authenticate(PASSWORD)
    raise AssertionError("no MFA challenge")
except SoftwareTokenMFAChallengeException as e:
    challenge = e.get_tokens()
assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA", challenge
assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] == "alice", challenge
assert "AuthenticationResult" not in challenge
assert v.access_token is None and v.mfa_tokens["Session"] == challenge["Session"]
ok("authenticate raises SoftwareTokenMFAChallengeException with the session")

expect_error("CodeMismatchException", v.respond_to_software_token_mfa_challenge, app.wrong(),
             message="Invalid code received for user")
v.respond_to_software_token_mfa_challenge(app.code())
assert v.access_claims["username"] == "alice" and v.id_claims["cognito:username"] == "alice"
ok("respond_to_software_token_mfa_challenge: a wrong code refused, then tokens pycognito verifies")

old = v.access_token
v.renew_access_token()
assert v.access_token != old and v.access_claims["username"] == "alice"
ok("renew_access_token after an MFA login")

w = cognito(pool, secret_client, "alice", client_secret)
try:
    w.authenticate(PASSWORD)
    raise AssertionError("no MFA challenge")
except SoftwareTokenMFAChallengeException:
    pass
w.respond_to_software_token_mfa_challenge(app.code())
assert w.access_claims["client_id"] == secret_client
ok("with a client secret: SECRET_HASH on the MFA answer accepted")

w.set_user_mfa_preference(False, False)
x = cognito(pool, client, "alice")
x.authenticate(PASSWORD)
assert x.access_claims["username"] == "alice"
assert "UserMFASettingList" not in idp.admin_get_user(UserPoolId=pool, Username="alice")
ok("set_user_mfa_preference(False, False): logins need no second factor again")

# ---- devices with pycognito's AWSSRP
dpool = idp.create_user_pool(
    PoolName="pycognito-devices",
    DeviceConfiguration={"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True},
)["UserPool"]["Id"]
idp.set_user_pool_mfa_config(UserPoolId=dpool, MfaConfiguration="OPTIONAL",
                             SoftwareTokenMfaConfiguration={"Enabled": True})
dclient = idp.create_user_pool_client(
    UserPoolId=dpool, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
)["UserPoolClient"]["ClientId"]
new_user(dpool, "dave")


def srp(**device):
    return AWSSRP(username="dave", password=PASSWORD, pool_id=dpool, client_id=dclient, client=idp, **device)


aws = srp()
tokens = aws.authenticate_user()
result = tokens["AuthenticationResult"]
key = result["NewDeviceMetadata"]["DeviceKey"]
group = result["NewDeviceMetadata"]["DeviceGroupKey"]
access = result["AccessToken"]
assert key.startswith(f"{REGION}_"), key
assert claims(access)["device_key"] == key
ok("a login on a pool that tracks devices: NewDeviceMetadata, device_key claim")

response, device_password = aws.confirm_device(tokens, device_name="pycognito")
assert response.status_code == 200 and response.json() == {"UserConfirmationNecessary": True}, response.text
assert device_calls[-1][0] == "ConfirmDevice"
got = idp.admin_get_device(UserPoolId=dpool, Username="dave", DeviceKey=key)["Device"]
attrs = {a["Name"]: a["Value"] for a in got["DeviceAttributes"]}
assert attrs["device_name"] == "pycognito", attrs
assert attrs["dev:device_remembered_status"] == "not_remembered", attrs
ok("confirm_device with pycognito's verifier: UserConfirmationNecessary, not yet remembered")

aws.update_device_status(True, access, key)
assert device_calls[-1] == ("UpdateDeviceStatus", 200, {}), device_calls[-1]
got = idp.admin_get_device(UserPoolId=dpool, Username="dave", DeviceKey=key)["Device"]
attrs = {a["Name"]: a["Value"] for a in got["DeviceAttributes"]}
assert attrs["dev:device_remembered_status"] == "remembered", attrs
ok("update_device_status(True): remembered")

d = cognito(dpool, dclient, "dave")
d.access_token = access
dapp = Authenticator(d.associate_software_token())
assert d.verify_software_token(dapp.code(), "phone") is True
d.set_user_mfa_preference(False, True, "SOFTWARE_TOKEN")
e = cognito(dpool, dclient, "dave")
try:
    e.authenticate(PASSWORD)
    raise AssertionError("no MFA challenge")
except SoftwareTokenMFAChallengeException:
    pass
e.respond_to_software_token_mfa_challenge(dapp.code())
assert e.access_claims["username"] == "dave"
ok("TOTP on for dave: a login without the device asks SOFTWARE_TOKEN_MFA")

remembered = srp(device_key=key, device_group_key=group, device_password=device_password)
tokens = remembered.authenticate_user()
result = tokens["AuthenticationResult"]
assert "NewDeviceMetadata" not in result, result
assert claims(result["AccessToken"])["device_key"] == key
assert claims(result["AccessToken"])["username"] == "dave"
ok("a login with the remembered device: DEVICE_SRP_AUTH + DEVICE_PASSWORD_VERIFIER, no MFA")

bad = srp(device_key=key, device_group_key=group,
          device_password=base64.standard_b64encode(os.urandom(40)).decode())
expect_error("NotAuthorizedException", bad.authenticate_user, message="Incorrect username or password.")
ok("a wrong device password: NotAuthorizedException")

idp.admin_update_device_status(UserPoolId=dpool, Username="dave", DeviceKey=key,
                               DeviceRememberedStatus="not_remembered")
try:
    srp(device_key=key, device_group_key=group, device_password=device_password).authenticate_user()
    raise AssertionError("no MFA challenge")
except SoftwareTokenMFAChallengeException as ex:
    assert ex.get_tokens()["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
ok("a device no longer remembered: SOFTWARE_TOKEN_MFA again")

aws.forget_device(access, key)
assert device_calls[-1] == ("ForgetDevice", 200, {}), device_calls[-1]
keys = [dv["DeviceKey"] for dv in idp.admin_list_devices(UserPoolId=dpool, Username="dave")["Devices"]]
assert key not in keys, keys
expect_error("ResourceNotFoundException",
             srp(device_key=key, device_group_key=group, device_password=device_password).authenticate_user,
             message="Device does not exist.")
ok("forget_device: gone; a login naming it gets ResourceNotFoundException")

assert [c[0] for c in device_calls] == ["ConfirmDevice", "UpdateDeviceStatus", "ForgetDevice"], device_calls

print(json.dumps({"checks": checks()}))
