/// <reference types="mocha" />
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../src/components/chat/chat.js';
import type { RtcChat } from '../../src/components/chat/chat.js';
import { disposeSessions, part, parts, twoPeople, waitForState } from './helpers.js';

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
});
