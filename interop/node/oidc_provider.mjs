#!/usr/bin/env node
// An independent OAuth 2.0 / OpenID Connect provider for the client library's and the CLI's
// tests: oidc-provider (npm) on 127.0.0.1, with
//   - a confidential machine client (client_credentials; scopes api:read api:write; the
//     resource https://api.example.test gives RS256 JWT access tokens with that aud),
//   - a public native client (authorization code + PKCE, refresh tokens) whose redirect URI is
//     the loopback callback the test listens on.
//
// usage: node oidc_provider.mjs CONFIG_JSON
//   CONFIG_JSON: {"port", "machine", "machineSecret", "web", "callback"}
// Prints {"issuer"} on stdout once listening; runs until stdin closes or it is killed.
// Each token request is counted: GET /test/token-requests answers {"count"}.

import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2]);
const issuer = `http://127.0.0.1:${config.port}`;
const RESOURCE = 'https://api.example.test';

const provider = new Provider(issuer, {
	clients: [
		{
			client_id: config.machine,
			client_secret: config.machineSecret,
			grant_types: ['client_credentials'],
			response_types: [],
			redirect_uris: [],
			token_endpoint_auth_method: 'client_secret_basic',
			scope: 'api:read api:write',
		},
		{
			client_id: config.machine + '-post',
			client_secret: config.machineSecret,
			grant_types: ['client_credentials'],
			response_types: [],
			redirect_uris: [],
			token_endpoint_auth_method: 'client_secret_post',
			scope: 'api:read api:write',
		},
		{
			client_id: config.web,
			application_type: 'native',
			grant_types: ['authorization_code', 'refresh_token'],
			response_types: ['code'],
			redirect_uris: [config.callback],
			token_endpoint_auth_method: 'none',
		},
	],
	async findAccount(ctx, id) {
		return {
			accountId: id,
			async claims() {
				return { sub: id, email: `${id}@example.test`, email_verified: true };
			},
		};
	},
	claims: { openid: ['sub'], email: ['email', 'email_verified'] },
	scopes: ['openid', 'email', 'offline_access', 'api:read', 'api:write'],
	pkce: { required: () => true },
	features: {
		devInteractions: { enabled: true },
		clientCredentials: { enabled: true },
		revocation: { enabled: true },
		userinfo: { enabled: true },
		resourceIndicators: {
			enabled: true,
			defaultResource: () => undefined,
			useGrantedResource: () => false,
			getResourceServerInfo: (ctx, resource) => {
				if (resource !== RESOURCE) throw new Provider.errors.InvalidTarget();
				return { scope: 'api:read api:write', audience: RESOURCE, accessTokenFormat: 'jwt' };
			},
		},
	},
	issueRefreshToken: async (ctx, client, code) => client.grantTypeAllowed('refresh_token'),
	cookies: { keys: ['cognate-client-oauth-test'] },
});

let tokenRequests = 0;
provider.use(async (ctx, next) => {
	if (ctx.path === '/test/token-requests') {
		ctx.body = { count: tokenRequests };
		return;
	}
	if (ctx.path === '/token' && ctx.method === 'POST') tokenRequests += 1;
	await next();
});

const server = provider.listen(config.port, '127.0.0.1');
await new Promise(resolve => server.once('listening', resolve));
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.stdin.resume();
process.stdin.on('end', () => { server.close(); process.exit(0); });
