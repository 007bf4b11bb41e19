#!/usr/bin/env node
// Drives a running cognate server as browsers and Node apps do.
//
// usage: node server_login.js CONFIG_JSON
//   CONFIG_JSON: {"endpoint": "http://127.0.0.1:PORT",
//                 "pools": [{"id": "...", "client": "...", "username": "...", "password": "..."}, ...]}
//   (two pools; the server must mint the AWS issuer form, see aws-jwt-verify below)
//
// 1. amazon-cognito-identity-js `authenticateUser` (stock, USER_SRP_AUTH) logs in to each pool
//    (the second logs in by email, so USER_ID_FOR_SRP is the sub); a wrong password fails with
//    NotAuthorizedException "Incorrect username or password."; `refreshSession` renews.
// 2. @aws-sdk/client-cognito-identity-provider GetTokensFromRefreshToken refreshes; GetUser
//    reads the user.
// 3. aws-jwt-verify's CognitoJwtVerifier, with the JWKS fetched from the server, accepts the
//    access and ID tokens with tokenUse and clientId checks, and rejects them across pools,
//    across token uses and across clients.
// Prints one line per check on stderr and a JSON summary on stdout; exits 1 on a failure.
'use strict';

const assert = require('assert');
const { CognitoUserPool, CognitoUser, AuthenticationDetails, CognitoRefreshToken } = require('amazon-cognito-identity-js');
const {
	CognitoIdentityProviderClient,
	GetTokensFromRefreshTokenCommand,
	GetUserCommand,
} = require('@aws-sdk/client-cognito-identity-provider');
const { CognitoJwtVerifier } = require('aws-jwt-verify');

const config = JSON.parse(process.argv[2]);
let checks = 0;
function ok(what) {
	checks += 1;
	process.stderr.write(`ok ${checks}: ${what}\n`);
}

function login(pool, password) {
	const userPool = new CognitoUserPool({ UserPoolId: pool.id, ClientId: pool.client, endpoint: config.endpoint });
	const user = new CognitoUser({ Username: pool.username, Pool: userPool });
	const details = new AuthenticationDetails({ Username: pool.username, Password: password });
	return new Promise((resolve, reject) => {
		user.authenticateUser(details, {
			onSuccess: session => resolve({ user, session }),
			onFailure: reject,
			newPasswordRequired: () => reject(new Error('unexpected NEW_PASSWORD_REQUIRED')),
		});
	});
}

function refresh(user, session) {
	return new Promise((resolve, reject) => {
		user.refreshSession(new CognitoRefreshToken({ RefreshToken: session.getRefreshToken().getToken() }),
			(err, s) => (err ? reject(err) : resolve(s)));
	});
}

async function rejects(promise, what) {
	try {
		await promise;
	} catch (e) {
		return e;
	}
	throw new Error(`${what} was accepted`);
}

async function main() {
	const [a, b] = config.pools;
	const sessions = [];
	for (const pool of [a, b]) {
		const { user, session } = await login(pool, pool.password);
		assert.ok(session.isValid());
		const access = session.getAccessToken().decodePayload();
		assert.strictEqual(access.client_id, pool.client);
		assert.strictEqual(access.token_use, 'access');
		sessions.push({ pool, user, session });
		ok(`amazon-cognito-identity-js authenticateUser (SRP) as ${pool.username}: username=${access.username}`);
	}
	const wrong = await rejects(login(a, a.password + 'x'), 'a wrong password');
	assert.strictEqual(wrong.code, 'NotAuthorizedException');
	assert.strictEqual(wrong.message, 'Incorrect username or password.');
	ok('wrong password: NotAuthorizedException "Incorrect username or password."');

	const { user, session } = sessions[0];
	const renewed = await refresh(user, session);
	assert.notStrictEqual(renewed.getAccessToken().getJwtToken(), session.getAccessToken().getJwtToken());
	assert.strictEqual(renewed.getAccessToken().decodePayload().origin_jti, session.getAccessToken().decodePayload().origin_jti);
	ok('amazon-cognito-identity-js refreshSession (REFRESH_TOKEN_AUTH)');

	const sdk = new CognitoIdentityProviderClient({
		region: 'us-east-1',
		endpoint: config.endpoint,
		credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
	});
	const got = await sdk.send(new GetTokensFromRefreshTokenCommand({
		ClientId: a.client,
		RefreshToken: session.getRefreshToken().getToken(),
	}));
	const fresh = got.AuthenticationResult;
	assert.ok(fresh.AccessToken && fresh.IdToken);
	assert.strictEqual(fresh.TokenType, 'Bearer');
	const me = await sdk.send(new GetUserCommand({ AccessToken: fresh.AccessToken }));
	assert.strictEqual(me.Username, a.username);
	ok('@aws-sdk/client-cognito-identity-provider GetTokensFromRefreshToken, GetUser');

	// aws-jwt-verify with each pool's JWKS as the server publishes it
	const verifiers = {};
	for (const { pool } of sessions) {
		const jwks = await (await fetch(`${config.endpoint}/${pool.id}/.well-known/jwks.json`)).json();
		assert.strictEqual(jwks.keys.length, 2);
		assert.notStrictEqual(jwks.keys[0].kid, jwks.keys[1].kid);
		for (const tokenUse of ['access', 'id']) {
			const v = CognitoJwtVerifier.create({ userPoolId: pool.id, tokenUse, clientId: pool.client });
			v.cacheJwks(jwks);
			verifiers[`${pool.id}/${tokenUse}`] = v;
		}
	}
	for (const { pool, session: s } of sessions) {
		const access = await verifiers[`${pool.id}/access`].verify(s.getAccessToken().getJwtToken());
		assert.strictEqual(access.client_id, pool.client);
		const id = await verifiers[`${pool.id}/id`].verify(s.getIdToken().getJwtToken());
		assert.strictEqual(id.aud, pool.client);
	}
	await verifiers[`${a.id}/access`].verify(fresh.AccessToken);
	await verifiers[`${a.id}/id`].verify(fresh.IdToken);
	ok('aws-jwt-verify accepts access and ID tokens (tokenUse, clientId, JWKS from the server)');

	const [sa, sb] = sessions;
	await rejects(verifiers[`${b.id}/access`].verify(sa.session.getAccessToken().getJwtToken()), 'a token of another pool');
	await rejects(verifiers[`${a.id}/id`].verify(sb.session.getIdToken().getJwtToken()), 'a token of another pool');
	await rejects(verifiers[`${a.id}/access`].verify(sa.session.getIdToken().getJwtToken()), 'an ID token as access token');
	await rejects(verifiers[`${a.id}/id`].verify(sa.session.getAccessToken().getJwtToken()), 'an access token as ID token');
	const otherClient = CognitoJwtVerifier.create({ userPoolId: a.id, tokenUse: 'access', clientId: 'someotherclientid000000000' });
	otherClient.cacheJwks(await (await fetch(`${config.endpoint}/${a.id}/.well-known/jwks.json`)).json());
	await rejects(otherClient.verify(sa.session.getAccessToken().getJwtToken()), 'a token of another client');
	ok('aws-jwt-verify rejects across pools, token uses and clients');

	process.stdout.write(JSON.stringify({ checks }) + '\n');
}

main().catch(e => {
	process.stderr.write(`server_login.js: ${e && e.stack ? e.stack : e}\n`);
	process.exit(1);
});
