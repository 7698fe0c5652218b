/**
 * The parts a page can style: `<rtc-call>` re-exports every part of the elements inside it, and
 * its documentation (custom-elements.json, README.md) is generated from their own `@csspart`
 * lines. These checks keep the constants, the docs and the generated lists in step: run
 * `npm run analyze` after changing a part.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RTC_CALL_CHILD_PARTS, RTC_CALL_OWN_PARTS, RTC_CALL_PARTS } from '../../src/rtc-call/rtc-call.component.js';
import { partsTable } from '../../scripts/parts-table.mjs';

interface CssPart {
  name: string;
  description?: string;
}
interface Declaration {
  tagName?: string;
  cssParts?: CssPart[];
}
const manifest = JSON.parse(readFileSync(new URL('../../custom-elements.json', import.meta.url), 'utf8')) as {
  modules: Array<{ declarations?: Declaration[] }>;
};
const documented = (tagName: string): CssPart[] => {
  const element = manifest.modules.flatMap((m) => m.declarations ?? []).find((d) => d.tagName === tagName);
  assert.ok(element, `${tagName} is in custom-elements.json`);
  return element.cssParts ?? [];
};

const CHILDREN: Record<string, readonly string[]> = RTC_CALL_CHILD_PARTS;
const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

test("each element's *_PARTS constant lists exactly the parts its @csspart docs describe", () => {
  for (const [tagName, parts] of Object.entries(CHILDREN)) {
    assert.deepEqual(sorted(documented(tagName).map((p) => p.name)), sorted(parts), tagName);
  }
});

test("the root's part list is its own parts plus every child's *_PARTS", () => {
  assert.deepEqual(sorted(RTC_CALL_PARTS), sorted([...RTC_CALL_OWN_PARTS, ...Object.values(CHILDREN).flat()]));
  assert.equal(RTC_CALL_PARTS.length, new Set(RTC_CALL_PARTS).size, 'each name once');
});

test("the root's manifest entry documents exactly that union, each part with a description", () => {
  const parts = documented('rtc-call');
  assert.equal(parts.length, new Set(parts.map((p) => p.name)).size, 'each name once');
  assert.deepEqual(sorted(parts.map((p) => p.name)), sorted(RTC_CALL_PARTS));
  for (const part of parts) assert.ok(part.description?.trim(), `part ${part.name} has a description`);
  // A child's part keeps the child's own words, unless the root describes the name itself.
  const own = new Set<string>(RTC_CALL_OWN_PARTS);
  for (const tagName of Object.keys(CHILDREN)) {
    for (const part of documented(tagName)) {
      if (!own.has(part.name)) assert.equal(parts.find((p) => p.name === part.name)?.description, part.description, part.name);
    }
  }
});

test("README.md's parts table lists the same parts", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  assert.deepEqual(sorted(partsTable.names(readme)), sorted(RTC_CALL_PARTS));
});
