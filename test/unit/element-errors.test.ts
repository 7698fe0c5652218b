/** Where the elements show an error, and what becomes of a session promise that rejects (src/components/errors.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attempt, dismissError, errorAt, errorPlace, rejectionError, shownError } from '../../src/components/errors.js';
import { texts } from '../../src/core/texts.js';
import type { SessionError } from '../../src/core/types.js';
import { FakeSession, fakeCall } from '../elements/helpers.js';

const error = (scope: SessionError['scope']): SessionError => ({ code: 'internal', message: `${scope} failed`, scope });

test('each scope has one place: sign-in form or banner, call controls or banner, its own chat', () => {
  const signedOut = new FakeSession({ user: null }).state;
  const signedIn = new FakeSession().state;
  const inCall = new FakeSession({ call: fakeCall() }).state;
  const ringingIn = new FakeSession({ call: fakeCall({ direction: 'incoming', phase: 'ringing' }) }).state;
  assert.equal(errorPlace(error('auth'), signedOut), 'login');
  assert.equal(errorPlace(error('connection'), signedOut), 'login');
  assert.equal(errorPlace(error('auth'), signedIn), 'banner');
  assert.equal(errorPlace(error('media'), signedIn), 'banner');
  assert.equal(errorPlace(error('call'), inCall), 'call-controls');
  assert.equal(errorPlace(error('media'), inCall), 'call-controls');
  // A call still ringing in is in the dialog, not on the stage: no call controls to stand beside.
  assert.equal(errorPlace(error('call'), ringingIn), 'banner');
  assert.equal(errorPlace(error('chat'), inCall), 'chat');
  assert.equal(errorPlace(error('room-chat'), inCall), 'room-chat');
});

test('a rejection keeps a code and sentence it carries, anything else is "something went wrong"', () => {
  const api = Object.assign(new Error('Wrong email or password.'), { code: 'invalid_credentials' });
  assert.deepEqual(rejectionError(api, 'auth'), { code: 'invalid_credentials', message: 'Wrong email or password.', scope: 'auth' });
  for (const reason of [new Error('boom'), 'boom', null, { code: 'not_a_code', message: 'x' }, { code: 'internal' }]) {
    assert.deepEqual(rejectionError(reason, 'call'), { code: 'internal', message: texts.unexpected, scope: 'call' });
  }
});

test('attempt shows a rejection, fires rtc-error from the host, and never rejects itself', async () => {
  const session = new FakeSession({}, { setCamera: () => Promise.reject(new Error('boom')) });
  const host = new EventTarget();
  const fired: Event[] = [];
  host.addEventListener('rtc-error', (e) => fired.push(e));
  await attempt(host, session, 'media', (s) => s.setCamera(true));
  assert.equal(fired.length, 1);
  const event = fired[0] as CustomEvent<SessionError>;
  assert.ok(event.bubbles && event.composed, 'reaches the page from inside the shadow roots');
  assert.deepEqual(event.detail, { code: 'internal', message: texts.unexpected, scope: 'media' });
  assert.equal(errorAt(session, 'banner'), event.detail);
  // A throw counts too.
  await attempt(host, session, 'call', () => {
    throw new Error('sync');
  });
  assert.equal(fired.length, 2);
});

test("a report gives way to the session's next error, to the next action of its scope, and to Close", async () => {
  const session = new FakeSession({}, { hangup: () => Promise.reject(new Error('boom')) });
  const host = new EventTarget();
  await attempt(host, session, 'call', (s) => s.hangup());
  assert.equal(shownError(session)?.message, texts.unexpected);
  session.update({ error: error('connection') });
  assert.equal(shownError(session)?.message, 'connection failed');
  session.update({ error: null });
  assert.equal(shownError(session), null, 'a cleared session error does not bring the report back');

  await attempt(host, session, 'call', (s) => s.hangup());
  await attempt(host, session, 'call', async () => undefined);
  assert.equal(shownError(session), null, 'the next action of the scope clears it');

  await attempt(host, session, 'call', (s) => s.hangup());
  dismissError(session, shownError(session)!);
  assert.equal(shownError(session), null);
});
