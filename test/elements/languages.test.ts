/// <reference types="mocha" />
/**
 * Languages in real browsers: which language `<rtc-call>` speaks (its `lang`, then `<html lang>`,
 * then the browser), one language per page with several widgets, right to left in Arabic, the
 * elements inside following a switch, dates and durations through Intl, and axe over the main
 * views (sign-in form, people list, chat, a call) in every language. The screenshots at desktop
 * and phone sizes are test/e2e/languages.test.ts (the built bundle, with its language chunks).
 */
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/rtc-call/rtc-call.js';
import type { RtcCall } from '../../src/rtc-call/rtc-call.js';
import { refreshLocale } from '../../src/components/localization.js';
import { chooseLocale } from '../../src/core/locale.js';
import { formatClockTime, formatDuration } from '../../src/core/formats.js';
import { templates as ar } from '../../src/generated/locales/ar.js';
import { templates as de } from '../../src/generated/locales/de.js';
import { templates as es } from '../../src/generated/locales/es.js';
import { templates as fr } from '../../src/generated/locales/fr.js';
import { backendOrigin, newUser } from '../support/backend.js';
import { disposeSessions, findPart, signedIn, type, until, waitForState, type SignedIn } from './helpers.js';

type Templates = Record<string, unknown>;
const TRANSLATIONS: Record<string, Templates> = { ar, de, es, fr };
const LANGUAGES = ['en', 'de', 'fr', 'es', 'ar'] as const;

/** The plain translation of a catalogue entry in `lang` (English: `english`). */
function translation(lang: string, id: string, english: string): string {
  if (lang === 'en') return english;
  const text = TRANSLATIONS[lang]![id];
  if (typeof text !== 'string') throw new Error(`${id} has no plain translation in ${lang}`);
  return text;
}

/** A translated sentence with one placeholder, filled with `name` as the page shows it (the name in a `<bdi>`). */
function sentence(lang: string, id: string, name: string, english: (name: string) => string): string {
  if (lang === 'en') return english(name);
  const template = TRANSLATIONS[lang]![id] as { strings?: readonly string[] };
  if (!template.strings) throw new Error(`${id} has no placeholder in ${lang}`);
  return template.strings.join(name).trim();
}

const shownText = (el: RtcCall, part: string) => findPart(el, part)?.textContent?.trim();

/** The running CSS transitions in `root` and every shadow root inside it (document.getAnimations() stops at shadow roots in Chromium). */
function transitions(root: Document | ShadowRoot): Animation[] {
  const inside = [...root.querySelectorAll('*')].flatMap((el) => (el.shadowRoot ? transitions(el.shadowRoot) : []));
  return [...root.getAnimations().filter((animation) => animation instanceof CSSTransition), ...inside];
}

/** axe over the widget once its colour transitions have ended (a toggle caught mid-fade measured 1.42:1). */
async function expectAccessible(el: RtcCall): Promise<void> {
  await Promise.all(transitions(el.shadowRoot!).map((transition) => transition.finished.catch(() => undefined)));
  await expect(el).to.be.accessible();
}

/** Sets the widget's lang and waits until its frame shows that language. */
async function speak(el: RtcCall, lang: string): Promise<void> {
  el.lang = lang;
  await refreshLocale();
  const base = lang.split('-')[0]!;
  const title = translation(base, 'ui.root.title', 'Calls');
  await until(`${lang}: title "${title}"`, () => shownText(el, 'title') === title && findPart(el, 'base')!.lang === base);
}

describe('languages', () => {
  const pageLang = document.documentElement.getAttribute('lang');
  afterEach(async () => {
    disposeSessions();
    if (pageLang === null) document.documentElement.removeAttribute('lang');
    else document.documentElement.setAttribute('lang', pageLang);
  });

  it('speaks the lang attribute, then <html lang>, then the browser; de-AT is German', async () => {
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} lang="de-AT"></rtc-call>`);
    await speak(el, 'de-AT');
    expect(shownText(el, 'login-title')).to.equal(de['ui.login.signInTitle']);
    expect(shownText(el, 'submit')).to.equal(de['ui.login.signIn']);
    expect(el.dir).to.equal('ltr');
    // A refused name: the shared rule in German too, not the backend's English.
    findPart(el, 'mode-switch')!.click();
    type(await until('name field', () => findPart(el, 'name') as HTMLInputElement | null), 'Bob\u202Eevil');
    type(findPart(el, 'email') as HTMLInputElement, 'bob@example.test');
    type(findPart(el, 'password') as HTMLInputElement, 'a long enough password');
    findPart(el, 'submit')!.click();
    const problem = await until('name problem', () => findPart(el, 'error'));
    expect(problem.textContent!.trim()).to.equal(`Bitte wählen Sie einen anderen Namen: ${de['ui.login.nameRules.direction'] as string}.`);
    findPart(el, 'mode-switch')!.click();

    el.removeAttribute('lang');
    document.documentElement.setAttribute('lang', 'fr-CA');
    await refreshLocale();
    await until('French from <html lang>', () => shownText(el, 'login-title') === fr['ui.login.signInTitle']);

    document.documentElement.removeAttribute('lang');
    await refreshLocale();
    const browser = chooseLocale([navigator.languages]).language;
    const title = translation(browser, 'ui.login.signInTitle', 'Sign in to call');
    await until(`the browser's language (${browser})`, () => shownText(el, 'login-title') === title);
    await speak(el, 'en');
  });

  it('Arabic reads right to left: dir and computed direction rtl, the sign-in form in Arabic', async () => {
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()}></rtc-call>`);
    await speak(el, 'ar');
    expect(el.getAttribute('dir')).to.equal('rtl');
    expect(getComputedStyle(el).direction).to.equal('rtl');
    const form = findPart(el, 'login-form')!;
    expect(getComputedStyle(form).direction).to.equal('rtl');
    expect(shownText(el, 'login-title')).to.equal(ar['ui.login.signInTitle']);
    // The form's start edge is on the right: the email field's label starts there.
    const email = findPart(el, 'email')!;
    const formBox = form.getBoundingClientRect();
    const emailBox = email.getBoundingClientRect();
    expect(formBox.right - emailBox.right).to.be.below(formBox.width / 4);
    await speak(el, 'en');
    expect(el.getAttribute('dir')).to.equal('ltr');
  });

  it('one language per page: the first widget in document order with a lang decides, whatever order they connect in', async () => {
    const box = await fixture<HTMLDivElement>(
      html`<div><rtc-call server=${backendOrigin()} lang="fr"></rtc-call><rtc-call server=${backendOrigin()} lang="de"></rtc-call></div>`,
    );
    const [first, second] = [...box.querySelectorAll('rtc-call')] as RtcCall[];
    await refreshLocale();
    for (const el of [first!, second!]) {
      await until('French in both', () => shownText(el, 'login-title') === fr['ui.login.signInTitle']);
      expect(findPart(el, 'base')!.lang).to.equal('fr');
    }
    // A widget put in front decides now, though it connected last.
    const spanish = document.createElement('rtc-call') as RtcCall;
    spanish.setAttribute('server', backendOrigin());
    spanish.lang = 'es';
    box.prepend(spanish);
    await refreshLocale();
    for (const el of [spanish, first!, second!])
      await until('Spanish in all', () => shownText(el, 'login-title') === es['ui.login.signInTitle']);
    spanish.remove();
    await refreshLocale();
    await until('French again', () => shownText(second!, 'login-title') === fr['ui.login.signInTitle']);
    box.remove();
  });

  it('dates, times and durations follow the language: chat times, and Intl.DurationFormat gives the fallback’s words', async () => {
    expect(typeof (Intl as unknown as { DurationFormat?: unknown }).DurationFormat).to.equal('function');
    for (const lang of LANGUAGES) {
      for (const seconds of [15, 3_600, 86_400, 7 * 86_400, 30 * 86_400]) {
        expect(formatDuration(seconds, lang)).to.equal(formatDuration(seconds, lang, 'long', false), `${lang} ${seconds} s`);
      }
    }

    const user = await newUser('Lang Reader');
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()}></rtc-call>`);
    await el.session!.signIn(user.email, user.password);
    const other = await signedIn('Lang Writer');
    await waitForState(el.session!, (s) => s.peers.some((p) => p.id === other.user.user.id), 'writer online');
    await waitForState(other.session, (s) => s.peers.some((p) => p.id === user.user.id), 'reader online for the writer');
    await other.session.sendChat(user.user.id, 'Hallo');
    await waitForState(el.session!, (s) => (s.unread[other.user.user.id] ?? 0) > 0, 'unread');
    (await until('peer row', () => findPart(el, 'peer-select'))).click();
    const time = await until('message time', () => findPart(el, 'message-meta')?.querySelector('time'));
    const ts = Date.parse(time.dateTime);
    for (const lang of ['de', 'ar', 'en']) {
      await speak(el, lang);
      await until(`${lang} time`, () => findPart(el, 'message-meta')?.querySelector('time')?.textContent === formatClockTime(ts, lang));
    }
  });

  it('is accessible in every language, right to left included: sign-in form, people list, pre-call check, chat, a call and its Verify panel', async () => {
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()} ring-timeout="20000"></rtc-call>`);
    for (const lang of LANGUAGES) {
      await speak(el, lang);
      await expectAccessible(el);
    }

    const user = await newUser('Lang Axe');
    await el.session!.signIn(user.email, user.password);
    const other = await signedIn('Lang Other');
    await waitForState(el.session!, (s) => s.peers.some((p) => p.id === other.user.user.id), 'other online');
    await waitForState(other.session, (s) => s.peers.some((p) => p.id === user.user.id), 'user online for other');
    await other.session.sendChat(user.user.id, 'Hello there');
    await waitForState(el.session!, (s) => (s.unread[other.user.user.id] ?? 0) > 0, 'unread');
    const visitor: SignedIn = { session: el.session!, user };
    for (const lang of LANGUAGES) {
      await speak(el, lang);
      expect(shownText(el, 'sign-out')).to.equal(translation(lang, 'ui.root.signOut', 'Sign out'));
      // Sign-out's arrow points the way the text runs; the phone does not turn round.
      const mirrored = (part: string) =>
        getComputedStyle(findPart(el, part)!.querySelector('svg')!).transform === 'matrix(-1, 0, 0, 1, 0, 0)';
      expect(mirrored('sign-out')).to.equal(lang === 'ar');
      expect(mirrored('audio-call')).to.be.false;
      await expectAccessible(el);
    }

    // The pre-call check, with its verdict.
    findPart(el, 'precall-toggle')!.click();
    const verdict = await until(
      'verdict',
      () => {
        const shown = findPart(el, 'verdict');
        return shown?.getAttribute('data-verdict') ? shown : null;
      },
      30_000,
    );
    for (const lang of LANGUAGES) {
      await speak(el, lang);
      const said = translation(lang, `ui.precall.verdicts.${verdict.getAttribute('data-verdict')}`, '');
      if (lang !== 'en') expect(verdict.textContent!.trim()).to.contain(said);
      await expectAccessible(el);
    }
    findPart(el, 'precall-close')!.click();

    (await until('peer row', () => findPart(el, 'peer-select'))).click();
    await until('message', () => findPart(el, 'message'));
    for (const lang of LANGUAGES) {
      await speak(el, lang);
      // The translated sentence around the name, and the name still isolated in a <bdi>.
      const header = findPart(el, 'chat-header')!;
      expect(header.textContent!.trim()).to.equal(sentence(lang, 'ui.chat.title', 'Lang Other', (name) => `Chat with ${name}`));
      const name = header.querySelector('bdi')!;
      expect(name.textContent).to.equal('Lang Other');
      expect(getComputedStyle(name).unicodeBidi).to.equal('isolate');
      await expectAccessible(el);
    }

    setTimeout(() => el.call(other.user.user.id, { audio: true, video: true }));
    await waitForState(other.session, (s) => s.call?.phase === 'ringing', 'other rings');
    await other.session.accept();
    await waitForState(visitor.session, (s) => s.call?.phase === 'connected', 'connected');
    await until('hang-up button', () => findPart(el, 'hangup'));
    for (const lang of LANGUAGES) {
      await speak(el, lang);
      const hangup = findPart(el, 'hangup')!;
      expect(hangup.getAttribute('aria-label') ?? hangup.textContent?.trim()).to.equal(translation(lang, 'ui.controls.hangup', 'Hang up'));
      await expectAccessible(el);
    }
    // The Verify panel, its code laid out left to right whatever the language.
    findPart(el, 'verify-toggle')!.click();
    const code = await until('verify code', () => findPart(el, 'verify-code'));
    for (const lang of LANGUAGES) {
      await speak(el, lang);
      expect(getComputedStyle(code).direction).to.equal('ltr');
      expect(findPart(el, 'verify-confirm')!.textContent!.trim()).to.equal(
        translation(lang, 'ui.verify.confirm', 'They read the same code'),
      );
      await expectAccessible(el);
    }
    el.hangup();
    await waitForState(other.session, (s) => s.call?.phase === 'ended', 'other sees the hang-up');
  });
});
