/**
 * Short-lived tokens (TOKEN_TTL 8 s, renewed about every 5.4 s): a signed-in
 * visitor stays signed in and online, and an ongoing call keeps its media,
 * across several renewals, each one swapping the broker connection.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { API_PATHS } from '../../src/protocol/index.js';
import { bytesDuring, recordedEvents } from '../e2e/support/page-hooks.js';
import { connectCall, type Person } from '../e2e/support/person.js';
import { describeEachResiliencePair, RESILIENCE_TEST_TIMEOUT } from './support.js';

const TOKEN_TTL_SECONDS = 8;
const WATCH_MS = 24_000;

/** Counts successful token renewals the page makes from now on. */
function countRenewals(person: Person): () => number {
  let n = 0;
  person.page.on('response', (response) => {
    if (new URL(response.url()).pathname === API_PATHS.token && response.request().method() === 'POST' && response.ok()) n += 1;
  });
  return () => n;
}

describeEachResiliencePair(
  'token renewal with a short TOKEN_TTL',
  (suite) => {
    it(
      'stays signed in and online, and a call is not disturbed, across several renewals',
      { timeout: RESILIENCE_TEST_TIMEOUT },
      async (t) => {
        const [alice, bob] = await suite.pair(t, {}, suite.other);
        const renewals = [countRenewals(alice), countRenewals(bob)];
        await connectCall(alice, bob);

        const seenStatus = new Set<string>();
        const until = Date.now() + WATCH_MS;
        while (Date.now() < until) {
          // Media arrives in every 2 s window on both sides, the whole time.
          const [a, b] = await Promise.all([bytesDuring(alice.page, 'inbound', 2000), bytesDuring(bob.page, 'inbound', 2000)]);
          assert.ok(a.video > 0 && a.audio > 0, `Alice: media stalled during renewals: ${JSON.stringify(a)}`);
          assert.ok(b.video > 0 && b.audio > 0, `Bob: media stalled during renewals: ${JSON.stringify(b)}`);
          for (const p of [alice, bob]) seenStatus.add(await p.statusText());
        }

        const counts = renewals.map((count) => count());
        assert.ok(
          counts.every((n) => n >= 3),
          `each side renewed at least 3 times in ${WATCH_MS / 1000} s (renewals: ${counts})`,
        );
        const shown = [...seenStatus].join(' | ');
        assert.doesNotMatch(shown, /reconnecting/i, 'a renewal is not shown as a reconnect');
        for (const p of [alice, bob]) {
          await p.expectSignedIn();
          const ended = (await recordedEvents(p.page, 'rtc-call-state')).filter(
            (e) => (e.detail as { call?: { phase?: string } }).call?.phase === 'ended',
          );
          assert.deepEqual(ended, [], `${p.label}: the call did not end`);
        }
        await alice.part('status', { text: `In a call with ${bob.name}` });
        await bob.part('status', { text: `In a call with ${alice.name}` });

        // Signalling still works on the renewed connections: a chat message goes through.
        await bob.openChat(alice.name);
        await bob.sendChat('still here after renewals');
        await alice.openChat(bob.name);
        await alice.chatMessage('still here after renewals');
      },
    );
  },
  { tokenTtlSeconds: TOKEN_TTL_SECONDS },
);
