/**
 * `MadeRooms` from the room store: a user's group and personal rooms, and a
 * guest's one room (on the guest's account, so a revoked invite never takes
 * it away before the guest's end). Synchronous: the store answers from memory.
 */
import type { Room } from '../../src/protocol/index.js';
import type { RoomStore, StoredRoom } from '../store/room-store.js';
import type { StoredUser } from '../store/user-store.js';
import type { MadeRooms } from './membership.js';

/** A stored room as the API and the broker show it. */
export function toRoom(room: StoredRoom): Room {
  return { id: room.id, name: room.name, kind: room.kind, owner: room.owner };
}

export function madeRoomsFrom(store: RoomStore): MadeRooms {
  return {
    madeRoomsOf(user: StoredUser): Room[] {
      if (user.guest) {
        const room = store.room(user.guest.room);
        return room ? [toRoom(room)] : [];
      }
      return store.roomsOfMember(user.id).map(toRoom);
    },
  };
}
