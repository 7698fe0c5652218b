/// <reference types="mocha" />
/**
 * `rtc-chat` and messages while away (PROTOCOL.md §8): a message to someone offline is sent,
 * shown waiting with a button that takes it back, and one kept while the visitor was away is
 * marked "delivered later". The session is a fake holding the state; what the backend does is
 * tested in test/broker/offline-messages.test.ts and end to end in test/e2e/offline-messages.test.ts.
 */
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/components/chat/chat.js';
import type { RtcChat } from '../../src/components/chat/chat.js';
import type { ChatEntry } from '../../src/core/types.js';
import { texts } from '../../src/core/texts.js';
import { FakeSession, part, parts } from './helpers.js';

const entry = (id: string, over: Partial<ChatEntry>): ChatEntry => ({
  id,
  peerId: 'ada-1',
  fromMe: true,
  text: id,
  ts: Date.now(),
  delivery: 'sent',
  ...over,
});

describe('rtc-chat, messages while away', () => {
  it('to someone offline: the input stays usable and says they get it at sign-in', async () => {
    const sent: string[] = [];
    const session = new FakeSession({ peers: [], chats: {} }, { sendChat: async (_peer: string, text: string) => void sent.push(text) });
    const el = await fixture<RtcChat>(html`<rtc-chat .session=${session} peer-id="ada-1"></rtc-chat>`);
    const input = part<HTMLInputElement>(el, 'chat-input')!;
    expect(input.disabled).to.be.false;
    expect(input.placeholder).to.contain('they get your message when they sign in');
    input.value = 'for later';
    part(el, 'chat-send')!.click();
    await el.updateComplete;
    expect(sent).to.deep.equal(['for later']);
    await expect(el).to.be.accessible();
  });

  it('marks waiting, expired and delivered-later messages, and takes a waiting one back', async () => {
    const withdrawn: string[] = [];
    const session = new FakeSession(
      {
        peers: [],
        chats: {
          'ada-1': [
            entry('theirs-1', { fromMe: false, later: true, text: 'while you were away' }),
            entry('mine-1', { delivery: 'waiting', text: 'see you' }),
            entry('mine-2', { delivery: 'expired', text: 'too late' }),
          ],
        },
      },
      { withdrawChat: async (_peer: string, id: string) => void withdrawn.push(id) },
    );
    const el = await fixture<RtcChat>(html`<rtc-chat .session=${session} peer-id="ada-1"></rtc-chat>`);
    expect(part(el, 'message-later')!.textContent).to.equal(texts.ui.away.later);
    expect(part(el, 'message-waiting')!.textContent).to.equal(texts.ui.away.waiting);
    expect(parts(el, 'message-failed').map((p) => p.textContent)).to.deep.equal([texts.ui.away.expired]);
    const withdraw = parts(el, 'message-withdraw');
    expect(withdraw.length).to.equal(1);
    withdraw[0]!.click();
    await el.updateComplete;
    expect(withdrawn).to.deep.equal(['mine-1']);
    await expect(el).to.be.accessible();
  });

  it('signed out or reconnecting: nothing can be sent', async () => {
    const session = new FakeSession({ connection: 'reconnecting', peers: [], chats: {} });
    const el = await fixture<RtcChat>(html`<rtc-chat .session=${session} peer-id="ada-1"></rtc-chat>`);
    expect(part<HTMLInputElement>(el, 'chat-input')!.disabled).to.be.true;
    expect(part<HTMLButtonElement>(el, 'chat-send')!.disabled).to.be.true;
  });
});
