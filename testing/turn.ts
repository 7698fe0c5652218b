/**
 * coturn for rtc-call: a reusable launcher (`startTurnServer`) that the
 * testing kit (`startTestBackend({ turn: true })`), our own tests and
 * `npm run turn` (scripts/turn.ts) share, so tests run the very server a
 * developer runs.
 *
 * coturn runs in its `use-auth-secret` mode: it accepts the time-limited
 * credentials the backend hands out at `GET /api/ice-servers`
 * (`username = "<expiry>:<userId>"`, `credential = base64(HMAC-SHA1(secret,
 * username))`) and refuses them once the expiry has passed.
 *
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TURNSERVER_PATH = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';
export const DEFAULT_TURN_PORT = 3478;
export const DEFAULT_REALM = 'rtc-call';

/**
 * Peer addresses a relay must never reach: private, shared, link-local and
 * unique-local ranges. Without this a TURN allocation is an open door from
 * the internet into the server's own network. (Loopback is refused by coturn
 * unless `--allow-loopback-peers`; multicast by `--no-multicast-peers`.)
 */
export const DENIED_PEER_RANGES: readonly string[] = [
  '0.0.0.0-0.255.255.255',
  '10.0.0.0-10.255.255.255',
  '100.64.0.0-100.127.255.255',
  '169.254.0.0-169.254.255.255',
  '172.16.0.0-172.31.255.255',
  '192.168.0.0-192.168.255.255',
  '198.18.0.0-198.19.255.255',
  '::ffff:0.0.0.0-::ffff:255.255.255.255',
  'fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  'fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
];

export interface TurnServerOptions {
  /** The backend's TURN_SECRET (coturn `--static-auth-secret`). */
  secret: string;
  /** Listening port for UDP and TCP; 0 or unset = a free port. */
  port?: number;
  /** Address coturn listens on; loopback by default. */
  listeningIp?: string;
  /** Address relay sockets are opened on; defaults to `listeningIp`. */
  relayIp?: string;
  /** Public address when the server sits behind 1:1 NAT (a cloud VM): coturn `--external-ip`. */
  externalIp?: string;
  realm?: string;
  /** Relay port range (UDP); each call uses a few. */
  minPort?: number;
  maxPort?: number;
  /** Receives coturn's log lines; by default they are kept only for error messages. */
  onLog?: (line: string) => void;
  /** How long to wait for coturn to answer a STUN request. */
  startTimeoutMs?: number;
  /** coturn binary. */
  binary?: string;
}

export interface RunningTurnServer {
  /** URLs for TURN_URLS: UDP and TCP on the listening address. */
  urls: string[];
  host: string;
  port: number;
  pid: number;
  /** The shared secret it checks credentials with (the backend's TURN_SECRET). */
  secret: string;
  /** Resolves with the reason when coturn exits (stopped or crashed). */
  exited: Promise<string>;
  /** Stops coturn and waits until it has exited. */
  stop(): Promise<void>;
}

const isLoopback = (ip: string) => ip === '::1' || ip.startsWith('127.');

/** URL host part: IPv6 literals go in brackets. */
const urlHost = (ip: string) => (ip.includes(':') ? `[${ip}]` : ip);

export function turnUrls(host: string, port: number): string[] {
  return [`turn:${urlHost(host)}:${port}?transport=udp`, `turn:${urlHost(host)}:${port}?transport=tcp`];
}

/**
 * coturn's command line. Pure, so it is unit-tested and shown in the docs.
 * `-n`: ignore /etc/turnserver.conf, so nothing but these flags applies.
 */
export function turnServerArgs(options: TurnServerOptions & { port: number; stateDir: string }): string[] {
  if (!options.secret) throw new Error('a TURN secret is required (TURN_SECRET)');
  const listeningIp = options.listeningIp ?? '127.0.0.1';
  const relayIp = options.relayIp ?? listeningIp;
  const minPort = options.minPort ?? 49152;
  const maxPort = options.maxPort ?? 65535;
  if (!(Number.isInteger(minPort) && Number.isInteger(maxPort) && minPort >= 1024 && minPort <= maxPort && maxPort <= 65535)) {
    throw new Error(`relay port range ${minPort}-${maxPort} is not a range within 1024-65535`);
  }
  const args = [
    '-n',
    '--use-auth-secret',
    `--static-auth-secret=${options.secret}`,
    `--realm=${options.realm ?? DEFAULT_REALM}`,
    // TLS belongs in front (docs/production.md): browsers reach turn: over UDP/TCP.
    '--no-tls',
    '--no-dtls',
    `--listening-ip=${listeningIp}`,
    `--relay-ip=${relayIp}`,
    `--listening-port=${options.port}`,
    `--min-port=${minPort}`,
    `--max-port=${maxPort}`,
    '--fingerprint',
    '--no-multicast-peers',
    ...DENIED_PEER_RANGES.map((range) => `--denied-peer-ip=${range}`),
    // The telnet admin console listens on a fixed port with an empty password by default.
    '--no-cli',
    '--no-software-attribute',
    '--log-file=stdout',
    '--simple-log',
    // Pid file and (unused, but always opened) SQLite user db in a folder of our own, not /var.
    `--pidfile=${join(options.stateDir, 'turnserver.pid')}`,
    `--userdb=${join(options.stateDir, 'turndb')}`,
  ];
  // Both browsers of a local test run sit on loopback; never on a public server.
  if (isLoopback(listeningIp)) args.push('--allow-loopback-peers');
  if (options.externalIp) args.push(`--external-ip=${options.externalIp}`);
  return args;
}

/** A port free for both UDP and TCP on `host` right now. */
export async function freePort(host: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, host, () => resolve(udp.address().port));
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, host, () => server.close(() => resolve(true)));
    });
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (tcpFree) return port;
  }
  throw new Error(`no free UDP+TCP port on ${host}`);
}

const STUN_MAGIC_COOKIE = 0x2112a442;

/** Sends STUN Binding requests until one is answered: coturn is then really serving. */
async function waitForStun(host: string, port: number, timeoutMs: number, exited: () => string | null): Promise<void> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const transactionId = randomBytes(12);
  const request = Buffer.alloc(20);
  request.writeUInt16BE(0x0001, 0); // Binding Request
  request.writeUInt16BE(0, 2); // no attributes
  request.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  transactionId.copy(request, 8);
  try {
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      let timer: ReturnType<typeof setTimeout> | undefined;
      socket.on('message', (msg) => {
        // Binding Success Response with our transaction id.
        if (msg.length >= 20 && msg.readUInt16BE(0) === 0x0101 && msg.subarray(8, 20).equals(transactionId)) {
          clearTimeout(timer);
          resolve();
        }
      });
      socket.on('error', () => undefined); // ICMP port unreachable before coturn binds: keep trying
      const tick = () => {
        const why = exited();
        if (why !== null) return reject(new Error(why));
        if (Date.now() > deadline) return reject(new Error(`coturn did not answer STUN on ${host}:${port} within ${timeoutMs} ms`));
        socket.send(request, port, host);
        timer = setTimeout(tick, 100);
      };
      tick();
    });
  } finally {
    socket.close();
  }
}

/** Every coturn this process started, killed if the process exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}

/** Starts coturn and resolves once it answers STUN on its port. */
export async function startTurnServer(options: TurnServerOptions): Promise<RunningTurnServer> {
  const host = options.listeningIp ?? '127.0.0.1';
  const port = options.port ? options.port : await freePort(host);
  // Bad options fail here, before anything is created.
  turnServerArgs({ ...options, port, stateDir: tmpdir() });
  const dir = await mkdtemp(join(tmpdir(), 'rtc-call-turn-'));
  const args = turnServerArgs({ ...options, port, stateDir: dir });

  const recent: string[] = [];
  let exitReason: string | null = null;
  const child = spawn(options.binary ?? TURNSERVER_PATH, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit(child);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      exitReason = `coturn exited (${signal ?? `code ${code}`})`;
      resolve(exitReason);
    });
    child.once('error', (error) => {
      exitReason = `coturn could not start: ${error.message}`;
      resolve(exitReason);
    });
  });
  let partial = '';
  const onData = (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      recent.push(line);
      if (recent.length > 40) recent.shift();
      options.onLog?.(line);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (exitReason === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(killer);
      }
      await rm(dir, { recursive: true, force: true });
    })());

  try {
    await waitForStun(host, port, options.startTimeoutMs ?? 10_000, () => exitReason);
  } catch (error) {
    await stop();
    const log = recent.length ? `\ncoturn said:\n  ${recent.join('\n  ')}` : '';
    throw new Error(`${(error as Error).message}${log}`, { cause: error });
  }
  return { urls: turnUrls(host, port), host, port, pid: child.pid!, secret: options.secret, exited, stop };
}
