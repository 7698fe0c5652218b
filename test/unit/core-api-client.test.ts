import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, ApiRequestError, toApiRequestError } from '../../src/core/api-client.js';
import { texts } from '../../src/core/texts.js';

test('error bodies map to the codes the UI shows, in the catalogue’s words (the server’s for invalid input)', () => {
  for (const code of ['invalid_credentials', 'email_taken', 'rate_limited', 'unauthorized', 'room_limit', 'guests_disabled'] as const) {
    const e = toApiRequestError(400, { error: { code, message: `m-${code}` } });
    assert.equal(e.code, code);
    // The visitor's language, not the server's English.
    assert.equal(e.message, texts.errors[code]);
  }
  const invalid = toApiRequestError(400, { error: { code: 'invalid_input', message: 'email must be a well-formed address' } });
  assert.deepEqual([invalid.code, invalid.message], ['invalid_input', 'email must be a well-formed address']);
});

test('unknown or missing codes fall back on the status, with a readable message', () => {
  assert.equal(toApiRequestError(429, null).code, 'rate_limited');
  assert.equal(toApiRequestError(401, {}).code, 'unauthorized');
  assert.equal(toApiRequestError(413, { error: { code: 'payload_too_large', message: '' } }).code, 'invalid_input');
  const e = toApiRequestError(500, { error: { code: 'weird' } });
  assert.equal(e.code, 'internal');
  assert.ok(e.message.length > 0);
  assert.deepEqual(e.toSessionError('auth'), { code: 'internal', message: e.message, scope: 'auth' });
});

/** Records requests; answers with the queued response. */
function recorder(respond: () => Response | Promise<Response>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const client = new ApiClient('http://api.test/', async (url, init) => {
    calls.push({ url, init: init ?? {} });
    return respond();
  });
  return { client, calls };
}

test('sends JSON with a Bearer header, never cookies', async () => {
  const { client, calls } = recorder(() => Response.json({ user: { id: 'abcdef', name: 'A', email: 'a@b' } }));
  const me = await client.me('tok123');
  assert.equal(me.user.id, 'abcdef');
  assert.equal(calls[0]!.url, 'http://api.test/api/me');
  assert.equal((calls[0]!.init.headers as Record<string, string>).authorization, 'Bearer tok123');
  assert.equal(calls[0]!.init.credentials, 'omit');

  const r = recorder(() => Response.json({ token: 't', user: { id: 'abcdef', name: 'A', email: 'a@b' } }, { status: 201 }));
  await r.client.register('A', 'a@b', 'password1');
  assert.equal(r.calls[0]!.init.method, 'POST');
  assert.deepEqual(JSON.parse(r.calls[0]!.init.body as string), { name: 'A', email: 'a@b', password: 'password1' });
  assert.equal((r.calls[0]!.init.headers as Record<string, string>)['content-type'], 'application/json');
  assert.equal((r.calls[0]!.init.headers as Record<string, string>).authorization, undefined);
});

test('API errors reject with ApiRequestError', async () => {
  const { client } = recorder(() => Response.json({ error: { code: 'email_taken', message: 'taken' } }, { status: 409 }));
  await assert.rejects(
    client.register('A', 'a@b', 'password1'),
    (e: unknown) => e instanceof ApiRequestError && e.code === 'email_taken' && e.status === 409,
  );
});

test('a failed fetch or a non-JSON answer is server_unreachable', async () => {
  const down = new ApiClient('http://api.test', async () => {
    throw new TypeError('Failed to fetch');
  });
  await assert.rejects(down.login('a@b', 'x'), (e: unknown) => e instanceof ApiRequestError && e.code === 'server_unreachable');
  const html = recorder(() => new Response('<html>Bad gateway</html>', { status: 502 }));
  await assert.rejects(html.client.login('a@b', 'x'), (e: unknown) => e instanceof ApiRequestError && e.code === 'server_unreachable');
});

test('register refuses a password with an unpaired surrogate before sending, as the backend would', async () => {
  const { client, calls } = recorder(() => Response.json({}));
  await assert.rejects(client.register('Ann', 'ann@example.test', 'password\uD800'), (e: unknown) => {
    assert.ok(e instanceof ApiRequestError);
    assert.equal(e.code, 'invalid_input');
    assert.match(e.message, /well-formed/);
    return true;
  });
  assert.equal(calls.length, 0);
});

test('logout posts the Bearer token and takes the empty 204 as success; a refusal is an ApiRequestError', async () => {
  const { client, calls } = recorder(() => new Response(null, { status: 204 }));
  assert.equal(await client.logout('tok123'), undefined);
  assert.equal(calls[0]!.url, 'http://api.test/api/logout');
  assert.equal(calls[0]!.init.method, 'POST');
  assert.equal((calls[0]!.init.headers as Record<string, string>).authorization, 'Bearer tok123');
  const refused = recorder(() => Response.json({ error: { code: 'unauthorized', message: 'signed out' } }, { status: 401 }));
  await assert.rejects(refused.client.logout('old'), (e: unknown) => e instanceof ApiRequestError && e.code === 'unauthorized');
});
