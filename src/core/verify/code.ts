/**
 * The short code both people read aloud. It hashes both DTLS fingerprints, sorted, so each side
 * computes the same code from "mine and theirs" without agreeing who is first. A man in the middle
 * terminates DTLS on each side with his own certificate, so each side hashes a different pair and
 * the codes differ (unless he searched for a pair that collides; see CODE_DIGITS).
 *
 * Digits rather than words: they read aloud in any language without a translated word list, and
 * people are used to reading out phone numbers in groups of three.
 */
import type { Fingerprint } from './fingerprint.js';

/**
 * Nine digits (about 30 bits), in three groups. Known limit: the code has no commitment step
 * (ZRTP has one), and a man in the middle picks the certificates of both his legs. Knowing both
 * people's certificates (they are kept, so stable), he can search for two of his own whose codes
 * collide: about the square root of 10^9, some 30,000 certificates per leg, seconds of work ahead
 * of a call. Six digits would be about 1,000. The fix is a commit-then-reveal nonce exchange over
 * the connected call (issue #17, not built yet); until then the remembered fingerprint
 * (verified-peers.ts) is the stronger protection: a changed certificate always shows.
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
