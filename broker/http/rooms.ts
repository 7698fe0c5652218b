/**
 * Rooms, invites and guests over HTTP (PROTOCOL.md §4, "HTTP" and "Guests").
 * Registered by app.ts, which lends its sign-in helpers. The room store
 * decides limits and invite uses one at a time; these routes check the
 * caller, shape the answers and tell the membership whose rooms changed
 * (joins come through the store's own notice, see server.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  API_PATHS,
  INVITE_CODE_PATTERN,
  INVITE_EXPIRES_IN_MAX_SECONDS,
  INVITE_EXPIRES_IN_MIN_SECONDS,
  INVITE_MAX_USES,
  LOBBY_ROOM_ID,
  MAX_LIVE_INVITES_PER_USER,
  type AuthResponse,
  type Invite,
  type InvitePreview,
  type NewRoomResponse,
  type Room,
  type RoomsResponse,
} from '../../src/protocol/index.js';
import { InvalidInputError, shownName, validateName } from '../accounts.js';
import type { Config } from '../config.js';
import type { GuestSweeper } from '../rooms/guest-sweeper.js';
import { toRoom } from '../rooms/made-rooms.js';
import type { Membership } from '../rooms/membership.js';
import {
  InviteRefusedError,
  RoomLimitError,
  usableInvite,
  type InviteTerms,
  type RoomStore,
  type StoredInvite,
} from '../store/room-store.js';
import type { StoredUser, UserStore } from '../store/user-store.js';
import { HttpApiError } from './errors.js';
import type { WindowCounts } from './login-throttle.js';

const HOUR_MS = 3600 * 1000;

export interface RoomRoutesDeps {
  config: Config;
  users: UserStore;
  rooms: RoomStore;
  membership: Membership;
  guestSweeper: GuestSweeper;
  /** The caller of a Bearer route (401 otherwise). */
  authenticatedUser(req: FastifyRequest): Promise<StoredUser>;
  /** A new session's answer for `user` (its tokens capped at a guest's end). */
  authResponse(user: StoredUser): Promise<AuthResponse>;
  /** The per-address request rate of the sign-in routes: unauthenticated code lookups share it. */
  authRateLimit: { max: number; timeWindow: number };
  /** A fixed-window counter (in memory, or in Redis for every node): guests made per address. */
  windowCounter(name: string, windowMs: number): WindowCounts;
}

const newRoomBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string' } },
} as const;

const newInviteBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    room: { type: 'string' },
    personal: { const: true },
    expiresIn: { type: 'integer', minimum: INVITE_EXPIRES_IN_MIN_SECONDS, maximum: INVITE_EXPIRES_IN_MAX_SECONDS },
    maxUses: { type: 'integer', minimum: 1, maximum: INVITE_MAX_USES },
  },
  // Exactly one of a group room or one's personal room.
  oneOf: [{ required: ['room'] }, { required: ['personal'] }],
} as const;

const guestBody = {
  type: 'object',
  required: ['invite', 'name'],
  additionalProperties: false,
  properties: { invite: { type: 'string' }, name: { type: 'string' } },
} as const;

interface NewInviteBody {
  room?: string;
  personal?: true;
  expiresIn?: number;
  maxUses?: number;
}

const INVITE_REFUSALS = {
  invite_not_found: [404, 'no such invite'],
  invite_expired: [410, 'this invite has expired'],
  invite_revoked: [410, 'this invite was withdrawn by the person who made it'],
  invite_used_up: [410, 'this invite has been used as many times as it allows'],
} as const;

/** The contract's answer for an invite that cannot be used; other errors pass through. */
function inviteError(error: unknown): unknown {
  if (!(error instanceof InviteRefusedError)) return error;
  const [status, message] = INVITE_REFUSALS[error.reason];
  return new HttpApiError(status, error.reason, message);
}

/** A name by the rule of §1 (normalised), or 400 invalid_input saying what is wrong. */
function checkedName(name: string): string {
  try {
    return validateName(name);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new HttpApiError(400, 'invalid_input', `name: ${error.message}`);
    throw error;
  }
}

const inviteNotFound = () => new HttpApiError(404, 'invite_not_found', 'no such invite');

/** The lobby first, then by name (then id, so equal names keep one order). */
export function sortRooms(rooms: Room[]): Room[] {
  const lobbyFirst = (room: Room) => (room.id === LOBBY_ROOM_ID ? 0 : 1);
  return [...rooms].sort((a, b) => lobbyFirst(a) - lobbyFirst(b) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

export function registerRoomRoutes(app: FastifyInstance, deps: RoomRoutesDeps): void {
  const { config, users, rooms, membership, guestSweeper, authenticatedUser, authResponse, authRateLimit } = deps;
  const now = config.roomsClock ?? Date.now;
  const guestsMade = deps.windowCounter('guests-made', HOUR_MS);

  /**
   * `onRequest` of the routes guests may not use: the caller, checked before
   * the body, so a guest or a missing token gets 403/401 whatever it sent.
   * Guests only talk to the people of their room.
   */
  const inviters = new WeakMap<FastifyRequest, StoredUser>();
  async function requireInviter(req: FastifyRequest): Promise<void> {
    const user = await authenticatedUser(req);
    if (user.guest) throw new HttpApiError(403, 'guests_cannot_invite', 'a guest cannot make rooms or invites, nor join other rooms');
    inviters.set(req, user);
  }
  const inviter = (req: FastifyRequest) => inviters.get(req)!;

  function toInvite(invite: StoredInvite): Invite | undefined {
    const room = rooms.room(invite.room);
    if (!room) return undefined;
    return {
      code: invite.code,
      room: toRoom(room),
      expiresAt: invite.expiresAt,
      maxUses: invite.maxUses,
      uses: invite.uses,
      revoked: invite.revokedAt !== undefined,
    };
  }

  /** An invite's end and uses from the body, with the defaults of §4. */
  const inviteTerms = (body: Pick<NewInviteBody, 'expiresIn' | 'maxUses'>) => ({
    expiresAt: now() + (body.expiresIn ?? config.inviteTtlSeconds) * 1000,
    maxUses: body.maxUses ?? null,
  });

  /** Runs a store change, answering its limit errors with the contract's 409s. */
  const withinLimits = <T>(change: Promise<T>) =>
    change.catch((error: unknown) => {
      if (error instanceof RoomLimitError) {
        throw new HttpApiError(409, error.limit === 'rooms' ? 'room_limit' : 'invite_limit', error.message);
      }
      throw error;
    });

  /** The invite behind `code` if it can be used now; the contract's 404/410 otherwise (a malformed code is simply unknown). */
  function usable(code: string) {
    if (!INVITE_CODE_PATTERN.test(code)) throw inviteNotFound();
    const invite = rooms.invite(code);
    try {
      return usableInvite(invite, invite && rooms.room(invite.room), now());
    } catch (error) {
      throw inviteError(error);
    }
  }

  async function useInvite(code: string, joiner?: string) {
    usable(code);
    return rooms.useInvite(code, joiner).catch((error: unknown) => {
      throw inviteError(error);
    });
  }

  app.get(API_PATHS.rooms, async (req): Promise<RoomsResponse> => ({ rooms: sortRooms(membership.roomsOf(await authenticatedUser(req))) }));

  app.post<{ Body: { name: string } }>(
    API_PATHS.rooms,
    { schema: { body: newRoomBody }, onRequest: requireInviter },
    async (req, reply) => {
      const user = inviter(req);
      const name = checkedName(req.body.name);
      const limits = { rooms: config.maxRoomsPerUser, invites: MAX_LIVE_INVITES_PER_USER };
      const made = await withinLimits(rooms.createGroupRoom({ owner: user.id, name }, inviteTerms({}), limits));
      await membership.changed(user.id);
      const answer: NewRoomResponse = { room: toRoom(made.room), invite: toInvite(made.invite)! };
      return reply.status(201).send(answer);
    },
  );

  app.post<{ Body: NewInviteBody }>(
    API_PATHS.invites,
    { schema: { body: newInviteBody }, onRequest: requireInviter },
    async (req, reply) => {
      const user = inviter(req);
      let roomId: string;
      if (req.body.personal) {
        roomId = (await rooms.personalRoom(user.id, shownName(user.name))).id;
        // Made on first use: the owner may subscribe to it as soon as this answers.
        await membership.changed(user.id);
      } else {
        const room = rooms.room(req.body.room!);
        // Lobby and site rooms are not in the store: a site decides those. Nor is anyone else's room.
        if (!room || room.kind !== 'group' || !room.members.includes(user.id)) {
          throw new HttpApiError(404, 'room_not_found', 'no such group room among yours');
        }
        roomId = room.id;
      }
      const terms: InviteTerms = { room: roomId, createdBy: user.id, ...inviteTerms(req.body) };
      const invite = await withinLimits(rooms.createInvite(terms, MAX_LIVE_INVITES_PER_USER));
      return reply.status(201).send({ invite: toInvite(invite)! });
    },
  );

  app.get(API_PATHS.invites, async (req) => {
    const user = await authenticatedUser(req);
    return { invites: rooms.invitesBy(user.id).flatMap((invite) => toInvite(invite) ?? []) };
  });

  app.delete<{ Params: { code: string } }>(`${API_PATHS.invites}/:code`, async (req, reply) => {
    const user = await authenticatedUser(req);
    if (!INVITE_CODE_PATTERN.test(req.params.code) || !(await rooms.revokeInvite(req.params.code, user.id))) throw inviteNotFound();
    return reply.status(204).send();
  });

  // Anyone holding a link may look at it; the request rate per address keeps codes from being enumerated.
  app.get<{ Params: { code: string } }>(
    `${API_PATHS.invites}/:code`,
    { config: { rateLimit: authRateLimit } },
    async (req): Promise<{ invite: InvitePreview }> => {
      const { invite, room } = usable(req.params.code);
      const maker = await users.findById(invite.createdBy);
      const kind = room.kind;
      return {
        invite: {
          room: { name: room.name, kind },
          by: maker ? shownName(maker.name) : room.name,
          expiresAt: invite.expiresAt,
          guests: config.guests,
          passwords: config.accounts !== 'site',
        },
      };
    },
  );

  app.post<{ Params: { code: string } }>(
    `${API_PATHS.invites}/:code/join`,
    { config: { rateLimit: authRateLimit }, onRequest: requireInviter },
    async (req): Promise<{ room: Room }> => {
      const user = inviter(req);
      const { room, joined } = await useInvite(req.params.code, user.id);
      // The store tells the membership too (server.ts); awaited here so the answer means "you may subscribe now".
      if (joined) await membership.changed(user.id);
      return { room: toRoom(room) };
    },
  );

  const guestsOn = async () => {
    if (!config.guests) throw new HttpApiError(403, 'guests_disabled', 'this backend does not take guests (GUESTS=off)');
  };

  app.post<{ Body: { invite: string; name: string } }>(
    API_PATHS.guest,
    { schema: { body: guestBody }, config: { rateLimit: authRateLimit }, onRequest: guestsOn },
    async (req, reply) => {
      const name = checkedName(req.body.name);
      // Counted before it is made (and given back if it is not): a burst, on one node or several, cannot slip past it.
      await refuseGuestOverRate(req.ip, reply);
      let guest: StoredUser;
      try {
        const { invite } = await useInvite(req.body.invite);
        const expiresAt = Date.now() + config.guestTtlSeconds * 1000;
        guest = await users.createGuest({ name, guest: { room: invite.room, invite: invite.code, expiresAt } });
        guestSweeper.expect(expiresAt);
      } catch (error) {
        // Refused attempts do not count: only guests made.
        await guestsMade.giveBack(req.ip);
        throw error;
      }
      await membership.changed(guest.id);
      return reply.status(201).send(await authResponse(guest));
    },
  );

  /** 429 with Retry-After once this address made GUEST_RATE guests this hour. */
  async function refuseGuestOverRate(address: string, reply: FastifyReply): Promise<void> {
    const made = await guestsMade.take(address, config.guestRatePerHour);
    if (made.taken) return;
    reply.header('retry-after', String(Math.max(1, Math.ceil((made.resetAt - Date.now()) / 1000))));
    throw new HttpApiError(429, 'rate_limited', 'too many guests from this address, try again later');
  }
}
