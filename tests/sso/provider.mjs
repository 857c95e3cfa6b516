// A real OpenID Connect provider for the tests: the certified `oidc-provider` package on a loopback port.
//
//   node tests/sso/provider.mjs < config.json
//
// config.json: {"clients": [...], "users": {"id": {"password", "name", "email", "groups", ...}}, "jwks": {"keys": [...]}}
// It listens on a free port of 127.0.0.1 (the issuer is http://127.0.0.1:PORT) and prints "ready ISSUER".
// People sign in on its own page (/interaction/UID) with a username and password; first-party clients are not
// asked for consent. POST /test/next-id-token {"id_token": "..."} makes the next token answer carry that ID token
// instead of the real one, so tests can send a bad token through the app's whole callback.
import http from 'node:http';

import Provider from 'oidc-provider';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const config = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const { users } = config;
let nextIdToken = null;

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, client, error = '') {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test identity provider: sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>
<h1>Test identity provider</h1><p>Sign in to continue to ${escape(client)}.</p>
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}">
<p><label for="username">Username</label> <input id="username" name="username" autocomplete="username"></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password"></p>
<p><button type="submit">Sign in</button></p></form></main></body></html>`;
}

// The provider's own question before signing out (its default page fetches a font from the internet).
const logoutPage = (form) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Test identity provider: sign out</title></head><body><main><h1>Sign out of the test identity provider?</h1>
${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button></main></body></html>`;

async function readForm(req) {
  const parts = [];
  for await (const part of req) parts.push(part);
  return new URLSearchParams(Buffer.concat(parts).toString('utf8'));
}

async function interaction(provider, req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid || details.prompt.name !== 'login') {
    res.writeHead(400).end('unexpected interaction');
    return;
  }
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(uid, details.params.client_id));
    return;
  }
  const form = await readForm(req);
  const username = form.get('username') || '';
  if (!Object.hasOwn(users, username) || users[username].password !== form.get('password')) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(loginPage(uid, details.params.client_id, 'The username or password is not right.'));
    return;
  }
  await provider.interactionFinished(req, res, { login: { accountId: username } }, { mergeWithLastSubmission: false });
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: config.clients,
    jwks: config.jwks,
    cookies: { keys: ['test-provider-cookie-key'] },
    // Groups ride with the profile, as Entra ID sends them without asking; all of it in the ID token itself.
    claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'groups'], email: ['email'] },
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource: (ctx, form) => { ctx.body = logoutPage(form); } },
    },
    interactions: { url: (ctx, found) => `/interaction/${found.uid}` },
    async findAccount(ctx, id) {
      if (!Object.hasOwn(users, id)) return undefined;
      const { password, ...claims } = users[id];
      return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
    },
    // Our own clients: no consent screen, as with an organisation's app registrations.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid profile email');
      await grant.save();
      return grant;
    },
  });
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && ctx.status === 200 && nextIdToken) {
      ctx.body = { ...ctx.body, id_token: nextIdToken };
      nextIdToken = null;
    }
  });
  const handle = provider.callback();
  server.on('request', async (req, res) => {
    const url = new URL(req.url, issuer);
    const uid = url.pathname.match(/^\/interaction\/([\w-]+)$/)?.[1];
    try {
      if (uid) {
        await interaction(provider, req, res, uid);
      } else if (url.pathname === '/test/next-id-token' && req.method === 'POST') {
        nextIdToken = (await readForm(req)).get('id_token');
        res.writeHead(204).end();
      } else {
        handle(req, res);
      }
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  console.log(`ready ${issuer}`);
});
