#!/usr/bin/env node
// amazon-cognito-identity-js's legacy SMS MFA switch against a running cognate server:
// enableMFA / disableMFA (SetUserSettings) and getMFAOptions (GetUser's MFAOptions), with the
// SMS_MFA challenge they cause answered from the server's outbox.
//
// usage: node legacy_mfa.js CONFIG_JSON
//   CONFIG_JSON: {"endpoint": "http://127.0.0.1:PORT", "pool": "...", "client": "...",
//                 "username": "...", "password": "..."}
//   The pool has MfaConfiguration OPTIONAL and SMS MFA configured; the user has a
//   phone_number and a permanent password.
//
// 1. authenticateUser → onSuccess (no MFA yet); getMFAOptions → none.
// 2. enableMFA → 'SUCCESS'; getMFAOptions → SMS to phone_number.
// 3. A new login → mfaRequired (SMS_MFA); the code from GET /_cognate/outbox → sendMFACode →
//    onSuccess with tokens.
// 4. disableMFA → 'SUCCESS'; getMFAOptions → none; a new login → onSuccess without MFA.
// Prints one line per check on stderr and a JSON summary on stdout; exits 1 on a failure.
'use strict';

const assert = require('assert');
const { CognitoUserPool, CognitoUser, AuthenticationDetails } = require('amazon-cognito-identity-js');

const config = JSON.parse(process.argv[2]);
let checks = 0;
function ok(what) {
	checks += 1;
	process.stderr.write(`ok ${checks}: ${what}\n`);
}

const pool = new CognitoUserPool({ UserPoolId: config.pool, ClientId: config.client, endpoint: config.endpoint });

function newUser() {
	const user = new CognitoUser({ Username: config.username, Pool: pool });
	user.setAuthenticationFlowType('USER_PASSWORD_AUTH');
	return user;
}

async function lastSmsCode() {
	const url = `${config.endpoint}/_cognate/outbox?pool=${encodeURIComponent(config.pool)}`;
	const body = await (await fetch(url)).json();
	const sms = body.messages.filter((m) => m.medium === 'SMS');
	assert(sms.length > 0, JSON.stringify(body));
	return sms[sms.length - 1].code;
}

// Logs in; answers an MFA challenge from the outbox. Resolves to whether MFA was asked.
function login(user) {
	const details = new AuthenticationDetails({ Username: config.username, Password: config.password });
	return new Promise((resolve, reject) => {
		let asked = false;
		user.authenticateUser(details, {
			onSuccess: () => resolve(asked),
			onFailure: reject,
			mfaRequired: (challenge) => {
				asked = true;
				assert.strictEqual(challenge, 'SMS_MFA');
				lastSmsCode().then((code) => user.sendMFACode(code, {
					onSuccess: () => resolve(asked),
					onFailure: reject,
				}), reject);
			},
		});
	});
}

const call = (fn) => new Promise((resolve, reject) => fn((err, data) => (err ? reject(err) : resolve(data))));

(async () => {
	const user = newUser();
	assert.strictEqual(await login(user), false);
	assert.ok(!(await call((cb) => user.getMFAOptions(cb))));
	ok('login without MFA; getMFAOptions: none');

	assert.strictEqual(await call((cb) => user.enableMFA(cb)), 'SUCCESS');
	const options = await call((cb) => user.getMFAOptions(cb));
	assert.deepStrictEqual(options, [{ DeliveryMedium: 'SMS', AttributeName: 'phone_number' }]);
	ok('enableMFA; getMFAOptions: SMS to phone_number');

	const second = newUser();
	assert.strictEqual(await login(second), true);
	assert.ok(second.getSignInUserSession().isValid());
	ok('a new login asks SMS_MFA and succeeds with the code');

	assert.strictEqual(await call((cb) => second.disableMFA(cb)), 'SUCCESS');
	assert.ok(!(await call((cb) => second.getMFAOptions(cb))));
	assert.strictEqual(await login(newUser()), false);
	ok('disableMFA; getMFAOptions: none; login without MFA');

	process.stdout.write(JSON.stringify({ checks }) + '\n');
})().catch((e) => {
	process.stderr.write(`FAILED: ${e && e.stack ? e.stack : JSON.stringify(e)}\n`);
	process.exit(1);
});
