/**
 * File transfer (PROTOCOL.md §9): the inbox messages that offer a file and set up its data-only
 * connection, and the framing on that connection's channel. Shared by the backend (which checks
 * offers against `MAX_FILE_BYTES` and never sees a byte of a file) and the widget.
 */
import { CALL_ID_MIN_LENGTH, MAX_SDP_LENGTH } from './limits.js';
import { isId, isObject, validateCandidate, type IceCandidate } from './messages.js';

/** `MAX_FILE_BYTES` when the backend sets none (and what a widget assumes of an older backend): 4 GiB. */
export const DEFAULT_MAX_FILE_BYTES = 4 * 1024 ** 3;
/** The most `MAX_FILE_BYTES` may be: 64 GiB (a whole number well inside a double's exact range). */
export const MAX_FILE_BYTES_CEILING = 64 * 1024 ** 3;
/** A file name is at most this many characters; longer names are refused, never cut (the recipient must see what it gets). */
export const FILE_NAME_MAX_LENGTH = 255;
/** A media type (`type/subtype`, parameters allowed) is at most this long; empty means unknown. */
export const FILE_TYPE_MAX_LENGTH = 127;
/** Bytes per data channel message: every engine sends and takes 64 KiB (Chromium's limit is 256 KiB, Firefox's 1 GiB). */
export const FILE_CHUNK_BYTES = 64 * 1024;
/** The whole-file digest is SHA-256 over the SHA-256 of each block of this size, in order (PROTOCOL.md §9). */
export const FILE_HASH_BLOCK_BYTES = 1024 * 1024;
/** The file connection's one channel: negotiated out of band, like the call's verify channel (§5). */
export const FILE_CHANNEL_ID = 0;
export const FILE_CHANNEL_LABEL = 'rtc-call-file';

/** What the recipient sees before accepting. */
export interface FileDescription {
  name: string;
  /** Bytes. */
  size: number;
  /** The media type the sender's browser gave; '' when it gave none. */
  mime: string;
}

interface FileMessageBase {
  /** Random, at least 16 characters: one file, one connection. */
  transferId: string;
  /** The sender's clientId (its tab). */
  sid: string;
}

export type FileMessage =
  | (FileMessageBase & { type: 'file-offer' } & FileDescription)
  | (FileMessageBase & { type: 'file-accept' | 'file-decline' | 'file-cancel' })
  | (FileMessageBase & { type: 'file-description'; kind: 'offer' | 'answer'; sdp: string })
  | (FileMessageBase & { type: 'file-candidate'; candidate: IceCandidate });

export type FileMessageType = FileMessage['type'];

const FILE_TYPES: readonly FileMessageType[] = [
  'file-offer',
  'file-accept',
  'file-decline',
  'file-cancel',
  'file-description',
  'file-candidate',
];

export const isFileMessageType = (type: unknown): type is FileMessageType => FILE_TYPES.includes(type as FileMessageType);

/** No control or bidi characters, no path separators: a name the recipient can read and save as it is. */
// eslint-disable-next-line no-control-regex
const BAD_NAME = /[\u0000-\u001f\u007f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069/\\]/;

export function isFileName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.trim().length > 0 &&
    name.length <= FILE_NAME_MAX_LENGTH &&
    !BAD_NAME.test(name) &&
    name !== '.' &&
    name !== '..'
  );
}

/** `type/subtype` with optional parameters, printable ASCII only. */
function isMediaType(mime: unknown): mime is string {
  return typeof mime === 'string' && mime.length <= FILE_TYPE_MAX_LENGTH && (mime === '' || /^[\w.+-]+\/[\w.+-]+(;[ -~]*)?$/.test(mime));
}

export function isFileSize(size: unknown, maxFileBytes: number): size is number {
  return Number.isSafeInteger(size) && (size as number) >= 0 && (size as number) <= maxFileBytes;
}

/**
 * Validates one file message (PROTOCOL.md §9); a clean copy or null. `maxFileBytes` bounds an
 * offer's size: the backend passes its `MAX_FILE_BYTES`, the widget the limit the backend told it.
 */
export function validateFileMessage(value: unknown, maxFileBytes: number = MAX_FILE_BYTES_CEILING): FileMessage | null {
  if (!isObject(value) || !isFileMessageType(value.type)) return null;
  const { type, transferId, sid } = value;
  if (!isId(transferId, CALL_ID_MIN_LENGTH) || !isId(sid)) return null;
  switch (type) {
    case 'file-offer': {
      const { name, size, mime } = value;
      if (!isFileName(name) || !isFileSize(size, maxFileBytes) || !isMediaType(mime)) return null;
      return { type, transferId, sid, name, size, mime };
    }
    case 'file-accept':
    case 'file-decline':
    case 'file-cancel':
      return { type, transferId, sid };
    case 'file-description': {
      const { kind, sdp } = value;
      if ((kind !== 'offer' && kind !== 'answer') || typeof sdp !== 'string' || sdp.length === 0 || sdp.length > MAX_SDP_LENGTH)
        return null;
      return { type, transferId, sid, kind, sdp };
    }
    case 'file-candidate': {
      const candidate = validateCandidate(value.candidate);
      return candidate ? { type, transferId, sid, candidate } : null;
    }
  }
}

/** The backend's reason to refuse a file message, or null when it may pass (a message of another type: null). */
export function fileMessageProblem(value: unknown, maxFileBytes: number): string | null {
  if (!isObject(value) || !isFileMessageType(value.type)) return null;
  if (validateFileMessage(value, maxFileBytes)) return null;
  return value.type === 'file-offer'
    ? `file-offer needs a transferId, a name of 1–${FILE_NAME_MAX_LENGTH} characters (no control characters or slashes), a size of 0–${maxFileBytes} bytes and a media type`
    : `${value.type} is not a valid file message`;
}

// ---------------------------------------------------------------- on the channel

/**
 * The control messages on the file channel: text, one JSON object per message. File bytes go as
 * binary messages between them, in order (the channel is ordered and reliable).
 * - sender → recipient `end`: every byte is sent; `sha256` is the whole file's digest (hex, the hash
 *   list of `FILE_HASH_BLOCK_BYTES` blocks);
 * - recipient → sender `done`: the bytes arrived, the digest matched, the file is saved;
 * - recipient → sender `bad`: the count or the digest did not match, nothing is offered;
 * - either → the other `cancel`: the person stopped it.
 */
export type FileControl = { t: 'end'; sha256: string } | { t: 'done' } | { t: 'bad' } | { t: 'cancel' };

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** Parses a control message; null for anything else (ignored, like every unknown message of the contract). */
export function parseFileControl(text: string): FileControl | null {
  if (text.length > 256) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value)) return null;
  if (value.t === 'end')
    return typeof value.sha256 === 'string' && HEX_SHA256.test(value.sha256) ? { t: 'end', sha256: value.sha256 } : null;
  if (value.t === 'done' || value.t === 'bad' || value.t === 'cancel') return { t: value.t };
  return null;
}

/** Upper bound on ids kept per peer: nobody can make us hold a map of arbitrary size. */
export const MAX_PENDING_FILE_OFFERS = 64;
