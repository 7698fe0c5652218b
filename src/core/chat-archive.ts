/**
 * Conversations kept across reloads in this browser (issue #16, "Reloads"): per signed-in user,
 * keyed by their user id, in IndexedDB (src/core/idb.ts), bounded, and removed at sign-out.
 * Without IndexedDB (a private window, blocked storage) nothing is kept and nothing fails.
 */
import { idbRead, idbWrite, openIdb } from './idb.js';
import { MAX_CHAT_ENTRIES } from './chat-book.js';
import type { ChatEntry } from './types.js';

/** Messages kept per conversation across a reload. */
export const ARCHIVE_PER_PEER = 200;
/** Conversations kept: the ones with the latest messages. */
export const ARCHIVE_PEERS = 50;

export type Conversations = Record<string, ChatEntry[]>;

/** Where conversations are kept; `IdbChatArchive` in a browser. */
export interface ChatArchive {
  load(userId: string): Promise<Conversations | null>;
  save(userId: string, chats: Conversations): void;
  clear(userId: string): Promise<void>;
}

const lastTs = (entries: readonly ChatEntry[]) => entries.reduce((latest, e) => Math.max(latest, e.ts), 0);

/**
 * What is kept of `chats`: the `ARCHIVE_PEERS` conversations with the latest messages, the last
 * `ARCHIVE_PER_PEER` messages of each. A message still being sent is kept as failed: the send
 * in flight does not outlive the page.
 */
export function boundArchive(chats: Conversations): Conversations {
  const kept = Object.entries(chats)
    .filter(([, entries]) => entries.length > 0)
    .sort(([, a], [, b]) => lastTs(b) - lastTs(a))
    .slice(0, ARCHIVE_PEERS);
  return Object.fromEntries(
    kept.map(([peer, entries]) => [
      peer,
      entries.slice(-ARCHIVE_PER_PEER).map((e) => (e.delivery === 'sending' ? { ...e, delivery: 'failed' as const } : e)),
    ]),
  );
}

const key = (e: ChatEntry) => `${e.fromMe ? 'mine' : 'theirs'}:${e.id}`;

/** The kept conversations with what arrived meanwhile (after them); a message in both is kept once, as it is now. */
export function mergeChats(archived: Conversations, live: Conversations): Conversations {
  const merged: Conversations = {};
  for (const peer of new Set([...Object.keys(archived), ...Object.keys(live)])) {
    const now = live[peer] ?? [];
    const liveKeys = new Set(now.map(key));
    const older = (archived[peer] ?? []).filter((e) => !liveKeys.has(key(e)));
    merged[peer] = [...older, ...now].slice(-MAX_CHAT_ENTRIES);
  }
  return merged;
}

const isEntry = (v: unknown): v is ChatEntry => {
  const e = v as Partial<ChatEntry> | null;
  return typeof e === 'object' && e !== null && typeof e.id === 'string' && typeof e.peerId === 'string' && typeof e.text === 'string';
};

/** Only well-formed entries of a stored value (another version of the widget may have written it). */
export function readConversations(value: unknown): Conversations | null {
  if (typeof value !== 'object' || value === null) return null;
  const out: Conversations = {};
  for (const [peer, entries] of Object.entries(value as Record<string, unknown>)) {
    if (Array.isArray(entries)) out[peer] = entries.filter(isEntry).filter((e) => e.peerId === peer);
  }
  return out;
}

const DB_NAME = 'rtc-call-chats';
const STORE = 'conversations';

/** IndexedDB, opened on first use; every write after the one in flight is folded into the next. */
export class IdbChatArchive implements ChatArchive {
  #db: Promise<IDBDatabase | null> | undefined;
  #writing: Promise<void> | undefined;
  readonly #next = new Map<string, Conversations | undefined>();

  constructor(private readonly name = DB_NAME) {}

  #open(): Promise<IDBDatabase | null> {
    return (this.#db ??= openIdb(this.name, [STORE]));
  }

  async load(userId: string): Promise<Conversations | null> {
    const db = await this.#open();
    if (!db) return null;
    try {
      return readConversations(await idbRead(db, STORE, userId));
    } catch {
      return null;
    }
  }

  save(userId: string, chats: Conversations): void {
    this.#next.set(userId, chats);
    this.#flush();
  }

  async clear(userId: string): Promise<void> {
    this.#next.set(userId, undefined);
    this.#flush();
    await this.#writing;
  }

  #flush(): void {
    if (this.#writing) return;
    this.#writing = (async () => {
      const db = await this.#open();
      while (this.#next.size > 0) {
        const [userId, chats] = this.#next.entries().next().value!;
        this.#next.delete(userId);
        // A failed write (quota, blocked storage) loses only what a reload would show.
        if (db) await idbWrite(db, STORE, userId, chats).catch(() => undefined);
      }
      this.#writing = undefined;
    })();
  }
}
