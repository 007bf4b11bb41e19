#!/usr/bin/env python3
"""Sign-up and account recovery against a running cognate server, as an app does them.

usage: signup_recovery.py ENDPOINT_URL

pycognito registers a user (Cognito.register), reads the confirmation code from the server's
outbox (GET /_cognate/outbox), confirms it (confirm_sign_up) and logs in with USER_SRP_AUTH
(authenticate); then forgot password (initiate_forgot_password, confirm_forgot_password) with the
old password refused and the new one accepted, change_password, attribute verification
(update_profile, send_verification, validate_verification), and the same with a client secret.
boto3 drives AdminResetUserPassword and checks the error codes and messages. Prints one line per
check on stderr and a JSON summary on stdout; exits 1 at the first failure.
"""

import json
import urllib.parse
import urllib.request

import boto3
from pycognito import Cognito
from harness import ENDPOINT, REGION, PASSWORD, idp, ok, checks, expect_error, claims

NEW_PASSWORD = "Battery staple 2?"
THIRD_PASSWORD = "Third password 3#"


MISMATCH = "Invalid verification code provided, please try again."
EXPIRED = "Invalid code provided, please request a code again."
LIMIT = "Attempt limit exceeded, please try after some time."


def cognito(username, client=None, secret=None):
    return Cognito(
        pool_id,
        client or client_id,
        username=username,
        client_secret=secret,
        boto3_client_kwargs={"endpoint_url": ENDPOINT, "region_name": REGION},
    )


def outbox(**filters):
    query = urllib.parse.urlencode(filters)
    with urllib.request.urlopen(f"{ENDPOINT}/_cognate/outbox?{query}") as resp:
        assert resp.status == 200
        return json.loads(resp.read())["messages"]


def latest_code(username, purpose):
    messages = outbox(pool=pool_id, username=username, purpose=purpose)
    assert messages, f"no {purpose} message for {username}"
    code = messages[-1]["code"]
    assert len(code) == 6 and code.isdigit(), code
    return code


def wrong(code):
    return "111111" if code == "000000" else "000000"


# ---- a pool where users sign up and verify their email
pool_id = idp.create_user_pool(
    PoolName="signup-interop",
    AutoVerifiedAttributes=["email"],
    AliasAttributes=["email"],
    Schema=[{"Name": "name", "AttributeDataType": "String", "Required": True}],
)["UserPool"]["Id"]
client_id = idp.create_user_pool_client(
    UserPoolId=pool_id,
    ClientName="app",
    ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
)["UserPoolClient"]["ClientId"]
secret_client = idp.create_user_pool_client(
    UserPoolId=pool_id,
    ClientName="backend",
    GenerateSecret=True,
    ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
)["UserPoolClient"]
ok("pool and clients created")

# ---- pycognito: register, read the code, confirm, log in
pia = cognito("pia")
pia.set_base_attributes(email="pia@example.com", name="Pia")
answer = pia.register("pia", PASSWORD)
assert answer["UserConfirmed"] is False, answer
assert answer["CodeDeliveryDetails"] == {
    "Destination": "p***@e***.com",
    "DeliveryMedium": "EMAIL",
    "AttributeName": "email",
}, answer
assert len(answer["UserSub"]) == 36, answer
ok("register answers UserConfirmed=false and the masked destination")

expect_error("UserNotConfirmedException", cognito("pia").authenticate, PASSWORD,
             message="User is not confirmed.")
ok("an unconfirmed user cannot log in")

again = cognito("pia")
again.set_base_attributes(email="pia2@example.com", name="Pia")
expect_error("UsernameExistsException", again.register, "pia", PASSWORD,
             message="User already exists")
ok("registering a taken name: UsernameExistsException")

weak = cognito("weak")
weak.set_base_attributes(email="weak@example.com", name="Weak")
expect_error("InvalidPasswordException", weak.register, "weak", "alllowercase1!",
             message="Password did not conform with policy: Password must have uppercase characters")
ok("a weak password: InvalidPasswordException with Cognito's message")

nameless = cognito("nameless")
nameless.set_base_attributes(email="nameless@example.com")
expect_error("InvalidParameterException", nameless.register, "nameless", PASSWORD,
             message="Attributes did not conform to the schema: name: The attribute is required\n")
ok("a missing required attribute: InvalidParameterException")

messages = outbox(pool=pool_id, username="pia")
assert len(messages) == 1, messages
m = messages[0]
assert (m["poolId"], m["username"], m["purpose"], m["medium"], m["destination"]) == (
    pool_id, "pia", "SIGN_UP", "EMAIL", "pia@example.com"), m
code = m["code"]
ok("the outbox holds the confirmation code")

expect_error("CodeMismatchException", pia.confirm_sign_up, wrong(code), username="pia",
             message=MISMATCH)
pia.confirm_sign_up(code, username="pia")
ok("confirm_sign_up: a wrong code refused, the right one accepted")
expect_error("NotAuthorizedException", pia.confirm_sign_up, code, username="pia",
             message="User cannot be confirmed. Current status is CONFIRMED")
ok("confirming twice: NotAuthorizedException")

pia = cognito("pia")
pia.authenticate(PASSWORD)
id_claims = claims(pia.id_token)
assert id_claims["email_verified"] is True and id_claims["email"] == "pia@example.com", id_claims
ok("SRP login after confirmation; email_verified=true in the ID token")

# ---- forgot password
forgetful = cognito("pia")
forgetful.initiate_forgot_password()
code = latest_code("pia", "FORGOT_PASSWORD")
expect_error("CodeMismatchException", forgetful.confirm_forgot_password, wrong(code), NEW_PASSWORD,
             message=MISMATCH)
forgetful.confirm_forgot_password(code, NEW_PASSWORD)
ok("initiate_forgot_password / confirm_forgot_password with the outbox code")
expect_error("ExpiredCodeException", forgetful.confirm_forgot_password, code, THIRD_PASSWORD,
             message=EXPIRED)
ok("a forgot-password code is single-use")
expect_error("NotAuthorizedException", cognito("pia").authenticate, PASSWORD,
             message="Incorrect username or password.")
pia = cognito("pia")
pia.authenticate(NEW_PASSWORD)
ok("the old password is refused, the new one logs in")

# ---- change password (the session goes on)
pia.change_password(NEW_PASSWORD, THIRD_PASSWORD)
me = idp.get_user(AccessToken=pia.access_token)
assert me["Username"] == "pia", me
expect_error("NotAuthorizedException", cognito("pia").authenticate, NEW_PASSWORD)
cognito("pia").authenticate(THIRD_PASSWORD)
ok("change_password: the access token still works, the new password logs in")
expect_error("NotAuthorizedException", pia.change_password, "Not the password 1!", PASSWORD,
             message="Incorrect username or password.")
expect_error("InvalidPasswordException", pia.change_password, THIRD_PASSWORD, "short",
             message="Password did not conform with policy: Password not long enough")
ok("change_password: wrong previous password, weak proposed password")

# ---- attribute verification
pia.update_profile({"email": "pia@new.example.org"})
code = latest_code("pia", "VERIFY_ATTRIBUTE")


def verified():
    attrs = {a["Name"]: a["Value"] for a in idp.get_user(AccessToken=pia.access_token)["UserAttributes"]}
    return attrs["email"], attrs["email_verified"]


assert verified() == ("pia@new.example.org", "false"), verified()
expect_error("CodeMismatchException", pia.validate_verification, wrong(code), message=MISMATCH)
pia.validate_verification(code)
assert verified() == ("pia@new.example.org", "true"), verified()
pia.send_verification("email")
pia.validate_verification(latest_code("pia", "VERIFY_ATTRIBUTE"))
ok("update_profile sends a code; validate_verification / send_verification verify the email")

# ---- a client with a secret: every call carries SecretHash
sam = cognito("sam", secret_client["ClientId"], secret_client["ClientSecret"])
sam.set_base_attributes(email="sam@example.com", name="Sam")
sam.register("sam", PASSWORD)
sam.confirm_sign_up(latest_code("sam", "SIGN_UP"), username="sam")
cognito("sam", secret_client["ClientId"], secret_client["ClientSecret"]).authenticate(PASSWORD)
ok("register / confirm_sign_up / authenticate with a client secret")
expect_error("NotAuthorizedException", idp.sign_up, ClientId=secret_client["ClientId"],
             Username="tom", Password=PASSWORD,
             UserAttributes=[{"Name": "name", "Value": "Tom"}],
             message=f"Client {secret_client['ClientId']} is configured for secret but secret was not received")
ok("SignUp without SecretHash on a secret client: NotAuthorizedException")

# ---- boto3: AdminResetUserPassword and the code errors
idp.admin_reset_user_password(UserPoolId=pool_id, Username="sam")
assert idp.admin_get_user(UserPoolId=pool_id, Username="sam")["UserStatus"] == "RESET_REQUIRED"
expect_error("PasswordResetRequiredException",
             cognito("sam", secret_client["ClientId"], secret_client["ClientSecret"]).authenticate,
             PASSWORD, message="Password reset required for the user")
ok("AdminResetUserPassword: RESET_REQUIRED, login refused with PasswordResetRequiredException")

code = latest_code("sam", "FORGOT_PASSWORD")
secret_hash = __import__("pycognito").aws_srp.AWSSRP.get_secret_hash(
    "sam", secret_client["ClientId"], secret_client["ClientSecret"])
reset = dict(ClientId=secret_client["ClientId"], Username="sam", SecretHash=secret_hash,
             Password=NEW_PASSWORD)
for _ in range(5):
    expect_error("CodeMismatchException", idp.confirm_forgot_password, ConfirmationCode=wrong(code),
                 message=MISMATCH, **reset)
expect_error("LimitExceededException", idp.confirm_forgot_password, ConfirmationCode=code,
             message=LIMIT, **reset)
ok("five wrong codes, then LimitExceededException even for the right one")
idp.forgot_password(ClientId=secret_client["ClientId"], Username="sam", SecretHash=secret_hash)
idp.confirm_forgot_password(ConfirmationCode=latest_code("sam", "FORGOT_PASSWORD"), **reset)
assert idp.admin_get_user(UserPoolId=pool_id, Username="sam")["UserStatus"] == "CONFIRMED"
cognito("sam", secret_client["ClientId"], secret_client["ClientSecret"]).authenticate(NEW_PASSWORD)
ok("a new code resets the attempts; the user is CONFIRMED with the new password")

expect_error("UserNotFoundException", idp.forgot_password, ClientId=client_id, Username="ghost",
             message="Username/client id combination not found.")
expect_error("InvalidParameterException", idp.resend_confirmation_code, ClientId=client_id,
             Username="pia", message="User is already confirmed.")
idp.admin_create_user(UserPoolId=pool_id, Username="admin-made", MessageAction="SUPPRESS",
                      UserAttributes=[{"Name": "name", "Value": "A"}])
expect_error("NotAuthorizedException", idp.admin_reset_user_password, UserPoolId=pool_id,
             Username="admin-made", message="User password cannot be reset in the current state.")
ok("ForgotPassword / ResendConfirmationCode / AdminResetUserPassword error codes")

idp.update_user_pool(UserPoolId=pool_id,
                     AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
                     AutoVerifiedAttributes=["email"])
expect_error("NotAuthorizedException", idp.sign_up, ClientId=client_id, Username="late",
             Password=PASSWORD, UserAttributes=[{"Name": "name", "Value": "L"}],
             message="SignUp is not permitted for this user pool")
ok("AllowAdminCreateUserOnly: SignUp refused")

print(json.dumps({"checks": checks()}))
