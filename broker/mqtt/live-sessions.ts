/**
 * The session family behind each open MQTT connection, so that a revocation
 * (logout, password reset, account deletion) closes the connections it
 * concerns: at once when it was made in this process, within one poll of the
 * revocation store when another process made it (the admin CLI, another node).
 */
import type { Client } from 'aedes';
import type { Sessions } from '../sessions.js';
import type { Revocations } from '../store/revocation-store.js';

export interface LiveSession {
  sub: string;
  sid: string;
  authTime: number;
}

/** How often the revocation store is read for revocations made elsewhere; the contract allows 2 s. */
export const REVOCATION_POLL_MS = 1000;

export class LiveSessions {
  readonly #clients = new Map<Client, LiveSession>();
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  /** One sweep at a time; a request during a sweep runs one more after it. */
  #sweeping: Promise<void> | undefined;
  #again = false;

  constructor(private readonly sessions: Sessions) {}

  track(client: Client, session: LiveSession): void {
    // Its socket closed while the CONNECT was checked: clientGone has run already, nothing would untrack it.
    if (client.closed) return;
    this.#clients.set(client, { sub: session.sub, sid: session.sid, authTime: session.authTime });
  }

  untrack(client: Client): void {
    this.#clients.delete(client);
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Closes every tracked connection whose session no longer stands in `revocations`; returns how many. */
  closeRevoked(revocations: Revocations): number {
    let closed = 0;
    for (const [client, session] of this.#clients) {
      if (client.closed) {
        this.#clients.delete(client);
        continue;
      }
      if (this.sessions.isLive(session, revocations)) continue;
      this.#clients.delete(client);
      client.close();
      closed += 1;
    }
    return closed;
  }

  /** Reads the current revocations and closes what they revoke. */
  sweep(): Promise<void> {
    if (this.#sweeping) {
      this.#again = true;
      return this.#sweeping;
    }
    this.#sweeping = (async () => {
      do {
        this.#again = false;
        try {
          this.closeRevoked(await this.sessions.current());
        } catch {
          // An unreadable store now and then: the next poll tries again; CONNECT and HTTP refuse on their own.
        }
      } while (this.#again);
      this.#sweeping = undefined;
    })();
    return this.#sweeping;
  }

  start(pollMs = REVOCATION_POLL_MS): void {
    this.#unsubscribe = this.sessions.onRevoked(() => void this.sweep());
    this.#timer = setInterval(() => void this.sweep(), pollMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    await this.#sweeping;
  }
}
