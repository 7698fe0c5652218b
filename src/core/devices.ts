/**
 * The camera, microphone and speaker the visitor chose: the lists the browser gives
 * (`enumerateDevices`), the choice and its memory (localStorage, per page origin and per
 * backend), and devices that come and go (`devicechange`, a live track that ends).
 *
 * The decisions are pure functions (tested in node: test/unit/core-devices.test.ts); `DeviceBook`
 * is the thin I/O around them. Switching the track of a live call is the call media's
 * (`CallMedia.switchDevice`: `replaceTrack`, never a new offer); this module only says when.
 *
 * Measured with the test set-up (web-test-runner.config.mjs, test/elements/device-settings.test.ts):
 * - Chromium 156 with its fake devices lists labels at once: "Fake Default Audio Input" (id
 *   `default`), "Fake Audio Input 1" and "2", one camera "fake_device_0", and three speakers.
 * - Firefox ESR 153 lists one microphone and one camera with empty ids and labels until
 *   getUserMedia was granted, then "Default Audio Device" / "Default Video Device". It has
 *   `HTMLMediaElement.setSinkId` (no pref needed) and lists speakers once microphone access was
 *   granted, and only when the machine has a sound output: with the test set-up's mock output
 *   (`media.cubeb.force_mock_context`) "Fake Audio Output 1 (PREFERRED)" and "2"; without any
 *   output it lists none (and `selectAudioOutput()` gives NotFoundError), so the choice is hidden.
 *   Hence the lists are read again once a call's tracks open (permission granted).
 * - `track.stop()` fires no `ended` event on the track (only a device going away does).
 */
import type { MediaKinds } from '../protocol/index.js';
import type { SessionStore } from './session-state.js';
import { texts } from './texts.js';

export type DeviceKind = 'camera' | 'microphone' | 'speaker';

export const DEVICE_KINDS: readonly DeviceKind[] = ['camera', 'microphone', 'speaker'];

/** The browser's name of each kind (`MediaDeviceInfo.kind`). */
const BROWSER_KIND: Record<DeviceKind, MediaDeviceKind> = { camera: 'videoinput', microphone: 'audioinput', speaker: 'audiooutput' };

/** One device a visitor can pick. `label` is empty until camera or microphone access was granted. */
export interface DeviceOption {
  id: string;
  label: string;
}

/** The device of each kind; null = the browser's default. */
export type DeviceChoice = Record<DeviceKind, string | null>;

export const DEFAULT_CHOICE: DeviceChoice = Object.freeze({ camera: null, microphone: null, speaker: null });

/** `SessionState.devices`: what `<rtc-device-settings>` shows. */
export interface DevicesState {
  cameras: DeviceOption[];
  microphones: DeviceOption[];
  speakers: DeviceOption[];
  /** The device used (and to be used) of each kind; null = the default. A remembered device that is gone is null. */
  chosen: DeviceChoice;
  /** The browser can send the call's sound to a chosen speaker (`setSinkId`) and lists speakers; else the choice is hidden. */
  speakerSelectable: boolean;
  /** The browser hides device names until camera or microphone access is granted. */
  labelsHidden: boolean;
  /** Why a device changed by itself ("Your microphone was disconnected…"); null until that happens, cleared by a choice. */
  notice: string | null;
}

export const NO_DEVICES: DevicesState = Object.freeze({
  cameras: [],
  microphones: [],
  speakers: [],
  chosen: DEFAULT_CHOICE,
  speakerSelectable: false,
  labelsHidden: false,
  notice: null,
});

/** What `enumerateDevices()` gives, reduced to what the decisions read. */
export type DeviceInfo = Pick<MediaDeviceInfo, 'kind' | 'deviceId' | 'label'>;

/** Chromium's stand-ins for "whatever the system uses": the `null` choice already means that. */
const ALIAS_IDS = new Set(['default', 'communications']);

/** The devices of `kind` a visitor can pick (the "default" aliases and not-yet-permitted empty ids left out). */
export function devicesOf(infos: readonly DeviceInfo[], kind: DeviceKind): DeviceOption[] {
  return infos
    .filter((d) => d.kind === BROWSER_KIND[kind] && d.deviceId !== '' && !ALIAS_IDS.has(d.deviceId))
    .map((d) => ({ id: d.deviceId, label: d.label }));
}

/**
 * The device to use of each kind: the visitor's preference while the browser lists it, else the
 * default (silently: nothing to tell about a device that is simply not here today). Before
 * permission some browsers (Firefox) list devices without ids: then nothing can be checked, and
 * the preference stands (opening it falls back to the default if it is gone).
 */
export function resolveChoice(preference: DeviceChoice, infos: readonly DeviceInfo[]): DeviceChoice {
  const choice = { ...DEFAULT_CHOICE };
  for (const kind of DEVICE_KINDS) {
    const wanted = preference[kind];
    if (wanted === null) continue;
    const unchecked = infos.some((d) => d.kind === BROWSER_KIND[kind] && d.deviceId === '');
    if (unchecked || devicesOf(infos, kind).some((d) => d.id === wanted)) choice[kind] = wanted;
  }
  return choice;
}

/** The kinds whose chosen device went away between `before` and `after` (each now falls back to the default). */
export function lostKinds(before: DeviceChoice, after: DeviceChoice): DeviceKind[] {
  return DEVICE_KINDS.filter((kind) => before[kind] !== null && after[kind] === null);
}

/** The localStorage key of the choice: per backend (localStorage itself is per page origin, like device ids). */
export function choiceStorageKey(server: string): string {
  let origin = server;
  try {
    origin = new URL(server).origin;
  } catch {
    // Not a URL: the text itself still tells backends apart.
  }
  return `rtc-call:devices:${origin}`;
}

/** The remembered choice in `raw` (a stored JSON text); anything unreadable is the default, never an error. */
export function parseChoice(raw: string | null): DeviceChoice {
  if (!raw) return { ...DEFAULT_CHOICE };
  let stored: unknown;
  try {
    stored = JSON.parse(raw);
  } catch {
    return { ...DEFAULT_CHOICE };
  }
  const choice = { ...DEFAULT_CHOICE };
  if (typeof stored !== 'object' || stored === null) return choice;
  for (const kind of DEVICE_KINDS) {
    const id = (stored as Record<string, unknown>)[kind];
    // Device ids are opaque strings of a few dozen characters; a long one is not ours.
    if (typeof id === 'string' && id !== '' && id.length <= 512) choice[kind] = id;
  }
  return choice;
}

/**
 * The getUserMedia constraint of one kind: the chosen device exactly, or any. `exact` (not `ideal`)
 * so a gone device fails (OverconstrainedError) instead of silently opening another one; the
 * acquisition then retries without it (media.ts).
 */
export function trackConstraint(base: MediaTrackConstraints | true, deviceId: string | null | undefined): MediaTrackConstraints | true {
  if (!deviceId) return base;
  return { ...(base === true ? {} : base), deviceId: { exact: deviceId } };
}

/** The getUserMedia constraints of `kinds` with the chosen camera and microphone. */
export function userMediaConstraints(
  kinds: MediaKinds,
  camera: MediaTrackConstraints,
  chosen: Partial<DeviceChoice> = {},
): MediaStreamConstraints {
  return {
    audio: kinds.audio ? trackConstraint(true, chosen.microphone) : false,
    video: kinds.video ? trackConstraint(camera, chosen.camera) : false,
  };
}

/** Whether the browser can play a media element on a chosen speaker. */
export function canChooseSpeaker(): boolean {
  return typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
}

/** The browser's device list and its `devicechange` event (navigator.mediaDevices; a fake in node tests). */
export interface DeviceSource {
  enumerateDevices(): Promise<DeviceInfo[]>;
  addEventListener(type: 'devicechange', listener: () => void): void;
  removeEventListener(type: 'devicechange', listener: () => void): void;
}

/** Where the choice is remembered (localStorage; absent when the page forbids storage). */
export type ChoiceStorage = Pick<Storage, 'getItem' | 'setItem'>;

export interface DeviceBookHooks {
  /** The live call's track of `kind`, if one is open. */
  track(kind: 'camera' | 'microphone'): MediaStreamTrack | null;
  /** Puts the chosen device of `kind` on the live call (replaceTrack; nothing when the call has none open). */
  switchTrack(kind: 'camera' | 'microphone'): Promise<void>;
  /** A device of the live call went away and was replaced: tell the visitor there too. */
  lostInCall(message: string): void;
  /** Whether a call is live (a lost device outside a call only shows in the settings). */
  inCall(): boolean;
}

export interface DeviceBookOptions {
  store: SessionStore;
  source: DeviceSource | null;
  storage: ChoiceStorage | null;
  storageKey: string;
  speakerSupported: boolean;
  hooks: DeviceBookHooks;
}

/** The visitor's devices: the lists, the choice (remembered), and devices that come and go. */
export class DeviceBook {
  private preference: DeviceChoice;
  private infos: DeviceInfo[] = [];
  private readonly onDeviceChange = () => void this.reconcile();
  private readonly onTrackEnded = () => void this.reconcile();
  /** The call's tracks whose `ended` is listened to (weak: ended tracks are let go with the call). */
  private readonly watched = new WeakSet<MediaStreamTrack>();
  private started = false;
  private disposed = false;
  /** Each refresh waits for the one before it, so an older list never overwrites a newer one. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: DeviceBookOptions) {
    this.preference = parseChoice(this.read());
  }

  /** The device to open of each kind now. */
  get chosen(): DeviceChoice {
    return this.options.store.state.devices.chosen;
  }

  /** Starts listening for devices plugged in or out, and reads the lists once. */
  start(): void {
    if (this.started || !this.options.source) return;
    this.started = true;
    this.options.source.addEventListener('devicechange', this.onDeviceChange);
    this.publish({ chosen: { ...this.preference }, speakerSelectable: false });
    void this.refresh();
  }

  dispose(): void {
    this.options.source?.removeEventListener('devicechange', this.onDeviceChange);
    this.started = false;
    // A watched track ending later must not touch a disposed session.
    this.disposed = true;
  }

  /** Reads the lists again (after permission was granted, names and ids appear). */
  refresh(): Promise<void> {
    return this.serial(async () => {
      await this.readLists();
      this.publish({ chosen: resolveChoice(this.preference, this.infos) });
    });
  }

  /**
   * Whether `deviceId` can be chosen for `kind`: the default always; a device the browser lists
   * (read again first, in case it was just plugged in), or any while the browser hides ids.
   */
  async offers(kind: DeviceKind, deviceId: string | null): Promise<boolean> {
    if (deviceId === null) return true;
    const listed = () => resolveChoice({ ...DEFAULT_CHOICE, [kind]: deviceId }, this.infos)[kind] === deviceId;
    if (listed()) return true;
    await this.refresh();
    return listed();
  }

  /**
   * The visitor picked `deviceId` (null: the default) for `kind`: remembered, and put on a live
   * call at once (a new track by replaceTrack, the old one stopped; no renegotiation).
   */
  async choose(kind: DeviceKind, deviceId: string | null): Promise<void> {
    this.preference = { ...this.preference, [kind]: deviceId };
    this.write();
    this.publish({ chosen: { ...this.chosen, [kind]: deviceId }, notice: null });
    if (kind !== 'speaker') await this.options.hooks.switchTrack(kind);
    this.watchCallTracks();
  }

  /** A call opened or replaced its tracks: watch them, so a device unplugged mid-call is noticed at once; read the lists again. */
  watchCallTracks(): void {
    let opened = false;
    for (const kind of ['camera', 'microphone'] as const) {
      const track = this.options.hooks.track(kind);
      if (!track || this.watched.has(track)) continue;
      this.watched.add(track);
      track.addEventListener('ended', this.onTrackEnded, { once: true });
      opened = true;
    }
    // Access is granted now: names, ids and (in Firefox) speakers appear, and a remembered speaker with them.
    if (opened && !this.disposed) void this.refresh();
  }

  /**
   * Devices changed (plugged in or out), or a call's track ended by itself (what unplugging does to
   * a live track): the lists are read again, and every kind whose device is gone falls back to the
   * default, with a message. A track that ended while its device is still listed counts as gone
   * too (the device stopped working), so the call gets a fresh track of the default device.
   */
  reconcile(): Promise<void> {
    return this.serial(async () => {
      if (this.disposed) return;
      const before = this.chosen;
      await this.readLists();
      const after = resolveChoice(this.preference, this.infos);
      const lost = new Set(lostKinds(before, after));
      for (const kind of ['camera', 'microphone'] as const) {
        if (this.options.hooks.track(kind)?.readyState === 'ended') lost.add(kind);
      }
      // A device lost while in use is forgotten: the visitor was told it is the default now, and a
      // flaky device coming back must not take the call back by itself.
      for (const kind of lost) after[kind] = this.preference[kind] = null;
      if (lost.size) this.write();
      const notice = lost.size ? texts.ui.devices.lost([...lost]) : this.options.store.state.devices.notice;
      this.publish({ chosen: after, notice });
      if (!lost.size) return;
      for (const kind of lost) {
        if (kind !== 'speaker') await this.options.hooks.switchTrack(kind);
      }
      if (this.options.hooks.inCall()) this.options.hooks.lostInCall(notice!);
      this.watchCallTracks();
    });
  }

  private serial(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(step, step);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async readLists(): Promise<void> {
    const source = this.options.source;
    if (!source) return;
    try {
      this.infos = (await source.enumerateDevices()).map(({ kind, deviceId, label }) => ({ kind, deviceId, label }));
    } catch {
      // A browser without the list keeps the last one: choosing still works by the ids it had.
    }
  }

  private publish(patch: Partial<DevicesState>): void {
    const infos = this.infos;
    const speakers = devicesOf(infos, 'speaker');
    const store = this.options.store;
    store.update({
      devices: {
        ...store.state.devices,
        cameras: devicesOf(infos, 'camera'),
        microphones: devicesOf(infos, 'microphone'),
        speakers,
        speakerSelectable: this.options.speakerSupported && speakers.length > 0,
        labelsHidden: infos.some((d) => d.label === ''),
        ...patch,
      },
    });
  }

  private read(): string | null {
    try {
      return this.options.storage?.getItem(this.options.storageKey) ?? null;
    } catch {
      return null;
    }
  }

  private write(): void {
    try {
      this.options.storage?.setItem(this.options.storageKey, JSON.stringify(this.preference));
    } catch {
      // Storage full or forbidden: the choice holds for this page only.
    }
  }
}
