#!/usr/bin/env node
// openid-client and aws-jwt-verify against a pool's domain on a running cognate server.
//
// usage: node openid_client.mjs CONFIG_JSON
//   CONFIG_JSON: {"endpoint", "pool", "web" (public client), "machine", "machineSecret",
//                 "callback", "username", "password", "customScope"}
//   (the server mints the AWS issuer form, which aws-jwt-verify insists on)
//
// 1. openid-client reads the pool's discovery document and runs authorization code + PKCE
//    (S256, state, nonce): the sign-in form is posted as a browser without JavaScript would;
//    it exchanges the code (checking state, nonce and the ID token's claims), reads userInfo,
//    and refreshes.
// 2. openid-client gets client_credentials tokens.
// 3. aws-jwt-verify's CognitoJwtVerifier accepts those access tokens with a `scope`
//    requirement, and refuses them when the scope asked for was not granted.
// Prints one line per check on stderr and a JSON summary on stdout; exits 1 on a failure.

import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { CognitoJwtVerifier } from 'aws-jwt-verify';

const config = JSON.parse(process.argv[2]);
let checks = 0;
function ok(what) {
	checks += 1;
	process.stderr.write(`ok ${checks}: ${what}\n`);
}

const discovery = `${config.endpoint}/${config.pool}/.well-known/openid-configuration`;
const metadata = await (await fetch(discovery)).json();
const jwks = await (await fetch(`${config.endpoint}/${config.pool}/.well-known/jwks.json`)).json();
// The issuer is https://cognito-idp.…/{pool} (as at AWS) while the server is on loopback: the
// metadata is read here rather than by oidc.discovery, which would insist on fetching it from
// the issuer's own URL.
const web = new oidc.Configuration(metadata, config.web, undefined, oidc.None());
oidc.allowInsecureRequests(web);

// 1. Authorization code + PKCE.
const codeVerifier = oidc.randomPKCECodeVerifier();
const state = oidc.randomState();
const nonce = oidc.randomNonce();
const scope = `openid email ${config.customScope}`;
const authorizeUrl = oidc.buildAuthorizationUrl(web, {
	redirect_uri: config.callback,
	scope,
	code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
	code_challenge_method: 'S256',
	state,
	nonce,
});
let resp = await fetch(authorizeUrl, { redirect: 'manual' });
assert.equal(resp.status, 302);
const loginUrl = new URL(resp.headers.get('location'), authorizeUrl);
resp = await fetch(loginUrl);
assert.equal(resp.status, 200);
// The sign-in form carries an anti-forgery token, also set as a cookie (as Cognito's pages do).
const xsrfCookie = resp.headers.get('set-cookie').split(';')[0];
assert.match(xsrfCookie, /^XSRF-TOKEN=/);
const page = await resp.text();
assert.match(page, /<form method="post"/);
const csrf = page.match(/name="_csrf" value="([^"]+)"/)[1];
assert.equal(`XSRF-TOKEN=${csrf}`, xsrfCookie);
resp = await fetch(loginUrl, {
	method: 'POST',
	redirect: 'manual',
	headers: { cookie: xsrfCookie },
	body: new URLSearchParams({ username: config.username, password: config.password, _csrf: csrf }),
});
assert.equal(resp.status, 302);
const callback = new URL(resp.headers.get('location'));
assert.equal(`${callback.origin}${callback.pathname}`, config.callback);
ok('openid-client: authorization URL followed through the sign-in form to the callback');

const tokens = await oidc.authorizationCodeGrant(web, callback, {
	pkceCodeVerifier: codeVerifier,
	expectedState: state,
	expectedNonce: nonce,
	idTokenExpected: true,
});
const idClaims = tokens.claims();
assert.equal(idClaims.aud, config.web);
assert.equal(idClaims.nonce, nonce);
assert.equal(idClaims.email, `${config.username}@example.com`);
assert.ok(tokens.refresh_token);
assert.equal(tokens.scope ?? scope, scope);
ok('openid-client: code + PKCE exchanged; state, nonce, iss and aud of the ID token check out');

const accessVerifier = CognitoJwtVerifier.create({
	userPoolId: config.pool,
	tokenUse: 'access',
	clientId: config.web,
	scope: config.customScope,
});
accessVerifier.cacheJwks(jwks);
const accessClaims = await accessVerifier.verify(tokens.access_token);
assert.equal(accessClaims.scope, scope);
const idVerifier = CognitoJwtVerifier.create({ userPoolId: config.pool, tokenUse: 'id', clientId: config.web });
idVerifier.cacheJwks(jwks);
await idVerifier.verify(tokens.id_token);
const wrongScope = CognitoJwtVerifier.create({
	userPoolId: config.pool,
	tokenUse: 'access',
	clientId: config.web,
	scope: 'aws.cognito.signin.user.admin',
});
wrongScope.cacheJwks(jwks);
await assert.rejects(wrongScope.verify(tokens.access_token));
ok('aws-jwt-verify: the access token passes with its scope required, fails with a scope not granted');

const info = await oidc.fetchUserInfo(web, tokens.access_token, idClaims.sub);
assert.equal(info.email, `${config.username}@example.com`);
ok('openid-client: userInfo');

const refreshed = await oidc.refreshTokenGrant(web, tokens.refresh_token);
const refreshedClaims = await accessVerifier.verify(refreshed.access_token);
assert.equal(refreshedClaims.scope, scope);
assert.equal(refreshedClaims.auth_time, accessClaims.auth_time);
ok('openid-client: refresh keeps the scopes and auth_time');

// 2. client_credentials.
const machine = new oidc.Configuration(metadata, config.machine, config.machineSecret);
oidc.allowInsecureRequests(machine);
const cc = await oidc.clientCredentialsGrant(machine, { scope: config.customScope });
assert.equal(cc.token_type.toLowerCase(), 'bearer');
const ccVerifier = CognitoJwtVerifier.create({
	userPoolId: config.pool,
	tokenUse: 'access',
	clientId: config.machine,
	scope: config.customScope,
});
ccVerifier.cacheJwks(jwks);
const ccClaims = await ccVerifier.verify(cc.access_token);
assert.equal(ccClaims.sub, config.machine);
assert.equal(ccClaims.username, undefined);
ok('openid-client client_credentials; aws-jwt-verify accepts the token with the scope required');

process.stdout.write(`${JSON.stringify({ checks })}\n`);
