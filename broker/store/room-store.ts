import { randomBytes } from 'node:crypto';
import { ENDED_INVITE_KEEP_MS } from '../../src/protocol/index.js';

/**
 * The room store interface (PROTOCOL.md §4): group and personal rooms made
 * on this backend, their members, and their invites. One implementation per
 * engine (a JSON file now: json-room-store.ts). Reads are synchronous, from
 * memory, because the broker asks for a user's rooms on every subscription
 * and inbox message; changes are decided one at a time and resolve once
 * durable, so limits and invite uses can never be overrun by a race.
 */

/** A room made here. `members` holds the owner and everyone who joined by invite (guests are not members: their room is on their account). */
export interface StoredRoom {
  /** `~` + 22 base64url characters (MADE_ROOM_ID_PATTERN). */
  id: string;
  /** Group: the maker's name for it; personal: the owner's shown name, kept current. */
  name: string;
  kind: 'group' | 'personal';
  owner: string;
  /** Unix ms. */
  createdAt: number;
  members: string[];
}

export interface StoredInvite {
  /** 22 base64url characters from 16 random bytes. */
  code: string;
  /** The room's id. */
  room: string;
  createdBy: string;
  /** Unix ms. */
  createdAt: number;
  expiresAt: number;
  /** null: no limit. */
  maxUses: number | null;
  uses: number;
  /** Unix ms of the use that used it up, once `uses` reached `maxUses`. */
  usedUpAt?: number;
  revokedAt?: number;
}

/** Why an invite cannot be used now (the contract's 404/410 codes). */
export type InviteRefusal = 'invite_not_found' | 'invite_expired' | 'invite_revoked' | 'invite_used_up';

export class InviteRefusedError extends Error {
  override name = 'InviteRefusedError';
  constructor(readonly reason: InviteRefusal) {
    super(reason);
  }
}

/** A per-person limit (made rooms, live invites) would be passed. */
export class RoomLimitError extends Error {
  override name = 'RoomLimitError';
  constructor(
    readonly limit: 'rooms' | 'invites',
    readonly max: number,
  ) {
    super(`at most ${max} ${limit === 'rooms' ? 'rooms made' : 'live invites'} per person`);
  }
}

/** What a new invite needs; the store adds the code and the counts. */
export interface InviteTerms {
  room: string;
  createdBy: string;
  expiresAt: number;
  maxUses: number | null;
}

/** What a use of an invite gave: the room, and whether `joiner` was added (false: already a member, nothing used). */
export interface InviteUse {
  invite: StoredInvite;
  room: StoredRoom;
  joined: boolean;
}

/** The invite's state at `now`: null when it can be used, else why not. */
export function inviteRefusal(invite: StoredInvite, now: number): Exclude<InviteRefusal, 'invite_not_found'> | null {
  if (invite.revokedAt !== undefined) return 'invite_revoked';
  if (invite.expiresAt <= now) return 'invite_expired';
  if (invite.maxUses !== null && invite.uses >= invite.maxUses) return 'invite_used_up';
  return null;
}

/** The invite and its room when the invite can be used at `now`; `InviteRefusedError` (with the contract's code) otherwise. */
export function usableInvite(
  invite: StoredInvite | undefined,
  room: StoredRoom | undefined,
  now: number,
): { invite: StoredInvite; room: StoredRoom } {
  if (!invite || !room) throw new InviteRefusedError('invite_not_found');
  const refusal = inviteRefusal(invite, now);
  if (refusal) throw new InviteRefusedError(refusal);
  return { invite, room };
}

/** Unix ms at which the invite stopped being usable, or undefined while it is live. */
export function inviteEnd(invite: StoredInvite, now: number): number | undefined {
  const ends = [invite.revokedAt, invite.usedUpAt, invite.expiresAt <= now ? invite.expiresAt : undefined];
  const ended = ends.filter((t): t is number => t !== undefined);
  return ended.length === 0 ? undefined : Math.min(...ended);
}

// Decisions both engines make the same way.

/** 22 base64url characters: 128 random bits (invite codes; room ids after a `~`). */
export const random22 = () => randomBytes(16).toString('base64url');

/** Whether an invite is still kept: live, or ended less than ENDED_INVITE_KEEP_MS ago (older ones are pruned). */
export function isKeptInvite(invite: StoredInvite, now: number): boolean {
  const end = inviteEnd(invite, now);
  return end === undefined || end + ENDED_INVITE_KEEP_MS > now;
}

/** How many of `invites` `createdBy` made that can still be used at `now`. */
export function liveInviteCount(invites: readonly StoredInvite[], createdBy: string, now: number): number {
  return invites.filter((i) => i.createdBy === createdBy && inviteRefusal(i, now) === null).length;
}

/**
 * Counts one use of a usable `invite` (checked with `usableInvite`) and adds
 * `joiner` to `room`, changing both in place; nothing when `joiner` is a
 * member already.
 */
export function applyInviteUse(invite: StoredInvite, room: StoredRoom, joiner: string | undefined, now: number): InviteUse {
  if (joiner !== undefined && room.members.includes(joiner)) return { invite, room, joined: false };
  invite.uses += 1;
  if (invite.maxUses !== null && invite.uses >= invite.maxUses) invite.usedUpAt = now;
  if (joiner !== undefined) room.members.push(joiner);
  return { invite, room, joined: joiner !== undefined };
}

/** Whose rooms changed: members who joined or left, and rooms deleted (their guests, not members, lose them too). */
export interface MembersChange {
  userIds: string[];
  removedRooms: string[];
}

export interface RoomStore {
  room(id: string): StoredRoom | undefined;
  /** The rooms `userId` is a member of (owner or joined). */
  roomsOfMember(userId: string): StoredRoom[];
  personalRoomOf(ownerId: string): StoredRoom | undefined;
  invite(code: string): StoredInvite | undefined;
  /** The invites `userId` made that are still kept (live, or ended less than 7 days ago), newest first. */
  invitesBy(userId: string): StoredInvite[];

  /**
   * A new group room owned (and joined) by `owner`, with a first invite on
   * `terms`, both or neither; `RoomLimitError` when they made `limits.rooms`
   * rooms already or have `limits.invites` live invites.
   */
  createGroupRoom(
    input: { owner: string; name: string },
    terms: Pick<InviteTerms, 'expiresAt' | 'maxUses'>,
    limits: { rooms: number; invites: number },
  ): Promise<{ room: StoredRoom; invite: StoredInvite }>;
  /** `owner`'s personal room, made with `name` on first use. */
  personalRoom(owner: string, name: string): Promise<StoredRoom>;
  /** A new invite; `RoomLimitError` when its maker has `maxLive` live invites already. */
  createInvite(terms: InviteTerms, maxLive: number): Promise<StoredInvite>;
  /** Revokes `code` if `by` made it; the invite as it now is, or undefined (none, or someone else's). */
  revokeInvite(code: string, by: string): Promise<StoredInvite | undefined>;
  /**
   * Counts one use of `code` and adds `joiner` to its room (no use when they
   * are a member already); without `joiner` (a guest) it only counts the use.
   * `InviteRefusedError` when the invite cannot be used.
   */
  useInvite(code: string, joiner?: string): Promise<InviteUse>;
  /** Keeps `owner`'s personal room named after them. */
  renameOwner(owner: string, name: string): Promise<void>;
  /**
   * An account is gone: the rooms it owns and their invites are deleted, it
   * leaves every other room, its invites are deleted.
   */
  deleteUser(userId: string): Promise<void>;
  /**
   * `listener` learns whose rooms changed, after each change made here and
   * each one another process (the admin CLI) wrote.
   */
  onMembersChanged(listener: (change: MembersChange) => void): () => void;
  /** Waits for pending writes and stops watching the file. */
  close(): Promise<void>;
}
