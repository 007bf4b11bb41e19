#!/usr/bin/env node
// SRP test vectors computed by amazon-cognito-identity-js's own code.
//
// Usage: node gen_cognito_js.js INPUTS_JSON RESULTS_OUT
//
// INPUTS_JSON holds the concrete inputs written by gen_pycognito.py. Each SRP
// input is run through AuthenticationHelper (smallAValue set, calculateA,
// calculateU, getPasswordAuthenticationKey; the signature computed as
// CognitoUser does, with the library's own SHA-256 package), and then replayed
// through CognitoUser itself against a scripted Cognito to check that what the
// library would send (SRP_A, TIMESTAMP, PASSWORD_CLAIM_SIGNATURE,
// DeviceSecretVerifierConfig) is the same.
//
// The library's random source (crypto.getRandomValues, looked up on the global
// crypto object when the library loads) is replaced before the library is
// loaded, and the global Date is frozen while the library formats timestamps,
// so nothing depends on the clock or the operating system's randomness.
'use strict';

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');
const nodeCrypto = require('crypto');

const nodeDir = process.env.INTEROP_NODE_DIR || path.resolve(__dirname, '..', 'node');
const requireInterop = createRequire(path.join(nodeDir, 'package.json'));

// ---------------------------------------------------------------------------
// Deterministic sources
// ---------------------------------------------------------------------------

/** An endless byte stream: SHA-256(label "/" counter) blocks (same as gen_pycognito.py). */
class Stream {
	constructor(label) {
		this.label = label;
		this.counter = 0;
		this.buf = Buffer.alloc(0);
	}
	take(n) {
		while (this.buf.length < n) {
			const block = nodeCrypto
				.createHash('sha256')
				.update(`cognate-srp-vectors/${this.label}/${this.counter}`, 'utf8')
				.digest();
			this.buf = Buffer.concat([this.buf, block]);
			this.counter += 1;
		}
		const out = this.buf.subarray(0, n);
		this.buf = this.buf.subarray(n);
		return Buffer.from(out);
	}
}

/** Serves exactly the given bytes, then refuses. */
class Script {
	constructor(bytes) {
		this.data = Buffer.from(bytes);
	}
	take(n) {
		if (n > this.data.length) {
			throw new Error(`scripted randomness exhausted (wanted ${n} bytes)`);
		}
		const out = this.data.subarray(0, n);
		this.data = this.data.subarray(n);
		return Buffer.from(out);
	}
	done() {
		return this.data.length === 0;
	}
}

const entropy = {
	source: null,
	drawn: [], // bytes in the order the library laid them out
	serving(source, fn) {
		const saved = [this.source, this.drawn];
		this.source = source;
		this.drawn = [];
		try {
			return fn();
		} finally {
			[this.source, this.drawn] = saved;
		}
	},
	drawnBytes() {
		return Buffer.concat(this.drawn);
	},
};

// The library calls crypto.getRandomValues(new Uint32Array(1)) once per 4
// bytes and writes each word out big-endian (utils/WordArray.js), so serving
// the words big-endian makes its random bytes equal the source's bytes.
// The replacement object has no randomBytes, so the library's fallback to the
// OS source cannot be taken either.
const fakeCrypto = {
	getRandomValues(array) {
		if (!(array instanceof Uint32Array)) {
			throw new Error('unexpected getRandomValues argument');
		}
		if (entropy.source === null) {
			throw new Error('the library asked for randomness outside a scripted section');
		}
		for (let i = 0; i < array.length; i++) {
			const bytes = entropy.source.take(4);
			entropy.drawn.push(bytes);
			array[i] = bytes.readUInt32BE(0);
		}
		return array;
	},
};
Object.defineProperty(globalThis, 'crypto', {
	value: fakeCrypto,
	configurable: true,
	writable: true,
});

const RealDate = Date;
function withFrozenDate(iso, fn) {
	const fixed = RealDate.parse(iso);
	if (Number.isNaN(fixed)) throw new Error(`bad time ${iso}`);
	class FrozenDate extends RealDate {
		constructor(...args) {
			if (args.length === 0) super(fixed);
			else super(...args);
		}
		static now() {
			return fixed;
		}
	}
	globalThis.Date = FrozenDate;
	try {
		return fn();
	} finally {
		globalThis.Date = RealDate;
	}
}

// Loaded only now, so that the library picks up the replaced crypto object.
const cognito = requireInterop('amazon-cognito-identity-js');
const cognitoDir = path.dirname(requireInterop.resolve('amazon-cognito-identity-js/package.json'));
const requireCognito = createRequire(path.join(cognitoDir, 'package.json'));
const BigInteger = requireCognito('./lib/BigInteger').default;
const { Sha256 } = requireCognito('@aws-crypto/sha256-js');
const cognitoVersion = requireCognito('./package.json').version;
const { AuthenticationHelper, AuthenticationDetails, CognitoUser, CognitoUserPool, DateHelper } =
	cognito;

const CLIENT_ID = 'cognatevectorsclient0000';

// ---------------------------------------------------------------------------
// Vectors through AuthenticationHelper
// ---------------------------------------------------------------------------

function newHelper(id, poolName) {
	return entropy.serving(new Stream(`${id}/js-constructor`), () => new AuthenticationHelper(poolName));
}

/** Calls a node-style-callback method that the library runs synchronously. */
function sync(fn) {
	let result;
	let called = false;
	fn((err, value) => {
		if (err) throw err;
		result = value;
		called = true;
	});
	if (!called) throw new Error('callback was not called synchronously');
	return result;
}

function srpVector(inp) {
	const helper = newHelper(inp.id, inp.pool_name);
	helper.smallAValue = new BigInteger(inp.a, 16);
	helper.largeAValue = undefined;
	const largeA = sync(cb => helper.getLargeAValue(cb)); // via calculateA
	const srpA = largeA.toString(16); // as CognitoUser puts it in SRP_A

	const serverB = new BigInteger(inp.srp_b, 16); // as CognitoUser parses SRP_B
	const salt = new BigInteger(inp.salt, 16); // and SALT
	const u = helper.calculateU(largeA, serverB);

	// Record x and S as the helper passes them along.
	let x = null;
	let s = null;
	const calculateS = helper.calculateS.bind(helper);
	helper.calculateS = (xValue, bValue, callback) => {
		x = xValue;
		calculateS(xValue, bValue, (err, sValue) => {
			s = sValue;
			callback(err, sValue);
		});
	};
	const key = sync(cb => helper.getPasswordAuthenticationKey(inp.user_id, inp.password, serverB, salt, cb));
	if (!helper.UValue.equals(u)) throw new Error(`${inp.id}: u differs between calls`);

	// CognitoUser: dateHelper.getNowString(), then HMAC-SHA256(key, poolName ‖ userId ‖ secretBlock ‖ timestamp)
	const timestamp = withFrozenDate(inp.time, () => new DateHelper().getNowString());
	const message = Buffer.concat([
		Buffer.from(inp.pool_name, 'utf8'),
		Buffer.from(inp.user_id, 'utf8'),
		Buffer.from(inp.secret_block, 'base64'),
		Buffer.from(timestamp, 'utf8'),
	]);
	const hmac = new Sha256(key);
	hmac.update(message);
	const signature = Buffer.from(hmac.digestSync()).toString('base64');

	return {
		srp_a: srpA,
		timestamp,
		u: u.toString(16),
		x: x.toString(16),
		s: s.toString(16),
		key: Buffer.from(key).toString('hex'),
		signature,
	};
}

// ---------------------------------------------------------------------------
// Replays through CognitoUser against a scripted Cognito
// ---------------------------------------------------------------------------

function scriptedPool(poolId, answers) {
	const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: CLIENT_ID });
	const calls = [];
	pool.client.request = (operation, params, callback) => {
		calls.push({ operation, params: JSON.parse(JSON.stringify(params)) });
		const answer = answers.shift();
		if (answer === undefined) {
			return callback(Object.assign(new Error(`unexpected ${operation}`), { code: 'Scripted' }));
		}
		if (answer instanceof Error) return callback(answer);
		return callback(null, answer);
	};
	return { pool, calls };
}

function stop() {
	return Object.assign(new Error('end of script'), { code: 'EndOfScript' });
}

const callbacks = failures => ({
	onSuccess: () => {},
	onFailure: err => {
		if (err.code !== 'EndOfScript') failures.push(err);
	},
});

// A syntactically valid, unsigned JWT, enough for CognitoUserSession.
function fakeJwt(payload) {
	const enc = obj => Buffer.from(JSON.stringify(obj)).toString('base64url');
	return `${enc({ alg: 'none' })}.${enc(payload)}.sig`;
}

function aBytes(aHex) {
	const a = Buffer.from(aHex.padStart(256, '0'), 'hex');
	if (a.length !== 128) throw new Error('a does not fit 128 bytes');
	return a;
}

function fullFlowCheck(inp, vec) {
	const failures = [];
	const script = new Script(aBytes(inp.a));
	let sentA;
	let answer;
	if (!inp.device) {
		const params = {
			USERNAME: inp.user_id,
			USER_ID_FOR_SRP: inp.user_id,
			SRP_B: inp.srp_b,
			SALT: inp.salt,
			SECRET_BLOCK: inp.secret_block,
		};
		const { pool, calls } = scriptedPool(inp.pool_id, [
			{ ChallengeName: 'PASSWORD_VERIFIER', ChallengeParameters: params },
			stop(),
		]);
		const user = new CognitoUser({ Username: inp.login_name, Pool: pool });
		const details = new AuthenticationDetails({ Username: inp.login_name, Password: inp.password });
		entropy.serving(script, () =>
			withFrozenDate(inp.time, () => user.authenticateUser(details, callbacks(failures)))
		);
		if (failures.length) throw failures[0];
		sentA = calls[0].params.AuthParameters.SRP_A;
		if (calls[1].params.ChallengeName !== 'PASSWORD_VERIFIER') throw new Error('unexpected flow');
		answer = calls[1].params.ChallengeResponses;
		if (answer.USERNAME !== inp.user_id) throw new Error('USERNAME is not USER_ID_FOR_SRP');
	} else {
		const { pool, calls } = scriptedPool(inp.pool_id, [
			{
				ChallengeName: 'DEVICE_PASSWORD_VERIFIER',
				ChallengeParameters: {
					USERNAME: inp.login_name,
					SRP_B: inp.srp_b,
					SALT: inp.salt,
					SECRET_BLOCK: inp.secret_block,
				},
			},
			stop(),
		]);
		const user = new CognitoUser({ Username: inp.login_name, Pool: pool });
		user.deviceKey = inp.user_id;
		user.deviceGroupKey = inp.pool_name;
		user.randomPassword = inp.password;
		entropy.serving(script, () =>
			withFrozenDate(inp.time, () => user.getDeviceResponse(callbacks(failures)))
		);
		if (failures.length) throw failures[0];
		if (calls[0].params.ChallengeName !== 'DEVICE_SRP_AUTH') throw new Error('unexpected flow');
		sentA = calls[0].params.ChallengeResponses.SRP_A;
		if (calls[1].params.ChallengeName !== 'DEVICE_PASSWORD_VERIFIER') throw new Error('unexpected flow');
		answer = calls[1].params.ChallengeResponses;
	}
	if (!script.done()) throw new Error(`${inp.id}: CognitoUser did not draw exactly a's 128 bytes`);
	const got = [sentA, answer.TIMESTAMP, answer.PASSWORD_CLAIM_SIGNATURE];
	const want = [vec.srp_a, vec.timestamp, vec.signature];
	if (JSON.stringify(got) !== JSON.stringify(want)) {
		throw new Error(`${inp.id}: CognitoUser sent ${got}, expected ${want}`);
	}
}

// ---------------------------------------------------------------------------
// Device verifiers
// ---------------------------------------------------------------------------

function deviceVerifier(inp) {
	const random = Buffer.from(inp.random, 'hex'); // 40 bytes password, 16 bytes salt

	// 1. AuthenticationHelper.generateHashDevice, encoded as CognitoUser does.
	const helper = newHelper(inp.id, 'AbC123xyZ');
	const script = new Script(random);
	let drawn;
	entropy.serving(script, () => {
		sync(cb => helper.generateHashDevice(inp.device_group_key, inp.device_key, cb));
		drawn = entropy.drawnBytes();
	});
	if (!script.done() || drawn.length !== 56) throw new Error(`${inp.id}: unexpected draws`);
	const devicePassword = helper.getRandomPassword();
	if (devicePassword !== drawn.subarray(0, 40).toString('base64')) {
		throw new Error(`${inp.id}: device password is not base64 of the first 40 drawn bytes`);
	}
	const randomSalt = drawn.subarray(40, 56);
	if (helper.getSaltDevices() !== helper.padHex(new BigInteger(randomSalt.toString('hex'), 16))) {
		throw new Error(`${inp.id}: salt is not padHex of the last 16 drawn bytes`);
	}
	const result = {
		random_salt: randomSalt.toString('hex'),
		device_password: devicePassword,
		password_verifier: Buffer.from(helper.getVerifierDevices(), 'hex').toString('base64'),
		salt: Buffer.from(helper.getSaltDevices(), 'hex').toString('base64'),
	};

	// 2. The same draws through CognitoUser: a login answered with NewDeviceMetadata
	//    makes it confirm the device; compare what it sends in ConfirmDevice.
	const failures = [];
	const now = 1738569909;
	const tokens = {
		AccessToken: fakeJwt({ sub: 'vector-user', exp: now + 3600, iat: now }),
		IdToken: fakeJwt({ sub: 'vector-user', exp: now + 3600, iat: now }),
		RefreshToken: 'not-a-real-refresh-token',
		NewDeviceMetadata: { DeviceKey: inp.device_key, DeviceGroupKey: inp.device_group_key },
	};
	const { pool, calls } = scriptedPool('us-east-1_AbC123xyZ', [
		{
			ChallengeName: 'PASSWORD_VERIFIER',
			ChallengeParameters: {
				USERNAME: 'vector-user',
				USER_ID_FOR_SRP: 'vector-user',
				SRP_B: '2',
				SALT: '1',
				SECRET_BLOCK: Buffer.from('dummy').toString('base64'),
			},
		},
		{ AuthenticationResult: tokens },
		stop(),
	]);
	const user = new CognitoUser({ Username: 'vector-user', Pool: pool });
	const details = new AuthenticationDetails({ Username: 'vector-user', Password: 'unused' });
	const flowScript = new Script(Buffer.concat([new Stream(`${inp.id}/js-a`).take(128), random]));
	entropy.serving(flowScript, () =>
		withFrozenDate('2025-02-03T08:05:09Z', () => user.authenticateUser(details, callbacks(failures)))
	);
	if (failures.length) throw failures[0];
	if (!flowScript.done()) throw new Error(`${inp.id}: CognitoUser drew an unexpected amount`);
	const confirm = calls.find(c => c.operation === 'ConfirmDevice');
	if (!confirm) throw new Error(`${inp.id}: no ConfirmDevice call`);
	const sent = confirm.params.DeviceSecretVerifierConfig;
	if (
		confirm.params.DeviceKey !== inp.device_key ||
		sent.PasswordVerifier !== result.password_verifier ||
		sent.Salt !== result.salt ||
		user.randomPassword !== devicePassword
	) {
		throw new Error(`${inp.id}: CognitoUser's ConfirmDevice differs from AuthenticationHelper's`);
	}
	return result;
}

// ---------------------------------------------------------------------------

function main() {
	const [inputsPath, resultsOut] = process.argv.slice(2);
	const inputs = JSON.parse(fs.readFileSync(inputsPath, 'utf8'));
	const srp = [];
	for (const inp of inputs.srp) {
		const vec = srpVector(inp);
		fullFlowCheck(inp, vec);
		srp.push({ id: inp.id, ...vec });
		process.stderr.write(`gen_cognito_js: ${inp.id}\n`);
	}
	const deviceVerifiers = inputs.device_verifiers.map(inp => ({ id: inp.id, ...deviceVerifier(inp) }));
	const out = {
		library: 'amazon-cognito-identity-js',
		version: cognitoVersion,
		srp,
		device_verifiers: deviceVerifiers,
	};
	fs.writeFileSync(resultsOut, JSON.stringify(out, null, 2) + '\n');
}

main();
