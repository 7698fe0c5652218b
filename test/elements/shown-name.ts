/** The element tests' check of a shown name (kept out of helpers.ts, which node tests import too). */
import { expect } from '@open-wc/testing';

/**
 * The person's name shown in `container`: its `<bdi>`, checked to be bidi-isolated, and its
 * tag when it has one ("· #3f2a"), checked for its form.
 */
export function shownName(container: Element): { name: string; tag: string | undefined } {
  const bdi = container.querySelector('bdi');
  expect(bdi, 'the name sits in a <bdi>').to.exist;
  expect(getComputedStyle(bdi!).unicodeBidi).to.equal('isolate');
  const tag = container.querySelector('.name-tag')?.textContent?.trim();
  if (tag !== undefined) expect(tag).to.match(/^· #[0-9a-f]{4,}$/);
  return { name: bdi!.textContent!, tag };
}
