/**
 * `npm run admin -- migrate-to-redis`: copies the embedded JSON stores in
 * DATA_DIR (users, revocations, rooms, invites, call history, kept messages) into Redis, as they are:
 * same ids, hashes, dates and counts, so tokens and invite links keep
 * working. Run it once before starting the nodes on REDIS_URL; running it
 * again copies nothing new. It first checks everything: when Redis holds any
 * record with other data (or an email on another account), it writes
 * nothing and names them. Revocations merge (a later cutoff wins), so they
 * never conflict.
 */
import { existsSync } from 'node:fs';
import { readJsonCallHistory } from './json-call-history-store.js';
import { readJsonMessages } from './json-message-store.js';
import { readJsonRevocations } from './json-revocation-store.js';
import { readJsonRooms } from './json-room-store.js';
import { openJsonUserStore } from './json-user-store.js';
import { RedisConnection, redactedRedisUrl } from './redis-connection.js';
import { copyHistoryToRedis } from './redis-call-history-store.js';
import { copyMessagesToRedis } from './redis-message-store.js';
import { openRedisRevocationStore } from './redis-revocation-store.js';
import { copyRoomsToRedis } from './redis-room-store.js';
import type { CopyCount } from './redis-transaction.js';
import { copyUsersToRedis } from './redis-user-store.js';
import { unexpired } from './revocation-store.js';
import { StoreError } from './user-store.js';

export interface MigrationReport {
  users: CopyCount;
  rooms: CopyCount;
  invites: CopyCount;
  /** Call history entries (each person's own). */
  calls: CopyCount;
  /** Messages kept for someone away, not expired yet. */
  messages: CopyCount;
  /** Revocations still in force, merged into Redis's. */
  revokedSessions: number;
  revokedUsers: number;
}

/** Redis holds other data for some records: nothing was written. */
export class MigrationConflictError extends StoreError {
  override name = 'MigrationConflictError';
  constructor(readonly conflicts: string[]) {
    const shown = conflicts.slice(0, 10).map((c) => `  ${c}`);
    if (conflicts.length > shown.length) shown.push(`  … and ${conflicts.length - shown.length} more`);
    super(
      `Redis already holds ${conflicts.length} record(s) with other data than DATA_DIR; nothing was written:\n${shown.join('\n')}\n` +
        'Migrate into an empty Redis (or another REDIS_URL database), or remove those records there first.',
    );
  }
}

export async function migrateToRedis(
  dataDir: string,
  redisUrl: string,
  options: { prefix?: string; now?: () => number } = {},
): Promise<MigrationReport> {
  if (!existsSync(dataDir)) throw new StoreError(`DATA_DIR ${dataDir} does not exist: there is nothing to copy.`);
  const now = options.now ?? Date.now;
  const userStore = await openJsonUserStore(dataDir);
  const users = await userStore.list().finally(() => userStore.close());
  const { rooms, invites } = await readJsonRooms(dataDir);
  const revocations = await readJsonRevocations(dataDir);
  const histories = await readJsonCallHistory(dataDir);
  const messages = await readJsonMessages(dataDir);
  const connection = await RedisConnection.open(redisUrl, options.prefix === undefined ? {} : { prefix: options.prefix });
  try {
    const copy = async (dryRun: boolean) => ({
      users: await copyUsersToRedis(connection, users, dryRun),
      ...(await copyRoomsToRedis(connection, { rooms, invites }, dryRun)),
      calls: await copyHistoryToRedis(connection, histories, dryRun),
      messages: await copyMessagesToRedis(connection, messages, dryRun, now()),
    });
    const planned = await copy(true);
    const conflicts = [planned.users, planned.rooms, planned.invites, planned.calls, planned.messages].flatMap((c) => c.conflicts);
    if (conflicts.length > 0) throw new MigrationConflictError(conflicts);
    const copied = await copy(false);
    const store = await openRedisRevocationStore(connection, now);
    const [sessions, cutoffs] = [unexpired(revocations.sessions, now()), unexpired(revocations.users, now())];
    for (const revocation of sessions) await store.revokeSession(revocation);
    for (const revocation of cutoffs) await store.revokeUserSessions(revocation);
    await store.close();
    return { ...copied, revokedSessions: sessions.length, revokedUsers: cutoffs.length };
  } finally {
    await connection.close();
  }
}

/** The report as the admin CLI prints it. */
export function describeMigration(report: MigrationReport, dataDir: string, redisUrl: string): string {
  const line = (what: string, c: CopyCount) => `  ${what}: ${c.copied} copied, ${c.alreadyThere} already there`;
  return [
    `copied ${dataDir} to ${redactedRedisUrl(redisUrl)}:`,
    line('users', report.users),
    line('rooms', report.rooms),
    line('invites', report.invites),
    line('call history entries', report.calls),
    line('kept messages', report.messages),
    `  revocations in force: ${report.revokedSessions} sessions, ${report.revokedUsers} per-user cutoffs (merged)`,
  ].join('\n');
}
