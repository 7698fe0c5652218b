/**
 * Verify who you talk to, across the two engines (issue #17): Chromium calls Firefox ESR through
 * the widget's parts only. Both open Verify and see the same nine digits (the nonce exchange runs
 * over the call's own data channel, PROTOCOL.md §5, so this also checks that Chromium and Firefox
 * agree on the negotiated channel). One confirms; in the next call that person shows as verified
 * without confirming again: each browser kept its certificate. The man in the middle is tested in
 * both engines by test/core/verify-mitm.test.ts and test/elements/verify.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { texts } from '../../src/core/texts.js';
import { plainText } from '../text-match.js';
import { connectCall, type Person } from './support/person.js';
import { e2eSuite, E2E_TEST_TIMEOUT, RESULTS_DIR } from './support/suite.js';

const suite = e2eSuite(['chromium', 'firefox']);

/** Opens Verify and returns the code shown. */
async function readCode(person: Person): Promise<string> {
  await person.click('verify-toggle');
  const code = await person.part('verify-code', { timeout: 20_000 });
  return plainText(await code.evaluate((el) => el.textContent ?? ''));
}

/** Keeps a picture of the Verify panel as `person` sees it (test-results/e2e/, for the note). */
async function keepPicture(person: Person, name: string): Promise<void> {
  await mkdir(RESULTS_DIR, { recursive: true });
  await person.page.screenshot({ path: join(RESULTS_DIR, `verify-${name}-${person.label}.png`) });
}

it(
  'Chromium and Firefox read the same code; a confirmed person stays verified in the next call',
  { timeout: E2E_TEST_TIMEOUT },
  async (t) => {
    const ada = await suite.open(t, 'chromium', 'ada');
    const bo = await suite.open(t, 'firefox', 'bo');
    await ada.register();
    await bo.register();
    await ada.peer(bo.name);

    await connectCall(ada, bo);
    const [adaCode, boCode] = await Promise.all([readCode(ada), readCode(bo)]);
    assert.match(adaCode, /^\d{3} \d{3} \d{3}$/);
    assert.equal(boCode, adaCode, 'both engines show the same code');
    assert.equal(await ada.hasPart('verify-warning'), false);
    await Promise.all([keepPicture(ada, 'code'), keepPicture(bo, 'code')]);

    await bo.click('verify-confirm');
    await bo.part('verify-status', { text: plainText(texts.ui.verify.verified(ada.name)) });
    await keepPicture(bo, 'confirmed');
    await ada.click('hangup');
    await bo.part('status', { text: `${ada.name} hung up` });
    await ada.click('dismiss');
    await bo.click('dismiss');

    // A new connection, new nonces: another code, and Bo's memory of Ada's certificate still holds.
    await connectCall(ada, bo);
    const [adaAgain, boAgain] = await Promise.all([readCode(ada), readCode(bo)]);
    assert.equal(boAgain, adaAgain);
    assert.notEqual(adaAgain, adaCode, 'each call has its own code');
    await bo.part('verify-status', { text: plainText(texts.ui.verify.verified(ada.name)) });
    assert.equal(await bo.hasPart('verify-confirm'), false, 'nothing to confirm again');
    assert.equal(
      await ada.hasPart('verify-status', { text: plainText(texts.ui.verify.verified(bo.name)) }),
      false,
      'verifying is each side’s own act',
    );
  },
);
