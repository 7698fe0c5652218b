/**
 * MQTT.js's client with its WebSocket transport only, bundled from MQTT.js's own sources
 * (`mqtt/lib/*`, its compiled TypeScript) instead of its prebuilt browser bundle
 * (`dist/mqtt.esm.js`). The prebuilt bundle carries every transport (TCP, TLS, WeChat, Alipay,
 * SOCKS), a Node `process`/`url` polyfill and worker timers; the widget needs none of them and
 * pays ~40 KB (gzip) for them. What is left is the client, its packet parser and writer
 * (mqtt-packet) and the small stream and buffer libraries they are written against
 * (readable-stream, buffer, events). The modules this file's imports reach but the widget never
 * runs are replaced at build time by scripts/mqtt-lean.mjs, which says why for each.
 *
 * `connect()` does what MQTT.js's own `connect(url, options)` does for a `ws:`/`wss:` URL in a
 * browser: it splits the URL into the options its WebSocket stream builder reads. Its keepalive
 * always runs on page timers (`timerVariant: 'native'`): MQTT.js's worker timers are not bundled.
 */
import type { IClientOptions } from 'mqtt';
import * as clientModule from 'mqtt/lib/client';
import { browserStreamBuilder } from 'mqtt/lib/connect/ws';

type MqttClient = clientModule.default;
/**
 * The client class is the CommonJS module's `exports.default`. Bundlers (Rollup's CommonJS plugin)
 * give it as the default export, since the module sets `__esModule`; node gives the whole `exports`
 * object as the default export instead (the engine's tests run in node).
 */
const MqttClient: typeof clientModule.default =
  (clientModule.default as unknown as { default?: typeof clientModule.default }).default ?? clientModule.default;

export function connect(url: string, options: IClientOptions): MqttClient {
  const parsed = new URL(url);
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new Error(`MQTT over WebSocket needs a ws: or wss: URL, not ${parsed.protocol}`);
  }
  const protocol = parsed.protocol === 'wss:' ? 'wss' : 'ws';
  const resolved: IClientOptions = {
    ...options,
    protocol,
    hostname: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : protocol === 'wss' ? 443 : 80,
    path: parsed.pathname + parsed.search,
    timerVariant: 'native',
  };
  return new MqttClient((client) => browserStreamBuilder(client, resolved), resolved);
}
