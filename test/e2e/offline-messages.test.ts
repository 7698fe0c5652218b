/**
 * Messages while away (issue #16) through the widget's UI, Chromium↔Chromium and
 * Chromium↔Firefox ESR: a chat to someone who just signed out waits with the backend, reaches
 * them at their next sign-in marked "delivered later" (and the sender sees it arrive); a reload
 * keeps the conversation, and signing out clears it. Someone offline whom the visitor wrote to
 * is under "Recently" in the people list, even after a reload, and a chat opened from there waits
 * for them too.
 */
import { it } from 'node:test';
import { mkdir } from 'node:fs/promises';
import { describeEachPair, E2E_TEST_TIMEOUT } from './support/suite.js';

const SHOTS = '/work/shots/away';

describeEachPair('messages while away', (suite, pair) => {
  it('delivered at the next sign-in marked later; a reload keeps it; signing out clears it', { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    const [alice, bob] = await suite.pair(t, pair);
    await alice.openChat(bob.name);
    await bob.signOut();
    await alice.waitPeerGone(bob.name);

    // Bob is away: the message waits with the backend, and Alice can see that it does.
    const text = `While you were away, ${bob.name}`;
    await alice.sendChat(text);
    await alice.part('message-waiting', { within: await alice.chatMessage(text) });
    if (pair[1] === 'firefox') {
      await mkdir(SHOTS, { recursive: true });
      await alice.page.screenshot({ path: `${SHOTS}/sender-waiting.png` });
    }

    // Bob's next sign-in brings it, marked "delivered later"; Alice's mark goes.
    await bob.signIn();
    await bob.part('unread', { within: await bob.peer(alice.name), text: '1' });
    await bob.openChat(alice.name);
    await bob.part('message-later', { within: await bob.chatMessage(text), text: 'Delivered later' });
    await alice.waitForNoPart('message-waiting');
    if (pair[1] === 'firefox') {
      await alice.page.screenshot({ path: `${SHOTS}/sender-delivered.png` });
      await bob.page.screenshot({ path: `${SHOTS}/recipient-delivered-later.png` });
    }

    // A reload keeps the conversation in this browser, for this user.
    await bob.page.reload({ waitUntil: 'load' });
    await bob.signIn();
    await bob.openChat(alice.name);
    await bob.part('message-later', { within: await bob.chatMessage(text) });

    // Signing out clears it: signed in again, the conversation is empty.
    await bob.signOut();
    await bob.signIn();
    await bob.openChat(alice.name);
    await bob.part('messages');
    await bob.waitForNoPart('message', { text });
  });

  it(
    'someone offline is under "Recently" after a reload; a chat opened there reaches them later',
    { timeout: E2E_TEST_TIMEOUT },
    async (t) => {
      const [alice, bob] = await suite.pair(t, pair);
      await alice.openChat(bob.name);
      const hello = `Hello ${bob.name}`;
      await alice.sendChat(hello);
      await bob.openChat(alice.name);
      await bob.chatMessage(hello);
      await bob.signOut();
      await alice.waitPeerGone(bob.name);

      // A reload closes the chat: the people list still offers Bob, as offline.
      await alice.page.reload({ waitUntil: 'load' });
      await alice.signIn();
      const recent = await alice.part('recent', { text: bob.name });
      await alice.click('recent-select', { within: recent });
      await alice.chatMessage(hello);
      const later = `Written while you were away, ${bob.name}`;
      await alice.sendChat(later);
      await alice.part('message-waiting', { within: await alice.chatMessage(later) });

      // Back online, Bob leaves "Recently" for the online list, and gets the message marked later.
      await bob.signIn();
      await alice.peer(bob.name);
      await alice.waitForNoPart('recent', { text: bob.name });
      await bob.openChat(alice.name);
      await bob.part('message-later', { within: await bob.chatMessage(later) });
    },
  );
});
