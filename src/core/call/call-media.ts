/**
 * A call's own media: opening the camera and microphone (at the accept, or while ringing with a
 * preview), the microphone, camera and screen toggles, the local preview, and the hand-over of
 * open devices from a call dropped in glare to the call that replaces it.
 *
 * Local state follows what happened: a toggle changes `call.local` only once its track is on the
 * link, and a toggle that fails puts back what was there and reports a media error.
 */
import type { MediaKinds } from '../../protocol/index.js';
import { acquireDisplayMedia, acquireUserMedia } from '../media.js';
import type { DeviceChoice } from '../devices.js';
import type { SessionStore } from '../session-state.js';
import { texts } from '../texts.js';
import type { MediaFlags, SessionError } from '../types.js';
import type { Call, CallLink } from './call.js';

/** Camera, microphone and screen (the browser's; fakes in node tests). */
export interface Devices {
  /** Opens what `kinds` asks for from the `chosen` devices (the default when gone), degrading to less; the first error met, if any. */
  userMedia(
    kinds: MediaKinds,
    chosen?: Partial<DeviceChoice>,
  ): Promise<{ audio: MediaStreamTrack | null; video: MediaStreamTrack | null; error: SessionError | null }>;
  display(): Promise<{ track: MediaStreamTrack | null; error: SessionError | null }>;
  /** The preview stream of these tracks. */
  preview(tracks: MediaStreamTrack[]): MediaStream;
}

export const browserDevices: Devices = {
  async userMedia(kinds, chosen) {
    const result = await acquireUserMedia(kinds, undefined, chosen);
    const audio = result.stream?.getAudioTracks()[0] ?? null;
    const video = result.stream?.getVideoTracks()[0] ?? null;
    for (const t of result.stream?.getTracks() ?? []) if (t !== audio && t !== video) t.stop();
    return { audio, video, error: result.error };
  },
  display: () => acquireDisplayMedia(),
  preview: (tracks) => new MediaStream(tracks),
};

/**
 * What the media part needs of a call: a 1:1 `Call`, or a group call whose `link` puts each
 * track on every link of its mesh (group/group-call.ts).
 */
export interface MediaCall {
  readonly isLive: boolean;
  /** Whether the others may hear about media yet. */
  readonly released: boolean;
  readonly media: MediaKinds;
  readonly machine: { readonly phase: Call['machine']['phase'] };
  link: Pick<CallLink, 'setTrack'> | null;
  mic: MediaStreamTrack | null;
  camera: MediaStreamTrack | null;
  screen: MediaStreamTrack | null;
  local: MediaFlags;
  localView: MediaStream | null;
}

export interface MediaHooks<C extends MediaCall = Call> {
  /** Whether `call` is still the one shown (a replaced call's late devices are closed). */
  isCurrent(call: C): boolean;
  render(call: C): void;
  /** Tells the peer what we send now. */
  sendMediaState(call: C): void;
  /** The camera and microphone the visitor chose (devices.ts); the defaults when absent. */
  chosenDevices?(): Partial<DeviceChoice>;
  /** The call's camera or microphone track changed (the device book watches live tracks for unplugging). */
  tracksChanged?(): void;
}

export class CallMedia<C extends MediaCall = Call> {
  /** The visitor's microphone choice, kept across calls. */
  private micOn = true;
  /** Video in new calls, kept across calls. */
  private videoOn: boolean;

  constructor(
    private readonly devices: Devices,
    private readonly store: SessionStore,
    private readonly hooks: MediaHooks<C>,
    video: boolean,
  ) {
    this.videoOn = video;
  }

  get videoDefault(): boolean {
    return this.videoOn;
  }

  /** What a call sends: the microphone, and the camera when it is a video call and video is on here. */
  kindsFor(call: C): MediaKinds {
    return { audio: true, video: call.media.video && this.videoOn };
  }

  /** Opens camera and/or microphone for `call` (nothing when a glared call handed its devices over). */
  async open(call: C, kinds: MediaKinds): Promise<void> {
    if (call.mic || call.camera) return;
    const got = await this.userMedia(kinds);
    if (!this.hooks.isCurrent(call) || !call.isLive) {
      for (const t of [got.audio, got.video]) t?.stop();
      return;
    }
    call.mic = got.audio;
    call.camera = got.video;
    if (call.mic) call.mic.enabled = this.micOn;
    call.local = { audio: call.mic !== null && this.micOn, video: call.camera !== null, screen: call.local.screen };
    if (got.error) this.store.reportError(got.error);
    else this.store.clearError('media');
    await this.applyTracks(call);
    this.hooks.tracksChanged?.();
    this.hooks.render(call);
    if (call.released && call.machine.phase !== 'ringing') this.hooks.sendMediaState(call);
  }

  setMicrophone(call: C | null, enabled: boolean): void {
    this.micOn = enabled;
    if (!call?.isLive) return;
    if (call.mic) call.mic.enabled = enabled;
    call.local = { ...call.local, audio: enabled && call.mic !== null };
    // A disabled track still sends silence packets: take it off the sender so muted means nothing is sent.
    void this.applyTracks(call).catch((e: unknown) => this.failed(call, e));
    this.hooks.render(call);
    this.hooks.sendMediaState(call);
  }

  async setCamera(call: C | null, enabled: boolean): Promise<void> {
    if (!call?.isLive) {
      this.videoOn = enabled;
      return;
    }
    const before = call.camera;
    if (enabled && !before) {
      const got = await this.userMedia({ audio: false, video: true });
      if (!got.video || !call.isLive || !this.hooks.isCurrent(call)) {
        got.video?.stop();
        if (got.error) this.store.reportError(got.error);
        return;
      }
      call.camera = got.video;
    } else if (!enabled && before) {
      call.camera = null;
    } else return;
    try {
      await this.applyTracks(call);
    } catch (e) {
      // Not on the link: put back what was there, so nothing claims a camera state that did not happen.
      if (call.camera !== before) call.camera?.stop();
      call.camera = before;
      await this.applyTracks(call).catch(() => undefined);
      return this.failed(call, e);
    }
    // Stopping (not just disabling) turns the camera light off.
    before?.stop();
    this.hooks.tracksChanged?.();
    if (enabled) this.store.clearError('media');
    call.local = { ...call.local, video: call.camera !== null };
    this.hooks.render(call);
    this.hooks.sendMediaState(call);
  }

  /**
   * Puts the chosen camera or microphone on the live call: a new track from the chosen device
   * (the default when it is gone) replaces the old one on its sender (replaceTrack: no new offer,
   * the call goes on), then the old one stops. Mute, camera-off and screen sharing stay as they
   * are: a camera turned off (or a call without a microphone) keeps nothing to switch, and opens
   * the chosen device when turned on. A device that cannot be opened leaves the old track on,
   * unless the old one already ended (unplugged): then the call goes on without it, and says so.
   */
  async switchDevice(call: C | null, kind: 'camera' | 'microphone'): Promise<void> {
    if (!call?.isLive) return;
    const slot = kind === 'camera' ? 'camera' : 'mic';
    const before = call[slot];
    if (!before) return;
    const got = await this.userMedia({ audio: kind === 'microphone', video: kind === 'camera' });
    const track = kind === 'camera' ? got.video : got.audio;
    for (const t of [got.audio, got.video]) if (t !== track) t?.stop();
    // The call ended, or another switch or toggle got there first: that one stands.
    if (!call.isLive || !this.hooks.isCurrent(call) || call[slot] !== before) {
      track?.stop();
      return;
    }
    if (!track) {
      if (got.error) this.store.reportError(got.error);
      if (before.readyState === 'ended') await this.drop(call, slot);
      return;
    }
    if (slot === 'mic') track.enabled = this.micOn;
    call[slot] = track;
    try {
      await this.applyTracks(call);
    } catch (e) {
      call[slot] = before;
      track.stop();
      await this.applyTracks(call).catch(() => undefined);
      return this.failed(call, e);
    }
    before.stop();
    this.hooks.tracksChanged?.();
    this.hooks.render(call);
  }

  /** An unplugged device with nothing to replace it: the call goes on without that track, and the peer is told. */
  private async drop(call: C, slot: 'camera' | 'mic'): Promise<void> {
    call[slot] = null;
    call.local = { ...call.local, audio: call.mic !== null && this.micOn, video: call.camera !== null };
    await this.applyTracks(call).catch(() => undefined);
    this.hooks.render(call);
    this.hooks.sendMediaState(call);
  }

  async startScreenShare(call: C | null): Promise<void> {
    if (!call || (call.machine.phase !== 'connecting' && call.machine.phase !== 'connected')) {
      return this.store.reportError({ code: 'call_failed', scope: 'media', message: texts.call.screenNeedsCall });
    }
    if (call.screen) return;
    const { track, error } = await this.devices.display();
    if (!track) {
      if (error) this.store.reportError(error);
      return;
    }
    if (!this.hooks.isCurrent(call) || !call.isLive) {
      track.stop();
      return;
    }
    call.screen = track;
    // The browser's own "Stop sharing" button ends the track: put the camera back.
    track.addEventListener('ended', () => {
      if (call.screen === track) void this.stopScreenShare(call);
    });
    try {
      await this.applyTracks(call);
    } catch (e) {
      call.screen = null;
      track.stop();
      await this.applyTracks(call).catch(() => undefined);
      return this.failed(call, e);
    }
    call.local = { ...call.local, screen: true };
    this.store.clearError('media');
    this.hooks.render(call);
    this.hooks.sendMediaState(call);
  }

  async stopScreenShare(call: C | null): Promise<void> {
    if (!call?.screen) return;
    const track = call.screen;
    call.screen = null;
    track.stop();
    call.local = { ...call.local, screen: false };
    if (!call.isLive) return;
    await this.applyTracks(call).catch((e: unknown) => this.failed(call, e));
    this.hooks.render(call);
    this.hooks.sendMediaState(call);
  }

  /** Glare: the devices already open for the dropped call go to the one replacing it (no second prompt). */
  handOver(from: C, to: C): void {
    to.mic = from.mic;
    to.camera = from.camera;
    to.local = { ...from.local, screen: false };
    from.mic = from.camera = null;
    to.localView = from.localView;
  }

  private userMedia(kinds: MediaKinds) {
    return this.devices.userMedia(kinds, this.hooks.chosenDevices?.());
  }

  /** Puts the current tracks on the link and rebuilds the local preview stream. */
  async applyTracks(call: C): Promise<void> {
    const video = call.screen ?? call.camera;
    const tracks = [call.mic, video].filter((t): t is MediaStreamTrack => t !== null);
    const previous = call.localView?.getTracks() ?? [];
    if (tracks.length !== previous.length || tracks.some((t, i) => t !== previous[i])) {
      call.localView = tracks.length ? this.devices.preview(tracks) : null;
    }
    if (!call.link) return;
    await call.link.setTrack('audio', this.micOn ? call.mic : null);
    await call.link.setTrack('video', video);
  }

  /** A track could not be put on the link: the view shows what is really sent, and the visitor hears why. */
  private failed(call: C, _error: unknown): void {
    this.hooks.render(call);
    this.store.reportError({ code: 'media_failed', scope: 'media', message: texts.call.trackFailed });
  }
}
