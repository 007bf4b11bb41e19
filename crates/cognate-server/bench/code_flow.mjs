#!/usr/bin/env node
// The full authorization code flow, as fast as it goes: GET /oauth2/authorize (redirected to
// the sign-in page), GET /login (the page, with its anti-forgery cookie and field), POST /login
// with the password and the token (redirected back with a code), POST /oauth2/token with the
// PKCE verifier. No session kept: every flow signs in.
//
// usage: node code_flow.mjs BASE CLIENT SECONDS CONCURRENCY
//   BASE: the domain's path form, http://127.0.0.1:PORT/{poolId}
// Prints {"flows": N, "seconds": S, "perSecond": R, "failures": F} on stdout.
import crypto from 'node:crypto';

const [base, client, seconds, concurrency] = process.argv.slice(2);
const callback = 'http://localhost:3000/callback';
const b64url = buf => buf.toString('base64url');
const origin = new URL(base).origin;

async function flow() {
	const verifier = b64url(crypto.randomBytes(40));
	const query = new URLSearchParams({
		response_type: 'code',
		client_id: client,
		redirect_uri: callback,
		scope: 'openid email',
		state: 's',
		code_challenge: b64url(crypto.createHash('sha256').update(verifier).digest()),
		code_challenge_method: 'S256',
	});
	let resp = await fetch(`${base}/oauth2/authorize?${query}`, { redirect: 'manual' });
	if (resp.status !== 302) throw new Error(`authorize ${resp.status}`);
	const login = new URL(resp.headers.get('location'), origin);
	resp = await fetch(login, { redirect: 'manual' });
	if (resp.status !== 200) throw new Error(`login page ${resp.status}`);
	const cookie = resp.headers.get('set-cookie').split(';')[0];
	const csrf = (await resp.text()).match(/name="_csrf" value="([^"]+)"/)[1];
	resp = await fetch(login, {
		method: 'POST',
		redirect: 'manual',
		headers: { cookie },
		body: new URLSearchParams({ username: 'bench', password: 'Correct horse 1!', _csrf: csrf }),
	});
	if (resp.status !== 302) throw new Error(`login ${resp.status}`);
	const code = new URL(resp.headers.get('location')).searchParams.get('code');
	resp = await fetch(`${base}/oauth2/token`, {
		method: 'POST',
		body: new URLSearchParams({ grant_type: 'authorization_code', client_id: client, code, redirect_uri: callback, code_verifier: verifier }),
	});
	if (resp.status !== 200) throw new Error(`token ${resp.status}`);
	await resp.arrayBuffer();
}

const end = Date.now() + Number(seconds) * 1000;
let flows = 0;
let failures = 0;
const started = Date.now();
await Promise.all(Array.from({ length: Number(concurrency) }, async () => {
	while (Date.now() < end) {
		try {
			await flow();
			flows += 1;
		} catch (e) {
			failures += 1;
			if (failures < 5) process.stderr.write(`${e}\n`);
		}
	}
}));
const elapsed = (Date.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ flows, seconds: elapsed, perSecond: Math.round(flows / elapsed), failures })}\n`);
