/**
 * The people the visitor wrote to or called lately who are not online now. The people list
 * shows them under "Recently", so a chat can be opened with someone away: the backend keeps the
 * message until their next sign-in (PROTOCOL.md §8). Drawn from what this browser already has,
 * the kept 1:1 conversations and the call history, so it costs no request and shows nobody the
 * visitor has not been in touch with.
 */
import type { SessionState } from './types.js';

export interface RecentPerson {
  id: string;
  name: string;
  /** Unix ms of the latest message or call with them. */
  lastAt: number;
}

/** Enough to find someone again; older contacts are one search of the call history away. */
export const MAX_RECENT_PEOPLE = 8;

export function recentPeople(
  state: Pick<SessionState, 'chats' | 'history' | 'peers' | 'user'>,
  max: number = MAX_RECENT_PEOPLE,
): RecentPerson[] {
  const online = new Set(state.peers.map((p) => p.id));
  const byId = new Map<string, RecentPerson>();
  const note = (id: string, name: string | undefined, at: number) => {
    if (id === state.user?.id || online.has(id)) return;
    const known = byId.get(id);
    if (!known) return void byId.set(id, { id, name: name ?? '', lastAt: at });
    // The latest contact sets the time and, when it has one, the name; else the name known stays.
    const newer = at >= known.lastAt;
    byId.set(id, { id, name: (newer ? name || known.name : known.name || name) ?? '', lastAt: Math.max(at, known.lastAt) });
  };
  for (const [peerId, entries] of Object.entries(state.chats)) {
    const last = entries.at(-1);
    if (!last) continue;
    note(peerId, entries.findLast((m) => m.name)?.name, last.ts);
  }
  for (const entry of state.history.entries) note(entry.peer.id, entry.peer.name, entry.startedAt);
  return [...byId.values()]
    .filter((p) => p.name !== '')
    .sort((a, b) => b.lastAt - a.lastAt || a.id.localeCompare(b.id))
    .slice(0, Math.max(0, max));
}
