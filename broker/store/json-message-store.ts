/**
 * MessageStore in a JSON file: `messages.json` in DATA_DIR, 0600 and written atomically like every
 * file there (private-file.ts). One queue runs every operation on fresh data (another process may
 * have written the file), so a delivery and a withdrawal of one message cannot both succeed.
 * Expired messages are left out of every answer and pruned on each write.
 */
import path from 'node:path';
import { SerialQueue, StoreFile } from './changing-file.js';
import { ensurePrivateDir, makePrivate } from './private-file.js';
import {
  MessageIdTakenError,
  checkPendingLimits,
  sameMessage,
  type MessageStore,
  type PendingLimits,
  type PendingMessage,
} from './message-store.js';

export const MESSAGES_FILE = 'messages.json';

interface Data {
  version: 1;
  messages: PendingMessage[];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function isPendingMessage(value: unknown): value is PendingMessage {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    typeof value.from === 'string' &&
    typeof value.to === 'string' &&
    typeof value.text === 'string' &&
    typeof value.sentAt === 'number' &&
    typeof value.expiresAt === 'number'
  );
}

const isData = (value: unknown): value is Data =>
  isRecord(value) && Array.isArray(value.messages) && value.messages.every(isPendingMessage);

const messagesFile = (file: string) =>
  new StoreFile<Data>(file, { version: 1, messages: [] }, isData, { kind: 'Message store', expected: '{"messages": [...]}' });

/** The messages `messages.json` in `dataDir` holds, in the order they were kept (none when missing), for migrate-to-redis. */
export async function readJsonMessages(dataDir: string): Promise<PendingMessage[]> {
  const file = messagesFile(path.join(dataDir, MESSAGES_FILE));
  await file.load();
  return file.data.messages;
}

class JsonMessageStore implements MessageStore {
  readonly #file: StoreFile<Data>;
  readonly #now: () => number;
  readonly #queue = new SerialQueue(() => this.load());

  constructor(file: string, now: () => number) {
    this.#file = messagesFile(file);
    this.#now = now;
  }

  load(): Promise<void> {
    return this.#file.load();
  }

  #live(): PendingMessage[] {
    const now = this.#now();
    return this.#file.data.messages.filter((m) => m.expiresAt > now);
  }

  /** Runs `decide` on the live messages; writes them (if it changed anything) before memory follows. */
  #change<T>(decide: (messages: PendingMessage[]) => { value: T; changed: boolean }): Promise<T> {
    return this.#queue.run(async () => {
      const messages = this.#live().map((m) => ({ ...m }));
      const { value, changed } = decide(messages);
      if (changed) await this.#file.write({ version: 1, messages });
      return value;
    });
  }

  add(message: PendingMessage, limits: PendingLimits) {
    return this.#change((messages) => {
      const kept = messages.find((m) => m.id === message.id);
      if (kept && sameMessage(kept, message)) return { value: { message: kept, added: false }, changed: false };
      if (kept) throw new MessageIdTakenError();
      checkPendingLimits(messages, message, limits);
      messages.push({ ...message });
      return { value: { message: { ...message }, added: true }, changed: true };
    });
  }

  pendingFor(to: string) {
    return this.#queue.run(() => this.#live().filter((m) => m.to === to));
  }

  sentBy(from: string) {
    return this.#queue.run(() => this.#live().filter((m) => m.from === from));
  }

  withdraw(from: string, id: string) {
    return this.#change((messages) => {
      const at = messages.findIndex((m) => m.id === id && m.from === from);
      if (at >= 0) messages.splice(at, 1);
      return { value: at >= 0, changed: at >= 0 };
    });
  }

  delivered(to: string, ids: readonly string[]) {
    const wanted = new Set(ids);
    return this.#change((messages) => {
      const gone = messages.filter((m) => m.to === to && wanted.has(m.id));
      const left = messages.filter((m) => !gone.includes(m));
      messages.splice(0, messages.length, ...left);
      return { value: gone, changed: gone.length > 0 };
    });
  }

  close(): Promise<void> {
    return this.#queue.idle();
  }
}

/** Opens (or creates on the first write) the kept messages in `dataDir`. Throws `StoreError` on a corrupt file. */
export async function openJsonMessageStore(dataDir: string, now: () => number = Date.now): Promise<MessageStore> {
  await ensurePrivateDir(dataDir);
  const file = path.join(dataDir, MESSAGES_FILE);
  await makePrivate(file);
  const store = new JsonMessageStore(file, now);
  await store.load();
  return store;
}
