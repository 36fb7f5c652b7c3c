// The npm openid-client relying party against a running Gatehouse: the Go
// test (cmd/gatehouse/oidc_node_test.go) plays the browser. Protocol on
// stdout, one JSON object a line: {"authorize": url} asks the test to take
// the browser there and answer the callback URL on stdin; {"logout": true}
// asks it to sign out at Gatehouse and answer "ok"; {"step": name} reports
// a step that passed. Any failure exits non-zero.
import { Issuer, generators, errors } from 'openid-client';
import { createInterface } from 'node:readline';

const { ISSUER, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI } = process.env;
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const ask = async (msg) => { console.log(JSON.stringify(msg)); const { value } = await lines.next(); return value; };
const step = (name, extra = {}) => console.log(JSON.stringify({ step: name, ...extra }));
const must = (cond, what) => { if (!cond) throw new Error(what); };
async function refused(p, code, what) {
  try { await p; } catch (e) {
    must(e instanceof errors.OPError && e.error === code, `${what}: ${e}`);
    return;
  }
  throw new Error(`${what}: accepted`);
}

const issuer = await Issuer.discover(ISSUER);
must(issuer.issuer === ISSUER && issuer.metadata.end_session_endpoint && issuer.metadata.code_challenge_methods_supported.includes('S256'), 'discovery');
step('discovery');

const client = new issuer.Client({
  client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI],
  response_types: ['code'], id_token_signed_response_alg: 'EdDSA',
});
const verifier = generators.codeVerifier();
const state = generators.state();
const nonce = generators.nonce();
const url = client.authorizationUrl({
  scope: 'openid email profile offline_access', state, nonce,
  code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256',
});
const callback = await ask({ authorize: url });
const params = client.callbackParams(callback);

try {
  await client.callback(REDIRECT_URI, params, { code_verifier: verifier, state: 'not-the-state', nonce });
  throw new Error('a wrong state was accepted');
} catch (e) {
  must(e instanceof errors.RPError && /state mismatch/.test(e.message), `wrong state: ${e}`);
}
step('state mismatch refused');

const tokens = await client.callback(REDIRECT_URI, params, { code_verifier: verifier, state, nonce });
const claims = tokens.claims();
must(claims.sub && claims.nonce === nonce && claims.iss === ISSUER && [].concat(claims.aud).includes(CLIENT_ID) && tokens.refresh_token, 'code flow claims: ' + JSON.stringify(claims) + ' refresh ' + Boolean(tokens.refresh_token));
step('code flow', { sub: claims.sub });

await refused(client.callback(REDIRECT_URI, params, { code_verifier: verifier, state, nonce }), 'invalid_grant', 'replayed code');
step('replayed code refused');

const info = await client.userinfo(tokens.access_token);
must(info.sub === claims.sub && info.email === process.env.MEMBER_EMAIL, 'userinfo');
step('userinfo');

const next = await client.refresh(tokens.refresh_token);
must(next.refresh_token && next.refresh_token !== tokens.refresh_token && next.claims().sub === claims.sub, 'refresh');
step('refresh');
await refused(client.refresh(tokens.refresh_token), 'invalid_grant', 'rotated refresh token');
step('rotated refresh refused');

const intro = await client.introspect(next.access_token);
must(intro.active === true && intro.sub === claims.sub && intro.client_id === CLIENT_ID, 'introspect');
step('introspect');

must((await ask({ logout: true })) === 'ok', 'logout');
await refused(client.refresh(next.refresh_token), 'invalid_grant', 'refresh after logout');
step('logout ends refresh');
step('all');
process.exit(0);
