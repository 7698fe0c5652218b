/**
 * Each room's group call (PROTOCOL.md §6): who holds which seat, handed out in order, and the
 * retained state everyone in the room reads. One place decides every join, so two people joining
 * at the same instant get two different seats and the glare rule (the higher seat offers) holds.
 *
 * `RoomCalls` keeps them in this process's memory (one node); `SharedRoomCalls`
 * (shared-room-calls.ts) keeps them in Redis for every node (REDIS_URL), with the same decisions
 * (`seatJoiner`, `withoutSeats`). Time comes from an injected clock so the lost-seat rule is
 * tested without waiting.
 */
import { randomBytes } from 'node:crypto';
import { SEAT_LOST_AFTER_MS, seatProblem, type MediaKinds, type RoomCall, type Seat } from '../../src/protocol/index.js';

export interface RoomCallsClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: RoomCallsClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface RoomCallsOptions {
  limits: RoomCall['limits'];
  /** Publishes the room's call (retained), or clears it (null) once it ended. */
  publish(roomId: string, call: RoomCall | null): void;
  clock?: RoomCallsClock;
}

export interface Joiner {
  user: string;
  name: string;
  sid: string;
  media: MediaKinds;
}

export class CallFullError extends Error {
  constructor(readonly code: 'call_full' | 'call_full_video') {
    super(code === 'call_full' ? 'This call is full.' : 'This call has no room for more video. You can join with audio only.');
    this.name = 'CallFullError';
  }
}

/** A room's call as kept: the call and the next seat to hand out. */
export interface LiveCall {
  call: RoomCall;
  nextSeat: number;
}

/** A new call in `roomId`, with no seat yet. */
export function newLiveCall(roomId: string, limits: RoomCall['limits'], now: number): LiveCall {
  return {
    call: { id: randomBytes(16).toString('base64url'), room: roomId, startedAt: now, members: [], limits: { ...limits } },
    nextSeat: 1,
  };
}

/**
 * `live` with `joiner` seated (a seat of the same user given up in the same change), the seat,
 * and the sids whose seats went; throws CallFullError when no seat fits.
 */
export function seatJoiner(live: LiveCall, joiner: Joiner, now: number): { live: LiveCall; seat: number; replaced: string[] } {
  const staying = live.call.members.filter((m) => m.user !== joiner.user);
  // Limits are at least 2 (config), so a call being started always has a seat: no empty call is left behind.
  const problem = seatProblem(staying, joiner.media, live.call.limits);
  if (problem) throw new CallFullError(problem);
  const replaced = live.call.members.filter((m) => m.user === joiner.user).map((m) => m.sid);
  const seat: Seat = { ...joiner, media: { ...joiner.media }, seat: live.nextSeat, joinedAt: now };
  return { live: { call: { ...live.call, members: [...staying, seat] }, nextSeat: live.nextSeat + 1 }, seat: seat.seat, replaced };
}

/** `live` without the seats `which` picks: undefined when none went, null when the call ended with them. */
export function withoutSeats(live: LiveCall, which: (m: Seat) => boolean): LiveCall | null | undefined {
  const staying = live.call.members.filter((m) => !which(m));
  if (staying.length === live.call.members.length) return undefined;
  return staying.length === 0 ? null : { ...live, call: { ...live.call, members: staying } };
}

export class RoomCalls {
  readonly #calls = new Map<string, LiveCall>();
  /** Seats whose tab is disconnected, by sid: the timer that ends them. */
  readonly #lost = new Map<string, unknown>();
  readonly #clock: RoomCallsClock;

  constructor(private readonly options: RoomCallsOptions) {
    this.#clock = options.clock ?? systemClock;
  }

  /** The room's call, or null when none is on. */
  callOf(roomId: string): RoomCall | null {
    return this.#calls.get(roomId)?.call ?? null;
  }

  /**
   * Seats `joiner` in `roomId`'s call (starting one if none is on) and returns the call and the
   * new seat. A user already seated gives up their old seat in the same change (a reload, another
   * tab). Throws CallFullError when no seat fits.
   */
  join(roomId: string, joiner: Joiner): { call: RoomCall; seat: number } {
    const seated = seatJoiner(
      this.#calls.get(roomId) ?? newLiveCall(roomId, this.options.limits, this.#clock.now()),
      joiner,
      this.#clock.now(),
    );
    for (const sid of seated.replaced) this.#forgetLost(sid);
    this.#calls.set(roomId, seated.live);
    this.options.publish(roomId, seated.live.call);
    return { call: seated.live.call, seat: seated.seat };
  }

  /** `join` for callers that serve either engine (the HTTP route): resolves once the seat is kept. */
  async joinSeat(roomId: string, joiner: Joiner): Promise<{ call: RoomCall; seat: number }> {
    return this.join(roomId, joiner);
  }

  /** `leave` for callers that serve either engine. */
  async leaveSeat(roomId: string, user: string, sid: string): Promise<boolean> {
    return this.leave(roomId, user, sid);
  }

  /** Ends `user`'s seat held by `sid` in `roomId`'s call; false when there was none. */
  leave(roomId: string, user: string, sid: string): boolean {
    return this.#remove(roomId, (m) => m.user === user && m.sid === sid);
  }

  /** `user` lost `roomId` (a new site token, a guest's end): their seat there ends. */
  roomLost(roomId: string, user: string): void {
    this.#remove(roomId, (m) => m.user === user);
  }

  /** `user`'s rooms changed: their seats in calls of rooms they are no longer in end. */
  roomsChanged(user: string, stillIn: (roomId: string) => boolean): void {
    for (const [roomId, live] of [...this.#calls]) {
      if (!stillIn(roomId) && live.call.members.some((m) => m.user === user)) this.roomLost(roomId, user);
    }
  }

  /** A tab's connection closed: its seats end after SEAT_LOST_AFTER_MS unless it comes back. */
  disconnected(sid: string): void {
    if (this.#lost.has(sid) || !this.#seatsOf(sid)) return;
    const timer = this.#clock.setTimeout(() => {
      this.#lost.delete(sid);
      for (const roomId of [...this.#calls.keys()]) this.#remove(roomId, (m) => m.sid === sid);
    }, SEAT_LOST_AFTER_MS);
    this.#lost.set(sid, timer);
  }

  /** The tab connected again in time: its seats stay. */
  reconnected(sid: string): void {
    this.#forgetLost(sid);
  }

  /** Stops every timer (shutdown). */
  close(): void {
    for (const sid of [...this.#lost.keys()]) this.#forgetLost(sid);
  }

  #seatsOf(sid: string): boolean {
    for (const { call } of this.#calls.values()) if (call.members.some((m) => m.sid === sid)) return true;
    return false;
  }

  #forgetLost(sid: string): void {
    const timer = this.#lost.get(sid);
    if (timer === undefined) return;
    this.#clock.clearTimeout(timer);
    this.#lost.delete(sid);
  }

  /** Removes the seats `which` picks; the call ends with its last seat. */
  #remove(roomId: string, which: (m: Seat) => boolean): boolean {
    const live = this.#calls.get(roomId);
    const next = live && withoutSeats(live, which);
    if (next === undefined) return false;
    if (next === null) this.#calls.delete(roomId);
    else this.#calls.set(roomId, next);
    this.options.publish(roomId, next?.call ?? null);
    return true;
  }
}
