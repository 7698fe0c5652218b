/**
 * The test backend (real HTTP API and Aedes broker, loopback) in a child
 * process, as it runs in production: the benchmark's browser driver then
 * never shares the broker's event loop, which would add its own pauses to
 * every relayed message.
 */
import { fork } from 'node:child_process';

export interface BackendProcess {
  origin: string;
  close(): Promise<void>;
}

export async function startBackendProcess(): Promise<BackendProcess> {
  const child = fork(new URL('./backend-child.ts', import.meta.url).pathname, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const origin = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { origin: string }).origin));
    child.once('exit', (code) => reject(new Error(`the backend process exited with code ${code} before listening`)));
  });
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
