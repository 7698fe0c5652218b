/**
 * File transfer through the widget's UI (PROTOCOL.md §9), Chromium ↔ Firefox ESR, outside a call:
 * a 50 MB file each way with the saved bytes' SHA-256 compared to the original (Firefox gathers it
 * for a download, Chromium writes it through the save dialog's file); a decline; and a cancel
 * midway from each side, after which the recipient is never offered the partial file.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitForEvent } from './support/page-hooks.js';
import { e2eSuite, E2E_TEST_TIMEOUT } from './support/suite.js';
import {
  answerSaveDialog,
  clickOn,
  fileFolder,
  makeFile,
  offeredToSave,
  savedSha256,
  sendFiles,
  transfer,
  waitForStatus,
} from './support/files.js';

const MB = 1024 * 1024;

describe('file transfer, chromium ↔ firefox', () => {
  const suite = e2eSuite(['chromium', 'firefox']);

  it('a 50 MB file each way arrives whole: the saved bytes hash to the original', { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    const [alice, bob] = await suite.pair(t, ['chromium', 'firefox']);
    const dir = await fileFolder(t);
    const [toBob, toAlice] = await Promise.all([makeFile(dir, 'to-bob.bin', 50 * MB), makeFile(dir, 'to-alice.bin', 50 * MB)]);

    // Chromium → Firefox: Bob sees name, size and type before anything is saved.
    await alice.openChat(bob.name);
    await bob.openChat(alice.name);
    await sendFiles(alice, [toBob]);
    const offered = await transfer(bob, toBob.name);
    await bob.part('file-meta', { within: offered, text: '52.4 MB' });
    await bob.part('file-accept', { within: offered });
    assert.equal(await offeredToSave(bob, toBob.name), false);
    await clickOn(bob, toBob.name, 'file-accept');
    await waitForStatus(bob, toBob.name, 'Received and checked', 60_000);
    await waitForStatus(alice, toBob.name, 'Sent', 15_000);
    assert.equal(await savedSha256(bob, toBob.name), toBob.sha256);

    // Firefox → Chromium: Alice's Accept opens the save dialog; the file is written as it arrives.
    assert.equal(await answerSaveDialog(alice), true);
    await sendFiles(bob, [toAlice]);
    await clickOn(alice, toAlice.name, 'file-accept');
    await waitForStatus(alice, toAlice.name, 'Received, checked and saved', 60_000);
    await waitForStatus(bob, toAlice.name, 'Sent', 15_000);
    assert.equal(await savedSha256(alice, toAlice.name), toAlice.sha256);
    await waitForEvent(alice.page, 'rtc-file-transfer', { transfer: { name: toAlice.name, phase: 'done' } });
  });

  it('a declined file, and a cancel midway from each side: never offered as complete', { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    const [alice, bob] = await suite.pair(t, ['chromium', 'firefox']);
    const dir = await fileFolder(t);
    // Sparse files: no time or disk to make, and these are never meant to arrive.
    const [declined, bySender, byRecipient] = await Promise.all([
      makeFile(dir, 'declined.bin', 1 * MB, 'sparse'),
      makeFile(dir, 'cancelled-by-sender.bin', 1024 * MB, 'sparse'),
      makeFile(dir, 'cancelled-by-recipient.bin', 1024 * MB, 'sparse'),
    ]);
    await alice.openChat(bob.name);
    await bob.openChat(alice.name);

    await sendFiles(alice, [declined]);
    await clickOn(bob, declined.name, 'file-decline');
    await waitForStatus(alice, declined.name, 'Declined');

    // The sender cancels once bytes flow (the progress bar shows on both sides).
    await sendFiles(alice, [bySender]);
    await clickOn(bob, bySender.name, 'file-accept');
    await bob.part('file-progress', { within: await transfer(bob, bySender.name), timeout: 20_000 });
    await alice.part('file-progress', { within: await transfer(alice, bySender.name) });
    await clickOn(alice, bySender.name, 'file-cancel');
    await waitForStatus(alice, bySender.name, 'You cancelled it');
    await waitForStatus(bob, bySender.name, 'The other person cancelled it');
    assert.equal(await offeredToSave(bob, bySender.name), false);

    // The recipient cancels.
    await sendFiles(alice, [byRecipient]);
    await clickOn(bob, byRecipient.name, 'file-accept');
    await bob.part('file-progress', { within: await transfer(bob, byRecipient.name), timeout: 20_000 });
    await clickOn(bob, byRecipient.name, 'file-cancel');
    await waitForStatus(bob, byRecipient.name, 'You cancelled it');
    await waitForStatus(alice, byRecipient.name, 'The other person cancelled it');
    assert.equal(await offeredToSave(bob, byRecipient.name), false);
    await waitForEvent(alice.page, 'rtc-file-transfer', {
      transfer: { name: byRecipient.name, phase: 'cancelled', problem: 'cancelled-by-peer' },
    });
  });
});
