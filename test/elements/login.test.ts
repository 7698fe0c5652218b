/// <reference types="mocha" />
import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import '../../src/components/login/login.js';
import type { RtcLogin } from '../../src/components/login/login.js';
import type { SessionApi } from '../../src/core/types.js';
import { newUser } from '../support/backend.js';
import { FakeSession, disposeSessions, newSession, part, waitForState } from './helpers.js';
import { texts } from '../../src/core/texts.js';

async function typeInto(el: RtcLogin, name: string, value: string) {
  const input = part<HTMLInputElement>(el, name)!;
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
}

async function loginForm(session: SessionApi) {
  return fixture<RtcLogin>(html`<rtc-login .session=${session}></rtc-login>`);
}

describe('rtc-login', () => {
  afterEach(disposeSessions);

  it('renders the sign-in parts and switches to registering and back', async () => {
    const el = await loginForm(newSession());
    for (const name of ['login-form', 'email', 'password', 'submit', 'mode-switch']) {
      expect(part(el, name), name).to.exist;
    }
    expect(part(el, 'name')).to.be.null;
    expect(part(el, 'submit')!.textContent).to.contain('Sign in');

    part(el, 'mode-switch')!.click();
    await el.updateComplete;
    expect(el.mode).to.equal('register');
    expect(part(el, 'name')).to.exist;
    expect(part(el, 'submit')!.textContent).to.contain('Create account');
    expect(part<HTMLInputElement>(el, 'password')!.autocomplete).to.equal('new-password');

    part(el, 'mode-switch')!.click();
    await el.updateComplete;
    expect(el.mode).to.equal('sign-in');
    expect(part(el, 'name')).to.be.null;
  });

  it('is accessible in both modes', async () => {
    const el = await loginForm(newSession());
    await expect(el).to.be.accessible();
    el.mode = 'register';
    await el.updateComplete;
    await expect(el).to.be.accessible();
  });

  it('shows a clear error for a wrong password', async () => {
    const user = await newUser('Wrong Password');
    const session = newSession();
    const el = await loginForm(session);
    await typeInto(el, 'email', user.email);
    await typeInto(el, 'password', 'not the password');
    setTimeout(() => part(el, 'submit')!.click());
    await oneEvent(session, 'error');
    await el.updateComplete;
    const error = part(el, 'error')!;
    expect(error.textContent).to.contain('Wrong email or password');
    expect(error.closest('[role="alert"]')).to.exist;
    expect(session.state.user).to.be.null;
    await expect(el).to.be.accessible();
  });

  it('says the email is taken when registering an existing address', async () => {
    const user = await newUser('Taken Email');
    const session = newSession();
    const el = await loginForm(session);
    el.mode = 'register';
    await el.updateComplete;
    await typeInto(el, 'name', 'Someone Else');
    await typeInto(el, 'email', user.email);
    await typeInto(el, 'password', 'another long password');
    setTimeout(() => part(el, 'submit')!.click());
    await oneEvent(session, 'error');
    await el.updateComplete;
    expect(part(el, 'error')!.textContent).to.contain('already exists');
  });

  it('refuses a name that would forge text before sending it, then registers the corrected one', async () => {
    const session = newSession();
    const el = await loginForm(session);
    el.mode = 'register';
    await el.updateComplete;
    await typeInto(el, 'name', 'Bob\u202Eadmin si gnillac');
    await typeInto(el, 'email', `forge${Date.now().toString(36)}@example.test`);
    await typeInto(el, 'password', 'another long password');
    part(el, 'submit')!.click();
    await el.updateComplete;
    expect(part(el, 'error')!.textContent).to.equal(
      'Please choose another name: the name must not contain characters that change the text direction.',
    );
    expect(session.state.connection).to.equal('signed-out');

    await typeInto(el, 'name', '  Zoe\u0308   Bob ');
    part(el, 'submit')!.click();
    await waitForState(session, (s) => s.connection === 'online', 'registered and online');
    // Sent (and stored) normalised: NFC, spaces collapsed.
    expect(session.state.user!.name).to.equal('Zoë Bob');
  });

  it('says the server cannot be reached', async () => {
    // Port 9 (discard) is closed on the test machine: the request fails at the network level.
    const session = newSession({ server: 'http://127.0.0.1:9' });
    const el = await loginForm(session);
    await typeInto(el, 'email', 'nobody@example.test');
    await typeInto(el, 'password', 'whatever password');
    setTimeout(() => part(el, 'submit')!.click());
    await oneEvent(session, 'error');
    await el.updateComplete;
    expect(session.state.error?.code).to.equal('server_unreachable');
    expect(part(el, 'error')!.textContent).to.equal(texts.errors.server_unreachable);
  });

  it('registers through the form and signs the session in', async () => {
    const session = newSession();
    const el = await loginForm(session);
    part(el, 'mode-switch')!.click();
    await el.updateComplete;
    const email = `form${Date.now().toString(36)}@example.test`;
    await typeInto(el, 'name', 'Form Person');
    await typeInto(el, 'email', email);
    await typeInto(el, 'password', 'a long enough password');
    setTimeout(() => part(el, 'submit')!.click());
    const { detail } = await oneEvent(session, 'signed-in');
    expect(detail.user.name).to.equal('Form Person');
    expect(detail.user.email).to.equal(email);
    await waitForState(session, (s) => s.user !== null);
  });

  it('shows a sign-in that rejects as its error and fires rtc-error', async () => {
    // Rejects as the API client does: with a code and a sentence.
    const refusal = Object.assign(new Error('refused'), { code: 'invalid_credentials', status: 401 });
    const session = new FakeSession({ user: null, connection: 'signed-out' }, { signIn: () => Promise.reject(refusal) });
    const el = await loginForm(session);
    await typeInto(el, 'email', 'ada@example.test');
    await typeInto(el, 'password', 'not the password');
    setTimeout(() => part(el, 'submit')!.click());
    const { detail } = await oneEvent(el, 'rtc-error');
    expect(detail).to.deep.equal({ code: 'invalid_credentials', scope: 'auth', message: 'refused' });
    await el.updateComplete;
    expect(part(el, 'error')!.textContent).to.equal(texts.errors.invalid_credentials);
    await waitUntil(() => !part<HTMLButtonElement>(el, 'submit')!.disabled, 'the form is usable again');
  });
});
