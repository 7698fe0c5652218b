/**
 * The pure decisions of file transfers (PROTOCOL.md §9): which file goes next, which phases are
 * final, and the name a file is offered under. No I/O, so node unit tests cover them.
 */
import { FILE_NAME_MAX_LENGTH, isFileName } from '../../protocol/index.js';
import type { FileTransferPhase, FileTransferProblem, FileTransferView } from '../types.js';

const FINISHED: readonly FileTransferPhase[] = ['done', 'declined', 'cancelled', 'failed'];
const FLOWING: readonly FileTransferPhase[] = ['connecting', 'transferring', 'verifying'];

export const isFinished = (phase: FileTransferPhase): boolean => FINISHED.includes(phase);

/**
 * The accepted outgoing files to start now: per person, the oldest `queued` one, when nothing to
 * that person is flowing. One file at a time per person keeps each one's speed and time left
 * honest, and the next one starts the moment the last one ends.
 */
export function nextToSend(transfers: readonly Pick<FileTransferView, 'id' | 'peerId' | 'direction' | 'phase'>[]): string[] {
  const busy = new Set(transfers.filter((t) => t.direction === 'outgoing' && FLOWING.includes(t.phase)).map((t) => t.peerId));
  const start: string[] = [];
  for (const t of transfers) {
    if (t.direction !== 'outgoing' || t.phase !== 'queued' || busy.has(t.peerId)) continue;
    busy.add(t.peerId);
    start.push(t.id);
  }
  return start;
}

/** The final phase a problem leads to. */
export function problemPhase(problem: FileTransferProblem): FileTransferPhase {
  if (problem === 'declined') return 'declined';
  if (problem === 'cancelled-by-me' || problem === 'cancelled-by-peer' || problem === 'signed-out') return 'cancelled';
  return 'failed';
}

/**
 * The name a file is offered under: its own when the contract takes it, else with control, bidi
 * and path characters replaced by `_` and shortened to the limit with its extension kept.
 */
export function fileNameToOffer(name: string): string {
  if (isFileName(name)) return name;
  // eslint-disable-next-line no-control-regex
  let clean = (name as string).replace(/[\u0000-\u001f\u007f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069/\\]/g, '_').trim();
  if (clean.length > FILE_NAME_MAX_LENGTH) {
    const dot = clean.lastIndexOf('.');
    const ext = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : '';
    clean = clean.slice(0, FILE_NAME_MAX_LENGTH - ext.length) + ext;
  }
  return isFileName(clean) ? clean : 'file';
}
