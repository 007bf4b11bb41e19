#!/usr/bin/env node
// Amplify v6 (aws-amplify, pinned in package.json) signs in with CUSTOM_WITHOUT_SRP and with
// CUSTOM_WITH_SRP against a cognate server whose pool runs the example Define/Create/Verify
// handlers of examples/triggers.
//
// usage: node amplify_custom_auth.mjs CONFIG_JSON
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

async function main() {
	const started = await signIn({
		username: config.username,
		options: { authFlowType: 'CUSTOM_WITHOUT_SRP' },
	});
	assert.strictEqual(started.isSignedIn, false);
	assert.strictEqual(started.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
	assert.strictEqual(started.nextStep.additionalInfo.question, 'What is the secret word?');
	const wrong = await confirmSignIn({ challengeResponse: 'not it' });
	assert.strictEqual(wrong.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
	const done = await confirmSignIn({ challengeResponse: 'cognate' });
	assert.strictEqual(done.isSignedIn, true);
	const session = await fetchAuthSession();
	assert.strictEqual(session.tokens.accessToken.payload.username, config.username);
	ok('signIn CUSTOM_WITHOUT_SRP: the challenge, a wrong answer, the right one, tokens');
	await signOut();

	const withSrp = await signIn({
		username: config.username,
		password: config.password,
		options: { authFlowType: 'CUSTOM_WITH_SRP' },
	});
	assert.strictEqual(withSrp.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
	const srpDone = await confirmSignIn({ challengeResponse: 'cognate' });
	assert.strictEqual(srpDone.isSignedIn, true);
	ok('signIn CUSTOM_WITH_SRP: SRP_A, PASSWORD_VERIFIER, the custom challenge, tokens');
	await signOut();
	process.stdout.write(JSON.stringify({ checks }) + '\n');
}

main().catch(e => {
	process.stderr.write(`FAILED: ${e.stack || e}\n`);
	process.exit(1);
});
