/**
 * Rooms' group calls kept in Redis (REDIS_URL), so that every node hands out seats from one
 * place: two people joining one room's call through two nodes at the same instant get two
 * different seats of one call. The decisions are RoomCalls' own (`seatJoiner`, `withoutSeats`);
 * only where the state lives differs. Keys (after the connection's prefix):
 *
 * - `room-call:<roomId>`: the live call and its next seat (JSON), changed in an optimistic
 *   transaction (WATCH, decide, MULTI/EXEC; again if another node changed it);
 * - `room-calls`: set of the rooms with a call on (for a user's lost rooms, a tab's seats);
 * - `seat-lost:<sid>`: a tab with a seat whose connection closed, with a token per closing.
 *
 * The node where a tab's connection closed arms the lost-seat timer; the tab may come back on
 * any node, which removes the mark, and the timer ends the seats only if its own mark is still
 * there. The node that changed a call publishes it (retained); the MQTT bus carries it to the
 * other nodes' subscribers.
 */
import { randomBytes } from 'node:crypto';
import { SEAT_LOST_AFTER_MS, type RoomCall, type Seat } from '../../src/protocol/index.js';
import type { RedisConnection } from '../store/redis-connection.js';
import { decodeRecord, PendingWrites } from '../store/redis-connection.js';
import { SerialQueue } from '../store/changing-file.js';
import { RedisTransactions } from '../store/redis-transaction.js';
import { newLiveCall, RoomCalls, seatJoiner, withoutSeats, type Joiner, type LiveCall, type RoomCallsOptions } from './room-calls.js';

/** How long a lost mark outlives the timer that reads it, should that node die first. */
const MARK_SLACK_MS = 60_000;

const isLiveCall = (value: unknown): value is LiveCall =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as LiveCall).nextSeat === 'number' &&
  Array.isArray((value as LiveCall).call?.members);

/** What a change of one room's call decided: its answer, and the call as it is to be (undefined: unchanged). */
interface CallChange<T> {
  value: T;
  next?: LiveCall | null;
}

export class SharedRoomCalls extends RoomCalls {
  readonly #redis: RedisConnection;
  readonly #tx: RedisTransactions;
  readonly #opts: RoomCallsOptions;
  readonly #clock: NonNullable<RoomCallsOptions['clock']>;
  readonly #timers = new Set<unknown>();
  readonly #writes = new PendingWrites();
  /** A tab's closing and coming back, in the order this node saw them (a takeover reports both at once). */
  readonly #tabs = new SerialQueue(() => undefined);
  /** The calls as this node last changed or read them: `callOf` answers from here. */
  readonly #seen = new Map<string, RoomCall>();

  private constructor(options: RoomCallsOptions, redis: RedisConnection, tx: RedisTransactions) {
    super(options);
    this.#opts = options;
    this.#redis = redis;
    this.#tx = tx;
    this.#clock = options.clock ?? {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    };
  }

  /** Opens the shared calls on `redis` (a connection of their own for the transactions). */
  static async open(options: RoomCallsOptions, redis: RedisConnection): Promise<SharedRoomCalls> {
    return new SharedRoomCalls(options, redis, new RedisTransactions(await redis.dedicated()));
  }

  #key(roomId: string): string {
    return this.#redis.key(`room-call:${roomId}`);
  }

  #lostKey(sid: string): string {
    return this.#redis.key(`seat-lost:${sid}`);
  }

  get #all(): string {
    return this.#redis.key('room-calls');
  }

  /** Runs `decide` on the room's call as Redis holds it, writes what it decided, then publishes it. */
  #change<T>(roomId: string, decide: (live: LiveCall | undefined) => CallChange<T>): Promise<T> {
    let published: LiveCall | null | undefined;
    const done = this.#tx.run(async (watch) => {
      const key = this.#key(roomId);
      await watch(key);
      const live = decodeRecord(await this.#tx.redis.get(key), isLiveCall, 'room call');
      const { value, next } = decide(live);
      published = next;
      if (next === undefined) return { value };
      return {
        value,
        write: (multi) => {
          if (next === null) multi.del(key).srem(this.#all, roomId);
          else multi.set(key, JSON.stringify(next)).sadd(this.#all, roomId);
        },
      };
    });
    return this.#writes.track(async () => {
      const value = await done;
      if (published !== undefined) {
        if (published === null) this.#seen.delete(roomId);
        else this.#seen.set(roomId, published.call);
        this.#opts.publish(roomId, published?.call ?? null);
      }
      return value;
    });
  }

  /** Removes the seats `which` picks in `roomId`'s call; whether any went. */
  #remove(roomId: string, which: (m: Seat) => boolean): Promise<boolean> {
    return this.#change(roomId, (live) => {
      const next = live && withoutSeats(live, which);
      return { value: next !== undefined, next };
    });
  }

  /** Every call on now, from Redis. */
  async #calls(): Promise<LiveCall[]> {
    const rooms = await this.#redis.client.smembers(this.#all);
    if (rooms.length === 0) return [];
    const held = await this.#redis.client.mget(rooms.map((r) => this.#key(r)));
    return held.flatMap((json) => {
      const live = decodeRecord(json, isLiveCall, 'room call');
      return live ? [live] : [];
    });
  }

  /** Fire and forget for the broker's void hooks: a failure is logged by nobody, so it must not throw. */
  #background(work: Promise<unknown>): void {
    void work.catch(() => undefined);
  }

  override callOf(roomId: string): RoomCall | null {
    return this.#seen.get(roomId) ?? null;
  }

  override join(): never {
    throw new Error('SharedRoomCalls: use joinSeat (the seats are decided in Redis)');
  }

  override leave(): never {
    throw new Error('SharedRoomCalls: use leaveSeat (the seats are decided in Redis)');
  }

  override async joinSeat(roomId: string, joiner: Joiner): Promise<{ call: RoomCall; seat: number }> {
    const seated = await this.#change(roomId, (live) => {
      const now = this.#clock.now();
      const result = seatJoiner(live ?? newLiveCall(roomId, this.#opts.limits, now), joiner, now);
      return { value: result, next: result.live };
    });
    // The same user's other tab gave up its seat: a lost mark of it no longer matters.
    if (seated.replaced.length > 0) await this.#redis.client.del(...seated.replaced.map((sid) => this.#lostKey(sid)));
    return { call: seated.live.call, seat: seated.seat };
  }

  override leaveSeat(roomId: string, user: string, sid: string): Promise<boolean> {
    return this.#remove(roomId, (m) => m.user === user && m.sid === sid);
  }

  override roomLost(roomId: string, user: string): void {
    this.#background(this.#remove(roomId, (m) => m.user === user));
  }

  override roomsChanged(user: string, stillIn: (roomId: string) => boolean): void {
    this.#background(
      this.#calls().then((calls) =>
        Promise.all(
          calls
            .filter(({ call }) => !stillIn(call.room) && call.members.some((m) => m.user === user))
            .map(({ call }) => this.#remove(call.room, (m) => m.user === user)),
        ),
      ),
    );
  }

  override disconnected(sid: string): void {
    this.#background(this.#writes.track(() => this.#tabs.run(() => this.#markLost(sid))));
  }

  override reconnected(sid: string): void {
    this.#background(this.#writes.track(() => this.#tabs.run(() => this.#redis.client.del(this.#lostKey(sid)))));
  }

  override close(): void {
    for (const timer of this.#timers) this.#clock.clearTimeout(timer);
    this.#timers.clear();
  }

  /** Waits for the changes begun (tests, shutdown). */
  settled(): Promise<void> {
    return this.#writes.idle();
  }

  /** Marks `sid` lost if it holds a seat, and ends its seats after SEAT_LOST_AFTER_MS unless it came back (on any node). */
  async #markLost(sid: string): Promise<void> {
    const seated = (await this.#calls()).some(({ call }) => call.members.some((m) => m.sid === sid));
    if (!seated) return;
    const token = randomBytes(9).toString('base64url');
    await this.#redis.client.set(this.#lostKey(sid), token, 'PX', SEAT_LOST_AFTER_MS + MARK_SLACK_MS);
    const timer = this.#clock.setTimeout(() => {
      this.#timers.delete(timer);
      this.#background(this.#endIfStillLost(sid, token));
    }, SEAT_LOST_AFTER_MS);
    this.#timers.add(timer);
  }

  async #endIfStillLost(sid: string, token: string): Promise<void> {
    // Only this closing's own mark: a reconnection removed it, a later closing replaced it.
    if ((await this.#redis.client.get(this.#lostKey(sid))) !== token) return;
    await this.#redis.client.del(this.#lostKey(sid));
    for (const { call } of await this.#calls())
      if (call.members.some((m) => m.sid === sid)) await this.#remove(call.room, (m) => m.sid === sid);
  }
}
