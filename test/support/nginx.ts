/**
 * Debian's real nginx (/usr/sbin/nginx, installed by scripts/ensure-system.sh)
 * in front of several backend nodes, on free loopback ports, for the cluster
 * tests and the load benchmark.
 *
 * Its configuration is the operator's: deploy/nginx-cluster.conf, the file
 * docs/production.md ("Several nodes on Redis") shows verbatim. Loading the
 * template checks that the document still shows it, so the two cannot drift.
 * The harness changes only what a loopback test must: the listen lines (no
 * TLS), the upstream's server list (the nodes' real ports), and the http
 * block's paths (pid, logs and temp files in a folder of its own, never
 * root-owned ones).
 *
 * Besides the balanced listener, a test may ask for one listener per node,
 * "pinned" to it: the same server block, whose upstream has that node first
 * and the others as `backup`. A page loaded there stays on its node while the
 * node lives, and nginx fails it over to a surviving node when it dies,
 * which is what a test that kills "the node of Alice" needs to know where
 * Alice is.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../testing/turn.js';
import { REPO_ROOT, type Lifetime } from './test-backend.js';

export const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
export const CLUSTER_TEMPLATE_PATH = join(REPO_ROOT, 'deploy', 'nginx-cluster.conf');
const PRODUCTION_DOC = join(REPO_ROOT, 'docs', 'production.md');
/** The heading of docs/production.md's section that shows the template. */
export const CLUSTER_SECTION = 'Several nodes on Redis';
/** The name of the template's upstream, which every `proxy_pass` names. */
const UPSTREAM = 'rtc_call';

/**
 * deploy/nginx-cluster.conf, after checking that docs/production.md's
 * "Several nodes on Redis" section shows it as it is (a ```nginx block).
 */
export function clusterTemplate(): string {
  const template = readFileSync(CLUSTER_TEMPLATE_PATH, 'utf8');
  const doc = readFileSync(PRODUCTION_DOC, 'utf8');
  const heading = new RegExp(`^## (\\d+\\. )?${CLUSTER_SECTION}$`, 'm').exec(doc);
  assert.ok(heading, `docs/production.md has no "## ${CLUSTER_SECTION}" section`);
  const end = doc.indexOf('\n## ', heading.index + 1);
  const section = doc.slice(heading.index, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/```nginx\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(
    blocks.includes(template),
    `docs/production.md's "${CLUSTER_SECTION}" no longer shows deploy/nginx-cluster.conf as it is: copy the file into its nginx block`,
  );
  return template;
}

/** Replaces `from` in `text`, failing loudly when the template no longer contains it. */
function replaceIn(text: string, from: string | RegExp, to: string): string {
  const found = typeof from === 'string' ? text.includes(from) : new RegExp(from.source, from.flags.replace('g', '')).test(text);
  assert.ok(found, `deploy/nginx-cluster.conf no longer contains ${String(from)}; update test/support/nginx.ts with it`);
  return text.replace(from, to);
}

/** The template's pieces: the `map`, the upstream block, the proxying server block; the redirect on port 80 is left out. */
function templateParts(template: string): { map: string; upstream: string; server: string } {
  const map = /^map [\s\S]*?^\}\n/m.exec(template)?.[0];
  const upstream = new RegExp(`^upstream ${UPSTREAM} \\{[\\s\\S]*?^\\}\\n`, 'm').exec(template)?.[0];
  const server = /^server \{\n\s*listen 443[\s\S]*?^\}\n/m.exec(template)?.[0];
  assert.ok(map && upstream && server, 'deploy/nginx-cluster.conf: expected a map, `upstream rtc_call` and a `listen 443` server block');
  return { map, upstream, server };
}

/** The upstream block named `name` with the nodes at `ports`, each with the template's server parameters, plus `extra` per node. */
function upstreamFor(upstream: string, name: string, ports: number[], extra: (index: number) => string = () => ''): string {
  const serverLine = /^(\s*)server 127\.0\.0\.1:\d+( [^;]*)?;\n/m.exec(upstream);
  assert.ok(serverLine, 'deploy/nginx-cluster.conf: the upstream has no `server 127.0.0.1:<port> …;` line');
  const [, indent, params = ''] = serverLine;
  const lines = ports.map((port, i) => `${indent}server 127.0.0.1:${port}${params}${extra(i)};\n`).join('');
  const withoutServers = upstream.replace(/^\s*server 127\.0\.0\.1:\d+[^;]*;\n/gm, '');
  // The node list goes where the template's first server line was: after the method and the comments.
  const at = withoutServers.lastIndexOf('\n}');
  return replaceIn(withoutServers.slice(0, at + 1), `upstream ${UPSTREAM} {`, `upstream ${name} {`) + lines + withoutServers.slice(at + 1);
}

/** The server block listening on loopback `port` (no TLS), proxying to upstream `name`. */
function serverFor(server: string, port: number, name: string): string {
  let conf = replaceIn(server, /listen 443 ssl[^;]*;/, `listen 127.0.0.1:${port};`);
  conf = replaceIn(conf, /\n\s*ssl_certificate\s[^\n]*/, '');
  conf = replaceIn(conf, /\n\s*ssl_certificate_key\s[^\n]*/, '');
  return replaceIn(conf, new RegExp(`proxy_pass http://${UPSTREAM};`, 'g'), `proxy_pass http://${name};`);
}

export interface ClusterListeners {
  /** The balanced listener: every node, as the template balances them. */
  port: number;
  /** The nodes' ports. */
  nodes: number[];
  /** One listener per node, pinned to it (the others as `backup`), or none. */
  pinned?: number[];
  /** The ports the balanced listener uses, when not all of `nodes` (a node drained). */
  balanced?: number[];
}

/** The http-block contents: the template's map, upstream and server, on loopback, for `listeners`. */
export function clusterConfig(template: string, listeners: ClusterListeners): string {
  const { map, upstream, server } = templateParts(template);
  const parts = [map, upstreamFor(upstream, UPSTREAM, listeners.balanced ?? listeners.nodes), serverFor(server, listeners.port, UPSTREAM)];
  listeners.pinned?.forEach((port, node) => {
    const name = `${UPSTREAM}_node${node}`;
    // The pinned node first; the others only when it is down.
    const order = [node, ...listeners.nodes.keys()].filter((n, i, all) => all.indexOf(n) === i);
    parts.push(
      upstreamFor(
        upstream,
        name,
        order.map((n) => listeners.nodes[n]!),
        (i) => (i === 0 ? '' : ' backup'),
      ),
    );
    parts.push(serverFor(server, port, name));
  });
  return parts.join('\n');
}

/**
 * Connections one nginx worker is given at most: each is a descriptor, and a process here may
 * hold 20,000 (the hard limit, which nginx cannot raise: `setrlimit` is refused even to root).
 * More connections in all (the benchmark's 10,000 clients, two each) get more workers.
 */
const CONNECTIONS_PER_WORKER = 16_000;

/** nginx's whole configuration around `http`: everything it writes stays in `dir`. */
function mainConfig(dir: string, http: string, workerConnections: number): string {
  const workers = Math.ceil(workerConnections / CONNECTIONS_PER_WORKER);
  const perWorker = Math.ceil(workerConnections / workers);
  return `daemon off;
worker_processes ${workers};
worker_rlimit_nofile ${perWorker + 100};
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} notice;
${process.getuid?.() === 0 ? 'user root;\n' : ''}events { worker_connections ${perWorker}; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
${http}
}
`;
}

async function listening(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(() => resolve(true)));
    socket.on('error', () => resolve(false));
  });
}

export interface RunningNginx {
  /** http://127.0.0.1:<port> of `ports[0]`. */
  origin: string;
  pid: number;
  /** Its error log so far (upstream failures, refused connections). */
  errorLog(): Promise<string>;
  /** Writes a new http block and reloads (SIGHUP): the master re-reads it, old workers finish their connections. */
  reconfigure(http: string): Promise<void>;
  /** SIGQUIT (graceful), SIGKILL after 5 s; removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts nginx in the foreground with `http` as its http block; resolves once
 * every one of `ports` accepts connections. Pass `t` to stop it after the test.
 */
export async function startNginx(http: string, ports: number[], t?: Lifetime, workerConnections = 4096): Promise<RunningNginx> {
  assert.ok(existsSync(NGINX), `${NGINX} is missing: run scripts/ensure-system.sh (Debian package nginx)`);
  const dir = await mkdtemp(join(tmpdir(), 'rtc-call-nginx-'));
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(dir, sub));
  const conf = join(dir, 'nginx.conf');
  await writeFile(conf, mainConfig(dir, http, workerConnections));
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errorLog = () => readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    })());
  t?.after(stop);
  for (let attempt = 0; ; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}${await errorLog()}`);
    if ((await Promise.all(ports.map(listening))).every(Boolean)) break;
    if (attempt > 200) {
      await stop();
      throw new Error(`nginx did not listen on ${ports.join(', ')}: ${stderr}${await errorLog()}`);
    }
    await sleep(50);
  }
  return {
    origin: `http://127.0.0.1:${ports[0]}`,
    pid: child.pid!,
    errorLog,
    async reconfigure(next: string) {
      await writeFile(conf, mainConfig(dir, next, workerConnections));
      const before = await errorLog();
      child.kill('SIGHUP');
      // Done once the new workers run and the old ones stopped accepting (they log shutting down, or exit when idle):
      // until then an old worker may still take a new connection with the old upstreams.
      const reloaded = (log: string) => log.includes('start worker process') && /gracefully shutting down|exited with code/.test(log);
      for (let i = 0; !reloaded((await errorLog()).slice(before.length)); i += 1) {
        if (i > 400) throw new Error(`nginx did not reload within 10 s:\n${(await errorLog()).slice(before.length)}`);
        await sleep(25);
      }
    },
    stop,
  };
}

export interface ClusterNginx extends RunningNginx {
  /** The balanced listener's origin. */
  balanced: string;
  /** Per node, the origin of its pinned listener (empty unless asked for). */
  pinned: string[];
  /** Balances over the nodes at `nodePorts` from now on (a node drained, or added back) by a reload; pinned listeners stay. */
  setNodes(nodePorts: number[]): Promise<void>;
}

/** nginx on the cluster template in front of the nodes at `nodePorts`, with a pinned listener per node if `pin`. */
export async function startClusterNginx(
  nodePorts: number[],
  options: { pin?: boolean; t?: Lifetime; workerConnections?: number } = {},
): Promise<ClusterNginx> {
  const port = await freePort('127.0.0.1');
  const pinned: number[] = [];
  if (options.pin) for (let i = 0; i < nodePorts.length; i += 1) pinned.push(await freePort('127.0.0.1'));
  const template = clusterTemplate();
  const nginx = await startNginx(
    clusterConfig(template, { port, nodes: nodePorts, pinned }),
    [port, ...pinned],
    options.t,
    options.workerConnections,
  );
  return {
    ...nginx,
    balanced: nginx.origin,
    pinned: pinned.map((p) => `http://127.0.0.1:${p}`),
    setNodes: (nodes) => nginx.reconfigure(clusterConfig(template, { port, nodes: nodePorts, pinned, balanced: nodes })),
  };
}
