// A made-up site with its own accounts, embedding <rtc-call> signed in as its visitors
// (docs/site-integration.md). Run it next to the rtc-call backend: `npm run demo:site`.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { URL } from 'node:url';
import { TextEncoder } from 'node:util';
import { SignJWT } from 'jose';

const env = process.env;
if (!env.SITE_JWT_SECRET) throw new Error('Set SITE_JWT_SECRET, the same as the rtc-call backend has.');
const secret = new TextEncoder().encode(env.SITE_JWT_SECRET);
const issuer = env.SITE_JWT_ISSUER ?? 'http://127.0.0.1:8090';
const backend = env.RTC_CALL_SERVER ?? 'http://127.0.0.1:8080';
const page = readFileSync(new URL('index.html', import.meta.url), 'utf8').replaceAll('RTC_CALL_SERVER', backend);
// The site's own users. Who the visitor is comes from the site's session (a cookie here), never from the page.
const users = new Map([
  ['alice', { name: 'Alice', rooms: ['team'] }],
  ['bob', { name: 'Bob', rooms: ['team'] }],
  ['carol', { name: 'Carol', rooms: ['other'] }],
]);

/** The token endpoint's answer: a 5-minute site JWT for the visitor signed in here, and for nobody else. */
async function siteToken(userId) {
  const user = users.get(userId);
  if (!user) return null;
  return new SignJWT({ name: user.name, rooms: user.rooms })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuer(issuer)
    .setAudience('rtc-call')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(secret);
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://site');
  if (url.pathname === '/rtc-token') {
    const token = await siteToken(/(?:^|;\s*)demo_user=(\w+)/.exec(req.headers.cookie ?? '')?.[1]);
    res.writeHead(token ? 200 : 401, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    return res.end(JSON.stringify(token ? { token } : { error: 'not signed in' }));
  }
  if (url.pathname !== '/') return res.writeHead(404).end('not found');
  // "Signing in" to the demo site: /?user=alice (or bob, carol); /?user= signs out.
  const pick = url.searchParams.get('user');
  const headers = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
  if (pick !== null) headers['set-cookie'] = `demo_user=${users.has(pick) ? pick : '; Max-Age=0'}; Path=/; HttpOnly; SameSite=Lax`;
  res.writeHead(200, headers).end(page);
});
server.listen(Number(env.SITE_PORT ?? 8090), env.SITE_HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(`demo site listening on http://${address}:${port} (sign in as /?user=alice, bob or carol)`);
});
