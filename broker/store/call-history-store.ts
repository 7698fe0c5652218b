/**
 * The call history store interface (PROTOCOL.md §7): each person's own entries of the calls the
 * broker saw, kept `HISTORY_DAYS`. One implementation per engine (a JSON file now:
 * json-call-history-store.ts; Redis after the scale-out issue). Entries older than the retention
 * are never returned, whether or not they were pruned yet.
 */
import type { CallHistoryEntry } from '../../src/protocol/index.js';

/** One page of a person's history, newest first; `next` continues after its last entry. */
export interface StoredCallsPage {
  calls: CallHistoryEntry[];
  next: string | null;
}

/** A cursor that is not one this store gave out. */
export class BadCursorError extends Error {
  override name = 'BadCursorError';
}

export interface CallHistoryStore {
  /** Adds entries (each to its `owner`'s history); resolves once durable. */
  add(entries: readonly { owner: string; entry: CallHistoryEntry }[]): Promise<void>;
  /** `owner`'s entries newest first, `limit` of them after `cursor`; `BadCursorError` for a cursor it never gave. */
  page(owner: string, limit: number, cursor?: string): Promise<StoredCallsPage>;
  /** Removes `owner`'s entry `id`; false when `owner` has none of that id (someone else's included). */
  delete(owner: string, id: string): Promise<boolean>;
  /** Missed incoming calls of `owner` that started after the last `markSeen`. */
  unseenMissed(owner: string): Promise<number>;
  /** `owner` saw their history (the missed-call badge clears) at `at`. */
  markSeen(owner: string, at: number): Promise<void>;
  /** Drops every entry older than the retention now; resolves with how many went. */
  prune(): Promise<number>;
  /** An account is gone: its whole history too. */
  deleteOwner(owner: string): Promise<void>;
  /** Waits for pending writes. */
  close(): Promise<void>;
}

/** Newest first: later start first, then the larger id (a total order for the cursor). */
export function newestFirst(a: CallHistoryEntry, b: CallHistoryEntry): number {
  return b.startedAt - a.startedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** The cursor after `entry`: its start and id, which `afterCursor` reads back. */
export function cursorOf(entry: CallHistoryEntry): string {
  return `${entry.startedAt}.${entry.id}`;
}

/** Whether `entry` comes after the cursor in newest-first order; `BadCursorError` for a malformed one. */
export function cursorFilter(cursor: string): (entry: CallHistoryEntry) => boolean {
  const match = /^(\d{1,16})\.([A-Za-z0-9_-]{22})$/.exec(cursor);
  if (!match) throw new BadCursorError('cursor is not one this service gave out');
  const edge = { startedAt: Number(match[1]), id: match[2]! } as CallHistoryEntry;
  return (entry) => newestFirst(edge, entry) < 0;
}
