/**
 * Prints one table from the JSON results of one `npm run bench` run: call
 * setup of the product beside the limit and PeerJS (medians, p95 and the
 * ratios product/limit and product/PeerJS), the product's UI timings, and
 * bundle sizes against mqtt.min.js, and the group calls per person against
 * the 1:1 call.
 *
 *   tsx bench/report.ts <folder with the *.json results>
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { groupCallRows } from './support/group-table.js';
import { printTable, type BenchResult, type Metric, type Summary } from './support/stats.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: tsx bench/report.ts <results folder>');
  process.exit(2);
}

const results = new Map<string, BenchResult>();
for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json'))) {
  const result = JSON.parse(await readFile(join(dir, file), 'utf8')) as BenchResult;
  results.set(result.bench, result);
}

function time(bench: string, metric: string): Summary | undefined {
  const m: Metric | undefined = results.get(bench)?.metrics[metric];
  return m?.kind === 'time' ? m.summary : undefined;
}
function size(bench: string, metric: string): number | undefined {
  const m: Metric | undefined = results.get(bench)?.metrics[metric];
  return m?.kind === 'size' ? m.value : undefined;
}

const ms = (x: number | undefined) => (x === undefined ? 'n/a' : `${x.toFixed(0)} ms`);
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? 'n/a' : `${(a / b).toFixed(2)}×`);
const kib = (x: number | undefined) => (x === undefined ? 'n/a' : `${(x / 1024).toFixed(1)} KiB`);

const rows: string[][] = [['measurement', 'median', 'p95', 'product/limit (median, p95)', 'product/PeerJS (median, p95)']];
const limit = time('call-setup-limit', 'call-setup');
const peerjs = time('call-setup-peerjs', 'call-setup');
const product = time('call-setup-product', 'call-setup');
rows.push(['call setup, limit (1 page, no server)', ms(limit?.median), ms(limit?.p95), '', '']);
rows.push(['call setup, PeerJS (2 pages, peer server)', ms(peerjs?.median), ms(peerjs?.p95), '', '']);
const productRow = (label: string, s: Summary | undefined): string[] => [
  label,
  ms(s?.median),
  ms(s?.p95),
  `${ratio(s?.median, limit?.median)}, ${ratio(s?.p95, limit?.p95)}`,
  `${ratio(s?.median, peerjs?.median)}, ${ratio(s?.p95, peerjs?.p95)}`,
];
rows.push(productRow('call setup, rtc-call (2 pages, real backend)', product));
// The same calls with the callee's camera opened while ringing (`preview-on-ring`), not at the accept.
rows.push(productRow('call setup, rtc-call with preview-on-ring', time('call-setup-product', 'call-setup-preview-on-ring')));
const load = time('call-setup-product', 'page-load-to-form');
const signIn = time('call-setup-product', 'sign-in-to-people-list');
rows.push(['page load → sign-in form (no cache)', ms(load?.median), ms(load?.p95), '', '']);
rows.push(['sign-in click → people list', ms(signIn?.median), ms(signIn?.p95), '', '']);

printTable('Call setup (accept → first remote frame on both sides) and UI timings, Chromium, fake media, loopback', rows);

const mqtt = size('bundle-size', 'mqtt.min.js');
const initial = size('bundle-size', 'initial');
const call = size('bundle-size', 'call');
const sizeRows = [
  ['bundle (gzip -9)', 'size', '/ mqtt.min.js'],
  ['initial script (dist/rtc-call.js + static imports)', kib(initial), ratio(initial, mqtt)],
  ['everything loaded for a call (+ lazy chunks)', kib(call), ratio(call, mqtt)],
  ['node_modules/mqtt/dist/mqtt.min.js', kib(mqtt), '1.00×'],
];
printTable('Bundle size', sizeRows);

const group = results.get('group-call');
if (group) printTable(`Group calls per person against the 1:1 call (${group.conditions?.window ?? 'steady window'})`, groupCallRows(group));

const missing = ['bundle-size', 'call-setup-limit', 'call-setup-peerjs', 'call-setup-product', 'group-call'].filter((b) => !results.has(b));
if (missing.length > 0) {
  console.log(`\nMissing results (that benchmark failed; see its output above): ${missing.join(', ')}`);
  process.exitCode = 1;
}
