/**
 * The ICE servers (STUN/TURN with short-lived credentials) and the server's transport policy,
 * fetched once per sign-in and refreshed before a call when close to expiry.
 */
import type { ApiClient } from './api-client.js';
import type { Clock } from './clock.js';
import { iceServersNeedRefresh } from './timing.js';

export interface IceConfig {
  servers: RTCIceServer[];
  policy: 'all' | 'relay';
  fetchedAt: number;
  /** Seconds the credentials are valid. */
  ttl: number;
  /** `MAX_FILE_BYTES` as the backend said it (PROTOCOL.md §9); absent from an older backend. */
  maxFileBytes?: number;
}

/** Without any server, host candidates still work on a LAN. */
const NO_SERVERS: IceConfig = { servers: [], policy: 'all', fetchedAt: 0, ttl: 0 };

export const hasTurn = (servers: RTCIceServer[]) =>
  servers.some((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]).some((u) => /^turns?:/i.test(u)));

export class IceConfigCache {
  private cached: IceConfig | null = null;
  private loading: Promise<IceConfig> | null = null;

  constructor(
    private readonly api: Pick<ApiClient, 'iceServers'>,
    private readonly token: () => string | null,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  /** Fetches the configuration (one request at a time). */
  load(): Promise<IceConfig> {
    if (this.loading) return this.loading;
    const token = this.token();
    if (!token) return Promise.reject(new Error('signed out'));
    this.loading = (async () => {
      try {
        const r = await this.api.iceServers(token);
        this.cached = { servers: r.iceServers as RTCIceServer[], policy: r.iceTransportPolicy, fetchedAt: this.clock.now(), ttl: r.ttl };
        if (r.maxFileBytes !== undefined) this.cached.maxFileBytes = r.maxFileBytes;
        return this.cached;
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  /** The configuration for a call: refreshed when close to expiry, the last one (or none) when the fetch fails. */
  async forCall(): Promise<IceConfig> {
    if (this.cached && !iceServersNeedRefresh(this.cached.fetchedAt, this.cached.ttl, this.clock.now())) return this.cached;
    try {
      return await this.load();
    } catch {
      return this.cached ?? NO_SERVERS;
    }
  }

  /** Drops the cached credentials (signed out, or refused by the TURN server): the next call fetches fresh ones. */
  forget(): void {
    this.cached = null;
  }
}
