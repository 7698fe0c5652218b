/**
 * RoomStore in a JSON file: `rooms.json` in DATA_DIR, 0600 and written
 * atomically like every file there (private-file.ts). Reads answer from
 * memory; each change is decided on a copy, after the earlier ones and on
 * fresh data (the admin CLI may have rewritten the file), and memory follows
 * only once the copy is on disk. Ended invites are pruned on each write once
 * they ended more than 7 days ago. A poll notices files written by another
 * process and tells the listeners whose rooms changed.
 */
import path from 'node:path';
import { SerialQueue, fileFingerprint, readStoreFile } from './changing-file.js';
import { ensurePrivateDir, makePrivate, writePrivateFile } from './private-file.js';
import {
  RoomLimitError,
  applyInviteUse,
  isKeptInvite,
  liveInviteCount,
  random22,
  usableInvite,
  type InviteTerms,
  type InviteUse,
  type MembersChange,
  type RoomStore,
  type StoredInvite,
  type StoredRoom,
} from './room-store.js';

export const ROOMS_FILE = 'rooms.json';

/** How often the file is checked for changes another process wrote (the admin CLI deleting a user). */
export const ROOMS_POLL_MS = 1000;

interface Data {
  version: 1;
  rooms: StoredRoom[];
  invites: StoredInvite[];
}

export interface JsonRoomStoreOptions {
  now?: () => number;
  /** 0: never poll (the admin CLI, which runs once). */
  pollMs?: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isOptionalNumber = (value: unknown) => value === undefined || typeof value === 'number';

export function isStoredRoom(value: unknown): value is StoredRoom {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    typeof value.name === 'string' &&
    (value.kind === 'group' || value.kind === 'personal') &&
    typeof value.owner === 'string' &&
    typeof value.createdAt === 'number' &&
    Array.isArray(value.members) &&
    value.members.every((m) => typeof m === 'string')
  );
}

export function isStoredInvite(value: unknown): value is StoredInvite {
  return (
    isRecord(value) &&
    typeof value.code === 'string' &&
    typeof value.room === 'string' &&
    typeof value.createdBy === 'string' &&
    typeof value.createdAt === 'number' &&
    typeof value.expiresAt === 'number' &&
    (value.maxUses === null || typeof value.maxUses === 'number') &&
    typeof value.uses === 'number' &&
    isOptionalNumber(value.usedUpAt) &&
    isOptionalNumber(value.revokedAt)
  );
}

function isData(value: unknown): value is Data {
  return (
    isRecord(value) &&
    Array.isArray(value.rooms) &&
    Array.isArray(value.invites) &&
    value.rooms.every(isStoredRoom) &&
    value.invites.every(isStoredInvite)
  );
}

/** Per user, their room ids in one string: two snapshots differ for a user exactly when their rooms did. */
function membershipSnapshot(rooms: readonly StoredRoom[]): Map<string, string> {
  const ids = new Map<string, string[]>();
  for (const room of rooms) for (const member of room.members) ids.set(member, [...(ids.get(member) ?? []), room.id]);
  return new Map([...ids].map(([user, roomIds]) => [user, roomIds.sort().join(' ')]));
}

/** What changed between two versions of the data: whose rooms, and which rooms are gone. */
function membersChange(before: Data, after: Data): MembersChange {
  const [was, is] = [membershipSnapshot(before.rooms), membershipSnapshot(after.rooms)];
  const users = new Set([...was.keys(), ...is.keys()]);
  const kept = new Set(after.rooms.map((room) => room.id));
  return {
    userIds: [...users].filter((user) => was.get(user) !== is.get(user)),
    removedRooms: before.rooms.filter((room) => !kept.has(room.id)).map((room) => room.id),
  };
}

/** What must be read from rooms.json: one place for the store and for a reader of the file (migrate-to-redis). */
async function readRoomsFile(file: string, fingerprint: string): Promise<Data> {
  return readStoreFile(file, fingerprint, { version: 1, rooms: [], invites: [] }, isData, {
    kind: 'Room store',
    expected: '{"rooms": [...], "invites": [...]}',
  });
}

/** Every room and invite in `dataDir`'s rooms.json as it is on disk (none when there is no file); `StoreError` on a corrupt one. */
export async function readJsonRooms(dataDir: string): Promise<{ rooms: StoredRoom[]; invites: StoredInvite[] }> {
  const file = path.join(dataDir, ROOMS_FILE);
  const { rooms, invites } = await readRoomsFile(file, fileFingerprint(file));
  return { rooms, invites };
}

class JsonRoomStore implements RoomStore {
  readonly #file: string;
  readonly #now: () => number;
  #data: Data = { version: 1, rooms: [], invites: [] };
  #rooms = new Map<string, StoredRoom>();
  #invites = new Map<string, StoredInvite>();
  #byMember = new Map<string, StoredRoom[]>();
  readonly #queue = new SerialQueue(() => this.#freshen());
  readonly #listeners = new Set<(change: MembersChange) => void>();
  #timer: NodeJS.Timeout | undefined;
  /** size:mtime of the file as we last read or wrote it. */
  #seen = '';

  constructor(file: string, now: () => number) {
    this.#file = file;
    this.#now = now;
  }

  /** Reads the file when it changed; never replaces an unreadable one. Returns whether it read. */
  async load(): Promise<boolean> {
    const fingerprint = fileFingerprint(this.#file);
    if (fingerprint === this.#seen) return false;
    const data = await readRoomsFile(this.#file, fingerprint);
    this.#use({ version: 1, rooms: data.rooms, invites: data.invites });
    this.#seen = fingerprint;
    return true;
  }

  /** Re-reads a file another process wrote, and tells the listeners whose rooms that changed. */
  async #freshen(): Promise<void> {
    const before = this.#data;
    if (await this.load()) this.#notify(membersChange(before, this.#data));
  }

  #use(data: Data): void {
    this.#data = data;
    this.#rooms = new Map(data.rooms.map((room) => [room.id, room]));
    this.#invites = new Map(data.invites.map((invite) => [invite.code, invite]));
    this.#byMember = new Map();
    for (const room of data.rooms)
      for (const member of room.members) this.#byMember.set(member, [...(this.#byMember.get(member) ?? []), room]);
  }

  #notify(change: MembersChange): void {
    if (change.userIds.length === 0 && change.removedRooms.length === 0) return;
    for (const listener of this.#listeners) listener(change);
  }

  /**
   * Runs `decide` on a pruned copy of the data, after every earlier change and
   * on fresh data; writes the copy and only then makes it current. A throw
   * from `decide` changes nothing.
   */
  #change<T>(decide: (draft: Data, now: number) => T): Promise<T> {
    return this.#queue.run(async () => {
      const now = this.#now();
      const draft: Data = structuredClone({ ...this.#data, invites: this.#data.invites.filter((i) => isKeptInvite(i, now)) });
      const value = decide(draft, now);
      await writePrivateFile(this.#file, Buffer.from(JSON.stringify(draft)));
      this.#seen = fileFingerprint(this.#file);
      const before = this.#data;
      this.#use(draft);
      this.#notify(membersChange(before, draft));
      return value;
    });
  }

  room(id: string) {
    return this.#rooms.get(id);
  }

  roomsOfMember(userId: string) {
    return this.#byMember.get(userId) ?? [];
  }

  personalRoomOf(ownerId: string) {
    return this.roomsOfMember(ownerId).find((room) => room.kind === 'personal' && room.owner === ownerId);
  }

  invite(code: string) {
    return this.#invites.get(code);
  }

  invitesBy(userId: string) {
    const now = this.#now();
    return this.#data.invites.filter((i) => i.createdBy === userId && isKeptInvite(i, now)).sort((a, b) => b.createdAt - a.createdAt);
  }

  #newRoom(draft: Data, input: Pick<StoredRoom, 'name' | 'kind' | 'owner'>, now: number): StoredRoom {
    let id = `~${random22()}`;
    while (draft.rooms.some((room) => room.id === id)) id = `~${random22()}`;
    const room: StoredRoom = { id, ...input, createdAt: now, members: [input.owner] };
    draft.rooms.push(room);
    return room;
  }

  createGroupRoom(
    { owner, name }: { owner: string; name: string },
    terms: Pick<InviteTerms, 'expiresAt' | 'maxUses'>,
    limits: { rooms: number; invites: number },
  ) {
    return this.#change((draft, now) => {
      const made = draft.rooms.filter((room) => room.kind === 'group' && room.owner === owner).length;
      if (made >= limits.rooms) throw new RoomLimitError('rooms', limits.rooms);
      const room = this.#newRoom(draft, { name, kind: 'group', owner }, now);
      return { room, invite: this.#addInvite(draft, { ...terms, room: room.id, createdBy: owner }, limits.invites, now) };
    });
  }

  async personalRoom(owner: string, name: string) {
    return (
      this.personalRoomOf(owner) ??
      this.#change((draft, now) => {
        // Another request may have made it while this one waited.
        const made = draft.rooms.find((room) => room.kind === 'personal' && room.owner === owner);
        return made ?? this.#newRoom(draft, { name, kind: 'personal', owner }, now);
      })
    );
  }

  createInvite(terms: InviteTerms, maxLive: number) {
    return this.#change((draft, now) => this.#addInvite(draft, terms, maxLive, now));
  }

  #addInvite(draft: Data, terms: InviteTerms, maxLive: number, now: number): StoredInvite {
    if (liveInviteCount(draft.invites, terms.createdBy, now) >= maxLive) throw new RoomLimitError('invites', maxLive);
    let code = random22();
    while (draft.invites.some((i) => i.code === code)) code = random22();
    const invite: StoredInvite = { code, ...terms, createdAt: now, uses: 0 };
    draft.invites.push(invite);
    return invite;
  }

  async revokeInvite(code: string, by: string) {
    const invite = this.invite(code);
    if (!invite || invite.createdBy !== by) return undefined;
    if (invite.revokedAt !== undefined) return invite;
    return this.#change((draft, now) => {
      const found = draft.invites.find((i) => i.code === code && i.createdBy === by);
      if (found && found.revokedAt === undefined) found.revokedAt = now;
      return found;
    });
  }

  async useInvite(code: string, joiner?: string): Promise<InviteUse> {
    // Refusals from memory first: an unknown or dead code costs no write.
    const known = this.invite(code);
    usableInvite(known, known && this.room(known.room), this.#now());
    return this.#change((draft, now) => {
      const found = draft.invites.find((i) => i.code === code);
      const { invite, room } = usableInvite(found, found && draft.rooms.find((r) => r.id === found.room), now);
      return applyInviteUse(invite, room, joiner, now);
    });
  }

  async renameOwner(owner: string, name: string) {
    if (this.personalRoomOf(owner)?.name === name || !this.personalRoomOf(owner)) return;
    await this.#change((draft) => {
      for (const room of draft.rooms) if (room.kind === 'personal' && room.owner === owner) room.name = name;
    });
  }

  deleteUser(userId: string) {
    return this.#change((draft) => {
      const gone = new Set(draft.rooms.filter((room) => room.owner === userId).map((room) => room.id));
      draft.rooms = draft.rooms.filter((room) => !gone.has(room.id));
      for (const room of draft.rooms) room.members = room.members.filter((member) => member !== userId);
      draft.invites = draft.invites.filter((i) => i.createdBy !== userId && !gone.has(i.room));
    });
  }

  onMembersChanged(listener: (change: MembersChange) => void) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  watch(pollMs: number): void {
    if (pollMs <= 0) return;
    this.#timer = setInterval(() => void this.#queue.run(() => undefined).catch(() => undefined), pollMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#queue.idle();
  }
}

/**
 * Opens (or creates on the first write) the rooms in `dataDir`, 0600 even if
 * the file existed with another mode. Throws `StoreError` on a corrupt file.
 */
export async function openJsonRoomStore(dataDir: string, options: JsonRoomStoreOptions = {}): Promise<RoomStore> {
  await ensurePrivateDir(dataDir);
  const file = path.join(dataDir, ROOMS_FILE);
  await makePrivate(file);
  const store = new JsonRoomStore(file, options.now ?? Date.now);
  await store.load();
  store.watch(options.pollMs ?? ROOMS_POLL_MS);
  return store;
}
