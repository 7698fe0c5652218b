/**
 * Display names (PROTOCOL.md §1): one rule for the backend's register route
 * and the widget's form, and one sanitiser for names that were stored before
 * the rule existed.
 *
 * A name is what people trust to know who is calling, so it must look like
 * what it is: Unicode NFC, whitespace collapsed, and none of the characters
 * that let a name hide or rewrite the text around it — direction overrides
 * (U+202E turned "Bob is calling" into "Bobgnillac si …"), invisible
 * characters (a zero-width name, or "Alice" plus a zero-width space beside the
 * real Alice), or stacks of combining marks that spill over other lines.
 */
import { NAME_MAX_COMBINING_RUN, NAME_MAX_LENGTH, NAME_MIN_LENGTH } from './limits.js';

/** Explicit direction marks, embeddings, overrides and isolates (UAX #9). */
const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
/**
 * Characters that render as nothing. Kept out of the set: ZWNJ and ZWJ (Persian,
 * Indic scripts and emoji sequences need them), variation selectors (emoji
 * presentation) and tag characters (subdivision flags) — they only modify a
 * visible character next to them.
 */
// The lookahead lists joiners and selectors one by one, on purpose: they are exempt alone, not as sequences.
// eslint-disable-next-line no-misleading-character-class
const INVISIBLE = /(?![\u200C\u200D\uFE00-\uFE0F\u{E0020}-\u{E007F}\u{E0100}-\u{E01EF}])[\p{Default_Ignorable_Code_Point}\u2800]/u;
/** Control characters (C0, C1) and lone surrogates. */
const CONTROL = /[\p{Cc}\p{Cs}]/u;
const COMBINING_RUN = new RegExp(`\\p{M}{${NAME_MAX_COMBINING_RUN + 1},}`, 'u');
/** Whatever is left once invisible characters, modifiers and spaces are gone: something a person can see. */
const VISIBLE = /[^\p{White_Space}\p{M}\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\u2800]/u;

const global = (re: RegExp) => new RegExp(re.source, 'gu');
const ALL_BIDI = global(BIDI_CONTROL);
const ALL_INVISIBLE = global(INVISIBLE);
const ALL_CONTROL = global(CONTROL);
const ALL_COMBINING_EXCESS = new RegExp(`(\\p{M}{${NAME_MAX_COMBINING_RUN}})\\p{M}+`, 'gu');

/** NFC, every run of white space one space, trimmed. */
function normalizeSpacing(name: string): string {
  return name.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

/** Which rule a refused name broke: the widget says it in the visitor's language (texts.ts `ui.login.nameRules`). */
export type NameRule = 'text' | 'control' | 'length' | 'direction' | 'invisible' | 'visible' | 'combining-start' | 'combining-stack';

/** A checked name: normalised, or refused with the rule it broke and that rule in English (the backend's answer). */
export type NameCheck = { ok: true; name: string } | { ok: false; rule: NameRule; message: string };

/**
 * Validates a name someone chose; on success returns it normalised (NFC,
 * white space collapsed and trimmed), which is what gets stored.
 */
export function checkName(raw: unknown): NameCheck {
  if (typeof raw !== 'string') return { ok: false, rule: 'text', message: 'name must be text' };
  // Controls (a newline, a tab) inside the name are refused, not folded into a space.
  if (CONTROL.test(raw.trim())) return { ok: false, rule: 'control', message: 'name must not contain control characters' };
  const name = normalizeSpacing(raw);
  const length = [...name].length;
  if (length < NAME_MIN_LENGTH || length > NAME_MAX_LENGTH) {
    return { ok: false, rule: 'length', message: `name must be ${NAME_MIN_LENGTH}–${NAME_MAX_LENGTH} characters` };
  }
  if (BIDI_CONTROL.test(name)) {
    return { ok: false, rule: 'direction', message: 'name must not contain characters that change the text direction' };
  }
  if (INVISIBLE.test(name)) return { ok: false, rule: 'invisible', message: 'name must not contain invisible characters' };
  if (!VISIBLE.test(name)) return { ok: false, rule: 'visible', message: 'name must contain at least one visible character' };
  if (/^\p{M}/u.test(name)) return { ok: false, rule: 'combining-start', message: 'name must not start with a combining mark' };
  if (COMBINING_RUN.test(name)) {
    return {
      ok: false,
      rule: 'combining-stack',
      message: `name must not stack more than ${NAME_MAX_COMBINING_RUN} combining marks on one character`,
    };
  }
  return { ok: true, name };
}

/**
 * The shown form of any name, including ones stored before `checkName`
 * existed: what `checkName` refuses is removed (combining stacks cut to the
 * limit), and the result is cut to the maximum length. `''` when nothing
 * visible is left; callers show a placeholder then.
 */
export function sanitizeName(raw: string): string {
  const name = normalizeSpacing(
    raw.replace(ALL_CONTROL, ' ').replace(ALL_BIDI, '').replace(ALL_INVISIBLE, '').replace(ALL_COMBINING_EXCESS, '$1'),
  ).replace(/^\p{M}+/u, '');
  if (!VISIBLE.test(name)) return '';
  return [...name].slice(0, NAME_MAX_LENGTH).join('').trim();
}

/**
 * Two names that people could take for the same one share this key: compatibility
 * forms folded (fullwidth "Ａlice"), case ignored, joiners and selectors dropped.
 * Used to decide when same-looking names need telling apart.
 */
export function nameKey(name: string): string {
  return sanitizeName(name)
    .normalize('NFKC')
    .replace(/\p{Default_Ignorable_Code_Point}/gu, '')
    .toLocaleLowerCase('und');
}

/**
 * Wraps text taken from someone else (a name) in FSI … PDI, the plain-text form of
 * `<bdi>`: it cannot reorder the sentence around it, for strings that end up in
 * attributes or messages where an element cannot go.
 */
export function isolateText(text: string): string {
  return `\u2068${text}\u2069`;
}
