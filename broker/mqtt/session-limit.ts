/**
 * Concurrent MQTT sessions per user (`MAX_SESSIONS_PER_USER`): without a cap
 * one account could open any number of connections. A session is a clientId
 * (one widget tab): the widget renews its token by connecting again with the
 * same clientId before the broker drops the old connection, so that second
 * connection takes no new slot. Kept in memory; with REDIS_URL, across nodes in
 * Redis behind the same two calls (cluster/node-registry.ts).
 */
export interface SessionCounter {
  /**
   * Counts a connection of `userId` as `clientId`; false (nothing counted) when it would be a session past the cap.
   * Rejects when the count cannot be reached (Redis away): the CONNECT is refused as unavailable.
   */
  open(userId: string, clientId: string): boolean | Promise<boolean>;
  /** That connection ended. */
  close(userId: string, clientId: string): unknown;
}

export class SessionLimit implements SessionCounter {
  /** userId → clientId → open connections with that clientId. */
  readonly #users = new Map<string, Map<string, number>>();

  constructor(private readonly max: number) {}

  open(userId: string, clientId: string): boolean {
    const sessions = this.#users.get(userId) ?? new Map<string, number>();
    const connections = sessions.get(clientId) ?? 0;
    if (connections === 0 && sessions.size >= this.max) return false;
    sessions.set(clientId, connections + 1);
    this.#users.set(userId, sessions);
    return true;
  }

  close(userId: string, clientId: string): void {
    const sessions = this.#users.get(userId);
    const connections = sessions?.get(clientId) ?? 0;
    if (!sessions || connections === 0) return;
    // Empty entries go, so the map holds online users only.
    if (connections > 1) sessions.set(clientId, connections - 1);
    else sessions.delete(clientId);
    if (sessions.size === 0) this.#users.delete(userId);
  }

  /** Sessions (distinct clientIds) of `userId` now. */
  count(userId: string): number {
    return this.#users.get(userId)?.size ?? 0;
  }

  /** Users with at least one session. */
  get users(): number {
    return this.#users.size;
  }
}
