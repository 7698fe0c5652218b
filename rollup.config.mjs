// The widget bundle: one ES module (dist/rtc-call.js) that defines every
// element, plus lazily loaded chunks (MQTT.js, imported by the core with
// `import('mqtt')` once the visitor signs in; one module per language other
// than English, src/generated/locales/, imported when a page needs it), so the
// sign-in form renders without waiting for them.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import esbuild from 'rollup-plugin-esbuild';
import terser from '@rollup/plugin-terser';

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
    nodeResolve({ browser: true, exportConditions: ['browser'], preferBuiltins: false }),
    // esbuild reads tsconfig.json for experimentalDecorators / useDefineForClassFields (Lit's decorators).
    esbuild({ tsconfig: 'tsconfig.json', target: 'es2022', minify: false }),
    terser({ ecma: 2020, module: true, format: { comments: false } }),
  ],
  onwarn(warning, warn) {
    // MQTT.js's browser build is wrapped in a CommonJS-style IIFE that uses `this` at top level.
    if (warning.code === 'THIS_IS_UNDEFINED') return;
    warn(warning);
  },
};
