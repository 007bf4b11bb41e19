#!/usr/bin/env node
// Drives a running cognate server's identity pools with the AWS SDK for JavaScript v3, as a
// browser app does after login.
//
// usage: node identity_pools.js CONFIG_JSON
//   CONFIG_JSON: {"endpoint": "http://127.0.0.1:PORT",
//                 "pool": "...", "client": "...", "username": "...", "password": "..."}
//
// 1. amazon-cognito-identity-js `authenticateUser` (USER_SRP_AUTH) logs in.
// 2. @aws-sdk/client-cognito-identity: CreateIdentityPool, SetIdentityPoolRoles,
//    GetIdentityPoolRoles, GetId (twice: the same identity), GetCredentialsForIdentity (the SDK
//    parses Expiration into a Date about an hour ahead), GetOpenIdToken; the errors an app sees
//    (no login, unknown pool) with Cognito's names and messages; DeleteIdentityPool.
// Prints one line per check on stderr and a JSON summary on stdout; exits 1 on a failure.
'use strict';

const assert = require('assert');
const { CognitoUserPool, CognitoUser, AuthenticationDetails } = require('amazon-cognito-identity-js');
const {
	CognitoIdentityClient,
	CreateIdentityPoolCommand,
	SetIdentityPoolRolesCommand,
	GetIdentityPoolRolesCommand,
	GetIdCommand,
	GetCredentialsForIdentityCommand,
	GetOpenIdTokenCommand,
	DescribeIdentityPoolCommand,
	DeleteIdentityPoolCommand,
} = require('@aws-sdk/client-cognito-identity');

const config = JSON.parse(process.argv[2]);
const REGION = 'us-east-1';
const ROLE = 'arn:aws:iam::123456789012:role/cognate-authenticated';
let checks = 0;
function ok(what) {
	checks += 1;
	process.stderr.write(`ok ${checks}: ${what}\n`);
}

function login() {
	const userPool = new CognitoUserPool({ UserPoolId: config.pool, ClientId: config.client, endpoint: config.endpoint });
	const user = new CognitoUser({ Username: config.username, Pool: userPool });
	const details = new AuthenticationDetails({ Username: config.username, Password: config.password });
	return new Promise((resolve, reject) => {
		user.authenticateUser(details, {
			onSuccess: resolve,
			onFailure: reject,
			newPasswordRequired: () => reject(new Error('unexpected NEW_PASSWORD_REQUIRED')),
		});
	});
}

async function expectError(name, message, promise) {
	try {
		await promise;
	} catch (e) {
		assert.strictEqual(e.name, name, `${e.name}: ${e.message}`);
		if (message !== undefined) {
			assert.strictEqual(e.message, message);
		}
		return;
	}
	assert.fail(`expected ${name}, the call succeeded`);
}

async function main() {
	const session = await login();
	const idToken = session.getIdToken().getJwtToken();
	ok('amazon-cognito-identity-js SRP login');

	const ci = new CognitoIdentityClient({ region: REGION, endpoint: config.endpoint });
	const provider = `cognito-idp.${REGION}.amazonaws.com/${config.pool}`;
	const created = await ci.send(new CreateIdentityPoolCommand({
		IdentityPoolName: 'node pool',
		AllowUnauthenticatedIdentities: false,
		CognitoIdentityProviders: [{ ProviderName: provider, ClientId: config.client }],
	}));
	const poolId = created.IdentityPoolId;
	assert.match(poolId, /^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
	assert.deepStrictEqual(created.CognitoIdentityProviders, [
		{ ProviderName: provider, ClientId: config.client, ServerSideTokenCheck: false },
	]);
	ok('CreateIdentityPool');

	await ci.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: poolId, Roles: { authenticated: ROLE } }));
	const roles = await ci.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: poolId }));
	assert.deepStrictEqual(roles.Roles, { authenticated: ROLE });
	ok('SetIdentityPoolRoles / GetIdentityPoolRoles');

	const logins = { [provider]: idToken };
	const { IdentityId } = await ci.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: logins }));
	assert.ok(IdentityId.startsWith(`${REGION}:`), IdentityId);
	const again = await ci.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: logins }));
	assert.strictEqual(again.IdentityId, IdentityId);
	ok('GetId: the same user, the same identity');

	const before = Date.now();
	const out = await ci.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }));
	assert.strictEqual(out.IdentityId, IdentityId);
	const c = out.Credentials;
	assert.match(c.AccessKeyId, /^ASIA[A-Z0-9]{16}$/);
	assert.strictEqual(c.SecretKey.length, 40);
	assert.ok(c.SessionToken.length > 0);
	assert.ok(c.Expiration instanceof Date, `Expiration is ${typeof c.Expiration}`);
	const ahead = (c.Expiration.getTime() - before) / 1000;
	assert.ok(ahead > 3000 && ahead <= 3700, `expires in ${ahead} s`);
	ok('GetCredentialsForIdentity: credentials and a Date an hour ahead');

	const open = await ci.send(new GetOpenIdTokenCommand({ IdentityId, Logins: logins }));
	assert.strictEqual(open.IdentityId, IdentityId);
	const claims = JSON.parse(Buffer.from(open.Token.split('.')[1], 'base64url').toString());
	assert.strictEqual(claims.sub, IdentityId);
	assert.strictEqual(claims.aud, poolId);
	ok('GetOpenIdToken');

	await expectError('NotAuthorizedException', 'Unauthenticated access is not supported for this identity pool.',
		ci.send(new GetIdCommand({ IdentityPoolId: poolId })));
	const missing = `${REGION}:00000000-0000-4000-8000-000000000000`;
	await expectError('ResourceNotFoundException', `IdentityPool '${missing}' not found.`,
		ci.send(new DescribeIdentityPoolCommand({ IdentityPoolId: missing })));
	ok('errors: NotAuthorizedException, ResourceNotFoundException');

	await ci.send(new DeleteIdentityPoolCommand({ IdentityPoolId: poolId }));
	await expectError('ResourceNotFoundException', undefined,
		ci.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins })));
	ok('DeleteIdentityPool removes the identities');

	process.stdout.write(JSON.stringify({ checks, identityId: IdentityId }) + '\n');
}

main().catch((e) => {
	process.stderr.write(`FAILED: ${e.stack || e}\n`);
	process.exit(1);
});
