/**
 * The built widget (dist/, with its language chunks) in every language at desktop and phone
 * sizes, in Chromium and in Firefox ESR: one page per browser whose `<rtc-call>` switches its
 * `lang`; for each language and size the sign-in form, the people list with a conversation, the
 * pre-call check and a call with its device settings open. Each view is checked before its screenshot is saved: the words shown are the XLIFF's
 * translations, the widget reads right to left in Arabic only, and nothing is wider than its
 * box (no container or button scrolls sideways, the page does not either).
 *
 * Screenshots go to $RTC_SHOTS_DIR (default test-results/e2e/shots/lang/, which CI keeps as an
 * artifact); they are evidence for people, never compared by the test.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BrowserName } from '../support/browsers.js';
import { readXliff, xliffText } from '../support/xliff.js';
import { connectCall, type Person } from './support/person.js';
import { e2eSuite, RESULTS_DIR } from './support/suite.js';
import type { HookedWindow } from './support/page-hooks.js';

const SHOTS_DIR = process.env.RTC_SHOTS_DIR ?? join(RESULTS_DIR, 'shots', 'lang');
const LANGUAGES = ['en', 'de', 'fr', 'es', 'ar'] as const;
const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;
const BROWSERS = (['chromium', 'firefox'] as const).filter(
  (name) => !process.env.RTC_BROWSERS || process.env.RTC_BROWSERS.split(',').includes(name),
);

/** What `lang` shows for a catalogue entry: the XLIFF's translation (English: its source), placeholders filled with `values`. */
function words(lang: string, id: string, values: readonly string[] = []): string {
  const unit = readXliff(lang === 'en' ? 'de' : lang).get(id);
  const text = lang === 'en' ? unit?.source : unit?.target;
  assert.ok(text, `${lang}: ${id} has no translation`);
  return xliffText(text, values);
}

/** The parts whose text each view must show, by catalogue entry. */
const VIEWS = {
  'sign-in': { 'login-title': 'ui.login.signInTitle', submit: 'ui.login.signIn', title: 'ui.root.title' },
  'people-and-chat': { title: 'ui.root.title', 'sign-out': 'ui.root.signOut', 'chat-send': 'ui.chat.send' },
  precall: { title: 'ui.root.title', 'precall-toggle': 'ui.precall.open' },
  call: { title: 'ui.root.title', hangup: 'ui.controls.hangup', status: 'call.status.connected', 'devices-toggle': 'ui.devices.toggle' },
} as const;

/** The other person's name, in the sentences that name them. */
const BOB = 'بشير';
type View = keyof typeof VIEWS;

/** Switches the page's widget to `lang` and waits until its title shows that language. */
async function speak(person: Person, lang: string): Promise<void> {
  await person.page.evaluate((l: string) => {
    document.querySelector('rtc-call')!.lang = l;
  }, lang);
  await person.part('title', { text: words(lang, 'ui.root.title') });
  await person.page.waitForFunction(
    (l: string) => (window as unknown as HookedWindow).__e2eFindParts('base')[0]?.getAttribute('lang') === l,
    { timeout: 10_000, polling: 50 },
    lang,
  );
}

interface Layout {
  direction: string;
  /** The visible texts of each part name (the header's connection status and a call's status line are both `status`). */
  texts: Record<string, string[]>;
  /** Containers and buttons wider inside than their box: "part or tag: scrollWidth > clientWidth". */
  overflowing: string[];
  pageScrollWidth: number;
  viewportWidth: number;
}

/** Reads, in the page, what the checks need: direction, the parts' texts, and what overflows. */
async function layout(person: Person, parts: readonly string[]): Promise<Layout> {
  return person.page.evaluate(
    (names: string[]) => {
      const w = window as unknown as HookedWindow;
      const widget = document.querySelector('rtc-call')!;
      const texts: Record<string, string[]> = {};
      for (const name of names)
        texts[name] = w
          .__e2eFindParts(name)
          .filter((el) => w.__e2eVisible(el))
          .map((el) => w.__e2eText(el).trim());
      const boxes = [
        'base',
        'header',
        'main',
        'sidebar',
        'stage',
        'login-form',
        'peer-list',
        'chat',
        'messages',
        'controls',
        'precall',
        'verdict',
      ].flatMap((n) => w.__e2eFindParts(n));
      const buttons: Element[] = [];
      const walk = (root: Document | ShadowRoot) => {
        buttons.push(...root.querySelectorAll('button'));
        root.querySelectorAll('*').forEach((el) => el.shadowRoot && walk(el.shadowRoot));
      };
      walk(widget.shadowRoot!);
      const overflowing = [...boxes, ...buttons]
        .filter((el) => w.__e2eVisible(el) && el.scrollWidth > el.clientWidth + 1)
        .map(
          (el) =>
            `${el.getAttribute('part') ?? el.tagName.toLowerCase()} "${w.__e2eText(el).trim().slice(0, 40)}": ${el.scrollWidth} > ${el.clientWidth}`,
        );
      return {
        direction: getComputedStyle(widget).direction,
        texts,
        overflowing,
        pageScrollWidth: document.documentElement.scrollWidth,
        viewportWidth: window.innerWidth,
      };
    },
    [...parts],
  );
}

/** Checks one view in one language and size, then saves its screenshot. */
async function checkAndShoot(person: Person, browser: BrowserName, view: View, lang: string, size: (typeof SIZES)[number]): Promise<void> {
  const expected = Object.fromEntries(Object.entries(VIEWS[view]).map(([part, id]) => [part, words(lang, id, [BOB])]));
  const seen = await layout(person, Object.keys(expected));
  const where = `${browser} ${view} ${lang} ${size.name}`;
  for (const [part, text] of Object.entries(expected))
    assert.ok(seen.texts[part]!.includes(text), `${where}: ${part} shows ${JSON.stringify(seen.texts[part])}, not ${JSON.stringify(text)}`);
  if (view === 'precall') {
    // The verdict in plain words, whichever this machine gets.
    const verdict = await person.part('verdict');
    const [kind, text] = await verdict.evaluate((el) => [
      el.getAttribute('data-verdict') ?? '',
      el.textContent!.replace(/\s+/g, ' ').trim(),
    ]);
    assert.ok(kind, `${where}: no verdict`);
    const said = words(lang, `ui.precall.verdicts.${kind}`);
    assert.ok(text?.startsWith(said), `${where}: the verdict reads ${JSON.stringify(text)}, not ${JSON.stringify(said)}…`);
  }
  assert.equal(seen.direction, lang === 'ar' ? 'rtl' : 'ltr', `${where}: direction`);
  assert.deepEqual(seen.overflowing, [], `${where}: nothing wider than its box`);
  assert.ok(
    seen.pageScrollWidth <= seen.viewportWidth,
    `${where}: the page scrolls sideways (${seen.pageScrollWidth} > ${seen.viewportWidth})`,
  );
  await person.page.screenshot({ path: join(SHOTS_DIR, `${browser}-${view}-${lang}-${size.name}.png`) });
}

/** Every language at every size for the view the page shows now; English last, as the page started. */
async function everyLanguage(person: Person, browser: BrowserName, view: View): Promise<void> {
  for (const size of SIZES) {
    await person.page.setViewport({ width: size.width, height: size.height });
    for (const lang of [...LANGUAGES.slice(1), 'en']) {
      await speak(person, lang);
      await checkAndShoot(person, browser, view, lang, size);
    }
  }
  await person.page.setViewport({ width: SIZES[0].width, height: SIZES[0].height });
}

for (const browser of BROWSERS) {
  describe(`languages, ${browser}`, () => {
    const suite = e2eSuite([browser]);

    it(
      'every language at desktop and phone sizes: translated, right to left in Arabic, nothing overflowing',
      { timeout: 240_000 },
      async (t) => {
        await mkdir(SHOTS_DIR, { recursive: true });
        const alice = await suite.open(t, browser, 'alice', { name: 'Alice Ångström' });
        const bob = await suite.open(t, browser, 'bob', { name: BOB });
        await alice.loginModeSignIn();
        await everyLanguage(alice, browser, 'sign-in');

        await Promise.all([alice.register(), bob.register()]);
        await alice.openChat(bob.name);
        await alice.sendChat('Hello! Shall we talk at 3?');
        await bob.openChat(alice.name);
        await bob.sendChat('مرحبا، نعم بالتأكيد');
        await alice.chatMessage('مرحبا');
        await everyLanguage(alice, browser, 'people-and-chat');

        await alice.click('precall-toggle');
        await alice.page.waitForFunction(
          () => (window as unknown as HookedWindow).__e2eFindParts('verdict')[0]?.getAttribute('data-verdict'),
          { timeout: 30_000, polling: 100 },
        );
        await everyLanguage(alice, browser, 'precall');
        await alice.click('precall-close');

        await connectCall(alice, bob);
        await alice.click('devices-toggle');
        await alice.part('device-settings');
        await everyLanguage(alice, browser, 'call');
        await alice.click('hangup');
      },
    );
  });
}
