/**
 * The signalling link: MQTT 3.1.1 over WebSocket to the backend's broker
 * (PROTOCOL.md §3). MQTT.js is loaded lazily (`import('./mqtt-lean.js')`, its client and
 * WebSocket transport only) so the sign-in form renders without it.
 *
 * One MQTT.js client per connection, all with the same clientId (it is this
 * tab's `sid`, which must not change mid-call). MQTT.js's own reconnect is off:
 * we reconnect with jittered backoff, and a token renewal opens a new
 * connection with the new token before the old one is dropped (the broker
 * takes the clientId over), so the visitor sees no "reconnecting".
 */
import type { ClientSubscribeCallback, IClientOptions, MqttClient } from 'mqtt';
import {
  MQTT_PATH,
  inboxTopic,
  inboxWildcard,
  noticeTopic,
  roomChatTopic,
  statusTopic,
  type ChatMessage,
  type GroupMessage,
  type FileMessage,
  type InboxMessage,
  type PresenceStatus,
} from '../protocol/index.js';
import { randomId } from './ids.js';
import { routeMqttMessage, type MqttRoute } from './routing.js';
import { DEFAULT_BACKOFF, reconnectDelay, type BackoffOptions } from './timing.js';

type SubackPacket = Parameters<ClientSubscribeCallback>[2];

export type SignalingState = 'connecting' | 'online' | 'reconnecting' | 'closed';

export interface SignalingHandlers {
  onState(state: SignalingState): void;
  onRoute(route: MqttRoute): void;
  /** After every (re)subscription; retained presence arrives right after. */
  onSubscribed(): void;
  /** The broker refused our token: resolve a fresh one, or null to stop for good. */
  onAuthRefused(): Promise<string | null>;
  /** The broker refused a presence subscription (SUBACK 0x80): the room list is out of date. */
  onPresenceRefused?(topic: string): void;
}

type MqttModule = { connect: (url: string, opts: IClientOptions) => MqttClient };

export interface SignalingOptions {
  server: string;
  userId: string;
  token: string;
  handlers: SignalingHandlers;
  backoff?: BackoffOptions;
  /** Seconds (default {@link DEFAULT_KEEPALIVE_SECONDS}); the broker drops a silent client after 1.5× this, which is how fast others see us go offline. */
  keepaliveSeconds?: number;
  /** For tests that count loads; defaults to the lazy {@link loadMqtt}. */
  loadMqtt?: () => Promise<MqttModule>;
}

export const DEFAULT_KEEPALIVE_SECONDS = 20;
/** How long the widget waits for the broker's CONNACK before it counts the attempt as failed and backs off. */
export const MQTT_CONNACK_TIMEOUT_MS = 10_000;

/** http(s)://host → ws(s)://host/mqtt */
export function mqttUrl(server: string): string {
  const url = new URL(MQTT_PATH, server.replace(/\/+$/, '') + '/');
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export function loadMqtt(): Promise<MqttModule> {
  return import('./mqtt-lean.js');
}

/** How long an idle callback may wait for the page to go idle before it runs anyway. */
const IDLE_LOAD_TIMEOUT_MS = 5_000;

/**
 * Fetches MQTT.js while the page has nothing better to do: called once the sign-in form is on
 * screen, so the form's first render never waits for it and the connection after sign-in finds it
 * already loaded (the module is fetched once; the later {@link loadMqtt} gets the same one). A
 * failure here costs nothing: the connection loads it again, and reports the error then.
 * Safari has no `requestIdleCallback`; a short timer stands in.
 */
export function loadMqttWhenIdle(load: () => Promise<unknown> = loadMqtt): void {
  const start = () => void load().catch(() => undefined);
  if (typeof requestIdleCallback === 'function') requestIdleCallback(start, { timeout: IDLE_LOAD_TIMEOUT_MS });
  else setTimeout(start, 500);
}

interface Queued {
  topic: string;
  payload: string;
  qos: 0 | 1;
  resolve(): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** MQTT CONNACK codes 4 and 5: bad username or password / not authorized. */
const isAuthRefusal = (error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 4 || code === 5 || code === 134 || code === 135;
};

/**
 * The topics of one SUBSCRIBE that the broker refused (SUBACK 0x80), in order; null when there
 * was no SUBACK at all. MQTT.js reports any refusal as an error and leaves the SUBACK's codes
 * in its packet, so those codes are read rather than its `granted` list.
 */
export function refusedTopics(topics: readonly string[], error: Error | null, packet: SubackPacket): string[] | null {
  const codes = packet?.granted;
  if (!codes) return error ? null : [];
  return topics.filter((_, i) => {
    const code = codes[i];
    return typeof code !== 'number' || (code & 0x80) !== 0;
  });
}

export class SignalingClient {
  readonly clientId: string;
  readonly userId: string;
  private readonly url: string;
  private readonly handlers: SignalingHandlers;
  private readonly backoff: BackoffOptions;
  private readonly keepalive: number;
  private readonly load: () => Promise<MqttModule>;
  private mqtt: MqttModule | null = null;
  private token: string;
  private active: MqttClient | null = null;
  private pending: MqttClient | null = null;
  private readonly refused = new WeakSet<MqttClient>();
  /** The presence topics each connection has subscribed (or is subscribing). */
  private readonly subscribedOn = new WeakMap<MqttClient, Set<string>>();
  private readonly tokenOf = new WeakMap<MqttClient, string>();
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private queue: Queued[] = [];
  private closed = false;
  private firstOutcome: (() => void) | null = null;
  private currentState: SignalingState = 'connecting';
  /** The presence subscriptions to hold (the rooms' topics, or an older backend's one wildcard). */
  private presenceTopics: string[] = [];

  constructor(options: SignalingOptions) {
    this.userId = options.userId;
    this.clientId = `${options.userId}:${randomId(9)}`;
    this.url = mqttUrl(options.server);
    this.token = options.token;
    this.handlers = options.handlers;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.keepalive = options.keepaliveSeconds ?? DEFAULT_KEEPALIVE_SECONDS;
    this.load = options.loadMqtt ?? loadMqtt;
  }

  get state(): SignalingState {
    return this.currentState;
  }

  /** Online as the visitor sees it: also true during a token swap, when messages wait a moment for the new connection. */
  get isOnline(): boolean {
    return this.currentState === 'online';
  }

  /** Loads MQTT.js and connects; resolves after the first connection succeeded or failed (retries go on). */
  async start(): Promise<void> {
    this.mqtt = await this.load();
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      this.firstOutcome = resolve;
      this.open();
    });
  }

  /**
   * Uses a renewed token: connects again with it now (the broker would drop the
   * old connection when the old token expires), keeping the current
   * connection until the new one is up.
   */
  renewToken(token: string): void {
    this.token = token;
    if (this.closed) return;
    // An attempt in flight swaps again once it is up (see promote); a scheduled retry uses the new token.
    if (this.pending || this.retryTimer) return;
    this.open();
  }

  /**
   * The presence topics to follow from now on: subscribed on the live connection (what is no
   * longer listed is unsubscribed), and on every later one. Retained presence arrives after.
   */
  setPresenceTopics(topics: readonly string[]): void {
    this.presenceTopics = [...topics];
    if (this.active && !this.closed) this.syncPresence(this.active);
  }

  /** Publishes one inbox message to `to`. `queue`: wait (briefly) for the link instead of failing while it is down. */
  publishInbox(
    to: string,
    message: InboxMessage | GroupMessage | FileMessage,
    options: { qos?: 0 | 1; queue?: boolean } = {},
  ): Promise<void> {
    return this.publish(inboxTopic(to, this.userId), JSON.stringify(message), options.qos ?? 0, options.queue ?? false);
  }

  /** Publishes one message to `roomId`'s chat (PROTOCOL.md §6), acknowledged by the broker (QoS 1). */
  publishRoomChat(roomId: string, message: ChatMessage): Promise<void> {
    return this.publish(roomChatTopic(roomId, this.userId), JSON.stringify(message), 1, false);
  }

  publishStatus(status: PresenceStatus): Promise<void> {
    return this.publish(statusTopic(this.userId), JSON.stringify({ status }), 0, true);
  }

  /**
   * Writes what was just published to the socket before returning. MQTT.js corks
   * its stream and uncorks it on a later task (its browser `nextTick` is a
   * timer); a page being unloaded or reloaded runs no later task, so a hangup
   * sent on `pagehide` would never leave. Best effort.
   */
  flush(): void {
    const stream = (this.active as { stream?: { writableCorked?: number; uncork?(): void } } | null)?.stream;
    for (let i = 0; stream?.uncork && (stream.writableCorked ?? 0) > 0 && i < 16; i++) stream.uncork();
  }

  /** Closes for good (sends DISCONNECT so presence goes at once). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const q of this.queue.splice(0)) {
      clearTimeout(q.timer);
      q.reject(new Error('signalling closed'));
    }
    const a = this.active;
    const p = this.pending;
    this.active = this.pending = null;
    a?.end(false);
    p?.end(true);
    this.setState('closed');
    this.firstOutcome?.();
    this.firstOutcome = null;
  }

  private publish(topic: string, payload: string, qos: 0 | 1, queue: boolean): Promise<void> {
    if (this.closed) return Promise.reject(new Error('signalling closed'));
    const client = this.active;
    if (client?.connected && this.currentState === 'online') return this.send(client, topic, payload, qos);
    // During a token swap (still 'online') the old connection may already be gone: wait for the new one.
    if (!queue && this.currentState !== 'online') return Promise.reject(new Error('not connected'));
    return new Promise<void>((resolve, reject) => {
      // Signalling older than this is useless (the call has timed out anyway).
      const timer = setTimeout(() => {
        this.queue = this.queue.filter((q) => q !== entry);
        reject(new Error('not connected'));
      }, 15_000);
      const entry: Queued = { topic, payload, qos, resolve, reject, timer };
      this.queue.push(entry);
    });
  }

  private send(client: MqttClient, topic: string, payload: string, qos: 0 | 1): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      client.publish(topic, payload, { qos, retain: false }, (error) => (error ? reject(error) : resolve()));
    });
  }

  private setState(state: SignalingState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.handlers.onState(state);
  }

  private open(): void {
    if (this.closed || !this.mqtt) return;
    const client = this.mqtt.connect(this.url, {
      protocolVersion: 4,
      clean: true,
      clientId: this.clientId,
      username: this.userId,
      password: this.token,
      keepalive: this.keepalive,
      // MQTT.js's default ('auto') runs the keepalive timer in a worker made from a blob: URL. A strict
      // Content-Security-Policy (no `worker-src blob:`) blocks it, no PINGREQ is ever sent and the
      // broker drops us every 1.5 keepalives; under Trusted Types `new Worker` throws and we never get
      // online. A page timer needs no policy. Chromium slows timers chained 5 deep to one wake-up a
      // minute in tabs hidden for 5 minutes; this interval stays a short chain, as MQTT.js starts it
      // afresh on every PINGRESP, after the tick that pinged.
      timerVariant: 'native',
      reconnectPeriod: 0,
      connectTimeout: MQTT_CONNACK_TIMEOUT_MS,
      resubscribe: false,
    });
    this.pending = client;
    this.tokenOf.set(client, this.token);

    client.on('connect', () => {
      if (client !== this.pending) return void client.end(true);
      const inbox = inboxWildcard(this.userId);
      // The notice topic (PROTOCOL.md §7) beside the inbox: an older backend refuses it, which only costs its notices.
      const topics = [inbox, noticeTopic(this.userId), ...this.presenceTopics];
      this.subscribedOn.set(client, new Set(this.presenceTopics));
      client.subscribe(topics, { qos: 0 }, (error, _granted, packet) => {
        if (client !== this.pending) return;
        const refused = refusedTopics(topics, error, packet);
        if (!refused || refused.includes(inbox)) {
          // The broker refused our own inbox (or never answered): nothing works; treat as a failed attempt.
          client.end(true);
          return;
        }
        this.promote(client);
        this.presenceRefused(client, refused);
        // The topics may have changed while this subscription was on its way.
        if (client === this.active) this.syncPresence(client);
      });
    });
    client.on('message', (topic, payload) => {
      if (client !== this.active && client !== this.pending) return;
      const route = routeMqttMessage(topic, payload, this.userId);
      if (route) this.handlers.onRoute(route);
    });
    client.on('error', (error) => {
      if (isAuthRefusal(error)) this.refused.add(client);
    });
    client.on('close', () => this.onClose(client));
  }

  /** Makes `client`'s presence subscriptions the wanted ones. */
  private syncPresence(client: MqttClient): void {
    if (!client.connected) return;
    const held = this.subscribedOn.get(client) ?? new Set<string>();
    this.subscribedOn.set(client, new Set(this.presenceTopics));
    const added = this.presenceTopics.filter((t) => !held.has(t));
    const removed = [...held].filter((t) => !this.presenceTopics.includes(t));
    if (removed.length > 0) client.unsubscribe(removed);
    if (added.length === 0) return;
    client.subscribe(added, { qos: 0 }, (error, _granted, packet) =>
      this.presenceRefused(client, refusedTopics(added, error, packet) ?? []),
    );
  }

  /** A refused room (left, or never joined on this backend) is the room list's business, not the link's. */
  private presenceRefused(client: MqttClient, topics: string[]): void {
    if (client !== this.active) return;
    for (const topic of topics) this.handlers.onPresenceRefused?.(topic);
  }

  private promote(client: MqttClient): void {
    const previous = this.active;
    this.active = client;
    this.pending = null;
    this.attempt = 0;
    if (previous && previous !== client) previous.end(true);
    this.setState('online');
    this.handlers.onSubscribed();
    for (const q of this.queue.splice(0)) {
      clearTimeout(q.timer);
      this.send(client, q.topic, q.payload, q.qos).then(q.resolve, q.reject);
    }
    this.firstOutcome?.();
    this.firstOutcome = null;
    // The token was renewed while this connection was being made: swap to the new one.
    if (this.tokenOf.get(client) !== this.token) this.open();
  }

  private onClose(client: MqttClient): void {
    if (this.closed) return;
    if (client === this.pending) {
      this.pending = null;
      client.end(true);
      if (this.refused.has(client)) {
        void this.reauthenticate();
        return;
      }
      if (!this.active?.connected) this.lost();
      else this.scheduleRetry(); // a token swap failed but the old link lives: try again later
      return;
    }
    if (client === this.active) {
      this.active = null;
      client.end(true);
      if (!this.pending) this.lost();
    }
  }

  private lost(): void {
    this.setState('reconnecting');
    this.firstOutcome?.();
    this.firstOutcome = null;
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    const delay = reconnectDelay(this.attempt++, this.backoff);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
  }

  private async reauthenticate(): Promise<void> {
    let token: string | null;
    try {
      token = await this.handlers.onAuthRefused();
    } catch {
      // The renewal request itself failed (network): keep retrying with backoff.
      if (!this.active?.connected) this.lost();
      else this.scheduleRetry();
      return;
    }
    if (this.closed) return;
    if (token === null) {
      this.close();
      return;
    }
    this.token = token;
    if (!this.active?.connected) this.setState('reconnecting');
    this.scheduleRetry();
  }
}
