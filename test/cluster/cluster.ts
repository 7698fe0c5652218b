/**
 * A cluster as an operator runs it, on loopback: one real redis-server, 2 or
 * 3 backend nodes (`broker/main.ts`, each its own process, SIGKILL-able,
 * same REDIS_URL and JWT_SECRET, own DATA_DIR and fixed PORT so a restarted
 * node comes back where nginx expects it), and Debian's nginx on the
 * documented configuration (test/support/nginx.ts) in front of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../testing/turn.js';
import { startClusterNginx, type ClusterNginx } from '../support/nginx.js';
import { REDIS_SERVER, ready } from '../support/redis-server.js';
import { startMainProcess, type Lifetime, type MainProcess } from '../support/test-backend.js';

/**
 * The testing kit's relaxed settings (TEST_BACKEND_SETTINGS, RELAXED_PUBLISH_LIMITS)
 * as environment variables: a test run registers and signs in many times from one address.
 */
export const RELAXED_NODE_ENV: Record<string, string> = {
  SCRYPT_COST: '1024',
  AUTH_RATE_MAX: '100000',
  LOGIN_FAILURES_PER_EMAIL: '1000',
  LOGIN_FAILURES_PER_ADDRESS: '100000',
  PUBLISH_RATE: '1000',
  PUBLISH_BURST: '10000',
  USER_PUBLISH_RATE: '1000',
  USER_PUBLISH_BURST: '10000',
};

/**
 * redis-server as an operator runs it for accounts that must survive a
 * restart (broker/README.md: `appendonly yes`), on a fixed loopback port so
 * that it can be stopped and started again where the nodes expect it.
 * (test/support/redis-server.ts starts a throwaway one per test instead.)
 */
export class ClusterRedis {
  private child: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<ClusterRedis> {
    const redis = new ClusterRedis(await freePort('127.0.0.1'), await mkdtemp(join(tmpdir(), 'rtc-call-cluster-redis-')));
    await redis.startProcess();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts redis-server (again); resolves once it accepts connections. */
  async startProcess(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes'];
    const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await ready(child);
  }

  /** SIGTERM (Redis writes its append-only file and exits), resolved once it exited. */
  async stopProcess(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  async restart(downMs = 0): Promise<void> {
    await this.stopProcess();
    await sleep(downMs);
    await this.startProcess();
  }

  async stop(): Promise<void> {
    await this.stopProcess();
    await rm(this.dir, { recursive: true, force: true });
  }
}

export interface ClusterNode {
  /** 0, 1, 2: its place in nginx's upstream. */
  index: number;
  port: number;
  /** http://127.0.0.1:<port>: the node itself, bypassing nginx. */
  origin: string;
  /** The running process, or undefined while the node is down. */
  process?: MainProcess;
}

export interface ClusterOptions {
  nodes: 1 | 2 | 3;
  /** A pinned nginx listener per node (test/support/nginx.ts). */
  pin?: boolean;
  /** Environment of every node on top of REDIS_URL, JWT_SECRET, TRUST_PROXY and RELAXED_NODE_ENV. */
  env?: Record<string, string>;
  /** Let the nodes' stderr through (benchmarks). */
  inheritStderr?: boolean;
  /** nginx's worker_connections (each client holds two: its own and the one to the node). */
  workerConnections?: number;
  /** Called with Redis's URL before the nodes start (to copy users in). */
  beforeNodes?: (redisUrl: string) => Promise<void>;
}

export class Cluster {
  private constructor(
    readonly redis: ClusterRedis,
    readonly nodes: ClusterNode[],
    readonly nginx: ClusterNginx,
    private readonly env: Record<string, string>,
    private readonly dataDirs: string[],
    private readonly inheritStderr: boolean,
  ) {}

  /** Starts Redis, the nodes one after the other, then nginx; everything stops when `t` ends (or on `stop()`). */
  static async start(options: ClusterOptions, t?: Lifetime): Promise<Cluster> {
    const redis = await ClusterRedis.start();
    const env = {
      ...RELAXED_NODE_ENV,
      REDIS_URL: redis.url,
      JWT_SECRET: randomBytes(32).toString('base64url'),
      TRUST_PROXY: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...options.env,
    };
    const nodes: ClusterNode[] = [];
    const dataDirs: string[] = [];
    for (let index = 0; index < options.nodes; index += 1) {
      const port = await freePort('127.0.0.1');
      nodes.push({ index, port, origin: `http://127.0.0.1:${port}` });
      dataDirs.push(await mkdtemp(join(tmpdir(), `rtc-call-node${index}-`)));
    }
    const nginx = await startClusterNginx(
      nodes.map((n) => n.port),
      { pin: options.pin ?? false, ...(options.workerConnections && { workerConnections: options.workerConnections }) },
    );
    const cluster = new Cluster(redis, nodes, nginx, env, dataDirs, options.inheritStderr ?? false);
    t?.after(() => cluster.stop());
    try {
      await options.beforeNodes?.(redis.url);
      for (const node of nodes) await cluster.startNode(node.index);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** The balanced listener's origin (nginx). */
  get origin(): string {
    return this.nginx.balanced;
  }

  /** Node `index`'s pinned nginx listener (needs `pin`). */
  pinned(index: number): string {
    const origin = this.nginx.pinned[index];
    if (!origin) throw new Error(`node ${index} has no pinned listener: start the cluster with pin: true`);
    return origin;
  }

  /** Starts node `index` on its port (again, after a kill or a stop). */
  async startNode(index: number): Promise<MainProcess> {
    const node = this.node(index);
    if (node.process && running(node.process)) throw new Error(`node ${index} is already running`);
    node.process = await startMainProcess({
      dataDir: this.dataDirs[index]!,
      env: { ...this.env, PORT: String(node.port) },
      inheritStderr: this.inheritStderr,
      timeoutMs: 60_000,
    });
    return node.process;
  }

  /** SIGKILL: no shutdown of any kind (no wills, no presence cleared, sockets cut by the kernel). */
  async killNode(index: number): Promise<void> {
    const child = this.node(index).process?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.node(index).process = undefined;
  }

  /** SIGTERM, as systemd stops it: the node closes its clients and clears its presence. */
  async stopNode(index: number): Promise<void> {
    await this.node(index).process?.stop();
    this.node(index).process = undefined;
  }

  /** A graceful stop, then a start on the same port; resolves once the node answers /healthz directly. */
  async restartNode(index: number): Promise<void> {
    await this.stopNode(index);
    await this.startNode(index);
    await this.healthy(index);
  }

  /** Balances nginx over these nodes only (an operator draining one before maintenance), by a reload. */
  async balanceOver(indexes: number[]): Promise<void> {
    await this.nginx.setNodes(indexes.map((i) => this.node(i).port));
  }

  /** Waits until node `index` answers /healthz on its own port. */
  async healthy(index: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ok = await fetch(`${this.node(index).origin}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`node ${index} not healthy after ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  node(index: number): ClusterNode {
    const node = this.nodes[index];
    if (!node) throw new Error(`no node ${index} (the cluster has ${this.nodes.length})`);
    return node;
  }

  private stopping: Promise<void> | undefined;
  /** Kills every node, stops nginx and Redis, removes the data folders. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      for (const node of this.nodes) await this.killNode(node.index);
      await this.nginx.stop();
      await this.redis.stop();
      for (const dir of this.dataDirs) await rm(dir, { recursive: true, force: true });
    })());
  }
}

function running(process: MainProcess): boolean {
  return process.child.exitCode === null && process.child.signalCode === null;
}
