/**
 * The visitor's rooms (PROTOCOL.md §4): fetched after sign-in (`GET /api/rooms`), again after a
 * join or a new room and after every reconnect; the presence subscriptions they need; and the
 * room whose people the list shows. An older backend without rooms (404) gets its one list
 * (`rtc/v1/presence/+`). The decisions are the pure functions below; `RoomBook` is the I/O.
 */
import {
  PRESENCE_WILDCARD,
  allowsGroupCalls,
  roomCallTopic,
  roomChatWildcard,
  roomPresenceTopic,
  roomPresenceWildcard,
  type Room,
} from '../protocol/index.js';
import { ApiRequestError, type ApiClient } from './api-client.js';
import { Timers, type Clock } from './clock.js';
import type { PresenceBook } from './presence-book.js';
import { LEGACY_ROOM } from './routing.js';
import type { SessionStore } from './session-state.js';
import { reconnectDelay } from './timing.js';

/**
 * The subscription that gives what `me` may see of `room`: everyone, or only the owner in
 * someone else's personal room (its wildcard would be refused). Null for a personal room whose
 * owner is unknown: there is nobody to see.
 */
export function roomPresenceSubscription(room: Room, me: string): string | null {
  if (room.kind !== 'personal' || room.owner === me) return roomPresenceWildcard(room.id);
  return room.owner ? roomPresenceTopic(room.id, room.owner) : null;
}

/** A room's call and chat (PROTOCOL.md §6), in rooms that have them: every room but a personal one. */
export function roomCallSubscriptions(room: Room): string[] {
  return allowsGroupCalls(room) ? [roomCallTopic(room.id), roomChatWildcard(room.id)] : [];
}

/** The room to show: the current one while the visitor is still in it, else `wanted` if given and there, else the first. */
export function chooseRoom(rooms: readonly Room[], current: string | null, wanted?: string): string | null {
  const has = (id: string | null | undefined): id is string => !!id && rooms.some((r) => r.id === id);
  if (has(wanted)) return wanted;
  if (has(current)) return current;
  return rooms[0]?.id ?? null;
}

/** A refused subscription asks for the room list again, but not more often than this. */
const REFUSED_REFETCH_MS = 5_000;

export interface RoomHooks {
  /** The presence topics signalling must hold from now on. */
  subscribe(topics: string[]): void;
}

export class RoomBook {
  /** Bumped by every load and by `clear`, so only the latest answer counts. */
  private loads = 0;
  private failures = 0;
  private lastRefusedFetch = -Infinity;
  private readonly timers: Timers<'retry'>;

  constructor(
    private readonly api: ApiClient,
    private readonly store: SessionStore,
    private readonly presence: PresenceBook,
    private readonly token: () => string | null,
    private readonly clock: Clock,
    private readonly hooks: RoomHooks,
  ) {
    this.timers = new Timers(clock);
  }

  /**
   * Fetches the room list and follows it: presence subscriptions, the people per room, the room
   * shown (`wanted` when given, e.g. a room just joined). A network failure is retried with backoff.
   */
  async load(wanted?: string): Promise<void> {
    const token = this.token();
    if (!token) return;
    const load = ++this.loads;
    this.timers.clear('retry');
    let rooms: Room[] | null;
    try {
      rooms = (await this.api.rooms(token)).rooms;
    } catch (e) {
      if (load !== this.loads) return;
      if (e instanceof ApiRequestError && e.status === 404) rooms = null;
      else if (e instanceof ApiRequestError && e.status === 401)
        return; // the sign-in itself ends
      else return this.retry(wanted);
    }
    if (load !== this.loads) return;
    this.failures = 0;
    if (rooms) this.follow(rooms, wanted);
    else this.followLegacy();
  }

  /** The broker refused a room's presence: the visitor left it meanwhile; fetch the list again (not in a loop). */
  refused(): void {
    const now = this.clock.now();
    if (now - this.lastRefusedFetch < REFUSED_REFETCH_MS) return;
    this.lastRefusedFetch = now;
    void this.load();
  }

  /** Shows `roomId`'s people, if it is one of the visitor's rooms. */
  select(roomId: string): void {
    if (this.store.state.room === roomId || !this.store.state.rooms.some((r) => r.id === roomId)) return;
    this.store.update({ room: roomId });
  }

  /** Signed out. */
  clear(): void {
    this.loads++;
    this.failures = 0;
    this.timers.clearAll();
  }

  private follow(rooms: Room[], wanted: string | undefined): void {
    const me = this.store.state.user?.id ?? '';
    const followed = rooms.filter((room) => roomPresenceSubscription(room, me) !== null);
    this.presence.follow(followed.map((r) => r.id));
    const presence = followed.map((room) => roomPresenceSubscription(room, me) as string);
    this.hooks.subscribe([...presence, ...rooms.flatMap(roomCallSubscriptions)]);
    this.store.update({ rooms, room: chooseRoom(rooms, this.store.state.room, wanted) });
  }

  /** An older backend: everyone online in one list, from `rtc/v1/presence/+`. */
  private followLegacy(): void {
    this.presence.follow([LEGACY_ROOM]);
    this.hooks.subscribe([PRESENCE_WILDCARD]);
    this.store.update({ rooms: [], room: null });
  }

  private retry(wanted: string | undefined): void {
    this.timers.set('retry', () => void this.load(wanted), reconnectDelay(this.failures++));
  }
}
