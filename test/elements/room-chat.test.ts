/// <reference types="mocha" />
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../src/components/chat/chat.js';
import '../../src/components/room-chat/room-chat.js';
import type { RtcRoomChat } from '../../src/components/room-chat/room-chat.js';
import type { ChatEntry } from '../../src/core/types.js';
import type { Room } from '../../src/protocol/index.js';
import { FakeSession, part, parts, until } from './helpers.js';

const TEAM: Room = { id: 'team-room', name: 'Team', kind: 'group', owner: 'visitor-1' };
const ADA = { id: 'user-ada', name: 'Ada Room', status: 'available' as const, sessions: 1 };

function entry(id: string, overrides: Partial<ChatEntry>): ChatEntry {
  return { id, peerId: ADA.id, fromMe: false, text: `text ${id}`, ts: Date.UTC(2026, 11, 1, 14, 0), delivery: 'sent', ...overrides };
}

async function chatFor(roomChats: Record<string, ChatEntry[]>, methods = {}) {
  const session = new FakeSession({ rooms: [TEAM], room: TEAM.id, peers: [ADA], roomChats }, methods);
  const el = await fixture<RtcRoomChat>(html`<rtc-room-chat .session=${session} room-id=${TEAM.id}></rtc-room-chat>`);
  return { session, el };
}

describe('rtc-room-chat', () => {
  it('shows the room messages with their senders, as text', async () => {
    const { session, el } = await chatFor({
      [TEAM.id]: [
        entry('1', { text: '<b>hello</b> team' }),
        entry('2', { fromMe: true, peerId: 'visitor-1' }),
        entry('3', { peerId: 'user-gone', name: 'Bo Gone' }),
        entry('4', { peerId: 'user-unknown' }),
      ],
    });
    expect(part(el, 'room-chat-header')!.textContent).to.equal('Chat in Team');
    const messages = parts(el, 'room-message');
    expect(messages.length).to.equal(4);
    expect(messages.map((m) => m.querySelector('[part~="room-message-meta"]')!.textContent!.split('·')[0]!.trim())).to.deep.equal([
      'Ada Room',
      'You',
      'Bo Gone',
      'Someone',
    ]);
    expect(messages[0]!.querySelector('[part~="room-message-text"]')!.textContent).to.equal('<b>hello</b> team');
    expect(messages[0]!.querySelector('b')).to.equal(null);
    expect(messages[1]!.getAttribute('part')).to.contain('room-message-mine');
    expect(part(el, 'room-messages')!.getAttribute('role')).to.equal('log');
    await expect(el).to.be.accessible();

    session.update({ roomChats: { [TEAM.id]: [...session.state.roomChats[TEAM.id]!, entry('5', { delivery: 'failed', fromMe: true })] } });
    await el.updateComplete;
    expect(parts(el, 'room-message').length).to.equal(5);
    expect(Boolean(part(el, 'room-message-failed'))).to.be.true;
  });

  it('sends to the room, and shows why a message from this panel failed', async () => {
    let fail = false;
    const { session, el } = await chatFor(
      {},
      {
        sendRoomChat(roomId: string, text: string) {
          session.calls.push({ method: 'sendRoomChat', args: [roomId, text] });
          return fail ? Promise.reject({ code: 'chat_failed', message: 'The message could not be sent.' }) : Promise.resolve();
        },
      },
    );
    expect(part(el, 'room-messages')!.textContent).to.contain('No messages in this room yet.');
    const input = part<HTMLInputElement>(el, 'room-chat-input')!;
    input.value = 'hello room';
    part<HTMLButtonElement>(el, 'room-chat-send')!.click();
    await until('sent', () => session.calls.length === 1);
    expect(session.calls[0]).to.deep.equal({ method: 'sendRoomChat', args: [TEAM.id, 'hello room'] });
    expect(input.value).to.equal('');

    fail = true;
    input.value = 'again';
    setTimeout(() => part<HTMLButtonElement>(el, 'room-chat-send')!.click());
    const { detail } = await oneEvent(el, 'rtc-error');
    expect(detail.code).to.equal('chat_failed');
    const error = await until('the error', () => part(el, 'room-chat-error'));
    expect(error.textContent).to.contain('could not be sent');
    await expect(el).to.be.accessible();
  });

  it("each chat shows its own errors: a room chat's not in the 1:1 chat, the 1:1 chat's not in the room chat", async () => {
    const session = new FakeSession({ rooms: [TEAM], room: TEAM.id, peers: [ADA], roomChats: {} });
    const box = await fixture<HTMLDivElement>(
      html`<div>
        <rtc-room-chat .session=${session} room-id=${TEAM.id}></rtc-room-chat>
        <rtc-chat .session=${session} peer-id=${ADA.id}></rtc-chat>
      </div>`,
    );
    const roomChat = box.querySelector('rtc-room-chat')!;
    const chat = box.querySelector('rtc-chat')!;
    session.update({ error: { code: 'chat_failed', scope: 'room-chat', message: 'The room message could not be sent.' } });
    await until('the room chat shows it', () => part(roomChat, 'room-chat-error'));
    await chat.updateComplete;
    expect(Boolean(part(chat, 'chat-error')), 'not in the 1:1 chat').to.be.false;

    session.update({ error: { code: 'chat_failed', scope: 'chat', message: 'The message to Ada could not be sent.' } });
    await until('the 1:1 chat shows it', () => part(chat, 'chat-error'));
    await until('gone from the room chat', () => !part(roomChat, 'room-chat-error'));
  });

  it('renders nothing for a room the visitor is not in', async () => {
    const session = new FakeSession({ rooms: [TEAM], room: TEAM.id });
    const el = await fixture<RtcRoomChat>(html`<rtc-room-chat .session=${session} room-id="elsewhere"></rtc-room-chat>`);
    expect(Boolean(part(el, 'room-chat'))).to.be.false;
  });
});
