/**
 * Who is in which room (PROTOCOL.md §4), answered from memory so the broker
 * can check every subscription and inbox message without waiting.
 *
 * The lobby and a site account's rooms follow from the user record itself;
 * rooms made on this backend (group and personal ones, and a guest's room)
 * come from the room store through `MadeRooms`. Whatever changes a user's
 * rooms calls `changed(userId)`, and the broker re-checks that user.
 */
import { LOBBY_ROOM_ID, type Room } from '../../src/protocol/index.js';
import { NO_NODE_EVENTS, type NodeEvents } from '../store/node-events.js';
import type { StoredUser } from '../store/user-store.js';

export const LOBBY: Room = Object.freeze({ id: LOBBY_ROOM_ID, name: 'Lobby', kind: 'lobby' });

/** The rooms made on this backend that a user is in (group and personal rooms; a guest's room). */
export interface MadeRooms {
  madeRoomsOf(user: StoredUser): Room[];
}

const NO_MADE_ROOMS: MadeRooms = { madeRoomsOf: () => [] };

export interface MembershipOptions {
  /** LOBBY=on: every password account is in the lobby. */
  lobby: boolean;
  made?: MadeRooms;
  /** The other backend nodes (REDIS_URL): a user's connections there are re-checked too. */
  events?: NodeEvents;
}

export class Membership {
  readonly #listeners = new Set<(userId: string) => unknown>();
  readonly #lobby: boolean;
  readonly #events: NodeEvents;
  #made: MadeRooms;

  constructor(options: MembershipOptions) {
    this.#lobby = options.lobby;
    this.#made = options.made ?? NO_MADE_ROOMS;
    this.#events = options.events ?? NO_NODE_EVENTS;
    this.#events.on((event) => {
      if (event.type === 'members-changed') void this.changedHere(event.userId).catch(() => undefined);
    });
  }

  /** Plugs in the room store (it is opened after the membership it reports to). */
  useMadeRooms(made: MadeRooms): void {
    this.#made = made;
  }

  /** Every room `user` is in now: the lobby first, then site rooms, then made rooms; no id twice. */
  roomsOf(user: StoredUser): Room[] {
    const rooms = new Map<string, Room>();
    const siteRooms = user.site?.rooms ?? [];
    const passwordAccount = !user.site && !user.guest;
    if ((this.#lobby && passwordAccount) || siteRooms.includes(LOBBY.id)) rooms.set(LOBBY.id, LOBBY);
    for (const id of siteRooms) if (!rooms.has(id)) rooms.set(id, { id, name: id, kind: 'site' });
    for (const room of this.#made.madeRoomsOf(user)) if (!rooms.has(room.id)) rooms.set(room.id, room);
    return [...rooms.values()];
  }

  /**
   * Tells the broker that `userId`'s rooms may have changed (joined, left, a
   * new site token, the end of a guest). Resolves once every listener applied
   * it, so an HTTP answer awaited on it reaches a client whose next
   * subscription is already checked against the new rooms.
   */
  async changed(userId: string): Promise<void> {
    await Promise.all([this.changedHere(userId), this.#events.tell({ type: 'members-changed', userId })]);
  }

  /**
   * `changed` on this node only: for what every node hears of by itself (the room store's
   * changes reach each node on its own), and for what another node told.
   */
  async changedHere(userId: string): Promise<void> {
    await Promise.all([...this.#listeners].map((listener) => listener(userId)));
  }

  onChange(listener: (userId: string) => unknown): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
