/**
 * CallHistoryStore in a JSON file: `calls.json` in DATA_DIR, apart from the user store so that a
 * call ending rewrites histories, not accounts. Like the revocation store: one queue of changes,
 * each on fresh data (the file is re-read when another process changed it), written atomically
 * (0600, fsynced: private-file.ts), memory updated once the write is on disk. Each write also
 * drops what is past the retention; reads leave out what expired since.
 */
import path from 'node:path';
import { validateCallEntry, type CallHistoryEntry } from '../../src/protocol/index.js';
import { SerialQueue, fileFingerprint, readStoreFile } from './changing-file.js';
import { ensurePrivateDir, makePrivate, writePrivateFile } from './private-file.js';
import { cursorFilter, cursorOf, newestFirst, type CallHistoryStore, type StoredCallsPage } from './call-history-store.js';

interface OwnerHistory {
  /** Unix ms the owner last saw their history (0: never). */
  seenAt: number;
  /** Newest first. */
  calls: CallHistoryEntry[];
}

interface Data {
  version: 1;
  owners: Record<string, OwnerHistory>;
}

export const CALLS_FILE = 'calls.json';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function isData(value: unknown): value is Data {
  if (!isRecord(value) || !isRecord(value.owners)) return false;
  return Object.values(value.owners).every(
    (h) => isRecord(h) && typeof h.seenAt === 'number' && Array.isArray(h.calls) && h.calls.every((c) => validateCallEntry(c) !== null),
  );
}

function readCallsFile(file: string, fingerprint: string): Promise<Data> {
  return readStoreFile(file, fingerprint, { version: 1, owners: {} } as Data, isData, {
    kind: 'Call history store',
    expected: '{"owners": {...}}',
  });
}

/** Every owner's history as `calls.json` in `dataDir` holds it (none when missing), for migrate-to-redis. */
export async function readJsonCallHistory(dataDir: string): Promise<{ owner: string; seenAt: number; calls: CallHistoryEntry[] }[]> {
  const file = path.join(dataDir, CALLS_FILE);
  const data = await readCallsFile(file, fileFingerprint(file));
  return Object.entries(data.owners).map(([owner, h]) => ({ owner, seenAt: h.seenAt, calls: h.calls }));
}

export interface JsonCallHistoryOptions {
  /** How long entries are kept (HISTORY_DAYS), in ms. */
  retentionMs: number;
  now?: () => number;
}

class JsonCallHistoryStore implements CallHistoryStore {
  #data: Data = { version: 1, owners: {} };
  #seen = '';
  readonly #queue = new SerialQueue(() => this.load());

  constructor(
    private readonly file: string,
    private readonly retentionMs: number,
    private readonly now: () => number,
  ) {}

  async load(): Promise<void> {
    const fingerprint = fileFingerprint(this.file);
    if (fingerprint === this.#seen) return;
    this.#data = await readCallsFile(this.file, fingerprint);
    this.#seen = fingerprint;
  }

  /** Entries started before this are past the retention. */
  #cutoff(): number {
    return this.now() - this.retentionMs;
  }

  #kept(owner: string): CallHistoryEntry[] {
    const cutoff = this.#cutoff();
    return (this.#data.owners[owner]?.calls ?? []).filter((c) => c.startedAt >= cutoff);
  }

  /** Applies `change` to a pruned copy and writes it; memory follows once it is on disk. */
  #write<T>(change: (data: Data) => T): Promise<T> {
    return this.#queue.run(async () => {
      const cutoff = this.#cutoff();
      const owners: Record<string, OwnerHistory> = {};
      for (const [owner, history] of Object.entries(this.#data.owners)) {
        owners[owner] = { seenAt: history.seenAt, calls: history.calls.filter((c) => c.startedAt >= cutoff) };
      }
      const next: Data = { version: 1, owners };
      const result = change(next);
      for (const [owner, history] of Object.entries(next.owners))
        if (history.calls.length === 0 && history.seenAt === 0) delete next.owners[owner];
      await writePrivateFile(this.file, Buffer.from(JSON.stringify(next)));
      this.#data = next;
      this.#seen = fileFingerprint(this.file);
      return result;
    });
  }

  add(entries: readonly { owner: string; entry: CallHistoryEntry }[]): Promise<void> {
    return this.#write((data) => {
      for (const { owner, entry } of entries) {
        const history = (data.owners[owner] ??= { seenAt: 0, calls: [] });
        history.calls.push({ ...entry });
        history.calls.sort(newestFirst);
      }
    });
  }

  page(owner: string, limit: number, cursor?: string): Promise<StoredCallsPage> {
    const after = cursor === undefined ? () => true : cursorFilter(cursor);
    return this.#queue.run(() => {
      const matching = this.#kept(owner).filter(after);
      const calls = matching.slice(0, limit);
      const next = matching.length > limit ? cursorOf(calls.at(-1)!) : null;
      return { calls, next };
    });
  }

  delete(owner: string, id: string): Promise<boolean> {
    return this.#write((data) => {
      const history = data.owners[owner];
      const index = history?.calls.findIndex((c) => c.id === id) ?? -1;
      if (index < 0) return false;
      history!.calls.splice(index, 1);
      return true;
    });
  }

  unseenMissed(owner: string): Promise<number> {
    return this.#queue.run(() => {
      const seenAt = this.#data.owners[owner]?.seenAt ?? 0;
      return this.#kept(owner).filter((c) => c.direction === 'incoming' && c.outcome === 'missed' && c.startedAt > seenAt).length;
    });
  }

  markSeen(owner: string, at: number): Promise<void> {
    return this.#write((data) => {
      const history = (data.owners[owner] ??= { seenAt: 0, calls: [] });
      history.seenAt = Math.max(history.seenAt, at);
    });
  }

  prune(): Promise<number> {
    const total = (data: Data) => Object.values(data.owners).reduce((n, h) => n + h.calls.length, 0);
    // The write prunes; what it left, against what was there before it.
    return this.#write((pruned) => total(this.#data) - total(pruned));
  }

  deleteOwner(owner: string): Promise<void> {
    return this.#write((data) => {
      delete data.owners[owner];
    });
  }

  close(): Promise<void> {
    return this.#queue.idle();
  }
}

/** Opens (or creates on the first write) the call history in `dataDir`. Throws `StoreError` on a corrupt file. */
export async function openJsonCallHistoryStore(dataDir: string, options: JsonCallHistoryOptions): Promise<CallHistoryStore> {
  await ensurePrivateDir(dataDir);
  const file = path.join(dataDir, CALLS_FILE);
  await makePrivate(file);
  const store = new JsonCallHistoryStore(file, options.retentionMs, options.now ?? Date.now);
  await store.load();
  return store;
}
