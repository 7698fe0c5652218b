/**
 * The RoomStore in Redis (REDIS_URL), shared by every backend node. Keys
 * (after the connection's prefix):
 *
 * - `room:<id>`, `invite:<code>`: the record as JSON (as in rooms.json);
 * - `rooms`, `invites`: sets of every id and code (a node loads them at start);
 * - `rooms-owned:<user>`, `rooms-of:<user>` (member), `invites-by:<user>`,
 *   `invites-of:<room>`: sets, the indexes a change decides on (limits,
 *   deleting an account);
 * - channel `rooms-changed`: `{"rooms": [ids], "invites": [codes]}` after each change.
 *
 * Reads stay synchronous, as the interface asks (the broker reads a user's
 * rooms on every subscription and inbox message): every node keeps all rooms
 * and invites in memory. A change is an optimistic transaction
 * (redis-transaction.ts) that WATCHes the records and indexes it decides on,
 * so limits and invite uses hold across nodes; it publishes what it changed
 * in the same MULTI. Each node, hearing that, re-reads those records and
 * tells its listeners whose rooms changed. The node that made a change does
 * the same before the change resolves. Ended invites are pruned (after
 * ENDED_INVITE_KEEP_MS, like the JSON store) when their maker next makes one.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { isStoredInvite, isStoredRoom } from './json-room-store.js';
import { decodeRecord, type RedisConnection } from './redis-connection.js';
import { RedisTransactions, copyInChunks, type CopyCount } from './redis-transaction.js';
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

/** MGET this many records per round trip when a node loads them all. */
const LOAD_CHUNK = 500;

export function roomKeys(connection: RedisConnection) {
  const key = (name: string) => connection.key(name);
  return {
    room: (id: string) => key(`room:${id}`),
    invite: (code: string) => key(`invite:${code}`),
    rooms: key('rooms'),
    invites: key('invites'),
    owned: (user: string) => key(`rooms-owned:${user}`),
    memberOf: (user: string) => key(`rooms-of:${user}`),
    invitesBy: (user: string) => key(`invites-by:${user}`),
    invitesOf: (room: string) => key(`invites-of:${room}`),
    changed: key('rooms-changed'),
  };
}
type Keys = ReturnType<typeof roomKeys>;

/** Which records a change touched: what the channel carries. */
interface Touched {
  rooms: string[];
  invites: string[];
}

const decodeRoom = (json: string | null) => decodeRecord(json, isStoredRoom, 'room');
const decodeInvite = (json: string | null) => decodeRecord(json, isStoredInvite, 'invite');

/** A record as read and as the change leaves it (undefined: absent, or deleted). */
interface Entry<T> {
  before: T | undefined;
  after: T | undefined;
}

type Adoption = 'copied' | 'same' | 'conflict';
const adoption = <T>(held: T | undefined, copied: T): Adoption =>
  !held ? 'copied' : JSON.stringify(held) === JSON.stringify(copied) ? 'same' : 'conflict';

/**
 * One attempt of a change: the records it read (each WATCHed first), changed
 * in place, then written with their indexes by `write`.
 */
class Draft {
  readonly rooms = new Map<string, Entry<StoredRoom>>();
  readonly invites = new Map<string, Entry<StoredInvite>>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly watch: (...keys: string[]) => Promise<void>,
  ) {}

  async room(id: string): Promise<StoredRoom | undefined> {
    if (!this.rooms.has(id)) {
      await this.watch(this.keys.room(id));
      const before = decodeRoom(await this.redis.get(this.keys.room(id)));
      this.rooms.set(id, { before, after: before && structuredClone(before) });
    }
    return this.rooms.get(id)!.after;
  }

  async invite(code: string): Promise<StoredInvite | undefined> {
    if (!this.invites.has(code)) {
      await this.watch(this.keys.invite(code));
      const before = decodeInvite(await this.redis.get(this.keys.invite(code)));
      this.invites.set(code, { before, after: before && structuredClone(before) });
    }
    return this.invites.get(code)!.after;
  }

  /** The members of an index set (WATCHed: an addition elsewhere makes the change run again). */
  async #members(index: string): Promise<string[]> {
    await this.watch(index);
    return this.redis.smembers(index);
  }

  async roomsIn(index: string): Promise<StoredRoom[]> {
    const rooms = await Promise.all((await this.#members(index)).map((id) => this.room(id)));
    return rooms.filter((room): room is StoredRoom => room !== undefined);
  }

  async invitesIn(index: string): Promise<StoredInvite[]> {
    const invites = await Promise.all((await this.#members(index)).map((code) => this.invite(code)));
    return invites.filter((invite): invite is StoredInvite => invite !== undefined);
  }

  /** A new room (or invite) under an id no record has. */
  async newRoom(input: Pick<StoredRoom, 'name' | 'kind' | 'owner'>, now: number): Promise<StoredRoom> {
    let id = `~${random22()}`;
    while (await this.room(id)) id = `~${random22()}`;
    const room: StoredRoom = { id, ...input, createdAt: now, members: [input.owner] };
    this.rooms.get(id)!.after = room;
    return room;
  }

  async newInvite(terms: InviteTerms, now: number): Promise<StoredInvite> {
    let code = random22();
    while (await this.invite(code)) code = random22();
    const invite: StoredInvite = { code, ...terms, createdAt: now, uses: 0 };
    this.invites.get(code)!.after = invite;
    return invite;
  }

  /** Takes `room` as it is (migrate-to-redis) unless Redis holds it already: the same, or another version. */
  async adoptRoom(room: StoredRoom): Promise<Adoption> {
    const held = await this.room(room.id);
    if (!held) this.rooms.get(room.id)!.after = structuredClone(room);
    return adoption(held, room);
  }

  async adoptInvite(invite: StoredInvite): Promise<Adoption> {
    const held = await this.invite(invite.code);
    if (!held) this.invites.get(invite.code)!.after = structuredClone(invite);
    return adoption(held, invite);
  }

  deleteRoom(id: string): void {
    const entry = this.rooms.get(id);
    if (entry) entry.after = undefined;
  }

  deleteInvite(code: string): void {
    const entry = this.invites.get(code);
    if (entry) entry.after = undefined;
  }

  /** The records that differ from what was read. */
  touched(): Touched {
    const changed = <T>(map: Map<string, Entry<T>>) =>
      [...map].filter(([, e]) => JSON.stringify(e.before) !== JSON.stringify(e.after)).map(([id]) => id);
    return { rooms: changed(this.rooms), invites: changed(this.invites) };
  }

  /** Queues the changed records, their indexes and the message on `multi`. */
  write(multi: ChainableCommander, touched: Touched): void {
    const k = this.keys;
    for (const id of touched.rooms) {
      const { before, after } = this.rooms.get(id)!;
      const [was, is] = [new Set(before?.members), new Set(after?.members)];
      for (const m of was) if (!is.has(m)) multi.srem(k.memberOf(m), id);
      for (const m of is) if (!was.has(m)) multi.sadd(k.memberOf(m), id);
      if (before && before.owner !== after?.owner) multi.srem(k.owned(before.owner), id);
      if (after) {
        multi.set(k.room(id), JSON.stringify(after)).sadd(k.rooms, id).sadd(k.owned(after.owner), id);
      } else {
        multi.del(k.room(id), k.invitesOf(id)).srem(k.rooms, id);
      }
    }
    for (const code of touched.invites) {
      const { before, after } = this.invites.get(code)!;
      if (after) {
        multi.set(k.invite(code), JSON.stringify(after)).sadd(k.invites, code).sadd(k.invitesBy(after.createdBy), code);
        multi.sadd(k.invitesOf(after.room), code);
      } else if (before) {
        multi.del(k.invite(code)).srem(k.invites, code).srem(k.invitesBy(before.createdBy), code).srem(k.invitesOf(before.room), code);
      }
    }
    multi.publish(k.changed, JSON.stringify(touched));
  }
}

/** Whose rooms differ between `before` and `after` (one room's two versions), and whether it went. */
function roomChange(before: StoredRoom | undefined, after: StoredRoom | undefined, change: MembersChange): void {
  const [was, is] = [new Set(before?.members), new Set(after?.members)];
  for (const m of was) if (!is.has(m) && !change.userIds.includes(m)) change.userIds.push(m);
  for (const m of is) if (!was.has(m) && !change.userIds.includes(m)) change.userIds.push(m);
  if (before && !after) change.removedRooms.push(before.id);
}

class RedisRoomStore implements RoomStore {
  readonly #connection: RedisConnection;
  readonly #keys: Keys;
  readonly #tx: RedisTransactions;
  readonly #subscriber: Redis;
  readonly #now: () => number;
  readonly #listeners = new Set<(change: MembersChange) => void>();
  // The node's copy of every room and invite.
  readonly #rooms = new Map<string, StoredRoom>();
  readonly #invites = new Map<string, StoredInvite>();
  readonly #byMember = new Map<string, Map<string, StoredRoom>>();
  /** Re-reads, one at a time, so a later read always lands after an earlier one. */
  #reading: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(connection: RedisConnection, tx: RedisTransactions, subscriber: Redis, now: () => number) {
    this.#connection = connection;
    this.#keys = roomKeys(connection);
    this.#tx = tx;
    this.#subscriber = subscriber;
    this.#now = now;
  }

  /** Listens to the channel, then loads everything: no change falls between the two. */
  async start(): Promise<void> {
    this.#subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.#keys.changed || this.#closed) return;
      let touched: Touched;
      try {
        touched = JSON.parse(message) as Touched;
      } catch {
        return;
      }
      // A failed re-read leaves the copy as it was; the next change of those records brings them.
      void this.#reread(touched).catch(() => undefined);
    });
    await this.#subscriber.subscribe(this.#keys.changed);
    await this.#rereadAll();
    // Messages published while the subscription was down are lost: after a reconnect, read everything again.
    this.#subscriber.on('ready', () => setImmediate(() => void this.#afterReconnect().catch(() => undefined)));
  }

  async #afterReconnect(): Promise<void> {
    if (this.#closed) return;
    // ioredis re-subscribes on 'ready', before this runs; a PING answered on that connection means the SUBSCRIBE was done.
    await this.#subscriber.ping();
    await this.#rereadAll();
  }

  /** Every record Redis lists, and every one the copy holds (Redis may have deleted it meanwhile). */
  async #rereadAll(): Promise<void> {
    const client = this.#connection.client;
    const [roomIds, codes] = await Promise.all([client.smembers(this.#keys.rooms), client.smembers(this.#keys.invites)]);
    await this.#reread({
      rooms: [...new Set([...roomIds, ...this.#rooms.keys()])],
      invites: [...new Set([...codes, ...this.#invites.keys()])],
    });
  }

  /** Reads the records from Redis into the copy (after every earlier re-read) and tells the listeners whose rooms changed. */
  #reread(touched: Touched): Promise<void> {
    const read = this.#reading.then(async () => {
      const client = this.#connection.client;
      const change: MembersChange = { userIds: [], removedRooms: [] };
      for (let i = 0; i < touched.rooms.length; i += LOAD_CHUNK) {
        const ids = touched.rooms.slice(i, i + LOAD_CHUNK);
        const rooms = (await client.mget(ids.map(this.#keys.room))).map(decodeRoom);
        ids.forEach((id, j) => this.#useRoom(id, rooms[j], change));
      }
      for (let i = 0; i < touched.invites.length; i += LOAD_CHUNK) {
        const codes = touched.invites.slice(i, i + LOAD_CHUNK);
        const invites = (await client.mget(codes.map(this.#keys.invite))).map(decodeInvite);
        codes.forEach((code, j) => (invites[j] ? this.#invites.set(code, invites[j]) : this.#invites.delete(code)));
      }
      if (change.userIds.length === 0 && change.removedRooms.length === 0) return;
      for (const listener of this.#listeners) listener(change);
    });
    this.#reading = read.catch(() => undefined);
    return read;
  }

  #useRoom(id: string, room: StoredRoom | undefined, change: MembersChange): void {
    const before = this.#rooms.get(id);
    roomChange(before, room, change);
    for (const member of before?.members ?? []) this.#byMember.get(member)?.delete(id);
    if (!room) {
      this.#rooms.delete(id);
      return;
    }
    this.#rooms.set(id, room);
    for (const member of room.members) {
      if (!this.#byMember.has(member)) this.#byMember.set(member, new Map());
      this.#byMember.get(member)!.set(id, room);
    }
  }

  /** Runs `decide` on a draft until it is written untouched; then re-reads what it changed (the listeners hear of it) and answers. */
  async #change<T>(decide: (draft: Draft, now: number) => Promise<T>): Promise<T> {
    let touched: Touched = { rooms: [], invites: [] };
    const value = await this.#tx.run(async (watch) => {
      const draft = new Draft(this.#tx.redis, this.#keys, watch);
      const result = await decide(draft, this.#now());
      touched = draft.touched();
      if (touched.rooms.length === 0 && touched.invites.length === 0) return { value: result };
      const written = touched;
      return { value: result, write: (multi: ChainableCommander) => draft.write(multi, written) };
    });
    if (touched.rooms.length > 0 || touched.invites.length > 0) await this.#reread(touched);
    return value;
  }

  room(id: string) {
    return this.#rooms.get(id);
  }

  roomsOfMember(userId: string) {
    return [...(this.#byMember.get(userId)?.values() ?? [])];
  }

  personalRoomOf(ownerId: string) {
    return this.roomsOfMember(ownerId).find((room) => room.kind === 'personal' && room.owner === ownerId);
  }

  invite(code: string) {
    const invite = this.#invites.get(code);
    return invite && isKeptInvite(invite, this.#now()) ? invite : undefined;
  }

  invitesBy(userId: string) {
    const now = this.#now();
    return [...this.#invites.values()]
      .filter((i) => i.createdBy === userId && isKeptInvite(i, now))
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  /** A new invite on `terms` unless its maker has `maxLive` live ones; prunes their invites ended long ago. */
  async #addInvite(draft: Draft, terms: InviteTerms, maxLive: number, now: number): Promise<StoredInvite> {
    const theirs = await draft.invitesIn(this.#keys.invitesBy(terms.createdBy));
    for (const old of theirs) if (!isKeptInvite(old, now)) draft.deleteInvite(old.code);
    if (liveInviteCount(theirs, terms.createdBy, now) >= maxLive) throw new RoomLimitError('invites', maxLive);
    return draft.newInvite(terms, now);
  }

  createGroupRoom(
    { owner, name }: { owner: string; name: string },
    terms: Pick<InviteTerms, 'expiresAt' | 'maxUses'>,
    limits: { rooms: number; invites: number },
  ) {
    return this.#change(async (draft, now) => {
      const owned = await draft.roomsIn(this.#keys.owned(owner));
      if (owned.filter((room) => room.kind === 'group').length >= limits.rooms) throw new RoomLimitError('rooms', limits.rooms);
      // The limit's check first: a refusal must not depend on which invites were read.
      const invite = await this.#addInvite(draft, { ...terms, room: '', createdBy: owner }, limits.invites, now);
      const room = await draft.newRoom({ name, kind: 'group', owner }, now);
      invite.room = room.id;
      return { room, invite };
    });
  }

  async personalRoom(owner: string, name: string) {
    return (
      this.personalRoomOf(owner) ??
      this.#change(async (draft, now) => {
        // Another request (or node) may have made it meanwhile.
        const made = (await draft.roomsIn(this.#keys.owned(owner))).find((room) => room.kind === 'personal');
        return made ?? draft.newRoom({ name, kind: 'personal', owner }, now);
      })
    );
  }

  createInvite(terms: InviteTerms, maxLive: number) {
    return this.#change((draft, now) => this.#addInvite(draft, terms, maxLive, now));
  }

  revokeInvite(code: string, by: string) {
    return this.#change(async (draft, now) => {
      const invite = await draft.invite(code);
      if (!invite || invite.createdBy !== by) return undefined;
      invite.revokedAt ??= now;
      return invite;
    });
  }

  async useInvite(code: string, joiner?: string): Promise<InviteUse> {
    // Refusals from the copy first: an unknown or dead code costs no transaction. The copy may lag: the transaction checks again.
    const known = this.#invites.get(code);
    if (known) usableInvite(known, this.room(known.room), this.#now());
    return this.#change(async (draft, now) => {
      const found = await draft.invite(code);
      const { invite, room } = usableInvite(found, found && (await draft.room(found.room)), now);
      return applyInviteUse(invite, room, joiner, now);
    });
  }

  async renameOwner(owner: string, name: string) {
    if (this.personalRoomOf(owner)?.name === name) return;
    await this.#change(async (draft) => {
      for (const room of await draft.roomsIn(this.#keys.owned(owner))) if (room.kind === 'personal') room.name = name;
    });
  }

  deleteUser(userId: string) {
    return this.#change(async (draft) => {
      for (const room of await draft.roomsIn(this.#keys.owned(userId))) {
        for (const invite of await draft.invitesIn(this.#keys.invitesOf(room.id))) draft.deleteInvite(invite.code);
        draft.deleteRoom(room.id);
      }
      for (const room of await draft.roomsIn(this.#keys.memberOf(userId))) {
        if (room.owner !== userId) room.members = room.members.filter((member) => member !== userId);
      }
      for (const invite of await draft.invitesIn(this.#keys.invitesBy(userId))) draft.deleteInvite(invite.code);
    });
  }

  onMembersChanged(listener: (change: MembersChange) => void) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.#tx.idle();
    this.#closed = true;
    await this.#reading;
    await this.#subscriber.unsubscribe(this.#keys.changed).catch(() => undefined);
  }
}

/** The room store on `connection`: it loads every room and invite, then follows the changes of every node. */
export async function openRedisRoomStore(connection: RedisConnection, options: { now?: () => number } = {}): Promise<RoomStore> {
  const [transactions, subscriber] = await Promise.all([connection.dedicated(), connection.dedicated()]);
  const store = new RedisRoomStore(connection, new RedisTransactions(transactions), subscriber, options.now ?? Date.now);
  await store.start();
  return store;
}

/**
 * Copies rooms, then invites, into Redis as they are (migrate-to-redis),
 * with their indexes; running nodes hear of them. A record already there
 * unchanged is counted, not written; one there with other data is a
 * conflict. `dryRun`: only counts.
 */
export async function copyRoomsToRedis(
  connection: RedisConnection,
  data: { rooms: readonly StoredRoom[]; invites: readonly StoredInvite[] },
  dryRun: boolean,
): Promise<{ rooms: CopyCount; invites: CopyCount }> {
  const keys = roomKeys(connection);
  const tx = new RedisTransactions(await connection.dedicated());
  const copy = <T>(records: readonly T[], adopt: (draft: Draft, record: T) => Promise<Adoption>, name: (record: T) => string) =>
    copyInChunks(tx, records, dryRun, async (chunk, watch) => {
      const draft = new Draft(tx.redis, keys, watch);
      const count: CopyCount = { copied: 0, alreadyThere: 0, conflicts: [] };
      for (const record of chunk) {
        const outcome = await adopt(draft, record);
        if (outcome === 'copied') count.copied += 1;
        else if (outcome === 'same') count.alreadyThere += 1;
        else count.conflicts.push(`${name(record)}: Redis holds it with other data`);
      }
      const touched = draft.touched();
      if (touched.rooms.length === 0 && touched.invites.length === 0) return { value: count };
      return { value: count, write: (multi) => draft.write(multi, touched) };
    });
  return {
    rooms: await copy(
      data.rooms,
      (draft, room) => draft.adoptRoom(room),
      (room) => `room ${room.id}`,
    ),
    invites: await copy(
      data.invites,
      (draft, invite) => draft.adoptInvite(invite),
      (invite) => `invite ${invite.code}`,
    ),
  };
}
