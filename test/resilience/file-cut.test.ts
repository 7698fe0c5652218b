/**
 * A network cut during a file transfer (PROTOCOL.md §9): Bob's browser (Firefox, its own system
 * user, see network-cut.ts) loses its network while a file from Alice (Chromium) flows to him.
 * Both sides end the transfer with a message that says the connection was lost, within the
 * transfer's stall limit (15 s without a byte) and some slack, and Bob is never offered the part
 * he got. Once the network is back, a new file goes through.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordedEvents } from '../e2e/support/page-hooks.js';
import { clickOn, fileFolder, makeFile, offeredToSave, savedSha256, sendFiles, transfer, waitForStatus } from '../e2e/support/files.js';
import { CutOffBrowser, networkCutSupported } from './network-cut.js';
import { resilienceSuite } from './support.js';

const MB = 1024 * 1024;
/** The transfer's stall limit (file-link.ts) and room for the browsers to notice. */
const FAIL_WITHIN_MS = 15_000 + 15_000;

describe('file transfer with a network cut, chromium → firefox', () => {
  const skip = networkCutSupported();
  const suite = resilienceSuite('chromium');
  let cut: CutOffBrowser | null = null;
  before(
    async () => {
      if (!skip) cut = await CutOffBrowser.launch('firefox');
    },
    { timeout: 90_000 },
  );
  after(() => cut?.close(), { timeout: 60_000 });

  it(
    'the cut ends the transfer on both sides with a clear message; nothing partial is offered',
    { timeout: 180_000, skip: skip ?? false },
    async (t) => {
      const [alice, bob] = await suite.pair(t, {}, cut!.browser);
      const dir = await fileFolder(t);
      const [big, later] = await Promise.all([
        makeFile(dir, 'cut-short.bin', 2048 * MB, 'sparse'),
        makeFile(dir, 'after-the-cut.bin', 4 * MB),
      ]);
      await alice.openChat(bob.name);
      await bob.openChat(alice.name);
      await sendFiles(alice, [big]);
      await clickOn(bob, big.name, 'file-accept');
      await bob.part('file-progress', { within: await transfer(bob, big.name), timeout: 20_000 });

      const cutAt = Date.now();
      cut!.cutNetwork();
      try {
        const lost = /connection was lost|left before the file was complete/i;
        for (const person of [alice, bob]) {
          const item = await transfer(person, big.name);
          const status = await person.part('file-status', { within: item });
          const deadline = cutAt + FAIL_WITHIN_MS;
          let text = '';
          while (Date.now() < deadline) {
            text = await status.evaluate((el) => el.textContent ?? '');
            if (lost.test(text)) break;
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
          assert.match(text, lost, `${person.label}: ${text}`);
          const [end] = (await recordedEvents(person.page, 'rtc-file-transfer')).map(
            (e) => (e.detail as { transfer: { phase: string } }).transfer,
          );
          assert.equal(end?.phase, 'failed', `${person.label}'s transfer ends as failed`);
        }
        console.log(`transfer failed on both sides ${Date.now() - cutAt} ms after the cut`);
        assert.equal(await offeredToSave(bob, big.name), false);
      } finally {
        cut!.restoreNetwork();
      }

      // Back online: a new file goes through (signalling may need its keep-alive to reconnect first).
      await alice.part('file-send', { timeout: 60_000 });
      await sendFiles(alice, [later]);
      await clickOn(bob, later.name, 'file-accept');
      await waitForStatus(bob, later.name, 'Received and checked', 60_000);
      assert.equal(await savedSha256(bob, later.name), later.sha256);
    },
  );
});
