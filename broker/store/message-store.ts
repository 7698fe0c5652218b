/**
 * The store of messages kept while their recipient is away (PROTOCOL.md §8), behind an interface
 * like the user and room stores: one implementation per engine (a JSON file now:
 * json-message-store.ts; Redis for scale-out). Every change is decided on fresh data, one at a
 * time, so the bounds hold under concurrent requests and a message is removed exactly once
 * (delivered, taken back or expired), never twice and never silently.
 *
 * What a Redis implementation needs: a hash per message (`msg:<id>`, with a TTL at `expiresAt`),
 * a sorted set of ids per recipient and per sender scored by `expiresAt` (expired ones removed
 * with ZREMRANGEBYSCORE before each read), and `add`, `withdraw` and `delivered` each as one Lua
 * script, so the bound checks and the removal are atomic across backend nodes (the per-pair
 * count and bytes can be summed from the recipient's set, or kept as counters in the same
 * script). Delivery needs nothing more: the node that holds the subscribing connection reads
 * `pendingFor`; the `chat-delivered` note reaches the sender's node through the shared MQTT
 * emitter (mqemitter-redis), like any publish.
 */

/** One kept message. Times are Unix ms of the backend's clock. */
export interface PendingMessage {
  /** The sender's own id for it (MESSAGE_ID_PATTERN); unique in the store. */
  id: string;
  from: string;
  to: string;
  text: string;
  sentAt: number;
  expiresAt: number;
}

/** The bounds a new message must fit (config: MAX_PENDING_*). */
export interface PendingLimits {
  perPair: number;
  bytesPerPair: number;
  perRecipient: number;
}

/** Which bound a new message would pass; nothing was kept. */
export class PendingLimitError extends Error {
  override name = 'PendingLimitError';
  constructor(
    readonly limit: 'count' | 'bytes' | 'recipient',
    readonly max: number,
  ) {
    super(
      limit === 'count'
        ? `at most ${max} messages can wait for one person from you`
        : limit === 'bytes'
          ? `at most ${max} bytes of messages can wait for one person from you`
          : `at most ${max} messages can wait for one person`,
    );
  }
}

/** The id is another sender's message, or this sender's with other content: nothing was kept. */
export class MessageIdTakenError extends Error {
  override name = 'MessageIdTakenError';
  constructor() {
    super('a message with this id is already kept');
  }
}

/** UTF-8 bytes of a text, as the pair's byte bound counts it. */
export const textBytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * Whether `message` may join `kept` (the live messages now) within `limits`; throws
 * `PendingLimitError` naming the bound it would pass. Shared by every engine.
 */
export function checkPendingLimits(kept: readonly PendingMessage[], message: PendingMessage, limits: PendingLimits): void {
  const toRecipient = kept.filter((m) => m.to === message.to);
  if (toRecipient.length >= limits.perRecipient) throw new PendingLimitError('recipient', limits.perRecipient);
  const pair = toRecipient.filter((m) => m.from === message.from);
  if (pair.length >= limits.perPair) throw new PendingLimitError('count', limits.perPair);
  const bytes = pair.reduce((sum, m) => sum + textBytes(m.text), 0);
  if (bytes + textBytes(message.text) > limits.bytesPerPair) throw new PendingLimitError('bytes', limits.bytesPerPair);
}

/** Same sender, recipient and text: a retry of a message already kept. */
export const sameMessage = (a: PendingMessage, b: Pick<PendingMessage, 'from' | 'to' | 'text'>): boolean =>
  a.from === b.from && a.to === b.to && a.text === b.text;

export interface MessageStore {
  /**
   * Keeps `message` (`PendingLimitError` over a bound). The same message again (same id, sender,
   * recipient and text: a retry) keeps nothing new and resolves with the one kept, `added` false;
   * another message with that id is `MessageIdTakenError`.
   */
  add(message: PendingMessage, limits: PendingLimits): Promise<{ message: PendingMessage; added: boolean }>;
  /** Live messages for `to`, oldest first. */
  pendingFor(to: string): Promise<PendingMessage[]>;
  /** Live messages `from` sent, oldest first. */
  sentBy(from: string): Promise<PendingMessage[]>;
  /** Removes `id` if `from` sent it and it is still kept; whether it was. */
  withdraw(from: string, id: string): Promise<boolean>;
  /** Removes those of `ids` kept for `to` and returns them (delivered); others are left alone. */
  delivered(to: string, ids: readonly string[]): Promise<PendingMessage[]>;
  /** Waits for pending writes. */
  close(): Promise<void>;
}
