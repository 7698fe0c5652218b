/**
 * Bundle size: gzip bytes of the initial script (dist/rtc-call.js with its static imports), of
 * everything a page loads for a 1:1 call, and of the MQTT chunk, beside MQTT.js's own browser
 * build (node_modules/mqtt/dist/mqtt.min.js) compressed the same way in the same run — the widget
 * embeds MQTT.js, so that is its natural yardstick.
 *
 * "Everything loaded for a call" is the set of files a page fetches from its first paint to a
 * connected 1:1 call: the initial script, the call engine with the signed-in elements and MQTT.js
 * (lazy chunks), and their static imports (bench/support/bundle-graph.ts; test/e2e/loading.test.ts
 * checks in Chromium and Firefox that a real call loads exactly these files). An English page
 * loads no language chunk; a page in another language loads one, so the figure is also printed
 * with the largest. The lazy chunks of features a 1:1 call never uses (group calls, the pre-call
 * check, file transfer, ...) are listed but not counted.
 *
 *   npm run build && tsx bench/bundle-size.ts [--json file]
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { writeResult } from './support/stats.js';
import { bundleGraph, isLanguageChunk } from './support/bundle-graph.js';

const { values } = parseArgs({ options: { json: { type: 'string' } } });
const root = resolve(import.meta.dirname, '..');
let graph;
try {
  graph = await bundleGraph(root);
} catch (error) {
  console.error(`bundle-size: ${(error as Error).message}`);
  process.exit(1);
}

/** gzip at level 9, what a static server or CDN precompresses with. */
const gzipBytes = (file: string): number => gzipSync(readFileSync(file), { level: 9 }).length;
const sum = (files: Iterable<string>) => [...files].reduce((n, f) => n + gzipBytes(f), 0);

const initialGzip = sum(graph.initial);
const callGzip = sum(graph.call);
const languageGzip = Math.max(0, ...graph.languages.map(gzipBytes));
const callLanguageGzip = callGzip + languageGzip;
const mqttChunkGzip = sum(graph.mqtt);
// mqtt's exports map does not expose dist/, so take the installed file itself.
const mqttGzip = gzipBytes(join(root, 'node_modules', 'mqtt', 'dist', 'mqtt.min.js'));

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const ratio = (n: number) => `${kb(n).padStart(10)}  = ${(n / mqttGzip).toFixed(2)} × mqtt.min.js`;
const kind = (f: string) =>
  graph.initial.has(f) ? 'initial ' : graph.call.has(f) ? 'call    ' : isLanguageChunk(f) ? 'language' : 'on use  ';
console.log('bundle-size: gzip -9 of the built files (npm run build), same run as MQTT.js');
console.log('  initial: the first paint; call: loaded for a 1:1 call; language: one, in a non-English page; on use: a feature opened');
const order = ['initial ', 'call    ', 'language', 'on use  '];
for (const f of [...graph.all].sort((a, b) => order.indexOf(kind(a)) - order.indexOf(kind(b)))) {
  console.log(`  ${kind(f)} ${relative(root, f).padEnd(44)} ${kb(gzipBytes(f)).padStart(10)} gzip`);
}
console.log(`initial script (before sign-in)                 ${ratio(initialGzip)}`);
console.log(`everything loaded for a 1:1 call (English)      ${ratio(callGzip)}`);
console.log(`  + the largest language chunk                  ${ratio(callLanguageGzip)}`);
console.log(`MQTT chunk (MQTT.js from its sources)           ${ratio(mqttChunkGzip)}`);
console.log(`node_modules/mqtt/dist/mqtt.min.js              ${kb(mqttGzip).padStart(10)}`);

await writeResult(values.json, {
  bench: 'bundle-size',
  notes: [
    'gzip -9 sizes; "call" = the files a page loads from first paint to a connected 1:1 call (bench/support/bundle-graph.ts) + the largest language; "call.en" = the same in English (no language chunk); yardstick: mqtt.min.js',
  ],
  metrics: {
    initial: { kind: 'size', unit: 'bytes', value: initialGzip },
    call: { kind: 'size', unit: 'bytes', value: callLanguageGzip },
    'call.en': { kind: 'size', unit: 'bytes', value: callGzip },
    language: { kind: 'size', unit: 'bytes', value: languageGzip },
    mqtt: { kind: 'size', unit: 'bytes', value: mqttChunkGzip },
    'mqtt.min.js': { kind: 'size', unit: 'bytes', value: mqttGzip },
  },
});
