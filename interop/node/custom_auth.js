#!/usr/bin/env node
// amazon-cognito-identity-js's custom authentication against a cognate server whose pool runs
// the example Define/Create/Verify handlers of examples/triggers, and aws-jwt-verify on the
// tokens a pre token generation V2_0 trigger shaped.
//
// usage: node custom_auth.js CONFIG_JSON
//   CONFIG_JSON: {"endpoint", "pool", "client", "username", "password"} (the server mints the
//   AWS issuer form, which CognitoJwtVerifier requires)
//
// 1. `initiateAuth` (CUSTOM_AUTH without a password): the CUSTOM_CHALLENGE's question, a wrong
//    answer (the challenge again), the right one (tokens).
// 2. `authenticateUser` with flow type CUSTOM_AUTH (SRP inside custom auth: SRP_A, then
//    PASSWORD_VERIFIER, then the custom challenge), as Amplify's CUSTOM_WITH_SRP does.
// 3. CognitoJwtVerifier accepts the access token with the scope and claims the pre token
//    generation trigger added (and the ID token with its claim).
// Prints one line per check on stderr and a JSON summary on stdout; exits 1 on a failure.
'use strict';

const assert = require('assert');
const { CognitoUserPool, CognitoUser, AuthenticationDetails } = require('amazon-cognito-identity-js');
const { CognitoJwtVerifier } = require('aws-jwt-verify');

const config = JSON.parse(process.argv[2]);
let checks = 0;
function ok(what) {
	checks += 1;
	process.stderr.write(`ok ${checks}: ${what}\n`);
}

function cognitoUser() {
	const pool = new CognitoUserPool({ UserPoolId: config.pool, ClientId: config.client, endpoint: config.endpoint });
	const user = new CognitoUser({ Username: config.username, Pool: pool });
	user.setAuthenticationFlowType('CUSTOM_AUTH');
	return user;
}

function withoutPassword() {
	const user = cognitoUser();
	const questions = [];
	return new Promise((resolve, reject) => {
		user.initiateAuth(new AuthenticationDetails({ Username: config.username }), {
			customChallenge(parameters) {
				questions.push(parameters.question);
				user.sendCustomChallengeAnswer(questions.length === 1 ? 'wrong word' : 'cognate', this);
			},
			onSuccess: session => resolve({ session, questions }),
			onFailure: reject,
		});
	});
}

function withPassword() {
	const user = cognitoUser();
	const details = new AuthenticationDetails({ Username: config.username, Password: config.password });
	const questions = [];
	return new Promise((resolve, reject) => {
		user.authenticateUser(details, {
			customChallenge(parameters) {
				questions.push(parameters.question);
				user.sendCustomChallengeAnswer('cognate', this);
			},
			onSuccess: session => resolve({ session, questions }),
			onFailure: reject,
		});
	});
}

async function main() {
	const first = await withoutPassword();
	assert.deepStrictEqual(first.questions, ['What is the secret word?', 'What is the secret word?']);
	assert.ok(first.session.isValid());
	ok('initiateAuth CUSTOM_AUTH: a wrong answer gets the challenge again, the right one tokens');

	const second = await withPassword();
	assert.deepStrictEqual(second.questions, ['What is the secret word?']);
	const access = second.session.getAccessToken().decodePayload();
	assert.strictEqual(access.username, config.username);
	ok('authenticateUser with CUSTOM_AUTH: SRP_A, PASSWORD_VERIFIER, then the custom challenge');

	const jwks = await (await fetch(`${config.endpoint}/${config.pool}/.well-known/jwks.json`)).json();
	const accessVerifier = CognitoJwtVerifier.create({
		userPoolId: config.pool,
		tokenUse: 'access',
		clientId: config.client,
		scope: 'orders/read',
	});
	accessVerifier.cacheJwks(jwks);
	const claims = await accessVerifier.verify(second.session.getAccessToken().getJwtToken());
	assert.strictEqual(claims.tenant, 'acme');
	assert.deepStrictEqual(claims['tenant:roles'], ['reader', 'writer']);
	assert.deepStrictEqual(claims['cognito:groups'], ['acme-members']);
	ok('aws-jwt-verify accepts the access token with the scope orders/read and the added claims');
	const idVerifier = CognitoJwtVerifier.create({ userPoolId: config.pool, tokenUse: 'id', clientId: config.client });
	idVerifier.cacheJwks(jwks);
	const id = await idVerifier.verify(second.session.getIdToken().getJwtToken());
	assert.strictEqual(id.tenant, 'acme');
	ok('aws-jwt-verify accepts the ID token with the added claim');
	const otherScope = CognitoJwtVerifier.create({
		userPoolId: config.pool,
		tokenUse: 'access',
		clientId: config.client,
		scope: 'orders/write',
	});
	otherScope.cacheJwks(jwks);
	await assert.rejects(otherScope.verify(second.session.getAccessToken().getJwtToken()));
	ok('aws-jwt-verify refuses it for a scope the trigger did not add');
	process.stdout.write(JSON.stringify({ checks }) + '\n');
}

main().catch(e => {
	process.stderr.write(`FAILED: ${e.stack || e}\n`);
	process.exit(1);
});
