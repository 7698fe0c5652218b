/**
 * File transfers (PROTOCOL.md §9), the session's part: offers in and out, the visitor's answers,
 * the queue of accepted files (one at a time per person), and each transfer's state in
 * `SessionState.fileTransfers`. The connection and the bytes are file-link.ts's, loaded on first
 * use; only small inbox messages go through the backend, never a byte of a file.
 */
import { DEFAULT_MAX_FILE_BYTES, MAX_PENDING_FILE_OFFERS, type FileMessage, type IceCandidate } from '../../protocol/index.js';
import type { Clock } from '../clock.js';
import { hasTurn, type IceConfigCache } from '../ice-config.js';
import { randomId } from '../ids.js';
import type { Outbox } from '../outbox.js';
import type { PresenceView } from '../presence-book.js';
import type { SessionStore } from '../session-state.js';
import { texts } from '../texts.js';
import type { FileSaveOptions, FileTransferProblem, FileTransferView } from '../types.js';
import { formatBytes } from './file-formats.js';
import { ProgressMeter } from './progress.js';
import { fileNameToOffer, nextToSend, isFinished, problemPhase } from './transfer-rules.js';

type Engine = typeof import('./file-link.js');
type Link = InstanceType<Engine['FileLink']>;

/** State is published at most this often while bytes flow: a 2 GB file must not re-render the widget 30,000 times. */
const PROGRESS_EVERY_MS = 250;
/** A connection closed by the peer waits this long for its `file-cancel` (the reason) before it is reported as lost. */
export const CANCEL_GRACE_MS = 2_000;

const sleep = (clock: Clock, ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));

interface Transfer {
  view: FileTransferView;
  /** Outgoing: the file. */
  file?: File;
  /** The peer's tab that offered (incoming) or accepted (outgoing): replies go to it only. */
  peerSid: string | null;
  link?: Link;
  /** Incoming: where to write, chosen when accepting. */
  save?: FileSaveOptions;
  meter?: ProgressMeter;
  lastShown: number;
}

export interface FileTransferDeps {
  store: SessionStore;
  outbox: Outbox;
  clock: Clock;
  presence: PresenceView;
  ice: Pick<IceConfigCache, 'forCall'>;
  relayOnly(): boolean;
  /** The transfer code (file-link.ts); a dynamic import in the browser, so it is fetched on first use. */
  engine?: () => Promise<Engine>;
}

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

export class FileTransfers {
  private readonly transfers = new Map<string, Transfer>();
  private engine: Promise<Engine> | null = null;

  constructor(private readonly deps: FileTransferDeps) {}

  private get store() {
    return this.deps.store;
  }

  private loadEngine(): Promise<Engine> {
    this.engine ??= (this.deps.engine ?? (() => import('./file-link.js')))();
    return this.engine;
  }

  // ---------------------------------------------------------------- the visitor's actions

  async send(peerId: string, files: readonly File[]): Promise<void> {
    if (!this.deps.presence.get(peerId) || !this.deps.outbox.online) {
      return this.store.reportError({ code: 'file_failed', scope: 'chat', message: texts.ui.files.peerOffline });
    }
    const maxFileBytes = (await this.deps.ice.forCall()).maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    const tooLarge = files.filter((f) => f.size > maxFileBytes);
    if (tooLarge.length > 0) {
      this.store.reportError({
        code: 'file_failed',
        scope: 'chat',
        message: texts.ui.files.tooLarge(tooLarge[0]!.name, formatBytes(maxFileBytes)),
      });
    }
    for (const file of files) {
      if (file.size > maxFileBytes) continue;
      const view = this.newView(peerId, 'outgoing', fileNameToOffer(file.name), file.size, file.type);
      this.transfers.set(view.id, { view, file, peerSid: null, lastShown: 0 });
      this.publish();
      this.sendMessage(peerId, {
        type: 'file-offer',
        transferId: view.id,
        sid: this.deps.outbox.sid,
        name: view.name,
        size: view.size,
        mime: view.mime,
      });
    }
  }

  async accept(id: string, save: FileSaveOptions = {}): Promise<void> {
    const t = this.transfers.get(id);
    if (!t || t.view.direction !== 'incoming' || t.view.phase !== 'offered') return;
    t.save = save;
    this.setPhase(t, 'connecting');
    // Load the code now: the sender's description follows the accept within a round trip.
    void this.loadEngine();
    this.reply(t, 'file-accept');
  }

  decline(id: string): void {
    const t = this.transfers.get(id);
    if (!t || t.view.direction !== 'incoming' || t.view.phase !== 'offered') return;
    this.reply(t, 'file-decline');
    this.end(t, 'declined');
  }

  cancel(id: string): void {
    const t = this.transfers.get(id);
    if (!t || isFinished(t.view.phase)) return;
    t.link?.control({ t: 'cancel' });
    // Also through the inbox: the channel may not be open yet (or any more).
    this.reply(t, 'file-cancel');
    this.end(t, 'cancelled-by-me');
  }

  dismiss(id: string): void {
    const t = this.transfers.get(id);
    if (!t || !isFinished(t.view.phase)) return;
    if (t.view.url) URL.revokeObjectURL(t.view.url);
    this.transfers.delete(id);
    this.publish();
  }

  // ---------------------------------------------------------------- what arrives

  /** A file message from `from` (validated against the limit this backend told us). */
  onMessage(from: string, message: FileMessage): void {
    if (message.type === 'file-offer') return void this.offered(from, message);
    const t = this.transfers.get(message.transferId);
    if (!t || t.view.peerId !== from || isFinished(t.view.phase)) return;
    if (t.peerSid !== null && message.sid !== t.peerSid) return;
    switch (message.type) {
      case 'file-accept':
        if (t.view.direction !== 'outgoing' || t.view.phase !== 'offered') return;
        t.peerSid = message.sid;
        this.setPhase(t, 'queued');
        return this.pump();
      case 'file-decline':
        if (t.view.direction === 'outgoing' && t.view.phase === 'offered') this.end(t, 'declined');
        return;
      case 'file-cancel':
        return this.end(t, 'cancelled-by-peer');
      case 'file-description':
        if (message.kind === 'offer' && t.view.direction === 'incoming' && t.view.phase === 'connecting' && !t.link) {
          void this.receive(t, message.sdp);
        } else if (message.kind === 'answer' && t.view.direction === 'outgoing')
          void t.link?.acceptDescription('answer', message.sdp).catch(() => undefined);
        return;
      case 'file-candidate':
        void t.link?.addCandidate(message.candidate);
        return;
    }
  }

  /** The person went offline: what waits on them ends now (a flowing transfer ends by its connection's own close). */
  peerGone(userId: string): void {
    for (const t of this.transfers.values()) {
      if (t.view.peerId !== userId || isFinished(t.view.phase)) continue;
      if (!t.link) this.end(t, 'peer-left');
    }
  }

  /** Signed out: everything ends, and the downloads are freed. */
  clear(): void {
    for (const t of this.transfers.values()) {
      t.link?.close();
      if (t.view.url) URL.revokeObjectURL(t.view.url);
    }
    this.transfers.clear();
  }

  // ---------------------------------------------------------------- internals

  private async offered(from: string, message: Extract<FileMessage, { type: 'file-offer' }>): Promise<void> {
    // Checked on this side too: a backend that lets a larger offer through does not make us take it.
    const maxFileBytes = (await this.deps.ice.forCall()).maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (message.size > maxFileBytes) return;
    if (this.transfers.has(message.transferId)) return; // delivered twice
    const waiting = [...this.transfers.values()].filter((t) => t.view.peerId === from && t.view.phase === 'offered').length;
    if (waiting >= MAX_PENDING_FILE_OFFERS) return;
    const view = { ...this.newView(from, 'incoming', message.name, message.size, message.mime), id: message.transferId };
    this.transfers.set(view.id, { view, peerSid: message.sid, lastShown: 0 });
    this.publish();
    this.store.emit('file-offer', { transfer: view });
  }

  /** Starts the next accepted outgoing file of each person with nothing flowing. */
  private pump(): void {
    for (const id of nextToSend([...this.transfers.values()].map((t) => t.view))) {
      const t = this.transfers.get(id)!;
      this.setPhase(t, 'connecting');
      void this.run(t, async (engine, link) => {
        await link.start();
        await link.opened;
        t.meter = new ProgressMeter(t.view.size, this.deps.clock.now());
        this.setPhase(t, 'transferring');
        await engine.sendFile(link, t.file!, (bytes) => this.progress(t, bytes));
        this.end(t, null);
      });
    }
  }

  private receive(t: Transfer, offer: string): Promise<void> {
    return this.run(t, async (engine, link) => {
      const sink = t.save?.saveTo ? await engine.diskSink(t.save.saveTo) : engine.memorySink(t.view.mime);
      await link.acceptDescription('offer', offer);
      await link.opened;
      t.meter = new ProgressMeter(t.view.size, this.deps.clock.now());
      this.setPhase(t, 'transferring');
      const file = await engine.receiveFile(link, t.view.size, sink, (bytes) => this.progress(t, bytes));
      this.end(t, null, file);
    });
  }

  /** Makes the transfer's connection and runs `body` on it; any failure ends the transfer with its reason. */
  private async run(t: Transfer, body: (engine: Engine, link: Link) => Promise<void>): Promise<void> {
    try {
      const [engine, ice] = await Promise.all([this.loadEngine(), this.deps.ice.forCall()]);
      if (isFinished(t.view.phase)) return;
      const relayOnly = this.deps.relayOnly() || ice.policy === 'relay';
      if (relayOnly && !hasTurn(ice.servers)) throw new engine.TransferFailure('relay-unavailable');
      t.link = new engine.FileLink({
        role: t.view.direction === 'outgoing' ? 'offerer' : 'answerer',
        iceServers: ice.servers,
        relayOnly,
        onDescription: (kind, sdp) => this.reply(t, 'file-description', { kind, sdp }),
        onCandidate: (candidate: IceCandidate) => this.reply(t, 'file-candidate', { candidate }),
      });
      await body(engine, t.link);
    } catch (e) {
      const problem = (e as { problem?: FileTransferProblem }).problem ?? 'connection-lost';
      // A peer that cancels closes its connection at once, and its `cancel` on the channel may sit behind
      // megabytes still in flight: its `file-cancel` through the inbox tells the truer reason, so wait for it.
      if (problem === 'peer-left' || problem === 'connection-lost') await sleep(this.deps.clock, CANCEL_GRACE_MS);
      if (!isFinished(t.view.phase)) {
        if (problem === 'integrity' || problem === 'save-failed') t.link?.control({ t: 'cancel' });
        this.end(t, problem);
      }
    }
  }

  private progress(t: Transfer, bytes: number): void {
    const now = this.deps.clock.now();
    const figures = t.meter!.sample(bytes, now);
    t.view = { ...t.view, ...figures, phase: bytes >= t.view.size ? 'verifying' : t.view.phase };
    if (now - t.lastShown < PROGRESS_EVERY_MS && bytes < t.view.size) return;
    t.lastShown = now;
    this.publish();
  }

  /** Ends `t`: done (`problem` null), or with why. */
  private end(t: Transfer, problem: FileTransferProblem | null, file?: Blob | null): void {
    if (isFinished(t.view.phase)) return;
    // The sender of a finished file has nothing left to say; otherwise our last word must reach the other side.
    if (problem === null && t.view.direction === 'outgoing') t.link?.close();
    else t.link?.release();
    delete t.link;
    delete t.file;
    const done = problem === null;
    t.view = {
      ...t.view,
      phase: done ? 'done' : problemPhase(problem),
      problem,
      bytes: done ? t.view.size : t.view.bytes,
      bytesPerSecond: 0,
      secondsLeft: done ? 0 : null,
      url: done && file ? URL.createObjectURL(file) : null,
      savedToDisk: done && t.view.direction === 'incoming' && !file,
    };
    this.publish();
    this.store.emit('file-transfer', { transfer: t.view });
    if (problem && problem !== 'declined' && problem !== 'cancelled-by-me') {
      this.store.reportError({ code: 'file_failed', scope: 'chat', message: texts.ui.files.failed(t.view.name, problemText(problem)) });
    }
    this.pump();
  }

  private setPhase(t: Transfer, phase: FileTransferView['phase']): void {
    t.view = { ...t.view, phase };
    this.publish();
  }

  private newView(peerId: string, direction: FileTransferView['direction'], name: string, size: number, mime: string): FileTransferView {
    return {
      id: randomId(16),
      peerId,
      direction,
      name,
      size,
      mime,
      phase: 'offered',
      bytes: 0,
      bytesPerSecond: 0,
      secondsLeft: null,
      problem: null,
      url: null,
      savedToDisk: false,
    };
  }

  /** A message about `t` to its peer. */
  private reply(t: Transfer, type: 'file-accept' | 'file-decline' | 'file-cancel'): void;
  private reply(t: Transfer, type: 'file-description', extra: { kind: 'offer' | 'answer'; sdp: string }): void;
  private reply(t: Transfer, type: 'file-candidate', extra: { candidate: IceCandidate }): void;
  private reply(t: Transfer, type: FileMessage['type'], extra: object = {}): void {
    this.sendMessage(t.view.peerId, { type, transferId: t.view.id, sid: this.deps.outbox.sid, ...extra } as FileMessage);
  }

  private sendMessage(peerId: string, message: FileMessage): void {
    // Queued through a reconnect, like call signalling; a failure shows as the transfer never moving on.
    void this.deps.outbox.send(peerId, message, { queue: true }).catch(() => undefined);
  }

  private publish(): void {
    this.store.update({ fileTransfers: [...this.transfers.values()].map((t) => t.view) });
  }
}
