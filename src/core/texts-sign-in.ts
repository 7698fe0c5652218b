/**
 * The sentences of the first paint (PROTOCOL-free): `<rtc-call>`'s frame, `<rtc-login>`, a site
 * sign-in and the errors by code. They are a catalogue of their own so that the initial script
 * (dist/rtc-call.js) carries them without the rest of src/core/texts.ts, which loads with the
 * call engine. src/core/texts.ts builds its catalogue with the same section builders, so
 * `texts.errors`, `texts.ui.login`... are these very sentences (same `msg()` ids).
 */
import { msg, str } from '@lit/localize';
import type { NameRule } from '../protocol/names.js';
import { isolateText } from '../protocol/names.js';
import { NAME_MAX_COMBINING_RUN, NAME_MAX_LENGTH, NAME_MIN_LENGTH } from '../protocol/limits.js';
import type { SessionErrorCode } from './types.js';
import { formatCount } from './formats.js';
import { textView } from './text-view.js';

const who = (name: string) => isolateText(name);
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

export const site = () => ({
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

/** One sentence per error code: what the API client and the sign-in form say. */
export const errors = () =>
  ({
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
  }) satisfies Partial<Record<SessionErrorCode, string>>;

/** A failure nobody foresaw (a bug, a browser refusing something unusual). */
export const unexpected = () => msg('Something went wrong. Please try again.', { id: 'unexpected' });

/** `<rtc-call>`'s frame. */
export const root = () => ({
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
});

/** `<rtc-login>`. */
export const login = () => ({
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
});

/** Under an invite link's guest form: the button showing the sign-in form (`texts.ui.inviteCard.signInInstead`). */
export const signInInstead = () => msg('Sign in instead', { id: 'ui.inviteCard.signInInstead' });

/** The signed-in frame's button opening the pre-call check (`texts.ui.precall.open`). */
export const precallOpen = () => msg('Check devices and connection', { id: 'ui.precall.open' });

/** The title of the tag telling apart people of the same name (`texts.ui.names.tagTitle`, src/components/names.ts). */
export const nameTagTitle = () => msg('Tells apart people with the same name', { id: 'ui.names.tagTitle' });

/** The sign-in's sentences, in the language loaded now (see src/core/text-view.ts). */
export const signInTexts = textView(() => ({
  errors: errors(),
  site: site(),
  unexpected: unexpected(),
  root: root(),
  login: login(),
  signInInstead: signInInstead(),
  precallOpen: precallOpen(),
  nameTagTitle: nameTagTitle(),
}));

/** The catalogue's sentence for an error code, when it has one. */
export function errorText(code: SessionErrorCode): string | undefined {
  const byCode: Partial<Record<SessionErrorCode, string>> = signInTexts.errors;
  return byCode[code];
}
