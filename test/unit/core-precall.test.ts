/**
 * The pre-call check's decisions (src/core/precall/): the verdict rules, whether the TURN server
 * answered, candidate types, the microphone meter's scale, and which device failed. The browser parts are tested in real
 * browsers (test/elements/precall-check.test.ts, test/turn/precall.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { precallVerdict, type CameraCheck, type ConnectionCheck } from '../../src/core/precall/verdict.js';
import { candidateType, countCandidates, turnAnswer } from '../../src/core/precall/candidates.js';
import { levelFromSamples } from '../../src/core/precall/mic-level.js';
import { openPrecallDevices } from '../../src/core/precall/devices.js';
import type { MediaDevicesLike } from '../../src/core/media.js';

const TURN: RTCIceServer[] = [
  { urls: ['stun:stun.example.test:3478'] },
  { urls: 'turn:turn.example.test:3478', username: 'u', credential: 'c' },
];
const STUN_ONLY: RTCIceServer[] = [{ urls: 'stun:stun.example.test:3478' }];

const connection = (host: number, srflx: number, relay: number, extra: Partial<ConnectionCheck> = {}): ConnectionCheck => ({
  candidates: { host, srflx, relay },
  turn: relay > 0 ? 'answered' : 'no-answer',
  relayOnly: false,
  ...extra,
});

test('ready: the camera shows a picture and a direct path exists', () => {
  assert.deepEqual(precallVerdict('ok', connection(2, 1, 1)), { verdict: 'ready', reason: 'all-clear' });
  // Direct paths without any TURN server are fine too: most calls connect directly.
  assert.deepEqual(precallVerdict('ok', connection(1, 0, 0, { turn: 'not-configured' })), { verdict: 'ready', reason: 'all-clear' });
  // A TURN server that does not answer does not spoil a direct path.
  assert.deepEqual(precallVerdict('ok', connection(1, 1, 0, { turn: 'no-answer' })), { verdict: 'ready', reason: 'all-clear' });
  // Audio-only calls need no camera.
  assert.deepEqual(precallVerdict('unused', connection(1, 0, 0)), { verdict: 'ready', reason: 'all-clear' });
});

test('video may not work: no camera, camera refused, camera failed, no frames', () => {
  const cases: Array<[CameraCheck, string]> = [
    ['missing', 'camera-missing'],
    ['denied', 'camera-denied'],
    ['failed', 'camera-failed'],
    ['no-frames', 'camera-no-frames'],
  ];
  for (const [camera, reason] of cases) {
    assert.deepEqual(precallVerdict(camera, connection(1, 1, 1)), { verdict: 'video-may-not-work', reason }, camera);
    // A call that connects only through the relay still works; the missing video is the worse news.
    assert.deepEqual(precallVerdict(camera, connection(0, 0, 1)), { verdict: 'video-may-not-work', reason }, `${camera}, relay path`);
  }
});

test('calls need the relay: relay-only mode with a TURN server that answers, or no direct path but the relay', () => {
  assert.deepEqual(precallVerdict('ok', connection(2, 1, 1, { relayOnly: true })), { verdict: 'needs-relay', reason: 'relay-only' });
  assert.deepEqual(precallVerdict('ok', connection(0, 0, 2)), { verdict: 'needs-relay', reason: 'relay-only-path' });
});

test('calls will not connect: relay required but no TURN or no answer, or no candidate at all', () => {
  assert.deepEqual(precallVerdict('ok', connection(2, 1, 0, { relayOnly: true, turn: 'not-configured' })), {
    verdict: 'will-not-connect',
    reason: 'relay-only-without-turn',
  });
  for (const turn of ['no-answer', 'refused'] as const) {
    assert.deepEqual(precallVerdict('ok', connection(2, 1, 0, { relayOnly: true, turn })), {
      verdict: 'will-not-connect',
      reason: 'relay-only-turn-silent',
    });
  }
  assert.deepEqual(precallVerdict('ok', connection(0, 0, 0)), { verdict: 'will-not-connect', reason: 'no-candidates' });
  // Known before the camera has answered: nothing the camera does changes it.
  assert.deepEqual(precallVerdict('pending', connection(0, 0, 0)), { verdict: 'will-not-connect', reason: 'no-candidates' });
  assert.equal(precallVerdict('denied', connection(0, 0, 0))?.verdict, 'will-not-connect');
});

test('no verdict while the deciding checks run', () => {
  assert.equal(precallVerdict('ok', null), null);
  assert.equal(precallVerdict('pending', connection(1, 0, 1)), null);
});

test('the TURN server answered when a relay candidate came; refused on ICE error 401/403; otherwise no answer', () => {
  assert.equal(turnAnswer(TURN, 1, new Set()), 'answered');
  assert.equal(turnAnswer(TURN, 0, new Set([401])), 'refused');
  assert.equal(turnAnswer(TURN, 0, new Set([403, 701])), 'refused');
  assert.equal(turnAnswer(TURN, 0, new Set([701])), 'no-answer');
  assert.equal(turnAnswer(TURN, 0, new Set()), 'no-answer');
  assert.equal(turnAnswer(STUN_ONLY, 0, new Set()), 'not-configured');
  assert.equal(turnAnswer([], 0, new Set()), 'not-configured');
  assert.equal(turnAnswer([{ urls: ['turns:turn.example.test:5349'] }], 0, new Set()), 'no-answer');
});

test('candidate lines are counted by type', () => {
  const lines = [
    'candidate:1 1 udp 2122260223 192.0.2.2 54321 typ host generation 0',
    'candidate:2 1 udp 2122260223 1f0d2c9e-3b4d.local 54322 typ host',
    'candidate:3 1 udp 1686052607 203.0.113.9 40000 typ srflx raddr 192.0.2.2 rport 54321',
    'candidate:4 1 udp 41885439 127.0.0.1 40001 typ relay raddr 0.0.0.0 rport 0',
    'candidate:5 1 tcp 1518280447 192.0.2.2 9 typ host tcptype active',
    'candidate:6 1 udp 1 192.0.2.2 9 typ prflx',
  ];
  assert.equal(candidateType(lines[2]!), 'srflx');
  assert.equal(candidateType('garbage'), null);
  assert.deepEqual(countCandidates(lines), { host: 3, srflx: 1, relay: 1 });
  assert.deepEqual(countCandidates([]), { host: 0, srflx: 0, relay: 0 });
});

test('the meter shows RMS on a decibel scale: silence 0, full scale 1, −30 dBFS half way', () => {
  assert.equal(levelFromSamples(new Float32Array(512)), 0);
  assert.equal(levelFromSamples([]), 0);
  assert.equal(levelFromSamples(new Float32Array(512).fill(1)), 1);
  assert.equal(levelFromSamples(new Float32Array(512).fill(-1)), 1);
  const sine = (amplitude: number) => Float32Array.from({ length: 1024 }, (_, i) => amplitude * Math.sin((2 * Math.PI * i) / 64));
  // A sine's RMS is its amplitude / √2.
  const halfWay = 10 ** (-30 / 20) * Math.SQRT2;
  assert.ok(Math.abs(levelFromSamples(sine(halfWay)) - 0.5) < 1e-6);
  assert.equal(levelFromSamples(sine(1e-4)), 0, 'below −60 dBFS is zero');
  assert.ok(levelFromSamples(sine(0.1)) > levelFromSamples(sine(0.01)), 'louder is higher');
});

/**
 * A machine's camera and microphone as getUserMedia answers for them: each is there, missing or
 * blocked; a request for both fails with the first one's error, as browsers do.
 */
function machine(camera: 'ok' | 'NotFoundError' | 'NotAllowedError' | 'NotReadableError', microphone: typeof camera) {
  const requests: string[] = [];
  const stopped: string[] = [];
  const md: MediaDevicesLike = {
    async getUserMedia({ audio, video }) {
      const kinds = [video ? 'video' : '', audio ? 'audio' : ''].filter(Boolean);
      requests.push(kinds.join('+'));
      for (const kind of kinds) {
        const answer = kind === 'video' ? camera : microphone;
        if (answer !== 'ok') throw Object.assign(new Error(answer), { name: answer });
      }
      const tracks = kinds.map((kind) => ({ kind, readyState: 'live', stop: () => stopped.push(kind) }));
      return {
        getTracks: () => tracks,
        getAudioTracks: () => tracks.filter((t) => t.kind === 'audio'),
        getVideoTracks: () => tracks.filter((t) => t.kind === 'video'),
      } as unknown as MediaStream;
    },
  };
  return { md, requests, stopped };
}

test('devices: both there, one request, both tracks kept', async () => {
  const { md, requests, stopped } = machine('ok', 'ok');
  const got = await openPrecallDevices(true, md);
  assert.equal(got.video?.kind, 'video');
  assert.equal(got.audio?.kind, 'audio');
  assert.deepEqual([got.cameraProblem, got.microphoneProblem], [null, null]);
  assert.deepEqual(requests, ['video+audio']);
  assert.deepEqual(stopped, []);
});

test('devices: no camera is told apart from a working microphone, and the other way round', async () => {
  const noCamera = machine('NotFoundError', 'ok');
  const a = await openPrecallDevices(true, noCamera.md);
  assert.deepEqual([a.video, a.audio?.kind, a.cameraProblem, a.microphoneProblem], [null, 'audio', 'missing', null]);
  assert.deepEqual(noCamera.requests, ['video+audio', 'audio']);

  const noMicrophone = machine('ok', 'NotFoundError');
  const b = await openPrecallDevices(true, noMicrophone.md);
  assert.deepEqual([b.video?.kind, b.audio, b.cameraProblem, b.microphoneProblem], ['video', null, null, 'missing']);
  assert.deepEqual(noMicrophone.requests, ['video+audio', 'audio', 'video']);

  const busyCamera = machine('NotReadableError', 'ok');
  assert.equal((await openPrecallDevices(true, busyCamera.md)).cameraProblem, 'failed');
});

test('devices: a refusal is not asked again; audio-only calls never open the camera', async () => {
  const refused = machine('NotAllowedError', 'ok');
  const got = await openPrecallDevices(true, refused.md);
  assert.deepEqual([got.cameraProblem, got.microphoneProblem], ['denied', 'denied']);
  assert.deepEqual(refused.requests, ['video+audio']);

  const audioOnly = machine('ok', 'ok');
  const audio = await openPrecallDevices(false, audioOnly.md);
  assert.deepEqual([audio.video, audio.audio?.kind, audio.cameraProblem], [null, 'audio', null]);
  assert.deepEqual(audioOnly.requests, ['audio']);

  const none = await openPrecallDevices(true, null);
  assert.deepEqual([none.cameraProblem, none.microphoneProblem], ['failed', 'failed'], 'no mediaDevices (an insecure page)');
});
