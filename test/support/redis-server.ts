/**
 * Debian's real redis-server (/usr/bin/redis-server, installed by
 * scripts/ensure-system.sh) on a free loopback port, without persistence,
 * stopped in `t.after`. Each test file (or test) gets a server of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../testing/turn.js';
import type { Lifetime } from './test-backend.js';

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface TestRedis {
  /** redis://127.0.0.1:<port> */
  url: string;
  port: number;
  /** SIGTERM, then waits for the process to end. */
  stop(): Promise<void>;
}

/** Resolves once the server logs that it accepts connections; rejects with its output if it exits first. */
export function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)));
  });
}

export interface StartRedisOptions {
  /** Keep the data across `halt()` and `resume()` (append-only file, fsync on every write), as a production Redis does. */
  durable?: boolean;
}

export interface RestartableRedis extends TestRedis {
  /** SIGTERM, keeping its folder: clients see Redis go away. */
  halt(): Promise<void>;
  /** Starts it again on the same port and folder. */
  resume(): Promise<void>;
}

/** Starts redis-server; pass `t` to stop it (and remove its folder) after the test. */
export async function startRedis(t?: Lifetime, options: StartRedisOptions = {}): Promise<RestartableRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'rtc-call-redis-'));
  const port = await freePort('127.0.0.1');
  const persistence = options.durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir];
  let child: ChildProcess;
  let exited: Promise<void>;
  async function launch(): Promise<void> {
    child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await ready(child);
  }
  async function halt(): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  }
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await halt();
      await rm(dir, { recursive: true, force: true });
    })());
  try {
    await launch();
  } catch (error) {
    await stop();
    throw error;
  }
  t?.after(stop);
  return { url: `redis://127.0.0.1:${port}`, port, stop, halt, resume: launch };
}
