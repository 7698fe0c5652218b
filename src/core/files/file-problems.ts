/** The words for a file transfer's problem, shared by the engine (file-transfers.ts) and `<rtc-file-transfers>`. */
import { texts } from '../texts.js';
import type { FileTransferProblem } from '../types.js';

/** What the visitor reads of a problem. */
export function problemText(problem: FileTransferProblem): string {
  const words = texts.ui.files;
  const byProblem: Record<FileTransferProblem, string> = {
    declined: words.declined,
    'cancelled-by-me': words.cancelledByMe,
    'cancelled-by-peer': words.cancelledByPeer,
    'peer-left': words.peerLeft,
    'connection-lost': words.connectionLost,
    'channel-refused': words.channelRefused,
    'relay-unavailable': words.relayUnavailable,
    integrity: words.integrity,
    'too-large': words.tooLargeShort,
    'save-failed': words.saveFailed,
    'signed-out': words.signedOut,
  };
  return byProblem[problem];
}
