// Drives the official @directus/sdk against a running Gatehouse. Started by
// cmd/gatehouse/directus_sdk_test.go with GATEHOUSE_URL, MEMBER_EMAIL and
// MEMBER_PASSWORD; prints one JSON line per finished step and exits non-zero
// on the first failure.
import {
  authentication, createDirectus, enableTwoFactor, generateTwoFactorSecret, graphql, passwordRequest,
  passwordReset, readMe, refresh, rest, staticToken, updateMe,
} from '@directus/sdk';
import { buildClientSchema, getIntrospectionQuery, printSchema } from 'graphql';
import { createHmac } from 'node:crypto';

const base = process.env.GATEHOUSE_URL;
const email = process.env.MEMBER_EMAIL;
let password = process.env.MEMBER_PASSWORD;

function done(step, detail = {}) {
  console.log(JSON.stringify({ step, ...detail }));
}

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

// expectError runs fn and checks that the SDK threw Directus's error shape
// with the given status and extensions.code.
async function expectError(fn, status, code) {
  try {
    await fn();
  } catch (e) {
    const got = e?.errors?.[0]?.extensions?.code;
    check(got === code, `want ${code}, got ${JSON.stringify(e?.errors ?? String(e))}`);
    if (status) check(e.response?.status === status, `want HTTP ${status}, got ${e.response?.status}`);
    return e;
  }
  throw new Error(`want ${code}, the call succeeded`);
}

// cookieFetch is fetch with a cookie jar: Node's fetch keeps no cookies,
// a browser does; the SDK's cookie and session modes need one.
function cookieFetch() {
  const jar = new Map();
  const f = async (url, init = {}) => {
    const headers = new Headers(init.headers || {});
    if (jar.size) headers.set('Cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const gone = value === '' || attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0\b/i.test(a));
      if (gone) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  };
  f.jar = jar;
  return f;
}

// memory is an AuthenticationStorage the test can read.
function memory() {
  let data = null;
  return { get: async () => data, set: async (v) => { data = v; }, peek: () => data };
}

function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// totp is RFC 6238 (SHA-1, 30 s, 6 digits) at step now+offset.
function totp(secret, offset = 0) {
  const step = Math.floor(Date.now() / 1000 / 30) + offset;
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32(secret)).update(msg).digest();
  const off = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}

function restClient(mode, storage) {
  const fetch = cookieFetch();
  const opts = { autoRefresh: false, credentials: 'include' };
  if (storage) opts.storage = storage;
  const client = createDirectus(base, { globals: { fetch } }).with(authentication(mode, opts)).with(rest());
  return { client, jar: fetch.jar };
}

async function jsonMode() {
  const storage = memory();
  const { client } = restClient('json', storage);
  const data = await client.login(email, password);
  check(data.access_token && data.refresh_token && data.expires === 900000, `json login: ${JSON.stringify(data)}`);
  done('login json');
  const me = await client.request(readMe({ fields: ['id', 'email', 'first_name', 'tfa_secret'] }));
  check(me.email === email && me.tfa_secret === null && Object.keys(me).length === 4, `readMe: ${JSON.stringify(me)}`);
  done('readMe');
  await client.refresh();
  const after = storage.peek();
  check(after.refresh_token && after.refresh_token !== data.refresh_token && after.access_token !== data.access_token, 'refresh did not rotate');
  done('refresh json');
  const updated = await client.request(updateMe({ first_name: 'Ann', last_name: 'Lee' }, { fields: ['first_name', 'last_name'] }));
  check(updated.first_name === 'Ann' && updated.last_name === 'Lee', `updateMe: ${JSON.stringify(updated)}`);
  done('updateMe');
  await client.logout();
  done('logout json');
  const plain = createDirectus(base).with(rest());
  await expectError(() => plain.request(refresh('json', after.refresh_token)), 401, 'INVALID_CREDENTIALS');
  await expectError(() => createDirectus(base).with(staticToken(after.access_token)).with(rest()).request(readMe()), 401, 'INVALID_CREDENTIALS');
  done('revoked tokens refused');
}

async function cookieMode() {
  const { client, jar } = restClient('cookie');
  const data = await client.login(email, password);
  const first = jar.get('directus_refresh_token');
  check(data.access_token && !data.refresh_token && first, `cookie login: ${JSON.stringify(data)} ${[...jar.keys()]}`);
  done('login cookie');
  check((await client.request(readMe({ fields: ['email'] }))).email === email, 'readMe in cookie mode');
  await client.refresh();
  check(jar.get('directus_refresh_token') && jar.get('directus_refresh_token') !== first, 'cookie refresh did not rotate the cookie');
  done('refresh cookie');
  await client.logout();
  check(!jar.has('directus_refresh_token'), 'logout left the refresh cookie');
  done('logout cookie');
}

async function sessionMode() {
  const { client, jar } = restClient('session');
  const data = await client.login(email, password);
  const first = jar.get('directus_session_token');
  check(first && !jar.has('directus_refresh_token') && !data.access_token && !data.refresh_token && data.expires === 86400000,
    `session login: ${JSON.stringify(data)} ${[...jar.keys()]}`);
  done('login session');
  check((await client.request(readMe({ fields: ['email'] }))).email === email, 'readMe in session mode');
  await client.refresh();
  check(jar.get('directus_session_token') && jar.get('directus_session_token') !== first, 'session refresh did not renew the cookie');
  done('refresh session');
  await client.logout();
  check(!jar.has('directus_session_token'), 'logout left the session cookie');
  await expectError(() => createDirectus(base, { globals: { fetch: cookieFetch() } }).with(staticToken(first)).with(rest()).request(readMe()), 401, 'INVALID_CREDENTIALS');
  done('logout session');
}

async function passwordResetFlow() {
  const plain = createDirectus(base).with(rest());
  await plain.request(passwordRequest(email));
  // The outbox worker resolves the request after the answer: wait for the
  // mail (at most 10 s).
  let mails = [];
  let mail;
  for (let i = 0; i < 200 && !mail; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 50));
    mails = await (await fetch(`${base}/_dev/mail.json`)).json();
    mail = mails.find((m) => m.to === email && m.links.some((l) => l.includes('token=')));
  }
  check(mail, `no reset mail for ${email} in ${JSON.stringify(mails.map((m) => [m.to, m.kind]))}`);
  const token = new URL(mail.links.find((l) => l.includes('token='))).searchParams.get('token');
  done('password request');
  const next = 'a brand new passphrase';
  await plain.request(passwordReset(token, next));
  const { client } = restClient('json');
  await expectError(() => client.login(email, password), 401, 'INVALID_CREDENTIALS');
  password = next;
  await client.login(email, password);
  done('password reset');
}

async function twoFactor() {
  const { client } = restClient('json');
  await client.login(email, password);
  const { secret, otpauth_url: url } = await client.request(generateTwoFactorSecret(password));
  check(secret && url.startsWith('otpauth://totp/'), 'tfa secret');
  await client.request(enableTwoFactor(secret, totp(secret, -1)));
  done('two-factor enable');
  const { client: other } = restClient('json');
  await expectError(() => other.login(email, password), 401, 'INVALID_OTP');
  const data = await other.login(email, password, { otp: totp(secret) });
  check(data.access_token, 'otp login without a token');
  done('otp login');
  return secret;
}

async function graphqlFlow(secret) {
  const gql = createDirectus(base).with(graphql());
  const login = await gql.query(
    'mutation Login($e: String!, $p: String!, $o: String) { auth_login(email: $e, password: $p, otp: $o, mode: json) { access_token refresh_token expires } }',
    { e: email, p: password, o: totp(secret, 1) }, 'system');
  check(login.auth_login.access_token && login.auth_login.refresh_token && login.auth_login.expires === 900000, `graphql login: ${JSON.stringify(login)}`);
  done('graphql mutation');
  const authed = createDirectus(base).with(staticToken(login.auth_login.access_token)).with(graphql());
  const q = await authed.query('query { server_ping users_me { id email first_name } }', {}, 'system');
  check(q.server_ping === 'pong' && q.users_me.email === email && q.users_me.first_name === 'Ann', `graphql query: ${JSON.stringify(q)}`);
  done('graphql query');
  const e = await expectError(() => gql.query('mutation { auth_refresh(refresh_token: "nope", mode: json) { access_token } }', {}, 'system'), 200, 'INVALID_CREDENTIALS');
  check(e.data?.auth_refresh === null, 'graphql error without data');
  done('graphql error');
  const intro = await gql.query(getIntrospectionQuery(), {}, 'system');
  const schema = buildClientSchema(intro);
  const mutations = Object.keys(schema.getMutationType().getFields());
  check(mutations.includes('auth_login') && mutations.includes('users_me_tfa_enable'), `mutations: ${mutations}`);
  check(schema.getQueryType().getFields().users_me.type.toString() === 'directus_users', 'users_me type');
  check(printSchema(schema).includes('enum auth_mode'), 'printSchema');
  done('introspection buildClientSchema', { mutations: mutations.length });
}

try {
  await jsonMode();
  await cookieMode();
  await sessionMode();
  await passwordResetFlow();
  const secret = await twoFactor();
  await graphqlFlow(secret);
  done('all');
} catch (e) {
  console.error(e?.errors ? JSON.stringify(e.errors) : e);
  process.exit(1);
}
