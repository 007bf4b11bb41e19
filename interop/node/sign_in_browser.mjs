#!/usr/bin/env node
// Debian's Chromium (playwright-core) signs a user in at an authorization URL and follows the
// redirect to the app's loopback callback, as a person would after `cognate login --browser`
// or a `BrowserSignIn` printed the URL.
//
// usage: node sign_in_browser.mjs CONFIG_JSON
//        node sign_in_browser.mjs URL     (CONFIG_JSON in $SIGN_IN_BROWSER_CONFIG: as $BROWSER,
//                                          which `cognate login --browser` runs with the URL)
//   CONFIG_JSON: {"url", "kind": "cognate" | "oidc-provider", "username", "password",
//                 "callback" (the redirect URI's prefix), "chromium"?}
// Prints {"callback": URL reached} on stdout; exits 1 on a failure.

import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const asBrowser = /^https?:/.test(process.argv[2] ?? '');
const config = JSON.parse(asBrowser ? process.env.SIGN_IN_BROWSER_CONFIG : process.argv[2]);
if (asBrowser) config.url = process.argv[2];
const browser = await chromium.launch({
	executablePath: config.chromium ?? '/usr/bin/chromium',
	headless: true,
	args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
	const context = await browser.newContext();
	const page = await context.newPage();
	await page.goto(config.url);
	const back = page.waitForURL(u => u.href.startsWith(config.callback), { timeout: 30000 });
	if (config.kind === 'cognate') {
		await page.fill('input[name="username"]', config.username);
		await page.fill('input[name="password"]', config.password);
		await page.click('button[type="submit"]');
	} else {
		await page.fill('input[name="login"]', config.username);
		await page.fill('input[name="password"]', config.password);
		await page.click('button[type="submit"]');
		await page.waitForLoadState();
		// oidc-provider's consent page.
		if (!page.url().startsWith(config.callback)) {
			await page.click('button[type="submit"]');
		}
	}
	await back;
	const text = await page.textContent('body');
	assert.match(text, /Signed in/);
	process.stdout.write(`${JSON.stringify({ callback: page.url() })}\n`);
	await context.close();
} finally {
	await browser.close();
}
