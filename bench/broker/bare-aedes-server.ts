/**
 * Broker child: Aedes over WebSocket with no hooks at all — the upper limit
 * of this stack (same aedes, same ws, same path as the product).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { MQTT_PATH } from '../../src/protocol/index.js';
import { serveParent } from './broker-child.js';

// The product's one broker-level setting: with Aedes' default cap of 100 messages in
// flight, a queue of unmatched messages released at once overflows the stack (see
// broker/mqtt/broker.ts), and a baseline that crashes measures nothing.
const aedes = await Aedes.createBroker({ concurrency: 0 });
const server = createServer();
const wss = new WebSocketServer({ server, path: MQTT_PATH });
wss.on('connection', (ws) => {
  const stream = createWebSocketStream(ws);
  stream.on('error', () => stream.destroy());
  aedes.handle(stream);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
serveParent((server.address() as AddressInfo).port, async () => {
  for (const ws of wss.clients) ws.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise<void>((resolve) => aedes.close(() => resolve()));
});
