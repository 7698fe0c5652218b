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
 */
import { randomBytes } from 'node:crypto';
import { RING_TIMEOUT_MS, type CallHistoryEntry, type CallOutcome, type InboxMessage, type MediaKinds } from '../../src/protocol/index.js';

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
  /** The name to keep for a user (as shown in presence), when the call ends. */
  nameOf(userId: string): string;
  /** How many tabs of `userId` are connected: a refusal ends the call once every one refused. */
  tabsOf(userId: string): number;
  save(call: RecordedCall): void;
  timers?: RecorderTimers;
  ringTimeoutMs?: number;
  lostGraceMs?: number;
}

interface Pending {
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
  ringing: Set<string>;
  refused: Map<string, 'busy' | 'unavailable'>;
  dnd: boolean;
  timer: unknown;
  /** A tab of the call lost its connection at this time (the call ends then unless it comes back). */
  lostAt: number | null;
}

const key = (caller: string, callee: string, callId: string) => `${caller}\n${callee}\n${callId}`;

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

  /** An inbox message from `from` to `to` that the broker is relaying. */
  relayed(from: string, to: string, message: InboxMessage): void {
    if (message.type === 'chat' || from === to) return;
    if (message.type === 'invite') return this.#invite(from, to, message.callId, message.sid, message.media, false);
    // From the callee (to the caller) or from the caller (to the callee): each kind from its own side only.
    const asCallee = this.#calls.get(key(to, from, message.callId));
    const asCaller = this.#calls.get(key(from, to, message.callId));
    switch (message.type) {
      case 'ringing':
        if (asCallee) this.#ringing(asCallee, message.sid);
        return;
      case 'accept':
        if (asCallee) this.#accept(asCallee, message.sid);
        return;
      case 'reject':
        if (asCallee) this.#reject(asCallee, message.sid, message.reason);
        return;
      case 'answer':
        if (asCallee?.answeredAt !== null && asCallee) asCallee.linked = true;
        return;
      case 'cancel':
        if (asCaller) this.#cancel(asCaller);
        return;
      case 'hangup': {
        const call = asCaller ?? asCallee;
        if (call?.answeredAt !== null && call) this.#finish(call, this.#timers.now());
        return;
      }
    }
  }

  /** The backend declined `invite` for a callee with do-not-disturb on (PROTOCOL.md §7). */
  declinedForDnd(caller: string, callee: string, callId: string, callerSid: string, media: MediaKinds): void {
    this.#invite(caller, callee, callId, callerSid, media, true);
  }

  /** A connection closed: calls it was a side of end unless it comes back within the grace. */
  disconnected(sid: string): void {
    for (const call of this.#calls.values()) {
      if (call.answeredAt === null || (call.callerSid !== sid && call.calleeSid !== sid) || call.lostAt !== null) continue;
      const lostAt = this.#timers.now();
      call.lostAt = lostAt;
      this.#arm(call, () => this.#finish(call, lostAt), this.#lostGraceMs);
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
    };
    this.#calls.set(k, call);
    if (dnd) return this.#end(call, 'busy', 'missed');
    this.#arm(call, () => this.#end(call, 'missed', 'missed'), this.#ringTimeoutMs + RING_GRACE_MS);
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
  }

  #reject(call: Pending, sid: string, reason: 'declined' | 'busy' | 'unavailable'): void {
    if (call.answeredAt !== null) return;
    if (reason === 'declined') return this.#end(call, 'declined', 'declined');
    call.ringing.delete(sid);
    call.refused.set(sid, reason);
    if (call.ringing.size > 0 || call.refused.size < this.options.tabsOf(call.callee)) return;
    const busy = [...call.refused.values()].includes('busy');
    this.#arm(call, () => (busy ? this.#end(call, 'busy', 'busy') : this.#end(call, 'failed', 'failed')), REFUSAL_SETTLE_MS);
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
    const { nameOf } = this.options;
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
    this.#calls.delete(key(call.caller, call.callee, call.callId));
  }

  #armRingTimeout(call: Pending): void {
    const left = call.startedAt + this.#ringTimeoutMs + RING_GRACE_MS - this.#timers.now();
    this.#arm(call, () => this.#end(call, 'missed', 'missed'), Math.max(0, left));
  }

  #arm(call: Pending, fn: () => void, ms: number): void {
    this.#disarm(call);
    call.timer = this.#timers.setTimeout(() => {
      call.timer = null;
      fn();
    }, ms);
  }

  #disarm(call: Pending): void {
    if (call.timer !== null) this.#timers.clearTimeout(call.timer);
    call.timer = null;
  }
}
