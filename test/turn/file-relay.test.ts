/**
 * A file sent relay-only through a real coturn (PROTOCOL.md §9), through the widget's UI: the site
 * puts `relay-only` on the sender's `<rtc-call>` while the service allows direct connections. The
 * file connection takes the same ICE servers and policy as a call: the recipient never receives
 * one of the sender's own addresses, both sides' selected candidate pair is a relay one on the
 * sender's side, and the file arrives whole.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clickOn, fileFolder, makeFile, savedSha256, sendFiles, transfer, waitForStatus } from '../e2e/support/files.js';
import { openWidgetVisitor, remoteCandidates } from './session-page.js';
import { assertOnlyRelay, turnSuite, newSecret, selectedPair, startTurn, startTurnBackend } from './support.js';

const MB = 1024 * 1024;
const PAIR = ['chromium', 'firefox'] as const;

describe('a file relay-only through coturn, chromium sending to firefox', () => {
  const suite = turnSuite(PAIR);

  test(
    "the file goes through the relay, the sender's address never reaches the recipient, and it arrives whole",
    { timeout: 180_000 },
    async (t) => {
      const secret = newSecret();
      const turn = await startTurn(t, secret);
      const backend = await startTurnBackend(t, turn, secret, { iceTransportPolicy: 'all' });
      const alice = await openWidgetVisitor(suite, t, PAIR[0], 'Alice', backend, { 'relay-only': '' });
      const bob = await openWidgetVisitor(suite, t, PAIR[1], 'Bob', backend, {});
      await Promise.all([alice.register(), bob.register()]);
      await Promise.all([alice.peer(bob.name), bob.peer(alice.name)]);
      await alice.openChat(bob.name);
      await bob.openChat(alice.name);
      const dir = await fileFolder(t);
      const [long, file] = await Promise.all([makeFile(dir, 'long.bin', 2048 * MB, 'sparse'), makeFile(dir, 'relayed.bin', 20 * MB)]);

      // While bytes flow: the connection's selected pair is a relay one at Alice's end.
      await sendFiles(alice, [long]);
      await clickOn(bob, long.name, 'file-accept');
      await bob.part('file-progress', { within: await transfer(bob, long.name), timeout: 30_000 });
      const selected = await selectedPair(alice.page, alice.label);
      assert.equal(selected.local, 'relay', `Alice's selected pair: ${JSON.stringify(selected)}`);
      await clickOn(alice, long.name, 'file-cancel');
      await waitForStatus(bob, long.name, 'The other person cancelled it');

      await sendFiles(alice, [file]);
      await clickOn(bob, file.name, 'file-accept');
      await waitForStatus(bob, file.name, 'Received and checked', 90_000);
      assert.equal(await savedSha256(bob, file.name), file.sha256);
      // No call was made: every candidate Bob ever received came from the file connections.
      const received = await remoteCandidates(bob.page);
      assert.ok(received.length > 0, 'Bob received candidates');
      assertOnlyRelay(received, 'Bob (from Alice, relay-only by the site)');
    },
  );
});
