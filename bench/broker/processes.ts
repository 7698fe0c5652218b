/**
 * Child processes of the load benchmark: every one is tracked and killed when
 * the benchmark exits, whatever the reason.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

const children = new Set<ChildProcess>();

function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
}
process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** A TypeScript child with an IPC channel. */
export function forkTs(file: string, options: { env?: NodeJS.ProcessEnv; execArgv?: string[] } = {}): ChildProcess {
  return track(
    fork(file, [], {
      execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
}

export function spawnTracked(command: string, args: string[]): ChildProcess {
  return track(spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
}

/** The next IPC message that `accept` takes, within `timeoutMs`; `M` is what the child is known to send (IPC is untyped). */
export function nextMessage<T, M>(child: ChildProcess, accept: (message: M) => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: M) => {
      const value = accept(message);
      if (value !== undefined) done(undefined, value);
    };
    const onExit = (code: number | null) => done(new Error(`${what}: child exited (${code}) before answering`));
    function done(error?: Error, value?: T) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value as T);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Ends a child: a polite request first, SIGKILL if it is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, polite: () => void, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  polite();
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
