#!/usr/bin/env python3
"""Drives a running cognate server's configuration-only operations and identity-pool
administration with boto3, and replays what an infrastructure-as-code tool does.

usage: config_identity_ops.py ENDPOINT_URL

cognito-idp: Get/SetUICustomization, managed-login branding (5 operations), terms (6), log
delivery (2), provisioned limits (2), point-in-time recovery (5), replicas (4), CIMD policies
(7) — stored, validated and answered as modeled, with their errors.
cognito-identity: DescribeIdentity, ListIdentities, DeleteIdentities, UnlinkIdentity, developer
identities (GetOpenIdTokenForDeveloperIdentity → GetCredentialsForIdentity with the
cognito-identity.amazonaws.com login, LookupDeveloperIdentity, MergeDeveloperIdentities,
UnlinkDeveloperIdentity), Get/SetPrincipalTagAttributeMap, Tag/Untag/ListTagsForResource.
Then the call sequence of a Terraform apply and destroy of a user pool, its domain, a resource
server, an OAuth client and an identity pool (create, describe, tag, update, list tags, delete). Prints one line per check on
stderr and a JSON summary on stdout; exits 1 at the first failure.
"""

import base64
import datetime
import json

import boto3
from harness import ENDPOINT, PASSWORD, REGION, checks, claims, expect_error, idp, ok

ci = boto3.client("cognito-identity", region_name=REGION, endpoint_url=ENDPOINT)
NO_POOL = "us-east-1_NoSuchPool"

pool_id = idp.create_user_pool(PoolName="config-ops")["UserPool"]["Id"]
client_id = idp.create_user_pool_client(
    UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
)["UserPoolClient"]["ClientId"]

# ---- classic hosted UI customization
empty = idp.get_ui_customization(UserPoolId=pool_id)["UICustomization"]
assert empty["UserPoolId"] == pool_id and "CSS" not in empty, empty
ui = idp.set_ui_customization(UserPoolId=pool_id, CSS=".banner-customizable {color: red}")["UICustomization"]
assert ui["ClientId"] == "ALL" and ui["CSSVersion"] == "1", ui
ui = idp.set_ui_customization(UserPoolId=pool_id, ClientId=client_id, CSS=".label-customizable {}")["UICustomization"]
assert ui["ClientId"] == client_id and isinstance(ui["LastModifiedDate"], datetime.datetime), ui
got = idp.get_ui_customization(UserPoolId=pool_id, ClientId=client_id)["UICustomization"]
assert got["CSS"] == ".label-customizable {}", got
expect_error("ResourceNotFoundException", idp.get_ui_customization, UserPoolId=NO_POOL)
expect_error(
    "ResourceNotFoundException", idp.set_ui_customization, UserPoolId=pool_id, ClientId="nosuchclient00000000000000", CSS=""
)
ok("UI customization: pool-wide and per client")

# ---- managed login branding
b = idp.create_managed_login_branding(
    UserPoolId=pool_id, ClientId=client_id, Settings={"components": {"primaryButton": {}}}
)["ManagedLoginBranding"]
bid = b["ManagedLoginBrandingId"]
assert b["Settings"] == {"components": {"primaryButton": {}}} and b["UseCognitoProvidedValues"] is False, b
expect_error(
    "ManagedLoginBrandingExistsException", idp.create_managed_login_branding, UserPoolId=pool_id, ClientId=client_id
)
by_client = idp.describe_managed_login_branding_by_client(UserPoolId=pool_id, ClientId=client_id)
assert by_client["ManagedLoginBranding"]["ManagedLoginBrandingId"] == bid
u = idp.update_managed_login_branding(UserPoolId=pool_id, ManagedLoginBrandingId=bid, UseCognitoProvidedValues=True)
assert u["ManagedLoginBranding"]["UseCognitoProvidedValues"] is True and "Settings" not in u["ManagedLoginBranding"], u
idp.delete_managed_login_branding(UserPoolId=pool_id, ManagedLoginBrandingId=bid)
expect_error("ResourceNotFoundException", idp.describe_managed_login_branding, UserPoolId=pool_id, ManagedLoginBrandingId=bid)
expect_error(
    "ResourceNotFoundException", idp.describe_managed_login_branding_by_client, UserPoolId=pool_id, ClientId=client_id
)
ok("managed login branding: create, one per client, by client, update, delete")

# ---- terms
terms = idp.create_terms(
    UserPoolId=pool_id,
    ClientId=client_id,
    TermsName="terms-of-use",
    TermsSource="LINK",
    Enforcement="NONE",
    Links={"cognito:default": "https://example.com/terms"},
)["Terms"]
tid = terms["TermsId"]
expect_error(
    "TermsExistsException",
    idp.create_terms,
    UserPoolId=pool_id,
    ClientId=client_id,
    TermsName="terms-of-use",
    TermsSource="LINK",
    Enforcement="NONE",
)
t2 = idp.update_terms(TermsId=tid, UserPoolId=pool_id, Links={"cognito:default": "https://example.com/v2"})["Terms"]
assert t2["Links"] == {"cognito:default": "https://example.com/v2"}, t2
got = idp.describe_terms_by_client(ClientId=client_id, UserPoolId=pool_id, TermsName="terms-of-use")["Terms"]
assert got["TermsId"] == tid and idp.describe_terms(TermsId=tid, UserPoolId=pool_id)["Terms"]["TermsName"] == "terms-of-use"
listed = idp.list_terms(UserPoolId=pool_id)["Terms"]
assert [x["TermsId"] for x in listed] == [tid], listed
idp.delete_terms(TermsId=tid, UserPoolId=pool_id)
expect_error("ResourceNotFoundException", idp.describe_terms, TermsId=tid, UserPoolId=pool_id)
ok("terms: create, duplicate refused, update, describe, by client, list, delete")

# ---- log delivery
assert idp.get_log_delivery_configuration(UserPoolId=pool_id)["LogDeliveryConfiguration"]["LogConfigurations"] == []
conf = [
    {
        "LogLevel": "ERROR",
        "EventSource": "userNotification",
        "CloudWatchLogsConfiguration": {"LogGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:cognito"},
    }
]
set_ = idp.set_log_delivery_configuration(UserPoolId=pool_id, LogConfigurations=conf)
assert set_["LogDeliveryConfiguration"]["LogConfigurations"] == conf, set_
assert idp.get_log_delivery_configuration(UserPoolId=pool_id)["LogDeliveryConfiguration"]["LogConfigurations"] == conf
expect_error(
    "InvalidParameterException",
    idp.set_log_delivery_configuration,
    UserPoolId=pool_id,
    LogConfigurations=[{"LogLevel": "ERROR", "EventSource": "userNotification"}],
)
ok("log delivery configuration stored and validated")

# ---- provisioned limits
definition = {"LimitClass": "API_CATEGORY", "Attributes": {"Category": "UserAuthentication"}}
limit = idp.get_provisioned_limit(LimitDefinition=definition)["Limit"]
assert limit["FreeLimitValue"] == limit["ProvisionedLimitValue"] == 120, limit
limit = idp.update_provisioned_limit(LimitDefinition=definition, RequestedLimitValue=200)["Limit"]
assert limit["ProvisionedLimitValue"] == 200 and idp.get_provisioned_limit(LimitDefinition=definition)["Limit"]["ProvisionedLimitValue"] == 200
expect_error("InvalidParameterException", idp.update_provisioned_limit, LimitDefinition=definition, RequestedLimitValue=1)
ok("provisioned limits")

# ---- point-in-time recovery
restore = idp.initiate_point_in_time_recovery(
    UserPoolId=pool_id, RestoreTimestamp=datetime.datetime.now(datetime.timezone.utc)
)
ok_restore = restore["Restoration"]
rid = ok_restore["RestoreId"]
assert ok_restore["RestoreStatus"] == "PREVIEW_GENERATION_FAILED", ok_restore
expect_error("InvalidParameterException", idp.start_point_in_time_recovery, UserPoolId=pool_id, RestoreId=rid)
assert idp.cancel_point_in_time_recovery(UserPoolId=pool_id, RestoreId=rid)["Restoration"]["RestoreStatus"] == "PREVIEW_CANCELLED"
assert idp.describe_point_in_time_recovery(UserPoolId=pool_id, RestoreId=rid)["Restoration"]["RestoreId"] == rid
assert [r["RestoreId"] for r in idp.list_point_in_time_recoveries(UserPoolId=pool_id)["Restorations"]] == [rid]
expect_error("ResourceNotFoundException", idp.describe_point_in_time_recovery, UserPoolId=pool_id, RestoreId="00000000-0000-4000-8000-000000000000")
expect_error(
    "InvalidParameterException",
    idp.initiate_point_in_time_recovery,
    UserPoolId=pool_id,
    RestoreTimestamp=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1),
)
ok("point-in-time recovery: recorded, preview fails (no history), cancel, list")

# ---- replicas
rep = idp.create_user_pool_replica(UserPoolId=pool_id, RegionName="eu-west-1")["UserPoolReplica"]
assert rep["Role"] == "SECONDARY" and rep["Status"] == "ACTIVE" and pool_id in rep["UserPoolArn"], rep
expect_error("InvalidParameterException", idp.create_user_pool_replica, UserPoolId=pool_id, RegionName="us-east-1")
assert idp.update_user_pool_replica(UserPoolId=pool_id, RegionName="eu-west-1", Status="INACTIVE")["UserPoolReplica"]["Status"] == "INACTIVE"
roles = [(r["RegionName"], r["Role"]) for r in idp.list_user_pool_replicas(UserPoolId=pool_id)["UserPoolReplicas"]]
assert roles == [("us-east-1", "PRIMARY"), ("eu-west-1", "SECONDARY")], roles
assert idp.delete_user_pool_replica(UserPoolId=pool_id, RegionName="eu-west-1")["UserPoolReplica"]["Status"] == "DELETING"
expect_error("ResourceNotFoundException", idp.delete_user_pool_replica, UserPoolId=pool_id, RegionName="eu-west-1")
ok("replicas: create, update, list with the primary, delete")

# ---- CIMD policies
p = idp.create_cimd_policy(
    UserPoolId=pool_id, ClientId=client_id, PolicyName="mcp", CacheDuration=86400, URLPatterns=["https://*.example.com/*"]
)["CIMDPolicy"]
pid = p["CIMDPolicyId"]
p = idp.update_cimd_policy(UserPoolId=pool_id, CIMDPolicyId=pid, ClientId=client_id, URLPatterns=["https://a.example.com/*"])
assert p["CIMDPolicy"]["URLPatterns"] == ["https://a.example.com/*"] and p["CIMDPolicy"]["CacheDuration"] == 86400, p
assert idp.describe_cimd_policy(UserPoolId=pool_id, CIMDPolicyId=pid)["CIMDPolicy"]["PolicyName"] == "mcp"
assert [x["CIMDPolicyId"] for x in idp.list_cimd_policies(UserPoolId=pool_id)["CIMDPolicies"]] == [pid]
assert idp.list_client_metadata_urls(UserPoolId=pool_id, CIMDPolicyId=pid)["ClientMetadataURLs"] == []
expect_error(
    "CachedCIMDURLDoesNotExistException",
    idp.update_client_metadata_url_state,
    UserPoolId=pool_id,
    CIMDPolicyId=pid,
    URL="https://a.example.com/client.json",
    Action="INVALIDATE",
)
idp.delete_cimd_policy(UserPoolId=pool_id, CIMDPolicyId=pid)
expect_error("ResourceNotFoundException", idp.describe_cimd_policy, UserPoolId=pool_id, CIMDPolicyId=pid)
ok("CIMD policies: create, update, describe, list, URLs, delete")

# ---- SAML signing certificate: a real X.509 certificate, as the cryptography package reads it
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509.oid import NameOID

der = base64.b64decode(idp.get_signing_certificate(UserPoolId=pool_id)["Certificate"])
cert = x509.load_der_x509_certificate(der)
cert.public_key().verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == pool_id, cert.subject
assert cert.issuer == cert.subject and cert.public_key().key_size == 2048, cert
assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 3650, cert
assert cert.signature_hash_algorithm.name == "sha256", cert.signature_hash_algorithm
assert base64.b64decode(idp.get_signing_certificate(UserPoolId=pool_id)["Certificate"]) == der
expect_error("ResourceNotFoundException", idp.get_signing_certificate, UserPoolId=NO_POOL)
ok("GetSigningCertificate: a self-signed X.509 certificate of the pool, ten years, the same each time")

# ---- identity pools: identities and developer identities
idp.admin_create_user(UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS")
idp.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)
id_token = idp.initiate_auth(
    ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD}
)["AuthenticationResult"]["IdToken"]
provider = f"cognito-idp.{REGION}.amazonaws.com/{pool_id}"
ipool = ci.create_identity_pool(
    IdentityPoolName="config_ops",
    AllowUnauthenticatedIdentities=True,
    DeveloperProviderName="login.example.app",
    CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": client_id}],
    IdentityPoolTags={"team": "auth"},
)
ipool_id = ipool["IdentityPoolId"]
ci.set_identity_pool_roles(
    IdentityPoolId=ipool_id,
    Roles={"authenticated": "arn:aws:iam::123456789012:role/auth", "unauthenticated": "arn:aws:iam::123456789012:role/unauth"},
)
logins = {provider: id_token}
alice_id = ci.get_id(IdentityPoolId=ipool_id, Logins=logins)["IdentityId"]
guest_id = ci.get_id(IdentityPoolId=ipool_id)["IdentityId"]
d = ci.describe_identity(IdentityId=alice_id)
assert d["Logins"] == [provider] and isinstance(d["CreationDate"], datetime.datetime), d
assert ci.describe_identity(IdentityId=guest_id).get("Logins", []) == []
listed = {i["IdentityId"] for i in ci.list_identities(IdentityPoolId=ipool_id, MaxResults=10)["Identities"]}
assert listed == {alice_id, guest_id}, listed
expect_error("ResourceNotFoundException", ci.describe_identity, IdentityId="us-east-1:00000000-0000-4000-8000-000000000000")
ok("DescribeIdentity, ListIdentities")

dev = ci.get_open_id_token_for_developer_identity(
    IdentityPoolId=ipool_id, Logins={"login.example.app": "user-1"}, PrincipalTags={"dept": "eng"}, TokenDuration=600
)
dev_id = dev["IdentityId"]
c = claims(dev["Token"])
assert c["sub"] == dev_id and c["aud"] == ipool_id and c["exp"] - c["iat"] == 600, c
assert c["https://aws.amazon.com/tags"]["principal_tags"] == {"dept": ["eng"]}, c
again = ci.get_open_id_token_for_developer_identity(IdentityPoolId=ipool_id, Logins={"login.example.app": "user-1"})
assert again["IdentityId"] == dev_id
creds = ci.get_credentials_for_identity(IdentityId=dev_id, Logins={"cognito-identity.amazonaws.com": dev["Token"]})
assert creds["Credentials"]["AccessKeyId"].startswith("ASIA"), creds
assert ci.describe_identity(IdentityId=dev_id)["Logins"] == ["login.example.app"]
expect_error(
    "DeveloperUserAlreadyRegisteredException",
    ci.get_open_id_token_for_developer_identity,
    IdentityPoolId=ipool_id,
    IdentityId=alice_id,
    Logins={"login.example.app": "user-1"},
)
ok("developer identity: OpenID token with principal tags, then credentials with it")

other = ci.get_open_id_token_for_developer_identity(IdentityPoolId=ipool_id, Logins={"login.example.app": "user-2"})
look = ci.lookup_developer_identity(IdentityPoolId=ipool_id, DeveloperUserIdentifier="user-2")
assert look["IdentityId"] == other["IdentityId"] and look["DeveloperUserIdentifierList"] == ["user-2"], look
merged = ci.merge_developer_identities(
    SourceUserIdentifier="user-2",
    DestinationUserIdentifier="user-1",
    DeveloperProviderName="login.example.app",
    IdentityPoolId=ipool_id,
)
assert merged["IdentityId"] == dev_id, merged
users = ci.lookup_developer_identity(IdentityPoolId=ipool_id, IdentityId=dev_id)["DeveloperUserIdentifierList"]
assert sorted(users) == ["user-1", "user-2"], users
expect_error("ResourceNotFoundException", ci.describe_identity, IdentityId=other["IdentityId"])
ci.unlink_developer_identity(
    IdentityId=dev_id, IdentityPoolId=ipool_id, DeveloperProviderName="login.example.app", DeveloperUserIdentifier="user-2"
)
assert ci.lookup_developer_identity(IdentityPoolId=ipool_id, IdentityId=dev_id)["DeveloperUserIdentifierList"] == ["user-1"]
expect_error(
    "ResourceNotFoundException", ci.lookup_developer_identity, IdentityPoolId=ipool_id, DeveloperUserIdentifier="user-9"
)
expect_error(
    "NotAuthorizedException",
    ci.merge_developer_identities,
    SourceUserIdentifier="a",
    DestinationUserIdentifier="b",
    DeveloperProviderName="other.provider",
    IdentityPoolId=ipool_id,
)
ok("LookupDeveloperIdentity, MergeDeveloperIdentities, UnlinkDeveloperIdentity")

expect_error(
    "NotAuthorizedException", ci.unlink_identity, IdentityId=alice_id, Logins={}, LoginsToRemove=[provider]
)
ci.unlink_identity(IdentityId=alice_id, Logins=logins, LoginsToRemove=[provider])
assert ci.describe_identity(IdentityId=alice_id).get("Logins", []) == []
assert ci.get_id(IdentityPoolId=ipool_id, Logins=logins)["IdentityId"] != alice_id
resp = ci.delete_identities(IdentityIdsToDelete=[guest_id])
assert resp["UnprocessedIdentityIds"] == [], resp
expect_error("ResourceNotFoundException", ci.describe_identity, IdentityId=guest_id)
ok("UnlinkIdentity (logins must prove the identity), DeleteIdentities")

m = ci.set_principal_tag_attribute_map(
    IdentityPoolId=ipool_id, IdentityProviderName=provider, UseDefaults=False, PrincipalTags={"user": "sub"}
)
assert m["PrincipalTags"] == {"user": "sub"} and m["UseDefaults"] is False, m
got = ci.get_principal_tag_attribute_map(IdentityPoolId=ipool_id, IdentityProviderName=provider)
assert got["PrincipalTags"] == {"user": "sub"}, got
expect_error(
    "ResourceNotFoundException",
    ci.get_principal_tag_attribute_map,
    IdentityPoolId=ipool_id,
    IdentityProviderName="accounts.google.com",
)
ok("Get/SetPrincipalTagAttributeMap")

iarn = f"arn:aws:cognito-identity:{REGION}:123456789012:identitypool/{ipool_id}"
assert ci.list_tags_for_resource(ResourceArn=iarn)["Tags"] == {"team": "auth"}
ci.tag_resource(ResourceArn=iarn, Tags={"env": "dev"})
ci.untag_resource(ResourceArn=iarn, TagKeys=["team"])
assert ci.list_tags_for_resource(ResourceArn=iarn)["Tags"] == {"env": "dev"}
assert ci.describe_identity_pool(IdentityPoolId=ipool_id)["IdentityPoolTags"] == {"env": "dev"}
expect_error(
    "ResourceNotFoundException",
    ci.list_tags_for_resource,
    ResourceArn=f"arn:aws:cognito-identity:{REGION}:123456789012:identitypool/{REGION}:00000000-0000-4000-8000-000000000000",
)
ok("identity-pool tags agree with IdentityPoolTags")

# ---- Terraform-style apply and destroy: aws_cognito_user_pool + domain + resource server +
# client + identity pool, in the order the provider's dependency graph gives
tf_pool = idp.create_user_pool(PoolName="tf-pool", UserPoolTags={"Name": "tf-pool"}, DeletionProtection="INACTIVE")["UserPool"]
tf_id, tf_arn = tf_pool["Id"], tf_pool["Arn"]
idp.describe_user_pool(UserPoolId=tf_id)
idp.get_user_pool_mfa_config(UserPoolId=tf_id)
idp.tag_resource(ResourceArn=tf_arn, Tags={"Name": "tf-pool", "Stage": "test"})
idp.create_user_pool_domain(UserPoolId=tf_id, Domain="tf-pool-auth")
tf_domain = idp.describe_user_pool_domain(Domain="tf-pool-auth")["DomainDescription"]
assert tf_domain["UserPoolId"] == tf_id and tf_domain["Status"] == "ACTIVE", tf_domain
idp.create_resource_server(UserPoolId=tf_id, Identifier="https://tf.example", Name="tf-api",
                           Scopes=[{"ScopeName": "read", "ScopeDescription": "read"}])
assert idp.describe_resource_server(UserPoolId=tf_id, Identifier="https://tf.example")["ResourceServer"]["Scopes"] == [
    {"ScopeName": "read", "ScopeDescription": "read"}]
tf_client = idp.create_user_pool_client(
    UserPoolId=tf_id, ClientName="tf-client", GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True,
    AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=["https://tf.example/read"],
)["UserPoolClient"]
idp.describe_user_pool_client(UserPoolId=tf_id, ClientId=tf_client["ClientId"])
described = idp.describe_user_pool(UserPoolId=tf_id)["UserPool"]
idp.update_user_pool(UserPoolId=tf_id, UserPoolTags=described["UserPoolTags"], DeletionProtection="INACTIVE",
                     AutoVerifiedAttributes=["email"])
assert idp.list_tags_for_resource(ResourceArn=tf_arn)["Tags"] == {"Name": "tf-pool", "Stage": "test"}
tf_ipool = ci.create_identity_pool(
    IdentityPoolName="tf_identity",
    AllowUnauthenticatedIdentities=False,
    CognitoIdentityProviders=[{"ProviderName": f"cognito-idp.{REGION}.amazonaws.com/{tf_id}", "ClientId": tf_client["ClientId"]}],
)["IdentityPoolId"]
tf_iarn = f"arn:aws:cognito-identity:{REGION}:123456789012:identitypool/{tf_ipool}"
ci.tag_resource(ResourceArn=tf_iarn, Tags={"Name": "tf-identity"})
ci.describe_identity_pool(IdentityPoolId=tf_ipool)
assert ci.list_tags_for_resource(ResourceArn=tf_iarn)["Tags"] == {"Name": "tf-identity"}
ci.delete_identity_pool(IdentityPoolId=tf_ipool)
idp.delete_user_pool_client(UserPoolId=tf_id, ClientId=tf_client["ClientId"])
idp.delete_resource_server(UserPoolId=tf_id, Identifier="https://tf.example")
# A pool with a domain cannot be deleted: the domain goes first, as Terraform orders it.
expect_error("InvalidParameterException", idp.delete_user_pool, UserPoolId=tf_id)
idp.delete_user_pool_domain(UserPoolId=tf_id, Domain="tf-pool-auth")
assert idp.describe_user_pool_domain(Domain="tf-pool-auth")["DomainDescription"] == {}
idp.delete_user_pool(UserPoolId=tf_id)
expect_error("ResourceNotFoundException", idp.describe_user_pool, UserPoolId=tf_id)
expect_error("ResourceNotFoundException", idp.list_tags_for_resource, ResourceArn=tf_arn)
expect_error("ResourceNotFoundException", ci.describe_identity_pool, IdentityPoolId=tf_ipool)
ok("Terraform-style apply and destroy")

print(json.dumps({"checks": checks()}))
