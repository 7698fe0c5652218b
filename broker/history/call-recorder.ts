/**
 * What the broker records of each 1:1 call (PROTOCOL.md §7), from the signalling it relays and
 * nothing else: who invited whom and when, and whether an accept, a refusal, a cancel or a
 * hang-up came from the side that may send it (the topic's `<from>` is checked by the ACL, so
 * nobody can speak for the other side). Media flows browser to browser and is never seen here:
 *
 * - answered: the callee's `accept` passed, and later its SDP `answer`; the duration runs from
 *   the accept to the first `hangup` of either side, or to the moment the connection of a side's
 *   tab in the call dropped and did not come back within `lostGraceMs`;
 * - failed: accepted, but no SDP `answer` ever passed before the end (the link was never set up);
 *   or every tab of the callee refused `unavailable`;
 * - declined: the callee sent `reject declined`;
 * - busy: every ringing tab of the callee refused `busy` (or the backend did, for do-not-disturb);
 * - cancelled (caller) / missed (callee): the caller sent `cancel` before the ring timeout;
 * - missed (both): no answer within the ring timeout, or a `cancel` that came at its end (the
 *   caller's widget sends one when its ring timeout fires).
 *
 * Pure decisions, time from the injected clock and timers; the broker feeds it messages and
 * connection events, and `save` gets both people's entries once the call is over.
 *
 * Several nodes (REDIS_URL): a call is held by the node its invite passed through; the others
 * forward what they relay of it (`relayed` says whether the call is held here), and tell it of
 * the connections of its answered calls (`watch`). A node that stops hands its calls over
 * (`handOver`, `adopt`) so that a rolling restart does not end them in the history.
 */
import { randomBytes } from 'node:crypto';
import {
  RING_TIMEOUT_MS,
  UNNAMED,
  type CallHistoryEntry,
  type CallOutcome,
  type InboxMessage,
  type MediaKinds,
} from '../../src/protocol/index.js';

export interface RecorderTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: RecorderTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A cancel this close to the ring timeout is the caller's timeout, not a choice: missed. */
const RING_END_SLACK_MS = 2_000;
/** After the ring timeout, how long the broker waits for the caller's own cancel before deciding. */
const RING_GRACE_MS = 5_000;
/** A refusal that leaves no tab ringing waits this long for another tab's ringing or accept. */
const REFUSAL_SETTLE_MS = 1_500;
/** A tab in the call whose connection dropped may come back (token renewal, a short cut). */
export const LOST_GRACE_MS = 30_000;

export interface RecordedCall {
  caller: string;
  callee: string;
  entries: { owner: string; entry: CallHistoryEntry }[];
}

export interface CallRecorderOptions {
  /** The name to keep for a user (as shown in presence), when the call ends; undefined when offline here. */
  nameOf(userId: string): string | undefined;
  /** How many tabs of `userId` are connected: a refusal ends the call once every one refused. */
  tabsOf(userId: string): number;
  save(call: RecordedCall): void;
  /**
   * The connections (clientIds) of an answered call held here, and `null` once it is over: with
   * several nodes, the others tell this one when those connect or drop.
   */
  watch?(call: string, sids: string[] | null): void;
  timers?: RecorderTimers;
  ringTimeoutMs?: number;
  lostGraceMs?: number;
}

/** What a relaying node knows beside the message: the sender's name, and for a refusal the callee's tabs on every node. */
export interface RelayContext {
  name?: string;
  tabs?: number;
}

/** What a timer of a call does when it fires. */
type TimerKind = 'ring' | 'refusal' | 'lost';

/** What the recorder knows of a call not over yet, held here or handed to another node. */
interface CallFacts {
  callId: string;
  caller: string;
  callee: string;
  callerSid: string;
  calleeSid: string | null;
  media: MediaKinds;
  startedAt: number;
  answeredAt: number | null;
  /** The callee's SDP answer passed after the accept. */
  linked: boolean;
  dnd: boolean;
  /** A tab of the call lost its connection at this time (the call ends then unless it comes back). */
  lostAt: number | null;
  /** Names that nodes relaying for the call knew (with several nodes, a side may be offline here). */
  names: Record<string, string>;
}

/** A call not over yet, as handed from a stopping node to another (timers as absolute deadlines). */
export interface PendingSnapshot extends CallFacts {
  ringing: string[];
  refused: [string, 'busy' | 'unavailable'][];
  timer: { kind: TimerKind; at: number } | null;
}

interface Pending extends CallFacts {
  ringing: Set<string>;
  refused: Map<string, 'busy' | 'unavailable'>;
  timer: { handle: unknown; kind: TimerKind; at: number } | null;
}

const key = (caller: string, callee: string, callId: string) => `${caller}\n${callee}\n${callId}`;
const keyOf = (call: Pending) => key(call.caller, call.callee, call.callId);

export const newEntryId = (): string => randomBytes(16).toString('base64url');

export class CallRecorder {
  readonly #calls = new Map<string, Pending>();
  readonly #timers: RecorderTimers;
  readonly #ringTimeoutMs: number;
  readonly #lostGraceMs: number;

  constructor(private readonly options: CallRecorderOptions) {
    this.#timers = options.timers ?? systemTimers;
    this.#ringTimeoutMs = options.ringTimeoutMs ?? RING_TIMEOUT_MS;
    this.#lostGraceMs = options.lostGraceMs ?? LOST_GRACE_MS;
  }

  /** Calls not over yet. */
  get size(): number {
    return this.#calls.size;
  }

  /**
   * An inbox message from `from` to `to` that the broker is relaying. Returns whether it concerns
   * a call held here (an invite always starts one here): with several nodes, the others hold the rest.
   */
  relayed(from: string, to: string, message: InboxMessage, context: RelayContext = {}): boolean {
    if (message.type === 'chat' || from === to) return false;
    if (message.type === 'invite') {
      this.#invite(from, to, message.callId, message.sid, message.media, false);
      return true;
    }
    // From the callee (to the caller) or from the caller (to the callee): each kind from its own side only.
    const asCallee = this.#calls.get(key(to, from, message.callId));
    const asCaller = this.#calls.get(key(from, to, message.callId));
    const call = asCaller ?? asCallee;
    if (call && context.name !== undefined) call.names[from] = context.name;
    switch (message.type) {
      case 'ringing':
        if (asCallee) this.#ringing(asCallee, message.sid);
        break;
      case 'accept':
        if (asCallee) this.#accept(asCallee, message.sid);
        break;
      case 'reject':
        if (asCallee) this.#reject(asCallee, message.sid, message.reason, context.tabs);
        break;
      case 'answer':
        if (asCallee?.answeredAt !== null && asCallee) asCallee.linked = true;
        break;
      case 'cancel':
        if (asCaller) this.#cancel(asCaller);
        break;
      case 'hangup':
        if (call?.answeredAt !== null && call) this.#finish(call, this.#timers.now());
        break;
    }
    return call !== undefined;
  }

  /** The backend declined `invite` for a callee with do-not-disturb on (PROTOCOL.md §7). */
  declinedForDnd(caller: string, callee: string, callId: string, callerSid: string, media: MediaKinds): void {
    this.#invite(caller, callee, callId, callerSid, media, true);
  }

  /** A connection closed: calls it was a side of end unless it comes back within the grace. */
  disconnected(sid: string): void {
    for (const call of this.#calls.values()) {
      if (call.answeredAt === null || (call.callerSid !== sid && call.calleeSid !== sid) || call.lostAt !== null) continue;
      call.lostAt = this.#timers.now();
      this.#arm(call, 'lost', this.#lostGraceMs);
    }
  }

  /** A connection of that clientId is back (the widget's reconnection keeps its clientId). */
  reconnected(sid: string): void {
    for (const call of this.#calls.values()) {
      if (call.lostAt === null || (call.callerSid !== sid && call.calleeSid !== sid)) continue;
      call.lostAt = null;
      this.#disarm(call);
    }
  }

  /** The broker stops: every call still going ends now, as far as the broker can tell. */
  close(): void {
    for (const call of [...this.#calls.values()]) {
      if (call.answeredAt !== null) this.#finish(call, call.lostAt ?? this.#timers.now());
      else this.#end(call, 'failed', 'failed');
    }
  }

  /**
   * The node stops and another goes on recording its calls: they leave this recorder, unsaved.
   * The node's own connections (`local`) are about to drop: an answered call with a side here is
   * handed over as lost now, which the tab's reconnection to another node takes back.
   */
  handOver(local: (sid: string) => boolean): PendingSnapshot[] {
    const calls = [...this.#calls.values()];
    const now = this.#timers.now();
    for (const call of calls) {
      // Stopped here, the deadline kept for the node that adopts the call.
      if (call.timer !== null) this.#timers.clearTimeout(call.timer.handle);
      const sideHere = local(call.callerSid) || (call.calleeSid !== null && local(call.calleeSid));
      if (call.answeredAt !== null && call.lostAt === null && sideHere) {
        call.lostAt = now;
        call.timer = { handle: null, kind: 'lost', at: now + this.#lostGraceMs };
      }
    }
    this.#calls.clear();
    return calls.map((call) => ({
      ...call,
      media: { ...call.media },
      ringing: [...call.ringing],
      refused: [...call.refused],
      names: { ...call.names },
      timer: call.timer && { kind: call.timer.kind, at: call.timer.at },
    }));
  }

  /** Calls handed over by a node that stopped: recorded here from now on, their timers where they were. */
  adopt(snapshots: readonly PendingSnapshot[]): void {
    for (const snapshot of snapshots) {
      const call: Pending = {
        ...snapshot,
        media: { ...snapshot.media },
        ringing: new Set(snapshot.ringing),
        refused: new Map(snapshot.refused),
        names: { ...snapshot.names },
        timer: null,
      };
      if (this.#calls.has(keyOf(call))) continue;
      this.#calls.set(keyOf(call), call);
      if (snapshot.timer) this.#arm(call, snapshot.timer.kind, Math.max(0, snapshot.timer.at - this.#timers.now()));
    }
  }

  #invite(caller: string, callee: string, callId: string, callerSid: string, media: MediaKinds, dnd: boolean): void {
    const k = key(caller, callee, callId);
    if (this.#calls.has(k)) return; // the same invite again (a resend): one call
    const call: Pending = {
      callId,
      caller,
      callee,
      callerSid,
      calleeSid: null,
      media: { audio: media.audio, video: media.video },
      startedAt: this.#timers.now(),
      answeredAt: null,
      linked: false,
      ringing: new Set(),
      refused: new Map(),
      dnd,
      timer: null,
      lostAt: null,
      names: {},
    };
    this.#calls.set(k, call);
    if (dnd) return this.#end(call, 'busy', 'missed');
    this.#arm(call, 'ring', this.#ringTimeoutMs + RING_GRACE_MS);
  }

  #ringing(call: Pending, sid: string): void {
    if (call.answeredAt !== null) return;
    call.ringing.add(sid);
    call.refused.delete(sid);
    // A tab rings again after a refusal that was about to end the call: it goes on ringing.
    this.#armRingTimeout(call);
  }

  #accept(call: Pending, sid: string): void {
    if (call.answeredAt !== null) return;
    call.answeredAt = this.#timers.now();
    call.calleeSid = sid;
    this.#disarm(call);
    this.options.watch?.(keyOf(call), [call.callerSid, sid]);
  }

  #reject(call: Pending, sid: string, reason: 'declined' | 'busy' | 'unavailable', tabs?: number): void {
    if (call.answeredAt !== null) return;
    if (reason === 'declined') return this.#end(call, 'declined', 'declined');
    call.ringing.delete(sid);
    call.refused.set(sid, reason);
    if (call.ringing.size > 0 || call.refused.size < (tabs ?? this.options.tabsOf(call.callee))) return;
    this.#arm(call, 'refusal', REFUSAL_SETTLE_MS);
  }

  #cancel(call: Pending): void {
    if (call.answeredAt !== null) return;
    // Both called each other (glare): the widgets keep the other call; this one was never a call to anyone.
    const theirs = [...this.#calls.values()].find((c) => c.caller === call.callee && c.callee === call.caller);
    if (theirs) return this.#forget(call);
    const rang = this.#timers.now() - call.startedAt;
    if (rang >= this.#ringTimeoutMs - RING_END_SLACK_MS) this.#end(call, 'missed', 'missed');
    else this.#end(call, 'cancelled', 'missed');
  }

  #finish(call: Pending, endedAt: number): void {
    const outcome: CallOutcome = call.linked ? 'answered' : 'failed';
    this.#end(call, outcome, outcome, endedAt);
  }

  #end(call: Pending, callerOutcome: CallOutcome, calleeOutcome: CallOutcome, endedAt = this.#timers.now()): void {
    this.#forget(call);
    const durationMs = call.answeredAt === null ? 0 : Math.max(0, endedAt - call.answeredAt);
    const base = {
      callId: call.callId,
      startedAt: call.startedAt,
      answeredAt: call.answeredAt,
      endedAt,
      durationMs,
      media: call.media,
      ...(call.dnd ? { dnd: true as const } : {}),
    };
    const nameOf = (userId: string) => this.options.nameOf(userId) ?? call.names[userId] ?? UNNAMED;
    this.options.save({
      caller: call.caller,
      callee: call.callee,
      entries: [
        {
          owner: call.caller,
          entry: {
            id: newEntryId(),
            ...base,
            peer: { id: call.callee, name: nameOf(call.callee) },
            direction: 'outgoing',
            outcome: callerOutcome,
          },
        },
        {
          owner: call.callee,
          entry: {
            id: newEntryId(),
            ...base,
            peer: { id: call.caller, name: nameOf(call.caller) },
            direction: 'incoming',
            outcome: calleeOutcome,
          },
        },
      ],
    });
  }

  #forget(call: Pending): void {
    this.#disarm(call);
    this.#calls.delete(keyOf(call));
    if (call.answeredAt !== null) this.options.watch?.(keyOf(call), null);
  }

  #armRingTimeout(call: Pending): void {
    const left = call.startedAt + this.#ringTimeoutMs + RING_GRACE_MS - this.#timers.now();
    this.#arm(call, 'ring', Math.max(0, left));
  }

  #arm(call: Pending, kind: TimerKind, ms: number): void {
    this.#disarm(call);
    const handle = this.#timers.setTimeout(() => {
      call.timer = null;
      this.#fire(call, kind);
    }, ms);
    call.timer = { handle, kind, at: this.#timers.now() + ms };
  }

  #fire(call: Pending, kind: TimerKind): void {
    switch (kind) {
      case 'ring':
        return this.#end(call, 'missed', 'missed');
      case 'refusal':
        if ([...call.refused.values()].includes('busy')) return this.#end(call, 'busy', 'busy');
        return this.#end(call, 'failed', 'failed');
      case 'lost':
        return this.#finish(call, call.lostAt ?? this.#timers.now());
    }
  }

  #disarm(call: Pending): void {
    if (call.timer !== null) this.#timers.clearTimeout(call.timer.handle);
    call.timer = null;
  }
}
