/**
 * Accounts and presence through the widget's UI, in Chromium↔Chromium and
 * Chromium↔Firefox ESR: register, sign out, sign in again, a wrong password
 * shows the error; two people see each other online and see status changes.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachPair, E2E_TEST_TIMEOUT } from './support/suite.js';
import { waitForEvent } from './support/page-hooks.js';

describeEachPair('accounts and presence', (suite, pair) => {
  it('registers, signs out, signs in again; a wrong password shows the error', { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    for (const browser of new Set(pair)) {
      const ada = await suite.open(t, browser, 'ada');
      await ada.register();
      await waitForEvent(ada.page, 'rtc-signed-in', { user: { name: ada.name } });

      await ada.signOut();
      await ada.submitSignIn(ada.credentials.email, 'not-the-password');
      const error = await ada.part('error');
      assert.match(await error.evaluate((el) => el.textContent ?? ''), /\S/, 'the error says something');
      assert.equal(await ada.hasPart('sign-out'), false, 'a wrong password does not sign in');
      // The form keeps what was typed, so fixing the password is enough.
      assert.equal(await (await ada.part('email')).evaluate((el) => (el as HTMLInputElement).value), ada.credentials.email);

      await ada.signIn();
      assert.equal(await ada.hasPart('error'), false, 'the error is gone after signing in');
    }
  });

  it('both people see each other online, and a status change reaches the other', { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    const [alice, bob] = await suite.pair(t, pair);
    const status = async (viewer: typeof alice, of: typeof alice) =>
      (await viewer.part('peer-status', { within: await viewer.peer(of.name) })).evaluate((el) => el.textContent ?? '');

    await bob.setStatus('away');
    await alice.part('peer-status', { within: await alice.peer(bob.name), text: 'away' });
    await alice.setStatus('busy');
    await bob.part('peer-status', { within: await bob.peer(alice.name), text: 'busy' });
    assert.match(await status(alice, bob), /away/i);

    // Signing out takes a person off the other's list.
    await bob.signOut();
    await alice.waitPeerGone(bob.name);
  });
});
