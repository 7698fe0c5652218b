/**
 * Invites (PROTOCOL.md §4): the links a visitor makes (a new room, their "call me" link, the list
 * with Revoke), and a link being opened (preview, then join as the signed-in visitor, or as a
 * guest). The link itself is the page's own URL with `#rtc-invite=<code>` in its fragment, which
 * never reaches a server; the functions that read and write it are pure.
 */
import { INVITE_CODE_PATTERN, INVITE_LINK_PARAM, type AuthResponse, type Invite, type Room } from '../protocol/index.js';
import { ApiRequestError, type ApiClient } from './api-client.js';
import type { RoomBook } from './rooms.js';
import type { SessionStore } from './session-state.js';
import { texts, errorText } from './texts.js';
import type { InviteLinkState, InviteOptions, SessionError, SessionErrorCode } from './types.js';

// ------------------------------------------------------------------ the link in the page's URL

const PARAM_PREFIX = `${INVITE_LINK_PARAM}=`;

/** The fragment's `&`-separated entries other than the invite. */
function otherEntries(hash: string): string[] {
  return hash
    .replace(/^#/, '')
    .split('&')
    .filter((entry) => entry !== '' && !entry.startsWith(PARAM_PREFIX));
}

/** The invite code in a URL fragment (`#rtc-invite=<code>`, alone or among other `&` entries), or null. */
export function inviteCodeFromHash(hash: string): string | null {
  const entry = hash
    .replace(/^#/, '')
    .split('&')
    .find((e) => e.startsWith(PARAM_PREFIX));
  if (entry === undefined) return null;
  try {
    return decodeURIComponent(entry.slice(PARAM_PREFIX.length));
  } catch {
    return entry.slice(PARAM_PREFIX.length);
  }
}

/** The link to share: `pageUrl` with `#rtc-invite=<code>` in its fragment, replacing an earlier invite there. */
export function inviteLink(pageUrl: string, code: string): string {
  const url = new URL(pageUrl);
  url.hash = [...otherEntries(url.hash), `${PARAM_PREFIX}${encodeURIComponent(code)}`].join('&');
  return url.toString();
}

/** `pageUrl` without the invite in its fragment (what the address bar keeps once the link was used). */
export function withoutInvite(pageUrl: string): string {
  const url = new URL(pageUrl);
  const rest = otherEntries(url.hash);
  url.hash = rest.join('&');
  // An emptied fragment leaves a bare `#`; drop it too.
  return rest.length === 0 ? url.toString().replace(/#$/, '') : url.toString();
}

// ------------------------------------------------------------------ invites the visitor makes

/** Every part that needs the signed-in token and tells the room list about new rooms. */
export interface InviteContext {
  api: ApiClient;
  store: SessionStore;
  token: () => string | null;
  rooms: RoomBook;
}

/** The token, or the failure a signed-out visitor meets. */
function requireToken(context: InviteContext): string {
  const token = context.token();
  if (!token) throw new ApiRequestError('unauthorized', texts.errors.unauthorized, 401);
  return token;
}

/** The visitor's own invites (`state.invites`) and the rooms they make. Each method throws on failure. */
export class InviteBook {
  constructor(private readonly context: InviteContext) {}

  async load(): Promise<void> {
    const { invites } = await this.context.api.invites(requireToken(this.context));
    this.context.store.update({ invites });
  }

  /** A new group room, shown at once, and its first invite. */
  async createRoom(name: string): Promise<Invite> {
    const { room, invite } = await this.context.api.createRoom(requireToken(this.context), name);
    this.remember(invite);
    await this.context.rooms.load(room.id);
    return invite;
  }

  /** An invite to a group room, or to the visitor's personal room (made on its first invite: the list learns of it). */
  async create(room: string | 'personal', options: InviteOptions = {}): Promise<Invite> {
    const target = room === 'personal' ? { personal: true as const } : { room };
    const { invite } = await this.context.api.createInvite(requireToken(this.context), target, options);
    this.remember(invite);
    if (!this.context.store.state.rooms.some((r) => r.id === invite.room.id)) await this.context.rooms.load();
    return invite;
  }

  async revoke(code: string): Promise<void> {
    await this.context.api.revokeInvite(requireToken(this.context), code);
    const invites = this.context.store.state.invites.map((i) => (i.code === code ? { ...i, revoked: true } : i));
    this.context.store.update({ invites });
  }

  private remember(invite: Invite): void {
    const others = this.context.store.state.invites.filter((i) => i.code !== invite.code);
    this.context.store.update({ invites: [invite, ...others] });
  }
}

// ------------------------------------------------------------------ a link being opened

/** Answers that end a link for good: nothing the visitor does makes it work. */
const FINAL_PROBLEMS: ReadonlySet<SessionErrorCode> = new Set<SessionErrorCode>([
  'invite_not_found',
  'invite_expired',
  'invite_revoked',
  'invite_used_up',
  'guests_cannot_invite',
]);

export interface InviteLinkHooks {
  /** Signs in with the guest account made for the link, as a login would. */
  signIn(auth: AuthResponse): Promise<void>;
  /** The signed-in visitor joined `room` through the link: show it. */
  joined(room: Room): Promise<void>;
}

/** The link being opened (`state.invite`): preview, then join or guest sign-in. */
export class InviteLinkFlow {
  private opens = 0;

  constructor(
    private readonly context: InviteContext,
    private readonly hooks: InviteLinkHooks,
  ) {}

  /** Checks `code`, and joins at once when signed in. */
  async open(code: string): Promise<void> {
    const open = ++this.opens;
    const { api, store } = this.context;
    if (!INVITE_CODE_PATTERN.test(code)) return this.fail({ code, phase: 'failed', preview: null, problem: null }, 'invite_not_found');
    const link: InviteLinkState = { code, phase: 'checking', preview: null, problem: null };
    store.update({ invite: link });
    try {
      const { invite: preview } = await api.previewInvite(code);
      if (open !== this.opens) return;
      store.update({ invite: { ...link, phase: 'ready', preview } });
    } catch (e) {
      if (open === this.opens) this.fail(link, e);
      return;
    }
    if (store.state.user) await this.join();
  }

  /** Signed in (typed, restored, or as this link's guest): a checked link is joined now. */
  async signedIn(): Promise<void> {
    const { invite, user } = this.context.store.state;
    if (!invite) return;
    // The guest account was made by this very link: signing in was the join.
    if (invite.phase === 'joining' && user?.guest) return void this.context.store.update({ invite: null });
    if (invite.phase === 'ready') await this.join();
  }

  /** Makes a guest account for the link under `name`, and signs it in. */
  async joinAsGuest(name: string): Promise<void> {
    const link = this.context.store.state.invite;
    if (!link || link.phase !== 'ready') return;
    this.context.store.update({ invite: { ...link, phase: 'joining' } });
    let auth: AuthResponse;
    try {
      auth = await this.context.api.guest(link.code, name);
    } catch (e) {
      return this.fail(link, e);
    }
    if (this.context.store.state.invite?.code !== link.code) return;
    await this.hooks.signIn(auth);
  }

  /** The visitor closed the link's message. */
  dismiss(): void {
    this.opens++;
    this.context.store.update({ invite: null });
    this.context.store.clearError('invite');
  }

  private async join(): Promise<void> {
    const link = this.context.store.state.invite;
    const token = this.context.token();
    if (!link || link.phase !== 'ready' || !token) return;
    this.context.store.update({ invite: { ...link, phase: 'joining' } });
    let room: Room;
    try {
      ({ room } = await this.context.api.joinInvite(token, link.code));
    } catch (e) {
      return this.fail(link, e);
    }
    if (this.context.store.state.invite?.code !== link.code) return;
    this.context.store.update({ invite: null });
    this.context.store.clearError('invite');
    await this.hooks.joined(room);
  }

  /**
   * A failure of `link`: an end for good (expired, revoked, used up, unknown) shows its sentence
   * in place of the link; anything else (a typo in the name, too many attempts, the service
   * unreachable) shows beside the link, which stays usable. Either way it is an `invite` error.
   * `reason`: what was thrown, or an error code.
   */
  private fail(link: InviteLinkState, reason: unknown): void {
    const { store } = this.context;
    const error: SessionError =
      typeof reason === 'string'
        ? { code: reason as SessionErrorCode, scope: 'invite', message: errorText(reason as SessionErrorCode) ?? texts.unexpected }
        : reason instanceof ApiRequestError
          ? reason.toSessionError('invite')
          : { code: 'internal', scope: 'invite', message: texts.unexpected };
    const final = FINAL_PROBLEMS.has(error.code) || link.preview === null;
    const preview = link.preview && error.code === 'guests_disabled' ? { ...link.preview, guests: false } : link.preview;
    store.update({ invite: final ? { ...link, phase: 'failed', problem: error.code } : { ...link, phase: 'ready', preview } });
    store.reportError(error);
  }
}
