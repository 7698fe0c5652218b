/**
 * Group calls over HTTP (PROTOCOL.md §6 "HTTP"): taking a seat in a room's call and leaving it.
 * The seats themselves are decided by RoomCalls; these routes check the caller, the room and the
 * tab, and shape the refusals.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { allowsGroupCalls, roomCallPath, type JoinCallRequest, type JoinCallResponse, type Room } from '../../src/protocol/index.js';
import { shownName } from '../accounts.js';
import { CallFullError, type RoomCalls } from '../calls/room-calls.js';
import type { Membership } from '../rooms/membership.js';
import type { StoredUser } from '../store/user-store.js';
import { HttpApiError } from './errors.js';

export interface RoomCallRoutesDeps {
  membership: Membership;
  calls: RoomCalls;
  /** Whether `sid` is a connection of the user's now, to any node (the broker's answer). */
  isConnected(userId: string, sid: string): Promise<boolean>;
  authenticatedUser(req: FastifyRequest): Promise<StoredUser>;
}

const joinBody = {
  type: 'object',
  required: ['sid', 'media'],
  additionalProperties: false,
  properties: {
    sid: { type: 'string', minLength: 1, maxLength: 128 },
    media: {
      type: 'object',
      required: ['audio', 'video'],
      additionalProperties: false,
      properties: { audio: { type: 'boolean' }, video: { type: 'boolean' } },
    },
  },
} as const;

export function registerRoomCallRoutes(app: FastifyInstance, deps: RoomCallRoutesDeps): void {
  /** The caller's room `roomId`: 404 when they are not in it (or it does not exist), as for every room route. */
  function roomOf(user: StoredUser, roomId: string): Room {
    const room = deps.membership.roomsOf(user).find((r) => r.id === roomId);
    if (!room) throw new HttpApiError(404, 'room_not_found', 'no such room, or you are not in it');
    return room;
  }

  app.post<{ Params: { roomId: string }; Body: JoinCallRequest }>(
    roomCallPath(':roomId'),
    { schema: { body: joinBody } },
    async (req): Promise<JoinCallResponse> => {
      const user = await deps.authenticatedUser(req);
      const room = roomOf(user, req.params.roomId);
      if (!allowsGroupCalls(room)) {
        throw new HttpApiError(403, 'group_calls_not_allowed', 'calls in a personal room are one to one');
      }
      const { sid, media } = req.body;
      if (!(await deps.isConnected(user.id, sid))) {
        throw new HttpApiError(409, 'not_connected', 'sid is not one of your connections to the call service');
      }
      try {
        return await deps.calls.joinSeat(room.id, { user: user.id, name: shownName(user.name), sid, media });
      } catch (error) {
        if (error instanceof CallFullError) throw new HttpApiError(409, error.code, error.message);
        throw error;
      }
    },
  );

  app.delete<{ Params: { roomId: string; sid: string } }>(`${roomCallPath(':roomId')}/:sid`, async (req, reply) => {
    const user = await deps.authenticatedUser(req);
    const room = roomOf(user, req.params.roomId);
    await deps.calls.leaveSeat(room.id, user.id, req.params.sid);
    return reply.status(204).send();
  });
}
