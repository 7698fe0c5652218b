#!/usr/bin/env node
/**
 * Admin CLI on the same user store as the backend (DATA_DIR):
 *
 *   npm run admin -- list
 *   npm run admin -- add --name <name> --email <email> [--password <pw>]
 *   npm run admin -- reset-password --email <email> [--password <pw>]
 *   npm run admin -- delete --email <email>
 *   npm run admin -- delete --id=<id>      (any account: site accounts and guests have no email;
 *                                          `=` because an id may start with "-")
 *   npm run admin -- migrate-to-redis      (copies DATA_DIR's JSON stores into REDIS_URL)
 *
 * With REDIS_URL set, the commands work on the stores in Redis (what the
 * nodes share), else on the JSON files in DATA_DIR.
 *
 * reset-password and delete also sign the user out everywhere: the running
 * backend refuses their tokens and closes their connections within a second.
 * delete also takes the user out of the rooms made on the backend, and deletes
 * the rooms they made with their invites (the running backend sees it within
 * a second too).
 *
 * A missing --password is asked for on the terminal (not echoed) or read
 * from the first line of standard input when that is not a terminal.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Accounts, InvalidInputError, normalizeEmail } from './accounts.js';
import { ConfigError, loadConfig } from './config.js';
import { revokeUserSessions } from './sessions.js';
import { openStores } from './store/open-stores.js';
import { EmailTakenError, StoreError, type StoredUser, type UserStore } from './store/user-store.js';

const USAGE = `usage: npm run admin -- <command> [options]
  list                                          list users (id, name, email or site, created)
  add --name <name> --email <email> [--password <pw>]
  reset-password --email <email> [--password <pw>]
  delete --email <email> | --id=<id>           any account by id: site accounts and guests have no email
                                                (write --id=<id>: an id may start with "-")
  migrate-to-redis                              copy DATA_DIR's users, revocations, rooms, invites, call history and kept messages into REDIS_URL
Works on the stores in Redis when REDIS_URL is set, else on the files in DATA_DIR (default ./data).`;

/** A failure the operator can fix; printed without a stack trace. */
class UsageError extends Error {}

async function readPassword(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    const rl = createInterface({ input });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    throw new UsageError('no password given (use --password or pass it on standard input)');
  }
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let password = '';
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          finish();
          return resolve(password);
        }
        if (char === '\u0003') {
          finish();
          return reject(new UsageError('cancelled'));
        }
        if (char === '\u007f') password = password.slice(0, -1);
        else password += char;
      }
    };
    const finish = () => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
    };
    input.on('data', onData);
  });
}

/** How `list` shows who an account is: its email, or whose site account or which guest it is. */
function describe(user: StoredUser): string {
  if (user.site) return `(site ${user.site.iss})`;
  if (user.guest) return `(guest until ${new Date(user.guest.expiresAt).toISOString()})`;
  return user.email;
}

/** The user `delete` names, by exactly one of --email and --id. */
async function userToDelete(store: UserStore, values: { email?: string | undefined; id?: string | undefined }): Promise<StoredUser> {
  if ((values.email === undefined) === (values.id === undefined))
    throw new UsageError(`delete needs --email or --id (one of them)\n${USAGE}`);
  if (values.id !== undefined) {
    const user = await store.findById(required(values.id, 'id'));
    if (!user) throw new UsageError(`no user with id ${values.id}`);
    return user;
  }
  const email = normalizeEmail(required(values.email, 'email'));
  const user = await store.findByEmail(email);
  if (!user) throw new UsageError(`no user with email ${email}`);
  return user;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing --${flag}\n${USAGE}`);
  return value;
}

async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      email: { type: 'string' },
      id: { type: 'string' },
      password: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...extra] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    if (!command && !values.help) process.exitCode = 2;
    return;
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"\n${USAGE}`);
  if (!['list', 'add', 'reset-password', 'delete', 'migrate-to-redis'].includes(command)) {
    throw new UsageError(`unknown command "${command}"\n${USAGE}`);
  }

  const config = loadConfig();
  if (command === 'migrate-to-redis') {
    if (config.redisUrl === undefined) throw new UsageError('migrate-to-redis copies DATA_DIR into REDIS_URL: set REDIS_URL');
    // Imported for this command only: the others need no Redis packages.
    const { describeMigration, migrateToRedis } = await import('./store/migrate-to-redis.js');
    const report = await migrateToRedis(config.dataDir, config.redisUrl);
    console.log(describeMigration(report, config.dataDir, config.redisUrl));
    return;
  }
  // This process runs one command: it need not watch rooms.json.
  const stores = await openStores(config, { watchRooms: false });
  const { users: store, revocations, rooms, history } = stores;
  // After the change, so that a sign-in with the old password just before it is revoked too.
  const signOutEverywhere = (userId: string) => revokeUserSessions(revocations, userId, config.sessionMaxAgeSeconds);
  const accounts = new Accounts(store, config.scryptCost);
  try {
    switch (command) {
      case 'list': {
        const users = await store.list();
        if (users.length === 0) console.log('no users');
        // A site account has no email: show whose it is instead.
        for (const u of users) console.log(`${u.id}\t${u.name}\t${describe(u)}\t${u.createdAt}`);
        break;
      }
      case 'add': {
        const name = required(values.name, 'name');
        const email = required(values.email, 'email');
        const password = values.password ?? (await readPassword('password: '));
        const user = await accounts.register({ name, email, password });
        console.log(`added ${user.id}\t${user.name}\t${user.email}`);
        break;
      }
      case 'reset-password': {
        const email = required(values.email, 'email');
        const password = values.password ?? (await readPassword('new password: '));
        const userId = await accounts.resetPassword(email, password);
        if (!userId) throw new UsageError(`no user with email ${normalizeEmail(email)}`);
        await signOutEverywhere(userId);
        console.log(`password reset for ${normalizeEmail(email)}; signed out everywhere`);
        break;
      }
      case 'delete': {
        const user = await userToDelete(store, values);
        if (!(await store.delete(user.id))) throw new UsageError(`no user with id ${user.id}`);
        await signOutEverywhere(user.id);
        await rooms.deleteUser(user.id);
        // Their own history goes with them; the other people keep their entries of calls with them.
        await history.deleteOwner(user.id);
        console.log(`deleted ${user.id}\t${describe(user)}; signed out everywhere`);
        break;
      }
    }
  } finally {
    await stores.close();
  }
}

try {
  await run(process.argv.slice(2));
} catch (error) {
  const known =
    error instanceof UsageError ||
    error instanceof InvalidInputError ||
    error instanceof ConfigError ||
    error instanceof StoreError ||
    error instanceof EmailTakenError ||
    (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ||
    (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE';
  console.error(`error: ${known ? (error as Error).message : (error as Error).stack}`);
  process.exitCode = 1;
}
