#!/usr/bin/env node
// The browser story of amazon-cognito-identity-js (stock) against a running cognate server:
// first login with a temporary password, TOTP set-up, a TOTP login, a remembered device, and a
// login on that device that skips MFA.
//
// usage: node mfa_devices.js CONFIG_JSON
//   CONFIG_JSON: {"endpoint": "http://127.0.0.1:PORT", "pool": "...", "client": "...",
//                 "username": "...", "temporaryPassword": "...", "newPassword": "..."}
//   The pool has MfaConfiguration OPTIONAL (software token on) and a DeviceConfiguration with
//   DeviceOnlyRememberedOnUserPrompt = true; the user was created with a temporary password.
//
// 1. authenticateUser (USER_SRP_AUTH) → newPasswordRequired → completeNewPasswordChallenge →
//    onSuccess with userConfirmationNecessary = true: the library confirmed the new device
//    (ConfirmDevice) by itself and keeps its key in its storage.
// 2. associateSoftwareToken → verifySoftwareToken with a code computed here (RFC 6238,
//    HMAC-SHA1 from Node's crypto) → setUserMfaPreference(TOTP on, preferred).
// 3. A later login: totpRequired → sendMFACode(code, cb, 'SOFTWARE_TOKEN_MFA') → the library
//    answers DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER by itself → tokens carrying device_key.
//    setDeviceStatusRemembered.
// 4. A later login takes the device path and skips MFA (totpRequired is not called).
// Prints one line per check on stderr and a JSON summary on stdout; exits 1 on a failure.
'use strict';

const assert = require('assert');
const crypto = require('crypto');
const { CognitoUserPool, CognitoUser, AuthenticationDetails } = require('amazon-cognito-identity-js');

const config = JSON.parse(process.argv[2]);
let checks = 0;
function ok(what) {
	checks += 1;
	process.stderr.write(`ok ${checks}: ${what}\n`);
}

function base32Decode(text) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = 0;
	let value = 0;
	const out = [];
	for (const c of text.replace(/=+$/, '').toUpperCase()) {
		const v = alphabet.indexOf(c);
		if (v < 0) throw new Error(`not base32: ${c}`);
		value = (value << 5) | v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out.push((value >>> bits) & 0xff);
		}
	}
	return Buffer.from(out);
}

// RFC 6238: HMAC-SHA1 over the 30-second step counter, dynamic truncation, six digits.
function totp(secretBase32, unixSeconds) {
	const counter = Buffer.alloc(8);
	counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
	const digest = crypto.createHmac('sha1', base32Decode(secretBase32)).update(counter).digest();
	const offset = digest[19] & 0x0f;
	const n = ((digest[offset] & 0x7f) << 24) | (digest[offset + 1] << 16) | (digest[offset + 2] << 8) | digest[offset + 3];
	return String(n % 1000000).padStart(6, '0');
}

const pool = new CognitoUserPool({ UserPoolId: config.pool, ClientId: config.client, endpoint: config.endpoint });

function newUser() {
	return new CognitoUser({ Username: config.username, Pool: pool });
}

function fail(what) {
	return () => { throw new Error(`unexpected ${what}`); };
}

async function main() {
	// 1. temporary password → new password; the library confirms the device.
	const first = newUser();
	const firstLogin = await new Promise((resolve, reject) => {
		const callbacks = {
			onSuccess: (session, userConfirmationNecessary) => resolve({ session, userConfirmationNecessary }),
			onFailure: reject,
			totpRequired: () => reject(new Error('unexpected totpRequired')),
			mfaSetup: () => reject(new Error('unexpected mfaSetup')),
			newPasswordRequired: (userAttributes, requiredAttributes) => {
				assert.deepStrictEqual(requiredAttributes, []);
				ok('authenticateUser with the temporary password: newPasswordRequired');
				first.completeNewPasswordChallenge(config.newPassword, {}, callbacks);
			},
		};
		first.authenticateUser(new AuthenticationDetails({ Username: config.username, Password: config.temporaryPassword }), callbacks);
	});
	assert.ok(firstLogin.session.isValid());
	assert.strictEqual(firstLogin.userConfirmationNecessary, true);
	const deviceKey = firstLogin.session.getAccessToken().decodePayload().device_key;
	assert.ok(deviceKey && deviceKey.startsWith(config.pool.split('_')[0] + '_'), `device_key ${deviceKey}`);
	assert.strictEqual(first.deviceKey, deviceKey);
	ok(`completeNewPasswordChallenge → tokens; ConfirmDevice by the library (UserConfirmationNecessary), device ${deviceKey}`);

	// 2. TOTP set-up with the access token.
	const secret = await new Promise((resolve, reject) => {
		first.associateSoftwareToken({ associateSecretCode: resolve, onFailure: reject });
	});
	assert.match(secret, /^[A-Z2-7]{52}$/);
	const verifyStep = Math.floor(Date.now() / 1000);
	const wrong = await new Promise(resolve => {
		const code = totp(secret, verifyStep);
		const bad = String((Number(code) + 1) % 1000000).padStart(6, '0');
		first.verifySoftwareToken(bad, 'phone', { onSuccess: () => resolve(null), onFailure: resolve });
	});
	assert.ok(wrong, 'a wrong code was accepted');
	assert.strictEqual(wrong.code, 'EnableSoftwareTokenMFAException');
	assert.strictEqual(wrong.message, 'Code mismatch and fail enable Software Token MFA');
	const verified = await new Promise((resolve, reject) => {
		first.verifySoftwareToken(totp(secret, verifyStep), 'phone', { onSuccess: resolve, onFailure: reject });
	});
	assert.strictEqual(verified.Status, 'SUCCESS');
	await new Promise((resolve, reject) => {
		first.setUserMfaPreference(null, { Enabled: true, PreferredMfa: true }, (err, result) => (err ? reject(err) : resolve(result)));
	});
	ok('associateSoftwareToken, verifySoftwareToken (wrong code: EnableSoftwareTokenMFAException), setUserMfaPreference');

	// 3. TOTP login on the confirmed (not remembered) device: MFA, then the device step.
	const second = newUser();
	let totpAsked = false;
	const secondSession = await new Promise((resolve, reject) => {
		const callbacks = {
			onSuccess: resolve,
			onFailure: reject,
			newPasswordRequired: () => reject(new Error('unexpected newPasswordRequired')),
			mfaSetup: () => reject(new Error('unexpected mfaSetup')),
			totpRequired: challengeName => {
				totpAsked = true;
				assert.strictEqual(challengeName, 'SOFTWARE_TOKEN_MFA');
				// The step after the one VerifySoftwareToken used (codes are good once; ±1 step).
				second.sendMFACode(totp(secret, verifyStep + 30), callbacks, 'SOFTWARE_TOKEN_MFA');
			},
		};
		second.authenticateUser(new AuthenticationDetails({ Username: config.username, Password: config.newPassword }), callbacks);
	});
	assert.ok(totpAsked);
	assert.strictEqual(secondSession.getAccessToken().decodePayload().device_key, deviceKey);
	ok('authenticateUser → totpRequired → sendMFACode(SOFTWARE_TOKEN_MFA) → DEVICE_SRP_AUTH → tokens with device_key');

	await new Promise((resolve, reject) => {
		second.setDeviceStatusRemembered({ onSuccess: resolve, onFailure: reject });
	});
	const device = await new Promise((resolve, reject) => {
		second.getDevice({ onSuccess: resolve, onFailure: reject });
	});
	const remembered = device.Device.DeviceAttributes.find(a => a.Name === 'dev:device_remembered_status');
	assert.strictEqual(remembered.Value, 'remembered');
	ok('setDeviceStatusRemembered; getDevice shows it remembered');

	// 4. On the remembered device: no MFA.
	const third = newUser();
	const thirdSession = await new Promise((resolve, reject) => {
		third.authenticateUser(new AuthenticationDetails({ Username: config.username, Password: config.newPassword }), {
			onSuccess: resolve,
			onFailure: reject,
			totpRequired: () => reject(new Error('MFA was asked on a remembered device')),
			mfaSetup: fail('mfaSetup'),
			newPasswordRequired: fail('newPasswordRequired'),
		});
	});
	assert.strictEqual(thirdSession.getAccessToken().decodePayload().device_key, deviceKey);
	const listed = await new Promise((resolve, reject) => {
		third.listDevices(10, null, { onSuccess: resolve, onFailure: reject });
	});
	assert.strictEqual(listed.Devices.length, 1);
	assert.strictEqual(listed.Devices[0].DeviceKey, deviceKey);
	ok('a later login on the remembered device: DEVICE_SRP_AUTH, no MFA; listDevices');

	process.stdout.write(JSON.stringify({ checks, deviceKey }) + '\n');
}

main().catch(e => {
	process.stderr.write(`FAILED: ${e && e.stack ? e.stack : e}\n${e && e.code ? `code: ${e.code}\n` : ''}`);
	process.exit(1);
});
