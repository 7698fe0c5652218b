// The widget bundle: one ES module (dist/rtc-call.js) that defines every
// element, plus lazily loaded chunks (MQTT.js's client and WebSocket transport,
// bundled from its own sources by src/core/mqtt-lean.ts and imported by the core
// once the sign-in form is idle; one module per language other
// than English, src/generated/locales/, imported when a page needs it), so the
// sign-in form renders without waiting for them.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import esbuild from 'rollup-plugin-esbuild';
import terser from '@rollup/plugin-terser';
import commonjs from '@rollup/plugin-commonjs';
import { BROWSER_RESOLVE, mqttLean } from './scripts/mqtt-lean.mjs';

export default {
  input: 'src/index.ts',
  // The language chunks import `str` of @lit/localize from the entry itself: without this, Rollup
  // would move the whole widget into a shared chunk behind a two-line dist/rtc-call.js (one more
  // request before the first render).
  preserveEntrySignatures: 'allow-extension',
  output: {
    dir: 'dist',
    format: 'es',
    entryFileNames: 'rtc-call.js',
    chunkFileNames: 'chunks/[name]-[hash].js',
    sourcemap: true,
  },
  plugins: [
    mqttLean(),
    nodeResolve(BROWSER_RESOLVE),
    // MQTT.js's sources and their libraries are CommonJS.
    commonjs(),
    // esbuild reads tsconfig.json for experimentalDecorators / useDefineForClassFields (Lit's decorators).
    esbuild({ tsconfig: 'tsconfig.json', target: 'es2022', minify: false }),
    terser({ ecma: 2020, module: true, format: { comments: false } }),
  ],
  onwarn(warning, warn) {
    // readable-stream's modules require each other in cycles, as in Node; the CommonJS plugin keeps
    // Node's order of evaluation for them.
    if (warning.code === 'CIRCULAR_DEPENDENCY' && warning.ids?.every((id) => id.includes('/node_modules/readable-stream/'))) return;
    warn(warning);
  },
};
