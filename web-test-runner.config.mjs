// Element and core tests in real browsers: Debian Chromium and Firefox ESR with
// fake camera and microphone, against a real backend started for the run.
// Run through `npm run test:elements` (node --import tsx, so the backend's
// TypeScript loads directly).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import * as puppeteer from 'puppeteer-core';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, FIREFOX_PATH, FIREFOX_PREFS } from './test/e2e/support/browsers.ts';

// The same browser set-up as the end-to-end tests, plus autoplay for <video> elements in tests.
const chromiumFlags = [...CHROMIUM_FLAGS, '--autoplay-policy=no-user-gesture-required'];
const firefoxPrefs = { ...FIREFOX_PREFS, 'media.autoplay.default': 0, 'media.autoplay.blocking_policy': 0 };

const only = process.env.RTC_BROWSERS?.split(',') ?? ['chromium', 'firefox'];
const browsers = [];
if (only.includes('chromium')) {
  browsers.push(
    chromeLauncher({
      puppeteer,
      launchOptions: { executablePath: CHROMIUM_PATH, headless: true, args: chromiumFlags },
    }),
  );
}
if (only.includes('firefox')) {
  browsers.push(
    chromeLauncher({
      puppeteer,
      launchOptions: {
        browser: 'firefox',
        executablePath: FIREFOX_PATH,
        headless: true,
        extraPrefsFirefox: firefoxPrefs,
      },
    }),
  );
}

/** Starts one real backend (HTTP API + Aedes over WebSocket) for the whole run. */
function realBackend() {
  let backend;
  let dataDir;
  return {
    name: 'rtc-real-backend',
    async serverStart() {
      const { startBackend } = await import('./broker/server.ts');
      dataDir = await mkdtemp(join(tmpdir(), 'rtc-wtr-'));
      backend = await startBackend({
        host: '127.0.0.1',
        port: 0,
        dataDir,
        scryptCost: 1024,
        // Every test registers fresh users from 127.0.0.1: keep throttles out of the way.
        ...testThrottles,
      });
    },
    async serverStop() {
      await backend?.close();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
    transform(context) {
      // Tell every test page where the backend is.
      if (context.response.is('html')) {
        const tag = `<script>window.RTC_TEST_BACKEND = ${JSON.stringify(backend?.origin ?? null)};</script>`;
        return { body: String(context.body).replace('<head>', `<head>${tag}`) };
      }
      return undefined;
    },
  };
}

// Throttle settings of broker/config.ts: large enough that a test run never hits them.
const testThrottles = {
  authRateMax: 1_000_000,
  loginFailuresPerEmail: 1_000_000,
  loginFailuresPerAddress: 1_000_000,
};

export default {
  files: process.env.RTC_TEST_FILES?.split(',') ?? ['test/elements/**/*.test.ts', 'test/core/**/*.test.ts'],
  nodeResolve: { exportConditions: ['browser', 'import', 'default'] },
  browsers,
  // Two cores: one browser page at a time per browser keeps WebRTC timing sane.
  concurrency: 1,
  concurrentBrowsers: 1,
  testsFinishTimeout: 10 * 60_000,
  browserStartTimeout: 60_000,
  testFramework: { config: { timeout: 60_000 } },
  plugins: [esbuildPlugin({ ts: true, tsconfig: 'tsconfig.json', target: 'es2022' }), realBackend()],
};
