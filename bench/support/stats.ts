/**
 * Summaries and result files shared by the benchmarks. Each benchmark prints
 * its own lines and, with `--json <file>`, writes its metrics so that
 * `scripts/bench.sh` can put every figure of one run in one table.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

export interface Summary {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

/** Nearest-rank percentile: the value below which `p` percent of the samples lie. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
  };
}

export type Metric =
  | { kind: 'time'; unit: 'ms'; summary: Summary }
  | { kind: 'size'; unit: 'bytes'; value: number }
  /** A rate over a measured window: CPU seconds per wall second (cores), or kilobits per second. */
  | { kind: 'rate'; unit: 'cores' | 'kbps'; summary: Summary };

export interface BenchResult {
  bench: string;
  /** What was measured, in words, printed under the table. */
  notes: string[];
  metrics: Record<string, Metric>;
  /** What the figures were measured with (a camera size, a window), for the tables that show them. */
  conditions?: Record<string, string>;
}

export const ms = (x: number): string => `${x.toFixed(1)} ms`;

export function printTime(label: string, s: Summary): void {
  console.log(
    `${label.padEnd(44)} median ${ms(s.median).padStart(10)}  p95 ${ms(s.p95).padStart(10)}  (n=${s.n}, min ${ms(s.min)}, max ${ms(s.max)})`,
  );
}

/**
 * Common options: `--runs` measured calls (>= 20 by default), `--warmup`, `--json`, the benchmark's
 * own on/off `flags`, and its own `settings` (`--name value`, with defaults) read with `setting`.
 */
export function benchArgs(
  defaults: { runs: number; warmup: number },
  flags: readonly string[] = [],
  settings: Record<string, string> = {},
) {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: String(defaults.runs) },
      warmup: { type: 'string', default: String(defaults.warmup) },
      json: { type: 'string' },
      ...Object.fromEntries(flags.map((f) => [f, { type: 'boolean' as const, default: false }])),
      ...Object.fromEntries(Object.entries(settings).map(([name, value]) => [name, { type: 'string' as const, default: value }])),
    },
  });
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive whole number, got "${values.runs}"`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`--warmup must be a whole number, got "${values.warmup}"`);
  const on = (flag: string): boolean => (values as Record<string, unknown>)[flag] === true;
  const setting = (name: string): string => String((values as Record<string, unknown>)[name]);
  return { runs, warmup, json: values.json as string | undefined, on, setting };
}

export async function writeResult(path: string | undefined, result: BenchResult): Promise<void> {
  if (!path) return;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(result, null, 2) + '\n');
}

/** Samples of one call-setup benchmark: per call, ms until the first remote frame. */
export interface CallSetupSamples {
  caller: number[];
  callee: number[];
}

/**
 * Prints and saves a call-setup result. The headline figure is "both sides":
 * the call is up for both people only when the later of the two frames shows.
 */
export async function reportCallSetup(
  bench: string,
  title: string,
  startLabel: string,
  samples: CallSetupSamples,
  json: string | undefined,
  extra: Record<string, number[]> = {},
): Promise<Summary> {
  const both = samples.caller.map((c, i) => Math.max(c, samples.callee[i]!));
  const s = summarize(both);
  console.log(title);
  printTime(`${startLabel} → first remote frame on both sides`, s);
  printTime('  caller side', summarize(samples.caller));
  printTime('  callee side', summarize(samples.callee));
  for (const [label, values] of Object.entries(extra)) printTime(`  ${label}`, summarize(values));
  await writeResult(json, {
    bench,
    notes: [title],
    metrics: { 'call-setup': { kind: 'time', unit: 'ms', summary: s } },
  });
  return s;
}

/** Prints a Markdown table under a `## title`: the first row is the header. */
export function printTable(title: string, table: string[][]): void {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n## ${title}\n`);
  console.log(line(table[0]!));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of table.slice(1)) console.log(line(r));
}
