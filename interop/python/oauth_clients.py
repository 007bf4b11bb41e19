"""OAuth 2.0 / OpenID Connect against a pool's domain on the cognate server:

0. boto3 sets it up as an app would: CreateUserPool, CreateUserPoolDomain (and the errors of a
   second domain, a reserved word), DescribeUserPoolDomain, CreateResourceServer,
   ListResourceServers, app clients with OAuth settings (and Cognito's refusals of bad ones).
1. authlib's OAuth2Session gets client_credentials tokens, authenticating by HTTP Basic and by
   the body; PyJWT verifies them with the pool's JWKS (sub = client_id, no username, the
   custom scopes granted).
2. authlib runs authorization code + PKCE (S256) through the hosted sign-in page (a plain
   requests session posts the form, as a browser without JavaScript would), exchanges the
   code, validates the ID token with its OpenID Connect rules (iss, aud, nonce, at_hash), and
   refreshes; PyJWT checks at_hash and nonce independently.

Usage: oauth_clients.py ENDPOINT
"""

import base64
import hashlib
import json
import os
import re
import sys
from urllib.parse import parse_qs, urljoin, urlparse

# The server is plain HTTP on loopback.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

import jwt  # PyJWT
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey
from authlib.jose import jwt as authlib_jwt
from authlib.oidc.core import CodeIDToken

from harness import ENDPOINT, PASSWORD, checks, expect_error, idp, ok

# 0. The control plane through boto3.
pool = idp.create_user_pool(PoolName="oauth-py")["UserPool"]["Id"]
idp.create_user_pool_domain(UserPoolId=pool, Domain="py-shop")
expect_error("InvalidParameterException", idp.create_user_pool_domain, UserPoolId=pool, Domain="py-shop-2")
other = idp.create_user_pool(PoolName="other")["UserPool"]["Id"]
expect_error(
    "InvalidParameterException",
    idp.create_user_pool_domain,
    UserPoolId=other,
    Domain="py-shop",
    message="Domain already associated with another user pool.",
)
expect_error("InvalidParameterException", idp.create_user_pool_domain, UserPoolId=other, Domain="aws-things")
desc = idp.describe_user_pool_domain(Domain="py-shop")["DomainDescription"]
assert desc["UserPoolId"] == pool and desc["Status"] == "ACTIVE", desc
ok("boto3: CreateUserPoolDomain / DescribeUserPoolDomain, one domain per pool and per name")
idp.create_resource_server(
    UserPoolId=pool,
    Identifier="https://api.example",
    Name="api",
    Scopes=[{"ScopeName": "orders.read", "ScopeDescription": "read orders"}],
)
servers = idp.list_resource_servers(UserPoolId=pool, MaxResults=10)["ResourceServers"]
assert [s["Identifier"] for s in servers] == ["https://api.example"], servers
ok("boto3: CreateResourceServer / ListResourceServers")
SCOPE = "https://api.example/orders.read"
expect_error(
    "ScopeDoesNotExistException",
    idp.create_user_pool_client,
    UserPoolId=pool,
    ClientName="bad",
    GenerateSecret=True,
    AllowedOAuthFlowsUserPoolClient=True,
    AllowedOAuthFlows=["client_credentials"],
    AllowedOAuthScopes=["https://api.example/orders.write"],
    message="Invalid scope requested: https://api.example/orders.write",
)
expect_error(
    "InvalidOAuthFlowException",
    idp.create_user_pool_client,
    UserPoolId=pool,
    ClientName="bad",
    AllowedOAuthFlowsUserPoolClient=True,
    AllowedOAuthFlows=["client_credentials"],
    AllowedOAuthScopes=[SCOPE],
    message="client_credentials flow can not be selected if client does not have a client secret.",
)
expect_error(
    "InvalidParameterException",
    idp.create_user_pool_client,
    UserPoolId=pool,
    ClientName="bad",
    AllowedOAuthFlowsUserPoolClient=True,
    AllowedOAuthFlows=["code"],
    AllowedOAuthScopes=["openid"],
    CallbackURLs=["http://app.example/cb"],
)
ok("boto3: bad OAuth settings are refused with Cognito's exceptions")
machine = idp.create_user_pool_client(
    UserPoolId=pool,
    ClientName="machine",
    GenerateSecret=True,
    AllowedOAuthFlowsUserPoolClient=True,
    AllowedOAuthFlows=["client_credentials"],
    AllowedOAuthScopes=[SCOPE],
)["UserPoolClient"]
CALLBACK = "http://localhost:8765/callback"
web = idp.create_user_pool_client(
    UserPoolId=pool,
    ClientName="web",
    AllowedOAuthFlowsUserPoolClient=True,
    AllowedOAuthFlows=["code"],
    AllowedOAuthScopes=["openid", "email", SCOPE],
    CallbackURLs=[CALLBACK],
    SupportedIdentityProviders=["COGNITO"],
)["UserPoolClient"]
assert web["AllowedOAuthFlows"] == ["code"] and web["CallbackURLs"] == [CALLBACK], web
idp.admin_create_user(
    UserPoolId=pool,
    Username="alice",
    UserAttributes=[{"Name": "email", "Value": "alice@example.com"}],
    MessageAction="SUPPRESS",
)
idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password=PASSWORD, Permanent=True)
CONFIG = {
    "discovery": f"{ENDPOINT}/{pool}/.well-known/openid-configuration",
    "machineClient": machine["ClientId"],
    "machineSecret": machine["ClientSecret"],
    "webClient": web["ClientId"],
    "customScope": SCOPE,
    "callback": CALLBACK,
    "username": "alice",
    "password": PASSWORD,
    "email": "alice@example.com",
}

doc = requests.get(CONFIG["discovery"], timeout=10).json()
TOKEN_URL = doc["token_endpoint"]
AUTHORIZE_URL = doc["authorization_endpoint"]
ISSUER = doc["issuer"]
jwks = requests.get(doc["jwks_uri"], timeout=10).json()
jwk_client = jwt.PyJWKClient(doc["jwks_uri"])


def verified(token, **kwargs):
    key = jwk_client.get_signing_key_from_jwt(token).key
    return jwt.decode(token, key=key, algorithms=["RS256"], issuer=ISSUER, **kwargs)


# 1. client_credentials, Basic and body authentication.
for method in ("client_secret_basic", "client_secret_post"):
    session = OAuth2Session(
        CONFIG["machineClient"],
        CONFIG["machineSecret"],
        token_endpoint_auth_method=method,
        scope=CONFIG["customScope"],
    )
    token = session.fetch_token(TOKEN_URL, grant_type="client_credentials")
    assert token["token_type"] == "Bearer", token
    assert "refresh_token" not in token and "id_token" not in token, token
    claims = verified(token["access_token"])
    assert claims["sub"] == CONFIG["machineClient"], claims
    assert claims["client_id"] == CONFIG["machineClient"], claims
    assert claims["token_use"] == "access", claims
    assert claims["scope"] == CONFIG["customScope"], claims
    assert "username" not in claims, claims
    ok(f"authlib client_credentials ({method}): PyJWT verified, sub = client_id, scope {claims['scope']}")

# A wrong secret is invalid_client.
bad = OAuth2Session(CONFIG["machineClient"], "not-the-secret")
try:
    bad.fetch_token(TOKEN_URL, grant_type="client_credentials")
    raise AssertionError("a wrong client secret was accepted")
except Exception as e:  # authlib raises OAuthError with the server's error code
    assert "invalid_client" in str(e), e
ok("authlib: a wrong client secret is invalid_client")

# 2. Authorization code + PKCE through the sign-in page.
verifier = base64.urlsafe_b64encode(os.urandom(40)).rstrip(b"=").decode()
nonce = base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()
web = OAuth2Session(
    CONFIG["webClient"],
    scope="openid email " + CONFIG["customScope"],
    redirect_uri=CONFIG["callback"],
    code_challenge_method="S256",
)
url, state = web.create_authorization_url(AUTHORIZE_URL, code_verifier=verifier, nonce=nonce)
browser = requests.Session()
resp = browser.get(url, allow_redirects=False)
assert resp.status_code == 302, resp.text
login_url = urljoin(url, resp.headers["Location"])
page = browser.get(login_url)
assert page.status_code == 200 and 'name="password"' in page.text, page.text
# The form's anti-forgery field matches the XSRF-TOKEN cookie the page set (as Cognito's pages
# do); the session sends the cookie back by itself.
csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
assert browser.cookies.get("XSRF-TOKEN") == csrf, browser.cookies
resp = browser.post(login_url, data={"username": CONFIG["username"], "password": CONFIG["password"]}, allow_redirects=False)
assert resp.status_code == 403 and "anti-forgery" in resp.text and "Location" not in resp.headers, resp.text
ok("hosted page: a post without the form's anti-forgery field is refused (403)")
resp = browser.post(
    login_url, data={"username": CONFIG["username"], "password": "wrong", "_csrf": csrf}, allow_redirects=False
)
assert resp.status_code == 200 and "Incorrect username or password." in resp.text, resp.text
ok("hosted page: a wrong password shows Cognito's message")
resp = browser.post(
    login_url,
    data={"username": CONFIG["username"], "password": CONFIG["password"], "_csrf": csrf},
    allow_redirects=False,
)
assert resp.status_code == 302, resp.text
callback = resp.headers["Location"]
assert callback.startswith(CONFIG["callback"]), callback
assert parse_qs(urlparse(callback).query)["state"] == [state]
ok("hosted page: signed in, back at the callback with the code and the state")

token = web.fetch_token(TOKEN_URL, authorization_response=callback, code_verifier=verifier)
assert set(token) >= {"access_token", "id_token", "refresh_token", "expires_in"}, token
id_claims = authlib_jwt.decode(
    token["id_token"],
    JsonWebKey.import_key_set(jwks),
    claims_cls=CodeIDToken,
    claims_options={"iss": {"essential": True, "value": ISSUER}},
    claims_params={"nonce": nonce, "client_id": CONFIG["webClient"], "access_token": token["access_token"]},
)
id_claims.validate()
ok("authlib: code + PKCE exchanged; the ID token passes OIDC validation (iss, aud, nonce, at_hash)")

# PyJWT, independently: signature, audience, nonce, at_hash.
idt = verified(token["id_token"], audience=CONFIG["webClient"])
digest = hashlib.sha256(token["access_token"].encode()).digest()
expected_at_hash = base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
assert idt["at_hash"] == expected_at_hash, (idt, expected_at_hash)
assert idt["nonce"] == nonce, idt
assert idt["email"] == CONFIG["email"], idt
access = verified(token["access_token"])
assert access["scope"] == "openid email " + CONFIG["customScope"], access
ok("PyJWT: at_hash and nonce match; the access token's scope is what was granted")

# The code is spent.
resp = requests.post(
    TOKEN_URL,
    data={
        "grant_type": "authorization_code",
        "client_id": CONFIG["webClient"],
        "code": parse_qs(urlparse(callback).query)["code"][0],
        "redirect_uri": CONFIG["callback"],
        "code_verifier": verifier,
    },
)
assert resp.status_code == 400 and resp.json() == {"error": "invalid_grant"}, resp.text
ok("a replayed code is invalid_grant")

refreshed = web.refresh_token(TOKEN_URL, refresh_token=token["refresh_token"])
assert verified(refreshed["access_token"])["scope"] == access["scope"], refreshed
ok("authlib: refresh keeps the granted scopes")

info = requests.get(doc["userinfo_endpoint"], headers={"Authorization": "Bearer " + token["access_token"]}).json()
assert info["sub"] == idt["sub"] and info["email"] == CONFIG["email"], info
ok("userInfo answers for the access token")

print(json.dumps({"checks": checks()}))
