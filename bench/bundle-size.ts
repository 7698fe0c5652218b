/**
 * Bundle size: gzip bytes of the initial script (dist/rtc-call.js with its
 * static imports) and of everything a call loads (plus the lazy chunks it
 * imports after sign-in), beside MQTT.js's own browser build
 * (node_modules/mqtt/dist/mqtt.min.js) compressed the same way in the same
 * run — the widget embeds MQTT.js, so that is its natural yardstick. A page
 * loads at most one language chunk (src/generated/locales/, none in English),
 * so "everything loaded for a call" counts the largest one only.
 * The import graph is read from the built files, not guessed from the folder
 * (dist/chunks may hold stale chunks of earlier builds).
 *
 *   npm run build && tsx bench/bundle-size.ts [--json file]
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { init, parse } from 'es-module-lexer';
import { writeResult } from './support/stats.js';
import { targetLocales } from '../src/generated/locale-codes.js';

const { values } = parseArgs({ options: { json: { type: 'string' } } });
const root = resolve(import.meta.dirname, '..');
const entry = join(root, 'dist', 'rtc-call.js');
if (!existsSync(entry)) {
  console.error(`bundle-size: ${relative(root, entry)} is missing; run "npm run build" first`);
  process.exit(1);
}

/** gzip at level 9, what a static server or CDN precompresses with. */
const gzipBytes = (file: string): number => gzipSync(readFileSync(file), { level: 9 }).length;

await init();
/** Relative imports of a built file, split by how they load. */
function importsOf(file: string): { eager: string[]; lazy: string[] } {
  const [imports] = parse(readFileSync(file, 'utf8'), file);
  const eager: string[] = [];
  const lazy: string[] = [];
  for (const imp of imports) {
    if (imp.type === 'import-meta' || !imp.specifier?.startsWith('.')) continue;
    (imp.type === 'dynamic' ? lazy : eager).push(resolve(dirname(file), imp.specifier));
  }
  return { eager, lazy };
}

/** Files reached from `starts` through static imports only, or through every import. */
function closure(starts: string[], followLazy: boolean): Set<string> {
  const seen = new Set<string>();
  const queue = [...starts];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    if (!existsSync(file)) throw new Error(`${relative(root, file)} is imported but missing; rebuild with "npm run build"`);
    seen.add(file);
    const { eager, lazy } = importsOf(file);
    queue.push(...eager, ...(followLazy ? lazy : []));
  }
  return seen;
}

const initial = closure([entry], false);
const all = closure([entry], true);
const lazyChunks = [...all].filter((f) => !initial.has(f));
/** A language's chunk: Rollup names it after its module, src/generated/locales/<locale>.ts. */
const LANGUAGE_CHUNK = new RegExp(`^(${targetLocales.join('|')})-[\\w-]+\\.js$`);
const isLanguage = (f: string) => LANGUAGE_CHUNK.test(basename(f));
const sum = (files: Iterable<string>) => [...files].reduce((n, f) => n + gzipBytes(f), 0);
const initialGzip = sum(initial);
const languageGzip = Math.max(0, ...lazyChunks.filter(isLanguage).map(gzipBytes));
const callGzip = sum([...all].filter((f) => !isLanguage(f))) + languageGzip;
// mqtt's exports map does not expose dist/, so take the installed file itself.
const mqttFile = join(root, 'node_modules', 'mqtt', 'dist', 'mqtt.min.js');
const mqttGzip = gzipBytes(mqttFile);

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
console.log('bundle-size: gzip -9 of the built files (npm run build), same run as MQTT.js');
for (const f of initial) console.log(`  initial  ${relative(root, f).padEnd(40)} ${kb(gzipBytes(f)).padStart(10)} gzip`);
for (const f of lazyChunks) {
  const kind = isLanguage(f) ? 'language' : 'lazy    ';
  console.log(`  ${kind} ${relative(root, f).padEnd(40)} ${kb(gzipBytes(f)).padStart(10)} gzip`);
}
console.log(
  `initial script (before sign-in)           ${kb(initialGzip).padStart(10)}  = ${(initialGzip / mqttGzip).toFixed(2)} × mqtt.min.js`,
);
console.log(`everything loaded for a call               ${kb(callGzip).padStart(10)}  = ${(callGzip / mqttGzip).toFixed(2)} × mqtt.min.js`);
/** The signalling client's chunk: MQTT.js bundled from its sources (src/core/mqtt-lean.ts). */
const mqttChunks = lazyChunks.filter((f) => basename(f).startsWith('mqtt-lean-'));
const mqttChunkGzip = sum(mqttChunks);
console.log(
  `MQTT chunk (MQTT.js from its sources)      ${kb(mqttChunkGzip).padStart(10)}  = ${(mqttChunkGzip / mqttGzip).toFixed(2)} × mqtt.min.js`,
);
console.log(`node_modules/mqtt/dist/mqtt.min.js         ${kb(mqttGzip).padStart(10)}`);

await writeResult(values.json, {
  bench: 'bundle-size',
  notes: [
    'gzip -9 sizes; "call" = initial script + every lazily imported chunk but the languages, + the largest language; yardstick: mqtt.min.js',
  ],
  metrics: {
    initial: { kind: 'size', unit: 'bytes', value: initialGzip },
    call: { kind: 'size', unit: 'bytes', value: callGzip },
    language: { kind: 'size', unit: 'bytes', value: languageGzip },
    mqtt: { kind: 'size', unit: 'bytes', value: mqttChunkGzip },
    'mqtt.min.js': { kind: 'size', unit: 'bytes', value: mqttGzip },
  },
});
