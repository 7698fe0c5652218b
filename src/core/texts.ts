/**
 * Every sentence a visitor sees, in one catalogue, so a translation replaces one object and
 * nothing else. Sentences that name someone take the name as it is and wrap it in FSI … PDI
 * (`isolateText`): a right-to-left or oddly built name cannot reorder the sentence around it.
 *
 * Sections follow who shows the sentence: `errors` by error code (the API client and the
 * sign-in form), `auth`, `connection`, `call` (status lines and call failures), `chat`,
 * `media`, and `ui` (labels of the elements).
 */
import { isolateText } from '../protocol/names.js';
import type { SessionErrorCode } from './types.js';

const who = (name: string) => isolateText(name);

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
  } satisfies Partial<Record<SessionErrorCode, string>>,

  auth: {
    expired: 'Your sign-in has expired. Please sign in again.',
    unexpected: 'Something went wrong. Please try again.',
  },

  connection: {
    unreachable: 'The call service cannot be reached.',
  },

  call: {
    offline: 'You are offline; the call cannot be placed.',
    alreadyInCall: 'You are already in a call.',
    notOnline: 'This person is not online.',
    screenNeedsCall: 'Screen sharing needs an active call.',
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
  },

  chat: {
    signInFirst: 'Sign in to send messages.',
    invalid: (max: number) => `A message must have some text and at most ${max} characters.`,
    offline: 'You are offline; the message was not sent.',
    peerOffline: 'This person is offline; the message was not delivered.',
    notSent: 'The message could not be sent.',
  },

  media: {},

  ui: {
    /** A session action failed in a way the session did not report itself. */
    unexpected: 'Something went wrong. Please try again.',
  },
};

export type Texts = typeof en;

/** The catalogue in use. */
export const texts: Texts = en;
