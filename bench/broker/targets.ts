/**
 * The brokers under test, each in its own process so that its RSS is its own:
 * the rtc-call backend, bare Aedes, and Debian's Mosquitto with a password
 * file and an ACL giving the same per-user rules.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../../broker/config.js';
import { Redis } from 'ioredis';
import { migrateToRedis } from '../../broker/store/migrate-to-redis.js';
import { Cluster } from '../../test/cluster/cluster.js';
import { INBOX_PREFIX, MQTT_PATH, PRESENCE_PREFIX } from '../../src/protocol/index.js';
import { forkTs, nextMessage, spawnTracked, stopChild } from './processes.js';
import type { BrokerChildMessage, LoadUser } from './protocol.js';

export interface Memory {
  rss: number;
  /** Only for Node brokers. */
  heapUsed?: number;
}

export interface BrokerUnderTest {
  name: string;
  /** ws://127.0.0.1:<port>/mqtt */
  url: string;
  origin: string;
  pid: number;
  memory(): Promise<Memory>;
  /** What the broker's own logs say went wrong (a load balancer's error log), when clients failed; '' when nothing. */
  problems?(): Promise<string>;
  stop(): Promise<void>;
}

const HERE = import.meta.dirname;

/** Set by `--profile <dir>`: Node brokers write a CPU profile there when they stop. */
let profileDir: string | undefined;
export function profileNodeBrokers(dir: string): void {
  profileDir = dir;
}

async function startNodeBroker(name: string, file: string, env: NodeJS.ProcessEnv = {}): Promise<BrokerUnderTest> {
  // One folder per broker: tsx's loader thread writes a (small) profile of its own next to the main thread's.
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name.replace(/\W+/g, '-'))}`] : [];
  const child = forkTs(join(HERE, file), { env, execArgv: ['--expose-gc', ...profile] });
  const port = await nextMessage(child, (m: BrokerChildMessage) => (m.type === 'ready' ? m.port : undefined), 30_000, `${name} start`);
  return {
    name,
    url: `ws://127.0.0.1:${port}${MQTT_PATH}`,
    origin: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async memory() {
      child.send({ cmd: 'memory' });
      return nextMessage(child, (m: BrokerChildMessage) => (m.type === 'memory' ? m : undefined), 30_000, `${name} memory`);
    },
    stop: () => stopChild(child, () => child.send({ cmd: 'stop' })),
  };
}

export function startProduct(overrides: Partial<Config>): Promise<BrokerUnderTest> {
  return startNodeBroker('rtc-call', 'product-server.ts', { BENCH_BACKEND_CONFIG: JSON.stringify(overrides) });
}

export function startBareAedes(): Promise<BrokerUnderTest> {
  return startNodeBroker('bare Aedes', 'bare-aedes-server.ts');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} not listening after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The product's per-user rules in Mosquitto's ACL language: `%u` is the
 * username (= user id). `pattern write rtc/v1/inbox/+/%u` works in 2.0.11:
 * a client may write only its own sender slot. Presence is written by each
 * client for itself (no backend to do it).
 */
export const MOSQUITTO_ACL = [
  `pattern read ${INBOX_PREFIX}%u/+`,
  `pattern write ${INBOX_PREFIX}+/%u`,
  `pattern write ${PRESENCE_PREFIX}%u`,
  // `topic` lines before any `user` line would only apply to anonymous clients.
  `pattern read ${PRESENCE_PREFIX}+`,
  '',
].join('\n');

/**
 * Debian's Mosquitto 2.0.11. Its websockets listener comes from libwebsockets
 * and (a) will not start without a native listener next to it and (b)
 * ignores a bind address (upstream issues #2284, #3045, won't fix in 2.0.x):
 * the native listener is on 127.0.0.1, the websockets one on a random port,
 * password-protected, for the length of the run.
 */
export async function startMosquitto(users: LoadUser[]): Promise<BrokerUnderTest> {
  const dir = await mkdtemp(join(tmpdir(), 'rtc-bench-mosquitto-'));
  const passwd = join(dir, 'passwd');
  await writeFile(passwd, users.map((u) => `${u.id}:${u.password}`).join('\n') + '\n', { mode: 0o600 });
  await promisify(execFile)('mosquitto_passwd', ['-U', passwd]);
  await writeFile(join(dir, 'acl'), MOSQUITTO_ACL);
  const [nativePort, wsPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      'per_listener_settings false',
      'allow_anonymous false',
      `password_file ${passwd}`,
      `acl_file ${join(dir, 'acl')}`,
      'persistence false',
      // As root it would switch to the mosquitto user, which cannot read these files.
      'user root',
      // QoS 0 to connected clients, no queue limit: nothing dropped that the others would deliver.
      'max_queued_messages 0',
      'set_tcp_nodelay true',
      'log_dest stderr',
      'log_type error',
      `listener ${nativePort} 127.0.0.1`,
      `listener ${wsPort}`,
      'protocol websockets',
      '',
    ].join('\n'),
  );
  const child = spawnTracked('/usr/sbin/mosquitto', ['-c', conf]);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await waitForPort(wsPort, 10_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`mosquitto did not start: ${stderr.trim() || String(error)}`, { cause: error });
  }
  return {
    name: 'Mosquitto',
    url: `ws://127.0.0.1:${wsPort}${MQTT_PATH}`,
    origin: `http://127.0.0.1:${wsPort}`,
    pid: child.pid!,
    async memory() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
      return { rss: kb * 1024 };
    },
    async stop() {
      await stopChild(child, () => child.kill('SIGTERM'));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** RSS of a process from /proc (bytes), 0 once it is gone. */
async function rssOf(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0) * 1024;
}

export interface ClusterUnderTest extends BrokerUnderTest {
  /** The cluster's Redis, for INFO commandstats. */
  redisUrl: string;
  /** Redis's used_memory growth from copying the seeded users in (migrate-to-redis), and how many. */
  usersMemory: { bytes: number; users: number };
}

/** Redis's `used_memory` (bytes). */
async function usedMemory(redisUrl: string): Promise<number> {
  const redis = new Redis(redisUrl);
  try {
    return Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1]);
  } finally {
    redis.disconnect();
  }
}

/**
 * `nodes` backend processes on one redis-server behind the documented nginx
 * (test/cluster/cluster.ts). `dataDir` holds the seeded users file: it is
 * copied into Redis (`migrate-to-redis`) before the nodes start. Memory is
 * the nodes' RSS plus Redis's; nginx's is left out, as it is for the
 * single process.
 */
export async function startCluster(
  nodes: 1 | 2 | 3,
  dataDir: string,
  env: Record<string, string>,
  clients: number,
): Promise<ClusterUnderTest> {
  const usersMemory = { bytes: 0, users: 0 };
  const cluster = await Cluster.start({
    nodes,
    env,
    inheritStderr: true,
    // nginx holds two sockets per client (the client's and the node's), and some to spare.
    workerConnections: Math.max(16_000, clients * 2 + 1_000),
    beforeNodes: async (redisUrl) => {
      const before = await usedMemory(redisUrl);
      const report = await migrateToRedis(dataDir, redisUrl);
      usersMemory.bytes = (await usedMemory(redisUrl)) - before;
      usersMemory.users = report.users.copied;
    },
  });
  return {
    name: `${nodes} node${nodes > 1 ? 's' : ''} + Redis`,
    url: `${cluster.origin.replace(/^http/, 'ws')}${MQTT_PATH}`,
    origin: cluster.origin,
    pid: cluster.nginx.pid,
    redisUrl: cluster.redis.url,
    usersMemory,
    async problems() {
      // nginx's error log, one line per kind of problem with its count (its lines differ only in addresses and times).
      const kinds = new Map<string, number>();
      for (const line of (await cluster.nginx.errorLog()).split('\n')) {
        const match = /\[(error|crit|alert|emerg)\] \d+#\d+: \*?\d* ?(.*?)(, client:|$)/.exec(line);
        if (!match) continue;
        const kind = `${match[1]}: ${match[2]!.replace(/\d+/g, 'N')}`;
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
      return [...kinds].map(([kind, count]) => `nginx ${kind} (${count}×)`).join('\n');
    },
    async memory() {
      const pids = [...cluster.nodes.map((n) => n.process?.child.pid), cluster.redis.pid];
      const rss = (await Promise.all(pids.map(rssOf))).reduce((a, b) => a + b, 0);
      return { rss };
    },
    stop: () => cluster.stop(),
  };
}
