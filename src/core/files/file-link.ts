/**
 * The data-only connection of one file transfer, and the two ends of the transfer on it
 * (PROTOCOL.md §9). Loaded lazily (with the SHA-256 code) the first time a file is sent or
 * accepted, so the widget's first download does not grow.
 *
 * Why a connection of its own, even during a call: the call's connection is replaced on an ICE
 * restart, on a group call's link renewal and on hang up, and a file should outlive all three; a
 * separate SCTP association also has its own send buffer, so a 2 GB file never queues ahead of the
 * call's verification messages. It costs one more ICE and DTLS set-up (tens of milliseconds on a
 * LAN) and, relay-only, one more TURN allocation — with the same ICE servers and the same
 * `iceTransportPolicy` as calls, so the sender's address is never revealed either.
 */
import {
  FILE_CHANNEL_ID,
  FILE_CHANNEL_LABEL,
  FILE_CHUNK_BYTES,
  FILE_HASH_BLOCK_BYTES,
  parseFileControl,
  type FileControl,
  type IceCandidate,
} from '../../protocol/index.js';
import { isRelayCandidate } from '../peer.js';
import type { FileTransferProblem } from '../types.js';
import { BlockHasher } from './block-hash.js';

/** The send loop pauses while more than this waits in the channel's buffer… */
export const SEND_BUFFER_HIGH = 8 * 1024 * 1024;
/** …and goes on once it fell under this (`bufferedAmountLowThreshold`). Chromium's own cap is 16 MiB. */
export const SEND_BUFFER_LOW = 2 * 1024 * 1024;
/** The file is read a digest block at a time (`Blob.slice().arrayBuffer()`): one read's worth in memory, never the file. */
export const READ_BYTES = FILE_HASH_BLOCK_BYTES;
/** The channel must open within this long, else the connection was refused or cannot be made. */
export const OPEN_TIMEOUT_MS = 20_000;
/** No byte (nor control message) for this long in a transfer: the network is gone. */
export const STALL_TIMEOUT_MS = 15_000;
/** After the last byte left, the recipient has this long to check and save the file and say `done`. */
export const VERIFY_TIMEOUT_MS = 60_000;
/** A link released after its transfer waits this long at most for the other side to close first. */
export const RELEASE_WAIT_MS = 3_000;
/** A disk sink writes this much at a time. */
const DISK_BATCH_BYTES = 4 * 1024 * 1024;
/** A memory sink gathers parts into one Blob this often, so the browser can move them out of the JS heap. */
const BLOB_BATCH_BYTES = 16 * 1024 * 1024;

/** A transfer that ended without the file; `problem` says why. */
export class TransferFailure extends Error {
  constructor(readonly problem: FileTransferProblem) {
    super(problem);
  }
}

export interface FileLinkOptions {
  role: 'offerer' | 'answerer';
  iceServers: RTCIceServer[];
  relayOnly: boolean;
  onDescription(kind: 'offer' | 'answer', sdp: string): void;
  onCandidate(candidate: IceCandidate): void;
}

/** Where received bytes go: a file on disk, or Blob parts for a download. */
export interface FileSink {
  /** Takes the next bytes (in order); throws when an earlier write failed. */
  write(chunk: Uint8Array): void;
  /** All bytes are here and checked: the finished file (null once on disk). */
  close(): Promise<Blob | null>;
  abort(): Promise<void>;
}

export class FileLink {
  readonly pc: RTCPeerConnection;
  readonly channel: RTCDataChannel;
  private pending: RTCIceCandidateInit[] = [];
  private relayCandidates = 0;
  private closed = false;
  private wasOpen = false;
  /** Settles when the channel opens, or fails with why it could not. */
  readonly opened: Promise<void>;
  private failOpen!: (failure: TransferFailure) => void;
  /** Whoever waits on the channel now (a send loop or a receiver) hears of the end here. */
  private onEnd: ((failure: TransferFailure) => void) | null = null;

  constructor(private readonly options: FileLinkOptions) {
    this.pc = new RTCPeerConnection({
      iceServers: options.iceServers,
      iceTransportPolicy: options.relayOnly ? 'relay' : 'all',
      bundlePolicy: 'max-bundle',
    });
    this.channel = this.pc.createDataChannel(FILE_CHANNEL_LABEL, { negotiated: true, id: FILE_CHANNEL_ID, ordered: true });
    this.channel.binaryType = 'arraybuffer';
    this.channel.bufferedAmountLowThreshold = SEND_BUFFER_LOW;
    this.opened = new Promise<void>((resolve, reject) => {
      this.failOpen = reject;
      const timer = setTimeout(() => reject(new TransferFailure('channel-refused')), OPEN_TIMEOUT_MS);
      this.channel.addEventListener('open', () => (clearTimeout(timer), resolve()), { once: true });
    });
    this.opened.catch(() => undefined);
    this.pc.onicecandidate = (ev) => {
      const c = ev.candidate;
      if (!c?.candidate) return;
      if (isRelayCandidate(c.candidate)) this.relayCandidates++;
      if (options.relayOnly && !isRelayCandidate(c.candidate)) return;
      options.onCandidate({
        candidate: c.candidate,
        sdpMid: c.sdpMid,
        sdpMLineIndex: c.sdpMLineIndex,
        usernameFragment: c.usernameFragment,
      });
    };
    this.pc.onicegatheringstatechange = () => {
      if (options.relayOnly && this.pc.iceGatheringState === 'complete' && this.relayCandidates === 0) this.fail('relay-unavailable');
    };
    // Once the channel was open, a failure is a lost connection; before, the connection was refused or impossible.
    this.channel.addEventListener('open', () => (this.wasOpen = true), { once: true });
    this.pc.onconnectionstatechange = () => {
      if (this.pc.connectionState === 'failed') this.fail(this.wasOpen ? 'connection-lost' : 'channel-refused');
    };
    // The peer closing its connection (tab closed, reloaded) closes the channel: DTLS's close reaches us at once.
    this.channel.addEventListener('close', () => this.fail(this.wasOpen ? 'peer-left' : 'channel-refused'));
    this.channel.addEventListener('error', () => this.fail(this.wasOpen ? 'connection-lost' : 'channel-refused'));
  }

  /** The offerer's first step. */
  async start(): Promise<void> {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    this.options.onDescription('offer', offer.sdp ?? '');
  }

  async acceptDescription(kind: 'offer' | 'answer', sdp: string): Promise<void> {
    if (this.closed) return;
    await this.pc.setRemoteDescription({ type: kind, sdp });
    for (const c of this.pending.splice(0)) await this.pc.addIceCandidate(c).catch(() => undefined);
    if (kind === 'offer') {
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      this.options.onDescription('answer', answer.sdp ?? '');
    }
  }

  async addCandidate(candidate: IceCandidate): Promise<void> {
    if (this.closed) return;
    if (!this.pc.remoteDescription) this.pending.push(candidate);
    else await this.pc.addIceCandidate(candidate).catch(() => undefined);
  }

  /** Sends a control message when the channel is still open. */
  control(message: FileControl): void {
    if (this.channel.readyState === 'open') this.channel.send(JSON.stringify(message));
  }

  /** Ends the transfer with `problem` for whoever waits on it. */
  fail(problem: FileTransferProblem): void {
    const failure = new TransferFailure(problem);
    this.failOpen(failure);
    this.onEnd?.(failure);
  }

  /** Listens until the end: `handler` gets every message, `ended` the failure that stops the transfer. */
  watch(handler: (data: ArrayBuffer | string) => void, ended: (failure: TransferFailure) => void): void {
    this.channel.onmessage = (ev: MessageEvent<ArrayBuffer | string>) => handler(ev.data);
    this.onEnd = ended;
  }

  /**
   * Closes once the other side has, at the latest after `ms`: closing at once could drop what was
   * said last (`done`, `bad`, `cancel`) with the association. Nothing is reported any more.
   */
  release(ms = RELEASE_WAIT_MS): void {
    if (this.closed) return;
    this.onEnd = null;
    this.channel.onmessage = null;
    if (this.channel.readyState !== 'open') return this.close();
    const timer = setTimeout(() => this.close(), ms);
    this.channel.addEventListener('close', () => (clearTimeout(timer), this.close()), { once: true });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onEnd = null;
    this.channel.onmessage = null;
    this.channel.close();
    this.pc.close();
  }
}

/** A timer that fails the link when nothing happens for STALL_TIMEOUT_MS; `poke()` on every sign of life. */
function stallWatch(link: FileLink): { poke(): void; stop(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const poke = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => link.fail('connection-lost'), STALL_TIMEOUT_MS);
  };
  poke();
  return { poke, stop: () => timer && clearTimeout(timer) };
}

/** Resolves once the channel's buffer is under its low mark (or the transfer ended). */
function drained(channel: RTCDataChannel, ended: Promise<never>): Promise<void> {
  if (channel.bufferedAmount <= SEND_BUFFER_LOW) return Promise.resolve();
  return Promise.race([
    new Promise<void>((resolve) => channel.addEventListener('bufferedamountlow', () => resolve(), { once: true })),
    ended,
  ]);
}

/**
 * Sends `file` on an open link: read in slices, hashed as it goes, paused whenever the channel's
 * buffer is full, then `end` with the digest; resolves when the recipient says `done`.
 * `progress(bytes)` gets the bytes that left the buffer.
 */
export async function sendFile(link: FileLink, file: Blob, progress: (bytes: number) => void): Promise<void> {
  const channel = link.channel;
  let endedWith!: (failure: TransferFailure) => void;
  const ended = new Promise<never>((_, reject) => (endedWith = reject));
  ended.catch(() => undefined);
  let answered!: (control: FileControl) => void;
  const answer = new Promise<FileControl>((resolve) => (answered = resolve));
  const stall = stallWatch(link);
  link.watch((data) => {
    const control = typeof data === 'string' ? parseFileControl(data) : null;
    if (control?.t === 'cancel') endedWith(new TransferFailure('cancelled-by-peer'));
    else if (control) answered(control);
  }, endedWith);
  let queued = 0;
  let left = 0;
  // Bytes leaving the send buffer are the sign of life (a slow relay may take a minute to drain it).
  const watch = setInterval(() => {
    const out = queued - channel.bufferedAmount;
    if (out > left) stall.poke();
    left = out;
    progress(out);
  }, 250);
  try {
    const hash = new BlockHasher();
    for (let offset = 0; offset < file.size; offset += READ_BYTES) {
      const slice = new Uint8Array(await Promise.race([file.slice(offset, offset + READ_BYTES).arrayBuffer(), ended]));
      hash.updateBlock(slice);
      for (let at = 0; at < slice.byteLength; at += FILE_CHUNK_BYTES) {
        if (channel.bufferedAmount > SEND_BUFFER_HIGH) await drained(channel, ended);
        channel.send(slice.subarray(at, at + FILE_CHUNK_BYTES));
        queued += Math.min(FILE_CHUNK_BYTES, slice.byteLength - at);
      }
    }
    link.control({ t: 'end', sha256: await Promise.race([hash.digest(), ended]) });
    // Once all is out, the recipient finishes its digest and closes the file (a big file's close
    // can take seconds): a longer wait of its own, not the stall limit.
    while (channel.bufferedAmount > 0) await Promise.race([new Promise((resolve) => setTimeout(resolve, 250)), ended]);
    stall.stop();
    const verifying = setTimeout(() => link.fail('connection-lost'), VERIFY_TIMEOUT_MS);
    try {
      const reply = await Promise.race([answer, ended]);
      if (reply.t !== 'done') throw new TransferFailure('integrity');
    } finally {
      clearTimeout(verifying);
    }
    progress(file.size);
  } finally {
    clearInterval(watch);
    stall.stop();
  }
}

/**
 * Receives `size` bytes on `link` into `sink`, hashing as they come; when the sender's `end`
 * arrives, the count and the digest must match before the file is finished and `done` is said.
 * Anything else (too many bytes, too few, another digest) aborts the sink and says `bad`: a
 * truncated or corrupted file is never offered as complete.
 */
export async function receiveFile(link: FileLink, size: number, sink: FileSink, progress: (bytes: number) => void): Promise<Blob | null> {
  const hash = new BlockHasher();
  let received = 0;
  const stall = stallWatch(link);
  const result = new Promise<string>((resolve, reject) => {
    link.watch((data) => {
      stall.poke();
      if (typeof data === 'string') {
        const control = parseFileControl(data);
        if (control?.t === 'cancel') reject(new TransferFailure('cancelled-by-peer'));
        else if (control?.t === 'end') resolve(control.sha256);
        return;
      }
      const chunk = new Uint8Array(data);
      received += chunk.byteLength;
      if (received > size) return reject(new TransferFailure('integrity'));
      hash.update(chunk);
      try {
        sink.write(chunk);
      } catch {
        return reject(new TransferFailure('save-failed'));
      }
      progress(received);
    }, reject);
  });
  try {
    const digest = await result;
    if (received !== size || (await hash.digest()) !== digest) throw new TransferFailure('integrity');
    const file = await sink.close();
    link.control({ t: 'done' });
    return file;
  } catch (e) {
    await sink.abort().catch(() => undefined);
    if (e instanceof TransferFailure && e.problem === 'integrity') link.control({ t: 'bad' });
    throw e instanceof TransferFailure ? e : new TransferFailure('save-failed');
  } finally {
    stall.stop();
  }
}

/**
 * Written as it arrives to the file the visitor chose, in batches of DISK_BATCH_BYTES (each
 * `write()` is a round trip to the browser's file system: one per 64 KiB message halved the
 * throughput); aborted, the partial file discarded, on any failure.
 */
export async function diskSink(handle: FileSystemFileHandle): Promise<FileSink> {
  const writable = await handle.createWritable();
  let parts: Uint8Array<ArrayBuffer>[] = [];
  let bytes = 0;
  let writes: Promise<void> = Promise.resolve();
  let failed: unknown = null;
  const flush = () => {
    if (parts.length === 0) return;
    const batch = new Blob(parts);
    parts = [];
    bytes = 0;
    writes = writes.then(() => writable.write(batch)).catch((e: unknown) => void (failed ??= e));
  };
  return {
    write: (chunk) => {
      if (failed) throw failed;
      parts.push(chunk as Uint8Array<ArrayBuffer>);
      bytes += chunk.byteLength;
      if (bytes >= DISK_BATCH_BYTES) flush();
    },
    close: async () => {
      flush();
      await writes;
      if (failed) throw failed;
      await writable.close();
      return null;
    },
    abort: async () => {
      parts = [];
      await writes;
      await writable.abort();
    },
  };
}

/**
 * Gathered in memory for a download (browsers without the File System Access API: Firefox,
 * Safari). Parts are joined into a Blob every 16 MiB, which lets the browser keep them outside the
 * JS heap (Chromium pages big blobs to disk); Firefox keeps them in memory, so a file there costs
 * about its size in memory until the download is dismissed.
 */
export function memorySink(mime: string): FileSink {
  const blobs: Blob[] = [];
  let parts: Uint8Array[] = [];
  let partBytes = 0;
  const flush = () => {
    if (parts.length === 0) return;
    blobs.push(new Blob(parts as Uint8Array<ArrayBuffer>[]));
    parts = [];
    partBytes = 0;
  };
  return {
    write: (chunk) => {
      parts.push(chunk);
      partBytes += chunk.byteLength;
      if (partBytes >= BLOB_BATCH_BYTES) flush();
    },
    close: async () => {
      flush();
      return new Blob(blobs, { type: mime });
    },
    abort: async () => {
      blobs.length = 0;
      parts = [];
    },
  };
}
