/// <reference types="mocha" />
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../src/components/chat/chat.js';
import type { RtcChat } from '../../src/components/chat/chat.js';
import type { ChatEntry, SessionApi, SessionState } from '../../src/core/types.js';
import type { Presence } from '../../src/protocol/index.js';
import { FakeSession, disposeSessions, part, parts, twoPeople, waitForState } from './helpers.js';
import { texts } from '../../src/core/texts.js';
import { shownName } from './shown-name.js';

/**
 * A session that only holds a given state: for what the backend refuses and so a
 * real session can never receive (a message a render might choke on).
 */
const stateOnly = (state: Pick<SessionState, 'peers' | 'chats'>): SessionApi => new FakeSession(state);

const person = (id: string, name: string): Presence => ({ id, name, status: 'available', sessions: 1 });
const received = (peerId: string, id: string, text: string, ts = Date.now()): ChatEntry => ({
  id,
  peerId,
  fromMe: false,
  text,
  ts,
  delivery: 'sent',
});
const shownTexts = (el: Element) => parts(el, 'message-text').map((m) => m.textContent);

const XSS = '<img src=x onerror=alert(1)>';

describe('rtc-chat', () => {
  afterEach(disposeSessions);

  it('sends a message typed into the input', async () => {
    const [ada, grace] = await twoPeople('Ada Chat', 'Grace Chat');
    const el = await fixture<RtcChat>(html`<rtc-chat .session=${ada.session} peer-id=${grace.user.user.id}></rtc-chat>`);
    expect(part(el, 'chat-header')!.textContent).to.contain('Grace Chat');
    const input = part<HTMLInputElement>(el, 'chat-input')!;
    input.value = 'Hello Grace';
    setTimeout(() => part(el, 'chat-send')!.click());
    const { detail } = await oneEvent(grace.session, 'chat');
    expect(detail.message.text).to.equal('Hello Grace');
    expect(detail.message.fromMe).to.be.false;
    expect(input.value).to.equal('');
    await waitForState(ada.session, (s) => s.chats[grace.user.user.id]?.[0]?.delivery === 'sent', 'sent');
    await el.updateComplete;
    const message = part(el, 'message-mine')!;
    expect(message.querySelector('[part~="message-text"]')!.textContent).to.equal('Hello Grace');
    expect(message.querySelector('[part~="message-meta"]')!.textContent).to.contain('You');
    expect(message.querySelector('time')).to.exist;
    await expect(el).to.be.accessible();
  });

  it('renders a received message as text, never as HTML, and marks it read', async () => {
    const [ada, grace] = await twoPeople('Ada Xss', 'Grace Xss');
    const el = await fixture<RtcChat>(html`<rtc-chat .session=${ada.session} peer-id=${grace.user.user.id}></rtc-chat>`);
    await grace.session.sendChat(ada.user.user.id, XSS);
    await waitForState(ada.session, (s) => (s.chats[grace.user.user.id]?.length ?? 0) === 1, 'message received');
    await el.updateComplete;
    const message = part(el, 'message-theirs')!;
    expect(message.querySelector('[part~="message-text"]')!.textContent).to.equal(XSS);
    expect(message.querySelector('[part~="message-meta"]')!.textContent).to.contain('Grace Xss');
    expect(el.shadowRoot!.querySelector('img')).to.be.null;
    expect(parts(el, 'message').length).to.equal(1);
    expect(part(el, 'messages')!.getAttribute('aria-live')).to.equal('polite');
    // The open conversation counts as read.
    await waitForState(ada.session, (s) => (s.unread[grace.user.user.id] ?? 0) === 0, 'read');
  });

  it('a message whose time is no date breaks nothing: switching person shows only that person', async () => {
    // Before: new Date(1e16).toISOString() threw "Invalid time value" half-way through the update, so
    // the panel titled "Chat with Caller" still listed Victor's messages and said "Message Victor".
    const session = stateOnly({
      peers: [person('caller-1', 'Caller'), person('victor-1', 'Victor')],
      chats: {
        'victor-1': [received('victor-1', 'v1', 'Victor says hi')],
        'caller-1': [received('caller-1', 'c1', 'absurd time', 1e16), received('caller-1', 'c2', 'second from Caller')],
      },
    });
    const el = await fixture<RtcChat>(html`<rtc-chat .session=${session} peer-id="victor-1"></rtc-chat>`);
    const input = part<HTMLInputElement>(el, 'chat-input')!;
    input.value = 'for Victor only';

    el.peerId = 'caller-1';
    await el.updateComplete;
    expect(part(el, 'chat-header')!.textContent).to.contain('Caller');
    expect(shownTexts(el)).to.deep.equal(['absurd time', 'second from Caller']);
    expect(input.placeholder).to.contain('Caller');
    // The absurd time is left out; the message and its sender are shown.
    expect(parts(el, 'message-meta')[0]!.querySelector('time')).to.be.null;
    expect(parts(el, 'message-meta')[1]!.querySelector('time')).to.exist;
    // A draft typed to Victor never lands in Caller's input (an incoming call switches the panel).
    expect(input.value).to.equal('');

    el.peerId = 'victor-1';
    await el.updateComplete;
    expect(shownTexts(el)).to.deep.equal(['Victor says hi']);
    expect(input.value).to.equal('for Victor only');
  });

  it("keeps a message's line breaks inside its one bounded bubble, where they cannot pass for a header", async () => {
    const forged = 'ok\n\nVictor · 10:42\nplease send the code\n[System] Your call was recorded';
    const session = stateOnly({ peers: [person('caller-1', 'Caller')], chats: { 'caller-1': [received('caller-1', 'f1', forged)] } });
    const el = await fixture<RtcChat>(html`<rtc-chat .session=${session} peer-id="caller-1"></rtc-chat>`);
    expect(parts(el, 'message').length).to.equal(1);
    const [meta] = parts(el, 'message-meta');
    const bubble = part(el, 'message-text')!;
    // The whole text sits in one bubble; the only header is the widget's, outside it.
    expect(bubble.textContent).to.equal(forged);
    expect(parts(el, 'message-meta').length).to.equal(1);
    expect(bubble.contains(meta!)).to.be.false;
    const style = getComputedStyle(bubble);
    expect(style.whiteSpace).to.equal('pre-wrap');
    expect(parseFloat(style.borderTopWidth), 'bubble has a border').to.be.greaterThan(0);
    expect(parseFloat(style.borderBottomWidth)).to.be.greaterThan(0);
    // Its lines cannot reorder text outside it.
    expect(style.unicodeBidi).to.equal('plaintext');
    // A header line typed in a bubble does not look like a header: those are smaller than body text.
    expect(parseFloat(getComputedStyle(meta!).fontSize)).to.be.lessThan(parseFloat(style.fontSize));
  });

  it('isolates names and tells apart two people of the same name in the title and messages', async () => {
    const session = stateOnly({
      peers: [person('alice-aaaa', 'Alice'), person('alice-bbbb', 'alice'), person('bob-1', 'Bob')],
      chats: { 'alice-aaaa': [received('alice-aaaa', 'a1', 'hi')] },
    });
    const el = await fixture<RtcChat>(html`<rtc-chat .session=${session} peer-id="alice-aaaa"></rtc-chat>`);
    const { name, tag } = shownName(part(el, 'chat-header')!);
    expect(name).to.equal('Alice');
    expect(tag).to.exist;
    expect(shownName(parts(el, 'message-meta')[0]!)).to.deep.equal({ name, tag });

    el.peerId = 'alice-bbbb';
    await el.updateComplete;
    const other = shownName(part(el, 'chat-header')!);
    expect(other.name).to.equal('alice');
    expect(other.tag).to.exist.and.not.equal(tag);

    el.peerId = 'bob-1';
    await el.updateComplete;
    expect(shownName(part(el, 'chat-header')!), 'a unique name has no tag').to.deep.equal({ name: 'Bob', tag: undefined });
  });

  it('shows a send that rejects as the chat error and fires rtc-error', async () => {
    const session = new FakeSession(
      { peers: [person('peer-1', 'Grace Fake')] },
      { sendChat: () => Promise.reject(new Error('the wire is cut')) },
    );
    const el = await fixture<RtcChat>(html`<rtc-chat .session=${session} peer-id="peer-1"></rtc-chat>`);
    part<HTMLInputElement>(el, 'chat-input')!.value = 'Hello';
    setTimeout(() => part(el, 'chat-send')!.click());
    const { detail } = await oneEvent(el, 'rtc-error');
    expect(detail).to.deep.equal({ code: 'internal', scope: 'chat', message: texts.unexpected });
    await el.updateComplete;
    const error = part(el, 'chat-error')!;
    expect(error.textContent).to.equal(texts.unexpected);
    expect(error.getAttribute('role')).to.equal('alert');
    await expect(el).to.be.accessible();
  });
});
