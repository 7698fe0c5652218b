/**
 * What the file stores share: a file that another process (the admin CLI,
 * another node) may rewrite, and one queue that runs each operation on fresh
 * data, after the earlier ones.
 */
import { statSync } from 'node:fs';

/**
 * size:mtime of the file, or 'missing': changes whenever someone rewrites it.
 * Sync on purpose: an async stat would queue on libuv's thread pool behind
 * password hashing, and token checks call this.
 */
export function fileFingerprint(file: string): string {
  try {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}

/** Runs operations one at a time, each after `prepare` (re-reading a changed file). */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly prepare: () => Promise<void> | undefined) {}

  run<T>(op: () => T | Promise<T>): Promise<T> {
    const run = this.#tail.then(async () => {
      await this.prepare();
      return op();
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Resolves once every queued operation has settled. */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
