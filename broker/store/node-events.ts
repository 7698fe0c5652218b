/**
 * What one backend node tells the others, for what each node keeps in its own memory and must
 * hear of when another node changed it. On Redis (REDIS_URL) they travel on one pub/sub channel
 * (./redis-node-events.ts, loaded only then); without Redis there is one node and nothing to
 * tell: `NO_NODE_EVENTS`. This module imports nothing from Redis, so a single-node backend does
 * not load ioredis for it.
 *
 * - `members-changed`: a user's rooms may have changed (a site token's rooms, a guest's end): each
 *   node re-checks that user's connections (Membership.changed);
 * - `guest-expected`: a guest was made that ends at `at`: each node's sweeper arms for it, so the
 *   guest ends on time even if the node that made it is gone;
 * - `privacy-changed`: a user's do-not-disturb/invisible changed: each node's broker applies it
 *   (the callee's settings are read on the caller's node when an invite passes).
 */
import type { PrivacySettings } from '../../src/protocol/index.js';

export type NodeEvent =
  | { type: 'members-changed'; userId: string }
  | { type: 'guest-expected'; at: number }
  | { type: 'privacy-changed'; userId: string; privacy: PrivacySettings };

export interface NodeEvents {
  /** Tells the other nodes; resolves once Redis took it (never for this node's own listeners). */
  tell(event: NodeEvent): Promise<void>;
  /** `listener` hears what the other nodes tell. */
  on(listener: (event: NodeEvent) => void): void;
  close(): Promise<void>;
}

/** One node: nobody to tell. */
export const NO_NODE_EVENTS: NodeEvents = { tell: async () => undefined, on: () => undefined, close: async () => undefined };

/**
 * A message on a channel every node hears, as the nodes write it: the sender's node id and the
 * event (a node skips its own). Node events and the call recorder's channel (cluster/) both use it.
 */
export const nodeMessage = (node: string, event: { type: string }): string => JSON.stringify({ node, event });

/** The event of a `nodeMessage` from another node, when its type is one of `types`; undefined for this node's own or anything else. */
export function fromOtherNode<E extends { type: string }>(message: string, ownNode: string, types: ReadonlySet<string>): E | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { node, event } = parsed as { node?: unknown; event?: { type?: unknown } };
  if (node === ownNode || typeof event !== 'object' || event === null || typeof event.type !== 'string') return undefined;
  return types.has(event.type) ? (event as E) : undefined;
}
