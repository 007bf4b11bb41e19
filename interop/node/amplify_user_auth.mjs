#!/usr/bin/env node
// Amplify v6 (aws-amplify, pinned in package.json) signs in with USER_AUTH against a cognate
// server: EMAIL_OTP as the preferred challenge (a wrong code, then the one from the server's
// outbox), EMAIL_OTP chosen from the first-factor selection, and the password factors
// (PASSWORD_SRP and PASSWORD) through USER_AUTH.
//
// usage: node amplify_user_auth.mjs CONFIG_JSON
//   CONFIG_JSON: {"endpoint", "pool", "client", "username", "password"}
// Prints one line per check on stderr and a JSON summary on stdout; exits 1 on a failure.
import assert from 'node:assert';
import { Amplify } from 'aws-amplify';
import { signIn, confirmSignIn, signOut, fetchAuthSession } from 'aws-amplify/auth';

const config = JSON.parse(process.argv[2]);
let checks = 0;
function ok(what) {
	checks += 1;
	process.stderr.write(`ok ${checks}: ${what}\n`);
}

Amplify.configure({
	Auth: {
		Cognito: {
			userPoolId: config.pool,
			userPoolClientId: config.client,
			userPoolEndpoint: config.endpoint,
		},
	},
});

/// The latest EMAIL_OTP code the server "sent" (its outbox).
async function emailCode() {
	const url = `${config.endpoint}/_cognate/outbox?pool=${config.pool}&purpose=EMAIL_OTP`;
	const body = await (await fetch(url)).json();
	return body.messages[body.messages.length - 1].code;
}

async function signedInAs() {
	const session = await fetchAuthSession();
	assert.strictEqual(session.tokens.accessToken.payload.username, config.username);
}

async function main() {
	const started = await signIn({
		username: config.username,
		options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' },
	});
	assert.strictEqual(started.isSignedIn, false);
	assert.strictEqual(started.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
	assert.strictEqual(started.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
	const code = await emailCode();
	const wrong = code === '000000' ? '111111' : '000000';
	await assert.rejects(confirmSignIn({ challengeResponse: wrong }), { name: 'CodeMismatchException' });
	const done = await confirmSignIn({ challengeResponse: code });
	assert.strictEqual(done.isSignedIn, true);
	await signedInAs();
	ok('USER_AUTH with preferredChallenge EMAIL_OTP: a wrong code refused, the right one signs in');
	await signOut();

	const choice = await signIn({ username: config.username, options: { authFlowType: 'USER_AUTH' } });
	assert.strictEqual(choice.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION');
	assert.deepStrictEqual(choice.nextStep.availableChallenges, ['PASSWORD', 'PASSWORD_SRP', 'EMAIL_OTP', 'SMS_OTP']);
	const picked = await confirmSignIn({ challengeResponse: 'EMAIL_OTP' });
	assert.strictEqual(picked.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
	const chosen = await confirmSignIn({ challengeResponse: await emailCode() });
	assert.strictEqual(chosen.isSignedIn, true);
	await signedInAs();
	ok('USER_AUTH without a preference: EMAIL_OTP chosen from the first-factor selection');
	await signOut();

	for (const preferredChallenge of ['PASSWORD_SRP', 'PASSWORD']) {
		const pw = await signIn({
			username: config.username,
			password: config.password,
			options: { authFlowType: 'USER_AUTH', preferredChallenge },
		});
		assert.strictEqual(pw.isSignedIn, true);
		await signedInAs();
		ok(`USER_AUTH with preferredChallenge ${preferredChallenge} signs in`);
		await signOut();
	}
	process.stdout.write(JSON.stringify({ checks }) + '\n');
}

main().catch(e => {
	process.stderr.write(`FAILED: ${e.stack || e}\n`);
	process.exit(1);
});
