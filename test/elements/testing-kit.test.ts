/// <reference types="mocha" />
/**
 * The testing kit's @open-wc/testing fixtures (testing/open-wc.ts, shipped as
 * `rtc-call/testing/open-wc`), against the backend the kit's plugin started
 * for this run (web-test-runner.config.mjs).
 */
import { expect } from '@open-wc/testing';
import '../../src/rtc-call/rtc-call.js';
import { newTestUser, rtcCallFixture, session, testBackendOrigin } from '../../testing/open-wc.js';
import { findPart, until } from './helpers.js';

describe('testing kit: @open-wc fixtures', () => {
  it('mounts <rtc-call> against the run’s backend, in English, with the given attributes', async () => {
    const el = await rtcCallFixture({ 'ring-timeout': '3000', 'remember-sign-in': true, video: false });
    expect(el.getAttribute('server')).to.equal(testBackendOrigin());
    expect(el.getAttribute('lang')).to.equal('en');
    expect(el.getAttribute('ring-timeout')).to.equal('3000');
    expect(el.hasAttribute('remember-sign-in')).to.equal(true);
    expect(el.hasAttribute('video')).to.equal(false);
    await until('the sign-in form', () => findPart(el, 'login-form'));
  });

  it('session() signs a fresh account in and online; the widget shows it', async () => {
    const el = await rtcCallFixture();
    const { session: engine, user } = await session(el);
    expect(engine.state.connection).to.equal('online');
    expect(engine.state.user?.id).to.equal(user.id);
    await until('the sign-out button', () => findPart(el, 'sign-out'));
    expect(findPart(el, 'login-form')).to.equal(null);
  });

  it('session() with an account of the test’s own; two fixtures see each other', async () => {
    const ada = await newTestUser({ name: 'Ada Kit' });
    const first = await rtcCallFixture();
    await session(first, ada);
    const second = await rtcCallFixture();
    const { user: other } = await session(second);
    await until('Ada in the other widget’s people list', () => second.session?.state.peers.some((p) => p.id === ada.id));
    await until('the other in Ada’s people list', () => first.session?.state.peers.some((p) => p.id === other.id));
  });

  it('a wrong password is refused with the backend’s error', async () => {
    const el = await rtcCallFixture();
    const user = await newTestUser();
    let error: unknown;
    try {
      await session(el, { ...user, password: 'not the password' });
    } catch (e) {
      error = e;
    }
    expect(error, 'session() rejects').to.be.instanceOf(Error);
  });
});
