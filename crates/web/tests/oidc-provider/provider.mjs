// A local OpenID Connect provider shaped like ProConnect, for the sign-in tests: npm `oidc-provider` (the
// library ProConnect's own identity provider runs on), mounted under `/api/v2` like ProConnect, with its
// scopes and claims, userinfo signed as a JWT, and RP-initiated logout with `id_token_hint`.
//
// Environment: PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, POST_LOGOUT_REDIRECT_URI.
// The sign-in page takes any e-mail address: `prenom.nom@domaine` gives the claims given_name « Prenom »,
// usual_name « NOM », a stable `sub`, and the SIRET 13002526500013 (ANCT). Prints `ready ISSUER` when
// listening.

import { createHash, generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const port = Number(process.env.PORT || 0);
const mount = '/api/v2';
const server = http.createServer();
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}${mount}`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-rs256', alg: 'RS256', use: 'sig' };

const claimsOf = (sub) => {
  const email = Buffer.from(sub, 'base64url').toString();
  const [first, last = ''] = email.split('@')[0].split('.');
  const title = (s) => s.charAt(0).toUpperCase() + s.slice(1);
  return {
    sub,
    email,
    given_name: title(first),
    usual_name: last.toUpperCase(),
    uid: createHash('sha256').update(email).digest('hex').slice(0, 12),
    siret: '13002526500013',
    organization_label: 'Agence nationale de la cohésion des territoires',
    idp_id: 'test-idp',
  };
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: env('CLIENT_ID'),
    client_secret: env('CLIENT_SECRET'),
    redirect_uris: [env('REDIRECT_URI')],
    post_logout_redirect_uris: [env('POST_LOGOUT_REDIRECT_URI')],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    id_token_signed_response_alg: 'RS256',
    userinfo_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['territoires-test-only'] },
  // ProConnect's scopes: each names the claim of the same name.
  claims: {
    openid: ['sub'],
    email: ['email'],
    given_name: ['given_name'],
    usual_name: ['usual_name'],
    uid: ['uid'],
    siret: ['siret'],
    organization_label: ['organization_label'],
    idp_id: ['idp_id'],
  },
  features: {
    devInteractions: { enabled: false },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // Signs out at once, as ProConnect does: no confirmation page.
      logoutSource: async (ctx, form) => {
        ctx.body = `<!doctype html><html lang="fr"><body>${form}
          <script>document.forms[0].insertAdjacentHTML('beforeend','<input type="hidden" name="logout" value="yes">');document.forms[0].submit()</script>
          <noscript><button form="op.logoutForm" name="logout" value="yes">Se déconnecter</button></noscript></body></html>`;
      },
    },
  },
  pkce: { required: () => false },
  findAccount: async (ctx, sub) => ({ accountId: sub, claims: async () => claimsOf(sub) }),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});
provider.proxy = false;

const readForm = (req) => new Promise((resolve) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => resolve(new URLSearchParams(body)));
});

const escape = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// The sign-in page of the provider: an e-mail address, no password (a test provider).
async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html lang="fr"><head><title>ProConnect (test)</title></head><body>
      <h1>ProConnect (fournisseur de test)</h1>
      <form method="post" action="/interaction/${escape(details.uid)}">
        <label for="email">Adresse électronique professionnelle</label>
        <input id="email" name="email" type="email" required>
        <button type="submit">Se connecter</button>
      </form></body></html>`);
    return;
  }
  const form = await readForm(req);
  const accountId = Buffer.from(form.get('email').trim().toLowerCase()).toString('base64url');
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } });
}

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((e) => { res.statusCode = 400; res.end(String(e)); });
  } else if (req.url.startsWith(mount)) {
    // Mounted like ProConnect: the provider reads its mount path from `originalUrl`.
    req.originalUrl = req.url;
    req.url = req.url.slice(mount.length) || '/';
    callback(req, res);
  } else {
    res.statusCode = 404;
    res.end();
  }
});
console.log(`ready ${issuer}`);
