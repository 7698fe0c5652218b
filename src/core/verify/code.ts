/**
 * The short code both people read aloud. It hashes both DTLS fingerprints, sorted, so each side
 * computes the same code from "mine and theirs" without agreeing who is first. A man in the middle
 * terminates DTLS on each side with his own certificate, so each side hashes a different pair and
 * the codes differ (unless he finds a pair that collides; see CODE_DIGITS).
 *
 * Digits rather than words: they read aloud in any language without a translated word list, and
 * people are used to reading out phone numbers in groups of three.
 */
import type { Fingerprint } from './fingerprint.js';

/**
 * Nine digits (about 30 bits), in three groups. The code has no commitment step (ZRTP has one),
 * so the side that sends its description last can try certificates until the codes collide:
 * six digits (20 bits) is a million key pairs, seconds of work; nine is a thousand times more per
 * call. The remembered fingerprint (verified-peers.ts) is the lasting protection; the code is how
 * it is first trusted.
 */
export const CODE_DIGITS = 9;

/** Bumped if the derivation ever changes, so old and new clients never show matching codes by accident. */
const DOMAIN = 'rtc-call verify v1';

/** The code for a call between certificates `a` and `b` (either order), e.g. "482 913 075". */
export async function verificationCode(a: Fingerprint, b: Fingerprint): Promise<string> {
  const [first, second] = [a.toUpperCase(), b.toUpperCase()].sort();
  const input = new TextEncoder().encode(`${DOMAIN}\n${first}\n${second}`);
  const digest = new DataView(await crypto.subtle.digest('SHA-256', input));
  // 64 bits reduced to 10^9: the bias (2^64 mod 10^9 over 2^64) is far below anything that matters.
  const value = digest.getBigUint64(0) % 10n ** BigInt(CODE_DIGITS);
  const digits = value.toString().padStart(CODE_DIGITS, '0');
  return digits.replace(/(\d{3})(?=\d)/g, '$1 ');
}
