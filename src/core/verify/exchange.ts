/**
 * Commit, then reveal: each side adds a fresh random nonce to the code, and promises it (sends its
 * hash) before it sees the other side's. The code then hashes both certificates AND both nonces.
 *
 * Why: without nonces a man in the middle picks the certificates of both his legs, and knowing
 * both people's kept certificates he can search ahead of the call for a pair whose codes collide
 * (about the square root of 10^9 tries, seconds of work). With them, on each of his legs the honest
 * side's nonce is drawn after his own nonce for that leg is fixed (he promised it, or sent it
 * before the honest side revealed), so each leg's code is a fresh random draw he cannot steer: one
 * chance in 10^9 per call, and a failed try shows as two different codes. This is the commitment
 * step of ZRTP (RFC 6189 §4.4.1.1) and of Bluetooth's numeric comparison, made symmetric: both
 * sides commit at once and reveal only once the other's commitment arrived, so neither needs a role.
 *
 * The messages travel over the call's own data channel (PROTOCOL.md §5), inside DTLS: what the
 * signalling server relays never carries them.
 */
import { Timers, type Clock } from '../clock.js';

/** A message path to the other side, end to end: the link's negotiated data channel. */
export interface VerifyChannel {
  /** Sends once the channel is open (queued before). */
  send(text: string): void;
  /**
   * Calls `handler` with each message from the other side, those that came before `listen` first
   * (the other side may be quicker); the returned function stops that.
   */
  listen(handler: (text: string) => void): () => void;
}

export interface Nonces {
  own: Uint8Array;
  theirs: Uint8Array;
}

/**
 * `no-answer`: no commitment or reveal came in time (a client from before verification, or the
 * channel never opened). `broken-promise`: the other side revealed a nonce it had not promised,
 * or spoke out of turn: someone tampers with the exchange; no code may be shown.
 */
export type ExchangeProblem = 'no-answer' | 'broken-promise';

export class ExchangeFailed extends Error {
  constructor(readonly problem: ExchangeProblem) {
    super(`verification exchange failed: ${problem}`);
    this.name = 'ExchangeFailed';
  }
}

export const NONCE_BYTES = 32;
/** Long enough for a channel that opens after a slow DTLS handshake; a call never waits on it. */
export const EXCHANGE_TIMEOUT_MS = 15_000;
const COMMIT_DOMAIN = 'rtc-call verify commit v2\n';

type Message = { v: 2; t: 'commit'; h: string } | { v: 2; t: 'reveal'; n: string };

const toBase64Url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** The promise of a nonce: its SHA-256 under this exchange's own domain, base64url. */
export async function commitment(nonce: Uint8Array): Promise<string> {
  const domain = new TextEncoder().encode(COMMIT_DOMAIN);
  const input = new Uint8Array(domain.length + nonce.length);
  input.set(domain);
  input.set(nonce, domain.length);
  return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', input)));
}

/** A message of the exchange, or null for anything else (another version, garbage: ignored, not fatal). */
function parse(text: string): { t: 'commit'; hash: string } | { t: 'reveal'; nonce: Uint8Array } | null {
  let m: Partial<Message> & { v?: unknown };
  try {
    m = JSON.parse(text) as typeof m;
  } catch {
    return null;
  }
  if (m?.v !== 2) return null;
  if (m.t === 'commit' && typeof m.h === 'string' && fromBase64Url(m.h)?.length === 32) return { t: 'commit', hash: m.h };
  if (m.t === 'reveal' && typeof m.n === 'string') {
    const nonce = fromBase64Url(m.n);
    if (nonce?.length === NONCE_BYTES) return { t: 'reveal', nonce };
  }
  return null;
}

export interface ExchangeOptions {
  clock: Clock;
  timeoutMs?: number;
  /** Fills the nonce; crypto.getRandomValues by default (tests choose nonces, as an attacker would). */
  random?: (bytes: Uint8Array) => Uint8Array;
}

/**
 * Runs one exchange over `channel`: resolves with both nonces, or rejects with ExchangeFailed.
 * Our reveal is sent only after their commitment arrived, and theirs is accepted only if it
 * matches the commitment they sent first.
 */
export async function exchangeNonces(channel: VerifyChannel, options: ExchangeOptions): Promise<Nonces> {
  const own = (options.random ?? ((b) => crypto.getRandomValues(b)))(new Uint8Array(NONCE_BYTES));
  // Hashed before listening: our commitment always goes out before our reveal can.
  const ownCommitment = await commitment(own);
  const timers = new Timers<'answer'>(options.clock);
  return new Promise<Nonces>((resolve, reject) => {
    let theirCommitment: string | null = null;
    let done = false;
    let stop = () => {};
    const finish = (error: ExchangeFailed | null, theirs?: Uint8Array) => {
      if (done) return;
      done = true;
      stop();
      timers.clearAll();
      if (error) reject(error);
      else resolve({ own, theirs: theirs! });
    };
    // Messages are handled one after another: a reveal must not overtake the check of the commitment before it.
    let queue = Promise.resolve();
    const handle = async (text: string) => {
      const m = parse(text);
      if (!m || done) return;
      if (m.t === 'commit') {
        // A second, different promise would let them choose after all.
        if (theirCommitment !== null && theirCommitment !== m.hash) return finish(new ExchangeFailed('broken-promise'));
        if (theirCommitment === null) {
          theirCommitment = m.hash;
          channel.send(JSON.stringify({ v: 2, t: 'reveal', n: toBase64Url(own) } satisfies Message));
        }
        return;
      }
      if (theirCommitment === null || (await commitment(m.nonce)) !== theirCommitment) {
        return finish(new ExchangeFailed('broken-promise'));
      }
      finish(null, m.nonce);
    };
    stop = channel.listen((text) => {
      queue = queue.then(() => handle(text)).catch(() => finish(new ExchangeFailed('broken-promise')));
    });
    timers.set('answer', () => finish(new ExchangeFailed('no-answer')), options.timeoutMs ?? EXCHANGE_TIMEOUT_MS);
    channel.send(JSON.stringify({ v: 2, t: 'commit', h: ownCommitment } satisfies Message));
  });
}
