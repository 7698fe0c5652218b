/**
 * The main table of the group-call benchmark, built from its result: printed
 * by bench/group-call.ts and again by bench/report.ts with the run's other
 * figures.
 */
import type { BenchResult, Metric, Summary } from './stats.js';

/** The calls of the benchmark, as its metrics name them (`<call>/<figure>`), with their labels. */
export const GROUP_BENCH_CALLS = {
  'one-to-one': '1:1 call',
  'group-2': 'group of 2',
  'group-3': 'group of 3',
  'group-4': 'group of 4',
} as const;
export type GroupBenchCall = keyof typeof GROUP_BENCH_CALLS;

export const FIGURES = {
  cpu: 'cpu-per-page',
  upload: 'upload-per-person',
  join: 'join-to-frames-from-everyone',
  /** The join's breakdown: until the person's own links were all connected. */
  links: 'join-to-own-links-connected',
} as const;

/** A table's header row, written as `a | b | c`. */
export const columns = (header: string): string[] => header.split(' | ');

/** Rows (header first) of each call's figures per person, and their medians against the 1:1 call's. */
export function groupCallRows(result: BenchResult): string[][] {
  const summary = (call: GroupBenchCall, figure: keyof typeof FIGURES): Summary | undefined => {
    const m: Metric | undefined = result.metrics[`${call}/${FIGURES[figure]}`];
    return m && m.kind !== 'size' ? m.summary : undefined;
  };
  const pair = (s: Summary | undefined, digits: number, unit = '') =>
    s ? `${s.median.toFixed(digits)}${unit}, ${s.max.toFixed(digits)}${unit}` : 'n/a';
  const ratio = (call: GroupBenchCall, figure: keyof typeof FIGURES) => {
    const [s, base] = [summary(call, figure), summary('one-to-one', figure)];
    return s && base ? `${(s.median / base.median).toFixed(2)}×` : 'n/a';
  };
  const rows = [
    columns(
      'camera (fake) | call | CPU per page, cores (median, max) | upload kbps per person (median, max) | ' +
        'join click → frames from everyone (median, slowest) | vs 1:1: CPU, upload, join (medians)',
    ),
  ];
  for (const [call, label] of Object.entries(GROUP_BENCH_CALLS) as [GroupBenchCall, string][]) {
    rows.push([
      result.conditions?.camera ?? 'n/a',
      label,
      pair(summary(call, 'cpu'), 2),
      pair(summary(call, 'upload'), 0),
      pair(summary(call, 'join'), 0, ' ms'),
      `${ratio(call, 'cpu')}, ${ratio(call, 'upload')}, ${ratio(call, 'join')}`,
    ]);
  }
  return rows;
}
