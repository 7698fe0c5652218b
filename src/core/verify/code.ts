/**
 * The short code both people read aloud. It hashes both DTLS fingerprints (each with the nonce its
 * side revealed, exchange.ts), sorted, so each side
 * computes the same code from "mine and theirs" without agreeing who is first. A man in the middle
 * terminates DTLS on each side with his own certificate, so each side hashes a different pair and
 * the codes differ.
 *
 * Digits rather than words: they read aloud in any language without a translated word list, and
 * people are used to reading out phone numbers in groups of three.
 */
import type { Fingerprint } from './fingerprint.js';

/**
 * Nine digits (about 30 bits), in three groups. Each side adds a nonce it promised before seeing
 * the other's (exchange.ts), so a man in the middle cannot search ahead of the call for
 * certificates whose codes collide: he gets one chance in 10^9 per call, and a miss shows.
 */
export const CODE_DIGITS = 9;

/** Bumped when the derivation changes, so old and new clients never show matching codes by accident. */
const DOMAIN = 'rtc-call verify v2';

/** One side of the call as the code sees it: its certificate and the nonce it revealed. */
export interface CodeSide {
  fingerprint: Fingerprint;
  nonce: Uint8Array;
}

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

/** The code for a call between sides `a` and `b` (either order), e.g. "482 913 075". */
export async function verificationCode(a: CodeSide, b: CodeSide): Promise<string> {
  const [first, second] = [a, b].map((side) => `${side.fingerprint.toUpperCase()}\n${hex(side.nonce)}`).sort();
  const input = new TextEncoder().encode(`${DOMAIN}\n${first}\n${second}`);
  const digest = new DataView(await crypto.subtle.digest('SHA-256', input));
  // 64 bits reduced to 10^9: the bias (2^64 mod 10^9 over 2^64) is far below anything that matters.
  const value = digest.getBigUint64(0) % 10n ** BigInt(CODE_DIGITS);
  const digits = value.toString().padStart(CODE_DIGITS, '0');
  return digits.replace(/(\d{3})(?=\d)/g, '$1 ');
}
