/// <reference types="mocha" />
/**
 * The Verify panel of `rtc-call-controls` (issue #17): the code, "They read the same code", and
 * the warnings. With real sessions: both people see the same code; and, with a signalling path
 * that puts a man in the middle (two connections of its own, each with its own certificate),
 * the codes differ and the person verified in an earlier call shows the warning.
 */
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/components/call-controls/call-controls.js';
import type { RtcCallControls } from '../../src/components/call-controls/call-controls.js';
import { Session } from '../../src/core/session.js';
import { PeerLink } from '../../src/core/peer.js';
import type { CallLink, CallLinkOptions } from '../../src/core/call/call.js';
import type { CallVerification, SessionApi } from '../../src/core/types.js';
import { texts } from '../../src/core/texts.js';
import { plainText } from '../text-match.js';
import { backendOrigin, newUser } from '../support/backend.js';
import { FakeSession, connectedCall, disposeSessions, fakeCall, part, signedIn, waitForState, type SignedIn } from './helpers.js';

const verification = (overrides: Partial<CallVerification> = {}): CallVerification => ({
  code: '482 913 075',
  remoteFingerprint: 'AB:CD',
  transportMatches: true,
  trust: 'unverified',
  persistent: true,
  ...overrides,
});

async function controlsFor(session: SessionApi): Promise<RtcCallControls> {
  return fixture<RtcCallControls>(html`<rtc-call-controls .session=${session}></rtc-call-controls>`);
}

async function openVerify(el: RtcCallControls): Promise<void> {
  const toggle = part(el, 'verify-toggle')!;
  expect(toggle.getAttribute('aria-expanded')).to.equal('false');
  toggle.click();
  await el.updateComplete;
  expect(toggle.getAttribute('aria-expanded')).to.equal('true');
}

const textOf = (el: RtcCallControls, name: string) => plainText(part(el, name)?.textContent ?? '');

describe('rtc-call-controls: Verify', () => {
  afterEach(disposeSessions);

  it('shows the code and remembers the person when they read the same code', async () => {
    let marked = 0;
    const session: FakeSession = new FakeSession(
      { call: fakeCall({ verification: verification() }) },
      {
        markVerified: async () => {
          marked++;
          session.update({ call: fakeCall({ verification: verification({ trust: 'verified' }) }) });
        },
      },
    );
    const el = await controlsFor(session);
    expect(part(el, 'verify'), 'closed at first').to.be.null;
    expect(part(el, 'verify-warning')).to.be.null;
    await openVerify(el);
    expect(textOf(el, 'verify-code')).to.equal('482 913 075');
    await expect(el).to.be.accessible();
    part(el, 'verify-confirm')!.click();
    await el.updateComplete;
    expect(marked).to.equal(1);
    expect(part(el, 'verify-confirm')).to.be.null;
    expect(textOf(el, 'verify-status')).to.equal(plainText(texts.ui.verify.verified('Grace Fake')));
  });

  it('warns with the panel closed when a verified person’s connection changed', async () => {
    const session = new FakeSession({ call: fakeCall({ verification: verification({ trust: 'changed' }) }) });
    const el = await controlsFor(session);
    const warning = part(el, 'verify-warning')!;
    expect(warning.getAttribute('role')).to.equal('alert');
    expect(plainText(warning.textContent ?? '')).to.equal(plainText(texts.ui.verify.changed('Grace Fake')));
    await openVerify(el);
    // The code is there to read aloud again, and confirming it replaces what was remembered.
    expect(textOf(el, 'verify-code')).to.equal('482 913 075');
    expect(part(el, 'verify-confirm')).to.exist;
    await expect(el).to.be.accessible();
  });

  it('shows no code when the connection does not use the certificate it announced', async () => {
    const session = new FakeSession({ call: fakeCall({ verification: verification({ transportMatches: false }) }) });
    const el = await controlsFor(session);
    expect(plainText(part(el, 'verify-warning')!.textContent ?? '')).to.equal(plainText(texts.ui.verify.mismatch('Grace Fake')));
    await openVerify(el);
    expect(part(el, 'verify-code')).to.be.null;
    expect(part(el, 'verify-confirm')).to.be.null;
  });

  it('says when the other side never answered the exchange: no code, nothing to confirm', async () => {
    const session = new FakeSession({ call: fakeCall({ verification: verification({ code: null, problem: 'no-answer' }) }) });
    const el = await controlsFor(session);
    expect(Boolean(part(el, 'verify-warning')), 'no alarm: an older app is not an attack').to.equal(false);
    await openVerify(el);
    expect(textOf(el, 'verify-status')).to.equal(plainText(texts.ui.verify.noAnswer('Grace Fake')));
    expect(Boolean(part(el, 'verify-code'))).to.equal(false);
    expect(Boolean(part(el, 'verify-confirm'))).to.equal(false);
    await expect(el).to.be.accessible();
  });

  it('warns with the panel closed when the exchange was tampered with, and shows no code', async () => {
    const session = new FakeSession({ call: fakeCall({ verification: verification({ code: null, problem: 'broken-promise' }) }) });
    const el = await controlsFor(session);
    const warning = part(el, 'verify-warning')!;
    expect(warning.getAttribute('role')).to.equal('alert');
    expect(plainText(warning.textContent ?? '')).to.equal(plainText(texts.ui.verify.brokenPromise('Grace Fake')));
    await openVerify(el);
    expect(Boolean(part(el, 'verify-code'))).to.equal(false);
    expect(Boolean(part(el, 'verify-confirm'))).to.equal(false);
  });

  it('says when the browser cannot keep its identity, and while the connection is being read', async () => {
    const session = new FakeSession({ call: fakeCall({ verification: verification({ persistent: false }) }) });
    const el = await controlsFor(session);
    await openVerify(el);
    expect(textOf(el, 'verify-status')).to.equal(plainText(texts.ui.verify.notKept));
    session.update({ call: fakeCall() });
    await el.updateComplete;
    expect(plainText(part(el, 'verify')!.textContent ?? '')).to.include(texts.ui.verify.reading);
  });
});

/**
 * The signalling server in the middle, at the callee's end: the caller's offer is answered by a
 * connection of the server's own, and the callee gets the server's offer from a second one. Each
 * side runs a complete DTLS handshake with a certificate of the server's; nothing a browser checks
 * can tell. (Media is not bridged: the codes and the warning are what this is about.)
 */
function manInTheMiddle(options: CallLinkOptions): CallLink {
  const quiet = { iceServers: [], relayOnly: false, onRemoteStream: () => {}, onCondition: () => {} };
  const towardsCaller: PeerLink = new PeerLink({
    ...quiet,
    role: 'answerer',
    onDescription: options.onDescription,
    onCandidate: options.onCandidate,
  });
  let calleeOffered: Promise<void> = Promise.resolve();
  const towardsCallee: PeerLink = new PeerLink({
    ...quiet,
    role: 'offerer',
    onDescription: (d) => void (calleeOffered = callee.applyOffer(d.sdp)),
    onCandidate: (c) => void callee.addRemoteCandidate(c),
  });
  const callee: PeerLink = new PeerLink({
    ...options,
    onDescription: (d) => void towardsCallee.acceptAnswer(d.sdp),
    onCandidate: (c) => void towardsCallee.addRemoteCandidate(c),
  });
  const offered = towardsCallee.createOffer();
  // The server passes the verification exchange on between its two connections, unchanged.
  towardsCaller.verifyChannel.listen((text) => towardsCallee.verifyChannel.send(text));
  towardsCallee.verifyChannel.listen((text) => towardsCaller.verifyChannel.send(text));
  return {
    get connectionState() {
      return callee.connectionState;
    },
    createOffer: () => Promise.reject(new Error('the man in the middle only sits at the callee')),
    applyOffer: (sdp) => towardsCaller.applyOffer(sdp),
    prepareAnswer: () => towardsCaller.prepareAnswer(),
    answer: async () => {
      await towardsCaller.answer();
      await offered;
      await calleeOffered;
      await callee.answer();
    },
    handleOffer: (sdp) => towardsCaller.handleOffer(sdp),
    acceptAnswer: (sdp) => towardsCaller.acceptAnswer(sdp),
    addRemoteCandidate: (c) => towardsCaller.addRemoteCandidate(c),
    setTrack: (kind, track) => callee.setTrack(kind, track),
    restartIceNow: () => callee.restartIceNow(),
    dtlsFailed: () => callee.dtlsFailed(),
    silenceMs: () => callee.silenceMs(),
    relayProblem: () => null,
    stats: () => callee.stats(),
    qualitySample: () => callee.qualitySample(),
    identity: () => callee.identity(),
    verifyChannel: callee.verifyChannel,
    close() {
      for (const link of [callee, towardsCaller, towardsCallee]) link.close();
    },
  };
}

describe('rtc-call-controls: Verify with real calls', () => {
  const own: Session[] = [];
  afterEach(() => {
    disposeSessions();
    for (const s of own.splice(0)) s.dispose();
  });

  /** Someone signed in whose calls go through `createLink` (a man in the middle, when the test says so). */
  async function signedInThrough(name: string, createLink: (o: CallLinkOptions) => CallLink): Promise<SignedIn> {
    const user = await newUser(name);
    const session = new Session({ server: backendOrigin() }, { createLink });
    own.push(session);
    await session.signIn(user.email, user.password);
    await waitForState(session, (s) => s.connection === 'online', `${name} online`);
    return { session, user };
  }

  const verified = (who: SignedIn, what: string) =>
    waitForState(who.session, (s) => Boolean(s.call?.verification), what).then((s) => s.call!.verification!);

  it('honest signalling: both see the same code; then a man in the middle makes them differ and the warning shows', async () => {
    let attack = false;
    const ada = await signedIn('Ada Verify');
    const grace = await signedInThrough('Grace Verify', (o) => (attack ? manInTheMiddle(o) : new PeerLink(o)));
    await waitForState(ada.session, (s) => s.peers.some((p) => p.id === grace.user.user.id), 'Ada sees Grace');
    const el = await controlsFor(grace.session);

    await connectedCall(ada, grace);
    const [adaSees, graceSees] = await Promise.all([verified(ada, 'Ada reads the link'), verified(grace, 'Grace reads the link')]);
    expect(adaSees.code).to.match(/^\d{3} \d{3} \d{3}$/);
    expect(graceSees.code).to.equal(adaSees.code);
    expect(graceSees.transportMatches).to.equal(true);
    expect(graceSees.persistent, 'the certificate is kept in IndexedDB').to.equal(true);
    expect(graceSees.trust).to.equal('unverified');
    await el.updateComplete;
    await openVerify(el);
    expect(textOf(el, 'verify-code')).to.equal(adaSees.code);
    part(el, 'verify-confirm')!.click();
    await waitForState(grace.session, (s) => s.call?.verification?.trust === 'verified', 'Grace verified Ada');
    await el.updateComplete;
    expect(part(el, 'verify-status')).to.exist;

    grace.session.hangup();
    await waitForState(ada.session, (s) => s.call?.phase === 'ended', 'Ada sees the end');
    ada.session.dismissCall();
    grace.session.dismissCall();

    // The server now sits in the middle of the next call.
    attack = true;
    await connectedCall(ada, grace);
    const [adaNow, graceNow] = await Promise.all([verified(ada, 'Ada reads the link'), verified(grace, 'Grace reads the link')]);
    // Every check a browser makes passes: each side got the certificate it was told of.
    expect(adaNow.transportMatches).to.equal(true);
    expect(graceNow.transportMatches).to.equal(true);
    // But read aloud, the codes differ, and Grace is warned without opening anything.
    expect(graceNow.code).to.not.equal(adaNow.code);
    expect(graceNow.trust).to.equal('changed');
    await el.updateComplete;
    const warning = part(el, 'verify-warning')!;
    expect(warning.getAttribute('role')).to.equal('alert');
    expect(plainText(warning.textContent ?? '')).to.equal(plainText(texts.ui.verify.changed('Ada Verify')));
  });
});
