/**
 * The callee signed in on several tabs, seen from the caller's outgoing call. Pure: no I/O, and
 * time comes from the injected clock.
 *
 * - Every tab of the callee rings and says so (`ringing`, with its sid).
 * - One tab refusing busy or unavailable ends nothing while another still rings; the call is
 *   refused once no tab rings and every tab refused. ("declined" is the visitor's own choice
 *   and ends the call from any tab; the caller's call engine handles that.)
 * - The first accept binds the call to its tab. Two tabs accepting within a moment agree that
 *   the smaller sid wins (`winsAccept`, the same rule the callee's tabs apply among themselves in
 *   routing.ts); the caller follows the winner while no answer is applied yet.
 * - So with several tabs the first answer is held `ACCEPT_SETTLE_MS` after the first accept, in
 *   case the winner's accept is still on its way. With one tab the answer is applied at once.
 */
import type { Clock } from '../clock.js';

export const ACCEPT_SETTLE_MS = 400;

/** Of two tabs accepting the same call at once, whether `sid` wins over `other`. */
export const winsAccept = (sid: string, other: string): boolean => sid < other;

export type AcceptOutcome =
  /** The first accept: the call is bound to this tab. */
  | 'bound'
  /** A tab that won a simultaneous accept: the call follows it. */
  | 'rebound'
  /** Too late, or not the winner. */
  | 'ignored';

export class CalleeTabs {
  private bound: string | null = null;
  private readonly ringingTabs = new Set<string>();
  private readonly refusingTabs = new Set<string>();
  private firstAcceptAt = 0;
  private applied = false;
  private held: { sid: string; sdp: string } | null = null;

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  /** The callee tab the call is bound to; null before any accept. */
  get peerSid(): string | null {
    return this.bound;
  }

  get answerApplied(): boolean {
    return this.applied;
  }

  ringing(sid: string): void {
    this.ringingTabs.add(sid);
  }

  /** Tab `sid` refused (busy, unavailable); true when the callee, on `tabs` tabs, refused everywhere. */
  refused(sid: string, tabs: number): boolean {
    this.ringingTabs.delete(sid);
    this.refusingTabs.add(sid);
    return this.ringingTabs.size === 0 && this.refusingTabs.size >= tabs;
  }

  /** Whether an accept from `sid` is one to take: the first, or a winner while the answer can still change. */
  accept(sid: string, settling: boolean): AcceptOutcome {
    if (this.bound === null) {
      this.bound = sid;
      this.firstAcceptAt = this.clock.now();
      return 'bound';
    }
    if (!winsAccept(sid, this.bound) || this.applied || !settling) return 'ignored';
    this.bound = sid;
    return 'rebound';
  }

  /** How long an answer must wait before it may be applied, for a callee on `tabs` tabs (0: now). */
  answerDelay(tabs: number): number {
    if (this.applied || tabs <= 1) return 0;
    return Math.max(0, this.firstAcceptAt + ACCEPT_SETTLE_MS - this.clock.now());
  }

  /** Keeps the latest answer until the settle time is over. */
  hold(sid: string, sdp: string): void {
    this.held = { sid, sdp };
  }

  /** The held answer if it came from the winning tab (else its own answer follows, or came); cleared either way. */
  takeHeld(): string | null {
    const held = this.held;
    this.held = null;
    return held && held.sid === this.bound ? held.sdp : null;
  }

  /** An answer was applied: the callee tab can no longer change. */
  markApplied(): void {
    this.applied = true;
  }
}
