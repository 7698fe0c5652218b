/**
 * The translations (xliff/*.xlf, made by `npm run localize:extract` and filled in by translators)
 * and the locale modules built from them (src/generated/locales/, `npm run localize:build`):
 * every catalogue entry of src/core/texts.ts (and texts-sign-in.ts) has a translation in every language, each keeps the
 * English sentence's placeholders (a name, a count), and the built modules match the XLIFF.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { targetLocales } from '../../src/generated/locale-codes.js';
import { placeholders, readXliff, xliffUnits, type XliffUnit } from '../support/xliff.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The ids of the catalogue's `msg()` calls, read from its source. */
function catalogueIds(source: string): string[] {
  return [...source.matchAll(/\bmsg\((?!\))/g)].map((call) => {
    const id = /\{\s*id:\s*'([^']+)'\s*,?\s*\}\s*,?\s*\)/.exec(source.slice(call.index))?.[1];
    assert.ok(id, `a msg() call without an id at offset ${call.index} of src/core/texts.ts`);
    return id;
  });
}

/** What is wrong with the translation of one language: missing, empty, or with other placeholders. */
function translationProblems(ids: readonly string[], units: Map<string, XliffUnit>): string[] {
  const problems: string[] = [];
  for (const id of ids) {
    const unit = units.get(id);
    if (!unit) problems.push(`${id}: not in the XLIFF (run npm run localize:extract)`);
    else if (!unit.target?.trim()) problems.push(`${id}: no translation`);
    else if (placeholders(unit.source).join() !== placeholders(unit.target).join())
      problems.push(`${id}: placeholders ${placeholders(unit.target).join() || 'none'} instead of ${placeholders(unit.source).join()}`);
  }
  for (const id of units.keys()) if (!ids.includes(id)) problems.push(`${id}: no longer in the catalogue (run npm run localize:extract)`);
  return problems;
}

// The first paint's sentences are a catalogue of their own (src/core/texts-sign-in.ts), in the initial script.
const ids = catalogueIds(read('src/core/texts.ts') + read('src/core/texts-sign-in.ts'));

test('every catalogue entry has its own id', () => {
  assert.ok(ids.length >= 200, `found ${ids.length}`);
  assert.deepEqual(
    ids.filter((id, i) => ids.indexOf(id) !== i),
    [],
  );
});

test('the checks catch a missing translation and a dropped placeholder', () => {
  const units = xliffUnits(`
    <trans-unit id="a"><source>Calling <x id="0" equiv-text="\${who(name)}"/>…</source><target>Appel…</target></trans-unit>
    <trans-unit id="b"><source>Hang up</source></trans-unit>`);
  assert.deepEqual(translationProblems(['a', 'b', 'c'], units), [
    'a: placeholders none instead of 0',
    'b: no translation',
    'c: not in the XLIFF (run npm run localize:extract)',
  ]);
});

for (const locale of targetLocales) {
  test(`${locale}: every catalogue entry is translated, with the same placeholders`, () => {
    assert.deepEqual(translationProblems(ids, readXliff(locale)), []);
  });

  test(`${locale}: the built locale module matches the XLIFF (npm run localize:build)`, async () => {
    const { templates } = (await import(`../../src/generated/locales/${locale}.js`)) as {
      templates: Record<string, string | { strings: readonly string[]; values: unknown[] }>;
    };
    const units = readXliff(locale);
    assert.deepEqual(Object.keys(templates).sort(), [...units.keys()].sort());
    for (const [id, unit] of units) {
      const built = templates[id]!;
      const values = typeof built === 'string' ? [] : built.values.map(String).sort();
      assert.deepEqual(values, placeholders(unit.target ?? ''), id);
    }
  });
}
