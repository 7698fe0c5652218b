/// <reference types="mocha" />
/**
 * Opening an invite link in `<rtc-call>` (PROTOCOL.md §4) against the real backend: as a guest,
 * signed in, after signing in instead, and links that cannot be used.
 */
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../src/rtc-call/rtc-call.js';
import type { RtcCall } from '../../src/rtc-call/rtc-call.js';
import { texts } from '../../src/core/texts.js';
import { backendOrigin, newUser } from '../support/backend.js';
import { disposeSessions, findPart, signedIn, type, until, waitForState } from './helpers.js';

const pageUrl = () => location.href.split('#')[0]!;

describe('invite links', () => {
  afterEach(() => {
    disposeSessions();
    history.replaceState(history.state, '', pageUrl());
  });

  it('signed out: the card names the room and its maker, and a guest joins with a name', async () => {
    const ada = await signedIn('Ada Linkmaker');
    const invite = (await ada.session.createRoom('Link Room'))!;
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} invite=${invite.code}></rtc-call>`);
    const title = await until(
      'the card',
      () => findPart(el, 'invite-title')?.textContent?.includes('Link Room') && findPart(el, 'invite-title'),
    );
    expect(title.textContent).to.contain('Link Room');
    expect(findPart(el, 'invite-from')!.textContent).to.contain('Ada Linkmaker');
    expect(findPart(el, 'sign-in-instead'), 'signing in stays one click away').to.exist;
    expect(findPart(el, 'login-form'), 'the guest form comes first').to.be.null;
    await expect(el).to.be.accessible();

    type(findPart(el, 'guest-name') as HTMLInputElement, 'Gil Guest');
    setTimeout(() => findPart(el, 'guest-join')!.click());
    const { detail } = await oneEvent(el, 'rtc-signed-in');
    expect(detail.user.guest).to.equal(true);
    expect(detail.user.name).to.equal('Gil Guest');
    await until('Ada in the guest’s list', () => findPart(el, 'peer')?.textContent?.includes('Ada Linkmaker'));
    expect(findPart(el, 'invite-card'), 'the card is gone once joined').to.be.null;
    expect(findPart(el, 'invites'), 'guests get no invites panel').to.be.null;
  });

  it('signed in: opening a link joins its room, shows it, and leaves the address bar clean', async () => {
    const ada = await signedIn('Ada Roommaker');
    const invite = (await ada.session.createRoom('Hash Room'))!;
    const bob = await newUser('Bob Linkopener');
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()}></rtc-call>`);
    await el.session!.signIn(bob.email, bob.password);
    await waitForState(el.session!, (s) => s.connection === 'online', 'Bob online');
    setTimeout(() => (location.hash = `#rtc-invite=${invite.code}`));
    const { detail } = await oneEvent(el, 'rtc-room-joined');
    expect(detail.room.id).to.equal(invite.room.id);
    await waitForState(el.session!, (s) => s.room === invite.room.id, 'the room is shown');
    const select = (await until('switcher', () => findPart(el, 'room-select'))) as HTMLSelectElement;
    expect(select.value).to.equal(invite.room.id);
    await until('Ada in the room', () => findPart(el, 'peer')?.textContent?.includes('Ada Roommaker'));
    expect(location.hash).to.equal('');
    expect(findPart(el, 'invites'), 'people with an account get the invites panel').to.exist;
  });

  it('signed out, "Sign in instead" signs in with an account and joins', async () => {
    const ada = await signedIn('Ada Insteadmaker');
    const invite = (await ada.session.createRoom('Instead Room'))!;
    const cyd = await newUser('Cyd Instead');
    history.replaceState(history.state, '', `${pageUrl()}#rtc-invite=${invite.code}`);
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()}></rtc-call>`);
    (await until('sign in instead', () => findPart(el, 'sign-in-instead'))).click();
    type((await until('email', () => findPart(el, 'email'))) as HTMLInputElement, cyd.email);
    type(findPart(el, 'password') as HTMLInputElement, cyd.password);
    setTimeout(() => findPart(el, 'submit')!.click());
    const { detail } = await oneEvent(el, 'rtc-room-joined');
    expect(detail.room.id).to.equal(invite.room.id);
    expect(el.session!.state.user?.guest).to.be.undefined;
    await until('address bar clean', () => location.hash === '');
  });

  it('on a backend of site accounts only, the guest form offers no "sign in instead"', async () => {
    const ada = await signedIn('Ada Siteonly');
    const invite = (await ada.session.createRoom('Site Room'))!;
    // The backend here has password accounts too; its preview is answered as one with ACCOUNTS=site would answer it.
    const realFetch = window.fetch;
    window.fetch = async (input, init) => {
      const response = await realFetch(input, init);
      if (!String(input instanceof Request ? input.url : input).endsWith(`/api/invites/${invite.code}`)) return response;
      const body = await response.json();
      return Response.json({ invite: { ...body.invite, passwords: false } }, { status: response.status });
    };
    try {
      const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} invite=${invite.code}></rtc-call>`);
      await until('the guest form', () => findPart(el, 'guest-name'));
      // Booleans, not the elements: a failure message that serialises a live element can hang the browser.
      expect(Boolean(findPart(el, 'sign-in-instead')), 'no password to sign in with').to.equal(false);
      expect(Boolean(findPart(el, 'login-form')), 'no sign-in form either').to.equal(false);
    } finally {
      window.fetch = realFetch;
    }
  });

  it('a revoked link says so, and the sign-in form stays', async () => {
    const ada = await signedIn('Ada Revoker');
    const invite = (await ada.session.createRoom('Revoked Room'))!;
    await ada.session.revokeInvite(invite.code);
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} invite=${invite.code}></rtc-call>`);
    const problem = await until('the problem', () => findPart(el, 'invite-problem'));
    expect(problem.textContent).to.equal(texts.errors.invite_revoked);
    expect(findPart(el, 'login-form')).to.exist;
    await expect(el).to.be.accessible();
    findPart(el, 'invite-dismiss')!.click();
    await until('card closed', () => !findPart(el, 'invite-card'));
  });

  it('a used-up link and an unknown one say so, each in its own words', async () => {
    const ada = await signedIn('Ada Usedup');
    const room = (await ada.session.createRoom('Used Room'))!;
    const once = (await ada.session.createInvite(room.room.id, { maxUses: 1 }))!;
    const bob = await signedIn('Bob Usedup');
    await bob.session.openInvite(once.code);
    await waitForState(bob.session, (s) => s.room === room.room.id, 'Bob used the one use');

    const used = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} invite=${once.code}></rtc-call>`);
    expect((await until('used up', () => findPart(used, 'invite-problem'))).textContent).to.equal(texts.errors.invite_used_up);

    const unknown = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} invite=${'Z'.repeat(22)}></rtc-call>`);
    expect((await until('not found', () => findPart(unknown, 'invite-problem'))).textContent).to.equal(texts.errors.invite_not_found);
  });
});
