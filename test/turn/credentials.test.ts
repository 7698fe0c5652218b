/**
 * The TURN credentials of `GET /api/ice-servers` against a real coturn
 * (started like `npm run turn`), checked where it matters: a browser
 * gathering relay candidates with `iceTransportPolicy: 'relay'`. A credential
 * coturn accepts gives a relay candidate; an expired one, or one signed with
 * another secret, gives none.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { register, request } from '../broker/support.js';
import {
  BROWSERS,
  gatherRelayCandidates,
  launchTurnBrowser,
  isRelayCandidate,
  newSecret,
  openCorePage,
  startPageSite,
  startTurn,
  startTurnBackend,
  type IceServersResponse,
  type PageSite,
} from './support.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function iceServers(backend: { origin: string }, token: string): Promise<IceServersResponse> {
  const res = await request<IceServersResponse>(backend, 'GET', '/api/ice-servers', { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** Seconds since the epoch at which a `<expiry>:<userId>` TURN username stops working. */
function expiryOf(username: string | undefined): number {
  const match = /^(\d+):(.+)$/.exec(username ?? '');
  assert.ok(match, `username "${username}" is not <expiry>:<userId>`);
  return Number(match[1]);
}

let site: PageSite;
before(async () => {
  site = await startPageSite();
});
after(() => site?.close());

test('/api/ice-servers needs a valid token, and its TURN credential belongs to the signed-in user', async (t) => {
  const secret = newSecret();
  const turn = await startTurn(t, secret);
  const backend = await startTurnBackend(t, turn, secret);
  const alice = await register(backend);

  for (const token of [undefined, 'not-a-jwt', `${alice.token}x`]) {
    const res = await request(backend, 'GET', '/api/ice-servers', token === undefined ? {} : { token });
    assert.equal(res.status, 401, `token ${token}`);
    assert.equal(res.body.error?.code, 'unauthorized');
  }

  const before = Math.floor(Date.now() / 1000);
  const body = await iceServers(backend, alice.token);
  assert.equal(body.iceServers.length, 1, 'only the configured TURN server, no third-party STUN');
  const [server] = body.iceServers;
  assert.deepEqual(server!.urls, turn.urls);
  assert.ok(server!.username?.endsWith(`:${alice.user.id}`), server!.username);
  const expiry = expiryOf(server!.username);
  assert.ok(expiry >= before + body.ttl && expiry <= Math.floor(Date.now() / 1000) + body.ttl, `expiry ${expiry}`);
  assert.ok(body.ttl > 0 && body.ttl <= 3600, `default lifetime is at most an hour, got ${body.ttl}`);
});

for (const browserName of BROWSERS) {
  describe(`coturn and the backend's credentials in ${browserName}`, () => {
    let browser: Browser;
    let page: Page;
    before(async () => {
      browser = await launchTurnBrowser(browserName);
      page = await browser.newPage();
      await openCorePage(page, site);
    });
    after(() => browser?.close());

    test('a credential works until its expiry, then coturn refuses it', async (t) => {
      const secret = newSecret();
      const turn = await startTurn(t, secret);
      // Seconds instead of the production minimum (60 s), so the test waits for a real expiry.
      const backend = await startTurnBackend(t, turn, secret, { turnTtlSeconds: 3 });
      const alice = await register(backend);
      const body = await iceServers(backend, alice.token);
      const expiry = expiryOf(body.iceServers[0]!.username);

      const fresh = await gatherRelayCandidates(page, body.iceServers as RTCIceServer[]);
      const relays = fresh.candidates.filter(isRelayCandidate);
      assert.ok(relays.length > 0, `a valid credential gives a relay candidate: ${JSON.stringify(fresh)}`);
      assert.ok(
        relays.every((c) => c.includes(' 127.0.0.1 ')),
        `relay on coturn's address: ${relays.join(' | ')}`,
      );
      assert.deepEqual(
        fresh.candidates.filter((c) => !isRelayCandidate(c)),
        [],
        'relay policy gathers nothing else',
      );

      // coturn compares the expiry in the username with its clock: wait until it has passed.
      await sleep(Math.max(0, (expiry + 1) * 1000 - Date.now()) + 500);
      const expired = await gatherRelayCandidates(page, body.iceServers as RTCIceServer[]);
      assert.deepEqual(expired.candidates, [], `an expired credential gives no candidate: ${JSON.stringify(expired)}`);
      if (browserName === 'chromium') {
        // Chromium says why: 401 Unauthorized from the TURN server.
        assert.ok(
          expired.errors.some((e) => e.errorCode === 401),
          JSON.stringify(expired.errors),
        );
      }

      // A fresh credential from the backend works again.
      const renewed = await iceServers(backend, alice.token);
      assert.ok(expiryOf(renewed.iceServers[0]!.username) > expiry);
      const again = await gatherRelayCandidates(page, renewed.iceServers as RTCIceServer[]);
      assert.ok(again.candidates.some(isRelayCandidate), JSON.stringify(again));
    });

    test('a credential signed with another secret is refused', async (t) => {
      const turn = await startTurn(t, newSecret());
      const backend = await startTurnBackend(t, turn, newSecret());
      const alice = await register(backend);
      const body = await iceServers(backend, alice.token);
      const gathered = await gatherRelayCandidates(page, body.iceServers as RTCIceServer[]);
      assert.deepEqual(gathered.candidates, [], JSON.stringify(gathered));
      if (browserName === 'chromium')
        assert.ok(
          gathered.errors.some((e) => e.errorCode === 401),
          JSON.stringify(gathered.errors),
        );
    });
  });
}
