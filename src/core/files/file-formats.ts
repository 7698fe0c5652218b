/**
 * Sizes and speeds of files, through `Intl` units in the page's locale (formats.ts's locale):
 * "12.5 MB", "3.2 MB/s". Decimal units (1 MB = 1,000,000 bytes), as every file manager but
 * Windows Explorer shows them.
 */
import { formatLocale } from '../formats.js';

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** The unit and value to show `bytes` in: the largest unit under which it is at least 1. */
export function sizeUnit(bytes: number): { unit: (typeof UNITS)[number]; value: number } {
  let i = 0;
  let value = Math.max(0, bytes);
  while (value >= 1000 && i < UNITS.length - 1) {
    value /= 1000;
    i++;
  }
  return { unit: UNITS[i]!, value };
}

function format(bytes: number, perSecond: boolean, locale: string): string {
  const { unit, value } = sizeUnit(bytes);
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: perSecond ? `${unit}-per-second` : unit,
    unitDisplay: unit === 'byte' ? 'long' : 'short',
    maximumFractionDigits: value >= 100 || unit === 'byte' ? 0 : 1,
  }).format(value);
}

/** A file's size: "1.5 GB". */
export function formatBytes(bytes: number, locale = formatLocale()): string {
  return format(bytes, false, locale);
}

/** A transfer's speed: "3.2 MB/s". */
export function formatSpeed(bytesPerSecond: number, locale = formatLocale()): string {
  return format(bytesPerSecond, true, locale);
}
