/**
 * The rooms of every user online on this node (PROTOCOL.md §4), one record
 * per user shared by all of their connections, so that the ACL checks a
 * subscription, an inbox message or a delivery from memory.
 *
 * A record is made at CONNECT from the user as stored, and kept up to date by
 * `refresh` whenever `Membership.changed` reports that the user's rooms may
 * have changed: a user who gained rooms only has their presence published
 * there; a user who lost one has every connection closed, so that each
 * reconnection subscribes again under the new rooms (an MQTT subscription
 * cannot be taken back from a connection otherwise).
 */
import type { Client } from 'aedes';
import { shareRoomById, type Room } from '../../src/protocol/index.js';
import type { Membership } from '../rooms/membership.js';
import type { StoredUser, UserStore } from '../store/user-store.js';
import type { RoomView } from './room-acl.js';

/** One online user: their rooms now and their connections on this node. */
export interface OnlineMember extends RoomView {
  rooms: ReadonlyMap<string, Room>;
  guest: boolean;
  readonly clients: Set<Client>;
}

/** Users online elsewhere whose rooms are remembered at most (all forgotten past it): a bound, not a tuning. */
const ELSEWHERE_REMEMBERED = 10_000;

function roomsById(rooms: readonly Room[]): ReadonlyMap<string, Room> {
  return new Map(rooms.map((room) => [room.id, room]));
}

export class RoomRoster {
  readonly #members = new Map<string, OnlineMember>();
  /** Membership changes so far: a CONNECT that read its user before one reads again (see `join`). */
  #changes = 0;
  /** The refresh of each user under way: one at a time per user, so the last store read wins. */
  readonly #refreshing = new Map<string, Promise<void>>();
  /**
   * Several nodes: the rooms of users who are not online here (they may be on another node), read
   * from the store when a message is first sent to them, forgotten when `Membership.changed` (which
   * every node hears) says their rooms changed. null: no such user.
   */
  readonly #elsewhere = new Map<string, Promise<ReadonlyMap<string, Room> | null>>();

  /** `moved(userId)`: the user's rooms changed; their presence must be republished. */
  constructor(
    private readonly membership: Membership,
    private readonly store: UserStore,
    private readonly moved: (userId: string) => void,
  ) {}

  /** Read before a CONNECT reads its user from the store, and passed to `join`. */
  get changes(): number {
    return this.#changes;
  }

  get(userId: string): OnlineMember | undefined {
    return this.#members.get(userId);
  }

  /**
   * Counts `client` as one of `user`'s connections and takes `user`'s rooms
   * as the user's rooms now (closing the user's other connections if that
   * drops one). `changesBefore` is `changes` from before `user` was read: a
   * change reported since then may be missing from `user`, so it is read again.
   */
  join(client: Client, user: StoredUser, changesBefore: number): OnlineMember {
    const rooms = roomsById(this.membership.roomsOf(user));
    let member = this.#members.get(user.id);
    if (member) {
      this.#apply(member, rooms, user.guest !== undefined);
    } else {
      member = { userId: user.id, rooms, guest: user.guest !== undefined, clients: new Set() };
      this.#members.set(user.id, member);
    }
    member.clients.add(client);
    if (this.#changes !== changesBefore) void this.refresh(user.id);
    return member;
  }

  leave(client: Client, userId: string): void {
    const member = this.#members.get(userId);
    if (!member) return;
    member.clients.delete(client);
    if (member.clients.size === 0) this.#members.delete(userId);
  }

  /**
   * Whether `from` may reach `to`'s inbox: always their own; otherwise only
   * a user online on this node (nobody else holds a subscription here that
   * the message could reach) who shares a room with them.
   */
  reaches(from: OnlineMember, to: string): boolean {
    if (to === from.userId) return true;
    const other = this.#members.get(to);
    return other !== undefined && shareRoomById(from.userId, from.rooms.values(), to, other.rooms);
  }

  /**
   * Several nodes: whether `from` may reach `to`, who need not be online here (a subscription on
   * another node receives it through the cluster's bus): `reaches`, else a room shared with `to` as stored.
   */
  async reachesAnywhere(from: OnlineMember, to: string): Promise<boolean> {
    if (this.reaches(from, to)) return true;
    let rooms = this.#elsewhere.get(to);
    if (!rooms) {
      if (this.#elsewhere.size >= ELSEWHERE_REMEMBERED) this.#elsewhere.clear();
      rooms = this.store.findById(to).then(
        (user) => (user ? roomsById(this.membership.roomsOf(user)) : null),
        () => {
          // Unreadable now (Redis away): not remembered, the next message reads again.
          this.#elsewhere.delete(to);
          return null;
        },
      );
      this.#elsewhere.set(to, rooms);
    }
    const theirs = await rooms;
    return theirs !== null && shareRoomById(from.userId, from.rooms.values(), to, theirs);
  }

  /** `Membership.changed(userId)`: reads the user again and applies their rooms now. */
  refresh(userId: string): Promise<void> {
    this.#elsewhere.delete(userId);
    this.#changes += 1;
    const run = (this.#refreshing.get(userId) ?? Promise.resolve()).then(() => this.#reload(userId));
    this.#refreshing.set(userId, run);
    void run.finally(() => {
      if (this.#refreshing.get(userId) === run) this.#refreshing.delete(userId);
    });
    return run;
  }

  /** Never rejects: a user whose rooms cannot be read now is failed closed, the reconnection is checked afresh. */
  async #reload(userId: string): Promise<void> {
    if (!this.#members.has(userId)) return;
    let rooms: ReadonlyMap<string, Room> | undefined;
    let user: StoredUser | undefined;
    try {
      user = await this.store.findById(userId);
      if (user) rooms = roomsById(this.membership.roomsOf(user));
    } catch {
      // The store or the room store unreadable right now: as if the user were gone.
    }
    const member = this.#members.get(userId);
    if (!member) return;
    if (!user || !rooms) return this.#closeAll(member);
    this.#apply(member, rooms, user.guest !== undefined);
  }

  #apply(member: OnlineMember, rooms: ReadonlyMap<string, Room>, guest: boolean): void {
    const lost = [...member.rooms.keys()].some((roomId) => !rooms.has(roomId));
    const changed = lost || rooms.size !== member.rooms.size || guest !== member.guest;
    member.rooms = rooms;
    member.guest = guest;
    if (changed) this.moved(member.userId);
    if (lost) this.#closeAll(member);
  }

  #closeAll(member: OnlineMember): void {
    for (const client of [...member.clients]) client.close();
  }
}
