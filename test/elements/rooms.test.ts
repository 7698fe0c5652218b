/// <reference types="mocha" />
/**
 * Rooms in the widget (PROTOCOL.md §4) against the real backend: the room switcher, the people
 * of the room shown, a guest marked as one, and the invites panel.
 */
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../src/components/peer-list/peer-list.js';
import '../../src/components/invites/invites.js';
import type { RtcPeerList } from '../../src/components/peer-list/peer-list.js';
import type { RtcInvites } from '../../src/components/invites/invites.js';
import type { Invite } from '../../src/protocol/index.js';
import type { Session } from '../../src/core/session.js';
import { texts } from '../../src/core/texts.js';
import { disposeSessions, newSession, part, parts, signedIn, type, until, waitForState, type SignedIn } from './helpers.js';

/** `owner` makes a group room; `member` joins it by its invite. Resolves with the room's id and invite. */
async function sharedRoom(owner: SignedIn, member: SignedIn, name: string): Promise<Invite> {
  const invite = (await owner.session.createRoom(name))!;
  expect(invite, `room ${name} made`).to.exist;
  await member.session.openInvite(invite.code);
  await waitForState(member.session, (s) => s.room === invite.room.id, `${name} joined and shown`);
  return invite;
}

const rowOf = (el: Element, name: string) => parts(el, 'peer').find((p) => p.textContent!.includes(name));

describe('rooms', () => {
  afterEach(disposeSessions);

  it('a visitor in two rooms switches between them; each room lists its own people with its online count', async () => {
    const ada = await signedIn('Ada Rooms');
    const bob = await signedIn('Bob Rooms');
    const cyd = await signedIn('Cyd Rooms');
    const team = await sharedRoom(ada, bob, 'Rooms Team');
    await waitForState(bob.session, (s) => s.roomPeers[team.room.id]?.includes(ada.user.user.id) ?? false, 'Bob sees Ada in the room');
    await waitForState(bob.session, (s) => s.roomPeers.lobby?.includes(cyd.user.user.id) ?? false, 'Bob sees Cyd in the lobby');

    const el = await fixture<RtcPeerList>(html`<rtc-peer-list .session=${bob.session}></rtc-peer-list>`);
    const select = part<HTMLSelectElement>(el, 'room-select')!;
    expect(select, 'the switcher').to.exist;
    expect(select.labels?.[0]?.textContent).to.equal(texts.ui.rooms.label);
    const options = [...select.options].map((o) => o.textContent!.trim());
    expect(options[0]).to.match(/^\u2068Lobby\u2069 \(\d+ online\)$/);
    expect(options).to.include(texts.ui.rooms.option('Rooms Team', 1));
    expect(select.value).to.equal(team.room.id);
    expect(rowOf(el, 'Ada Rooms'), 'Ada in the room').to.exist;
    expect(rowOf(el, 'Cyd Rooms'), 'Cyd is not in the room').to.be.undefined;

    select.value = 'lobby';
    select.dispatchEvent(new Event('change'));
    await waitForState(bob.session, (s) => s.room === 'lobby', 'lobby chosen');
    await el.updateComplete;
    expect(rowOf(el, 'Cyd Rooms'), 'Cyd in the lobby').to.exist;
    await expect(el).to.be.accessible();
  });

  it('the room chosen stays chosen across a reconnect', async () => {
    const ada = await signedIn('Ada Reconnect');
    const bob = await signedIn('Bob Reconnect');
    const team = await sharedRoom(ada, bob, 'Reconnect Team');
    // A token renewal opens a new connection (the engine's own reconnect path): it subscribes again,
    // the retained presence is replayed and the rooms are fetched again.
    const signaling = (bob.session as unknown as { signaling: { renewToken(t: string): void } }).signaling;
    const token = (bob.session as unknown as { auth: { token: string } }).auth.token;
    signaling.renewToken(token);
    await waitForState(bob.session, (s) => s.roomPeers[team.room.id]?.includes(ada.user.user.id) ?? false, 'Ada replayed');
    expect(bob.session.state.room).to.equal(team.room.id);
    expect(bob.session.state.rooms.map((r) => r.id)).to.include(team.room.id);
  });

  it('a guest shows as "guest" to the room, and sees only that room', async () => {
    const ada = await signedIn('Ada Host');
    const invite = (await ada.session.createRoom('Guest Room'))!;
    const guest = newSession();
    await guest.openInvite(invite.code);
    await waitForState(guest, (s) => s.invite?.phase === 'ready', 'preview');
    await guest.joinAsGuest('Gus Guest');
    await waitForState(guest, (s) => s.connection === 'online' && s.invite === null, 'guest online');
    expect(guest.state.user?.guest).to.equal(true);
    await waitForState(guest, (s) => s.peers.some((p) => p.id === ada.user.user.id), 'the guest sees Ada');
    expect(guest.state.rooms.map((r) => r.id)).to.deep.equal([invite.room.id]);

    ada.session.selectRoom(invite.room.id);
    await waitForState(ada.session, (s) => s.peers.some((p) => p.name === 'Gus Guest'), 'Ada sees the guest');
    const el = await fixture<RtcPeerList>(html`<rtc-peer-list .session=${ada.session}></rtc-peer-list>`);
    const row = rowOf(el, 'Gus Guest')!;
    expect(row.querySelector('[part~="guest-tag"]')?.textContent).to.equal(texts.ui.rooms.guest);
    expect(rowOf(el, 'Ada Host')).to.be.undefined;

    const panel = await fixture<RtcInvites>(html`<rtc-invites .session=${guest}></rtc-invites>`);
    expect(part(panel, 'invites'), 'guests cannot invite').to.be.null;
  });

  it('the invites panel makes a room with its link, a call-me link with options, and revokes', async () => {
    const ada = await signedIn('Ada Inviter');
    const el = await fixture<RtcInvites>(html`<rtc-invites .session=${ada.session}></rtc-invites>`);
    const details = part<HTMLDetailsElement>(el, 'invites')!;
    part(el, 'invites-toggle')!.click();
    await until('panel open', () => details.open);

    type(part<HTMLInputElement>(el, 'new-room-name')!, 'Panel Room');
    setTimeout(() => part(el, 'create-room')!.click());
    const created = await oneEvent(el, 'rtc-invite-created');
    expect(created.detail.invite.room.name).to.equal('Panel Room');
    expect(created.detail.link).to.equal(`${location.href.split('#')[0]}#rtc-invite=${created.detail.invite.code}`);
    await el.updateComplete;
    expect(part<HTMLInputElement>(el, 'invite-link')!.value).to.equal(created.detail.link);
    await waitForState(ada.session, (s) => s.room === created.detail.invite.room.id, 'the new room is shown');

    const maxUses = part<HTMLInputElement>(el, 'invite-max-uses')!;
    type(maxUses, '2');
    maxUses.dispatchEvent(new Event('change'));
    const expiry = part<HTMLSelectElement>(el, 'invite-expiry')!;
    expiry.value = '3600';
    expiry.dispatchEvent(new Event('change'));
    setTimeout(() => part(el, 'call-me')!.click());
    const personal = await oneEvent(el, 'rtc-invite-created');
    expect(personal.detail.invite.room.kind).to.equal('personal');
    expect(personal.detail.invite.maxUses).to.equal(2);
    expect(personal.detail.invite.expiresAt - Date.now()).to.be.within(3_500_000, 3_700_000);
    await el.updateComplete;
    const item = el.shadowRoot!.querySelector<HTMLElement>(`[data-code="${personal.detail.invite.code}"]`)!;
    expect(item.querySelector('[part~="invite-uses"]')!.textContent).to.equal(texts.ui.invites.uses(0, 2));
    expect(item.querySelector('[part~="invite-room"]')!.textContent).to.equal(texts.ui.rooms.myPersonal);

    item.querySelector<HTMLButtonElement>('[part~="revoke"]')!.click();
    await waitForState(ada.session, (s) => s.invites.find((i) => i.code === personal.detail.invite.code)?.revoked === true, 'revoked');
    await el.updateComplete;
    expect(item.querySelector('[part~="invite-expires"]')!.textContent).to.equal(texts.ui.invites.revoked);
    await expect(el).to.be.accessible();
  });

  it('the panel shows why a room could not be made', async () => {
    const ada = await signedIn('Ada Badname');
    const el = await fixture<RtcInvites>(html`<rtc-invites .session=${ada.session}></rtc-invites>`);
    part(el, 'invites-toggle')!.click();
    // Only invisible characters: the backend's name rule refuses it.
    type(part<HTMLInputElement>(el, 'new-room-name')!, '\u200b\u2800');
    setTimeout(() => part(el, 'create-room')!.click());
    const { detail } = await oneEvent(ada.session, 'error');
    expect(detail.scope).to.equal('rooms');
    expect(detail.code).to.equal('invalid_input');
    await until('error shown', () => part(el, 'error'));
  });

  it('site accounts see the rooms their token grants, and nobody outside them', async () => {
    const siteUser = async (sub: string, rooms: string[]) => {
      const { token } = (await (await fetch(`/__site/token?sub=${sub}&name=${sub}&rooms=${rooms.join(',')}`)).json()) as { token: string };
      const session = newSession() as Session;
      await session.signInWithSite({ token });
      await waitForState(session, (s) => s.connection === 'online' && s.rooms.length === rooms.length, `${sub} online in its rooms`);
      return session;
    };
    const tag = Date.now().toString(36);
    const [clinicA, clinicB] = [`clinic-a-${tag}`, `clinic-b-${tag}`];
    const doctor = await siteUser(`doc-${tag}`, [clinicA, clinicB]);
    const patient = await siteUser(`pat-${tag}`, [clinicA]);
    const other = await siteUser(`oth-${tag}`, [clinicB]);
    const doctorId = doctor.state.user!.id;
    await waitForState(patient, (s) => s.peers.some((p) => p.id === doctorId), 'the patient sees the doctor');
    await waitForState(doctor, (s) => (s.roomPeers[clinicA]?.length ?? 0) === 1 && (s.roomPeers[clinicB]?.length ?? 0) === 1, 'both rooms');
    expect(patient.state.peers.map((p) => p.id)).to.deep.equal([doctorId], 'nobody of clinic B');
    expect(patient.state.rooms.map((r) => r.id)).to.deep.equal([clinicA]);

    const el = await fixture<RtcPeerList>(html`<rtc-peer-list .session=${doctor}></rtc-peer-list>`);
    const select = part<HTMLSelectElement>(el, 'room-select')!;
    expect([...select.options].map((o) => o.value)).to.deep.equal([clinicA, clinicB]);
    expect(parts(el, 'peer').map((p) => p.dataset.peerId)).to.deep.equal([patient.state.user!.id]);
    select.value = clinicB;
    select.dispatchEvent(new Event('change'));
    await el.updateComplete;
    expect(parts(el, 'peer').map((p) => p.dataset.peerId)).to.deep.equal([other.state.user!.id]);
  });

  it('a call-me link: its guests see only its owner, the owner sees them all', async () => {
    const ada = await signedIn('Ada Doctor');
    const link = (await ada.session.createInvite('personal'))!;
    const guestOf = async (name: string) => {
      const guest = newSession();
      await guest.openInvite(link.code);
      await waitForState(guest, (s) => s.invite?.phase === 'ready', 'preview');
      await guest.joinAsGuest(name);
      await waitForState(guest, (s) => s.peers.some((p) => p.id === ada.user.user.id), `${name} sees Ada`);
      return guest;
    };
    const pat = await guestOf('Pat Patient');
    const sam = await guestOf('Sam Patient');
    const room = link.room.id;
    await waitForState(ada.session, (s) => (s.roomPeers[room]?.length ?? 0) === 2, 'Ada sees both patients');
    // Sam's presence reached Ada long ago; Pat would have had it by now too, were it delivered.
    expect(pat.state.peers.map((p) => p.id)).to.deep.equal([ada.user.user.id]);
    expect(sam.state.peers.map((p) => p.id)).to.deep.equal([ada.user.user.id]);
    expect(pat.state.rooms[0]?.kind).to.equal('personal');
  });
});
