/** Child side of `startBackendProcess()`: starts the test backend, reports `{ origin }`, closes on SIGTERM. */
import { startTestBackend } from '../../test/support/test-backend.js';

// The call-setup benches redial one pair of people dozens of times a minute: past the per-pair
// invite budget, which is there against invite spam (its later invites would be dropped).
const backend = await startTestBackend({ inviteBurst: 1000, relaxPublishLimits: true });
process.send?.({ origin: backend.origin });
process.once('SIGTERM', () => {
  void backend.close().then(() => process.exit(0));
});
