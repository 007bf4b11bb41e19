#!/usr/bin/env node
// A real Chromium (Debian's, driven by playwright-core; no browser download) signs in through
// the hosted pages of a pool's domain, in the host form (http://{prefix}.auth.localhost:PORT).
//
// usage: node browser.mjs CONFIG_JSON
//   CONFIG_JSON: {"endpoint", "pool", "host" (http://{prefix}.auth.localhost:PORT), "web",
//                 "callback", "logoutUri", "alice": {username, password},
//                 "carol": {username, password, totpSecret (base32)},
//                 "dave": {username, temporaryPassword, newPassword}, "screenshots" (a directory)}
//
// 1. Authorization code + PKCE: the sign-in page, a wrong password (the page says so), the
//    right one, back at the app with a code that the token endpoint exchanges (nonce checked).
// 2. The session cookie: a second authorization request skips the page; /logout ends it.
// 3. A user with TOTP: the code page, then the app.
// 4. A user with a temporary password: the new-password page, then the app.
// 5. Sign-up: the form, the emailed code, the sign-in page, the app.
// 6. A forgotten password: a code, the new password, the sign-in page, the app.
// 7. An unregistered redirect URI: an error page, the browser never leaves the domain.
// A screenshot of each page goes to `screenshots`. Prints one line per check on stderr and a
// JSON summary on stdout; exits 1 on a failure.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const config = JSON.parse(process.argv[2]);
let checks = 0;
function ok(what) {
	checks += 1;
	process.stderr.write(`ok ${checks}: ${what}\n`);
}

const b64url = buf => buf.toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

function totp(base32, unixSecs) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = '';
	for (const c of base32.replace(/=+$/, '').toUpperCase()) {
		bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
	}
	const key = Buffer.from(bits.match(/.{8}/g).map(b => parseInt(b, 2)));
	const counter = Buffer.alloc(8);
	counter.writeBigUInt64BE(BigInt(Math.floor(unixSecs / 30)));
	const mac = crypto.createHmac('sha1', key).update(counter).digest();
	const offset = mac[mac.length - 1] & 0x0f;
	const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
	return n.toString().padStart(6, '0');
}

function authorizeRequest(extra = {}) {
	const verifier = b64url(crypto.randomBytes(40));
	const nonce = b64url(crypto.randomBytes(16));
	const params = new URLSearchParams({
		response_type: 'code',
		client_id: config.web,
		redirect_uri: config.callback,
		scope: 'openid email',
		state: 'browser-state',
		nonce,
		code_challenge: b64url(crypto.createHash('sha256').update(verifier).digest()),
		code_challenge_method: 'S256',
		...extra,
	});
	return { url: `${config.host}/oauth2/authorize?${params}`, verifier, nonce };
}

async function exchange(callbackUrl, req) {
	const code = new URL(callbackUrl).searchParams.get('code');
	assert.ok(code, callbackUrl);
	const resp = await fetch(`${config.endpoint}/${config.pool}/oauth2/token`, {
		method: 'POST',
		body: new URLSearchParams({
			grant_type: 'authorization_code',
			client_id: config.web,
			code,
			redirect_uri: config.callback,
			code_verifier: req.verifier,
		}),
	});
	const body = await resp.json();
	assert.equal(resp.status, 200, JSON.stringify(body));
	const id = JSON.parse(Buffer.from(body.id_token.split('.')[1], 'base64url').toString());
	assert.equal(id.nonce, req.nonce);
	assert.equal(id.aud, config.web);
	return id;
}

fs.mkdirSync(config.screenshots, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(config.screenshots, `${name}.png`), fullPage: true });

// playwright launches with a fresh temporary profile (--user-data-dir) of its own.
const browser = await chromium.launch({
	executablePath: config.chromium ?? '/usr/bin/chromium',
	headless: true,
	args: [
		'--no-sandbox',
		'--disable-gpu',
		'--disable-quic',
		'--no-first-run',
		'--disable-background-networking',
		'--disable-component-update',
		'--disable-sync',
	],
});
try {
	const context = await browser.newContext({ viewport: { width: 720, height: 560 } });
	const page = await context.newPage();
	// No app listens behind the callback and sign-out URLs: what matters is that the browser
	// is sent there, and with what (the navigation itself then fails to connect).
	const landAt = async (prefix, action) => {
		const request = page.waitForRequest(r => r.url().startsWith(prefix) && r.isNavigationRequest());
		const failed = page.waitForEvent('framenavigated', f => f === page.mainFrame() && f.url().startsWith('chrome-error://'));
		await Promise.allSettled([action()]);
		const url = (await request).url();
		await failed;
		return url;
	};

	// 1. Wrong password, then the right one.
	const first = authorizeRequest();
	await page.goto(first.url);
	assert.match(page.url(), /\/login\?/);
	assert.equal(await page.locator('label[for="username"]').textContent(), 'User name');
	await shot(page, 'sign-in');
	await page.fill('#username', config.alice.username);
	await page.fill('#password', 'not the password');
	await page.click('button[type="submit"]');
	await page.waitForSelector('[role="alert"]');
	assert.equal((await page.locator('[role="alert"]').textContent()).trim(), 'Incorrect username or password.');
	await shot(page, 'sign-in-wrong-password');
	ok('Chromium: the sign-in page, and a wrong password refused on it');
	await page.fill('#password', config.alice.password);
	const back = await landAt(config.callback, () => page.click('button[type="submit"]'));
	assert.equal(new URL(back).searchParams.get('state'), 'browser-state');
	const id = await exchange(back, first);
	assert.equal(id['cognito:username'], config.alice.username);
	ok('Chromium: signed in; the code (PKCE S256) is exchanged for tokens with the nonce');

	// 2. The session cookie, then /logout.
	const cookies = await context.cookies(config.host);
	const session = cookies.find(c => c.name === 'cognito');
	assert.ok(session && session.httpOnly, JSON.stringify(cookies));
	const second = authorizeRequest();
	await exchange(await landAt(config.callback, () => page.goto(second.url)), second);
	ok('Chromium: a second authorization request skips the page (HttpOnly session cookie)');
	const logout = `${config.host}/logout?${new URLSearchParams({ client_id: config.web, logout_uri: config.logoutUri })}`;
	await landAt(config.logoutUri, () => page.goto(logout));
	await page.goto(authorizeRequest().url);
	assert.match(page.url(), /\/login\?/);
	ok('Chromium: /logout ends the session; the next request meets the sign-in page');

	// 3. TOTP.
	const third = authorizeRequest();
	await page.goto(third.url);
	await page.fill('#username', config.carol.username);
	await page.fill('#password', config.carol.password);
	await page.click('button[type="submit"]');
	await page.waitForSelector('#answer');
	await shot(page, 'totp');
	await page.fill('#answer', totp(config.carol.totpSecret, Date.now() / 1000));
	const carol = await exchange(await landAt(config.callback, () => page.click('button[type="submit"]')), third);
	assert.equal(carol['cognito:username'], config.carol.username);
	ok('Chromium: a TOTP user signs in with the code page');

	// 4. A temporary password.
	await landAt(config.logoutUri, () => page.goto(logout));
	const fourth = authorizeRequest();
	await page.goto(fourth.url);
	await page.fill('#username', config.dave.username);
	await page.fill('#password', config.dave.temporaryPassword);
	await page.click('button[type="submit"]');
	await page.waitForSelector('#answer');
	await shot(page, 'new-password');
	await page.fill('#answer', config.dave.newPassword);
	await exchange(await landAt(config.callback, () => page.click('button[type="submit"]')), fourth);
	ok('Chromium: a user with a temporary password sets a new one on the page');

	// 5. Sign-up on the hosted pages: the form, the emailed code (read from cognate's outbox,
	// where its mail goes), then the sign-in page, then the app.
	await landAt(config.logoutUri, () => page.goto(logout));
	const outboxCode = async username => {
		const r = await fetch(`${config.endpoint}/_cognate/outbox?pool=${config.pool}&username=${username}`);
		const { messages } = await r.json();
		return messages[messages.length - 1].code;
	};
	const fifth = authorizeRequest();
	await page.goto(fifth.url);
	await page.getByRole('link', { name: 'Sign up' }).click();
	await page.waitForSelector('#email');
	await page.fill('#username', 'erin');
	await page.fill('#email', 'erin@example.com');
	await page.fill('#password', 'Correct horse 5!');
	await shot(page, 'sign-up');
	await page.click('button[type="submit"]');
	await page.waitForSelector('#code');
	await shot(page, 'confirm-sign-up');
	await page.fill('#code', await outboxCode('erin'));
	await page.click('form:has(#code) button[type="submit"]');
	await page.waitForSelector('.notice');
	assert.match(await page.locator('.notice').textContent(), /confirmed/);
	await page.fill('#password', 'Correct horse 5!');
	const erin = await exchange(await landAt(config.callback, () => page.click('button[type="submit"]')), fifth);
	assert.equal(erin['cognito:username'], 'erin');
	ok('Chromium: a new user signs up, confirms the emailed code and signs in');

	// 6. A forgotten password.
	await landAt(config.logoutUri, () => page.goto(logout));
	const sixth = authorizeRequest();
	await page.goto(sixth.url);
	await page.getByRole('link', { name: 'Forgot your password?' }).click();
	await page.waitForSelector('#username');
	await page.fill('#username', 'erin');
	await shot(page, 'forgot-password');
	await page.click('button[type="submit"]');
	await page.waitForSelector('#code');
	await page.fill('#code', await outboxCode('erin'));
	await page.fill('#password', 'Another horse 6!');
	await shot(page, 'choose-new-password');
	await page.click('button[type="submit"]');
	await page.waitForSelector('.notice');
	await page.fill('#password', 'Another horse 6!');
	const again = await exchange(await landAt(config.callback, () => page.click('button[type="submit"]')), sixth);
	assert.equal(again['cognito:username'], 'erin');
	ok('Chromium: a forgotten password is reset with the emailed code, then used to sign in');

	// 7. An unregistered redirect URI.
	const evil = authorizeRequest({ redirect_uri: 'https://evil.example/cb' });
	const resp = await page.goto(evil.url);
	assert.equal(resp.status(), 400);
	assert.ok(page.url().startsWith(config.host), page.url());
	await shot(page, 'error');
	await page.goto(`${config.host}/logout?${new URLSearchParams({ client_id: config.web })}`);
	await shot(page, 'signed-out');
	ok('Chromium: an unregistered redirect URI is an error page; the browser stays on the domain');
	await context.close();
} finally {
	await browser.close();
}
process.stdout.write(`${JSON.stringify({ checks })}\n`);
