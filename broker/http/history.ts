/**
 * Call history and privacy settings over HTTP (PROTOCOL.md §7). Every route answers for the
 * caller's own data only: there is no way to name another person's history or settings.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  CALLS_PAGE_DEFAULT,
  CALLS_PAGE_MAX,
  HISTORY_PATHS,
  type CallHistoryPage,
  type Notice,
  type PrivacyResponse,
  type PrivacySettings,
  type PrivacyUpdate,
} from '../../src/protocol/index.js';
import { effectivePrivacy } from '../history/privacy-book.js';
import { BadCursorError, type CallHistoryStore } from '../store/call-history-store.js';
import type { StoredUser, UserStore } from '../store/user-store.js';
import { HttpApiError } from './errors.js';

export interface HistoryRoutesDeps {
  history: CallHistoryStore;
  users: UserStore;
  authenticatedUser(req: FastifyRequest): Promise<StoredUser>;
  /** The broker applies new settings to presence and tells the user's tabs (attached after the app). */
  privacyChanged(userId: string, privacy: PrivacySettings): void;
  notify(userId: string, notice: Notice): void;
  now?: () => number;
}

/** A do-not-disturb may be set for at most a year ahead. */
const MAX_DND_AHEAD_MS = 366 * 24 * 3600 * 1000;

const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'string', pattern: '^[0-9]{1,3}$' },
    cursor: { type: 'string', maxLength: 64 },
  },
} as const;

const privacyBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    dnd: { type: 'boolean' },
    dndUntil: { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 1 }] },
    invisible: { type: 'boolean' },
  },
} as const;

export function registerHistoryRoutes(app: FastifyInstance, deps: HistoryRoutesDeps): void {
  const now = deps.now ?? Date.now;

  app.get<{ Querystring: { limit?: string; cursor?: string } }>(
    HISTORY_PATHS.calls,
    { schema: { querystring: pageQuery } },
    async (req): Promise<CallHistoryPage> => {
      const user = await deps.authenticatedUser(req);
      const limit = req.query.limit === undefined ? CALLS_PAGE_DEFAULT : Number(req.query.limit);
      if (limit < 1 || limit > CALLS_PAGE_MAX) throw new HttpApiError(400, 'invalid_input', `limit must be 1–${CALLS_PAGE_MAX}`);
      try {
        const page = await deps.history.page(user.id, limit, req.query.cursor);
        return { ...page, unseenMissed: await deps.history.unseenMissed(user.id) };
      } catch (error) {
        if (error instanceof BadCursorError) throw new HttpApiError(400, 'invalid_input', error.message);
        throw error;
      }
    },
  );

  app.post(HISTORY_PATHS.callsSeen, async (req, reply) => {
    const user = await deps.authenticatedUser(req);
    await deps.history.markSeen(user.id, now());
    deps.notify(user.id, { type: 'calls' });
    return reply.status(204).send();
  });

  app.delete<{ Params: { id: string } }>(`${HISTORY_PATHS.calls}/:id`, async (req, reply) => {
    const user = await deps.authenticatedUser(req);
    // Someone else's entry is not found either: nobody learns what is in another history.
    if (!(await deps.history.delete(user.id, req.params.id))) throw new HttpApiError(404, 'not_found', 'no such call in your history');
    deps.notify(user.id, { type: 'calls' });
    return reply.status(204).send();
  });

  app.get(HISTORY_PATHS.privacy, async (req): Promise<PrivacyResponse> => {
    const user = await deps.authenticatedUser(req);
    return { privacy: effectivePrivacy(user.privacy, now()) };
  });

  app.post<{ Body: PrivacyUpdate }>(HISTORY_PATHS.privacy, { schema: { body: privacyBody } }, async (req): Promise<PrivacyResponse> => {
    const user = await deps.authenticatedUser(req);
    const at = now();
    const current = effectivePrivacy(user.privacy, at);
    const { dnd = current.dnd, invisible = current.invisible } = req.body;
    let dndUntil = req.body.dndUntil === undefined ? current.dndUntil : req.body.dndUntil;
    if (!dnd) dndUntil = null;
    if (dndUntil !== null && (dndUntil <= at || dndUntil > at + MAX_DND_AHEAD_MS)) {
      throw new HttpApiError(400, 'invalid_input', 'dndUntil must be a time (Unix ms) in the future, at most a year ahead');
    }
    const privacy: PrivacySettings = { dnd, dndUntil, invisible };
    const saved = await deps.users.setPrivacy(user.id, privacy);
    if (!saved) throw new HttpApiError(401, 'unauthorized', 'missing, invalid, expired or signed-out token');
    deps.privacyChanged(user.id, privacy);
    return { privacy: effectivePrivacy(privacy, at) };
  });
}
