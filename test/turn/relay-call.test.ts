/**
 * Relay-only calls through a real coturn: two people, each with the call
 * engine in a real browser, a real backend handing out TURN credentials, real
 * WebRTC. Checked where a person's privacy is decided: what the other side
 * received (only relay candidates) and which candidate pair carries the media
 * (getStats: relay).
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { Config } from '../../broker/config.js';
import { BROWSER_PAIRS } from '../e2e/support/suite.js';
import type { SessionOptions } from '../../src/core/types.js';
import { freePort, turnUrls } from '../../testing/turn.js';
import { SessionPage } from './session-page.js';
import { assertOnlyRelay, turnSuite, selectedPair, newSecret, startTurn, startTurnBackend, type TestBackend } from './support.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const pair of BROWSER_PAIRS) {
  describe(`relay-only calls through coturn, ${pair[0]} calling ${pair[1]}`, () => {
    const suite = turnSuite(pair);

    /** coturn and a backend signing credentials with `backendSecret` (coturn's own secret unless a test wants them to differ). */
    async function services(t: TestContext, config: Partial<Config> = {}, backendSecret?: string) {
      const secret = newSecret();
      const turn = await startTurn(t, secret);
      const backend = await startTurnBackend(t, turn, backendSecret ?? secret, config);
      return { turn, backend };
    }

    /** Alice and Bob signed in (ICE servers fetched at sign-in) and seeing each other. */
    async function people(
      t: TestContext,
      backend: TestBackend,
      options: { alice?: Partial<SessionOptions>; bob?: Partial<SessionOptions> } = {},
    ): Promise<[SessionPage, SessionPage]> {
      const alice = await SessionPage.open(suite.browser(pair[0]), suite.site, 'Alice', { server: backend.origin, ...options.alice });
      t.after(() => alice.close());
      const bob = await SessionPage.open(suite.browser(pair[1]), suite.site, 'Bob', { server: backend.origin, ...options.bob });
      t.after(() => bob.close());
      await Promise.all([alice.register(), bob.register()]);
      await Promise.all([alice.waitForPeer(bob.userId), bob.waitForPeer(alice.userId)]);
      return [alice, bob];
    }

    async function connect(alice: SessionPage, bob: SessionPage): Promise<void> {
      await alice.call(bob.userId);
      await bob.acceptWhenRinging();
      await Promise.all([alice.waitForPhase('connected'), bob.waitForPhase('connected')]);
    }

    async function assertRelayed(person: SessionPage): Promise<void> {
      const selected = await selectedPair(person.page, person.name);
      assert.equal(selected.local, 'relay', `${person.name}'s selected pair: ${JSON.stringify(selected)}`);
      // 'connected' can come a moment before the first packets are counted.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const snapshot = await person.rtc();
        if (snapshot.inbound.audio + snapshot.inbound.video > 0) break;
        assert.ok(Date.now() < deadline, `${person.name} receives media: ${JSON.stringify(snapshot)}`);
        await sleep(200);
      }
    }

    test('the backend forces relay (ICE_TRANSPORT_POLICY=relay): both sides relay, neither receives a host or srflx candidate', async (t) => {
      const { backend } = await services(t, { iceTransportPolicy: 'relay' });
      const [alice, bob] = await people(t, backend);
      await connect(alice, bob);
      await assertRelayed(alice);
      await assertRelayed(bob);
      assertOnlyRelay(await bob.remoteCandidates(), 'Bob');
      assertOnlyRelay(await alice.remoteCandidates(), 'Alice');
    });

    test('a visitor switches on "hide my IP address": that side sends only relay candidates and talks through coturn', async (t) => {
      const { backend } = await services(t, { iceTransportPolicy: 'all' });
      const [alice, bob] = await people(t, backend);
      await alice.setRelayOnly(true);
      await connect(alice, bob);
      await assertRelayed(alice);
      assertOnlyRelay(await bob.remoteCandidates(), 'Bob (from Alice, who hides her IP)');
      // Bob did not ask for privacy: the choice is per side.
      assert.ok((await alice.remoteCandidates()).length > 0);
    });

    test('a call placed after the TURN credentials expired fetches fresh ones and connects', async (t) => {
      // 3 s instead of the production minimum (60 s) so the test waits for a real expiry.
      const { backend } = await services(t, { iceTransportPolicy: 'relay', turnTtlSeconds: 3 });
      const [alice, bob] = await people(t, backend);
      const fetchedAtSignIn = [await alice.iceFetches(), await bob.iceFetches()];
      assert.ok(
        fetchedAtSignIn.every((n) => n >= 1),
        `ICE servers fetched at sign-in: ${fetchedAtSignIn}`,
      );
      // Past the expiry coturn refuses the sign-in credentials (credentials.test.ts shows it).
      await sleep(4_500);
      await connect(alice, bob);
      assert.ok((await alice.iceFetches()) > fetchedAtSignIn[0]!, 'Alice fetched fresh credentials before the call');
      assert.ok((await bob.iceFetches()) > fetchedAtSignIn[1]!, 'Bob fetched fresh credentials before the call');
      await assertRelayed(alice);
      await assertRelayed(bob);
    });

    /** `person`'s call ended as failed, never connected, and the visitor was told the relay failed. */
    async function assertTurnFailed(person: SessionPage, timeoutMs: number, why: RegExp): Promise<void> {
      const ended = await person.waitForPhase('ended', timeoutMs);
      assert.equal(ended.endReason, 'failed', `${person.name}: ${JSON.stringify(ended)}`);
      assert.ok(!(await person.calls()).some((c) => c.phase === 'connected'), `${person.name} never connected`);
      const errors = await person.errors();
      const turnError = errors.find((e) => e.code === 'turn_failed');
      assert.ok(turnError, `${person.name} is told the relay failed: ${JSON.stringify(errors)}`);
      assert.match(turnError.message, why, `${person.name}: ${JSON.stringify(errors)} ${JSON.stringify(await person.calls())}`);
      assert.equal((await person.state()).error?.code, 'turn_failed', 'the error shown is the relay one');
    }

    /** The other side's call ends too (whatever the reason its side saw) instead of ringing or connecting forever. */
    async function assertEndedWithoutMedia(person: SessionPage, timeoutMs: number): Promise<void> {
      const ended = await person.waitForPhase('ended', timeoutMs);
      assert.notEqual(ended.endReason, undefined);
      assert.ok(!(await person.calls()).some((c) => c.phase === 'connected'), `${person.name} never connected`);
    }

    /**
     * Both relay-only sides fail: whichever gives up first hangs up on the
     * other. Both calls end without media; every side that failed on its own
     * says the relay is why.
     */
    async function assertBothEndedBlamingRelay(people: SessionPage[], timeoutMs: number, why: RegExp): Promise<void> {
      const failed: SessionPage[] = [];
      for (const person of people) {
        await assertEndedWithoutMedia(person, timeoutMs);
        if ((await person.state()).call?.endReason === 'failed') failed.push(person);
      }
      assert.ok(failed.length > 0, 'at least one side gave up on its own');
      for (const person of failed) await assertTurnFailed(person, 1_000, why);
    }

    // Connect timeout shortened for these tests; the waits add slack for a loaded machine.
    const connectTimeoutMs = 5_000;
    const slackMs = 10_000;

    test('coturn refuses the credentials (wrong secret): the call ends as failed with turn_failed, not endless connecting', async (t) => {
      const { backend } = await services(t, { iceTransportPolicy: 'relay' }, newSecret());
      const [alice, bob] = await people(t, backend, { alice: { connectTimeoutMs }, bob: { connectTimeoutMs } });
      await bob.autoAccept();
      await alice.call(bob.userId);
      // Which words ("refused", "cannot be reached") depends on the browser reporting coturn's 401 in time; both name the relay.
      await assertBothEndedBlamingRelay([alice, bob], connectTimeoutMs + slackMs, /relay server/i);
    });

    test("the side that hides its IP is told when coturn refuses it, and the other side's call ends", async (t) => {
      const { backend } = await services(t, { iceTransportPolicy: 'all' }, newSecret());
      const [alice, bob] = await people(t, backend, { alice: { connectTimeoutMs }, bob: { connectTimeoutMs } });
      await bob.setRelayOnly(true);
      await alice.call(bob.userId);
      await bob.acceptWhenRinging();
      await assertTurnFailed(bob, connectTimeoutMs + slackMs, /relay server/i);
      await assertEndedWithoutMedia(alice, connectTimeoutMs + slackMs);
    });

    test('an unreachable TURN server: the call ends as failed with turn_failed within the connect timeout', async (t) => {
      // TURN URLs where nothing listens.
      const nowhere = { urls: turnUrls('127.0.0.1', await freePort('127.0.0.1')) };
      const backend = await startTurnBackend(t, nowhere, newSecret(), { iceTransportPolicy: 'relay' });
      const [alice, bob] = await people(t, backend, { alice: { connectTimeoutMs }, bob: { connectTimeoutMs } });
      await bob.autoAccept();
      await alice.call(bob.userId);
      await assertBothEndedBlamingRelay([alice, bob], connectTimeoutMs + slackMs, /relay server cannot be reached/i);
    });
  });
}
