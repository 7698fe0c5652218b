/**
 * The device choice (src/core/devices.ts) in node: the lists, the remembered choice and its
 * fallbacks, devices unplugged (devicechange, a track that ended), and a switch of the live
 * call's track (CallMedia.switchDevice) that never renegotiates. The browser's device list,
 * localStorage and tracks are fakes here; test/elements/device-settings.test.ts runs the same in
 * Chromium and Firefox with their fake devices.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  choiceStorageKey,
  DEFAULT_CHOICE,
  DeviceBook,
  devicesOf,
  lostKinds,
  parseChoice,
  resolveChoice,
  userMediaConstraints,
  type DeviceChoice,
  type DeviceInfo,
  type DeviceSource,
} from '../../src/core/devices.js';
import { FakeTrack, asTrack, makeStore, settle } from './support/engine-fakes.js';
import { World } from './support/engine-world.js';

/** Chromium's fake devices, as measured (see devices.ts). */
const CHROMIUM: DeviceInfo[] = [
  { kind: 'audioinput', deviceId: 'default', label: 'Fake Default Audio Input' },
  { kind: 'audioinput', deviceId: 'mic-1', label: 'Fake Audio Input 1' },
  { kind: 'audioinput', deviceId: 'mic-2', label: 'Fake Audio Input 2' },
  { kind: 'videoinput', deviceId: 'cam-0', label: 'fake_device_0' },
  { kind: 'audiooutput', deviceId: 'default', label: 'Fake Default Audio Output' },
  { kind: 'audiooutput', deviceId: 'out-1', label: 'Fake Audio Output 1' },
];

/** Firefox before camera or microphone access: entries without ids or names. */
const FIREFOX_BEFORE: DeviceInfo[] = [
  { kind: 'audioinput', deviceId: '', label: '' },
  { kind: 'videoinput', deviceId: '', label: '' },
];

const choice = (patch: Partial<DeviceChoice>): DeviceChoice => ({ ...DEFAULT_CHOICE, ...patch });

test('the lists leave out the "default" aliases (the null choice means that) and ids not given yet', () => {
  assert.deepEqual(
    devicesOf(CHROMIUM, 'microphone').map((d) => d.id),
    ['mic-1', 'mic-2'],
  );
  assert.deepEqual(devicesOf(CHROMIUM, 'camera'), [{ id: 'cam-0', label: 'fake_device_0' }]);
  assert.deepEqual(
    devicesOf(CHROMIUM, 'speaker').map((d) => d.id),
    ['out-1'],
  );
  assert.deepEqual(devicesOf(FIREFOX_BEFORE, 'camera'), []);
});

test('a remembered device that is listed is used; one that is gone falls back to the default silently', () => {
  assert.deepEqual(
    resolveChoice(choice({ microphone: 'mic-2', speaker: 'out-1' }), CHROMIUM),
    choice({ microphone: 'mic-2', speaker: 'out-1' }),
  );
  assert.deepEqual(resolveChoice(choice({ microphone: 'unplugged-headset', camera: 'cam-0' }), CHROMIUM), choice({ camera: 'cam-0' }));
});

test('before access is allowed (ids hidden), a remembered device cannot be checked and stands', () => {
  assert.deepEqual(resolveChoice(choice({ camera: 'cam-x' }), FIREFOX_BEFORE), choice({ camera: 'cam-x' }));
  // Firefox lists no speaker at all: nothing to check against, so a remembered speaker is not used.
  assert.deepEqual(resolveChoice(choice({ speaker: 'out-1' }), FIREFOX_BEFORE), DEFAULT_CHOICE);
});

test('lostKinds names each kind whose chosen device went away', () => {
  assert.deepEqual(lostKinds(choice({ microphone: 'mic-1', camera: 'cam-0' }), choice({ camera: 'cam-0' })), ['microphone']);
  assert.deepEqual(lostKinds(DEFAULT_CHOICE, DEFAULT_CHOICE), []);
});

test('the stored choice is keyed per backend, and anything unreadable is the default, never an error', () => {
  assert.equal(choiceStorageKey('https://calls.example.com/some/path'), 'rtc-call:devices:https://calls.example.com');
  assert.notEqual(choiceStorageKey('https://a.example'), choiceStorageKey('https://b.example'));
  assert.equal(choiceStorageKey('not a url'), 'rtc-call:devices:not a url');
  assert.deepEqual(
    parseChoice(JSON.stringify({ camera: 'cam-0', microphone: null, speaker: 'out-1' })),
    choice({ camera: 'cam-0', speaker: 'out-1' }),
  );
  for (const raw of [null, '', '{', 'null', '42', '"x"', '[]', JSON.stringify({ camera: 7, microphone: '', speaker: 'x'.repeat(600) })]) {
    assert.deepEqual(parseChoice(raw), DEFAULT_CHOICE, String(raw));
  }
});

test('getUserMedia constraints ask for the chosen devices exactly, and for any device without a choice', () => {
  const camera = { width: { ideal: 1280 } };
  assert.deepEqual(userMediaConstraints({ audio: true, video: true }, camera, choice({ camera: 'cam-0', microphone: 'mic-2' })), {
    audio: { deviceId: { exact: 'mic-2' } },
    video: { width: { ideal: 1280 }, deviceId: { exact: 'cam-0' } },
  });
  assert.deepEqual(userMediaConstraints({ audio: true, video: false }, camera, choice({ camera: 'cam-0' })), { audio: true, video: false });
  assert.deepEqual(userMediaConstraints({ audio: false, video: true }, camera), { audio: false, video: camera });
});

/** A device list the test changes, with its devicechange listeners. */
class FakeSource implements DeviceSource {
  listeners = new Set<() => void>();
  constructor(public infos: DeviceInfo[]) {}
  enumerateDevices = () => Promise.resolve(this.infos.map((d) => ({ ...d })));
  addEventListener(_type: 'devicechange', fn: () => void) {
    this.listeners.add(fn);
  }
  removeEventListener(_type: 'devicechange', fn: () => void) {
    this.listeners.delete(fn);
  }
  change(infos: DeviceInfo[]) {
    this.infos = infos;
    for (const fn of this.listeners) fn();
  }
}

class MemoryStorage {
  items = new Map<string, string>();
  getItem = (key: string) => this.items.get(key) ?? null;
  setItem = (key: string, value: string) => void this.items.set(key, value);
}

function book(infos: DeviceInfo[], storage = new MemoryStorage(), tracks: Partial<Record<'camera' | 'microphone', FakeTrack>> = {}) {
  const { store } = makeStore();
  const source = new FakeSource(infos);
  const switched: string[] = [];
  const told: string[] = [];
  const devices = new DeviceBook({
    store,
    source,
    storage,
    storageKey: 'key',
    speakerSupported: true,
    hooks: {
      track: (kind) => asTrack(tracks[kind] ?? null),
      switchTrack: async (kind) => {
        switched.push(kind);
        // As the call does: a fresh track of the device now chosen replaces the old one.
        if (tracks[kind]) tracks[kind] = new FakeTrack(kind === 'camera' ? 'video' : 'audio');
      },
      inCall: () => Object.keys(tracks).length > 0,
      lostInCall: (message) => void told.push(message),
    },
  });
  return { store, source, storage, devices, switched, told };
}

test('DeviceBook: lists, names hidden or not, speaker choice only where setSinkId exists and speakers are listed', async () => {
  const chromium = book(CHROMIUM);
  chromium.devices.start();
  await chromium.devices.refresh();
  const state = chromium.store.state.devices;
  assert.equal(state.microphones.length, 2);
  assert.equal(state.speakerSelectable, true);
  assert.equal(state.labelsHidden, false);
  const firefox = book(FIREFOX_BEFORE);
  firefox.devices.start();
  await firefox.devices.refresh();
  assert.equal(firefox.store.state.devices.labelsHidden, true);
  assert.equal(firefox.store.state.devices.speakerSelectable, false, 'no speaker listed');
});

test('DeviceBook: a choice is remembered, switches the live track, and a new book (a reload) starts from it', async () => {
  const storage = new MemoryStorage();
  const mic = new FakeTrack('audio');
  const first = book(CHROMIUM, storage, { microphone: mic });
  first.devices.start();
  await first.devices.refresh();
  await first.devices.choose('microphone', 'mic-2');
  assert.deepEqual(first.switched, ['microphone']);
  assert.equal(first.store.state.devices.chosen.microphone, 'mic-2');
  await first.devices.choose('speaker', 'out-1');
  assert.deepEqual(first.switched, ['microphone'], 'the speaker is not a track: nothing to switch');
  const reload = book(CHROMIUM, storage);
  reload.devices.start();
  await reload.devices.refresh();
  assert.deepEqual(reload.store.state.devices.chosen, choice({ microphone: 'mic-2', speaker: 'out-1' }));
});

test('DeviceBook: a chosen device unplugged mid-call falls back to the default with a message, and is forgotten', async () => {
  const storage = new MemoryStorage();
  const mic = new FakeTrack('audio');
  const { devices, source, store, switched, told } = book(CHROMIUM, storage, { microphone: mic });
  devices.start();
  await devices.refresh();
  await devices.choose('microphone', 'mic-2');
  switched.length = 0;
  source.change(CHROMIUM.filter((d) => d.deviceId !== 'mic-2'));
  await devices.reconcile();
  assert.equal(store.state.devices.chosen.microphone, null);
  assert.match(store.state.devices.notice ?? '', /microphone was disconnected/);
  assert.deepEqual(switched, ['microphone'], 'the call gets a track of the default microphone');
  assert.equal(told.length, 1, 'the call shows the message too');
  assert.deepEqual(parseChoice(storage.getItem('key')).microphone, null);
});

test('DeviceBook: a call track that ended by itself (unplugged) is replaced from the default device', async () => {
  const camera = new FakeTrack('video');
  const { devices, store, switched } = book(CHROMIUM, new MemoryStorage(), { camera });
  devices.start();
  await devices.refresh();
  devices.watchCallTracks();
  camera.end();
  // The ended event started a reconcile; a refresh queues behind it.
  await devices.refresh();
  assert.deepEqual(switched, ['camera']);
  assert.match(store.state.devices.notice ?? '', /camera was disconnected/);
});

test('DeviceBook: only listed devices can be chosen (read again first), any while the browser hides ids', async () => {
  const { devices, source } = book(CHROMIUM);
  devices.start();
  await devices.refresh();
  assert.equal(await devices.offers('microphone', 'mic-2'), true);
  assert.equal(await devices.offers('microphone', null), true);
  assert.equal(await devices.offers('microphone', 'cam-0'), false, 'a camera is no microphone');
  assert.equal(await devices.offers('camera', 'made-up'), false);
  source.infos = [...CHROMIUM, { kind: 'videoinput', deviceId: 'just-plugged', label: 'USB camera' }];
  assert.equal(await devices.offers('camera', 'just-plugged'), true, 'plugged in before its devicechange arrived');
  const hidden = book(FIREFOX_BEFORE);
  hidden.devices.start();
  assert.equal(await hidden.devices.offers('camera', 'anything'), true);
  assert.equal(await hidden.devices.offers('speaker', 'anything'), false, 'no speaker listed');
});

test('DeviceBook: once a call opens its tracks (access granted) the lists are read again, and a remembered speaker applies', async () => {
  const storage = new MemoryStorage();
  storage.setItem('key', JSON.stringify({ speaker: 'out-1' }));
  const microphone = new FakeTrack('audio');
  const { devices, source, store } = book(FIREFOX_BEFORE, storage, { microphone });
  devices.start();
  await devices.refresh();
  assert.equal(store.state.devices.chosen.speaker, null, 'no speaker listed before access');
  assert.equal(store.state.devices.speakerSelectable, false);
  source.infos = CHROMIUM;
  devices.watchCallTracks();
  await settle();
  assert.equal(store.state.devices.chosen.speaker, 'out-1');
  assert.equal(store.state.devices.speakerSelectable, true);
});

test('DeviceBook: a device plugged in changes nothing chosen, and tells nothing', async () => {
  const { devices, source, store, switched } = book(CHROMIUM);
  devices.start();
  await devices.refresh();
  await devices.choose('camera', 'cam-0');
  switched.length = 0;
  source.change([...CHROMIUM, { kind: 'videoinput', deviceId: 'cam-new', label: 'USB camera' }]);
  await devices.reconcile();
  assert.equal(store.state.devices.chosen.camera, 'cam-0');
  assert.equal(store.state.devices.cameras.length, 2);
  assert.equal(store.state.devices.notice, null);
  assert.deepEqual(switched, []);
});

/** Alice's tab in a connected video call with Bob (fake links and devices, real Calls). */
async function videoCall() {
  const world = new World();
  const a = world.tab({ id: 'alice', name: 'Alice' }, 'a1');
  const b = world.tab({ id: 'bob', name: 'Bob' }, 'b1');
  void a.calls.place('bob', { video: true });
  await world.drain();
  void b.calls.accept();
  await world.drain();
  a.link.condition('connected');
  b.link.condition('connected');
  await settle();
  return a;
}

test('switchDevice replaces the live track without renegotiating, stops the old one and keeps mute', async () => {
  const a = await videoCall();
  a.calls.media.setMicrophone(a.call, false);
  await settle();
  const call = a.call!;
  const [oldMic, oldCamera] = [call.mic, call.camera];
  const offersBefore = a.link.log.filter((l) => l === 'createOffer').length;
  const sentBefore = a.outbox.types().length;
  await a.calls.media.switchDevice(call, 'microphone');
  await a.calls.media.switchDevice(call, 'camera');
  assert.notEqual(call.mic, oldMic);
  assert.notEqual(call.camera, oldCamera);
  assert.equal(oldMic?.readyState, 'ended', 'the old microphone is released');
  assert.equal(oldCamera?.readyState, 'ended', 'the old camera is released');
  assert.equal(a.link.tracks.video, call.camera, 'the new camera is sent');
  assert.equal(a.link.tracks.audio, null, 'still muted: nothing sent');
  assert.equal(call.mic?.enabled, false);
  assert.equal(call.local.audio, false);
  assert.equal(a.link.log.filter((l) => l === 'createOffer').length, offersBefore, 'no new offer');
  assert.deepEqual(a.outbox.types().slice(sentBefore), [], 'nothing signalled at all');
  assert.equal(a.phase, 'connected');
});

test('switchDevice with the camera off opens nothing; an unplugged camera with no other goes off and says so', async () => {
  const a = await videoCall();
  const call = a.call!;
  const camera = call.camera as unknown as FakeTrack;
  camera.end();
  a.devices.camera = false;
  const sentBefore = a.outbox.sent.length;
  await a.calls.media.switchDevice(call, 'camera');
  assert.equal(call.camera, null);
  assert.equal(call.local.video, false);
  assert.equal(a.link.tracks.video, null);
  assert.deepEqual(
    a.outbox.sent.slice(sentBefore).map((s) => s.message.type),
    ['media-state'],
    'the peer hears the camera is off',
  );
  const opened = a.devices.userMediaCalls;
  await a.calls.media.switchDevice(call, 'camera');
  assert.equal(a.devices.userMediaCalls, opened, 'camera off: nothing to switch');
});
