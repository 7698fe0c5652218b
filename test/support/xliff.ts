/**
 * Reads the translators' XLIFF 1.2 files (xliff/<locale>.xlf, written by `npm run
 * localize:extract`): the unit test of the translations checks them, and the browser suites
 * take the words a language must show from them, independently of the widget's runtime.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface XliffUnit {
  /** The English text, placeholders as `<x id="n" …/>`. */
  source: string;
  /** The translation, or undefined when there is none yet. */
  target: string | undefined;
}

/** The trans-units of an XLIFF 1.2 text, by id. */
export function xliffUnits(xliff: string): Map<string, XliffUnit> {
  const units = new Map<string, XliffUnit>();
  for (const [, id, body] of xliff.matchAll(/<trans-unit id="([^"]+)"[^>]*>([\s\S]*?)<\/trans-unit>/g)) {
    const source = /<source>([\s\S]*?)<\/source>/.exec(body!)?.[1] ?? '';
    const target = /<target[^>]*>([\s\S]*?)<\/target>/.exec(body!)?.[1];
    units.set(id!, { source, target });
  }
  return units;
}

/** The placeholder numbers of an XLIFF text (`<x id="0" …/>`), sorted. */
export const placeholders = (text: string): string[] => [...text.matchAll(/<x id="(\d+)"[^>]*\/>/g)].map((m) => m[1]!).sort();

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** An XLIFF text as the page shows it: entities decoded, each placeholder replaced by `values[n]`. */
export function xliffText(text: string, values: readonly string[] = []): string {
  return text
    .replace(/<x id="(\d+)"[^>]*\/>/g, (_, n: string) => values[Number(n)] ?? '')
    .replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ENTITIES[name]!);
}

const ROOT = join(import.meta.dirname, '..', '..');

/** The units of xliff/<locale>.xlf. */
export function readXliff(locale: string): Map<string, XliffUnit> {
  return xliffUnits(readFileSync(join(ROOT, 'xliff', `${locale}.xlf`), 'utf8'));
}
