#!/usr/bin/env node
// Sign-in through an external OpenID provider: oidc-provider (an independent OpenID Connect
// server from npm) runs here as the identity provider "Corp" of a cognate pool, and Debian's
// Chromium (playwright-core) goes app → cognate's sign-in page → "Sign in with Corp" →
// oidc-provider's own login and consent pages → cognate's /oauth2/idpresponse → the app, whose
// code the token endpoint exchanges for cognate tokens of the federated user.
//
// usage: node federation.mjs CONFIG_JSON
//   CONFIG_JSON: {"endpoint", "pool", "host" (cognate domain, host form), "web", "callback",
//                 "idpPort", "idpClientId", "idpClientSecret", "screenshots",
//                 "login" (the provider's account, default "erin"),
//                 "expect" ({"username", "email", "name"} of the tokens, default the federated
//                           user Corp_{login} with the provider's email and name; a null
//                           name: no name claim)}
// Prints one line per check on stderr and {"checks", "username"} on stdout; exits 1 on a failure.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Provider from 'oidc-provider';
import { chromium } from 'playwright-core';

const config = JSON.parse(process.argv[2]);
let checks = 0;
function ok(what) {
	checks += 1;
	process.stderr.write(`ok ${checks}: ${what}\n`);
}

const login = config.login ?? 'erin';
const expect = config.expect ?? { username: `Corp_${login}`, email: `${login}@corp.example`, name: 'Erin Example' };
const idpresponse = `${config.host}/oauth2/idpresponse`;
const provider = new Provider(`http://localhost:${config.idpPort}`, {
	clients: [{
		client_id: config.idpClientId,
		client_secret: config.idpClientSecret,
		redirect_uris: [idpresponse],
		grant_types: ['authorization_code'],
		response_types: ['code'],
		token_endpoint_auth_method: 'client_secret_basic',
	}],
	async findAccount(ctx, id) {
		return {
			accountId: id,
			async claims() {
				return { sub: id, email: `${id}@corp.example`, email_verified: true, name: 'Erin Example' };
			},
		};
	},
	claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
	conformIdTokenClaims: false,
	pkce: { required: () => false },
	features: { devInteractions: { enabled: true } },
	cookies: { keys: ['cognate-federation-test'] },
});
const idpServer = provider.listen(config.idpPort);
await new Promise(resolve => idpServer.once('listening', resolve));

const b64url = buf => buf.toString('base64url');
const verifier = b64url(crypto.randomBytes(40));
const params = new URLSearchParams({
	response_type: 'code',
	client_id: config.web,
	redirect_uri: config.callback,
	scope: 'openid email profile',
	state: 'fed-state',
	code_challenge: b64url(crypto.createHash('sha256').update(verifier).digest()),
	code_challenge_method: 'S256',
});

fs.mkdirSync(config.screenshots, { recursive: true });
const browser = await chromium.launch({
	executablePath: config.chromium ?? '/usr/bin/chromium',
	headless: true,
	args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
	const context = await browser.newContext({ viewport: { width: 720, height: 560 } });
	const page = await context.newPage();
	await page.goto(`${config.host}/oauth2/authorize?${params}`);
	assert.match(page.url(), /\/login\?/);
	const link = page.getByRole('link', { name: 'Sign in with Corp' });
	assert.equal(await link.count(), 1);
	await page.screenshot({ path: path.join(config.screenshots, 'sign-in-with-provider.png'), fullPage: true });
	ok('the sign-in page offers the identity provider');

	await link.click();
	await page.waitForURL(`http://localhost:${config.idpPort}/**`);
	await page.fill('input[name="login"]', login);
	await page.fill('input[name="password"]', 'anything');
	await page.click('button[type="submit"]');
	await page.waitForLoadState();
	ok("oidc-provider's own login page took the user");

	// Its consent page; then back through cognate's /oauth2/idpresponse to the app.
	const request = page.waitForRequest(r => r.url().startsWith(config.callback) && r.isNavigationRequest());
	const failed = page.waitForEvent('framenavigated', f => f === page.mainFrame() && f.url().startsWith('chrome-error://'));
	await Promise.allSettled([page.click('button[type="submit"]')]);
	const back = new URL((await request).url());
	await failed;
	assert.equal(back.searchParams.get('state'), 'fed-state');
	const code = back.searchParams.get('code');
	assert.ok(code, back.href);
	ok('back at the app with a cognate code after the provider');

	const resp = await fetch(`${config.endpoint}/${config.pool}/oauth2/token`, {
		method: 'POST',
		body: new URLSearchParams({
			grant_type: 'authorization_code', client_id: config.web, code,
			redirect_uri: config.callback, code_verifier: verifier,
		}),
	});
	const tokens = await resp.json();
	assert.equal(resp.status, 200, JSON.stringify(tokens));
	const id = JSON.parse(Buffer.from(tokens.id_token.split('.')[1], 'base64url').toString());
	assert.equal(id['cognito:username'], expect.username);
	assert.equal(id.email, expect.email);
	assert.equal(id.name, expect.name ?? undefined);
	assert.ok(Array.isArray(id.identities), JSON.stringify(id));
	const identity = id.identities.find(i => i.providerName === 'Corp');
	assert.ok(identity, JSON.stringify(id.identities));
	assert.equal(identity.providerType, 'OIDC');
	assert.equal(identity.userId, login);
	ok(`cognate tokens of ${expect.username}: its attributes, the Corp identity`);
	await context.close();
	process.stdout.write(`${JSON.stringify({ checks, username: id['cognito:username'] })}\n`);
} finally {
	await browser.close();
	idpServer.close();
}
