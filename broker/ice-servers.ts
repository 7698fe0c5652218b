/**
 * ICE servers for a user: STUN/TURN URLs from the configuration and, for
 * TURN, time-limited credentials in coturn's `use-auth-secret` scheme.
 * Nothing configured → no servers (never a third-party default).
 */
import { createHmac } from 'node:crypto';
import type { IceServersResponse, RTCIceServerJson } from '../src/protocol/index.js';
import type { Config } from './config.js';

export interface TurnCredentials {
  username: string;
  credential: string;
}

/** username `<expiryUnixSeconds>:<userId>`, credential base64(HMAC-SHA1(secret, username)). */
export function issueTurnCredentials(secret: string, userId: string, ttlSeconds: number, now = Date.now()): TurnCredentials {
  const username = `${Math.floor(now / 1000) + ttlSeconds}:${userId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

export function iceServersFor(config: Config, userId: string): IceServersResponse {
  const iceServers: RTCIceServerJson[] = [];
  if (config.stunUrls.length > 0) iceServers.push({ urls: config.stunUrls });
  if (config.turnUrls.length > 0 && config.turnSecret) {
    iceServers.push({ urls: config.turnUrls, ...issueTurnCredentials(config.turnSecret, userId, config.turnTtlSeconds) });
  }
  return { iceServers, iceTransportPolicy: config.iceTransportPolicy, ttl: config.turnTtlSeconds, maxFileBytes: config.maxFileBytes };
}
