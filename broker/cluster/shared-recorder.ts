/**
 * The call recorder across nodes (REDIS_URL; PROTOCOL.md §7 "Several backend nodes"). A 1:1 call
 * is held by the node its invite passed through (history/call-recorder.ts); its other messages
 * may pass through other nodes (the callee's tab is on another one), and its tabs may drop or
 * come back on any node. One pub/sub channel, `call-recorder`, carries what the holder must hear:
 *
 * - `relayed`: a call message this node relayed for a call it does not hold, with the sender's
 *   name and, for a refusal, the callee's tabs on every node;
 * - `watch` / `unwatch`: the connections of an answered call, so that every node tells the holder
 *   when one of them drops or comes back (`disconnected`, `reconnected`), and nothing else;
 * - `adopt`: a node that stops hands its calls over; one node claims each (SET NX in Redis) and
 *   goes on recording it, so a rolling restart does not end calls in the history.
 *
 * A node killed outright loses the calls it held: they are not in the history (docs/scaling.md).
 * Messages carry the sending node's id, and a node skips its own.
 */
import type { Redis } from 'ioredis';
import type { InboxMessage } from '../../src/protocol/index.js';
import type { PendingSnapshot, RelayContext } from '../history/call-recorder.js';
import { fromOtherNode, nodeMessage } from '../store/node-events.js';

export type RecorderEvent =
  | ({ type: 'relayed'; from: string; to: string; message: InboxMessage } & RelayContext)
  | { type: 'disconnected' | 'reconnected'; sid: string }
  | { type: 'watch'; call: string; sids: string[] }
  | { type: 'unwatch'; call: string }
  | { type: 'adopt'; calls: PendingSnapshot[] };

const TYPES = new Set(['relayed', 'disconnected', 'reconnected', 'watch', 'unwatch', 'adopt']);

export const RECORDER_CHANNEL = 'call-recorder';
/** A claim on a handed-over call outlives the hand-over's delivery to every node. */
const CLAIM_MS = 60_000;

/** What the broker's inbox watch needs of the other nodes. */
export interface RecorderLink {
  /** Tells the other nodes (fire and forget: Redis away loses it, as it would lose the message itself). */
  tell(event: RecorderEvent): void;
  /** Whether `sid` is a connection of an answered call another node holds. */
  watches(sid: string): boolean;
  /** The user's tabs on every node. */
  tabs(userId: string): Promise<number>;
  /** Whether this node takes a handed-over call (exactly one node does). */
  claim(snapshot: PendingSnapshot): Promise<boolean>;
  /** Whether the connection `sid` is on some node now. */
  connected(sid: string): Promise<boolean>;
}

export class SharedRecorder implements RecorderLink {
  /** sid → the answered calls (held elsewhere) it is a connection of. */
  readonly #watched = new Map<string, Set<string>>();
  /** call → its watched sids, to forget them when it is over. */
  readonly #sidsOf = new Map<string, string[]>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly nodeId: string,
    private readonly cluster: {
      count(userId: string): Promise<number>;
      isConnected(userId: string, sid: string): Promise<boolean>;
      claimOnce(name: string, ms: number): Promise<boolean>;
    },
  ) {}

  get channel(): string {
    return this.prefix + RECORDER_CHANNEL;
  }

  tell(event: RecorderEvent): void {
    void this.redis.publish(this.channel, nodeMessage(this.nodeId, event)).catch(() => undefined);
  }

  /**
   * A message on the channel: the event for the broker, or undefined (this node's own, or not one).
   * `watch` and `unwatch` are kept here and not passed on.
   */
  heard(message: string): RecorderEvent | undefined {
    const event = fromOtherNode<RecorderEvent>(message, this.nodeId, TYPES);
    if (event?.type === 'watch') this.#watch(event.call, event.sids);
    else if (event?.type === 'unwatch') this.#unwatch(event.call);
    else return event;
    return undefined;
  }

  watches(sid: string): boolean {
    return this.#watched.has(sid);
  }

  tabs(userId: string): Promise<number> {
    return this.cluster.count(userId);
  }

  connected(sid: string): Promise<boolean> {
    return this.cluster.isConnected(sid.slice(0, sid.indexOf(':')), sid);
  }

  claim(snapshot: PendingSnapshot): Promise<boolean> {
    return this.cluster.claimOnce(`recorder:${snapshot.caller}:${snapshot.callee}:${snapshot.callId}:${snapshot.startedAt}`, CLAIM_MS);
  }

  #watch(call: string, sids: string[]): void {
    this.#unwatch(call);
    this.#sidsOf.set(call, sids);
    for (const sid of sids) {
      let calls = this.#watched.get(sid);
      if (!calls) this.#watched.set(sid, (calls = new Set()));
      calls.add(call);
    }
  }

  #unwatch(call: string): void {
    for (const sid of this.#sidsOf.get(call) ?? []) {
      const calls = this.#watched.get(sid);
      calls?.delete(call);
      if (calls?.size === 0) this.#watched.delete(sid);
    }
    this.#sidsOf.delete(call);
  }
}
