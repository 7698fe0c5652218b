/**
 * Each room's group call (PROTOCOL.md §6): who holds which seat, handed out in order, and the
 * retained state everyone in the room reads. One place decides every join, so two people joining
 * at the same instant get two different seats and the glare rule (the higher seat offers) holds.
 *
 * Kept in this process's memory: one node (scale-out, #15, moves it to Redis). Time comes from an
 * injected clock so the lost-seat rule is tested without waiting.
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

interface LiveCall {
  call: RoomCall;
  nextSeat: number;
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
    const live = this.#calls.get(roomId) ?? this.#start(roomId);
    const staying = live.call.members.filter((m) => m.user !== joiner.user);
    // Limits are at least 2 (config), so a call being started always has a seat: no empty call is left behind.
    const problem = seatProblem(staying, joiner.media, live.call.limits);
    if (problem) throw new CallFullError(problem);
    for (const gone of live.call.members) if (gone.user === joiner.user) this.#forgetLost(gone.sid);
    const seat: Seat = { ...joiner, media: { ...joiner.media }, seat: live.nextSeat++, joinedAt: this.#clock.now() };
    live.call = { ...live.call, members: [...staying, seat] };
    this.options.publish(roomId, live.call);
    return { call: live.call, seat: seat.seat };
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

  #start(roomId: string): LiveCall {
    const live: LiveCall = {
      call: {
        id: randomBytes(16).toString('base64url'),
        room: roomId,
        startedAt: this.#clock.now(),
        members: [],
        limits: { ...this.options.limits },
      },
      nextSeat: 1,
    };
    this.#calls.set(roomId, live);
    return live;
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
    if (!live) return false;
    const staying = live.call.members.filter((m) => !which(m));
    if (staying.length === live.call.members.length) return false;
    if (staying.length === 0) {
      this.#calls.delete(roomId);
      this.options.publish(roomId, null);
    } else {
      live.call = { ...live.call, members: staying };
      this.options.publish(roomId, live.call);
    }
    return true;
  }
}
