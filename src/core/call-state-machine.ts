/**
 * The life of one call as a pure, framework-free state machine:
 * `idle → ringing → connecting → connected → ended`. It knows nothing about
 * MQTT or WebRTC; the session feeds it events and renders its snapshots.
 * Timers are injected so unit tests drive every timeout deterministically.
 */
import { CALL_CONNECT_TIMEOUT_MS, RING_TIMEOUT_MS, type RejectReason } from '../protocol/index.js';
import type { CallDirection, CallEndReason, CallPhase } from './types.js';
import { texts } from './texts.js';

export type MachinePhase = 'idle' | CallPhase;

export type CallMachineEvent =
  /** idle → ringing; starts the ring timeout. */
  | { type: 'ring' }
  /** ringing → connecting: we accepted (incoming) or they did (outgoing); starts the connect timeout. */
  | { type: 'accept' }
  /** connecting → connected: media flows. */
  | { type: 'connected' }
  /** outgoing ringing → ended: we gave up before an answer. */
  | { type: 'cancel' }
  /** incoming ringing → ended: the caller gave up. */
  | { type: 'remote-cancel' }
  /** incoming ringing → ended: we declined. */
  | { type: 'decline' }
  /** outgoing ringing → ended: the callee refused; `message` replaces the usual line (do-not-disturb, PROTOCOL.md §7). */
  | { type: 'reject'; reason: RejectReason; message?: string }
  /** incoming ringing/connecting → ended: another tab of ours took or declined it (or won a simultaneous accept). */
  | { type: 'answered-elsewhere' }
  /** connecting/connected → ended: we hung up. */
  | { type: 'hangup' }
  /** connecting/connected → ended: they hung up. */
  | { type: 'remote-hangup' }
  /** any live phase → ended: their presence vanished. */
  | { type: 'peer-left' }
  /** any live phase → ended: the call cannot go on (connection failed, TURN missing…). */
  | { type: 'fail'; message?: string };

export type CallMachineEventType = CallMachineEvent['type'];

export interface CallSnapshot {
  phase: MachinePhase;
  direction: CallDirection;
  endReason?: CallEndReason;
  /** Human-readable line for the current phase. */
  message: string;
  startedAt: number;
  connectedAt?: number;
  endedAt?: number;
}

/** setTimeout/clearTimeout, injectable for tests. */
export interface TimerApi {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: TimerApi = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface CallStateMachineOptions {
  direction: CallDirection;
  peerName: string;
  ringTimeoutMs?: number;
  connectTimeoutMs?: number;
  timers?: TimerApi;
  now?: () => number;
  /** Called after every applied transition (not after refused ones). */
  onChange?: (snapshot: CallSnapshot) => void;
}

/** Which phases each event may leave from, per direction. Anything else is refused. */
const ALLOWED: Record<CallMachineEventType, { from: MachinePhase[]; direction?: CallDirection }> = {
  ring: { from: ['idle'] },
  accept: { from: ['ringing'] },
  connected: { from: ['connecting'] },
  cancel: { from: ['ringing'], direction: 'outgoing' },
  'remote-cancel': { from: ['ringing'], direction: 'incoming' },
  decline: { from: ['ringing'], direction: 'incoming' },
  reject: { from: ['ringing'], direction: 'outgoing' },
  // From connecting too: two of our tabs accepted at the same instant and the other one wins.
  'answered-elsewhere': { from: ['ringing', 'connecting'], direction: 'incoming' },
  hangup: { from: ['connecting', 'connected'] },
  'remote-hangup': { from: ['connecting', 'connected'] },
  'peer-left': { from: ['ringing', 'connecting', 'connected'] },
  fail: { from: ['ringing', 'connecting', 'connected'] },
};

export class CallStateMachine {
  readonly direction: CallDirection;
  private readonly peerName: string;
  private readonly ringTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly timers: TimerApi;
  private readonly now: () => number;
  private readonly onChange?: (snapshot: CallSnapshot) => void;
  private timer: unknown = null;
  private current: CallSnapshot;
  private failureMessage: string | undefined;

  constructor(options: CallStateMachineOptions) {
    this.direction = options.direction;
    this.peerName = options.peerName;
    this.ringTimeoutMs = options.ringTimeoutMs ?? RING_TIMEOUT_MS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? CALL_CONNECT_TIMEOUT_MS;
    this.timers = options.timers ?? realTimers;
    this.now = options.now ?? Date.now;
    this.onChange = options.onChange;
    const startedAt = this.now();
    this.current = { phase: 'idle', direction: this.direction, message: '', startedAt };
  }

  get snapshot(): CallSnapshot {
    return this.current;
  }

  get phase(): MachinePhase {
    return this.current.phase;
  }

  get isLive(): boolean {
    return this.current.phase !== 'idle' && this.current.phase !== 'ended';
  }

  /** Whether `type` would be applied in the current phase. */
  can(type: CallMachineEventType): boolean {
    const rule = ALLOWED[type];
    return rule.from.includes(this.current.phase) && (!rule.direction || rule.direction === this.direction);
  }

  /** Applies an event; returns false (and changes nothing) when the transition is not allowed. */
  send(event: CallMachineEvent): boolean {
    if (!this.can(event.type)) return false;
    switch (event.type) {
      case 'ring':
        this.enter('ringing');
        this.arm(this.ringTimeoutMs, () => this.end('missed'));
        return true;
      case 'accept':
        this.enter('connecting');
        this.arm(this.connectTimeoutMs, () =>
          this.end('failed', texts.call.noMedia(this.peerName, Math.round(this.connectTimeoutMs / 1000))),
        );
        return true;
      case 'connected':
        this.enter('connected');
        return true;
      case 'cancel':
      case 'remote-cancel':
        this.end('cancelled');
        return true;
      case 'decline':
        this.end('declined');
        return true;
      case 'reject':
        this.end(event.reason, event.message);
        return true;
      case 'answered-elsewhere':
      case 'hangup':
      case 'remote-hangup':
      case 'peer-left':
        this.end(event.type);
        return true;
      case 'fail':
        this.end('failed', event.message);
        return true;
    }
  }

  /**
   * Composes the status line again, in the language loaded now (the page switched languages).
   * A failure's own sentence, composed by whoever reported it, stays as it was.
   */
  relabel(): void {
    if (this.current.phase === 'idle') return;
    this.current = { ...this.current, message: this.describe(this.current.phase) };
  }

  /** Stops the pending timeout without changing the phase (the session is being disposed). */
  dispose(): void {
    this.disarm();
  }

  private enter(phase: CallPhase): void {
    this.disarm();
    const next: CallSnapshot = { ...this.current, phase };
    if (phase === 'connected') next.connectedAt = this.now();
    next.message = this.describe(phase);
    this.current = next;
    this.onChange?.(next);
  }

  private end(reason: CallEndReason, message?: string): void {
    this.disarm();
    this.failureMessage = message;
    this.current = { ...this.current, phase: 'ended', endReason: reason, endedAt: this.now() };
    this.current.message = this.describe('ended');
    this.onChange?.(this.current);
  }

  private arm(ms: number, fn: () => void): void {
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      fn();
    }, ms);
  }

  private disarm(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private describe(phase: CallPhase): string {
    const name = this.peerName;
    const outgoing = this.direction === 'outgoing';
    const lines = texts.call.status;
    switch (phase) {
      case 'ringing':
        return outgoing ? lines.calling(name) : lines.ringing(name);
      case 'connecting':
        return lines.connecting(name);
      case 'connected':
        return lines.connected(name);
      case 'ended':
        return this.failureMessage ?? texts.call.end[this.current.endReason ?? 'hangup'](name, outgoing);
    }
  }
}
