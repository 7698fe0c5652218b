/// <reference types="mocha" />
/**
 * The group call UI on real Sessions and the real backend: the people list's start and join
 * buttons, the tiles as people join and leave, the room chat.
 */
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/components/group-call/group-call.js';
import '../../src/components/peer-list/peer-list.js';
import '../../src/components/room-chat/room-chat.js';
import '../../src/rtc-call/rtc-call.js';
import type { RtcCall } from '../../src/rtc-call/rtc-call.js';
import { backendOrigin, newUser } from '../support/backend.js';
import type { RtcGroupCall } from '../../src/components/group-call/group-call.js';
import type { RtcPeerList } from '../../src/components/peer-list/peer-list.js';
import type { RtcRoomChat } from '../../src/components/room-chat/room-chat.js';
import { disposeSessions, findPart, part, parts, signedIn, until, waitForState, type SignedIn } from './helpers.js';

async function threeInARoom(): Promise<{ people: SignedIn[]; roomId: string }> {
  const ada = await signedIn('Ada UI');
  const bob = await signedIn('Bob UI');
  const cy = await signedIn('Cy UI');
  const invite = (await ada.session.createRoom('UI room'))!;
  const roomId = invite.room.id;
  for (const p of [bob, cy]) await p.session.openInvite(invite.code);
  for (const p of [ada, bob, cy]) {
    await waitForState(p.session, (s) => s.room === roomId && (s.roomPeers[roomId]?.length ?? 0) >= 2, `${p.user.user.name} in the room`);
  }
  return { people: [ada, bob, cy], roomId };
}

describe('group call UI on real sessions', () => {
  afterEach(disposeSessions);

  it('start from the list, join from the list, tiles follow joins and leaves, room chat', async () => {
    const { people, roomId } = await threeInARoom();
    const [ada, bob, cy] = people as [SignedIn, SignedIn, SignedIn];
    const box = await fixture<HTMLDivElement>(
      html`<div>
        <rtc-peer-list .session=${ada.session} id="ada-list"></rtc-peer-list>
        <rtc-group-call .session=${ada.session} id="ada-call"></rtc-group-call>
        <rtc-peer-list .session=${bob.session} id="bob-list"></rtc-peer-list>
        <rtc-group-call .session=${bob.session} id="bob-call"></rtc-group-call>
        <rtc-room-chat .session=${cy.session} room-id=${roomId} id="cy-chat"></rtc-room-chat>
        <rtc-room-chat .session=${ada.session} room-id=${roomId} id="ada-chat"></rtc-room-chat>
      </div>`,
    );
    const el = <T extends Element>(id: string) => box.querySelector(`#${id}`) as unknown as T;
    const adaList = el<RtcPeerList>('ada-list');
    const adaCall = el<RtcGroupCall>('ada-call');
    const bobList = el<RtcPeerList>('bob-list');
    const bobCall = el<RtcGroupCall>('bob-call');

    (await until('start button', () => part<HTMLButtonElement>(adaList, 'start-room-call'))).click();
    await until('Ada in her call', () => parts(adaCall, 'tile').length === 1);
    const text = await until('Bob sees the call on', () => part(bobList, 'room-call-text'));
    expect(text.textContent).to.match(/^Call on: Ada UI \(1 of \d\)$/);
    part<HTMLButtonElement>(bobList, 'join-call')!.click();
    await until('two tiles at Ada', () => parts(adaCall, 'tile').length === 2);
    await until(
      'Bob connected at Ada',
      () => adaCall.shadowRoot!.querySelector('[part~="tile"]:not([part~="tile-me"])')?.getAttribute('data-state') === 'connected',
    );
    await until('Ada hears of Bob', () => part(adaCall, 'group-status')!.textContent!.includes('Bob UI joined'));
    await until('two tiles at Bob', () => parts(bobCall, 'tile').length === 2);
    expect(part(bobList, 'room-call')!.textContent).to.contain('You are in this call.');
    await expect(adaCall).to.be.accessible({ ignoredRules: ['video-caption'] });

    // Ada rings Cy from her list; Cy's list shows the ring, and Cy joins from it with audio only.
    const cyList = await fixture<RtcPeerList>(html`<rtc-peer-list .session=${cy.session} .video=${false}></rtc-peer-list>`);
    const addCy = await until('add Cy', () =>
      parts<HTMLButtonElement>(adaList, 'add-to-call').find(
        (b) => b.closest('[part~="peer"]')!.getAttribute('data-peer-id') === cy.user.user.id,
      ),
    );
    addCy.click();
    const ring = await until('Cy rung', () => part(cyList, 'group-ring'));
    expect(ring.textContent).to.contain('Ada UI asks you to join the call');
    part<HTMLButtonElement>(cyList, 'group-ring-join')!.click();
    await until('three tiles at Bob', () => parts(bobCall, 'tile').length === 3);
    const cyTile = await until('Cy camera-off at Bob', () =>
      parts(bobCall, 'tile').find((t) => t.querySelector('[part~="tile-camera-off"]')),
    );
    expect(cyTile.querySelector('[part~="tile-name"]')!.textContent).to.contain('Cy UI');

    // Room chat, from Cy's panel to Ada's.
    const cyChat = el<RtcRoomChat>('cy-chat');
    part<HTMLInputElement>(cyChat, 'room-chat-input')!.value = 'hello all';
    part<HTMLButtonElement>(cyChat, 'room-chat-send')!.click();
    const message = await until('Ada reads Cy', () => parts(el('ada-chat'), 'room-message-theirs').at(-1));
    expect(message.textContent).to.contain('Cy UI').and.contain('hello all');

    // Bob leaves with the button: Ada carries on with Cy.
    part<HTMLButtonElement>(bobCall, 'leave')!.click();
    await until('Bob gone at Ada', () => parts(adaCall, 'tile').length === 2);
    await until('Ada hears Bob left', () => part(adaCall, 'group-status')!.textContent!.includes('Bob UI left'));
    await until('Bob call closed', () => !part(bobCall, 'group-call'));
    await until('Bob offered to join again', () => part(bobList, 'join-call'));
    await ada.session.leaveGroupCall();
    await cy.session.leaveGroupCall();
  });

  it('<rtc-call>: a group call takes the stage, through parts only', async () => {
    const box = await fixture<HTMLDivElement>(
      html`<div><rtc-call server=${backendOrigin()}></rtc-call><rtc-call server=${backendOrigin()}></rtc-call></div>`,
    );
    const [ada, bob] = [...box.querySelectorAll('rtc-call')] as RtcCall[];
    // Each creates its session once the lazily loaded engine has arrived.
    await Promise.all([ada!.updateComplete, bob!.updateComplete]);
    const users = [await newUser('Ada Root Group'), await newUser('Bob Root Group')];
    for (const [i, el] of [ada!, bob!].entries()) {
      await el.session!.signIn(users[i]!.email, users[i]!.password);
      await waitForState(el.session!, (s) => s.connection === 'online', 'online');
    }
    const invite = (await ada!.session!.createRoom('Root group room'))!;
    await bob!.session!.openInvite(invite.code);
    for (const el of [ada!, bob!]) {
      await waitForState(
        el.session!,
        (s) => s.room === invite.room.id && (s.roomPeers[invite.room.id]?.length ?? 0) === 1,
        'sees the other in the room',
      );
    }
    (await until('start', () => findPart(ada!, 'start-room-call'))).click();
    await until('Ada on the group stage', () => findPart(ada!, 'group-call'));
    expect(findPart(ada!, 'precall-toggle'), 'no pre-call check during a group call').to.equal(null);
    expect(findPart(ada!, 'room-chat'), 'the room chat beside the call').to.not.equal(null);
    (await until('join', () => findPart(bob!, 'join-call'))).click();
    await until('two tiles at Bob', () => (findPart(bob!, 'grid')?.querySelectorAll('[part~="tile"]').length ?? 0) === 2);
    findPart(bob!, 'leave')!.click();
    await until('Bob off the group stage', () => !findPart(bob!, 'group-call'));
    await until('one tile at Ada', () => findPart(ada!, 'grid')?.querySelectorAll('[part~="tile"]').length === 1);
    findPart(ada!, 'leave')!.click();
    await until('Ada off the group stage', () => !findPart(ada!, 'group-call'));
  });
});
