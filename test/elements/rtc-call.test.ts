/// <reference types="mocha" />
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import '../../src/rtc-call/rtc-call.js';
import { RTC_CALL_OWN_PARTS, RTC_CALL_PARTS, type RtcCall } from '../../src/rtc-call/rtc-call.js';
import { backendOrigin, newUser } from '../support/backend.js';
import { disposeSessions, findPart, signedIn, type, until, waitForState } from './helpers.js';
import { texts } from '../../src/core/texts.js';

/** Every part the page can style through `rtc-call::part(...)`. */
const REQUIRED_PARTS = [
  'login-form',
  'name',
  'email',
  'password',
  'submit',
  'sign-out',
  'peer',
  'call-button',
  'incoming-call',
  'accept',
  'decline',
  'cancel',
  'hangup',
  'mic-toggle',
  'camera-toggle',
  'screen-toggle',
  'local-video',
  'remote-video',
  'chat',
  'chat-input',
  'chat-send',
  'message',
  'status',
  'error',
];

/** Parts reachable from the page: the root's own, plus those its children export. */
function exportedParts(root: RtcCall): Set<string> {
  const names = new Set<string>();
  const shadow = root.shadowRoot!;
  for (const el of shadow.querySelectorAll('[part]'))
    el.getAttribute('part')!
      .split(/\s+/)
      .forEach((p) => names.add(p));
  for (const el of shadow.querySelectorAll('[exportparts]')) {
    el.getAttribute('exportparts')!
      .split(',')
      .forEach((p) => names.add(p.trim().split(':').pop()!.trim()));
  }
  return names;
}

describe('rtc-call', () => {
  let style: HTMLStyleElement | undefined;
  afterEach(() => {
    style?.remove();
    style = undefined;
    disposeSessions();
  });

  it('re-exports every required part to the page', async () => {
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()}></rtc-call>`);
    const names = exportedParts(el);
    // Signed in, with a ringing outgoing call and the chat open, every inner element is on screen.
    const user = await newUser('Root Parts');
    await el.session!.signIn(user.email, user.password);
    await waitForState(el.session!, (s) => s.connection === 'online', 'online');
    const other = await signedIn('Root Parts Other');
    await waitForState(el.session!, (s) => s.peers.some((p) => p.id === other.user.user.id), 'other online');
    // The room's chat shows under the lobby's people while nothing else is open.
    await until('room chat', () => findPart(el, 'room-chat'));
    exportedParts(el).forEach((n) => names.add(n));
    // The pre-call check shows only while no call is on.
    (await until('precall-toggle', () => findPart(el, 'precall-toggle'))).click();
    await until('pre-call check', () => findPart(el, 'precall'));
    exportedParts(el).forEach((n) => names.add(n));
    await el.call(other.user.user.id);
    (await until('peer-select', () => findPart(el, 'peer-select'))).click();
    await until('chat and call stage', () => findPart(el, 'chat') && findPart(el, 'video-stage'));
    exportedParts(el).forEach((n) => names.add(n));
    for (const name of REQUIRED_PARTS) expect(names.has(name), `part ${name}`).to.be.true;
    // Every part of the elements inside is exported, whether or not it is on screen now.
    const own = new Set<string>(RTC_CALL_OWN_PARTS);
    for (const name of RTC_CALL_PARTS) if (!own.has(name)) expect(names.has(name), `exported part ${name}`).to.be.true;
    el.hangup();
  });

  it('lets a page stylesheet style rtc-call::part(submit)', async () => {
    style = document.createElement('style');
    style.textContent = 'rtc-call::part(submit) { background-color: rgb(1, 2, 3); } rtc-call { --rtc-radius: 3px; }';
    document.head.append(style);
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()}></rtc-call>`);
    const submit = await until('submit button', () => findPart(el, 'submit'));
    expect(getComputedStyle(submit).backgroundColor).to.equal('rgb(1, 2, 3)');
    expect(getComputedStyle(submit).borderTopLeftRadius).to.equal('3px');
    await expect(el).to.be.accessible();
  });

  it('shows the error of a wrong password', async () => {
    const user = await newUser('Root Wrong');
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()}></rtc-call>`);
    type(await until('email', () => findPart(el, 'email') as HTMLInputElement), user.email);
    type(findPart(el, 'password') as HTMLInputElement, 'wrong password!');
    setTimeout(() => findPart(el, 'submit')!.click());
    const { detail } = await oneEvent(el, 'rtc-error');
    expect(detail.code).to.equal('invalid_credentials');
    const error = await until('error shown', () => findPart(el, 'error'));
    expect(error.textContent).to.contain('Wrong email or password');
  });

  it('registers through the form, shows the people list, sees another user come online and calls them', async () => {
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} ring-timeout="20000"></rtc-call>`);
    (await until('mode switch', () => findPart(el, 'mode-switch'))).click();
    type(await until('name', () => findPart(el, 'name') as HTMLInputElement), 'Root Registrant');
    type(findPart(el, 'email') as HTMLInputElement, `root${Date.now().toString(36)}@example.test`);
    type(findPart(el, 'password') as HTMLInputElement, 'a long enough password');
    setTimeout(() => findPart(el, 'submit')!.click());
    const signedInEvent = await oneEvent(el, 'rtc-signed-in');
    expect(signedInEvent.detail.user.name).to.equal('Root Registrant');
    expect(signedInEvent.bubbles && signedInEvent.composed).to.be.true;
    await until('people list', () => findPart(el, 'peer-list'));
    expect(findPart(el, 'login-form')).to.be.null;
    expect(findPart(el, 'sign-out')).to.exist;
    // The visitor's own name is isolated like everyone else's.
    const ownName = findPart(el, 'user-name')!.querySelector('bdi')!;
    expect(ownName.textContent).to.equal('Root Registrant');
    expect(getComputedStyle(ownName).unicodeBidi).to.equal('isolate');

    const presence = new Promise<void>((resolve) => {
      el.addEventListener('rtc-presence', function check(e) {
        if (!e.detail.peers.some((p) => p.name === 'Root Other')) return;
        el.removeEventListener('rtc-presence', check);
        resolve();
      });
    });
    const other = await signedIn('Root Other');
    await presence;
    const row = await until(
      'Root Other in the list',
      () => findPart(el, 'peer')?.textContent?.includes('Root Other') && findPart(el, 'peer'),
    );
    expect(row.querySelector('[part~="peer-status"]')!.textContent).to.equal('Available');
    await expect(el).to.be.accessible();

    setTimeout(() => el.call(other.user.user.id));
    const callEvent = await oneEvent(el, 'rtc-call-state');
    expect(callEvent.detail.call.peer.id).to.equal(other.user.user.id);
    await waitForState(other.session, (s) => s.call?.phase === 'ringing', 'other rings');
    await until('cancel button', () => findPart(el, 'cancel'));
    el.hangup();
    await waitForState(other.session, (s) => s.call?.phase === 'ended', 'other sees the cancel');

    setTimeout(() => findPart(el, 'sign-out')!.click());
    const out = await oneEvent(el, 'rtc-signed-out');
    expect(out.detail.reason).to.equal('user');
    await until('login form again', () => findPart(el, 'login-form'));
  });

  it('fires rtc-incoming-call and shows the dialog with accept and decline', async () => {
    const user = await newUser('Root Callee');
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()}></rtc-call>`);
    await el.session!.signIn(user.email, user.password);
    await waitForState(el.session!, (s) => s.connection === 'online', 'online');
    const caller = await signedIn('Root Caller');
    await waitForState(caller.session, (s) => s.peers.some((p) => p.id === user.user.id), 'caller sees callee');
    setTimeout(() => caller.session.call(user.user.id, { audio: true, video: false }));
    const { detail } = await oneEvent(el, 'rtc-incoming-call');
    expect(detail.call.peer.name).to.equal('Root Caller');
    await until('dialog', () => findPart(el, 'incoming-call'));
    expect(findPart(el, 'accept')).to.exist;
    findPart(el, 'decline')!.click();
    const state = await waitForState(caller.session, (s) => s.call?.phase === 'ended', 'caller sees decline');
    expect(state.call!.endReason).to.equal('declined');
  });

  it('a call opens the chat with the other person on both sides', async () => {
    const [callerUser, calleeUser] = [await newUser('Root Chat Caller'), await newUser('Root Chat Callee')];
    const box = await fixture<HTMLDivElement>(
      html`<div><rtc-call server=${backendOrigin()}></rtc-call><rtc-call server=${backendOrigin()}></rtc-call></div>`,
    );
    const [caller, callee] = [...box.querySelectorAll('rtc-call')] as RtcCall[];
    // Each creates its session once the lazily loaded engine has arrived.
    await Promise.all([caller!.updateComplete, callee!.updateComplete]);
    await caller!.session!.signIn(callerUser.email, callerUser.password);
    await callee!.session!.signIn(calleeUser.email, calleeUser.password);
    await waitForState(caller!.session!, (s) => s.peers.some((p) => p.id === calleeUser.user.id), 'caller sees callee');
    // The person whose chat is open: the peer-id of the rtc-chat element holding the chat part.
    const openChat = (el: RtcCall) => {
      const panel = findPart(el, 'chat');
      return panel ? (panel.getRootNode() as ShadowRoot).host.getAttribute('peer-id') : null;
    };
    expect(findPart(caller!, 'chat')).to.be.null;
    caller!.call(calleeUser.user.id, { audio: true, video: false });
    await until('caller chat with the callee', () => openChat(caller!) === calleeUser.user.id);
    await until('callee chat with the caller', () => openChat(callee!) === callerUser.user.id);
    caller!.hangup();
    await waitForState(callee!.session!, (s) => s.call?.phase === 'ended', 'callee sees the cancel');
  });

  it('maps its attributes: relay-only and the hide-IP switch, video="false", remember-sign-in', async () => {
    const user = await newUser('Root Attributes');
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} relay-only video="false" remember-sign-in></rtc-call>`);
    expect(el.video).to.be.false;
    expect(el.session!.state.relayOnly).to.be.true;
    await el.session!.signIn(user.email, user.password);
    const other = await signedIn('Root Attributes Other');
    await waitForState(el.session!, (s) => s.peers.some((p) => p.id === other.user.user.id), 'other online');

    // Audio only: no video call button.
    await until('call button', () => findPart(el, 'audio-call'));
    expect(findPart(el, 'video-call')).to.be.null;

    const relayOnly = (await until('relay-only', () => findPart(el, 'relay-only'))).querySelector('input')!;
    expect(relayOnly.checked).to.be.true;
    relayOnly.click();
    await waitForState(el.session!, (s) => !s.relayOnly, 'hide IP off');

    // A new widget in the same tab signs in again from the remembered token.
    el.remove();
    const again = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} remember-sign-in></rtc-call>`);
    await waitForState(again.session!, (s) => s.user?.id === user.user.id, 'restored sign-in');
    await again.signOut();
  });

  it('Sign out ends the sign-in on the server too: a copy of its token stops working', async () => {
    const user = await newUser('Root Leaves');
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} remember-sign-in></rtc-call>`);
    await el.session!.signIn(user.email, user.password);
    await waitForState(el.session!, (s) => s.connection === 'online', 'online');
    // The widget's own token, as it keeps it for a reload (remember-sign-in).
    const token = sessionStorage.getItem(`rtc-call:token:${backendOrigin()}`)!;
    const me = async () => (await fetch(`${backendOrigin()}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status;
    expect(await me()).to.equal(200);

    setTimeout(() => findPart(el, 'sign-out')!.click());
    await oneEvent(el, 'rtc-signed-out');
    // The logout request goes out after the local sign-out; wait for the server to refuse the token.
    const start = Date.now();
    while ((await me()) !== 401) {
      if (Date.now() - start > 10_000) throw new Error('the token still works 10 s after Sign out');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('is accessible in the dark colour scheme too (contrast of the dark tokens)', async function () {
    // Media emulation is a CDP feature: Firefox (WebDriver BiDi) cannot switch colour schemes.
    if (navigator.userAgent.includes('Firefox')) this.skip();
    await emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' });
    try {
      const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()}></rtc-call>`);
      await expect(el).to.be.accessible();
      const user = await newUser('Root Dark');
      await el.session!.signIn(user.email, user.password);
      const other = await signedIn('Root Dark Other');
      await waitForState(el.session!, (s) => s.peers.some((p) => p.id === other.user.user.id), 'other online');
      await waitForState(other.session, (s) => s.peers.some((p) => p.id === user.user.id), 'user online for other');
      await other.session.sendChat(user.user.id, 'Hello in the dark');
      await waitForState(el.session!, (s) => (s.unread[other.user.user.id] ?? 0) > 0, 'unread');
      const row = await until('peer row', () => findPart(el, 'peer-select'));
      expect(getComputedStyle(findPart(el, 'base')!).backgroundColor).to.equal('rgb(20, 25, 34)');
      await expect(el).to.be.accessible();
      row.click();
      await until('message', () => findPart(el, 'message'));
      await expect(el).to.be.accessible();
    } finally {
      await emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
    }
  });

  it('shows a call that rejects in the banner and fires rtc-error on <rtc-call>', async () => {
    const user = await newUser('Root Rejected');
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()}></rtc-call>`);
    await el.session!.signIn(user.email, user.password);
    const other = await signedIn('Root Rejected Other');
    await waitForState(el.session!, (s) => s.peers.some((p) => p.id === other.user.user.id), 'other online');
    // A session promise that rejects (the real one reports its failures in its state instead).
    el.session!.call = () => Promise.reject(new Error('no calls today'));
    const button = await until('call button', () => findPart(el, 'audio-call'));
    setTimeout(() => button.click());
    const event = await oneEvent(el, 'rtc-error');
    expect(event.detail).to.deep.equal({ code: 'internal', scope: 'call', message: texts.unexpected });
    const banner = await until('banner', () => el.shadowRoot!.querySelector<HTMLElement>('.banner[part~="error"]'));
    expect(banner.textContent).to.contain(texts.unexpected);
    await expect(el).to.be.accessible();
    findPart(el, 'error-dismiss')!.click();
    await until('banner closed', () => !el.shadowRoot!.querySelector('.banner'));
  });

  it('shows media and call errors beside the call controls while a call is on the stage, in the banner otherwise', async () => {
    const user = await newUser('Root Media Error');
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} ring-timeout="20000"></rtc-call>`);
    await el.session!.signIn(user.email, user.password);
    const other = await signedIn('Root Media Error Other');
    await waitForState(el.session!, (s) => s.peers.some((p) => p.id === other.user.user.id), 'other online');
    const banner = () => el.shadowRoot!.querySelector<HTMLElement>('.banner[part~="error"]');
    // No call: the session's media error shows in the banner.
    await el.session!.startScreenShare();
    const { error } = await waitForState(el.session!, (s) => s.error?.scope === 'media', 'media error');
    expect((await until('banner', banner)).textContent).to.contain(error!.message);
    // A call on the stage (still ringing, so nothing to share yet): the error shows beside its controls, not in the banner.
    await el.call(other.user.user.id, { audio: true, video: false });
    await el.session!.startScreenShare();
    await waitForState(el.session!, (s) => s.error?.scope === 'media' && s.call?.phase === 'ringing', 'media error while ringing');
    const beside = await until('call-error', () => findPart(el, 'call-error'));
    expect(beside.textContent).to.equal(error!.message);
    expect(banner()).to.be.null;
    el.hangup();
  });
});
