/**
 * The parent side of a broker child process: report the port once
 * listening, answer memory requests (after a full GC, so the figure is live
 * memory rather than garbage), stop on request or when the parent goes away.
 */
import type { BrokerChildCommand, BrokerChildMessage } from './protocol.js';

const gc = (globalThis as { gc?: () => void }).gc;

export function serveParent(port: number, stop: () => Promise<void>): void {
  const send = (message: BrokerChildMessage) => process.send?.(message);
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    // Bounded: a broker that cannot close in 5 s is killed by its own timer.
    setTimeout(() => process.exit(1), 5000).unref();
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('message', (command: BrokerChildCommand) => {
    if (command.cmd === 'memory') {
      gc?.();
      gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      send({ type: 'memory', rss, heapUsed });
    } else if (command.cmd === 'stop') {
      shutdown();
    }
  });
  process.on('disconnect', shutdown);
  send({ type: 'ready', port });
}
