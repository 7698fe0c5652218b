/// <reference types="mocha" />
/**
 * `<rtc-call>` signed in with the embedding site's own account (PROTOCOL.md §1, "Site accounts"),
 * against the real backend (ACCOUNTS=both, trusting the test site) and the test site's routes on
 * this page's origin (test/support/site-account.ts): `siteToken`, `token-url` with the visitor's
 * cookies, a session the backend ends, a refused token, and switching user.
 */
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../src/rtc-call/rtc-call.js';
import type { RtcCall } from '../../src/rtc-call/rtc-call.js';
import { RtcLogin } from '../../src/components/login/login.js';
import { texts } from '../../src/core/texts.js';
import { backendOrigin } from '../support/backend.js';
import { part, waitForState } from './helpers.js';

let counter = 0;
/** A site user id of its own per test, so tests never share a user. */
const siteUser = (label: string) => `${label}-${Date.now().toString(36)}-${++counter}`;

/** A site JWT signed by the test site's server. */
async function siteToken(sub: string, name: string, options: { wrongKey?: boolean } = {}): Promise<string> {
  const query = new URLSearchParams({ sub, name, ...(options.wrongKey && { wrongKey: '1' }) });
  const res = await fetch(`/__site/token?${query}`);
  return ((await res.json()) as { token: string }).token;
}

/** Counts sign-in forms put on the page, from now on. */
function countLoginForms() {
  const connected = RtcLogin.prototype.connectedCallback;
  let count = 0;
  RtcLogin.prototype.connectedCallback = function (this: RtcLogin) {
    count++;
    connected.call(this);
  };
  return {
    get count() {
      return count;
    },
    restore: () => (RtcLogin.prototype.connectedCallback = connected),
  };
}

/** Records the widget's requests, and the backend tokens POST /api/session answered. */
function watchFetch() {
  const original = window.fetch;
  const urls: string[] = [];
  const sessionTokens: string[] = [];
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const res = await original(input, init);
    const url = String(input instanceof Request ? input.url : input);
    urls.push(url);
    if (url.endsWith('/api/session') && res.ok) sessionTokens.push(((await res.clone().json()) as { token: string }).token);
    return res;
  };
  return { urls, sessionTokens, restore: () => (window.fetch = original) };
}

/** Ends a backend session as a sign-out elsewhere would (the broker closes its connections). */
async function revoke(token: string): Promise<void> {
  const res = await fetch(`${backendOrigin()}/api/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  expect(res.status).to.equal(204);
}

function setSiteCookies(sub: string, name: string): void {
  document.cookie = `rtc_site_user=${sub}; path=/`;
  document.cookie = `rtc_site_name=${encodeURIComponent(name)}; path=/`;
}

function clearSiteCookies(): void {
  document.cookie = 'rtc_site_user=; path=/; max-age=0';
  document.cookie = 'rtc_site_name=; path=/; max-age=0';
}

async function online(el: RtcCall, what: string) {
  return waitForState(el.session!, (s) => s.connection === 'online', what);
}

describe('rtc-call with a site account', () => {
  let forms: ReturnType<typeof countLoginForms>;
  let requests: ReturnType<typeof watchFetch>;
  beforeEach(() => {
    forms = countLoginForms();
    requests = watchFetch();
  });
  afterEach(() => {
    forms.restore();
    requests.restore();
    clearSiteCookies();
    document.querySelectorAll('rtc-call').forEach((el) => el.remove());
  });

  it('signs in with siteToken, never showing a sign-in form, and offers no sign-out of its own', async () => {
    const token = await siteToken(siteUser('ada'), 'Site Ada');
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} .siteToken=${token}></rtc-call>`);
    // Until the exchange answers: a line saying so, in place of the form.
    if (!el.session!.state.user) expect(part(el, 'site-sign-in')?.textContent).to.contain(texts.site.signingIn);
    const state = await online(el, 'signed in with the site token');
    expect(state.user?.name).to.equal('Site Ada');
    expect(state.user?.email).to.equal('');
    await el.updateComplete;
    expect(part(el, 'user-name')?.textContent).to.contain('Site Ada');
    expect(part(el, 'sign-out'), 'no sign-out button').to.equal(null);
    expect(forms.count, 'sign-in forms rendered').to.equal(0);
    // A credential: never reflected to an attribute.
    for (const name of el.getAttributeNames()) expect(el.getAttribute(name)).not.to.contain(token);
    await expect(el).to.be.accessible();
  });

  it('ignores a remembered password sign-in when the page gives a site token', async () => {
    sessionStorage.setItem(`rtc-call:token:${backendOrigin()}`, 'a.remembered.token');
    const token = await siteToken(siteUser('remembered'), 'Site Remembered');
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} remember-sign-in .siteToken=${token}></rtc-call>`);
    await online(el, 'signed in with the site token');
    expect(
      requests.urls.some((u) => u.endsWith('/api/token')),
      'no restore of the remembered token',
    ).to.equal(false);
    expect(forms.count).to.equal(0);
    sessionStorage.clear();
  });

  it('signs in from token-url with the visitor cookies, and says so clearly without them', async () => {
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} token-url="/__site/token-url"></rtc-call>`);
    const error = await oneEvent(el, 'rtc-error');
    expect(error.detail.code).to.equal('site_token_url_failed');
    await el.updateComplete;
    expect(part(el, 'error')?.textContent).to.contain(texts.site.notSignedIn);
    el.remove();

    setSiteCookies(siteUser('grace'), 'Grace From The Site');
    const signedIn = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} token-url="/__site/token-url"></rtc-call>`);
    const state = await online(signedIn, 'signed in from the token URL');
    expect(state.user?.name).to.equal('Grace From The Site');
    expect(requests.urls.filter((u) => u.endsWith('/__site/token-url'))).to.have.length(2);
    expect(forms.count).to.equal(0);
  });

  it('with token-url, gets a new session when the backend ends the old one, as the same user, without signing out', async () => {
    setSiteCookies(siteUser('renew'), 'Renewed Visitor');
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} token-url="/__site/token-url"></rtc-call>`);
    const before = await online(el, 'signed in');
    let signedOut = 0;
    el.addEventListener('rtc-signed-out', () => signedOut++);
    const fetchesBefore = requests.urls.filter((u) => u.endsWith('/__site/token-url')).length;
    await revoke(requests.sessionTokens.at(-1)!);
    await waitForState(el.session!, () => requests.sessionTokens.length === 2, 'a second exchange');
    const after = await online(el, 'back online');
    expect(after.user?.id).to.equal(before.user?.id);
    expect(requests.urls.filter((u) => u.endsWith('/__site/token-url')).length).to.equal(fetchesBefore + 1);
    expect(signedOut, 'no sign-out on the way').to.equal(0);
    expect(forms.count).to.equal(0);
  });

  it('with siteToken only, asks the page for a new token when the backend ends the session, and takes it', async () => {
    const token = await siteToken(siteUser('needs'), 'Needs Token');
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} .siteToken=${token}></rtc-call>`);
    const first = await online(el, 'signed in');
    setTimeout(() => void revoke(requests.sessionTokens.at(-1)!));
    const needed = await oneEvent(el, 'rtc-site-token-needed');
    expect(needed.detail.reason).to.equal('expired');
    await el.updateComplete;
    expect(part(el, 'site-sign-in'), 'a clear state, no form').to.not.equal(null);
    // The same token again (still valid): every assignment signs in, not only a changed value.
    el.siteToken = token;
    const again = await online(el, 'signed in again');
    expect(again.user?.id).to.equal(first.user?.id);
    expect(forms.count).to.equal(0);
  });

  it('shows a refused site token clearly, without a form', async () => {
    const bad = await siteToken(siteUser('bad'), 'Bad Key', { wrongKey: true });
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} .siteToken=${bad}></rtc-call>`);
    const { detail } = await oneEvent(el, 'rtc-error');
    expect(detail.code).to.equal('invalid_site_token');
    await el.updateComplete;
    expect(part(el, 'error')?.textContent).to.contain(texts.errors.invalid_site_token);
    expect(el.session!.state.user).to.equal(null);
    expect(forms.count).to.equal(0);
    await expect(el).to.be.accessible();
  });

  it('switches user when the page sets a site token of someone else', async () => {
    const el = await fixture<RtcCall>(
      html`<rtc-call server=${backendOrigin()} .siteToken=${await siteToken(siteUser('first'), 'First Person')}></rtc-call>`,
    );
    const first = await online(el, 'first signed in');
    expect(first.user?.name).to.equal('First Person');
    const second = await siteToken(siteUser('second'), 'Second Person');
    setTimeout(() => (el.siteToken = second));
    const { detail } = await oneEvent(el, 'rtc-signed-in');
    expect(detail.user.name).to.equal('Second Person');
    const state = await online(el, 'second online');
    expect(state.user?.id).to.not.equal(first.user?.id);
    await el.updateComplete;
    expect(part(el, 'user-name')?.textContent).to.contain('Second Person');
    expect(forms.count).to.equal(0);
  });

  it('signOut() ends a site sign-in and says so, without a form; token-url offers to sign in again', async () => {
    setSiteCookies(siteUser('leaves'), 'Leaving Visitor');
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} token-url="/__site/token-url"></rtc-call>`);
    await online(el, 'signed in');
    await el.signOut();
    await el.updateComplete;
    expect(part(el, 'site-sign-in')?.textContent).to.contain(texts.site.signedOut);
    expect(forms.count).to.equal(0);
    part(el, 'sign-in-again')!.click();
    await online(el, 'signed in again');
  });
});
