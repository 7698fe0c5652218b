/**
 * CPU time of a process and everything it started, from Linux's /proc: a
 * browser's figure with its renderers, GPU, network and audio processes. Read
 * twice around a window, the difference over the wall time is the cores the
 * browser kept busy (1.0 = one whole core).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { processTree } from '../../test/support/test-backend.js';

/** Kernel clock ticks per second, the unit of utime and stime (usually 100). */
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** utime + stime of a process, in ticks, from the fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function readTicks(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone since the folder was listed
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: state(3) ppid(4) … utime(14) stime(15), so index = field number − 3.
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU seconds used so far by each process of the tree under `root` (itself included), by pid. */
export function treeCpuSeconds(root: number): Map<number, number> {
  const seconds = new Map<number, number>();
  for (const pid of processTree(root)) {
    const ticks = readTicks(pid);
    if (ticks !== null) seconds.set(pid, ticks / TICKS_PER_SECOND);
  }
  return seconds;
}

/** A reading of a process tree's CPU time at one moment. */
export interface CpuMark {
  at: number;
  seconds: Map<number, number>;
}

export function markCpu(root: number): CpuMark {
  return { at: performance.now(), seconds: treeCpuSeconds(root) };
}

/**
 * Cores used between two marks (CPU seconds per wall second). A process started in between counts
 * from zero; one that ended in between is lost (its time cannot be read any more), which `exited`
 * counts so that a reader knows the figure is short.
 */
export function cpuBetween(start: CpuMark, end: CpuMark): { cores: number; exited: number } {
  let used = 0;
  for (const [pid, seconds] of end.seconds) used += seconds - (start.seconds.get(pid) ?? 0);
  const exited = [...start.seconds.keys()].filter((pid) => !end.seconds.has(pid)).length;
  return { cores: used / ((end.at - start.at) / 1000), exited };
}

/** CPU seconds the whole machine has spent busy (every process, ours and anyone else's) since boot. */
export function machineBusySeconds(): number {
  // First line of /proc/stat: cpu user nice system idle iowait irq softirq steal …
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / TICKS_PER_SECOND;
}
