/**
 * Chat through the widget's UI, in Chromium↔Chromium and Chromium↔Firefox
 * ESR: both ways outside a call and during one, with markup shown as text
 * (never run), and the caller hanging up at the end.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { expectNoConnection } from './support/media-checks.js';
import { alertsShown, waitForEvent } from './support/page-hooks.js';
import { connectCall, type Person } from './support/person.js';
import { describeEachPair, E2E_TEST_TIMEOUT } from './support/suite.js';

const MARKUP = '<img src=x onerror=alert(1)>';

/** The message is shown with exactly this text, as text: no element was made from it. */
async function expectShownAsText(person: Person, text: string): Promise<void> {
  const message = await person.chatMessage(text);
  const shown = await person.page.evaluate((el: Element) => {
    const body = (window as unknown as { __e2eFindParts(n: string, r: Element): Element[] }).__e2eFindParts('message-text', el)[0];
    return { text: body?.textContent ?? null, elements: body ? body.querySelectorAll('*').length : -1 };
  }, message);
  assert.deepEqual(shown, { text, elements: 0 }, `${person.label}: message shown as plain text`);
}

describeEachPair('chat', (suite, pair) => {
  it('chat both ways outside and during a call, markup shown as text; the caller hangs up', { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    const [alice, bob] = await suite.pair(t, pair);

    // Outside a call.
    await alice.openChat(bob.name);
    await alice.sendChat(`Hello ${bob.name}`);
    await alice.chatMessage(`Hello ${bob.name}`);
    // Bob sees an unread count before opening the conversation.
    await bob.part('unread', { within: await bob.peer(alice.name), text: '1' });
    await bob.openChat(alice.name);
    await bob.chatMessage(`Hello ${bob.name}`);
    await waitForEvent(bob.page, 'rtc-chat-message', { message: { text: `Hello ${bob.name}`, fromMe: false } });
    await bob.sendChat(MARKUP);
    await expectShownAsText(alice, MARKUP);
    await expectShownAsText(bob, MARKUP);

    // During a call.
    await connectCall(alice, bob);
    await alice.openChat(bob.name);
    await alice.sendChat('Can you see me?');
    await bob.chatMessage('Can you see me?');
    await bob.sendChat(`Yes! ${MARKUP}`);
    await expectShownAsText(alice, `Yes! ${MARKUP}`);

    // Nothing the markup asked for ran, in either page.
    assert.deepEqual(await alertsShown(alice.page), []);
    assert.deepEqual(await alertsShown(bob.page), []);

    await alice.click('hangup');
    await bob.part('status', { text: `${alice.name} hung up` });
    await waitForEvent(bob.page, 'rtc-call-state', { call: { phase: 'ended', endReason: 'remote-hangup' } });
    await Promise.all([expectNoConnection(alice), expectNoConnection(bob)]);
    // The conversation stays after the call.
    await alice.chatMessage('Can you see me?');
  });
});
