/**
 * A web-test-runner plugin that starts one test backend for the run and tells
 * every test page its origin (`window.RTC_TEST_BACKEND`), which the
 * @open-wc/testing fixtures of `rtc-call/testing/open-wc` read.
 */
import { startTestBackend, type TestBackend, type TestBackendOptions } from './backend.js';

/** The global a test page reads the backend's origin from. */
export const BACKEND_GLOBAL = 'RTC_TEST_BACKEND';

/** The few plugin hooks of @web/dev-server used here (typed structurally: no dependency on it). */
export interface TestBackendPlugin {
  name: string;
  serverStart(): Promise<void>;
  serverStop(): Promise<void>;
  transform(context: { response: { is(type: string): boolean }; body: unknown }): { body: string } | undefined;
  /** The running backend (after serverStart). */
  readonly backend: TestBackend | undefined;
}

/** `plugins: [testBackendPlugin()]` in web-test-runner.config.mjs; options as for `startTestBackend`. */
export function testBackendPlugin(options: Omit<TestBackendOptions, 'closeAfter'> = {}): TestBackendPlugin {
  let backend: TestBackend | undefined;
  return {
    name: 'rtc-call-test-backend',
    get backend() {
      return backend;
    },
    async serverStart() {
      backend = await startTestBackend(options);
    },
    async serverStop() {
      await backend?.close();
    },
    transform(context) {
      if (!context.response.is('html')) return undefined;
      const tag = `<script>window.${BACKEND_GLOBAL} = ${JSON.stringify(backend?.origin ?? null)};</script>`;
      return { body: String(context.body).replace('<head>', `<head>${tag}`) };
    },
  };
}
