#!/usr/bin/env python3
"""Drives a running cognate server's account, schema, tag, secret-rotation, session and
auth-event operations with boto3, as an admin tool and an app would.

usage: account_ops.py ENDPOINT_URL

DeleteUser, DeleteUserAttributes, AdminDeleteSoftwareToken, Set/AdminSetUserSettings (SMS MFA
switched on and off, as GetUser shows it); AddCustomAttributes (the attribute written, read
and in the ID token); Tag/Untag/ListTagsForResource on a user-pool ARN, consistent with
DescribeUserPool's UserPoolTags; Add/List/DeleteUserPoolClientSecret with two live secrets,
each valid for SECRET_HASH, the last one not deletable; List/AdminList/Revoke/AdminRevokeUserSession
over real logins (a revoked session's refresh token refused), the session configuration with
MaxPerUser enforced; Describe/SetRiskConfiguration and AdminListUserAuthEvents with every sign-in
and its outcome, AdminUpdateAuthEventFeedback. Error paths check Cognito's codes. Prints one
line per check on stderr and a JSON summary on stdout; exits 1 at the first failure.
"""

import base64
import hashlib
import hmac
import json

from harness import PASSWORD, checks, claims, expect_error, idp, ok


def secret_hash(secret, username, client_id):
    mac = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def session_id(token):
    """The SessionId of the login a token belongs to (services::sessions::session_id)."""
    return "tkn" + hashlib.sha256(claims(token)["origin_jti"].encode()).hexdigest()[:25]


def login(client_id, username, secret=None, password=PASSWORD):
    params = {"USERNAME": username, "PASSWORD": password}
    if secret:
        params["SECRET_HASH"] = secret_hash(secret, username, client_id)
    return idp.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params
    )["AuthenticationResult"]


def user(pool_id, name, attrs=()):
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=name,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": k, "Value": v} for k, v in attrs],
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)


pool = idp.create_user_pool(
    PoolName="account-ops",
    UserPoolTags={"team": "auth"},
    UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"},
    MfaConfiguration="OPTIONAL",
    SmsConfiguration={"SnsCallerArn": "arn:aws:iam::123456789012:role/sms", "ExternalId": "x"},
)["UserPool"]
pool_id, arn = pool["Id"], pool["Arn"]
flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
client_id = idp.create_user_pool_client(
    UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=flows
)["UserPoolClient"]["ClientId"]
user(pool_id, "alice", [("phone_number", "+15555550100"), ("email", "alice@example.com")])
ok("pool with tags and threat protection, client, user")

# ---- account self-service
tokens = login(client_id, "alice")
idp.delete_user_attributes(AccessToken=tokens["AccessToken"], UserAttributeNames=["email"])
attrs = {a["Name"]: a["Value"] for a in idp.get_user(AccessToken=tokens["AccessToken"])["UserAttributes"]}
assert "email" not in attrs and "email_verified" not in attrs and attrs["phone_number"], attrs
expect_error(
    "InvalidParameterException",
    idp.delete_user_attributes,
    AccessToken=tokens["AccessToken"],
    UserAttributeNames=["sub"],
)
ok("DeleteUserAttributes removes the attribute; sub cannot go")

idp.set_user_settings(
    AccessToken=tokens["AccessToken"],
    MFAOptions=[{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}],
)
got = idp.get_user(AccessToken=tokens["AccessToken"])
assert got.get("UserMFASettingList") == ["SMS_MFA"], got
idp.admin_set_user_settings(UserPoolId=pool_id, Username="alice", MFAOptions=[])
got = idp.admin_get_user(UserPoolId=pool_id, Username="alice")
assert not got.get("UserMFASettingList"), got
expect_error(
    "InvalidParameterException",
    idp.admin_set_user_settings,
    UserPoolId=pool_id,
    Username="alice",
    MFAOptions=[{"DeliveryMedium": "EMAIL", "AttributeName": "email"}],
)
expect_error(
    "UserNotFoundException",
    idp.admin_set_user_settings,
    UserPoolId=pool_id,
    Username="nobody",
    MFAOptions=[],
)
ok("SetUserSettings / AdminSetUserSettings switch SMS MFA on and off")

idp.associate_software_token(AccessToken=tokens["AccessToken"])
idp.admin_delete_software_token(UserPoolId=pool_id, Username="alice")
expect_error(
    "ResourceNotFoundException",
    idp.admin_delete_software_token,
    UserPoolId="us-east-1_NoSuchPool",
    Username="alice",
)
ok("AdminDeleteSoftwareToken")

user(pool_id, "leaver")
leaver = login(client_id, "leaver")
idp.delete_user(AccessToken=leaver["AccessToken"])
expect_error("UserNotFoundException", idp.admin_get_user, UserPoolId=pool_id, Username="leaver")
expect_error("UserNotFoundException", idp.get_user, AccessToken=leaver["AccessToken"])
ok("DeleteUser deletes the signed-in user; their token is refused")

# ---- schema
idp.add_custom_attributes(
    UserPoolId=pool_id,
    CustomAttributes=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}],
)
schema = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"]
assert any(a["Name"] == "custom:tier" for a in schema), schema
idp.admin_update_user_attributes(
    UserPoolId=pool_id, Username="alice", UserAttributes=[{"Name": "custom:tier", "Value": "gold"}]
)
got = {a["Name"]: a["Value"] for a in idp.admin_get_user(UserPoolId=pool_id, Username="alice")["UserAttributes"]}
assert got["custom:tier"] == "gold", got
assert claims(login(client_id, "alice")["IdToken"])["custom:tier"] == "gold"
expect_error(
    "InvalidParameterException",
    idp.add_custom_attributes,
    UserPoolId=pool_id,
    CustomAttributes=[{"Name": "tier", "AttributeDataType": "String"}],
    message="Existing attribute already has name custom:tier.",
)
expect_error(
    "ResourceNotFoundException",
    idp.add_custom_attributes,
    UserPoolId="us-east-1_NoSuchPool",
    CustomAttributes=[{"Name": "x", "AttributeDataType": "String"}],
)
ok("AddCustomAttributes: written, read, in the ID token; duplicates refused")

# ---- tags
assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "auth"}
idp.tag_resource(ResourceArn=arn, Tags={"env": "dev", "team": "identity"})
assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"env": "dev", "team": "identity"}
idp.untag_resource(ResourceArn=arn, TagKeys=["team"])
assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"env": "dev"}
assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["UserPoolTags"] == {"env": "dev"}
expect_error(
    "ResourceNotFoundException",
    idp.list_tags_for_resource,
    ResourceArn="arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_NoSuchPool",
)
expect_error("InvalidParameterException", idp.tag_resource, ResourceArn="arn:aws:s3:::some-bucket-name", Tags={"a": "b"})
ok("TagResource / UntagResource / ListTagsForResource agree with UserPoolTags")

# ---- client-secret rotation
conf = idp.create_user_pool_client(
    UserPoolId=pool_id, ClientName="conf", GenerateSecret=True, ExplicitAuthFlows=flows
)["UserPoolClient"]
conf_id, first = conf["ClientId"], conf["ClientSecret"]
listed = idp.list_user_pool_client_secrets(UserPoolId=pool_id, ClientId=conf_id)["ClientSecrets"]
assert len(listed) == 1 and "ClientSecretValue" not in listed[0], listed
assert listed[0]["ClientSecretId"].startswith(conf_id + "--"), listed
added = idp.add_user_pool_client_secret(UserPoolId=pool_id, ClientId=conf_id)["ClientSecretDescriptor"]
second = added["ClientSecretValue"]
assert second and second != first, added
login(conf_id, "alice", secret=first)
login(conf_id, "alice", secret=second)
expect_error("NotAuthorizedException", login, conf_id, "alice", secret="wrong-secret-value-123456")
ok("two live secrets, each valid for SECRET_HASH")
expect_error(
    "LimitExceededException",
    idp.add_user_pool_client_secret,
    UserPoolId=pool_id,
    ClientId=conf_id,
    ClientSecret="custom0secret0value0abcdef",
)
first_id = listed[0]["ClientSecretId"]
idp.delete_user_pool_client_secret(UserPoolId=pool_id, ClientId=conf_id, ClientSecretId=first_id)
expect_error("NotAuthorizedException", login, conf_id, "alice", secret=first)
login(conf_id, "alice", secret=second)
assert idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=conf_id)["UserPoolClient"]["ClientSecret"] == second
remaining = idp.list_user_pool_client_secrets(UserPoolId=pool_id, ClientId=conf_id)["ClientSecrets"]
assert [s["ClientSecretId"] for s in remaining] == [added["ClientSecretId"]], remaining
expect_error(
    "InvalidParameterException",
    idp.delete_user_pool_client_secret,
    UserPoolId=pool_id,
    ClientId=conf_id,
    ClientSecretId=added["ClientSecretId"],
)
custom = idp.add_user_pool_client_secret(
    UserPoolId=pool_id, ClientId=conf_id, ClientSecret="custom0secret0value0abcdef"
)["ClientSecretDescriptor"]
assert "ClientSecretValue" not in custom, custom
login(conf_id, "alice", secret="custom0secret0value0abcdef")
expect_error(
    "ResourceNotFoundException",
    idp.delete_user_pool_client_secret,
    UserPoolId=pool_id,
    ClientId=conf_id,
    ClientSecretId=conf_id + "--1",
)
expect_error(
    "InvalidParameterException", idp.add_user_pool_client_secret, UserPoolId=pool_id, ClientId=client_id
)
ok("rotation: limit of two, delete, last one kept, custom value, public client refused")

# ---- GetClientToken: an M2M access token signed with the pool's key (custom scopes must
# belong to a resource server of the pool)
idp.create_resource_server(
    UserPoolId=pool_id,
    Identifier="api",
    Name="api",
    Scopes=[{"ScopeName": "read", "ScopeDescription": "read"}, {"ScopeName": "write", "ScopeDescription": "write"}],
)
m2m = idp.create_user_pool_client(
    UserPoolId=pool_id,
    ClientName="m2m",
    GenerateSecret=True,
    AllowedOAuthFlowsUserPoolClient=True,
    AllowedOAuthFlows=["client_credentials"],
    AllowedOAuthScopes=["api/read", "api/write"],
)["UserPoolClient"]
result = idp.get_client_token(ClientId=m2m["ClientId"], Secret=m2m["ClientSecret"], Scopes=["api/read"])[
    "ClientAuthenticationResult"
]
token_claims = claims(result["AccessToken"])
assert result["TokenType"] == "Bearer" and result["ExpiresIn"] == 3600, result
assert token_claims["sub"] == token_claims["client_id"] == m2m["ClientId"], token_claims
assert token_claims["scope"] == "api/read" and token_claims["token_use"] == "access", token_claims
import urllib.request

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

header = json.loads(base64.urlsafe_b64decode(result["AccessToken"].split(".")[0] + "=="))
jwks = json.load(urllib.request.urlopen(token_claims["iss"] + "/.well-known/jwks.json"))
jwk = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
number = lambda v: int.from_bytes(base64.urlsafe_b64decode(v + "=" * (-len(v) % 4)), "big")
public = rsa.RSAPublicNumbers(number(jwk["e"]), number(jwk["n"])).public_key()
signed, signature = result["AccessToken"].rsplit(".", 1)
public.verify(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)), signed.encode(), padding.PKCS1v15(), hashes.SHA256())
every = idp.get_client_token(ClientId=m2m["ClientId"], Secret=m2m["ClientSecret"])["ClientAuthenticationResult"]
assert claims(every["AccessToken"])["scope"] == "api/read api/write"
expect_error("NotAuthorizedException", idp.get_client_token, ClientId=m2m["ClientId"], Secret="wrong0secret0value0abcdefgh")
expect_error(
    "InvalidParameterException",
    idp.get_client_token,
    ClientId=m2m["ClientId"],
    Secret=m2m["ClientSecret"],
    Scopes=["other/admin"],
)
expect_error("NotAuthorizedException", idp.get_client_token, ClientId=conf_id, Secret=second)
expect_error("ResourceNotFoundException", idp.get_client_token, ClientId="nosuchclient0000000000000", Secret=second)
ok("GetClientToken: an M2M token verified with the pool's JWKS; scopes, secret and flow checked")

# ---- GetDerivedToken: token exchange (impersonation and delegation)
exchanger = idp.create_user_pool_client(
    UserPoolId=pool_id,
    ClientName="exchanger",
    ExplicitAuthFlows=["ALLOW_TOKEN_EXCHANGE_IMPERSONATION", "ALLOW_TOKEN_EXCHANGE_DELEGATION"],
)["UserPoolClient"]["ClientId"]
subject = login(client_id, "alice")
derived = idp.get_derived_token(
    ClientId=exchanger,
    SubjectToken=subject["AccessToken"],
    SubjectTokenType="ACCESS_TOKEN",
    Audiences=["https://api.example.com"],
)
dc = claims(derived["IssuedToken"])
assert derived["IssuedTokenType"] == "ACCESS_TOKEN" and derived["TokenType"] == "Bearer", derived
assert dc["sub"] == claims(subject["AccessToken"])["sub"] and dc["client_id"] == exchanger, dc
assert dc["aud"] == ["https://api.example.com"] and "act" not in dc, dc
assert derived["Scopes"] == ["aws.cognito.signin.user.admin"], derived
assert idp.get_user(AccessToken=derived["IssuedToken"])["Username"] == "alice"
actor = login(client_id, "alice")
delegated = idp.get_derived_token(
    ClientId=exchanger,
    SubjectToken=subject["IdToken"],
    SubjectTokenType="ID_TOKEN",
    ActorToken=actor["AccessToken"],
    ActorTokenType="ACCESS_TOKEN",
)
assert delegated["IssuedTokenType"] == "ID_TOKEN", delegated
assert claims(delegated["IssuedToken"])["act"]["sub"] == claims(actor["AccessToken"])["sub"], delegated
expect_error(
    "NotAuthorizedException",
    idp.get_derived_token,
    ClientId=client_id,
    SubjectToken=subject["AccessToken"],
    SubjectTokenType="ACCESS_TOKEN",
)
expect_error(
    "NotAuthorizedException",
    idp.get_derived_token,
    ClientId=exchanger,
    SubjectToken=subject["AccessToken"][:-4] + "AAAA",
    SubjectTokenType="ACCESS_TOKEN",
)
expect_error(
    "InvalidParameterException",
    idp.get_derived_token,
    ClientId=exchanger,
    SubjectToken=subject["AccessToken"],
    SubjectTokenType="ACCESS_TOKEN",
    Audiences=["a"],
    Resources=["b"],
)
ok("GetDerivedToken: impersonation (audience-bound access token), delegation (act claim), refusals")

# ---- sessions
a = login(client_id, "alice")
b = login(client_id, "alice")
mine = idp.list_user_sessions(AccessToken=b["AccessToken"])["Sessions"]
current = [s for s in mine if s["IsCurrentSession"]]
assert len(current) == 1 and current[0]["SessionId"] == session_id(b["AccessToken"]), mine
admin = idp.admin_list_user_sessions(UserPoolId=pool_id, Username="alice")["Sessions"]
ids = {s["SessionId"] for s in admin}
session_a = session_id(a["AccessToken"])
assert session_a in ids and current[0]["SessionId"] in ids, admin
idp.revoke_user_session(AccessToken=b["AccessToken"], SessionId=session_a)
expect_error("NotAuthorizedException", idp.get_user, AccessToken=a["AccessToken"])
expect_error(
    "NotAuthorizedException",
    idp.initiate_auth,
    ClientId=client_id,
    AuthFlow="REFRESH_TOKEN_AUTH",
    AuthParameters={"REFRESH_TOKEN": a["RefreshToken"]},
)
idp.get_user(AccessToken=b["AccessToken"])
expect_error("ResourceNotFoundException", idp.revoke_user_session, AccessToken=b["AccessToken"], SessionId=session_a)
idp.admin_revoke_user_session(UserPoolId=pool_id, Username="alice", SessionId=current[0]["SessionId"])
expect_error("NotAuthorizedException", idp.get_user, AccessToken=b["AccessToken"])
ok("sessions listed (current marked); revoking one revokes its tokens only")

cfg = idp.get_user_pool_session_configuration(UserPoolId=pool_id)
assert cfg["UserSessionTracking"] == "DISABLED", cfg
cfg = idp.set_user_pool_session_configuration(
    UserPoolId=pool_id, UserSessionTracking="ENABLED", TokenSession={"MaxPerUser": 2}
)
assert cfg["TokenSession"] == {"MaxPerUser": 2}, cfg
first_login = login(client_id, "alice")
login(client_id, "alice")
login(client_id, "alice")
assert len(idp.admin_list_user_sessions(UserPoolId=pool_id, Username="alice")["Sessions"]) == 2
expect_error("NotAuthorizedException", idp.get_user, AccessToken=first_login["AccessToken"])
c = idp.set_user_pool_client_session_configuration(
    UserPoolId=pool_id, ClientId=client_id, SSOSession={"MaxValidityMinutes": 60}
)
assert c["SSOSession"] == {"MaxValidityMinutes": 60}, c
assert idp.get_user_pool_client_session_configuration(UserPoolId=pool_id, ClientId=client_id)["SSOSession"] == {
    "MaxValidityMinutes": 60
}
expect_error(
    "ResourceNotFoundException",
    idp.get_user_pool_client_session_configuration,
    UserPoolId=pool_id,
    ClientId="nosuchclient0000000000000",
)
ok("session configuration: MaxPerUser enforced at login; client session configuration")

# ---- threat protection and auth events
expect_error("NotAuthorizedException", login, client_id, "alice", password="Wrong password 1!")
events = idp.admin_list_user_auth_events(UserPoolId=pool_id, Username="alice")["AuthEvents"]
assert events[0]["EventType"] == "SignIn" and events[0]["EventResponse"] == "Fail", events[0]
passes = [e for e in events if e["EventResponse"] == "Pass"]
assert len(passes) >= 8, len(passes)
idp.admin_update_auth_event_feedback(
    UserPoolId=pool_id, Username="alice", EventId=events[0]["EventId"], FeedbackValue="Invalid"
)
events = idp.admin_list_user_auth_events(UserPoolId=pool_id, Username="alice", MaxResults=1)
assert events["AuthEvents"][0]["EventFeedback"]["FeedbackValue"] == "Invalid", events
assert events.get("NextToken"), events
expect_error(
    "ResourceNotFoundException",
    idp.admin_update_auth_event_feedback,
    UserPoolId=pool_id,
    Username="alice",
    EventId="no-such-event",
    FeedbackValue="Valid",
)
expect_error(
    "NotAuthorizedException",
    idp.update_auth_event_feedback,
    UserPoolId=pool_id,
    Username="alice",
    EventId=events["AuthEvents"][0]["EventId"],
    FeedbackToken="not-the-token",
    FeedbackValue="Valid",
)
ok("AdminListUserAuthEvents: every sign-in with its outcome; feedback")

risk = idp.set_risk_configuration(
    UserPoolId=pool_id,
    CompromisedCredentialsRiskConfiguration={"Actions": {"EventAction": "BLOCK"}},
    RiskExceptionConfiguration={"BlockedIPRangeList": ["10.0.0.0/8"]},
)["RiskConfiguration"]
assert risk["UserPoolId"] == pool_id and risk["LastModifiedDate"], risk
got = idp.describe_risk_configuration(UserPoolId=pool_id, ClientId=client_id)["RiskConfiguration"]
assert got["RiskExceptionConfiguration"] == {"BlockedIPRangeList": ["10.0.0.0/8"]}, got
plain = idp.create_user_pool(PoolName="no-threat-protection")["UserPool"]["Id"]
expect_error("UserPoolAddOnNotEnabledException", idp.describe_risk_configuration, UserPoolId=plain)
expect_error(
    "UserPoolAddOnNotEnabledException", idp.admin_list_user_auth_events, UserPoolId=plain, Username="x"
)
ok("Set/DescribeRiskConfiguration; threat protection required")

print(json.dumps({"checks": checks()}))
