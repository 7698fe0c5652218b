/**
 * The page's WebSocket, for the widget's engine run in node (test/unit/core-session-link.test.ts):
 * the widget's MQTT.js (src/core/mqtt-lean.ts) has the browser transport only, and node 20 has no
 * global WebSocket (node 22 has). The ws package implements the same interface (binaryType
 * 'arraybuffer', addEventListener), so the engine runs unchanged.
 */
import { WebSocket } from 'ws';

if (typeof globalThis.WebSocket === 'undefined') {
  (globalThis as unknown as { WebSocket: unknown }).WebSocket = WebSocket;
}
