/**
 * The catalogue (src/core/texts.ts) wraps names in FSI … PDI (U+2068 … U+2069) in the strings
 * it builds; the elements render those isolates as `<bdi>`, so the page's text has none. Tests
 * that compare a catalogue string with rendered text, or match it with a plain pattern, strip them.
 */
export function plainText(text: string): string {
  return text.replace(/[\u2068\u2069]/gu, '');
}
