/**
 * HTTP abuse against a real backend: random and malformed bodies on every
 * route, wrong content types, huge bodies, prototype-pollution keys — always
 * a 4xx with the contract's error shape, never a 5xx, never a crash. And
 * brute-force logins: throttled, and the throttle is not bypassed by
 * changing the email's case or adding spaces.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { test } from 'node:test';
import { API_PATHS } from '../../src/protocol/index.js';
import { register, request, requestFrom, startTestBackend, type TestBackend } from '../broker/support.js';
import { Tally } from './support.js';

const tally = new Tally();

const ROUTES: Array<[string, string]> = [
  ['POST', API_PATHS.register],
  ['POST', API_PATHS.login],
  ['POST', API_PATHS.token],
  ['GET', API_PATHS.me],
  ['GET', API_PATHS.iceServers],
  ['POST', API_PATHS.me],
  ['POST', '/api/nope'],
];

/** The raw answer to one request; `undefined` status when the server cut the connection (also a refusal). */
async function send(
  backend: TestBackend,
  method: string,
  path: string,
  body: string | Buffer | undefined,
  headers: Record<string, string>,
) {
  try {
    const response = await fetch(`${backend.origin}${path}`, {
      method,
      headers,
      ...(body !== undefined && { body: typeof body === 'string' ? body : new Uint8Array(body) }),
    });
    const text = await response.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status as number | undefined, json };
  } catch {
    return { status: undefined, json: undefined };
  }
}

/** A 4xx with `{ error: { code, message } }`, or a connection the server closed on an oversized upload. */
function isCleanRefusal(result: { status: number | undefined; json: any }): boolean {
  if (result.status === undefined) return true;
  return (
    result.status >= 400 &&
    result.status < 500 &&
    typeof result.json?.error?.code === 'string' &&
    typeof result.json?.error?.message === 'string'
  );
}

function randomJsonValue(depth = 0): unknown {
  switch (randomInt(depth > 3 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return randomInt(-1e9, 1e9) / randomInt(1, 1000);
    case 2:
      return randomBytes(randomInt(0, 40)).toString('latin1');
    case 3:
      return randomInt(2) === 0;
    case 4:
      return 'x'.repeat(randomInt(0, 600));
    case 5:
      return Array.from({ length: randomInt(0, 5) }, () => randomJsonValue(depth + 1));
    default: {
      const keys = ['name', 'email', 'password', 'token', '__proto__', 'constructor', 'admin', 'id'];
      return Object.fromEntries(Array.from({ length: randomInt(0, 5) }, () => [keys[randomInt(keys.length)]!, randomJsonValue(depth + 1)]));
    }
  }
}

const MALFORMED = [
  '',
  '{',
  '{"email": "a@b.c", "password": }',
  '{"email": "a@b.c" "password": "x"}',
  "{'email': 'a@b.c'}",
  'null',
  '[]',
  '"just a string"',
  '1e999999',
  '{"email": "a@b.c", "password": "12345678", "email": "other@b.c"}',
  '{"__proto__": {"polluted": true}, "email": "a@b.c", "password": "12345678"}',
  '{"constructor": {"prototype": {"polluted": true}}, "email": "a@b.c", "password": "12345678"}',
  '{"name": "x", "email": "a@b.c", "password": "12345678", "admin": true}',
  '{"name": "\u0000\u0007", "email": "a@b.c", "password": "12345678"}',
  `{"name": "n", "email": "${'a'.repeat(300)}@b.c", "password": "12345678"}`,
  '{"name": "n", "email": "no-at-sign", "password": "12345678"}',
  '{"name": "n", "email": "a@@b.c", "password": "12345678"}',
  '{"name": "n", "email": "a@b.c", "password": "short"}',
  `{"name": "n", "email": "a@b.c", "password": "${'p'.repeat(300)}"}`,
  '{"name": 5, "email": ["a@b.c"], "password": {"x": 1}}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  `${'{"a":'.repeat(2500)}1${'}'.repeat(2500)}`,
  '\uFEFF{"email": "a@b.c", "password": "12345678"}',
];

test('random and malformed bodies on every route get a clean 4xx', async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const user = await register(backend);
  let tried = 0;
  let clean = 0;
  const failures: string[] = [];
  const check = async (what: string, method: string, path: string, body: string | Buffer | undefined, headers: Record<string, string>) => {
    const result = await send(backend, method, path, body, headers);
    tried += 1;
    // The only success we can cause with junk is none: anything not a clean 4xx is a finding.
    if (isCleanRefusal(result)) clean += 1;
    else failures.push(`${method} ${path} ${what} → ${result.status} ${JSON.stringify(result.json)?.slice(0, 120)}`);
  };
  for (const [method, path] of ROUTES) {
    const auth: Record<string, string> =
      path === API_PATHS.token || path === API_PATHS.me || path === API_PATHS.iceServers ? { authorization: 'Bearer junk' } : {};
    for (const body of MALFORMED)
      await check(`malformed ${JSON.stringify(body.slice(0, 30))}`, method, path, method === 'GET' ? undefined : body, {
        'content-type': 'application/json',
        ...auth,
      });
    for (let i = 0; i < 40; i += 1) {
      const body = i % 2 === 0 ? JSON.stringify(randomJsonValue()) : randomBytes(randomInt(1, 400));
      if (method === 'GET')
        await check(
          'random query',
          method,
          `${path}?${randomBytes(20).toString('hex')}=${encodeURIComponent(randomBytes(30).toString('latin1'))}`,
          undefined,
          auth,
        );
      else await check(`random body #${i}`, method, path, body, { 'content-type': 'application/json', ...auth });
    }
  }
  assert.equal(({} as { polluted?: unknown }).polluted, undefined, 'no prototype pollution in the backend process');
  tally.recordMany('random and malformed bodies on every route: clean 4xx', tried, clean);
  assert.deepEqual(failures, []);
  // The real user is untouched by all of that.
  assert.equal((await request(backend, 'GET', API_PATHS.me, { token: user.token })).status, 200);
  await tally.checkAlive(backend);
});

test('wrong content types and huge bodies are refused', async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const valid = JSON.stringify({ name: 'Typed', email: `typed-${Date.now()}@example.test`, password: 'correct horse battery' });
  const types = [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'application/xml',
    'application/json-patch+json',
    'image/png',
    '',
  ];
  for (const [method, path] of ROUTES.filter(([m]) => m === 'POST')) {
    for (const type of types) {
      const headers: Record<string, string> = type ? { 'content-type': type } : {};
      const result = await send(backend, method, path, valid, headers);
      const refused = isCleanRefusal(result);
      tally.record(`${path} with content-type ${JSON.stringify(type)}`, refused, String(result.status));
      assert.ok(refused, `${path} ${type}: ${result.status}`);
    }
    for (const size of [16 * 1024 + 1, 1024 * 1024, 8 * 1024 * 1024]) {
      const body = `{"name":"${'n'.repeat(size)}","email":"huge@example.test","password":"correct horse"}`;
      const result = await send(backend, method, path, body, { 'content-type': 'application/json' });
      const refused = result.status === undefined || (result.status === 413 && result.json?.error?.code === 'payload_too_large');
      tally.record(`${path} with a ${Math.round(size / 1024)} KB body`, refused, String(result.status ?? 'connection closed'));
      assert.ok(refused, `${path} ${size}: ${result.status}`);
    }
  }
  // A content-length far beyond the limit is refused before any byte of the body is read.
  const lying = await new Promise<number | undefined>((resolve) => {
    const req = httpRequest(`${backend.origin}${API_PATHS.register}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024 * 1024) },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode);
      req.destroy();
    });
    req.on('error', () => resolve(undefined));
    req.write('{"name":');
    setTimeout(() => {
      req.destroy();
      resolve(undefined);
    }, 3000).unref();
  });
  tally.record('content-length of 50 GB', lying === 413 || lying === undefined, String(lying));
  assert.ok(lying === 413 || lying === undefined);
  await tally.checkAlive(backend);
  assert.equal(
    (await request(backend, 'POST', API_PATHS.register, { json: JSON.parse(valid) })).status,
    201,
    'a proper registration still works',
  );
});

/** Raw bytes to the backend's port and everything it answers before closing (for requests fetch cannot send). */
function rawExchange(backend: TestBackend, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(backend.port, '127.0.0.1', () => socket.end(bytes));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

test("malformed URLs and unparsable requests are answered in the contract's error shape", async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  // Bad percent-encoding (the router refuses it for every method), and NUL bytes (the static files refuse them).
  const cases: Array<[string, string]> = [
    '/%',
    '/%zz',
    '/api/%E0%A4%A',
    '/api/me%',
    '/api/login%ff',
    '/rtc-call.js%',
    '/chunks/%c0%af',
  ].flatMap((url) => [['GET', url] as [string, string], ['POST', url] as [string, string]]);
  cases.push(['GET', '/a%00b'], ['GET', '/chunks/%00.js'], ['GET', '/%2e%2e%2f%00']);
  for (const [method, url] of cases) {
    const result = await send(
      backend,
      method,
      url,
      method === 'POST' ? '{}' : undefined,
      method === 'POST' ? { 'content-type': 'application/json' } : {},
    );
    const clean = result.status === 400 && Object.keys(result.json ?? {}).join() === 'error' && result.json.error.code === 'invalid_input';
    tally.record(`${method} ${url}`, clean, `${result.status} ${JSON.stringify(result.json)}`);
    assert.ok(clean, `${method} ${url}: ${result.status} ${JSON.stringify(result.json)}`);
  }
  // What Node's HTTP parser refuses never reaches a route: still the contract's shape, then the connection closes.
  for (const bytes of [
    'GET /a b c HTTP/1.1\r\n\r\n',
    'GARBAGE\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
    `GET / HTTP/1.1\r\nX: ${'y'.repeat(20_000)}\r\n\r\n`,
  ]) {
    const answer = await rawExchange(backend, bytes);
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    let json: any;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    const clean =
      /^HTTP\/1\.1 4\d\d /.test(head) &&
      typeof json?.error?.code === 'string' &&
      typeof json?.error?.message === 'string' &&
      /x-content-type-options: nosniff/i.test(head);
    tally.record(`unparsable request ${JSON.stringify(bytes.slice(0, 30))}`, clean, head.split('\r\n')[0]);
    assert.ok(clean, `${JSON.stringify(bytes.slice(0, 40))}: ${answer.slice(0, 300)}`);
  }
  await tally.checkAlive(backend);
});

test('brute-force login from one address is throttled per email, whatever case or spaces the email has', async (t) => {
  const backend = await startTestBackend({ closeAfter: t, loginFailuresPerEmail: 5, loginFailuresPerAddress: 10_000, authRateMax: 10_000 });
  const victim = await register(backend, { email: 'victim@example.test', password: 'the real password' });
  const bystander = await register(backend, { password: 'bystander password' });
  const variants = [
    'victim@example.test',
    'VICTIM@EXAMPLE.TEST',
    ' victim@example.test',
    'victim@example.test ',
    'Victim@Example.Test',
    '\tvictim@example.test\n',
    'victim@example.test\u00a0',
    '\u2003VICTIM@example.test',
  ];
  const statuses: number[] = [];
  for (let i = 0; i < 40; i += 1) {
    const email = variants[i % variants.length]!;
    const result = await request(backend, 'POST', API_PATHS.login, { json: { email, password: `guess-${i}-guess` } });
    statuses.push(result.status);
  }
  const failures = statuses.filter((s) => s === 401).length;
  const throttled = statuses.filter((s) => s === 429).length;
  tally.record(
    `40 wrong passwords over ${variants.length} spellings of one email: at most 5 checked`,
    failures <= 5,
    `${failures}×401, ${throttled}×429`,
  );
  assert.equal(failures, 5, 'exactly the allowed failures reach the password check');
  assert.equal(throttled, 35);
  // Locked means locked: even the right password waits, in any spelling.
  const right = await request(backend, 'POST', API_PATHS.login, {
    json: { email: ' VICTIM@example.test ', password: 'the real password' },
  });
  tally.record('the right password during the lock', right.status === 429, String(right.status));
  assert.equal(right.status, 429);
  assert.equal(right.body.error.code, 'rate_limited');
  // Per email, not collateral damage: another account from the same address still logs in.
  // (That the owner, from their own address, still gets in: the next test.)
  const other = await request(backend, 'POST', API_PATHS.login, { json: { email: bystander.user.email, password: 'bystander password' } });
  assert.equal(other.status, 200);
  assert.ok(victim.user.id);
  await tally.checkAlive(backend);
});

test("guessing an account's password cannot lock its owner out", async (t) => {
  const slowdownMaxMs = 400;
  const backend = await startTestBackend({
    closeAfter: t,
    loginFailuresPerEmail: 5,
    loginFailuresPerAddress: 10_000,
    authRateMax: 10_000,
    loginSlowdownMaxMs: slowdownMaxMs,
  });
  await register(backend, { email: 'owner@example.test', password: 'the real password' });
  const login = (from: string, email: string, password: string) =>
    requestFrom(backend.origin, from, 'POST', API_PATHS.login, { json: { email, password } });

  // The attacker at 127.0.0.2: five guesses are checked, then that address is refused for this email.
  const attacker: number[] = [];
  for (let i = 0; i < 12; i += 1)
    attacker.push((await login('127.0.0.2', i % 2 ? 'OWNER@example.test' : 'owner@example.test', `guess-${i}-guess`)).status);
  tally.record(
    '12 guesses for one email from one address: 5 checked, then refused',
    attacker.join() === '401,401,401,401,401,429,429,429,429,429,429,429',
    attacker.join(),
  );
  assert.deepEqual(attacker, [401, 401, 401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
  // More attackers at other addresses: each gets its own five guesses, which only slows the email down.
  for (const from of ['127.0.0.4', '127.0.0.5']) {
    for (let i = 0; i < 5; i += 1) assert.equal((await login(from, 'owner@example.test', `guess-${from}-${i}`)).status, 401);
  }

  // The owner at 127.0.0.3 signs in: slowed down (a delay, here the capped one), not refused.
  const started = performance.now();
  const owner = await login('127.0.0.3', ' Owner@example.test', 'the real password');
  const waited = performance.now() - started;
  tally.record(
    'the owner signs in from their own address during the attack',
    owner.status === 200,
    `${owner.status} after ${Math.round(waited)} ms`,
  );
  assert.equal(owner.status, 200, JSON.stringify(owner.body));
  assert.ok(owner.body.token);
  assert.ok(waited >= slowdownMaxMs - 5, `the owner's sign-in waited ${waited} ms, the slow-down is ${slowdownMaxMs} ms`);
  // A typo by the owner is a 401 like any other, not a lock.
  assert.equal((await login('127.0.0.3', 'owner@example.test', 'the reel password')).status, 401);

  // The attacker stays refused, even with the right password (it cannot learn that it was right).
  const late = await login('127.0.0.2', 'owner@example.test', 'the real password');
  tally.record('the guessing address with the right password', late.status === 429, String(late.status));
  assert.equal(late.status, 429);
  assert.equal(late.body.error.code, 'rate_limited');
  assert.ok(Number(late.headers['retry-after']) > 0, 'says when to retry');
  await tally.checkAlive(backend);
});

test('brute force over many emails from one address is throttled per address', async (t) => {
  const backend = await startTestBackend({ closeAfter: t, loginFailuresPerEmail: 1000, loginFailuresPerAddress: 20, authRateMax: 10_000 });
  const statuses: number[] = [];
  for (let i = 0; i < 40; i += 1) {
    const result = await request(backend, 'POST', API_PATHS.login, {
      json: { email: `someone${i}@example.test`, password: 'guess guess guess' },
    });
    statuses.push(result.status);
  }
  const failures = statuses.filter((s) => s === 401).length;
  tally.record('40 wrong logins over 40 emails from one address: at most 20 checked', failures <= 20, `${failures}×401`);
  assert.equal(failures, 20);
  assert.ok(statuses.slice(20).every((s) => s === 429));
  await tally.checkAlive(backend);
});

test('register and login requests are rate-limited per address', async (t) => {
  const backend = await startTestBackend({ closeAfter: t, authRateMax: 10, loginFailuresPerEmail: 1000, loginFailuresPerAddress: 1000 });
  const statuses: number[] = [];
  for (let i = 0; i < 15; i += 1) {
    const result = await request(backend, 'POST', API_PATHS.register, {
      json: { name: `R${i}`, email: `r${i}-${Date.now()}@example.test`, password: 'correct horse battery' },
    });
    statuses.push(result.status);
  }
  const created = statuses.filter((s) => s === 201).length;
  tally.record('15 registrations from one address with a limit of 10', created === 10, `${created}×201`);
  assert.equal(created, 10);
  assert.ok(statuses.slice(10).every((s) => s === 429));
  await tally.checkAlive(backend);
});

test('names that forge or hide text are refused with the contract error shape', async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const forged: Array<[string, string, RegExp]> = [
    ['right-to-left override', 'Bob\u202Eadmin si gnillac', /text direction/],
    ['left-to-right isolate', '\u2066Alice', /text direction/],
    ['zero-width only', '\u200B\u200B', /invisible characters/],
    ['Alice with a zero-width space', 'Alice\u200B', /invisible characters/],
    ['Hangul filler only', '\u3164', /invisible characters/],
    ['braille blank only', '\u2800\u2800', /invisible characters/],
    ['joiner only', '\u200D', /visible character/],
    ['stack of combining marks', 'Z' + '\u0336\u0353'.repeat(3), /combining marks/],
    ['leading combining mark', '\u0301Bob', /combining mark/],
  ];
  for (const [what, name, reason] of forged) {
    const result = await request(backend, 'POST', API_PATHS.register, {
      json: { name, email: `forged-${randomInt(1e9)}@example.test`, password: 'correct horse battery' },
    });
    const refused = result.status === 400 && result.body?.error?.code === 'invalid_input' && reason.test(result.body.error.message);
    tally.record(`register with a name: ${what}`, refused, `${result.status} ${JSON.stringify(result.body)}`);
    assert.ok(refused, `${what}: ${result.status} ${JSON.stringify(result.body)}`);
  }
  // Nothing was stored: the same emails can still register with a plain name.
  const fine = await request(backend, 'POST', API_PATHS.register, {
    json: { name: ' Zoe\u0308   Example ', email: 'zoe@example.test', password: 'correct horse battery' },
  });
  assert.equal(fine.status, 201);
  assert.equal(fine.body.user.name, 'Zoë Example', 'stored normalised: NFC, spaces collapsed and trimmed');
  await tally.checkAlive(backend);
});

test('passwords with unpaired surrogates are refused: they would all hash alike', async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const email = `surrogate-${Date.now()}@example.test`;
  // Raw JSON escapes: JSON.parse gives lone surrogates, which UTF-8 encoding for scrypt turns into U+FFFD.
  for (const escaped of ['password\\ud800', '\\udfffpassword', 'pass\\udc00\\ud800word']) {
    const body = `{"name":"Sur","email":"${email}","password":"${escaped}"}`;
    const result = await request(backend, 'POST', API_PATHS.register, { body, headers: { 'content-type': 'application/json' } });
    tally.record(
      `register with password "${escaped}"`,
      result.status === 400 && result.body.error?.code === 'invalid_input',
      String(result.status),
    );
    assert.equal(result.status, 400);
    assert.equal(result.body.error.code, 'invalid_input');
    assert.match(result.body.error.message, /well-formed/);
  }
  // Nothing was stored: the email is still free, and a well-formed surrogate pair is a fine password.
  const ok = await register(backend, { email, password: 'password\u{1F600}' });
  assert.equal(ok.user.email, email);
});

test('summary', (t) => {
  tally.report(t);
  assert.equal(tally.crashes, 0);
  assert.equal(tally.refused, tally.tried);
});
