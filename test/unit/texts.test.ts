/**
 * The text catalogue (src/core/texts.ts): every sentence that names someone isolates the name,
 * and the elements take their words from the catalogue rather than writing them in templates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { texts } from '../../src/core/texts.js';
import { checkName, isolateText } from '../../src/protocol/index.js';

type Entry = [path: string, value: unknown];

function entries(value: unknown, path = 'texts'): Entry[] {
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => entries(v, `${path}.${k}`));
  return [[path, value]];
}

/** Sentences whose first parameter is a person's name. */
const nameSentences = entries(texts).filter(
  (entry): entry is [string, (...args: unknown[]) => string] => typeof entry[1] === 'function' && /^\(?\s*name\b/.test(String(entry[1])),
);

test('the catalogue has sentences that name someone', () => {
  assert.ok(nameSentences.length >= 30, `found ${nameSentences.length}`);
  assert.ok(nameSentences.some(([path]) => path === 'texts.call.status.calling'));
});

test('every sentence that names someone wraps the name in FSI … PDI', () => {
  const name = 'Ada';
  for (const [path, sentence] of nameSentences) {
    // Second arguments are flags (outgoing, refused, relayOnly) or numbers: try both kinds.
    const lines = [sentence(name, true), sentence(name, false), sentence(name, 7)];
    for (const line of lines) {
      assert.equal(typeof line, 'string', path);
      const named = line.split(name).length - 1;
      const isolated = line.split(isolateText(name)).length - 1;
      assert.equal(isolated, named, `${path}: ${JSON.stringify(line)}`);
    }
    assert.ok(
      lines.some((line) => line.includes(isolateText(name))),
      `${path} takes a name but never shows it`,
    );
  }
});

test('a name that reads right to left cannot reorder the sentence around it', () => {
  const line = texts.call.status.calling('\u05D3\u05E0\u05D4 3');
  assert.equal(line, `Calling \u2068\u05D3\u05E0\u05D4 3\u2069…`);
});

// ---------------------------------------------------------------- no words in the elements' templates

const SOURCES = ['src/components', 'src/rtc-call'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.styles.ts') ? [path] : [];
  });
}

interface Literals {
  /** The static text of every html`` template, each `${…}` replaced by U+E000. */
  templates: string[];
  /** Every quoted string and the static text of every untagged template. */
  strings: string[];
}

/** Reads a TypeScript source with a small scanner: comments are skipped, templates nest inside `${…}`. */
function literals(src: string): Literals {
  const found: Literals = { templates: [], strings: [] };
  let i = 0;
  const quoted = (quote: string) => {
    let text = '';
    for (i++; i < src.length && src[i] !== quote; i++) text += src[i] === '\\' ? src[++i] : src[i];
    i++;
    found.strings.push(text);
  };
  const template = (tagged: boolean) => {
    let text = '';
    for (i++; i < src.length && src[i] !== '`';) {
      if (src[i] === '\\') {
        text += src[i + 1];
        i += 2;
      } else if (src[i] === '$' && src[i + 1] === '{') {
        i += 2;
        code('}');
        text += '\uE000';
      } else text += src[i++];
    }
    i++;
    (tagged ? found.templates : found.strings).push(text);
  };
  const code = (end?: string) => {
    let depth = 0;
    while (i < src.length) {
      const c = src[i]!;
      if (c === '/' && src[i + 1] === '/') i = src.includes('\n', i) ? src.indexOf('\n', i) : src.length;
      else if (c === '/' && src[i + 1] === '*') i = src.indexOf('*/', i) + 2;
      else if (c === "'" || c === '"') quoted(c);
      else if (c === '`') template(/\bhtml\s*$/.test(src.slice(Math.max(0, i - 8), i)));
      else {
        if (c === '{') depth++;
        if (c === '}' && depth-- === 0 && end) {
          i++;
          return;
        }
        i++;
      }
    }
  };
  code();
  return found;
}

/** Words a visitor would read: a letter run of two or more, or a capitalised one. */
const WORDS = /[A-Za-z]{2,}|[A-Z]/;
/** A string that reads like a sentence or a label: capitalised, then a space and more words. */
const SENTENCE = /^[A-Z][a-z']*( [A-Za-z'…?!.,()-]+)+$/;

test('the scanner finds words in templates and strings, and skips comments', () => {
  const sample = "// 'Not this'\nconst a = html`<p title=\"Hello there\">Hi ${x ? 'Yes please' : html`<b>Bold</b>`}</p>`;";
  const { templates, strings } = literals(sample);
  assert.deepEqual(templates, ['<b>Bold</b>', '<p title="Hello there">Hi \uE000</p>']);
  assert.deepEqual(strings, ['Yes please']);
});

test('the elements write no words of their own in templates or strings: they come from texts.ts', () => {
  const problems: string[] = [];
  for (const dir of SOURCES) {
    for (const file of sourceFiles(dir)) {
      const { templates, strings } = literals(readFileSync(file, 'utf8'));
      for (const template of templates) {
        // Text between tags, and the values of the attributes people read.
        const text = template.replace(/<[^>]*>/g, '\uE000').split('\uE000');
        const attributes = [...template.matchAll(/\b(?:title|aria-label|placeholder|alt)="([^"\uE000]*)"/g)].map((m) => m[1]!);
        for (const piece of [...text, ...attributes]) if (WORDS.test(piece)) problems.push(`${file}: ${JSON.stringify(piece.trim())}`);
      }
      for (const string of strings) if (SENTENCE.test(string)) problems.push(`${file}: ${JSON.stringify(string)}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('the sentence of each name rule says in English what the backend says', () => {
  const bad: unknown[] = [
    7,
    'a\nb',
    'x'.repeat(500),
    'Bob\u202Eevil',
    'Al\u200Bice',
    '\u200C\u200C',
    '\u0301abc',
    'Zalgo\u0301\u0302\u0303\u0304\u0305\u0306\u0307',
  ];
  const seen = new Set<string>();
  for (const raw of bad) {
    const check = checkName(raw);
    assert.equal(check.ok, false, JSON.stringify(raw));
    if (check.ok) continue;
    seen.add(check.rule);
    assert.equal(texts.ui.login.nameRules[check.rule], check.message, check.rule);
  }
  assert.deepEqual([...seen].sort(), Object.keys(texts.ui.login.nameRules).sort());
});

test('unplugged devices: one sentence per device, several listed', () => {
  assert.equal(texts.ui.devices.lost(['camera']), 'Your camera was disconnected. Now using the default camera.');
  assert.equal(texts.ui.devices.lost(['speaker']), 'Your speaker was disconnected. Now using the default speaker.');
  assert.equal(
    texts.ui.devices.lost(['camera', 'microphone']),
    'Your camera and microphone were disconnected. Now using the default ones.',
  );
});
