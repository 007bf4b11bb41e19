#!/usr/bin/env node
// Passkeys on the hosted pages, in a real Chromium (Debian's, driven by playwright-core) with
// the DevTools protocol's virtual authenticator (WebAuthn.addVirtualAuthenticator: CTAP2,
// internal transport, resident keys, user verification).
//
// usage: node passkeys_browser.mjs CONFIG_JSON
//   CONFIG_JSON: {"endpoint", "pool", "host" (the domain's path form on http://localhost:PORT,
//                 or its host form http://{prefix}.auth.localhost:PORT), "rpId" (the pool's
//                 relying party id: `localhost`, or the host form's name), "web", "callback",
//                 "alice": {username, password}, "bob": {username, password} (no passkey),
//                 "screenshots" (a directory)}
//
// 1. A user without a passkey asks to sign in with one: the page says there is none.
// 2. alice signs in with her password; the pages offer to add a passkey; she adds one
//    (navigator.credentials.create with the virtual authenticator) and lands at the app with a
//    code; the tokens' access token lists the passkey (ListWebAuthnCredentials).
// 3. Signed out (/logout), she signs in with the passkey (navigator.credentials.get): a code,
//    exchanged for tokens; no offer to add another.
// 4. A tampered signature (WebAuthn.setResponseOverrideBits isBogusSignature): the sign-in page
//    says so, and the browser stays on the domain.
// 5. The user cancels (the browser rejects with NotAllowedError): back at the sign-in page
//    with an error.
// 6. The authenticator lost the passkey (WebAuthn.clearCredentials): Chromium refuses, the
//    page says so.
// Prints one line per check on stderr and a JSON summary on stdout; exits 1 on a failure.

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

function authorizeRequest() {
	const verifier = b64url(crypto.randomBytes(40));
	const nonce = b64url(crypto.randomBytes(16));
	const params = new URLSearchParams({
		response_type: 'code',
		client_id: config.web,
		redirect_uri: config.callback,
		scope: 'openid email aws.cognito.signin.user.admin',
		state: 'passkey-state',
		nonce,
		code_challenge: b64url(crypto.createHash('sha256').update(verifier).digest()),
		code_challenge_method: 'S256',
	});
	return { url: `${config.host}/oauth2/authorize?${params}`, verifier, nonce };
}

async function exchange(callbackUrl, req) {
	const url = new URL(callbackUrl);
	assert.equal(url.searchParams.get('state'), 'passkey-state');
	const code = url.searchParams.get('code');
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
	return { id, access: body.access_token };
}

async function idp(op, body) {
	const resp = await fetch(config.endpoint, {
		method: 'POST',
		headers: {
			'Content-Type': 'application/x-amz-json-1.1',
			'X-Amz-Target': `AWSCognitoIdentityProviderService.${op}`,
		},
		body: JSON.stringify(body),
	});
	const out = await resp.json();
	assert.equal(resp.status, 200, `${op}: ${JSON.stringify(out)}`);
	return out;
}

fs.mkdirSync(config.screenshots, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(config.screenshots, `${name}.png`), fullPage: true });

const browser = await chromium.launch({
	executablePath: config.chromium ?? '/usr/bin/chromium',
	headless: true,
	args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
	const context = await browser.newContext({ viewport: { width: 720, height: 600 } });
	const page = await context.newPage();
	const cdp = await context.newCDPSession(page);
	await cdp.send('WebAuthn.enable');
	const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
		options: {
			protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
			hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true,
		},
	});
	// No app listens behind the callback: what matters is that the browser is sent there.
	const landAt = async (prefix, action) => {
		const request = page.waitForRequest(r => r.url().startsWith(prefix) && r.isNavigationRequest());
		const failed = page.waitForEvent('framenavigated', f => f === page.mainFrame() && f.url().startsWith('chrome-error://'));
		await Promise.allSettled([action()]);
		const url = (await request).url();
		await failed;
		return url;
	};
	const alert = async () => (await page.locator('[role="alert"]').textContent()).trim();
	const passkeyButton = page.getByRole('button', { name: 'Sign in with a passkey' });
	const logout = `${config.host}/logout?${new URLSearchParams({ client_id: config.web })}`;

	// 1. No passkey registered.
	await page.goto(authorizeRequest().url);
	assert.match(page.url(), /\/login\?/);
	await page.fill('#username', config.bob.username);
	await passkeyButton.click();
	await page.waitForSelector('[role="alert"]');
	assert.match(page.url(), /\/login\?/);
	assert.equal(await alert(), 'No passkey is registered for this user. Sign in with your password, then add a passkey.');
	ok('Chromium: a user without a passkey is told so on the sign-in page');

	// 2. A password sign-in, then the offer to add a passkey.
	const second = authorizeRequest();
	await page.goto(second.url);
	await page.fill('#username', config.alice.username);
	await page.fill('#password', config.alice.password);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await page.waitForSelector('h1:has-text("Add a passkey")');
	await shot(page, 'add-passkey');
	const added = await exchange(await landAt(config.callback, () => page.click('#passkey-button')), second);
	assert.equal(added.id['cognito:username'], config.alice.username);
	const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
	assert.equal(credentials.length, 1);
	assert.equal(credentials[0].rpId, config.rpId);
	assert.ok(credentials[0].isResidentCredential, JSON.stringify(Object.keys(credentials[0])));
	const listed = await idp('ListWebAuthnCredentials', { AccessToken: added.access });
	assert.equal(listed.Credentials.length, 1, JSON.stringify(listed));
	assert.equal(listed.Credentials[0].CredentialId, credentials[0].credentialId.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
	assert.equal(listed.Credentials[0].RelyingPartyId, config.rpId);
	ok('Chromium: after a password sign-in the page adds a passkey (navigator.credentials.create), then the app gets its code');

	// 3. Signed out, then in with the passkey.
	await page.goto(logout);
	const third = authorizeRequest();
	await page.goto(third.url);
	assert.match(page.url(), /\/login\?/);
	await shot(page, 'sign-in-passkey-offered');
	await page.fill('#username', config.alice.username);
	await passkeyButton.click();
	await page.waitForSelector('h1:has-text("Sign in with a passkey")');
	await shot(page, 'sign-in-with-passkey');
	const signedIn = await exchange(await landAt(config.callback, () => page.click('#passkey-button')), third);
	assert.equal(signedIn.id['cognito:username'], config.alice.username);
	assert.equal(signedIn.id.sub, added.id.sub);
	const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
	assert.ok(after.credentials[0].signCount >= 1, JSON.stringify(after.credentials[0]));
	ok('Chromium: signed out, alice signs in with her passkey (navigator.credentials.get) and the code is exchanged for tokens');

	// 4. A bad signature.
	await page.goto(logout);
	await page.goto(authorizeRequest().url);
	await page.fill('#username', config.alice.username);
	await passkeyButton.click();
	await page.waitForSelector('#passkey-button');
	await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId, isBogusSignature: true });
	await page.click('#passkey-button');
	await page.waitForSelector('[role="alert"]');
	assert.match(page.url(), /\/login\?/);
	assert.equal(await alert(), 'Incorrect username or passkey.');
	await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId, isBogusSignature: false });
	ok('Chromium: an assertion with a bogus signature is refused on the sign-in page');

	// 5. The user cancels: the browser rejects navigator.credentials.get with NotAllowedError.
	// A virtual authenticator always consents, so the cancel is the page's own
	// navigator.credentials.get answering as a browser does when the user closes its dialog.
	await page.fill('#username', config.alice.username);
	await passkeyButton.click();
	await page.waitForSelector('#passkey-button');
	await page.evaluate(() => {
		navigator.credentials.get = () => Promise.reject(new DOMException('The operation either timed out or was not allowed.', 'NotAllowedError'));
	});
	await page.click('#passkey-button');
	await page.waitForSelector('[role="alert"]');
	assert.match(page.url(), /\/login\?/);
	assert.equal(await alert(), 'The passkey request was cancelled or timed out.');
	assert.ok(await passkeyButton.isVisible());
	ok('Chromium: a cancelled passkey request is back at the sign-in page with an error');

	// 6. The authenticator no longer holds the passkey (WebAuthn.clearCredentials): Chromium
	// itself rejects navigator.credentials.get, and the page says so.
	await page.reload();
	await page.fill('#username', config.alice.username);
	await passkeyButton.click();
	await page.waitForSelector('#passkey-button');
	await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
	await page.click('#passkey-button');
	await page.waitForSelector('[role="alert"]', { timeout: 20000 });
	assert.match(page.url(), /\/login\?/);
	assert.equal(await alert(), 'The passkey request was cancelled or timed out.');
	ok('Chromium: an authenticator without the passkey is refused by the browser; the page says so');
	await context.close();
} finally {
	await browser.close();
}
process.stdout.write(`${JSON.stringify({ checks })}\n`);
