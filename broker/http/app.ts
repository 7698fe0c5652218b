/**
 * The HTTP API of PROTOCOL.md §1 on Fastify, plus the static widget bundle
 * and demo pages. Unknown body fields are refused (400 invalid_input): a
 * client that sends something we would ignore is better told so.
 */
import { setTimeout } from 'node:timers/promises';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { API_PATHS, MAX_HTTP_BODY_BYTES, type ApiErrorCode, type AuthResponse, type MeResponse } from '../../src/protocol/index.js';
import { Accounts, InvalidInputError, shownName, toPublicUser } from '../accounts.js';
import type { Config } from '../config.js';
import { iceServersFor } from '../ice-servers.js';
import { EmailTakenError, type StoredUser } from '../store/user-store.js';
import type { Sessions } from '../sessions.js';
import { SiteKeysUnavailableError, SiteTokenError, SiteTokenVerifier } from '../site-tokens.js';
import type { TokenClaims } from '../tokens.js';
import { HttpApiError, clientErrorHandler, frameworkErrorHandler, installErrorHandlers } from './errors.js';
import { installResponseHeaders } from './headers.js';
import {
  LoginThrottle,
  SharedLoginThrottle,
  WindowCounter,
  type FailedLogins,
  type LoginDecision,
  type WindowCounts,
} from './login-throttle.js';
import type { RedisConnection } from '../store/redis-connection.js';
import type { Membership } from '../rooms/membership.js';
import type { GuestSweeper } from '../rooms/guest-sweeper.js';
import type { RoomStore } from '../store/room-store.js';
import { registerRoomRoutes } from './rooms.js';
import { registerRoomCallRoutes } from './room-calls.js';
import type { RoomCalls } from '../calls/room-calls.js';
import { registerHistoryRoutes, type HistoryRoutesDeps } from './history.js';
import type { MessagesAway } from '../messages/messages-away.js';
import { registerMessageRoutes } from './messages.js';

export interface HttpAppDeps {
  config: Config;
  accounts: Accounts;
  sessions: Sessions;
  /** Who is in which room (PROTOCOL.md §4); told when a site token changes someone's rooms. */
  membership: Membership;
  /** Rooms made here, their members and invites (PROTOCOL.md §4). */
  rooms: RoomStore;
  /** Told of each guest made, so the guest ends on time. */
  guestSweeper: GuestSweeper;
  /** Seats of rooms' group calls (PROTOCOL.md §6). */
  calls: RoomCalls;
  /** Whether `sid` is connected to the broker as `userId` (the broker is attached after the app). */
  isConnected(userId: string, sid: string): Promise<boolean>;
  /** Call history and privacy settings (PROTOCOL.md §7); absent: those routes are not offered. */
  history?: Omit<HistoryRoutesDeps, 'users' | 'authenticatedUser'>;
  /** Messages kept while their recipient is away (PROTOCOL.md §8). */
  messages: MessagesAway;
  /** REDIS_URL's connection: rate limits and throttles are then counted there, for every node at once. */
  redis?: RedisConnection;
}

const registerBody = {
  type: 'object',
  required: ['name', 'email', 'password'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    email: { type: 'string' },
    password: { type: 'string' },
  },
} as const;

const loginBody = {
  type: 'object',
  required: ['email', 'password'],
  additionalProperties: false,
  properties: {
    email: { type: 'string' },
    password: { type: 'string' },
  },
} as const;

const sessionBody = {
  type: 'object',
  required: ['token'],
  additionalProperties: false,
  properties: {
    token: { type: 'string', minLength: 1 },
  },
} as const;

/** Hashed chunk names never change content: cache them for a year. The entry point must stay fresh. */
function setCacheHeaders(res: { setHeader(name: string, value: string): unknown }, filePath: string): void {
  const normalized = filePath.replaceAll('\\', '/');
  if (normalized.includes('/chunks/')) {
    res.setHeader('cache-control', 'public, max-age=31536000, immutable');
  } else if (normalized.endsWith('.js')) {
    res.setHeader('cache-control', 'public, max-age=60, must-revalidate');
  } else {
    res.setHeader('cache-control', 'no-cache');
  }
}

/**
 * Makes fixed-window counters: in this process, or in Redis for every node. The Redis one is
 * imported only on Redis, so a single-node backend does not load it.
 */
async function windowCounters(redis: RedisConnection | undefined): Promise<(name: string, windowMs: number) => WindowCounts> {
  if (!redis) return (_name, windowMs) => new WindowCounter(windowMs, Date.now);
  const { RedisWindowCounter } = await import('../store/redis-window-counter.js');
  return (name, windowMs) => new RedisWindowCounter(redis, name, windowMs);
}

export async function createHttpApp({
  config,
  accounts,
  sessions,
  membership,
  rooms,
  guestSweeper,
  calls,
  isConnected,
  history,
  messages,
  redis,
}: HttpAppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    bodyLimit: MAX_HTTP_BODY_BYTES,
    trustProxy: config.trustProxy,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // Refuse rather than silently drop or coerce: wrong types and unknown fields are 400s.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  installErrorHandlers(app);
  installResponseHeaders(app);

  // JSON only: no text/plain parser, so other content types get 415. An empty
  // JSON body is allowed (POST /api/token has no body); routes with a schema still require one.
  app.removeContentTypeParser('text/plain');
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') return done(null, undefined);
    parseJson(req, body as string, done);
  });

  await app.register(cors, {
    origin: config.allowedOrigins === '*' ? '*' : config.allowedOrigins,
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['content-type', 'authorization'],
    credentials: false,
    maxAge: 600,
  });

  await app.register(rateLimit, {
    global: false,
    keyGenerator: (req) => req.ip,
    errorResponseBuilder: (_req, context) => new HttpApiError(429, 'rate_limited', `too many attempts, retry in ${context.after}`),
    // On Redis every node counts into the same keys: a limit reached through one node holds on all.
    ...(redis ? { redis: redis.client, nameSpace: redis.key('rate-limit:') } : {}),
  });
  const windowCounter = await windowCounters(redis);
  const throttleOptions = {
    perEmail: config.loginFailuresPerEmail,
    perAddress: config.loginFailuresPerAddress,
    windowMs: config.loginFailureWindowSeconds * 1000,
    slowdownMaxMs: config.loginSlowdownMaxMs,
  };
  const failedLogins: FailedLogins = redis ? new SharedLoginThrottle(throttleOptions, windowCounter) : new LoginThrottle(throttleOptions);
  const authRateLimit = { max: config.authRateMax, timeWindow: config.authRateWindowSeconds * 1000 };

  /** 429 with Retry-After for an address the failure throttle refuses. */
  function refuseThrottled(
    decision: LoginDecision,
    reply: FastifyReply,
    message: string,
  ): asserts decision is Extract<LoginDecision, { refused: false }> {
    if (!decision.refused) return;
    reply.header('retry-after', String(Math.ceil(decision.retryAfterMs / 1000)));
    throw new HttpApiError(429, 'rate_limited', message);
  }

  // ACCOUNTS (PROTOCOL.md §1, "Site accounts"): which ways of signing in this backend offers.
  // Checked on request, before the body: the refusal is the same whatever was sent.
  const siteTokens = config.accounts === 'password' ? undefined : new SiteTokenVerifier(config);
  const onlyIf = (enabled: boolean, code: ApiErrorCode, message: string) => async () => {
    if (!enabled) throw new HttpApiError(403, code, message);
  };
  const passwordAccountsOn = onlyIf(
    config.accounts !== 'site',
    'password_accounts_disabled',
    'this backend signs people in through their site (POST /api/session) only',
  );
  const siteAccountsOn = onlyIf(
    siteTokens !== undefined,
    'site_accounts_disabled',
    'this backend has no site accounts (ACCOUNTS=password): sign in with a password',
  );

  /** The user behind a valid, unrevoked Bearer token whose account still exists, and the token's claims. */
  async function authenticated(req: FastifyRequest): Promise<{ user: StoredUser; claims: TokenClaims }> {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const claims = match ? await sessions.verify(match[1]!) : null;
    const user = claims ? await accounts.store.findById(claims.sub) : undefined;
    if (!claims || !user) throw new HttpApiError(401, 'unauthorized', 'missing, invalid, expired or signed-out token');
    return { user, claims };
  }
  const authenticatedUser = async (req: FastifyRequest) => (await authenticated(req)).user;

  /** A guest's tokens never outlive the guest (PROTOCOL.md §4). */
  const sessionUser = (user: StoredUser) => ({ ...toPublicUser(user), endsAt: user.guest?.expiresAt });

  async function authResponse(user: StoredUser): Promise<AuthResponse> {
    return { token: await sessions.signIn(sessionUser(user)), user: toPublicUser(user) };
  }

  app.post<{ Body: { name: string; email: string; password: string } }>(
    API_PATHS.register,
    { schema: { body: registerBody }, config: { rateLimit: authRateLimit }, onRequest: passwordAccountsOn },
    async (req, reply) => {
      try {
        const user = await accounts.register(req.body);
        return reply.status(201).send(await authResponse(user));
      } catch (error) {
        if (error instanceof InvalidInputError) throw new HttpApiError(400, 'invalid_input', error.message);
        if (error instanceof EmailTakenError) throw new HttpApiError(409, 'email_taken', 'this email is already registered');
        throw error;
      }
    },
  );

  app.post<{ Body: { email: string; password: string } }>(
    API_PATHS.login,
    { schema: { body: loginBody }, config: { rateLimit: authRateLimit }, onRequest: passwordAccountsOn },
    async (req, reply) => {
      const decision = await failedLogins.check(req.body.email, req.ip);
      refuseThrottled(decision, reply, 'too many failed logins from this address, try again later');
      // Someone is guessing this email's password from many places: slow it down, never lock its owner out.
      if (decision.delayMs > 0) await setTimeout(decision.delayMs);
      const user = await accounts.authenticate(req.body.email, req.body.password);
      if (!user) {
        await failedLogins.recordFailure(req.body.email, req.ip);
        throw new HttpApiError(401, 'invalid_credentials', 'wrong email or password');
      }
      return authResponse(user);
    },
  );

  // A site's token for one of its users, exchanged for a session of this backend (same answer as a login).
  app.post<{ Body: { token: string } }>(
    API_PATHS.session,
    { schema: { body: sessionBody }, config: { rateLimit: authRateLimit }, onRequest: siteAccountsOn },
    async (req, reply) => {
      refuseThrottled(await failedLogins.checkAddress(req.ip), reply, 'too many refused site tokens from this address, try again later');
      let siteUser;
      try {
        siteUser = await siteTokens!.verify(req.body.token);
      } catch (error) {
        if (error instanceof SiteKeysUnavailableError) {
          const message = "the site's signing keys cannot be fetched right now, try again later";
          throw new HttpApiError(503, 'site_keys_unavailable', message, { cause: error });
        }
        if (error instanceof SiteTokenError) {
          await failedLogins.recordAddressFailure(req.ip);
          throw new HttpApiError(401, 'invalid_site_token', `site token refused: ${error.message}`);
        }
        throw error;
      }
      const user = await accounts.store.saveSiteUser(siteUser);
      // A personal room is named after its owner, whose site may have renamed them.
      await rooms.renameOwner(user.id, shownName(user.name));
      // The token's `rooms` may differ from the last one: the broker re-checks this user's connections.
      await membership.changed(user.id);
      return authResponse(user);
    },
  );

  // Same session family, fresh expiry; none past SESSION_MAX_AGE after the sign-in.
  app.post(API_PATHS.token, async (req): Promise<AuthResponse> => {
    const { user, claims } = await authenticated(req);
    const token = await sessions.renew(claims, sessionUser(user));
    if (!token) throw new HttpApiError(401, 'unauthorized', 'this sign-in is too old to renew (or the guest has ended), sign in again');
    return { token, user: toPublicUser(user) };
  });

  // Revokes the token's whole session family; the broker closes its connections.
  app.post(API_PATHS.logout, async (req, reply) => {
    const { claims } = await authenticated(req);
    await sessions.logout(claims);
    return reply.status(204).send();
  });

  app.get(API_PATHS.me, async (req): Promise<MeResponse> => ({ user: toPublicUser(await authenticatedUser(req)) }));

  app.get(API_PATHS.iceServers, async (req) => iceServersFor(config, (await authenticatedUser(req)).id));

  app.get(API_PATHS.healthz, async () => ({ status: 'ok' }));

  registerRoomRoutes(app, {
    config,
    users: accounts.store,
    rooms,
    membership,
    guestSweeper,
    authenticatedUser,
    authResponse,
    authRateLimit,
    windowCounter,
  });

  registerRoomCallRoutes(app, { membership, calls, isConnected, authenticatedUser });

  if (history) registerHistoryRoutes(app, { ...history, users: accounts.store, authenticatedUser });
  registerMessageRoutes(app, { messages, authenticatedUser });

  // dist/ first (rtc-call.js, chunks/), then demo/ (index.html, theming.html).
  // Either may not be built yet; @fastify/static looks the file up per request.
  await app.register(fastifyStatic, {
    root: [config.distDir, config.demoDir],
    prefix: '/',
    index: ['index.html'],
    cacheControl: false,
    setHeaders: setCacheHeaders,
    // rollup writes source maps next to the bundle; they reveal the sources, so only on request.
    // demo/site/ is the example *site* (its own server fills in the backend's address), not a page of this backend.
    // dist/server/ is this backend itself, compiled (the release): code to run, not to serve.
    allowedPath: (pathName) =>
      !pathName.startsWith('/site/') && !pathName.startsWith('/server/') && (config.serveSourceMaps || !pathName.endsWith('.map')),
  });

  return app;
}
