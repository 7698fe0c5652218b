/**
 * What the file stores share: a file that another process (the admin CLI,
 * another node) may rewrite, and one queue that runs each operation on fresh
 * data, after the earlier ones.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writePrivateFile } from './private-file.js';
import { StoreError } from './user-store.js';

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

/**
 * The JSON in `file` (`empty` when `fingerprint` says it is missing), checked
 * by `isValid`. A file that cannot be read or is not what `kind` expects is a
 * `StoreError`: start-up stops and the file is left for the operator.
 */
export async function readStoreFile<T>(
  file: string,
  fingerprint: string,
  empty: T,
  isValid: (value: unknown) => value is T,
  what: { kind: string; expected: string },
): Promise<T> {
  const leftAlone = 'It was left untouched: repair it or move it away, then start again.';
  let data: unknown = empty;
  try {
    if (fingerprint !== 'missing') data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new StoreError(`${what.kind} ${file} cannot be read (${(error as Error).message}). ${leftAlone}`);
  }
  if (!isValid(data))
    throw new StoreError(`${what.kind} ${file} is not a ${what.kind.toLowerCase()} (expected ${what.expected}). ${leftAlone}`);
  return data;
}

/**
 * One store file and what was last read from or written to it: read again only when another
 * process rewrote it (its fingerprint changed), written atomically (private-file.ts).
 */
export class StoreFile<T> {
  data: T;
  /** size:mtime of the file as we last read or wrote it. */
  #seen = '';

  constructor(
    readonly file: string,
    private readonly empty: T,
    private readonly isValid: (value: unknown) => value is T,
    private readonly what: { kind: string; expected: string },
  ) {
    this.data = empty;
  }

  /** Reads the file when it changed; never replaces an unreadable one (`StoreError`). */
  async load(): Promise<void> {
    const fingerprint = fileFingerprint(this.file);
    if (fingerprint === this.#seen) return;
    this.data = await readStoreFile(this.file, fingerprint, this.empty, this.isValid, this.what);
    this.#seen = fingerprint;
  }

  /** Writes `data`; memory follows only once it is on disk. */
  async write(data: T): Promise<void> {
    await writePrivateFile(this.file, Buffer.from(JSON.stringify(data)));
    this.#seen = fileFingerprint(this.file);
    this.data = data;
  }
}
