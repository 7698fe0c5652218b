/**
 * The language rules (src/core/locale.ts) and the one home of dates, times, durations and counts
 * (src/core/formats.ts). Node 20 has no Intl.DurationFormat: the fallback is what runs here, and
 * it is held to the same words Chromium and Firefox give (test/elements/languages.test.ts runs
 * `formatDuration` in both browsers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseLocale, directionOf } from '../../src/core/locale.js';
import { durationParts, formatClockTime, formatCount, formatDateTime, formatDuration, formatList } from '../../src/core/formats.js';

const BROWSER = ['fr-CA', 'fr', 'en'];

test('the element’s lang comes first, then <html lang>, then the browser', () => {
  assert.deepEqual(chooseLocale(['de', 'es', BROWSER]), { language: 'de', formats: 'de' });
  assert.deepEqual(chooseLocale([null, 'es', BROWSER]), { language: 'es', formats: 'es' });
  assert.deepEqual(chooseLocale([null, null, BROWSER]), { language: 'fr', formats: 'fr-CA' });
});

test('a region variant maps to its base language and keeps its own formats', () => {
  assert.deepEqual(chooseLocale(['de-AT']), { language: 'de', formats: 'de-AT' });
  assert.deepEqual(chooseLocale(['EN-gb']), { language: 'en', formats: 'en-GB' });
  assert.deepEqual(chooseLocale(['ar-EG']), { language: 'ar', formats: 'ar-EG' });
  assert.deepEqual(chooseLocale(['es-419']), { language: 'es', formats: 'es-419' });
});

test('a language without a catalogue, an empty lang and a broken tag fall through to the next wish', () => {
  assert.deepEqual(chooseLocale(['pt-BR', 'de', BROWSER]), { language: 'de', formats: 'de' });
  assert.deepEqual(chooseLocale(['', '  ', 'es']), { language: 'es', formats: 'es' });
  assert.deepEqual(chooseLocale(['not a tag!', undefined, ['ja', 'ar']]), { language: 'ar', formats: 'ar' });
});

test('nothing the widget can speak gives English', () => {
  assert.deepEqual(chooseLocale([]), { language: 'en', formats: 'en' });
  assert.deepEqual(chooseLocale([null, 'ja', ['zh-CN', 'ko']]), { language: 'en', formats: 'en' });
});

test('several widgets: the first in document order with a language the widget speaks decides', () => {
  // localization.ts passes every widget's lang in document order before <html lang>.
  assert.equal(chooseLocale(['xx', 'fr', 'de', 'es', BROWSER]).language, 'fr');
});

test('Arabic and other right-to-left languages read right to left', () => {
  assert.equal(directionOf('ar'), 'rtl');
  assert.equal(directionOf('ar-EG'), 'rtl');
  assert.equal(directionOf('he'), 'rtl');
  for (const ltr of ['en', 'de', 'fr', 'es', 'en-GB']) assert.equal(directionOf(ltr), 'ltr');
});

// ---------------------------------------------------------------- formats

const NOON_UTC = Date.UTC(2026, 11, 1, 12, 5);

test('a chat time follows the locale’s clock', () => {
  const utc = (locale: string) => new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }).format(NOON_UTC);
  // The helper uses the browser's time zone; compare with Intl in the same zone, and check the clock style.
  assert.equal(formatClockTime(NOON_UTC, 'de'), new Intl.DateTimeFormat('de', { hour: '2-digit', minute: '2-digit' }).format(NOON_UTC));
  assert.equal(utc('de'), '12:05');
  assert.match(utc('en-US'), /^12:05\sPM$/);
  assert.match(formatClockTime(NOON_UTC, 'en-US'), /\s[AP]M$/);
  assert.doesNotMatch(formatClockTime(NOON_UTC, 'en-GB'), /[AP]M/);
});

test('an expiry date is written the locale’s way', () => {
  assert.match(formatDateTime(NOON_UTC, 'de'), /^0?[12]\.12\.2026, \d\d:\d\d$/);
  assert.match(formatDateTime(NOON_UTC, 'fr'), /^[12] déc\. 2026, \d\d:\d\d$/);
  assert.match(formatDateTime(NOON_UTC, 'en-US'), /^Dec [12], 2026, \d{1,2}:\d\d\s[AP]M$/);
});

test('durations split into days, hours, minutes and seconds', () => {
  assert.deepEqual(durationParts(3_600), { hours: 1 });
  assert.deepEqual(durationParts(30 * 86_400), { days: 30 });
  assert.deepEqual(durationParts(90.4), { minutes: 1, seconds: 30 });
  assert.deepEqual(durationParts(0), { seconds: 0 });
  assert.deepEqual(durationParts(-5), { seconds: 0 });
});

test('durations are words in the locale, without Intl.DurationFormat too', () => {
  // French puts a narrow no-break space between number and unit.
  const noDurationFormat = (seconds: number, locale: string) =>
    formatDuration(seconds, locale, 'long', false).replace(/[\u00A0\u202F]/g, ' ');
  assert.equal(noDurationFormat(3_600, 'en'), '1 hour');
  assert.equal(noDurationFormat(7 * 86_400, 'en'), '7 days');
  assert.equal(noDurationFormat(90, 'en'), '1 minute, 30 seconds');
  assert.equal(noDurationFormat(15, 'de'), '15 Sekunden');
  assert.equal(noDurationFormat(30 * 86_400, 'fr'), '30 jours');
  assert.equal(noDurationFormat(86_400, 'es'), '1 día');
  assert.equal(noDurationFormat(3_600, 'ar'), 'ساعة');
  assert.equal(formatDuration(15, 'en', 'short', false), '15 sec');
});

test('counts use the locale’s grouping', () => {
  assert.equal(formatCount(1234, 'en'), '1,234');
  assert.equal(formatCount(1234, 'de'), '1.234');
  assert.equal(formatCount(2.6, 'en'), '3');
});

test('lists are joined the locale’s way', () => {
  assert.equal(formatList(['camera', 'microphone'], 'en'), 'camera and microphone');
  assert.equal(formatList(['camera', 'microphone', 'speaker'], 'en'), 'camera, microphone, and speaker');
  assert.equal(formatList(['Kamera', 'Mikrofon'], 'de'), 'Kamera und Mikrofon');
  assert.equal(formatList(['caméra', 'micro'], 'fr'), 'caméra et micro');
});
