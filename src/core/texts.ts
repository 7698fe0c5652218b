/**
 * Every sentence a visitor sees, in one catalogue, so a translation replaces one object and
 * nothing else. Sentences that name someone take the name as it is and wrap it in FSI … PDI
 * (`isolateText`): a right-to-left or oddly built name cannot reorder the sentence around it.
 *
 * Sections follow who shows the sentence: `errors` by error code (the API client, the
 * sign-in form, an expired sign-in, an unreachable service), `site` (signing in with the
 * embedding site's account), `unexpected`, `call` (status
 * lines and call failures), `chat`, `media`, and `ui` (labels of the elements).
 */
import { isolateText } from '../protocol/names.js';
import type { PresenceStatus } from '../protocol/index.js';
import type { CallEndReason, SessionErrorCode } from './types.js';

const who = (name: string) => isolateText(name);

/**
 * Site accounts (the page signs the visitor in with the site's own account, PROTOCOL.md §1): the
 * errors by code, merged into `errors` below, and what `<rtc-call>` shows instead of a form.
 */
const siteErrors = {
  invalid_site_token: "This site's sign-in for calls was not accepted. Reload the page; if it keeps happening, tell the site.",
  site_keys_unavailable: 'The call service cannot check your sign-in right now. Trying again…',
  site_accounts_disabled: 'The call service does not accept sign-ins from this site.',
  password_accounts_disabled: 'This call service signs you in through the site you are on, not with a password here.',
  site_token_url_failed: 'This site did not sign you in for calls. Reload the page and try again.',
} satisfies Partial<Record<SessionErrorCode, string>>;

const site = {
  /** The site's token URL answered 401 or 403: the visitor is not signed in there. */
  notSignedIn: 'Sign in on this site to use calls.',
  /** The site's token URL answered, but not `{ "token": "…" }`. */
  noToken: "This site's sign-in for calls gave no token. Reload the page; if it keeps happening, tell the site.",
  /** The site's token URL cannot be reached, or failed on its side. */
  unreachable: 'Cannot reach this site to sign you in for calls. Trying again…',
  signingIn: 'Signing you in…',
  signedOut: 'You are signed out of calls.',
  signInAgain: 'Sign in again',
};

/** Choosing the camera, microphone and speaker (`<rtc-device-settings>`), and devices unplugged (devices.ts). */
const devices = {
  title: 'Devices',
  /** The call controls' button that opens the device settings. */
  toggle: 'Devices',
  toggleTitle: 'Choose camera, microphone and speaker',
  camera: 'Camera',
  microphone: 'Microphone',
  speaker: 'Speaker',
  /** The first option of each list: whatever the browser and the system use. */
  defaultDevice: 'Default',
  /** A device whose name the browser hides (before access is allowed): "Camera 2". */
  unnamed: (kind: 'camera' | 'microphone' | 'speaker', n: number) =>
    `${{ camera: 'Camera', microphone: 'Microphone', speaker: 'Speaker' }[kind]} ${n}`,
  labelsHidden: 'The browser shows the names of your devices once you allow the camera and microphone.',
  none: { camera: 'No camera found', microphone: 'No microphone found' },
  /** Devices that went away (unplugged) and were replaced by the default ones. */
  lost: (kinds: ReadonlyArray<'camera' | 'microphone' | 'speaker'>) => {
    const names = { camera: 'camera', microphone: 'microphone', speaker: 'speaker' };
    const list = kinds.map((k) => names[k]);
    const said = list.length > 1 ? `${list.slice(0, -1).join(', ')} and ${list.at(-1)}` : list[0];
    return `Your ${said} ${kinds.length > 1 ? 'were' : 'was'} disconnected. Now using the default ${said}.`;
  },
  invalidChoice: 'That device cannot be chosen. Pick one from the list.',
};

/** The pre-call check (`<rtc-precall-check>`) and the button opening it in `<rtc-call>`. */
const precall = {
  open: 'Check devices and connection',
  title: 'Check your devices and connection',
  close: 'Close the check',
  camera: 'Camera',
  preview: 'Your camera',
  cameraStates: {
    pending: 'Starting your camera…',
    ok: 'Your camera works.',
    missing: 'No camera found.',
    denied: "The camera is blocked. Allow it in the browser's site settings.",
    failed: 'The camera could not start. Another app may be using it.',
    'no-frames': 'The camera started but shows no picture.',
    unused: 'Calls here are audio only.',
  },
  microphone: 'Microphone',
  meter: 'Microphone level',
  micStates: {
    pending: 'Starting your microphone…',
    ok: 'Speak: the bar moves when the microphone hears you.',
    missing: 'No microphone found.',
    denied: "The microphone is blocked. Allow it in the browser's site settings.",
    failed: 'The microphone could not start. Another app may be using it.',
  },
  speaker: 'Speaker',
  playSound: 'Play a test sound',
  playing: 'Playing…',
  didYouHear: 'Did you hear a short chime? If not, check the volume and the speaker.',
  soundFailed: 'The test sound could not play on this speaker.',
  connection: 'Connection',
  checking: 'Checking how calls can connect…',
  candidateTypes: 'Ways this browser can connect',
  candidates: {
    host: 'Local network',
    srflx: 'Internet, direct (through your router)',
    relay: 'Relay server',
  },
  found: (count: number) => (count === 1 ? 'found' : `found (${count})`),
  notFound: 'not found',
  turn: {
    answered: 'The relay server answered.',
    refused: 'The relay server refused the sign-in.',
    'no-answer': 'The relay server did not answer.',
    'not-configured': 'This service has no relay server.',
  },
  relayOnly: 'Your calls go through the relay only (your IP address stays hidden).',
  verdictLabel: 'Result',
  verdicts: {
    ready: 'Ready: calls should work.',
    'video-may-not-work': 'Video may not work.',
    'needs-relay': 'Calls need the relay.',
    'will-not-connect': 'Calls will not connect.',
  },
  reasons: {
    'relay-only-without-turn': 'Calls must go through a relay server, and this service has none.',
    'relay-only-turn-silent': 'Calls must go through the relay server, and it did not answer.',
    'no-candidates': 'This browser found no way to connect at all. Check your network connection.',
    'camera-missing': 'No camera was found. Others will hear you but not see you.',
    'camera-denied': 'The camera is blocked. Others will hear you but not see you.',
    'camera-failed': 'The camera could not start. Others will hear you but not see you.',
    'camera-no-frames': 'The camera shows no picture. Others may not see you.',
    'relay-only': 'Calls go through the relay server, which works.',
    'relay-only-path': 'No direct way out of this network; the relay server works, so calls go through it.',
    'all-clear': 'Camera, microphone and network look fine.',
  },
};

/**
 * Group calls in a room (PROTOCOL.md §6): the call's tiles and controls (`<rtc-group-call>`), the
 * call banner of the people list, and the room chat (`<rtc-room-chat>`).
 */
const groupCall = {
  label: (room: string) => `Call in ${who(room)}`,
  tile: (name: string) => who(name),
  tileMe: (name: string) => `${who(name)} (you)`,
  video: (name: string) => `${who(name)}'s video`,
  yourVideo: 'Your video',
  muted: (name: string) => `${who(name)} is muted`,
  cameraOff: (name: string) => `${who(name)}'s camera is off`,
  sharing: (name: string) => `${who(name)} is sharing a screen`,
  screen: (name: string) => `${who(name)}'s screen`,
  yourScreen: 'Your screen',
  states: { connecting: 'Connecting…', interrupted: 'Reconnecting…', lost: 'Connection lost' },
  joined: (name: string) => `${who(name)} joined`,
  left: (name: string) => `${who(name)} left`,
  controls: 'Group call controls',
  leave: 'Leave',
  leaveTitle: 'Leave the call (the others carry on)',
  /** The people list's banner about the call in the room shown. */
  callOn: (names: string, count: number, capacity: number) => `Call on: ${names} (${count} of ${capacity})`,
  /** Joins the names of the people in a call: "Ada, Bo". */
  names: (names: readonly string[]) => names.map(who).join(', '),
  youAreIn: 'You are in this call.',
  join: 'Join',
  joinTitle: (room: string) => `Join the call in ${who(room)}`,
  joinAudioOnly: 'Join with audio only',
  /** Closes someone's "join my call" without joining. */
  notNow: 'Not now',
  full: 'Call is full',
  /** A person of the room shown, during a call: ring them to join it (a 1:1 call becomes a group call). */
  addToCall: (name: string) => `Add ${who(name)} to the call`,
  start: 'Start a call with the room',
  startTitle: (room: string) => `Start a call with everyone in ${who(room)}`,
  /** The room chat (`<rtc-room-chat>`). */
  chatTitle: (room: string) => `Chat in ${who(room)}`,
  chatLog: (room: string) => `Messages in ${who(room)}`,
  chatInput: (room: string) => `Message to everyone in ${who(room)}`,
  chatEmpty: 'No messages in this room yet.',
  someone: 'Someone',
};

/**
 * Connection quality during a call (`<rtc-video-stage>`): each side's bars, named for screen
 * readers, and the hint when one side's connection is poor, saying what the visitor will notice
 * and what helps.
 */
const quality = {
  you: 'You',
  yourBars: (bars: number) => `Your connection: ${bars} of 4 bars`,
  theirBars: (name: string, bars: number) => `${who(name)}'s connection: ${bars} of 4 bars`,
  poorLocal: 'Your connection is poor: video may freeze and sound may break up. Turning your camera off can help.',
  poorRemote: (name: string) => `${who(name)}'s connection is poor: they may not see or hear you well.`,
};

/** Group calls in a room (PROTOCOL.md §6): what the engine says of joining, leaving and ringing. */
const group = {
  full: 'This call is full.',
  fullVideo: 'This call has no room for more video. Join with audio only?',
  offline: 'You are offline; you cannot join the call now.',
  noGroupCalls: 'Calls in this room are one to one.',
  inOneToOne: 'You are in a call already. Hang up first to join this one.',
  inAnotherRoom: 'You are in the call of another room. Leave it first.',
  notInCall: 'You are not in a group call.',
  notInRoom: 'This person is not online in the room of the call.',
  alreadyInCall: 'This person is in the call already.',
  leaveGroupFirst: 'You are in a group call. Leave it first to call someone one to one.',
  joinedElsewhere: 'You joined this call in another tab.',
  removed: 'You are no longer in this call.',
  rejoinFailed: 'You were disconnected and could not rejoin the call.',
  noVideoSeat: 'Every video place in this call is taken: you can be heard, but not seen.',
  noSharedRoom: 'There is no room with group calls where all three of you are online.',
  /** `<name>` asks the visitor to join the call of `<room>`. */
  ring: (name: string, room: string) => `${who(name)} asks you to join the call in ${isolateText(room)}.`,
};

export const en = {
  /** One sentence per error code: what the API client and the sign-in form say. */
  errors: {
    invalid_input: 'Please check the form and try again.',
    invalid_credentials: 'Wrong email or password. Check both and try again.',
    email_taken: 'An account with this email already exists. Sign in instead.',
    rate_limited: 'Too many attempts. Wait a minute, then try again.',
    unauthorized: 'Your sign-in has expired. Please sign in again.',
    server_unreachable: 'Cannot reach the call service. Check your connection and try again.',
    internal: 'The call service had a problem. Please try again.',
    ...siteErrors,
    // Rooms, invites and guests (PROTOCOL.md §4).
    room_not_found: 'This room is gone, or you are no longer in it.',
    room_limit: 'You have made as many rooms as you may. Use one of your rooms instead.',
    invite_limit: 'You have as many open invites as you may. Revoke one you no longer need.',
    invite_not_found: 'This invite link is not valid. Check that it was copied whole, or ask for a new one.',
    invite_expired: 'This invite link has expired. Ask the person who sent it for a new one.',
    invite_revoked: 'This invite link was cancelled by the person who made it.',
    invite_used_up: 'This invite link has been used as many times as it allows. Ask for a new one.',
    guests_disabled: 'This service does not allow guests. Sign in to join.',
    guests_cannot_invite: 'Guests cannot make invites or join other rooms. Sign in with an account to do that.',
  } satisfies Partial<Record<SessionErrorCode, string>>,

  site,

  /** A failure nobody foresaw (a bug, a browser refusing something unusual). */
  unexpected: 'Something went wrong. Please try again.',

  call: {
    offline: 'You are offline; the call cannot be placed.',
    alreadyInCall: 'You are already in a call.',
    notOnline: 'This person is not online.',
    screenNeedsCall: 'Screen sharing needs an active call.',
    trackFailed: 'The change could not be applied to the call. Please try again.',
    setupFailed: (name: string) => `The call with ${who(name)} failed (the connection could not be set up).`,
    interrupted: (name: string) => `Connection to ${who(name)} interrupted — reconnecting…`,
    lost: (name: string) => `The connection to ${who(name)} was lost.`,
    relayProblem: (name: string, refused: boolean) =>
      `Could not connect to ${who(name)}. The relay server ${refused ? 'refused the connection' : 'cannot be reached'}.`,
    linkFailed: (name: string, relayOnly: boolean) =>
      `Could not connect to ${who(name)}. ${relayOnly ? 'The relay server did not work.' : 'A firewall may be blocking the call.'}`,
    relayFailed: 'The relay server could not connect the call.',
    relayRefused: 'The relay server refused the connection, so the call could not connect.',
    relayUnreachable: 'The relay server cannot be reached, so the call could not connect.',
    relayNeeded: 'The call needs a relay server (to hide IP addresses), and none is available.',
    relayMissing: 'Hiding your IP address needs a relay server, and this service has none.',
    /** Someone calling whose name is not known yet (their presence has not arrived). */
    someone: 'Someone',
    /** The status line of a live call (`CallView.message`), by phase. */
    status: {
      calling: (name: string) => `Calling ${who(name)}…`,
      ringing: (name: string) => `${who(name)} is calling…`,
      connecting: (name: string) => `Connecting to ${who(name)}…`,
      connected: (name: string) => `In a call with ${who(name)}`,
    },
    /** The line of an ended call, by end reason; `outgoing` is whether the visitor placed it. */
    end: {
      hangup: () => 'Call ended',
      'remote-hangup': (name: string) => `${who(name)} hung up`,
      cancelled: (name: string, outgoing: boolean) => (outgoing ? 'Call cancelled' : `${who(name)} cancelled the call`),
      declined: (name: string, outgoing: boolean) => (outgoing ? `${who(name)} declined the call` : 'You declined the call'),
      busy: (name: string) => `${who(name)} is busy in another call`,
      unavailable: (name: string) => `${who(name)} is not available right now`,
      missed: (name: string, outgoing: boolean) => (outgoing ? `${who(name)} did not answer` : `Missed call from ${who(name)}`),
      'answered-elsewhere': () => 'The call was handled in another tab',
      'peer-left': (name: string) => `${who(name)} went offline`,
      failed: (name: string) => `The call with ${who(name)} failed`,
    } satisfies Record<CallEndReason, (name: string, outgoing: boolean) => string>,
    /** No media arrived within the connect timeout. */
    noMedia: (name: string, seconds: number) =>
      `Could not connect to ${who(name)}: no media arrived within ${seconds} s. A firewall may be blocking the call.`,
  },

  chat: {
    signInFirst: 'Sign in to send messages.',
    invalid: (max: number) => `A message must have some text and at most ${max} characters.`,
    offline: 'You are offline; the message was not sent.',
    peerOffline: 'This person is offline; the message was not delivered.',
    notSent: 'The message could not be sent.',
  },

  /** Camera, microphone and screen failures; `device` is one of `devices`. */
  media: {
    devices: {
      camera: 'camera',
      microphone: 'microphone',
      'camera and microphone': 'camera and microphone',
      screen: 'screen',
    },
    denied: (device: string) => `Access to the ${device} was refused. Allow it in the browser's site settings to be seen and heard.`,
    screenDenied: 'Screen sharing was not allowed.',
    missing: (device: string) => `No ${device} was found.`,
    screenNeedsClick: 'Screen sharing must be started from a click on the share button.',
    notStarted: (device: string) => `The ${device} could not be started.`,
    inUse: (device: string) => `The ${device} is in use by another program or cannot be started.`,
    insecure: 'This browser cannot use a camera or microphone here (a secure https page is needed).',
    noScreenSharing: 'This browser cannot share a screen.',
    noScreenVideo: 'The shared screen gave no video.',
  },

  /** The elements' labels and sentences, per element. */
  ui: {
    devices,
    groupCall,
    /** `<rtc-call>`: the frame. */
    root: {
      title: 'Calls',
      connection: { online: 'Online', connecting: 'Connecting…', reconnecting: 'Reconnecting…', offline: 'Offline' },
      relayOnlyTitle: 'Relay your audio and video through the server, so the other person cannot see your IP address',
      /** "Hide my IP address", its last word dropped on narrow screens. */
      relayOnlyLabel: 'Hide my IP',
      relayOnlyLabelRest: ' address',
      signOut: 'Sign out',
      dismissError: 'Dismiss message',
      people: 'People',
      stage: 'Call and chat',
      hello: (name: string) => `Hello, ${who(name)}.`,
      welcome: 'Pick someone in the list to chat with them, or call them with the phone or camera button.',
    },
    login: {
      registerTitle: 'Create your account',
      signInTitle: 'Sign in to call',
      registerIntro: 'Pick the name people will see in their list.',
      signInIntro: 'Sign in to see who is online and call them.',
      name: 'Name',
      email: 'Email',
      password: 'Password',
      passwordHint: (min: number) => `At least ${min} characters.`,
      /** `problem` is the shared name rule's own words (src/protocol/names.ts, also the backend's answer). */
      nameProblem: (problem: string) => `Please choose another name: the ${problem}.`,
      wait: 'Please wait…',
      register: 'Create account',
      signIn: 'Sign in',
      haveAccount: 'Already have an account?',
      newHere: 'New here?',
      toRegister: 'Create an account',
      toSignIn: 'Sign in',
    },
    peerList: {
      statuses: { available: 'Available', busy: 'Busy', away: 'Away' } satisfies Record<PresenceStatus, string>,
      myStatus: 'My status',
      online: (count: number) => `People online (${count})`,
      empty: 'Nobody else is online right now. People appear here as soon as they sign in.',
      chatWith: (name: string) => `Chat with ${who(name)}`,
      unread: ' unread',
      audioCall: (name: string) => `Audio call ${who(name)}`,
      videoCall: (name: string) => `Video call ${who(name)}`,
    },
    controls: {
      label: 'Call controls',
      close: 'Close',
      cancel: 'Cancel call',
      mute: 'Mute microphone',
      unmute: 'Unmute microphone',
      muteLabel: 'Mute',
      cameraOff: 'Turn camera off',
      cameraOn: 'Turn camera on',
      cameraLabel: 'Camera off',
      share: 'Share your screen',
      stopSharing: 'Stop sharing your screen',
      shareLabel: 'Share screen',
      hangup: 'Hang up',
    },
    /** Verifying who is at the other end of a call (the Verify panel of `<rtc-call-controls>`, issue #17). */
    verify: {
      open: 'Verify who you are talking to',
      close: 'Close the verification',
      label: 'Verify',
      panel: (name: string) => `Verify ${who(name)}`,
      reading: 'Reading the connection…',
      codeIntro: 'Your code:',
      howTo: (name: string) =>
        `Read it aloud to ${who(name)} and listen to theirs. If both codes are the same, nobody is in the middle of this call, not even the server.`,
      confirm: 'They read the same code',
      verified: (name: string) => `You verified ${who(name)}. This browser remembers it and will warn you if their connection changes.`,
      notKept: 'This browser cannot keep its connection identity (private mode?): a verification only lasts while this page is open.',
      changed: (name: string) =>
        `Warning: ${who(name)}'s connection is not the one you verified before. Someone may be listening in, or they use another browser or device. Read the code aloud again before saying anything private.`,
      mismatch: (name: string) =>
        `Warning: the connection to ${who(name)} does not use the certificate it announced. Do not trust this call.`,
      /** The other side never took part in the exchange that makes the code (an older app, or its answer was lost). */
      noAnswer: (name: string) =>
        `No code for this call: ${who(name)}'s app did not answer. It may be an older version; try again in the next call.`,
      /** The other side's revealed nonce did not match its promise: the exchange was tampered with. */
      brokenPromise: (name: string) =>
        `Warning: the verification of this call with ${who(name)} was tampered with. Someone may be listening in. Do not trust this call.`,
    },
    stage: {
      callWith: (name: string) => `Call with ${who(name)}`,
      theirVideo: (name: string) => `${who(name)}'s video`,
      yourVideo: 'Your video',
      muted: (name: string) => `${who(name)} is muted`,
      cameraOff: (name: string) => `${who(name)}'s camera is off`,
      sharing: (name: string) => `${who(name)} is sharing a screen`,
    },
    quality,
    chat: {
      /** Stands for the other person while their name is unknown. */
      thisPerson: 'this person',
      title: (name: string) => `Chat with ${who(name)}`,
      log: (name: string) => `Messages with ${who(name)}`,
      empty: 'No messages yet. Say hello!',
      inputLabel: (name: string) => `Message to ${who(name)}`,
      placeholder: (name: string) => `Message ${who(name)}`,
      offline: (name: string) => `${who(name)} is offline`,
      send: 'Send',
      you: 'You',
      notDelivered: 'Not delivered',
    },
    incoming: {
      announce: (name: string) => `${who(name)} is calling you`,
      caller: (name: string) => `${who(name)} is calling`,
      video: 'Video call',
      audio: 'Audio call',
      yourCamera: 'Your camera',
      decline: 'Decline',
      accept: 'Accept',
    },
    names: {
      tagTitle: 'Tells apart people with the same name',
    },
    /** The room switcher and the people of one room (`<rtc-peer-list>`). */
    rooms: {
      label: 'Room',
      /** One room in the switcher, with how many people are online in it. */
      option: (name: string, online: number) => `${who(name)} (${online} online)`,
      lobby: 'Lobby',
      /** Someone else's personal room: it is the place to reach them. */
      personal: (owner: string) => `${who(owner)}'s room`,
      myPersonal: 'My call-me room',
      guest: 'guest',
      emptyRoom: 'Nobody else in this room is online right now.',
    },
    /** The invites panel (`<rtc-invites>`). */
    invites: {
      title: 'Invite people',
      newRoom: 'New room',
      roomName: 'Room name',
      create: 'Create room',
      callMe: 'Call-me link',
      callMeHint: 'Whoever opens it can call you; they only see you, not each other.',
      makeCallMe: 'Make my call-me link',
      expiresIn: 'Expires after',
      maxUses: 'Uses allowed',
      anyUses: 'No limit',
      expiry: { hour: '1 hour', day: '1 day', week: '7 days', month: '30 days' },
      link: (room: string) => `Invite link to ${who(room)}`,
      copy: 'Copy link',
      copied: 'Copied',
      copyFailed: 'Select the link and copy it.',
      mine: 'My invites',
      none: 'You have made no invites yet.',
      uses: (uses: number, max: number | null) => (max === null ? `${uses} used` : `${uses} of ${max} used`),
      expires: (when: string) => `expires ${when}`,
      expired: 'expired',
      revoked: 'revoked',
      usedUp: 'used up',
      revoke: 'Revoke',
      revokeLabel: (room: string) => `Revoke invite to ${who(room)}`,
      copyLabel: (room: string) => `Copy link to ${who(room)}`,
    },
    /** An invite link being opened (`<rtc-invite-card>`). */
    inviteCard: {
      checking: 'Checking the invite link…',
      joining: 'Joining…',
      title: (room: string) => `Join ${who(room)}`,
      titlePersonal: (owner: string) => `Call ${who(owner)}`,
      from: (by: string) => `Invited by ${who(by)}`,
      yourName: 'Your name',
      joinAsGuest: 'Join as guest',
      guestHint: 'No account needed. Others see you as a guest.',
      signInInstead: 'Sign in instead',
      signInToJoin: 'Sign in to join.',
      failedTitle: 'This invite link cannot be used',
      dismiss: 'Close',
    },
    precall,
    group,
  },
};

export type Texts = typeof en;

/** The catalogue in use. */
export const texts: Texts = en;

/** The catalogue's sentence for an error code, when it has one. */
export function errorText(code: SessionErrorCode): string | undefined {
  const byCode: Partial<Record<SessionErrorCode, string>> = texts.errors;
  return byCode[code];
}
