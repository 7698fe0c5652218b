// Build-time replacements for the modules that MQTT.js's client and WebSocket transport
// (src/core/mqtt-lean.ts) import but the widget never runs. Used by rollup.config.mjs (the
// bundle) and web-test-runner.config.mjs (the browser tests), so both run the same client.
//
// Each replacement throws if it is ever reached, so a future MQTT.js that starts to depend on
// one of them fails loudly in the tests instead of silently misbehaving.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
const mqttVersion = JSON.parse(readFileSync(require.resolve('mqtt/package.json'), 'utf8')).version;

const unreachable = (what, why) =>
  `const fail = () => { throw new Error(${JSON.stringify(`${what} is not in the rtc-call bundle: ${why}`)}); };`;

/** Module id → [source, why it is not needed]. */
const replacements = {
  // get-timer.js: only for `timerVariant: 'worker'`/'auto'; the widget sets 'native' (a worker from a
  // blob: URL breaks under a strict Content-Security-Policy, see src/core/signaling.ts).
  'worker-timers': `${unreachable('worker-timers', "the widget sets timerVariant: 'native'")}
export const setInterval = fail, clearInterval = fail, setTimeout = fail, clearTimeout = fail;`,
  // topic-alias-send.js: MQTT 5 topic aliases; the widget speaks MQTT 3.1.1 (protocolVersion 4).
  'lru-cache': `${unreachable('lru-cache', 'MQTT 5 topic aliases are not used (MQTT 3.1.1)')}
export class LRUCache { constructor() { fail(); } }`,
  // ws.js's Node branch (`new WebSocket` from the ws package); in a browser it uses the page's WebSocket.
  ws: `${unreachable('ws', "the browser's own WebSocket is used")}
export default class WebSocket { constructor() { fail(); } static createWebSocketStream() { fail(); } }`,
  // Logging that is off unless `localStorage.debug` names mqttjs; not worth ~3 KB in every page.
  debug: `export default function debug() { const log = () => {}; log.enabled = false; return log; }`,
};

/** How the widget's bundle resolves packages: their browser builds, no Node built-ins. */
export const BROWSER_RESOLVE = { browser: true, exportConditions: ['browser'], preferBuiltins: false };

const PREFIX = '\0mqtt-lean:';
const READS_GLOBAL_PROCESS = [/[\\/]node_modules[\\/]mqtt[\\/]build[\\/]lib[\\/]/, /[\\/]node_modules[\\/]process-nextick-args[\\/]/];

/** A Rollup plugin (also run by web-test-runner through @web/dev-server-rollup). */
export function mqttLean() {
  return {
    name: 'mqtt-lean',
    resolveId(source, importer) {
      if (Object.hasOwn(replacements, source)) return PREFIX + source;
      // shared.js reads MQTT.js's whole package.json for its version string.
      if (source === '../../package.json' && importer?.includes('/mqtt/build/lib/')) return PREFIX + 'package.json';
      return null;
    },
    // MQTT.js's own modules and process-nextick-args (mqtt-packet's) read a global `process`
    // (`process?.nextTick` in shared.js throws a ReferenceError in a page, which has none). They get
    // the `process` module that readable-stream already brings (its `nextTick`), bound in each
    // module, not a global for the whole page.
    transform(code, id) {
      if (!READS_GLOBAL_PROCESS.some((re) => re.test(id)) || !/\bprocess\b/.test(code)) return null;
      return { code: `var process = require('process/');\n${code}`, map: null };
    },
    load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const name = id.slice(PREFIX.length);
      if (name === 'package.json')
        return `export default { version: ${JSON.stringify(mqttVersion)} }; export const version = ${JSON.stringify(mqttVersion)};`;
      return replacements[name];
    },
  };
}

/**
 * One source module as one browser ES module, built as the widget's bundle builds it (MQTT.js
 * from its sources, with the replacements above), dynamic imports included: for tests that load
 * the engine or the widget from source into a page (web-test-runner, test/turn/).
 */
export async function bundleForBrowser(entry, { root = process.cwd() } = {}) {
  const [{ rollup }, { nodeResolve }, { default: commonjs }, { default: esbuild }] = await Promise.all([
    import('rollup'),
    import('@rollup/plugin-node-resolve'),
    import('@rollup/plugin-commonjs'),
    import('rollup-plugin-esbuild'),
  ]);
  const bundle = await rollup({
    input: resolve(root, entry),
    plugins: [
      mqttLean(),
      nodeResolve(BROWSER_RESOLVE),
      commonjs(),
      esbuild({ tsconfig: resolve(root, 'tsconfig.json'), target: 'es2022' }),
    ],
    onwarn: () => {},
  });
  try {
    const { output } = await bundle.generate({ format: 'es', inlineDynamicImports: true });
    return output[0].code;
  } finally {
    await bundle.close();
  }
}

/**
 * The web-test-runner plugin that serves src/core/mqtt-lean.ts as Rollup bundles it for the
 * widget (the dev server serves modules one by one and cannot load MQTT.js's CommonJS sources),
 * so the browser tests run the very client the bundle ships.
 */
export function mqttLeanForTests() {
  const entry = 'src/core/mqtt-lean.ts';
  let code = null;
  return {
    name: 'rtc-mqtt-lean-bundle',
    async serverStart() {
      code = await bundleForBrowser(entry);
    },
    serve(context) {
      if (context.path.endsWith(`/${entry}`)) return { body: code, type: 'js' };
      return undefined;
    },
  };
}
