/**
 * `broker/main.ts` as its own process (as in production), with extra
 * environment: resolves once it printed its URL, with the time that took.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export interface MainProcess {
  origin: string;
  /** ms from spawn until it printed its URL. */
  ms: number;
  pid: number;
  stop(): Promise<void>;
}

export async function startMainProcess(dataDir: string, env: Record<string, string> = {}): Promise<MainProcess> {
  const start = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'broker/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const origin = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`backend exited with ${code}`)));
  });
  const ms = performance.now() - start;
  const stop = () => new Promise<void>((resolve) => (child.kill('SIGTERM'), child.on('exit', () => resolve())));
  return { origin, ms, pid: child.pid!, stop };
}
