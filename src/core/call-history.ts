/**
 * The visitor's call history and their do-not-disturb and invisible settings (PROTOCOL.md §7):
 * loaded after sign-in, kept current by the backend's notices (a call ended, an entry deleted
 * on another device, the settings changed elsewhere), and the cards of invisible people who
 * contact the visitor, handed to presence. The pure parts (who the missed calls are from, the
 * end of a do-not-disturb period) are functions below; `CallHistoryBook` is the I/O.
 */
import { type CallHistoryEntry, type Notice, type PrivacySettings, type PrivacyUpdate } from '../protocol/index.js';
import { ApiRequestError, type ApiClient } from './api-client.js';
import type { PresenceBook } from './presence-book.js';
import type { SessionStore } from './session-state.js';

/** The history as the elements show it. */
export interface CallHistoryState {
  /** Newest first; more pages follow while `next` is set. */
  entries: CallHistoryEntry[];
  next: string | null;
  /** The first page arrived (the backend may have no history: then it stays false). */
  loaded: boolean;
  /** Missed incoming calls since the visitor last looked (the badge). */
  unseenMissed: number;
  /** Who those missed calls were from, newest first, each name once ("missed call from …"). */
  missedFrom: string[];
}

export const NO_HISTORY: CallHistoryState = { entries: [], next: null, loaded: false, unseenMissed: 0, missedFrom: [] };
export const NO_PRIVACY: PrivacySettings = { dnd: false, dndUntil: null, invisible: false };

/** The names behind the `unseen` newest missed incoming calls of `entries`, each once, newest first. */
export function missedCallers(entries: readonly CallHistoryEntry[], unseen: number): string[] {
  const missed = entries.filter((e) => e.direction === 'incoming' && e.outcome === 'missed').slice(0, unseen);
  return [...new Set(missed.map((e) => e.peer.name))];
}

/** Do-not-disturb choices: off, for a number of minutes from `now`, or until turned off. */
export type DndChoice = 'off' | 'on' | { minutes: number };

/** The update that makes `choice` so at `now`. */
export function dndUpdate(choice: DndChoice, now: number): PrivacyUpdate {
  if (choice === 'off') return { dnd: false };
  if (choice === 'on') return { dnd: true, dndUntil: null };
  return { dnd: true, dndUntil: now + Math.round(choice.minutes * 60_000) };
}

const PAGE = 20;

export class CallHistoryBook {
  /** Bumped by every first-page load and by `clear`, so only the latest answer counts. */
  private loads = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly store: SessionStore,
    private readonly token: () => string | null,
    private readonly presence: PresenceBook,
    private readonly now: () => number,
  ) {}

  /** Signed in: the first page (and the missed-call count) and the settings. An older backend (404) has neither. */
  async signedIn(): Promise<void> {
    await Promise.all([this.load(), this.loadPrivacy()]);
  }

  async load(): Promise<void> {
    const token = this.token();
    if (!token) return;
    const load = ++this.loads;
    const page = await this.api.callHistory(token, PAGE).catch(ignoreMissingRoute);
    if (!page || load !== this.loads) return;
    this.show(page.calls, page.next, page.unseenMissed);
  }

  async loadMore(): Promise<void> {
    const token = this.token();
    const { next, entries, unseenMissed } = this.store.state.history;
    if (!token || !next) return;
    const load = this.loads;
    const page = await this.api.callHistory(token, PAGE, next);
    if (load !== this.loads) return;
    const known = new Set(entries.map((e) => e.id));
    this.show([...entries, ...page.calls.filter((e) => !known.has(e.id))], page.next, unseenMissed);
  }

  async remove(id: string): Promise<void> {
    const token = this.token();
    if (!token) return;
    await this.api.deleteCall(token, id).catch((e: unknown) => {
      // Gone already (deleted on another device): what the visitor wanted.
      if (!(e instanceof ApiRequestError && e.status === 404)) throw e;
    });
    const { entries, next, unseenMissed } = this.store.state.history;
    this.show(
      entries.filter((e) => e.id !== id),
      next,
      unseenMissed,
    );
  }

  /** The visitor looked at the history: the badge clears here and on their other devices. */
  async markSeen(): Promise<void> {
    const token = this.token();
    const history = this.store.state.history;
    if (!token || history.unseenMissed === 0) return;
    this.store.update({ history: { ...history, unseenMissed: 0, missedFrom: [] } });
    await this.api.markCallsSeen(token);
  }

  setDoNotDisturb(choice: DndChoice): Promise<void> {
    return this.setPrivacy(dndUpdate(choice, this.now()));
  }

  async setPrivacy(update: PrivacyUpdate): Promise<void> {
    const token = this.token();
    if (!token) return;
    const { privacy } = await this.api.setPrivacy(token, update);
    this.store.update({ privacy });
  }

  onNotice(notice: Notice): void {
    switch (notice.type) {
      case 'calls':
        void this.load().catch(() => {});
        return;
      case 'privacy':
        this.store.update({ privacy: notice.privacy });
        return;
      case 'contact':
        this.presence.contact(notice.presence);
        return;
      case 'contact-gone':
        this.presence.contactGone(notice.id);
        return;
    }
  }

  /** Whether do-not-disturb is on now (its period may have ended since the last notice). */
  get dndOn(): boolean {
    const { dnd, dndUntil } = this.store.state.privacy;
    return dnd && (dndUntil === null || dndUntil > this.now());
  }

  clear(): void {
    this.loads += 1;
  }

  private async loadPrivacy(): Promise<void> {
    const token = this.token();
    if (!token) return;
    const answer = await this.api.privacy(token).catch(ignoreMissingRoute);
    if (answer && token === this.token()) this.store.update({ privacy: answer.privacy });
  }

  private show(entries: CallHistoryEntry[], next: string | null, unseenMissed: number): void {
    this.store.update({ history: { entries, next, loaded: true, unseenMissed, missedFrom: missedCallers(entries, unseenMissed) } });
  }
}

/** An older backend has no such route: nothing to show, not an error. */
function ignoreMissingRoute(e: unknown): null {
  if (e instanceof ApiRequestError && e.status === 404) return null;
  throw e;
}
