/**
 * Dates, times, durations and counts, in one place, through `Intl` in the page's locale (the
 * full tag the locale choice settled on, e.g. `en-GB` or `de-AT`, so a British visitor reads a
 * 24-hour clock in English sentences). src/components/localization.ts sets the locale; every
 * function also takes one, for tests.
 *
 * Durations use `Intl.DurationFormat` (Chromium 129+, Firefox 136+; the test browsers have it)
 * and otherwise the same words from `Intl.NumberFormat` units joined by `Intl.ListFormat`
 * (Node 20, older browsers).
 */

let current = 'en';

/** The locale every format uses unless given another. */
export function formatLocale(): string {
  return current;
}

/** Sets the locale of every format (a BCP 47 tag the locale choice accepted). */
export function setFormatLocale(locale: string): void {
  current = locale;
}

/** The time of day of `ts` (ms since 1970), hours and minutes: a chat message's time. */
export function formatClockTime(ts: number, locale = current): string {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(ts);
}

/** Date and time of `ts` (ms since 1970): when an invite expires. */
export function formatDateTime(ts: number, locale = current): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(ts);
}

/** A whole number, with the locale's digits and grouping. */
export function formatCount(n: number, locale = current): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(n);
}

/**
 * Items joined the locale's way: "camera and microphone", "Kamera und Mikrofon"; as `unit`, a
 * plain enumeration ("Ada, Bo" in English: the people in a group call).
 */
export function formatList(items: readonly string[], locale = current, type: 'conjunction' | 'unit' = 'conjunction'): string {
  return new Intl.ListFormat(locale, { type, style: type === 'unit' ? 'short' : 'long' }).format(items);
}

export type DurationStyle = 'long' | 'short' | 'narrow';

const UNITS = [
  ['days', 'day', 86_400],
  ['hours', 'hour', 3_600],
  ['minutes', 'minute', 60],
  ['seconds', 'second', 1],
] as const;

type DurationParts = Partial<Record<(typeof UNITS)[number][0], number>>;

/** Whole days, hours, minutes and seconds of `seconds` (rounded to a second), zero parts left out. */
export function durationParts(seconds: number): DurationParts {
  let rest = Math.max(0, Math.round(seconds));
  const parts: DurationParts = {};
  for (const [plural, , size] of UNITS) {
    const amount = Math.floor(rest / size);
    rest -= amount * size;
    if (amount > 0) parts[plural] = amount;
  }
  if (Object.keys(parts).length === 0) parts.seconds = 0;
  return parts;
}

interface DurationFormatLike {
  format(duration: DurationParts): string;
}
type DurationFormatConstructor = new (locale: string, options: { style: DurationStyle }) => DurationFormatLike;

/** `Intl.DurationFormat` where the runtime has it (TypeScript's lib does not declare it yet). */
function durationFormat(): DurationFormatConstructor | undefined {
  return (Intl as unknown as { DurationFormat?: DurationFormatConstructor }).DurationFormat;
}

/** A duration in words: 3600 → "1 hour", 90 → "1 minute, 30 seconds" (en, long). */
export function formatDuration(seconds: number, locale = current, style: DurationStyle = 'long', useDurationFormat = true): string {
  const parts = durationParts(seconds);
  const DurationFormat = useDurationFormat ? durationFormat() : undefined;
  if (DurationFormat) return new DurationFormat(locale, { style }).format(parts);
  const words = UNITS.filter(([plural]) => parts[plural] !== undefined).map(([plural, unit]) =>
    new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: style }).format(parts[plural]!),
  );
  return new Intl.ListFormat(locale, { type: 'unit', style }).format(words);
}
