/**
 * The Aedes hooks that enforce PROTOCOL.md §3 and §4: who may connect,
 * publish, subscribe, and receive what. Each hook is a small named function
 * with Aedes' own signature; the room rules are room-acl.ts's, answered from
 * the user's record in the `RoomRoster`.
 */
import type { AedesPublishPacket, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import {
  CHAT_DELIVERED_TYPE,
  MAX_MQTT_PAYLOAD_BYTES,
  TokenBucket,
  checkInboxPayload,
  DEFAULT_MAX_FILE_BYTES,
  fileMessageProblem,
  isFileMessageType,
  parseRoomCallFilter,
  parseJsonPayload,
  parseTopic,
  validateStatusUpdate,
} from '../../src/protocol/index.js';
import { shownName } from '../accounts.js';
import type { UserStore } from '../store/user-store.js';
import type { Sessions } from '../sessions.js';
import type { LiveSessions } from './live-sessions.js';
import type { PresenceTracker } from './presence.js';
import { inviteKey, type SharedBudgets } from './publish-budget.js';
import { inGroupCallRoom, mayReceive, maySubscribe } from './room-acl.js';
import type { RoomCalls } from '../calls/room-calls.js';
import type { OnlineMember, RoomRoster } from './room-roster.js';
import type { SessionCounter } from './session-limit.js';
import type { InboxWatch } from '../history/inbox-watch.js';
import type { PrivacyBook } from '../history/privacy-book.js';
import { isRedisUnavailable } from '../cluster/redis-errors.js';

/** CONNACK return codes of MQTT 3.1.1. */
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;
const SYS_PREFIX = '$SYS/';
/**
 * Where an invite over its pair budget, or a message to someone who shares
 * no room with its sender, goes: no subscription the ACL grants matches it,
 * so nobody receives it. Aedes' authorizePublish has no quiet refusal (an
 * error disconnects the publisher).
 */
const DROPPED_TOPIC = 'rtc/v1/dropped';

/** What the backend knows about one authenticated MQTT connection. */
interface ClientSession {
  userId: string;
  /** The clientId this connection is counted under in the session limit. */
  clientId: string;
  name: string;
  /** The user's rooms, one record shared by all of the user's connections. */
  member: OnlineMember;
  /** This connection's own budget; the user's shared one is in `SharedBudgets`. */
  budget: TokenBucket;
  subscriptions: Set<string>;
  expiryTimer: NodeJS.Timeout;
  /** Counted in presence (set once the CONNACK went out). */
  online: boolean;
}

export interface AccessControlOptions {
  sessions: Sessions;
  /** Told which session family each connection belongs to, to close it on revocation. */
  live: LiveSessions;
  store: UserStore;
  presence: PresenceTracker;
  /** Group call seats: a tab's seat waits for it while it is disconnected (PROTOCOL.md §6). */
  calls?: RoomCalls;
  /** The rooms of each online user. */
  roster: RoomRoster;
  publishRate: number;
  publishBurst: number;
  /** Per-user publish budget and per-pair invite budget. */
  budgets: SharedBudgets;
  /** Concurrent sessions (clientIds) per user: MAX_SESSIONS_PER_USER. */
  sessionLimit: SessionCounter;
  maxSubscriptionsPerClient: number;
  /** Call history, do-not-disturb and invisible (PROTOCOL.md §7): told of connections and relayed inbox messages. */
  watch?: InboxWatch;
  /** Told each user's stored do-not-disturb and invisible at CONNECT. */
  privacy?: PrivacyBook;
  /** `MAX_FILE_BYTES`: a `file-offer` announcing more is refused (PROTOCOL.md §9); default DEFAULT_MAX_FILE_BYTES. */
  maxFileBytes?: number;
  /**
   * Several nodes on Redis (REDIS_URL): false while Redis cannot be reached, and then every
   * CONNECT gets CONNACK 3 (server unavailable) at once, before any token check.
   */
  sharedStateReachable?: () => boolean;
  /** QoS 2 is not offered (on Redis, broker/README.md): a QoS 2 PUBLISH disconnects, a QoS 2 SUBSCRIBE gets SUBACK 0x80. */
  refuseQos2?: boolean;
  /** Several nodes: an inbox message may be for someone online on another node (`RoomRoster.reachesAnywhere`). */
  acrossNodes?: boolean;
}

function refusal(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

export function createAccessControl(options: AccessControlOptions) {
  const sessions = new WeakMap<Client, ClientSession>();
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  /** Connections that ended, so a CONNECT whose checks finish after its socket closed counts no session. */
  const gone = new WeakSet<Client>();

  /** CONNECT: username = token's sub, password = a valid token of an existing user, clientId = `<sub>:…`. */
  function authenticate(
    client: Client,
    username: Readonly<string | undefined>,
    password: Readonly<Buffer | undefined>,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    void (async () => {
      if (options.sharedStateReachable?.() === false) return done(unavailable(), false);
      const claims = password ? await options.sessions.verify(password.toString('utf8')) : null;
      if (!claims) return done(refusal(BAD_USERNAME_OR_PASSWORD, 'bad, expired or signed-out token'), false);
      if (username !== claims.sub) return done(refusal(BAD_USERNAME_OR_PASSWORD, 'username is not the token subject'), false);
      if (!client.id.startsWith(`${claims.sub}:`)) return done(refusal(NOT_AUTHORIZED, 'clientId must start with <userId>:'), false);
      // Persistent sessions would queue messages for clients that never return: not offered.
      if (!client.clean) return done(refusal(NOT_AUTHORIZED, 'persistent sessions (clean=false) are not offered'), false);
      const changesBefore = options.roster.changes;
      const user = await options.store.findById(claims.sub);
      if (!user) return done(refusal(NOT_AUTHORIZED, 'no such user'), false);
      options.privacy?.adopt(user.id, user.privacy);
      const msLeft = claims.exp * 1000 - Date.now();
      if (msLeft <= 0) return done(refusal(BAD_USERNAME_OR_PASSWORD, 'token expired'), false);
      if (gone.has(client)) return done(refusal(NOT_AUTHORIZED, 'connection closed during CONNECT'), false);
      const previous = sessions.get(client);
      if (previous) clearTimeout(previous.expiryTimer);
      else {
        const opened = options.sessionLimit.open(user.id, client.id);
        if (!(typeof opened === 'boolean' ? opened : await opened)) {
          return done(refusal(SERVER_UNAVAILABLE, 'too many concurrent sessions for this user'), false);
        }
        // Counted across nodes (an await on Redis): the socket may have closed meanwhile, and clientGone counted nothing.
        if (gone.has(client)) {
          options.sessionLimit.close(user.id, client.id);
          return done(refusal(NOT_AUTHORIZED, 'connection closed during CONNECT'), false);
        }
      }
      sessions.set(client, {
        userId: user.id,
        clientId: client.id,
        // Presence shows the sanitised name: a name stored before the name rule cannot forge text.
        name: shownName(user.name),
        member: options.roster.join(client, user, changesBefore),
        budget: new TokenBucket(options.publishRate, options.publishBurst),
        subscriptions: new Set(),
        // The widget renews its token and reconnects before this fires.
        expiryTimer: setTimeout(() => client.close(), msLeft),
        online: false,
      });
      options.live.track(client, claims);
      done(null, true);
    })().catch((error: unknown) => done(isRedisUnavailable(error) ? unavailable() : refusal(NOT_AUTHORIZED, String(error)), false));
  }

  function unavailable(): AuthenticateError {
    return refusal(SERVER_UNAVAILABLE, 'the backend cannot reach its shared state (Redis); try again later');
  }

  /**
   * PUBLISH: only one's own inbox sender slot and own status, no retain on
   * them, bounded payloads, within the connection's and the user's publish
   * budgets. An error makes Aedes disconnect the client (MQTT 3.1.1 has no
   * PUBACK refusal). Messages to someone who shares no room with the sender,
   * and invites over their pair budget, are dropped instead: the sender keeps
   * its connection and learns nothing, the recipient never sees them.
   */
  function authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    // Aedes' own guard, kept: $SYS is the broker's.
    if (packet.topic.startsWith(SYS_PREFIX)) return callback(new Error('$SYS topic is reserved'));
    if (!client) return callback(null); // published by the backend itself
    const session = sessions.get(client);
    if (!session) return callback(new Error('not authenticated'));
    // Refused before Aedes stores anything in the QoS 2 inbound table (broker/README.md, "QoS 2 on Redis").
    if (options.refuseQos2 && packet.qos === 2) return callback(new Error('QoS 2 is not offered'));
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    if (payload.byteLength > MAX_MQTT_PAYLOAD_BYTES) return callback(new Error('payload over 64 KiB'));
    if (!session.budget.take()) return callback(new Error('publish budget exceeded'));
    if (!options.budgets.user.take(session.userId)) return callback(new Error('publish budget of the user exceeded'));
    const roomTopic = parseRoomCallFilter(packet.topic);
    if (roomTopic?.kind === 'chat' && roomTopic.from !== null && !packet.retain) {
      const problem = roomChatProblem(session, roomTopic.roomId, roomTopic.from, payload);
      return callback(problem ? new Error(problem) : null);
    }
    // parseTopic only knows wildcard-free topics of the contract: '+', '#' and anything else give null.
    const topic = parseTopic(packet.topic);
    if (!topic || packet.retain) return callback(new Error('topic not allowed'));
    if (topic.kind === 'inbox') {
      if (topic.from !== session.userId) return callback(new Error('inbox sender must be the publisher'));
      const checked = checkInboxPayload(payload, Date.now());
      if (checked.problem !== null) return callback(new Error(checked.problem));
      if (checked.type === CHAT_DELIVERED_TYPE) return callback(new Error('chat-delivered is sent by the backend only'));
      const fileProblem = isFileMessageType(checked.type) ? fileMessageProblem(parseJsonPayload(payload), maxFileBytes) : null;
      if (fileProblem !== null) return callback(new Error(fileProblem));
      const route = (reachable: boolean) => {
        if (!reachable) packet.topic = DROPPED_TOPIC;
        else if (checked.type === 'invite' && !options.budgets.invites.take(inviteKey(topic.from, topic.to))) packet.topic = DROPPED_TOPIC;
        else if (options.watch?.relayed(topic.from, topic.to, checked.type, payload)) packet.topic = DROPPED_TOPIC;
        callback(null);
      };
      const here = options.roster.reaches(session.member, topic.to);
      if (here || !options.acrossNodes) return route(here);
      // Several nodes: the addressee may be online on another one.
      void options.roster.reachesAnywhere(session.member, topic.to).then(route);
      return;
    }
    if (topic.kind === 'status' && topic.userId === session.userId) {
      const update = validateStatusUpdate(parseJsonPayload(payload));
      if (!update) return callback(new Error('status payload must be {"status": "available"|"busy"|"away"}'));
      options.presence.setStatus(session.userId, update.status);
      return callback(null);
    }
    callback(new Error('topic not allowed'));
  }

  /** Room chat (PROTOCOL.md §6): one's own sender slot, in a room with group calls one is in, a valid chat. */
  function roomChatProblem(session: ClientSession, roomId: string, from: string, payload: Buffer): string | null {
    if (from !== session.userId) return 'room chat sender must be the publisher';
    if (!inGroupCallRoom(session.member, roomId)) return 'room chat outside one of your rooms with group calls';
    const checked = checkInboxPayload(payload, Date.now());
    if (checked.problem !== null) return checked.problem;
    return checked.type === 'chat' ? null : 'room chat payload must be a chat message';
  }

  /** SUBSCRIBE: presence in one's rooms (room-acl.ts) and one's own inbox; anything else gets SUBACK 0x80. */
  function authorizeSubscribe(
    client: Client,
    subscription: Subscription,
    callback: (error: Error | null, subscription?: Subscription | null) => void,
  ): void {
    const session = sessions.get(client);
    if (!session) return callback(null, null);
    const topic = subscription.topic;
    if (!maySubscribe(session.member, topic)) return callback(null, null);
    // Aedes' SUBACK would still say QoS 2 if the subscription were downgraded here: refused instead.
    if (options.refuseQos2 && subscription.qos === 2) return callback(null, null);
    if (!session.subscriptions.has(topic) && session.subscriptions.size >= options.maxSubscriptionsPerClient) {
      return callback(null, null);
    }
    session.subscriptions.add(topic);
    callback(null, subscription);
  }

  /** Delivery: a second line of defence — inbox to its addressee, presence to those in its room who may see it. */
  function authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
    const session = sessions.get(client);
    return session && mayReceive(session.member, packet.topic) ? packet : null;
  }

  function clientReady(client: Client): void {
    const session = sessions.get(client);
    if (!session || session.online) return;
    session.online = true;
    options.calls?.reconnected(session.clientId);
    options.watch?.clientReady(session.clientId);
    options.presence.sessionStarted(session.userId, session.name, session.member.guest);
  }

  function clientGone(client: Client): void {
    options.live.untrack(client);
    gone.add(client);
    const session = sessions.get(client);
    if (!session) return;
    sessions.delete(client);
    options.roster.leave(client, session.userId);
    clearTimeout(session.expiryTimer);
    options.sessionLimit.close(session.userId, session.clientId);
    if (session.online) options.presence.sessionEnded(session.userId);
    options.calls?.disconnected(session.clientId);
    options.watch?.clientGone(session.userId, session.clientId, options.presence.nameOf(session.userId) !== undefined);
  }

  function unsubscribed(topics: string[], client: Client): void {
    const session = sessions.get(client);
    for (const topic of topics) session?.subscriptions.delete(topic);
  }

  return { authenticate, authorizePublish, authorizeSubscribe, authorizeForward, clientReady, clientGone, unsubscribed };
}
