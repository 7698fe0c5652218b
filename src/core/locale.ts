/**
 * Which language the widget speaks: pure rules, tested in node (test/unit/locale.test.ts).
 * src/components/localization.ts gathers the wishes from the page and loads the language.
 *
 * The wishes come in order: the `lang` attribute of each `<rtc-call>` (document order), the
 * page's `<html lang>`, then the browser's languages (`navigator.languages`). The first wish
 * whose base language has a catalogue wins (`de-AT` → `de`); a wish without one falls through
 * to the next, and nothing at all gives English. Dates and numbers keep the winning wish's own
 * tag (`de-AT`, `en-GB`): the regional formats are Intl's, not the catalogue's.
 */
import { allLocales, sourceLocale } from '../generated/locale-codes.js';

/** A language the widget has a catalogue for (lit-localize.json lists them). */
export type Locale = (typeof allLocales)[number];

export const SOURCE_LOCALE: Locale = sourceLocale;
export const LOCALES: readonly Locale[] = allLocales;

export interface LocaleChoice {
  /** The catalogue's language: the texts. */
  language: Locale;
  /** The tag for `Intl` (dates, times, numbers): the wish as given, when it is a valid tag. */
  formats: string;
}

/** One wish, or several in order (`navigator.languages`); empty and missing ones are skipped. */
export type LocaleWish = string | null | undefined | readonly string[];

/** The canonical form of `tag` (`EN-gb` → `en-GB`), or null when it is no BCP 47 tag. */
function canonical(tag: string): string | null {
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}

/** The first wish the widget can speak, following the rules above. */
export function chooseLocale(wishes: readonly LocaleWish[], supported: readonly string[] = LOCALES): LocaleChoice {
  for (const wish of wishes.flat()) {
    const tag = wish?.trim() && canonical(wish.trim());
    if (!tag) continue;
    const base = tag.split('-')[0]!.toLowerCase();
    if (supported.includes(base)) return { language: base as Locale, formats: tag };
  }
  return { language: SOURCE_LOCALE, formats: SOURCE_LOCALE };
}

/** Languages written right to left (of those a catalogue may come in). */
const RIGHT_TO_LEFT = new Set(['ar', 'he', 'fa', 'ur', 'ps', 'yi', 'dv', 'ckb', 'sd', 'ug']);

/** The text direction of a language: `rtl` for Arabic, Hebrew, Persian, Urdu…, else `ltr`. */
export function directionOf(locale: string): 'ltr' | 'rtl' {
  return RIGHT_TO_LEFT.has(locale.split('-')[0]!.toLowerCase()) ? 'rtl' : 'ltr';
}
