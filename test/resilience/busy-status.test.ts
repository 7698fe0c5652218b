/**
 * People in a call show as Busy to everyone else, and get back the status
 * they had before once the call ends (Away stays Away).
 */
import { it } from 'node:test';
import { connectCall, type Person } from '../e2e/support/person.js';
import { describeEachResiliencePair, RESILIENCE_TEST_TIMEOUT, sleep } from './support.js';

/** Waits until `viewer`'s people list shows `name` with status `label`. */
async function expectPeerStatus(viewer: Person, name: string, label: string, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let rows: string[] = [];
  while (Date.now() < deadline) {
    rows = (await viewer.texts('peer')).filter((row) => row.includes(name));
    if (rows.some((row) => row.toLowerCase().includes(label.toLowerCase()))) return;
    await sleep(200);
  }
  throw new Error(`${viewer.label}: ${name} not shown as ${label} within ${timeout} ms (rows: ${JSON.stringify(rows)})`);
}

describeEachResiliencePair('busy while in a call', (suite) => {
  it(
    'both show Busy to a third person during the call; the previous statuses come back after',
    { timeout: RESILIENCE_TEST_TIMEOUT },
    async (t) => {
      const [alice, bob] = await suite.pair(t, {}, suite.other);
      const carol = await suite.open(t, 'carol');
      await carol.register();
      await alice.setStatus('away');
      await expectPeerStatus(carol, alice.name, 'Away');
      await expectPeerStatus(carol, bob.name, 'Available');

      await connectCall(alice, bob);
      await expectPeerStatus(carol, alice.name, 'Busy');
      await expectPeerStatus(carol, bob.name, 'Busy');

      await bob.click('hangup');
      await expectPeerStatus(carol, alice.name, 'Away');
      await expectPeerStatus(carol, bob.name, 'Available');
    },
  );
});
