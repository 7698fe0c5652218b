import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acquireDisplayMedia, acquireUserMedia, mapMediaError, type MediaDevicesLike } from '../../src/core/media.js';

const domError = (name: string) => Object.assign(new Error(name), { name });

test('permission refusals map to media_denied, missing devices to media_missing, the rest to media_failed', () => {
  assert.equal(mapMediaError(domError('NotAllowedError'), 'camera').code, 'media_denied');
  assert.equal(mapMediaError(domError('SecurityError'), 'screen').code, 'media_denied');
  assert.equal(mapMediaError(domError('NotFoundError'), 'microphone').code, 'media_missing');
  assert.equal(mapMediaError(domError('OverconstrainedError'), 'camera').code, 'media_missing');
  assert.equal(mapMediaError(domError('NotReadableError'), 'camera').code, 'media_failed');
  assert.match(mapMediaError(domError('NotReadableError'), 'camera').message, /in use/);
  assert.equal(mapMediaError('weird', 'camera').code, 'media_failed');
  assert.match(mapMediaError(domError('InvalidStateError'), 'screen').message, /click/);
  for (const e of [domError('NotAllowedError'), domError('NotFoundError'), null]) {
    assert.equal(mapMediaError(e, 'camera').scope, 'media');
  }
});

/** A scripted mediaDevices: answers each getUserMedia call from the list, records constraints. */
function scripted(answers: Array<Error | 'audio' | 'av'>) {
  const asked: MediaStreamConstraints[] = [];
  const md: MediaDevicesLike = {
    async getUserMedia(c) {
      asked.push(c);
      const a = answers.shift();
      if (a instanceof Error) throw a;
      const track = (kind: string) => ({ kind, readyState: 'live', stop() {} });
      const tracks = a === 'av' ? [track('audio'), track('video')] : [track('audio')];
      return {
        getAudioTracks: () => tracks.filter((t) => t.kind === 'audio'),
        getVideoTracks: () => tracks.filter((t) => t.kind === 'video'),
        getTracks: () => tracks,
      } as unknown as MediaStream;
    },
  };
  return { md, asked };
}

test('no camera: falls back to audio only and still reports why', async () => {
  const { md, asked } = scripted([domError('NotFoundError'), 'audio']);
  const r = await acquireUserMedia({ audio: true, video: true }, md);
  assert.deepEqual(r.got, { audio: true, video: false });
  assert.equal(r.error?.code, 'media_missing');
  assert.deepEqual(asked[1], { audio: true, video: false });
});

test('denied: no second prompt, no media, call can go on receive-only', async () => {
  const { md, asked } = scripted([domError('NotAllowedError')]);
  const r = await acquireUserMedia({ audio: true, video: true }, md);
  assert.equal(r.stream, null);
  assert.equal(r.error?.code, 'media_denied');
  assert.equal(asked.length, 1);
});

test('nothing at all: null stream with the first error', async () => {
  const { md } = scripted([domError('NotReadableError'), domError('NotFoundError')]);
  const r = await acquireUserMedia({ audio: true, video: true }, md);
  assert.equal(r.stream, null);
  assert.equal(r.error?.code, 'media_failed');
});

test('no mediaDevices (insecure page) is a clear media_failed; nothing wanted asks nothing', async () => {
  assert.equal((await acquireUserMedia({ audio: true, video: false }, null)).error?.code, 'media_failed');
  const { md, asked } = scripted([]);
  assert.equal((await acquireUserMedia({ audio: false, video: false }, md)).error, null);
  assert.equal(asked.length, 0);
  assert.equal((await acquireDisplayMedia(md)).error?.code, 'media_failed');
});
