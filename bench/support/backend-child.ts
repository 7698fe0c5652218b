/** Child side of `startBackendProcess()`: starts the test backend, reports `{ origin }`, closes on SIGTERM. */
import { startTestBackend } from '../../test/e2e/support/backend.js';

const backend = await startTestBackend();
process.send?.({ origin: backend.origin });
process.once('SIGTERM', () => {
  void backend.close().then(() => process.exit(0));
});
