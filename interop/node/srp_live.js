#!/usr/bin/env node
// Answers one PASSWORD_VERIFIER challenge the way amazon-cognito-identity-js does.
//
// Reads one JSON object from stdin:
//   {"pool_id": "us-east-1_AbC123xyZ", "username": "...", "password": "...",
//    "srp_b": "<hex>", "salt": "<hex>", "secret_block": "<base64>",
//    "user_id_for_srp": "..."}        (optional; defaults to username)
// and, once the whole input has been read, prints one JSON line:
//   {"srp_a": "...", "timestamp": "...", "signature": "...", "user_id_for_srp": "..."}
//
// The library's normal code path is used: AuthenticationHelper draws its own
// random a, SRP_A is A.toString(16) as CognitoUser sends it, SRP_B and SALT are
// parsed as CognitoUser parses them, the key comes from
// getPasswordAuthenticationKey, TIMESTAMP from DateHelper at the current time,
// and the signature is computed as CognitoUser computes it, with the library's
// own SHA-256 package. No request is sent anywhere.
'use strict';

const { createRequire } = require('module');

const requireCognito = createRequire(require.resolve('amazon-cognito-identity-js/package.json'));
const { AuthenticationHelper, DateHelper } = require('amazon-cognito-identity-js');
const BigInteger = requireCognito('./lib/BigInteger').default;
const { Sha256 } = requireCognito('@aws-crypto/sha256-js');

function readStdin() {
	return new Promise((resolve, reject) => {
		const chunks = [];
		process.stdin.on('data', chunk => chunks.push(chunk));
		process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		process.stdin.on('error', reject);
	});
}

function answer(request) {
	for (const field of ['pool_id', 'username', 'password', 'srp_b', 'salt', 'secret_block']) {
		if (typeof request[field] !== 'string') throw new Error(`missing string field ${field}`);
	}
	const poolName = request.pool_id.split('_')[1]; // as CognitoUserPool.getUserPoolName()
	if (!poolName) throw new Error(`not a user pool id: ${request.pool_id}`);
	const userIdForSrp = request.user_id_for_srp || request.username;

	const helper = new AuthenticationHelper(poolName);
	let srpA;
	helper.getLargeAValue((err, largeA) => {
		if (err) throw err;
		srpA = largeA.toString(16);
	});

	const serverB = new BigInteger(request.srp_b, 16);
	const salt = new BigInteger(request.salt, 16);
	let key;
	helper.getPasswordAuthenticationKey(userIdForSrp, request.password, serverB, salt, (err, hkdf) => {
		if (err) throw err;
		key = hkdf;
	});
	if (srpA === undefined || key === undefined) throw new Error('the library did not answer synchronously');

	const timestamp = new DateHelper().getNowString();
	const message = Buffer.concat([
		Buffer.from(poolName, 'utf8'),
		Buffer.from(userIdForSrp, 'utf8'),
		Buffer.from(request.secret_block, 'base64'),
		Buffer.from(timestamp, 'utf8'),
	]);
	const hmac = new Sha256(key);
	hmac.update(message);
	const signature = Buffer.from(hmac.digestSync()).toString('base64');
	return { srp_a: srpA, timestamp, signature, user_id_for_srp: userIdForSrp };
}

readStdin()
	.then(text => {
		process.stdout.write(JSON.stringify(answer(JSON.parse(text))) + '\n');
	})
	.catch(err => {
		process.stderr.write(`srp_live.js: ${err && err.message ? err.message : err}\n`);
		process.exitCode = 1;
	});
