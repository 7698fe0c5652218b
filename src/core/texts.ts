/**
 * Every sentence a visitor sees, in one catalogue, so a translation replaces one object and
 * nothing else. Sentences that name someone take the name as it is and wrap it in FSI … PDI
 * (`isolateText`): a right-to-left or oddly built name cannot reorder the sentence around it.
 *
 * Sections follow who shows the sentence: `errors` by error code (the API client, the
 * sign-in form, an expired sign-in, an unreachable service), `site` (signing in with the
 * embedding site's account), `unexpected`, `call` (status
 * lines and call failures), `chat`, `media`, and `ui` (labels of the elements).
 *
 * Languages: every entry is a `msg()` of `@lit/localize` with the entry's path as its id, so
 * `npm run localize:extract` lists it for the translators (xliff/*.xlf) and the runtime finds
 * its translation in the loaded locale module (src/generated/locales/). The English catalogue
 * is built by `catalogue()`; `texts` is a view of it that resolves each entry when it is read,
 * in the language loaded then, so `const words = texts.ui.controls` at module level still
 * gives localized words at render time. A sentence with a placeholder is a function: it asks
 * `msg()` each time it is called. Numbers and durations in sentences go through
 * src/core/formats.ts (`Intl`), in the page's locale.
 */
import { LOCALE_STATUS_EVENT, msg, str, type LocaleStatusEventDetail } from '@lit/localize';
import { isolateText } from '../protocol/names.js';
import type { CallOutcome, NameRule, PresenceStatus } from '../protocol/index.js';
import { NAME_MAX_COMBINING_RUN, NAME_MAX_LENGTH, NAME_MIN_LENGTH } from '../protocol/limits.js';
import type { CallEndReason, SessionErrorCode } from './types.js';
import { formatCount, formatDuration, formatList, formatLocale } from './formats.js';

const who = (name: string) => isolateText(name);
type DeviceKind = 'camera' | 'microphone' | 'speaker';
const count = (n: number) => formatCount(n);

/**
 * Site accounts (the page signs the visitor in with the site's own account, PROTOCOL.md §1): the
 * errors by code, merged into `errors` below, and what `<rtc-call>` shows instead of a form.
 */
const siteErrors = () =>
  ({
    invalid_site_token: msg("This site's sign-in for calls was not accepted. Reload the page; if it keeps happening, tell the site.", {
      id: 'errors.invalid_site_token',
    }),
    site_keys_unavailable: msg('The call service cannot check your sign-in right now. Trying again…', {
      id: 'errors.site_keys_unavailable',
    }),
    site_accounts_disabled: msg('The call service does not accept sign-ins from this site.', { id: 'errors.site_accounts_disabled' }),
    password_accounts_disabled: msg('This call service signs you in through the site you are on, not with a password here.', {
      id: 'errors.password_accounts_disabled',
    }),
    site_token_url_failed: msg('This site did not sign you in for calls. Reload the page and try again.', {
      id: 'errors.site_token_url_failed',
    }),
  }) satisfies Partial<Record<SessionErrorCode, string>>;

const site = () => ({
  /** The site's token URL answered 401 or 403: the visitor is not signed in there. */
  notSignedIn: msg('Sign in on this site to use calls.', { id: 'site.notSignedIn' }),
  /** The site's token URL answered, but not `{ "token": "…" }`. */
  noToken: msg("This site's sign-in for calls gave no token. Reload the page; if it keeps happening, tell the site.", {
    id: 'site.noToken',
  }),
  /** The site's token URL cannot be reached, or failed on its side. */
  unreachable: msg('Cannot reach this site to sign you in for calls. Trying again…', { id: 'site.unreachable' }),
  signingIn: msg('Signing you in…', { id: 'site.signingIn' }),
  signedOut: msg('You are signed out of calls.', { id: 'site.signedOut' }),
  signInAgain: msg('Sign in again', { id: 'site.signInAgain' }),
});

/** Choosing the camera, microphone and speaker (`<rtc-device-settings>`), and devices unplugged (devices.ts). */
const devices = () => ({
  title: msg('Devices', { id: 'ui.devices.title' }),
  /** The call controls' button that opens the device settings. */
  toggle: msg('Devices', { id: 'ui.devices.toggle' }),
  toggleTitle: msg('Choose camera, microphone and speaker', { id: 'ui.devices.toggleTitle' }),
  camera: msg('Camera', { id: 'ui.devices.camera' }),
  microphone: msg('Microphone', { id: 'ui.devices.microphone' }),
  speaker: msg('Speaker', { id: 'ui.devices.speaker' }),
  /** The first option of each list: whatever the browser and the system use. */
  defaultDevice: msg('Default', { id: 'ui.devices.defaultDevice' }),
  /** A device whose name the browser hides (before access is allowed): "Camera 2". */
  unnamed: (kind: DeviceKind, n: number) =>
    ({
      camera: () => msg(str`Camera ${count(n)}`, { id: 'ui.devices.unnamed.camera' }),
      microphone: () => msg(str`Microphone ${count(n)}`, { id: 'ui.devices.unnamed.microphone' }),
      speaker: () => msg(str`Speaker ${count(n)}`, { id: 'ui.devices.unnamed.speaker' }),
    })[kind](),
  labelsHidden: msg('The browser shows the names of your devices once you allow the camera and microphone.', {
    id: 'ui.devices.labelsHidden',
  }),
  none: {
    camera: msg('No camera found', { id: 'ui.devices.none.camera' }),
    microphone: msg('No microphone found', { id: 'ui.devices.none.microphone' }),
  },
  /**
   * Devices that went away (unplugged) and were replaced by the default ones: one sentence per
   * device (each language words its own noun), or the devices listed by `Intl.ListFormat`.
   */
  lost: (kinds: ReadonlyArray<DeviceKind>) => {
    const one = {
      camera: () => msg('Your camera was disconnected. Now using the default camera.', { id: 'ui.devices.lost.camera' }),
      microphone: () => msg('Your microphone was disconnected. Now using the default microphone.', { id: 'ui.devices.lost.microphone' }),
      speaker: () => msg('Your speaker was disconnected. Now using the default speaker.', { id: 'ui.devices.lost.speaker' }),
    };
    if (kinds.length === 1) return one[kinds[0]!]();
    const names = {
      camera: msg('camera', { id: 'ui.devices.names.camera' }),
      microphone: msg('microphone', { id: 'ui.devices.names.microphone' }),
      speaker: msg('speaker', { id: 'ui.devices.names.speaker' }),
    };
    const list = formatList(kinds.map((kind) => names[kind]));
    return msg(str`Your ${list} were disconnected. Now using the default ones.`, { id: 'ui.devices.lost.several' });
  },
  invalidChoice: msg('That device cannot be chosen. Pick one from the list.', { id: 'ui.devices.invalidChoice' }),
});

/** The pre-call check (`<rtc-precall-check>`) and the button opening it in `<rtc-call>`. */
const precall = () => ({
  open: msg('Check devices and connection', { id: 'ui.precall.open' }),
  title: msg('Check your devices and connection', { id: 'ui.precall.title' }),
  close: msg('Close the check', { id: 'ui.precall.close' }),
  camera: msg('Camera', { id: 'ui.precall.camera' }),
  preview: msg('Your camera', { id: 'ui.precall.preview' }),
  cameraStates: {
    pending: msg('Starting your camera…', { id: 'ui.precall.cameraStates.pending' }),
    ok: msg('Your camera works.', { id: 'ui.precall.cameraStates.ok' }),
    missing: msg('No camera found.', { id: 'ui.precall.cameraStates.missing' }),
    denied: msg("The camera is blocked. Allow it in the browser's site settings.", { id: 'ui.precall.cameraStates.denied' }),
    failed: msg('The camera could not start. Another app may be using it.', { id: 'ui.precall.cameraStates.failed' }),
    'no-frames': msg('The camera started but shows no picture.', { id: 'ui.precall.cameraStates.no-frames' }),
    unused: msg('Calls here are audio only.', { id: 'ui.precall.cameraStates.unused' }),
  },
  microphone: msg('Microphone', { id: 'ui.precall.microphone' }),
  meter: msg('Microphone level', { id: 'ui.precall.meter' }),
  micStates: {
    pending: msg('Starting your microphone…', { id: 'ui.precall.micStates.pending' }),
    ok: msg('Speak: the bar moves when the microphone hears you.', { id: 'ui.precall.micStates.ok' }),
    missing: msg('No microphone found.', { id: 'ui.precall.micStates.missing' }),
    denied: msg("The microphone is blocked. Allow it in the browser's site settings.", { id: 'ui.precall.micStates.denied' }),
    failed: msg('The microphone could not start. Another app may be using it.', { id: 'ui.precall.micStates.failed' }),
  },
  speaker: msg('Speaker', { id: 'ui.precall.speaker' }),
  playSound: msg('Play a test sound', { id: 'ui.precall.playSound' }),
  playing: msg('Playing…', { id: 'ui.precall.playing' }),
  didYouHear: msg('Did you hear a short chime? If not, check the volume and the speaker.', { id: 'ui.precall.didYouHear' }),
  soundFailed: msg('The test sound could not play on this speaker.', { id: 'ui.precall.soundFailed' }),
  connection: msg('Connection', { id: 'ui.precall.connection' }),
  checking: msg('Checking how calls can connect…', { id: 'ui.precall.checking' }),
  candidateTypes: msg('Ways this browser can connect', { id: 'ui.precall.candidateTypes' }),
  candidates: {
    host: msg('Local network', { id: 'ui.precall.candidates.host' }),
    srflx: msg('Internet, direct (through your router)', { id: 'ui.precall.candidates.srflx' }),
    relay: msg('Relay server', { id: 'ui.precall.candidates.relay' }),
  },
  found: (n: number) =>
    n === 1 ? msg('found', { id: 'ui.precall.found.one' }) : msg(str`found (${count(n)})`, { id: 'ui.precall.found.many' }),
  notFound: msg('not found', { id: 'ui.precall.notFound' }),
  turn: {
    answered: msg('The relay server answered.', { id: 'ui.precall.turn.answered' }),
    refused: msg('The relay server refused the sign-in.', { id: 'ui.precall.turn.refused' }),
    'no-answer': msg('The relay server did not answer.', { id: 'ui.precall.turn.no-answer' }),
    'not-configured': msg('This service has no relay server.', { id: 'ui.precall.turn.not-configured' }),
  },
  relayOnly: msg('Your calls go through the relay only (your IP address stays hidden).', { id: 'ui.precall.relayOnly' }),
  verdictLabel: msg('Result', { id: 'ui.precall.verdictLabel' }),
  verdicts: {
    ready: msg('Ready: calls should work.', { id: 'ui.precall.verdicts.ready' }),
    'video-may-not-work': msg('Video may not work.', { id: 'ui.precall.verdicts.video-may-not-work' }),
    'needs-relay': msg('Calls need the relay.', { id: 'ui.precall.verdicts.needs-relay' }),
    'will-not-connect': msg('Calls will not connect.', { id: 'ui.precall.verdicts.will-not-connect' }),
  },
  reasons: {
    'relay-only-without-turn': msg('Calls must go through a relay server, and this service has none.', {
      id: 'ui.precall.reasons.relay-only-without-turn',
    }),
    'relay-only-turn-silent': msg('Calls must go through the relay server, and it did not answer.', {
      id: 'ui.precall.reasons.relay-only-turn-silent',
    }),
    'no-candidates': msg('This browser found no way to connect at all. Check your network connection.', {
      id: 'ui.precall.reasons.no-candidates',
    }),
    'camera-missing': msg('No camera was found. Others will hear you but not see you.', { id: 'ui.precall.reasons.camera-missing' }),
    'camera-denied': msg('The camera is blocked. Others will hear you but not see you.', { id: 'ui.precall.reasons.camera-denied' }),
    'camera-failed': msg('The camera could not start. Others will hear you but not see you.', { id: 'ui.precall.reasons.camera-failed' }),
    'camera-no-frames': msg('The camera shows no picture. Others may not see you.', { id: 'ui.precall.reasons.camera-no-frames' }),
    'relay-only': msg('Calls go through the relay server, which works.', { id: 'ui.precall.reasons.relay-only' }),
    'relay-only-path': msg('No direct way out of this network; the relay server works, so calls go through it.', {
      id: 'ui.precall.reasons.relay-only-path',
    }),
    'all-clear': msg('Camera, microphone and network look fine.', { id: 'ui.precall.reasons.all-clear' }),
  },
});

/**
 * Group calls in a room (PROTOCOL.md §6): the call's tiles and controls (`<rtc-group-call>`), the
 * call banner of the people list, and the room chat (`<rtc-room-chat>`).
 */
const groupCall = () => ({
  label: (room: string) => msg(str`Call in ${who(room)}`, { id: 'ui.groupCall.label' }),
  /** A tile's name: the name alone, in every language. */
  tile: (name: string) => who(name),
  tileMe: (name: string) => msg(str`${who(name)} (you)`, { id: 'ui.groupCall.tileMe' }),
  video: (name: string) => msg(str`${who(name)}'s video`, { id: 'ui.groupCall.video' }),
  yourVideo: msg('Your video', { id: 'ui.groupCall.yourVideo' }),
  muted: (name: string) => msg(str`${who(name)} is muted`, { id: 'ui.groupCall.muted' }),
  cameraOff: (name: string) => msg(str`${who(name)}'s camera is off`, { id: 'ui.groupCall.cameraOff' }),
  sharing: (name: string) => msg(str`${who(name)} is sharing a screen`, { id: 'ui.groupCall.sharing' }),
  screen: (name: string) => msg(str`${who(name)}'s screen`, { id: 'ui.groupCall.screen' }),
  yourScreen: msg('Your screen', { id: 'ui.groupCall.yourScreen' }),
  states: {
    connecting: msg('Connecting…', { id: 'ui.groupCall.states.connecting' }),
    interrupted: msg('Reconnecting…', { id: 'ui.groupCall.states.interrupted' }),
    lost: msg('Connection lost', { id: 'ui.groupCall.states.lost' }),
  },
  joined: (name: string) => msg(str`${who(name)} joined`, { id: 'ui.groupCall.joined' }),
  left: (name: string) => msg(str`${who(name)} left`, { id: 'ui.groupCall.left' }),
  controls: msg('Group call controls', { id: 'ui.groupCall.controls' }),
  leave: msg('Leave', { id: 'ui.groupCall.leave' }),
  leaveTitle: msg('Leave the call (the others carry on)', { id: 'ui.groupCall.leaveTitle' }),
  /** The people list's banner about the call in the room shown: `names` from `names()` below. */
  callOn: (names: string, people: number, capacity: number) =>
    msg(str`Call on: ${names} (${count(people)} of ${count(capacity)})`, { id: 'ui.groupCall.callOn' }),
  /** Joins the names of the people in a call the locale's way (`Intl.ListFormat`): "Ada, Bo". */
  names: (names: readonly string[]) => formatList(names.map(who), formatLocale(), 'unit'),
  youAreIn: msg('You are in this call.', { id: 'ui.groupCall.youAreIn' }),
  join: msg('Join', { id: 'ui.groupCall.join' }),
  joinTitle: (room: string) => msg(str`Join the call in ${who(room)}`, { id: 'ui.groupCall.joinTitle' }),
  joinAudioOnly: msg('Join with audio only', { id: 'ui.groupCall.joinAudioOnly' }),
  /** Closes someone's "join my call" without joining. */
  notNow: msg('Not now', { id: 'ui.groupCall.notNow' }),
  full: msg('Call is full', { id: 'ui.groupCall.full' }),
  /** A person of the room shown, during a call: ring them to join it (a 1:1 call becomes a group call). */
  addToCall: (name: string) => msg(str`Add ${who(name)} to the call`, { id: 'ui.groupCall.addToCall' }),
  start: msg('Start a call with the room', { id: 'ui.groupCall.start' }),
  startTitle: (room: string) => msg(str`Start a call with everyone in ${who(room)}`, { id: 'ui.groupCall.startTitle' }),
  /** The room chat (`<rtc-room-chat>`). */
  chatTitle: (room: string) => msg(str`Chat in ${who(room)}`, { id: 'ui.groupCall.chatTitle' }),
  chatLog: (room: string) => msg(str`Messages in ${who(room)}`, { id: 'ui.groupCall.chatLog' }),
  chatInput: (room: string) => msg(str`Message to everyone in ${who(room)}`, { id: 'ui.groupCall.chatInput' }),
  chatEmpty: msg('No messages in this room yet.', { id: 'ui.groupCall.chatEmpty' }),
  someone: msg('Someone', { id: 'ui.groupCall.someone' }),
});

/**
 * Connection quality during a call (`<rtc-video-stage>`): each side's bars, named for screen
 * readers, and the hint when one side's connection is poor, saying what the visitor will notice
 * and what helps.
 */
const quality = () => ({
  you: msg('You', { id: 'ui.quality.you' }),
  yourBars: (bars: number) => msg(str`Your connection: ${count(bars)} of ${count(4)} bars`, { id: 'ui.quality.yourBars' }),
  theirBars: (name: string, bars: number) =>
    msg(str`${who(name)}'s connection: ${count(bars)} of ${count(4)} bars`, { id: 'ui.quality.theirBars' }),
  poorLocal: msg('Your connection is poor: video may freeze and sound may break up. Turning your camera off can help.', {
    id: 'ui.quality.poorLocal',
  }),
  poorRemote: (name: string) =>
    msg(str`${who(name)}'s connection is poor: they may not see or hear you well.`, { id: 'ui.quality.poorRemote' }),
});

/**
 * The call history and missed calls (`<rtc-call-history>`), do-not-disturb and invisible
 * (`<rtc-privacy>`), and what a caller reads when do-not-disturb declined the call (PROTOCOL.md §7).
 */
const callHistory = () => ({
  title: msg('Calls', { id: 'ui.callHistory.title' }),
  /** The badge on the panel's title: how many missed calls the visitor has not seen. */
  badge: (n: number) => msg(str`${count(n)} missed`, { id: 'ui.callHistory.badge' }),
  /** At sign-in: `names` already joined for the locale ("Ada and Bob"). */
  missedFrom: (n: number, names: string) =>
    n === 1
      ? msg(str`Missed call from ${names}`, { id: 'ui.callHistory.missedFrom.one' })
      : msg(str`${count(n)} missed calls from ${names}`, { id: 'ui.callHistory.missedFrom.many' }),
  show: msg('Show calls', { id: 'ui.callHistory.show' }),
  dismiss: msg('Dismiss', { id: 'ui.callHistory.dismiss' }),
  empty: msg('No calls yet.', { id: 'ui.callHistory.empty' }),
  outgoing: msg('Outgoing', { id: 'ui.callHistory.outgoing' }),
  incoming: msg('Incoming', { id: 'ui.callHistory.incoming' }),
  outcomes: {
    answered: msg('Answered', { id: 'ui.callHistory.outcomes.answered' }),
    missed: msg('Missed', { id: 'ui.callHistory.outcomes.missed' }),
    declined: msg('Declined', { id: 'ui.callHistory.outcomes.declined' }),
    cancelled: msg('Cancelled', { id: 'ui.callHistory.outcomes.cancelled' }),
    failed: msg('Failed', { id: 'ui.callHistory.outcomes.failed' }),
    busy: msg('Busy', { id: 'ui.callHistory.outcomes.busy' }),
  } satisfies Record<CallOutcome, string>,
  /** Beside the outcome of a call declined by do-not-disturb. */
  dnd: msg('do not disturb', { id: 'ui.callHistory.dnd' }),
  /** `duration` already formatted for the locale ("2 minutes, 5 seconds"). */
  lasted: (duration: string) => msg(str`lasted ${duration}`, { id: 'ui.callHistory.lasted' }),
  callBack: msg('Call back', { id: 'ui.callHistory.callBack' }),
  callBackLabel: (name: string) => msg(str`Call ${who(name)} back`, { id: 'ui.callHistory.callBackLabel' }),
  remove: msg('Delete', { id: 'ui.callHistory.remove' }),
  removeLabel: (name: string) => msg(str`Delete this call with ${who(name)} from your history`, { id: 'ui.callHistory.removeLabel' }),
  more: msg('Show older calls', { id: 'ui.callHistory.more' }),
  /** What the caller reads when the backend declined the call for the callee. */
  busyDnd: (name: string) => msg(str`${who(name)} is busy — do not disturb`, { id: 'ui.callHistory.busyDnd' }),
  /** A person's status in the list while their do-not-disturb is on. */
  dndStatus: msg('Do not disturb', { id: 'ui.callHistory.dndStatus' }),
  privacy: {
    title: msg('Availability', { id: 'ui.callHistory.privacy.title' }),
    dnd: msg('Do not disturb', { id: 'ui.callHistory.privacy.dnd' }),
    off: msg('Off', { id: 'ui.callHistory.privacy.off' }),
    /** `duration` already formatted for the locale ("1 hour"). */
    forPeriod: (duration: string) => msg(str`For ${duration}`, { id: 'ui.callHistory.privacy.forPeriod' }),
    untilOff: msg('Until I turn it off', { id: 'ui.callHistory.privacy.untilOff' }),
    /** `when` already formatted for the locale. */
    until: (when: string) =>
      msg(str`On until ${when}: calls are declined quietly, chats still arrive.`, { id: 'ui.callHistory.privacy.until' }),
    on: msg('On: calls are declined quietly, chats still arrive.', { id: 'ui.callHistory.privacy.on' }),
    invisible: msg('Invisible', { id: 'ui.callHistory.privacy.invisible' }),
    invisibleHint: msg('Nobody sees you online, except the people you call or write to.', { id: 'ui.callHistory.privacy.invisibleHint' }),
  },
});

/** Group calls in a room (PROTOCOL.md §6): what the engine says of joining, leaving and ringing. */
const group = () => ({
  full: msg('This call is full.', { id: 'ui.group.full' }),
  fullVideo: msg('This call has no room for more video. Join with audio only?', { id: 'ui.group.fullVideo' }),
  offline: msg('You are offline; you cannot join the call now.', { id: 'ui.group.offline' }),
  noGroupCalls: msg('Calls in this room are one to one.', { id: 'ui.group.noGroupCalls' }),
  inOneToOne: msg('You are in a call already. Hang up first to join this one.', { id: 'ui.group.inOneToOne' }),
  inAnotherRoom: msg('You are in the call of another room. Leave it first.', { id: 'ui.group.inAnotherRoom' }),
  notInCall: msg('You are not in a group call.', { id: 'ui.group.notInCall' }),
  notInRoom: msg('This person is not online in the room of the call.', { id: 'ui.group.notInRoom' }),
  alreadyInCall: msg('This person is in the call already.', { id: 'ui.group.alreadyInCall' }),
  leaveGroupFirst: msg('You are in a group call. Leave it first to call someone one to one.', { id: 'ui.group.leaveGroupFirst' }),
  joinedElsewhere: msg('You joined this call in another tab.', { id: 'ui.group.joinedElsewhere' }),
  removed: msg('You are no longer in this call.', { id: 'ui.group.removed' }),
  rejoinFailed: msg('You were disconnected and could not rejoin the call.', { id: 'ui.group.rejoinFailed' }),
  noVideoSeat: msg('Every video place in this call is taken: you can be heard, but not seen.', { id: 'ui.group.noVideoSeat' }),
  noSharedRoom: msg('There is no room with group calls where all three of you are online.', { id: 'ui.group.noSharedRoom' }),
  /** `<name>` asks the visitor to join the call of `<room>`. */
  ring: (name: string, room: string) => msg(str`${who(name)} asks you to join the call in ${who(room)}.`, { id: 'ui.group.ring' }),
});

/** File transfer (PROTOCOL.md §9): `<rtc-file-transfers>` and what the engine says of a transfer. */
const files = () => ({
  send: msg('Send a file', { id: 'ui.files.send' }),
  dropHere: msg('Drop files here to send them', { id: 'ui.files.dropHere' }),
  list: msg('Files', { id: 'ui.files.list' }),
  sending: msg('Sending', { id: 'ui.files.sending' }),
  receiving: msg('Receiving', { id: 'ui.files.receiving' }),
  unknownType: msg('unknown type', { id: 'ui.files.unknownType' }),
  accept: msg('Accept', { id: 'ui.files.accept' }),
  decline: msg('Decline', { id: 'ui.files.decline' }),
  cancel: msg('Cancel', { id: 'ui.files.cancel' }),
  dismiss: msg('Remove from the list', { id: 'ui.files.dismiss' }),
  save: msg('Save', { id: 'ui.files.save' }),
  waiting: msg('Waiting for an answer…', { id: 'ui.files.waiting' }),
  queued: msg('Accepted; waiting for the files before it.', { id: 'ui.files.queued' }),
  connecting: msg('Connecting…', { id: 'ui.files.connecting' }),
  /** "12 MB of 50 MB · 8.1 MB/s · 5 seconds left". */
  progress: (done: string, total: string, speed: string, left: string) =>
    msg(str`${done} of ${total} · ${speed} · ${left} left`, { id: 'ui.files.progress' }),
  progressStarting: (done: string, total: string) => msg(str`${done} of ${total}`, { id: 'ui.files.progressStarting' }),
  verifying: msg('Checking the whole file…', { id: 'ui.files.verifying' }),
  sent: msg('Sent. The other person has the whole file.', { id: 'ui.files.sent' }),
  received: msg('Received and checked.', { id: 'ui.files.received' }),
  savedToDisk: msg('Received, checked and saved.', { id: 'ui.files.savedToDisk' }),
  declined: msg('Declined.', { id: 'ui.files.declined' }),
  cancelledByMe: msg('You cancelled it.', { id: 'ui.files.cancelledByMe' }),
  cancelledByPeer: msg('The other person cancelled it.', { id: 'ui.files.cancelledByPeer' }),
  peerLeft: msg('The other person left before the file was complete.', { id: 'ui.files.peerLeft' }),
  connectionLost: msg('The connection was lost during the transfer.', { id: 'ui.files.connectionLost' }),
  channelRefused: msg('No connection for the file could be opened with the other person.', { id: 'ui.files.channelRefused' }),
  relayUnavailable: msg('The relay server cannot be reached, and your IP address must stay hidden.', { id: 'ui.files.relayUnavailable' }),
  integrity: msg('The file arrived incomplete or damaged, and was thrown away.', { id: 'ui.files.integrity' }),
  tooLargeShort: msg('The file is larger than this service allows.', { id: 'ui.files.tooLargeShort' }),
  saveFailed: msg('The file could not be saved.', { id: 'ui.files.saveFailed' }),
  signedOut: msg('Signed out.', { id: 'ui.files.signedOut' }),
  peerOffline: msg('This person is offline: files go straight to them, so they must be online.', { id: 'ui.files.peerOffline' }),
  tooLarge: (name: string, limit: string) =>
    msg(str`${who(name)} is larger than ${limit}, the most this service allows.`, { id: 'ui.files.tooLarge' }),
  /** A transfer that failed, as the chat's error line says it. */
  failed: (name: string, why: string) => msg(str`${who(name)}: ${why}`, { id: 'ui.files.failed' }),
});

/** The catalogue in the language `msg()` answers in now (English until another locale is loaded). */
/** Messages while away (PROTOCOL.md §8): chats kept for someone offline, and delivered later. */
const away = () => ({
  /** The input's placeholder when the other person is offline. */
  placeholder: (name: string) => msg(str`${who(name)} is offline: they get your message when they sign in`, { id: 'ui.away.placeholder' }),
  /** Under an own message the backend keeps for someone offline. */
  waiting: msg('Waiting: delivered when they sign in', { id: 'ui.away.waiting' }),
  /** Under a received message that was kept while the visitor was away. */
  later: msg('Delivered later', { id: 'ui.away.later' }),
  /** Under an own message dropped undelivered after the backend's time limit. */
  expired: msg('Not delivered: they did not sign in in time', { id: 'ui.away.expired' }),
  withdraw: msg('Take back', { id: 'ui.away.withdraw' }),
  withdrawLabel: msg('Take back this message before it is delivered', { id: 'ui.away.withdrawLabel' }),
  /** The backend refused: nobody of that id shares a room with the visitor now. */
  unreachable: msg('You can leave messages only for people who share a room with you.', { id: 'ui.away.unreachable' }),
  /** Over a bound of the backend: too many messages already wait for that person. */
  tooMany: msg('Too many of your messages already wait for this person. Wait until they have read them.', { id: 'ui.away.tooMany' }),
  /** Taking back came too late. */
  tooLate: msg('This message was already delivered, or it expired.', { id: 'ui.away.tooLate' }),
  /** The people list's heading over people written to or called lately who are offline now. */
  recent: msg('Recently', { id: 'ui.away.recent' }),
  /** Such a person's status in the people list. */
  offline: msg('Offline', { id: 'ui.away.offline' }),
  /** The button with such a person's name: it opens the chat with them. */
  writeTo: (name: string) => msg(str`Write to ${who(name)}: they get it when they sign in`, { id: 'ui.away.writeTo' }),
});

const catalogue = () => ({
  /** One sentence per error code: what the API client and the sign-in form say. */
  errors: {
    invalid_input: msg('Please check the form and try again.', { id: 'errors.invalid_input' }),
    invalid_credentials: msg('Wrong email or password. Check both and try again.', { id: 'errors.invalid_credentials' }),
    email_taken: msg('An account with this email already exists. Sign in instead.', { id: 'errors.email_taken' }),
    rate_limited: msg('Too many attempts. Wait a minute, then try again.', { id: 'errors.rate_limited' }),
    unauthorized: msg('Your sign-in has expired. Please sign in again.', { id: 'errors.unauthorized' }),
    server_unreachable: msg('Cannot reach the call service. Check your connection and try again.', { id: 'errors.server_unreachable' }),
    internal: msg('The call service had a problem. Please try again.', { id: 'errors.internal' }),
    ...siteErrors(),
    // Rooms, invites and guests (PROTOCOL.md §4).
    room_not_found: msg('This room is gone, or you are no longer in it.', { id: 'errors.room_not_found' }),
    room_limit: msg('You have made as many rooms as you may. Use one of your rooms instead.', { id: 'errors.room_limit' }),
    invite_limit: msg('You have as many open invites as you may. Revoke one you no longer need.', { id: 'errors.invite_limit' }),
    invite_not_found: msg('This invite link is not valid. Check that it was copied whole, or ask for a new one.', {
      id: 'errors.invite_not_found',
    }),
    invite_expired: msg('This invite link has expired. Ask the person who sent it for a new one.', { id: 'errors.invite_expired' }),
    invite_revoked: msg('This invite link was cancelled by the person who made it.', { id: 'errors.invite_revoked' }),
    invite_used_up: msg('This invite link has been used as many times as it allows. Ask for a new one.', { id: 'errors.invite_used_up' }),
    guests_disabled: msg('This service does not allow guests. Sign in to join.', { id: 'errors.guests_disabled' }),
    guests_cannot_invite: msg('Guests cannot make invites or join other rooms. Sign in with an account to do that.', {
      id: 'errors.guests_cannot_invite',
    }),
    // A seat in a room's call (PROTOCOL.md §6), as the API refuses it.
    group_calls_not_allowed: msg('Calls in this room are one to one.', { id: 'errors.group_calls_not_allowed' }),
    call_full: msg('This call is full.', { id: 'errors.call_full' }),
    call_full_video: msg('This call has no room for more video. Join with audio only?', { id: 'errors.call_full_video' }),
    not_connected: msg('Your connection to the call service is not ready yet. Wait a moment, then try again.', {
      id: 'errors.not_connected',
    }),
  } satisfies Partial<Record<SessionErrorCode, string>>,

  site: site(),

  /** A failure nobody foresaw (a bug, a browser refusing something unusual). */
  unexpected: msg('Something went wrong. Please try again.', { id: 'unexpected' }),

  call: {
    offline: msg('You are offline; the call cannot be placed.', { id: 'call.offline' }),
    alreadyInCall: msg('You are already in a call.', { id: 'call.alreadyInCall' }),
    notOnline: msg('This person is not online.', { id: 'call.notOnline' }),
    screenNeedsCall: msg('Screen sharing needs an active call.', { id: 'call.screenNeedsCall' }),
    trackFailed: msg('The change could not be applied to the call. Please try again.', { id: 'call.trackFailed' }),
    setupFailed: (name: string) =>
      msg(str`The call with ${who(name)} failed (the connection could not be set up).`, { id: 'call.setupFailed' }),
    interrupted: (name: string) => msg(str`Connection to ${who(name)} interrupted — reconnecting…`, { id: 'call.interrupted' }),
    lost: (name: string) => msg(str`The connection to ${who(name)} was lost.`, { id: 'call.lost' }),
    relayProblem: (name: string, refused: boolean) =>
      refused
        ? msg(str`Could not connect to ${who(name)}. The relay server refused the connection.`, { id: 'call.relayProblem.refused' })
        : msg(str`Could not connect to ${who(name)}. The relay server cannot be reached.`, { id: 'call.relayProblem.unreachable' }),
    linkFailed: (name: string, relayOnly: boolean) =>
      relayOnly
        ? msg(str`Could not connect to ${who(name)}. The relay server did not work.`, { id: 'call.linkFailed.relayOnly' })
        : msg(str`Could not connect to ${who(name)}. A firewall may be blocking the call.`, { id: 'call.linkFailed.direct' }),
    relayFailed: msg('The relay server could not connect the call.', { id: 'call.relayFailed' }),
    relayRefused: msg('The relay server refused the connection, so the call could not connect.', { id: 'call.relayRefused' }),
    relayUnreachable: msg('The relay server cannot be reached, so the call could not connect.', { id: 'call.relayUnreachable' }),
    relayNeeded: msg('The call needs a relay server (to hide IP addresses), and none is available.', { id: 'call.relayNeeded' }),
    relayMissing: msg('Hiding your IP address needs a relay server, and this service has none.', { id: 'call.relayMissing' }),
    /** Someone calling whose name is not known yet (their presence has not arrived). */
    someone: msg('Someone', { id: 'call.someone' }),
    /** The status line of a live call (`CallView.message`), by phase. */
    status: {
      calling: (name: string) => msg(str`Calling ${who(name)}…`, { id: 'call.status.calling' }),
      ringing: (name: string) => msg(str`${who(name)} is calling…`, { id: 'call.status.ringing' }),
      connecting: (name: string) => msg(str`Connecting to ${who(name)}…`, { id: 'call.status.connecting' }),
      connected: (name: string) => msg(str`In a call with ${who(name)}`, { id: 'call.status.connected' }),
    },
    /** The line of an ended call, by end reason; `outgoing` is whether the visitor placed it. */
    end: {
      hangup: () => msg('Call ended', { id: 'call.end.hangup' }),
      'remote-hangup': (name: string) => msg(str`${who(name)} hung up`, { id: 'call.end.remote-hangup' }),
      cancelled: (name: string, outgoing: boolean) =>
        outgoing
          ? msg('Call cancelled', { id: 'call.end.cancelled.outgoing' })
          : msg(str`${who(name)} cancelled the call`, { id: 'call.end.cancelled.incoming' }),
      declined: (name: string, outgoing: boolean) =>
        outgoing
          ? msg(str`${who(name)} declined the call`, { id: 'call.end.declined.outgoing' })
          : msg('You declined the call', { id: 'call.end.declined.incoming' }),
      busy: (name: string) => msg(str`${who(name)} is busy in another call`, { id: 'call.end.busy' }),
      unavailable: (name: string) => msg(str`${who(name)} is not available right now`, { id: 'call.end.unavailable' }),
      missed: (name: string, outgoing: boolean) =>
        outgoing
          ? msg(str`${who(name)} did not answer`, { id: 'call.end.missed.outgoing' })
          : msg(str`Missed call from ${who(name)}`, { id: 'call.end.missed.incoming' }),
      'answered-elsewhere': () => msg('The call was handled in another tab', { id: 'call.end.answered-elsewhere' }),
      'peer-left': (name: string) => msg(str`${who(name)} went offline`, { id: 'call.end.peer-left' }),
      failed: (name: string) => msg(str`The call with ${who(name)} failed`, { id: 'call.end.failed' }),
    } satisfies Record<CallEndReason, (name: string, outgoing: boolean) => string>,
    /** No media arrived within the connect timeout. */
    noMedia: (name: string, seconds: number) =>
      msg(
        str`Could not connect to ${who(name)}: no media arrived within ${formatDuration(seconds)}. A firewall may be blocking the call.`,
        {
          id: 'call.noMedia',
        },
      ),
  },

  chat: {
    signInFirst: msg('Sign in to send messages.', { id: 'chat.signInFirst' }),
    invalid: (max: number) => msg(str`A message must have some text and at most ${count(max)} characters.`, { id: 'chat.invalid' }),
    offline: msg('You are offline; the message was not sent.', { id: 'chat.offline' }),
    peerOffline: msg('This person is offline; the message was not delivered.', { id: 'chat.peerOffline' }),
    notSent: msg('The message could not be sent.', { id: 'chat.notSent' }),
  },

  /**
   * Camera, microphone and screen failures; `device` is one of `devices`. Translations keep the
   * device word where it needs no article or case ending ("Not found: camera."), since one
   * sentence serves all four devices.
   */
  media: {
    devices: {
      camera: msg('camera', { id: 'media.devices.camera' }),
      microphone: msg('microphone', { id: 'media.devices.microphone' }),
      'camera and microphone': msg('camera and microphone', { id: 'media.devices.cameraAndMicrophone' }),
      screen: msg('screen', { id: 'media.devices.screen' }),
    },
    denied: (device: string) =>
      msg(str`Access to the ${device} was refused. Allow it in the browser's site settings to be seen and heard.`, { id: 'media.denied' }),
    screenDenied: msg('Screen sharing was not allowed.', { id: 'media.screenDenied' }),
    missing: (device: string) => msg(str`No ${device} was found.`, { id: 'media.missing' }),
    screenNeedsClick: msg('Screen sharing must be started from a click on the share button.', { id: 'media.screenNeedsClick' }),
    notStarted: (device: string) => msg(str`The ${device} could not be started.`, { id: 'media.notStarted' }),
    inUse: (device: string) => msg(str`The ${device} is in use by another program or cannot be started.`, { id: 'media.inUse' }),
    insecure: msg('This browser cannot use a camera or microphone here (a secure https page is needed).', { id: 'media.insecure' }),
    noScreenSharing: msg('This browser cannot share a screen.', { id: 'media.noScreenSharing' }),
    noScreenVideo: msg('The shared screen gave no video.', { id: 'media.noScreenVideo' }),
  },

  /** The elements' labels and sentences, per element. */
  ui: {
    devices: devices(),
    groupCall: groupCall(),
    /** `<rtc-call>`: the frame. */
    root: {
      title: msg('Calls', { id: 'ui.root.title' }),
      connection: {
        online: msg('Online', { id: 'ui.root.connection.online' }),
        connecting: msg('Connecting…', { id: 'ui.root.connection.connecting' }),
        reconnecting: msg('Reconnecting…', { id: 'ui.root.connection.reconnecting' }),
        offline: msg('Offline', { id: 'ui.root.connection.offline' }),
      },
      relayOnlyTitle: msg('Relay your audio and video through the server, so the other person cannot see your IP address', {
        id: 'ui.root.relayOnlyTitle',
      }),
      /** The "Hide my IP address" switch: the whole label, and the short one shown on narrow screens. */
      relayOnlyLabel: msg('Hide my IP address', { id: 'ui.root.relayOnlyLabel' }),
      relayOnlyLabelShort: msg('Hide my IP', { id: 'ui.root.relayOnlyLabelShort' }),
      signOut: msg('Sign out', { id: 'ui.root.signOut' }),
      dismissError: msg('Dismiss message', { id: 'ui.root.dismissError' }),
      people: msg('People', { id: 'ui.root.people' }),
      stage: msg('Call and chat', { id: 'ui.root.stage' }),
      hello: (name: string) => msg(str`Hello, ${who(name)}.`, { id: 'ui.root.hello' }),
      welcome: msg('Pick someone in the list to chat with them, or call them with the phone or camera button.', { id: 'ui.root.welcome' }),
    },
    login: {
      registerTitle: msg('Create your account', { id: 'ui.login.registerTitle' }),
      signInTitle: msg('Sign in to call', { id: 'ui.login.signInTitle' }),
      registerIntro: msg('Pick the name people will see in their list.', { id: 'ui.login.registerIntro' }),
      signInIntro: msg('Sign in to see who is online and call them.', { id: 'ui.login.signInIntro' }),
      name: msg('Name', { id: 'ui.login.name' }),
      email: msg('Email', { id: 'ui.login.email' }),
      password: msg('Password', { id: 'ui.login.password' }),
      passwordHint: (min: number) => msg(str`At least ${count(min)} characters.`, { id: 'ui.login.passwordHint' }),
      /** `problem` is one of `nameRules`: the shared name rule (src/protocol/names.ts) the name broke. */
      nameProblem: (problem: string) => msg(str`Please choose another name: the ${problem}.`, { id: 'ui.login.nameProblem' }),
      /** The name rules, as the backend words them in English (src/protocol/names.ts). */
      nameRules: {
        text: msg('name must be text', { id: 'ui.login.nameRules.text' }),
        control: msg('name must not contain control characters', { id: 'ui.login.nameRules.control' }),
        length: msg(str`name must be ${count(NAME_MIN_LENGTH)}–${count(NAME_MAX_LENGTH)} characters`, { id: 'ui.login.nameRules.length' }),
        direction: msg('name must not contain characters that change the text direction', { id: 'ui.login.nameRules.direction' }),
        invisible: msg('name must not contain invisible characters', { id: 'ui.login.nameRules.invisible' }),
        visible: msg('name must contain at least one visible character', { id: 'ui.login.nameRules.visible' }),
        'combining-start': msg('name must not start with a combining mark', { id: 'ui.login.nameRules.combining-start' }),
        'combining-stack': msg(str`name must not stack more than ${count(NAME_MAX_COMBINING_RUN)} combining marks on one character`, {
          id: 'ui.login.nameRules.combining-stack',
        }),
      } satisfies Record<NameRule, string>,
      wait: msg('Please wait…', { id: 'ui.login.wait' }),
      register: msg('Create account', { id: 'ui.login.register' }),
      signIn: msg('Sign in', { id: 'ui.login.signIn' }),
      haveAccount: msg('Already have an account?', { id: 'ui.login.haveAccount' }),
      newHere: msg('New here?', { id: 'ui.login.newHere' }),
      toRegister: msg('Create an account', { id: 'ui.login.toRegister' }),
      toSignIn: msg('Sign in', { id: 'ui.login.toSignIn' }),
    },
    peerList: {
      statuses: {
        available: msg('Available', { id: 'ui.peerList.statuses.available' }),
        busy: msg('Busy', { id: 'ui.peerList.statuses.busy' }),
        away: msg('Away', { id: 'ui.peerList.statuses.away' }),
      } satisfies Record<PresenceStatus, string>,
      myStatus: msg('My status', { id: 'ui.peerList.myStatus' }),
      online: (n: number) => msg(str`People online (${count(n)})`, { id: 'ui.peerList.online' }),
      empty: msg('Nobody else is online right now. People appear here as soon as they sign in.', { id: 'ui.peerList.empty' }),
      chatWith: (name: string) => msg(str`Chat with ${who(name)}`, { id: 'ui.peerList.chatWith' }),
      unread: msg(' unread', { id: 'ui.peerList.unread' }),
      audioCall: (name: string) => msg(str`Audio call ${who(name)}`, { id: 'ui.peerList.audioCall' }),
      videoCall: (name: string) => msg(str`Video call ${who(name)}`, { id: 'ui.peerList.videoCall' }),
    },
    controls: {
      label: msg('Call controls', { id: 'ui.controls.label' }),
      close: msg('Close', { id: 'ui.controls.close' }),
      cancel: msg('Cancel call', { id: 'ui.controls.cancel' }),
      mute: msg('Mute microphone', { id: 'ui.controls.mute' }),
      unmute: msg('Unmute microphone', { id: 'ui.controls.unmute' }),
      muteLabel: msg('Mute', { id: 'ui.controls.muteLabel' }),
      cameraOff: msg('Turn camera off', { id: 'ui.controls.cameraOff' }),
      cameraOn: msg('Turn camera on', { id: 'ui.controls.cameraOn' }),
      cameraLabel: msg('Camera off', { id: 'ui.controls.cameraLabel' }),
      share: msg('Share your screen', { id: 'ui.controls.share' }),
      stopSharing: msg('Stop sharing your screen', { id: 'ui.controls.stopSharing' }),
      shareLabel: msg('Share screen', { id: 'ui.controls.shareLabel' }),
      hangup: msg('Hang up', { id: 'ui.controls.hangup' }),
    },
    /** Verifying who is at the other end of a call (the Verify panel of `<rtc-call-controls>`, issue #17). */
    verify: {
      open: msg('Verify who you are talking to', { id: 'ui.verify.open' }),
      close: msg('Close the verification', { id: 'ui.verify.close' }),
      label: msg('Verify', { id: 'ui.verify.label' }),
      panel: (name: string) => msg(str`Verify ${who(name)}`, { id: 'ui.verify.panel' }),
      reading: msg('Reading the connection…', { id: 'ui.verify.reading' }),
      codeIntro: msg('Your code:', { id: 'ui.verify.codeIntro' }),
      howTo: (name: string) =>
        msg(
          str`Read it aloud to ${who(name)} and listen to theirs. If both codes are the same, nobody is in the middle of this call, not even the server.`,
          { id: 'ui.verify.howTo' },
        ),
      confirm: msg('They read the same code', { id: 'ui.verify.confirm' }),
      verified: (name: string) =>
        msg(str`You verified ${who(name)}. This browser remembers it and will warn you if their connection changes.`, {
          id: 'ui.verify.verified',
        }),
      notKept: msg('This browser cannot keep its connection identity (private mode?): a verification only lasts while this page is open.', {
        id: 'ui.verify.notKept',
      }),
      changed: (name: string) =>
        msg(
          str`Warning: ${who(name)}'s connection is not the one you verified before. Someone may be listening in, or they use another browser or device. Read the code aloud again before saying anything private.`,
          { id: 'ui.verify.changed' },
        ),
      mismatch: (name: string) =>
        msg(str`Warning: the connection to ${who(name)} does not use the certificate it announced. Do not trust this call.`, {
          id: 'ui.verify.mismatch',
        }),
      /** The other side never took part in the exchange that makes the code (an older app, or its answer was lost). */
      noAnswer: (name: string) =>
        msg(str`No code for this call: ${who(name)}'s app did not answer. It may be an older version; try again in the next call.`, {
          id: 'ui.verify.noAnswer',
        }),
      /** The other side's revealed nonce did not match its promise: the exchange was tampered with. */
      brokenPromise: (name: string) =>
        msg(
          str`Warning: the verification of this call with ${who(name)} was tampered with. Someone may be listening in. Do not trust this call.`,
          {
            id: 'ui.verify.brokenPromise',
          },
        ),
    },
    stage: {
      callWith: (name: string) => msg(str`Call with ${who(name)}`, { id: 'ui.stage.callWith' }),
      theirVideo: (name: string) => msg(str`${who(name)}'s video`, { id: 'ui.stage.theirVideo' }),
      yourVideo: msg('Your video', { id: 'ui.stage.yourVideo' }),
      muted: (name: string) => msg(str`${who(name)} is muted`, { id: 'ui.stage.muted' }),
      cameraOff: (name: string) => msg(str`${who(name)}'s camera is off`, { id: 'ui.stage.cameraOff' }),
      sharing: (name: string) => msg(str`${who(name)} is sharing a screen`, { id: 'ui.stage.sharing' }),
    },
    quality: quality(),
    chat: {
      /** Stands for the other person while their name is unknown. */
      thisPerson: msg('this person', { id: 'ui.chat.thisPerson' }),
      title: (name: string) => msg(str`Chat with ${who(name)}`, { id: 'ui.chat.title' }),
      log: (name: string) => msg(str`Messages with ${who(name)}`, { id: 'ui.chat.log' }),
      empty: msg('No messages yet. Say hello!', { id: 'ui.chat.empty' }),
      inputLabel: (name: string) => msg(str`Message to ${who(name)}`, { id: 'ui.chat.inputLabel' }),
      placeholder: (name: string) => msg(str`Message ${who(name)}`, { id: 'ui.chat.placeholder' }),
      offline: (name: string) => msg(str`${who(name)} is offline`, { id: 'ui.chat.offline' }),
      send: msg('Send', { id: 'ui.chat.send' }),
      you: msg('You', { id: 'ui.chat.you' }),
      notDelivered: msg('Not delivered', { id: 'ui.chat.notDelivered' }),
    },
    incoming: {
      announce: (name: string) => msg(str`${who(name)} is calling you`, { id: 'ui.incoming.announce' }),
      caller: (name: string) => msg(str`${who(name)} is calling`, { id: 'ui.incoming.caller' }),
      video: msg('Video call', { id: 'ui.incoming.video' }),
      audio: msg('Audio call', { id: 'ui.incoming.audio' }),
      yourCamera: msg('Your camera', { id: 'ui.incoming.yourCamera' }),
      decline: msg('Decline', { id: 'ui.incoming.decline' }),
      accept: msg('Accept', { id: 'ui.incoming.accept' }),
    },
    names: {
      tagTitle: msg('Tells apart people with the same name', { id: 'ui.names.tagTitle' }),
    },
    /** The room switcher and the people of one room (`<rtc-peer-list>`). */
    rooms: {
      label: msg('Room', { id: 'ui.rooms.label' }),
      /** One room in the switcher, with how many people are online in it. */
      option: (name: string, online: number) => msg(str`${who(name)} (${count(online)} online)`, { id: 'ui.rooms.option' }),
      lobby: msg('Lobby', { id: 'ui.rooms.lobby' }),
      /** Someone else's personal room: it is the place to reach them. */
      personal: (owner: string) => msg(str`${who(owner)}'s room`, { id: 'ui.rooms.personal' }),
      myPersonal: msg('My call-me room', { id: 'ui.rooms.myPersonal' }),
      guest: msg('guest', { id: 'ui.rooms.guest' }),
      emptyRoom: msg('Nobody else in this room is online right now.', { id: 'ui.rooms.emptyRoom' }),
    },
    /** The invites panel (`<rtc-invites>`). */
    invites: {
      title: msg('Invite people', { id: 'ui.invites.title' }),
      newRoom: msg('New room', { id: 'ui.invites.newRoom' }),
      roomName: msg('Room name', { id: 'ui.invites.roomName' }),
      create: msg('Create room', { id: 'ui.invites.create' }),
      callMe: msg('Call-me link', { id: 'ui.invites.callMe' }),
      callMeHint: msg('Whoever opens it can call you; they only see you, not each other.', { id: 'ui.invites.callMeHint' }),
      makeCallMe: msg('Make my call-me link', { id: 'ui.invites.makeCallMe' }),
      expiresIn: msg('Expires after', { id: 'ui.invites.expiresIn' }),
      maxUses: msg('Uses allowed', { id: 'ui.invites.maxUses' }),
      anyUses: msg('No limit', { id: 'ui.invites.anyUses' }),
      /** The lifetimes offered, as durations in the page's locale (`Intl`, src/core/formats.ts). */
      expiry: {
        hour: formatDuration(3_600),
        day: formatDuration(86_400),
        week: formatDuration(7 * 86_400),
        month: formatDuration(30 * 86_400),
      },
      link: (room: string) => msg(str`Invite link to ${who(room)}`, { id: 'ui.invites.link' }),
      copy: msg('Copy link', { id: 'ui.invites.copy' }),
      copied: msg('Copied', { id: 'ui.invites.copied' }),
      copyFailed: msg('Select the link and copy it.', { id: 'ui.invites.copyFailed' }),
      mine: msg('My invites', { id: 'ui.invites.mine' }),
      none: msg('You have made no invites yet.', { id: 'ui.invites.none' }),
      uses: (uses: number, max: number | null) =>
        max === null
          ? msg(str`${count(uses)} used`, { id: 'ui.invites.uses.unlimited' })
          : msg(str`${count(uses)} of ${count(max)} used`, { id: 'ui.invites.uses.limited' }),
      /** `when` is a date and time already formatted for the locale (src/core/formats.ts). */
      expires: (when: string) => msg(str`expires ${when}`, { id: 'ui.invites.expires' }),
      expired: msg('expired', { id: 'ui.invites.expired' }),
      revoked: msg('revoked', { id: 'ui.invites.revoked' }),
      usedUp: msg('used up', { id: 'ui.invites.usedUp' }),
      revoke: msg('Revoke', { id: 'ui.invites.revoke' }),
      revokeLabel: (room: string) => msg(str`Revoke invite to ${who(room)}`, { id: 'ui.invites.revokeLabel' }),
      copyLabel: (room: string) => msg(str`Copy link to ${who(room)}`, { id: 'ui.invites.copyLabel' }),
    },
    /** An invite link being opened (`<rtc-invite-card>`). */
    inviteCard: {
      checking: msg('Checking the invite link…', { id: 'ui.inviteCard.checking' }),
      joining: msg('Joining…', { id: 'ui.inviteCard.joining' }),
      title: (room: string) => msg(str`Join ${who(room)}`, { id: 'ui.inviteCard.title' }),
      titlePersonal: (owner: string) => msg(str`Call ${who(owner)}`, { id: 'ui.inviteCard.titlePersonal' }),
      from: (by: string) => msg(str`Invited by ${who(by)}`, { id: 'ui.inviteCard.from' }),
      yourName: msg('Your name', { id: 'ui.inviteCard.yourName' }),
      joinAsGuest: msg('Join as guest', { id: 'ui.inviteCard.joinAsGuest' }),
      guestHint: msg('No account needed. Others see you as a guest.', { id: 'ui.inviteCard.guestHint' }),
      signInInstead: msg('Sign in instead', { id: 'ui.inviteCard.signInInstead' }),
      signInToJoin: msg('Sign in to join.', { id: 'ui.inviteCard.signInToJoin' }),
      failedTitle: msg('This invite link cannot be used', { id: 'ui.inviteCard.failedTitle' }),
      dismiss: msg('Close', { id: 'ui.inviteCard.dismiss' }),
    },
    precall: precall(),
    group: group(),
    callHistory: callHistory(),
    away: away(),
    files: files(),
  },
});

export type Texts = ReturnType<typeof catalogue>;

/** The catalogue built in the language loaded now, and the format locale it was built with. */
let built: { texts: Texts; formats: string } | undefined;

/** The catalogue in the language loaded now, built again after a change of language or format locale. */
function current(): Texts {
  if (built?.formats !== formatLocale()) built = { texts: catalogue(), formats: formatLocale() };
  return built.texts;
}

const languageListeners = new Set<() => void>();

/**
 * Calls `listener` each time another language is ready, so a sentence composed earlier and kept
 * (the status line of a call) can be composed again. Returns the function that stops it.
 */
export function onLanguageChange(listener: () => void): () => void {
  languageListeners.add(listener);
  return () => languageListeners.delete(listener);
}

// A locale module finished loading (src/components/localization.ts): the next read builds the
// catalogue again in that language. This listener runs before any element re-renders, since
// `updateWhenLocaleChanges` only requests an update. Node (unit tests) has no `addEventListener`.
globalThis.addEventListener?.(LOCALE_STATUS_EVENT, (event) => {
  const detail = (event as CustomEvent<LocaleStatusEventDetail>).detail;
  if (detail.status !== 'ready') return;
  built = undefined;
  languageListeners.forEach((listener) => listener());
});

const isSection = (value: unknown): value is Record<PropertyKey, unknown> => typeof value === 'object' && value !== null;

/**
 * A read-only view of the catalogue at `path` that looks every entry up when it is read, in the
 * catalogue of the language loaded then. Sections come back as views too, so a section kept in
 * a variable (`const words = texts.ui.chat`) follows a change of language.
 */
function view(path: readonly PropertyKey[]): object {
  const section = () => path.reduce<Record<PropertyKey, unknown>>((node, key) => node[key] as Record<PropertyKey, unknown>, current());
  const read = (key: PropertyKey) => {
    const value = section()[key];
    return isSection(value) ? view([...path, key]) : value;
  };
  return new Proxy(
    {},
    {
      get: (_, key) => read(key),
      has: (_, key) => key in section(),
      ownKeys: () => Reflect.ownKeys(section()),
      getOwnPropertyDescriptor: (_, key) =>
        Object.hasOwn(section(), key) ? { value: read(key), enumerable: true, configurable: true, writable: false } : undefined,
      set: () => false,
      deleteProperty: () => false,
    },
  );
}

/** The catalogue in use, in the language loaded now (see the file's comment). */
export const texts = view([]) as Texts;

/** The catalogue's sentence for an error code, when it has one. */
export function errorText(code: SessionErrorCode): string | undefined {
  const byCode: Partial<Record<SessionErrorCode, string>> = texts.errors;
  return byCode[code];
}
