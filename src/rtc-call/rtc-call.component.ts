import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { provide } from '@lit/context';
import { property, state } from 'lit/decorators.js';
import { sessionContext } from '../components/context.js';
import { SessionController } from '../components/session-controller.js';
import { stageCall } from '../components/call-view.js';
import { attempt, dismissError, errorAt } from '../components/errors.js';
import { LOGIN_PARTS } from '../components/login/login.component.js';
import { PEER_LIST_PARTS } from '../components/peer-list/peer-list.component.js';
import { CALL_CONTROLS_PARTS } from '../components/call-controls/call-controls.component.js';
import { VIDEO_STAGE_PARTS } from '../components/video-stage/video-stage.component.js';
import { CHAT_PARTS } from '../components/chat/chat.component.js';
import { INCOMING_CALL_PARTS } from '../components/incoming-call/incoming-call.component.js';
import { INVITES_PARTS } from '../components/invites/invites.component.js';
import { INVITE_CARD_PARTS } from '../components/invite-card/invite-card.component.js';
import { DEVICE_SETTINGS_PARTS } from '../components/device-settings/device-settings.component.js';
import { PRECALL_CHECK_PARTS } from '../components/precall-check/precall-check.component.js';
import { GROUP_CALL_PARTS } from '../components/group-call/group-call.component.js';
import { ROOM_CHAT_PARTS } from '../components/room-chat/room-chat.component.js';
import { CALL_HISTORY_PARTS } from '../components/call-history/call-history.component.js';
import { PRIVACY_PARTS } from '../components/privacy/privacy.component.js';
import { FILE_TRANSFER_PARTS } from '../components/file-transfer/file-transfers.component.js';
import { allowsGroupCalls } from '../protocol/group-calls.js';
import { inviteCodeFromHash, withoutInvite } from '../core/invites.js';
import { Session } from '../core/session.js';
import type { CallView, SessionApi, SessionError, SessionEventMap, SessionOptions } from '../core/types.js';
import { createRtcEvent, type RtcEventDetails, type RtcEventName } from '../events.js';
import { tokens, controls } from '../styles/tokens.js';
import { icon } from '../styles/icons.js';
import { rtcCallStyles } from './rtc-call.styles.js';
import { errorText, texts } from '../core/texts.js';
import { renderAbout, renderText } from '../components/names.js';
import { LocaleController } from '../components/localization.js';

const words = texts.ui.root;

/** A site sign-in's failure in the catalogue's words; the token URL's own sentence says which way it failed. */
const siteErrorText = (error: SessionError): string => (error.code !== 'site_token_url_failed' && errorText(error.code)) || error.message;

/** The parts of the frame around the elements inside (the part names of `<rtc-call>`'s own shadow root). */
export const RTC_CALL_OWN_PARTS = [
  'base',
  'header',
  'title',
  'status',
  'user-name',
  'relay-only',
  'sign-out',
  'main',
  'sidebar',
  'stage',
  'welcome',
  'error',
  'error-dismiss',
  'site-sign-in',
  'sign-in-again',
  'sign-in-instead',
  'precall-toggle',
] as const;

/** The elements inside and the parts each one re-exports: its own `*_PARTS`, written once, next to its docs. */
export const RTC_CALL_CHILD_PARTS = {
  'rtc-login': LOGIN_PARTS,
  'rtc-peer-list': PEER_LIST_PARTS,
  'rtc-call-controls': CALL_CONTROLS_PARTS,
  'rtc-video-stage': VIDEO_STAGE_PARTS,
  'rtc-chat': CHAT_PARTS,
  'rtc-incoming-call': INCOMING_CALL_PARTS,
  'rtc-invites': INVITES_PARTS,
  'rtc-invite-card': INVITE_CARD_PARTS,
  // Inside rtc-call-controls' "Devices" panel, which passes its parts on.
  'rtc-device-settings': DEVICE_SETTINGS_PARTS,
  'rtc-precall-check': PRECALL_CHECK_PARTS,
  'rtc-group-call': GROUP_CALL_PARTS,
  'rtc-room-chat': ROOM_CHAT_PARTS,
  'rtc-call-history': CALL_HISTORY_PARTS,
  'rtc-privacy': PRIVACY_PARTS,
  // Inside rtc-chat, which passes its parts on.
  'rtc-file-transfers': FILE_TRANSFER_PARTS,
} as const;

/** Every part a page can style as `rtc-call::part(name)`. */
export const RTC_CALL_PARTS: readonly string[] = [...new Set([...RTC_CALL_OWN_PARTS, ...Object.values(RTC_CALL_CHILD_PARTS).flat()])];

/** The `exportparts` value of one element inside: all its parts, under their own names. */
const exportParts = (tag: keyof typeof RTC_CALL_CHILD_PARTS) => RTC_CALL_CHILD_PARTS[tag].join(', ');

/** Session events and the public DOM event each one becomes. */
const FORWARDED_EVENTS = {
  'signed-in': 'rtc-signed-in',
  'signed-out': 'rtc-signed-out',
  'site-token-needed': 'rtc-site-token-needed',
  presence: 'rtc-presence',
  'incoming-call': 'rtc-incoming-call',
  'call-state': 'rtc-call-state',
  chat: 'rtc-chat-message',
  error: 'rtc-error',
  'room-joined': 'rtc-room-joined',
  'file-offer': 'rtc-file-offer',
  'file-transfer': 'rtc-file-transfer',
} as const satisfies Partial<Record<keyof SessionEventMap, RtcEventName>>;

/** The origin this script was loaded from: where the backend serving it lives. */
const scriptOrigin = (): string => new URL(import.meta.url).origin;

/**
 * @summary Person-to-person audio/video calls, chat and screen sharing in one element.
 *
 * Creates a `Session` (the call engine) for its `server` and shares it with
 * the elements inside through `@lit/context`. Every inner part is re-exported
 * under its own name, so a page styles `rtc-call::part(call-button)` directly:
 * the parts below are the frame's own; the manifest (`custom-elements.json`)
 * adds every part of the elements inside, from their own `@csspart` docs.
 *
 * @event rtc-signed-in - The visitor signed in or registered; `detail.user`.
 * @event rtc-signed-out - The visitor signed out (`detail.reason` "user") or the sign-in expired ("expired").
 * @event rtc-site-token-needed - Signed in with `siteToken` (no `token-url`), the backend ended that session: set a new
 *   `siteToken` to stay signed in; `detail.reason` "expired".
 * @event rtc-presence - The list of people online changed; `detail.peers`.
 * @event rtc-incoming-call - Someone is calling; `detail.call`.
 * @event rtc-call-state - The current call changed phase or media; `detail.call` (`phase`, `endReason`, `message`).
 * @event rtc-chat-message - A chat message was sent or received; `detail.message` (text, never HTML).
 * @event rtc-error - Something failed; `detail` is `{ code, message, scope }`.
 * @event rtc-peer-select - A person was picked in the list to chat with; `detail.peerId`.
 * @event rtc-room-joined - The visitor joined a room by an invite link; `detail.room`.
 * @event rtc-invite-created - The visitor made an invite; `detail.invite`, `detail.link`.
 * @event rtc-file-offer - Someone offers the visitor a file; `detail.transfer` (name, size, type).
 * @event rtc-file-transfer - A file transfer ended; `detail.transfer` (`phase` done, declined, cancelled or failed, `problem`).
 *
 * @csspart base - The widget's frame.
 * @csspart header - The top bar.
 * @csspart title - The widget's title in the top bar.
 * @csspart status - Every state line: the connection ("Online", "Reconnecting…") and the call ("Ringing Ada…").
 * @csspart user-name - The signed-in visitor's name.
 * @csspart relay-only - The "Hide my IP address" switch (label with checkbox).
 * @csspart sign-out - The sign-out button.
 * @csspart main - The area below the top bar once signed in.
 * @csspart sidebar - The column with the people list.
 * @csspart stage - The column with the call and the chat.
 * @csspart welcome - The hint shown when no call and no chat is open.
 * @csspart error - Every error message but the chat's: the banner under the top bar (sign-in and connection errors, and call
 *   and media errors while no call is on the stage), the sign-in form's, and the call controls' (`call-error`).
 * @csspart error-dismiss - The button closing the error banner.
 * @csspart site-sign-in - Signed in with the site's account (`siteToken`, `token-url`): what shows instead of the sign-in
 *   form while signing in, after a failure (with `error`) or after signing out.
 * @csspart sign-in-again - The button signing in again with `token-url` after signing out.
 * @csspart sign-in-instead - Under an invite link's guest form: the button showing the sign-in form instead.
 * @csspart precall-toggle - The "Check devices and connection" button (signed in, no call on or ringing): opens and closes the pre-call
 *   check.
 *
 * @cssproperty --rtc-color-bg - Background colour (light: #ffffff, dark: #141922).
 * @cssproperty --rtc-color-surface - Background of bars and received messages.
 * @cssproperty --rtc-color-fg - Text colour.
 * @cssproperty --rtc-color-muted - Secondary text colour.
 * @cssproperty --rtc-color-border - Border colour.
 * @cssproperty --rtc-color-accent - Accent colour (primary buttons, own messages, focus ring).
 * @cssproperty --rtc-color-accent-fg - Text on the accent colour.
 * @cssproperty --rtc-color-danger - Colour of hang up, decline and errors.
 * @cssproperty --rtc-color-danger-fg - Text on the danger colour.
 * @cssproperty --rtc-color-success - Colour of "available" and accept.
 * @cssproperty --rtc-color-success-fg - Text on the success colour.
 * @cssproperty --rtc-color-warning - Colour of "away" and reconnecting.
 * @cssproperty --rtc-radius - Corner radius (10px).
 * @cssproperty --rtc-font-family - Font family (system UI font).
 * @cssproperty --rtc-font-size - Base font size (15px).
 * @cssproperty --rtc-spacing - Base spacing unit (8px).
 * @cssproperty --rtc-focus-ring - Box shadow of the keyboard focus ring.
 * @cssproperty --rtc-call-bg - Background of the widget's frame. Defaults to `--rtc-color-bg`.
 * @cssproperty --rtc-call-max-width - Maximum width of the widget (1100px).
 * @cssproperty --rtc-call-sidebar-width - Width of the people column on wide screens (340px).
 */
export class RtcCall extends LitElement {
  static override styles = [tokens, controls, rtcCallStyles];

  /** Origin of the rtc-call backend. Defaults to the origin this script was loaded from. */
  @property() server: string = scriptOrigin();

  /** Keep the sign-in for the browser tab (sessionStorage), so a reload stays signed in. */
  @property({ type: Boolean, attribute: 'remember-sign-in' }) rememberSignIn = false;

  /** Offer video calls and start calls with the camera on. Set `video="false"` for audio only. */
  @property({
    attribute: 'video',
    converter: { fromAttribute: (value) => value !== 'false', toAttribute: (value) => (value ? '' : 'false') },
  })
  video = true;

  /**
   * Open camera and microphone while an incoming call rings, and show the visitor's own preview in the
   * ringing dialog. Off by default: no device opens before the visitor accepts (anyone signed in can ring).
   */
  @property({ type: Boolean, attribute: 'preview-on-ring' }) previewOnRing = false;

  /** Relay all media through the TURN server so the other person never learns your IP address. */
  @property({ type: Boolean, attribute: 'relay-only' }) relayOnly = false;

  /**
   * An invite code to open on start, as a link's `#rtc-invite=<code>` would (that fragment is read
   * too, when this is not set). Signed in, the visitor joins its room; signed out, they may join
   * as a guest or sign in.
   */
  @property() invite?: string;

  /** How long an outgoing call rings before it ends as missed, in ms (tests). Default 30 s. */
  @property({ type: Number, attribute: 'ring-timeout' }) ringTimeout?: number;

  /**
   * A JWT of the embedding site for its signed-in visitor (PROTOCOL.md §1, "Site accounts"): the widget signs in
   * with it and shows no sign-in form. A property only, never an attribute: it is a credential. A token of someone
   * else switches user. Without `token-url`, `rtc-site-token-needed` asks for a new one when the session ends. Every
   * assignment signs in with it, even of the same token again.
   */
  @property({ attribute: false, hasChanged: () => true }) siteToken?: string;

  /**
   * The site's URL answering `{ "token": "<site JWT>" }` to its signed-in visitor (a GET with the visitor's cookies):
   * the widget signs in with it, shows no sign-in form, and asks it again whenever the backend ends the session.
   */
  @property({ attribute: 'token-url' }) tokenUrl?: string;

  @provide({ context: sessionContext })
  @state()
  private provided?: Session;

  @state() private chatPeer = '';
  /** Signed out with an invite link open: the visitor chose to sign in rather than join as a guest. */
  @state() private signInInstead = false;
  /** The pre-call check is open (a call closes it). */
  @state() private precallOpen = false;
  /** Signed in with the site's account, the visitor (or the page) signed out: no sign-in starts by itself. */
  @state() private siteSignedOut = false;
  /** The session the site account was last given to: a new session gets it at its first update. */
  private siteSession?: Session;

  private readonly sessionState = new SessionController(this);
  /** The page's language (the `lang` attribute, `<html lang>`, the browser) and the `dir` it sets on this element. */
  private readonly language = new LocaleController(this);
  private forwarders: Array<() => void> = [];

  /** The call engine of this widget (created when the element connects). */
  get session(): SessionApi | undefined {
    return this.provided;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.provided) this.createSession();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // Leaving the page releases camera, sockets and timers; reconnecting creates a fresh session.
    this.disposeSession();
  }

  private disposeSession(): void {
    this.forwarders.forEach((off) => off());
    this.forwarders = [];
    this.provided?.dispose();
    this.provided = undefined;
    this.chatPeer = '';
    this.signInInstead = false;
    this.siteSignedOut = false;
    this.precallOpen = false;
  }

  /** Signs `session` (a new one, or the page just set `siteToken` or `tokenUrl`) in with the site's account, if any. */
  private giveSiteAccount(session: Session): void {
    this.siteSession = session;
    const source = { token: this.siteToken || undefined, url: this.tokenUrl || undefined };
    if (!source.token && !source.url) return;
    this.siteSignedOut = false;
    void attempt(this, session, 'auth', () => session.signInWithSite(source));
  }

  /** Signed in (or signing in) with the site's account: no sign-in form, no sign-out button. */
  private get siteAccount(): boolean {
    return Boolean(this.siteToken || this.tokenUrl);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const session = this.provided;
    if (!session) return;
    if (changed.has('server') && changed.get('server') !== undefined && session.options.server !== this.server) {
      // A different backend means a different account: start over.
      this.disposeSession();
      this.createSession();
    } else if (changed.has('relayOnly') && changed.get('relayOnly') !== undefined) {
      session.setRelayOnly(this.relayOnly);
    }
    // Before the first render: with a site account, the sign-in form never shows, not even for a moment.
    const current = this.provided!;
    if (current !== this.siteSession || changed.has('siteToken') || changed.has('tokenUrl')) this.giveSiteAccount(current);
  }

  /** Calls a person; with the camera on unless `video` is false. */
  call(userId: string, media?: { audio?: boolean; video?: boolean }): Promise<void> {
    return this.requireSession().call(userId, { audio: true, video: this.video, ...media });
  }

  /** Ends the current call, whatever its phase (the session cancels an outgoing ring and declines an incoming one). */
  hangup(): void {
    this.requireSession().hangup();
  }

  /**
   * Signs out: ends any call, closes the connection and forgets a remembered sign-in. Signed in with the site's
   * account, the widget then says so (no form) and signs in again only when the page sets `siteToken` (or with
   * the "Sign in again" button, with `token-url`): call it when the visitor signs out of the site.
   */
  signOut(): Promise<void> {
    return this.requireSession().signOut();
  }

  private requireSession(): SessionApi {
    if (!this.provided) throw new Error('<rtc-call> is not connected to the document');
    return this.provided;
  }

  private createSession(): void {
    const options: SessionOptions = {
      server: this.server,
      rememberSignIn: this.rememberSignIn,
      video: this.video,
      relayOnly: this.relayOnly,
      previewOnRing: this.previewOnRing,
    };
    if (this.ringTimeout !== undefined) options.ringTimeoutMs = this.ringTimeout;
    const session = new Session(options);
    for (const [from, to] of Object.entries(FORWARDED_EVENTS) as Array<[keyof typeof FORWARDED_EVENTS, RtcEventName]>) {
      const forward = (event: Event) => this.forward(to, event as CustomEvent);
      session.addEventListener(from, forward);
      this.forwarders.push(() => session.removeEventListener(from, forward));
    }
    // A call opens the chat with the other person on both sides: the caller's when the call is
    // placed, the callee's when it rings. Signing out closes it.
    let chatOpenedFor = '';
    const onIncoming = () => (this.chatPeer = session.state.call?.peer.id ?? this.chatPeer);
    const onCallState = ({ detail: { call } }: CustomEvent<{ call: CallView }>) => {
      // A call closes the pre-call check: it releases the camera and microphone for the call.
      this.precallOpen = false;
      if (call.direction !== 'outgoing' || call.callId === chatOpenedFor) return;
      chatOpenedFor = call.callId;
      this.chatPeer = call.peer.id;
    };
    const onSignedOut = ({ detail }: CustomEvent<{ reason: 'user' | 'expired' }>) => {
      this.chatPeer = '';
      this.precallOpen = false;
      if (detail.reason === 'user') this.siteSignedOut = true;
    };
    const onSignedIn = () => (this.siteSignedOut = false);
    session.addEventListener('signed-in', onSignedIn);
    session.addEventListener('incoming-call', onIncoming);
    session.addEventListener('call-state', onCallState);
    session.addEventListener('signed-out', onSignedOut);
    this.forwarders.push(
      () => session.removeEventListener('incoming-call', onIncoming),
      () => session.removeEventListener('call-state', onCallState),
      () => session.removeEventListener('signed-out', onSignedOut),
      () => session.removeEventListener('signed-in', onSignedIn),
    );
    this.provided = session;
    this.openInviteLink(session);
    // A site account signs in with the site's token (at the first update), never with a remembered one: the site's
    // visitor may have changed.
    if (!this.siteAccount && this.rememberSignIn) void attempt(this, session, 'auth', (s) => s.restore());
  }

  /**
   * Opens the invite of the `invite` attribute or of the page's `#rtc-invite=<code>`; a link
   * pasted into this page's address bar later is opened too. Once the link is used up here
   * (joined, failed or closed), it leaves the address bar, so a reload does not open it again.
   */
  private openInviteLink(session: SessionApi): void {
    const fromHash = () => (typeof location === 'undefined' ? null : inviteCodeFromHash(location.hash));
    const open = (code: string | null) => {
      if (code) void attempt(this, session, 'invite', (s) => s.openInvite(code));
    };
    let opened = false;
    const onChange = () => {
      const link = session.state.invite;
      if (link && link.phase !== 'failed') return void (opened = true);
      if (!link && !opened) return;
      if (opened) this.signInInstead = false;
      opened = false;
      if (fromHash()) history.replaceState(history.state, '', withoutInvite(location.href));
    };
    const onHash = () => {
      const code = fromHash();
      if (code && code !== session.state.invite?.code) open(code);
    };
    session.addEventListener('change', onChange);
    window.addEventListener('hashchange', onHash);
    this.forwarders.push(
      () => session.removeEventListener('change', onChange),
      () => window.removeEventListener('hashchange', onHash),
    );
    open(this.invite || fromHash());
  }

  private forward<K extends RtcEventName>(name: K, event: CustomEvent) {
    this.dispatchEvent(createRtcEvent(name, event.detail as RtcEventDetails[K]));
  }

  override render() {
    const state = this.sessionState.state;
    if (!state) return nothing;
    const signedIn = state.user !== null;
    return html`
      <div part="base" lang=${this.language.locale}>
        <header part="header">
          <p class="title" part="title">${icon('video')}${words.title}</p>
          <span class="spacer"></span>
          ${signedIn ? this.renderAccount() : nothing}
        </header>
        ${signedIn ? this.renderMain() : this.renderSignedOut()}
      </div>
      <rtc-incoming-call exportparts=${exportParts('rtc-incoming-call')} lang=${this.language.locale}></rtc-incoming-call>
    `;
  }

  private renderSignedOut() {
    if (this.siteAccount) return this.renderSiteSignIn();
    const link = this.sessionState.state?.invite;
    // An open link offers joining as a guest first; signing in stays one click away.
    const guestFirst = link && link.phase !== 'failed' && link.preview?.guests !== false && !this.signInInstead;
    // A backend of site accounts only (ACCOUNTS=site) has no password to sign in with.
    const passwords = link?.preview?.passwords !== false;
    return html`<div class="signed-out">
      <rtc-invite-card exportparts=${exportParts('rtc-invite-card')} ?hidden=${!link}></rtc-invite-card>
      ${
        guestFirst
          ? passwords
            ? html`<p class="instead">
                <button type="button" class="link" part="sign-in-instead" @click=${() => (this.signInInstead = true)}>
                  ${texts.ui.inviteCard.signInInstead}
                </button>
              </p>`
            : nothing
          : html`<rtc-login exportparts=${exportParts('rtc-login')}></rtc-login>`
      }
    </div>`;
  }

  /** Instead of the form, with the site's account: signing in, why it failed, or signed out. */
  private renderSiteSignIn() {
    const error = errorAt(this.provided, 'login');
    const again = this.siteSignedOut && !error && this.tokenUrl;
    return html`<div class="signed-out">
      <div class="site-sign-in" part="site-sign-in">
        ${
          error
            ? html`<p part="error" role="alert">${renderText(siteErrorText(error))}</p>`
            : html`<p role="status">${this.siteSignedOut ? texts.site.signedOut : texts.site.signingIn}</p>`
        }
        ${again ? html`<button type="button" part="sign-in-again" @click=${this.signInAgain}>${texts.site.signInAgain}</button>` : nothing}
      </div>
    </div>`;
  }

  private signInAgain() {
    const session = this.provided;
    if (!session || !this.tokenUrl) return;
    this.siteSignedOut = false;
    void attempt(this, session, 'auth', () => session.signInWithSite({ url: this.tokenUrl }));
  }

  private renderAccount() {
    const state = this.sessionState.state!;
    const connection = words.connection as Partial<Record<string, string>>;
    return html`
      <span part="status" class=${state.connection} role="status">${connection[state.connection] ?? words.connection.offline}</span>
      <span class="user" part="user-name" title=${state.user?.email ?? ''}><bdi>${state.user?.name}</bdi></span>
      <label part="relay-only" title=${words.relayOnlyTitle}>
        <input type="checkbox" .checked=${state.relayOnly} @change=${this.onRelayOnly} />
        ${icon('shield')}<span class="label-long">${words.relayOnlyLabel}</span
        ><span class="label-short">${words.relayOnlyLabelShort}</span>
      </label>
      ${
        // The site owns a site account: the visitor signs out there (and the page calls signOut()).
        this.siteAccount
          ? nothing
          : html`<button type="button" part="sign-out" @click=${() => attempt(this, this.provided, 'auth', (s) => s.signOut())}>
              ${icon('logout')}${words.signOut}
            </button>`
      }
    `;
  }

  private renderMain() {
    const state = this.sessionState.state!;
    const error = errorAt(this.provided, 'banner');
    // An incoming call still ringing is shown by the dialog only; the stage shows placed and answered calls.
    const call = stageCall(state);
    // A group call takes the stage like a 1:1 call (the session never has both).
    const group = state.groupCall;
    const precall = this.precallOpen && !call && !group;
    const idle = !call && !group && !this.chatPeer && !precall;
    // The room's chat: beside its group call, and under the room's people view while no 1:1 call is on.
    const shownRoom = state.rooms.find((r) => r.id === state.room);
    const roomChat = group ? group.roomId : !call && !precall && shownRoom && allowsGroupCalls(shownRoom) ? shownRoom.id : null;
    return html`
      ${
        error
          ? html`<div class="banner error" part="error" role="alert">
              <span>${renderText(error.message)}</span>
              <button
                type="button"
                part="error-dismiss"
                aria-label=${words.dismissError}
                @click=${() => dismissError(this.provided!, error)}
              >
                ${icon('x')}
              </button>
            </div>`
          : nothing
      }
      <div class="invite-banner" ?hidden=${!state.invite}>
        <rtc-invite-card exportparts=${exportParts('rtc-invite-card')}></rtc-invite-card>
      </div>
      <div part="main">
        <section part="sidebar" aria-label=${words.people}>
          <rtc-peer-list
            exportparts=${exportParts('rtc-peer-list')}
            selected-peer=${this.chatPeer}
            .video=${this.video}
            @rtc-peer-select=${(e: CustomEvent<{ peerId: string }>) => (this.chatPeer = e.detail.peerId)}
          ></rtc-peer-list>
          <rtc-privacy exportparts=${exportParts('rtc-privacy')}></rtc-privacy>
          <rtc-call-history exportparts=${exportParts('rtc-call-history')}></rtc-call-history>
          ${state.user?.guest ? nothing : html`<rtc-invites exportparts=${exportParts('rtc-invites')}></rtc-invites>`}
          ${
            state.call || group
              ? nothing
              : html`<button
                  type="button"
                  class="precall-toggle"
                  part="precall-toggle"
                  aria-expanded=${precall}
                  @click=${this.togglePrecall}
                >
                  ${icon('video')}${texts.ui.precall.open}
                </button>`
          }
        </section>
        <section
          part="stage"
          class=${idle ? 'idle' : call || group ? 'in-call' : precall ? 'precall' : 'chat-only'}
          aria-label=${words.stage}
        >
          ${
            precall
              ? html`<rtc-precall-check
                  exportparts="${exportParts('rtc-precall-check')}, ${exportParts('rtc-device-settings')}"
                  @rtc-precall-close=${this.closePrecall}
                ></rtc-precall-check>`
              : nothing
          }
          ${
            call
              ? html`<rtc-video-stage exportparts=${exportParts('rtc-video-stage')}></rtc-video-stage>
                  <rtc-call-controls
                    exportparts="${exportParts('rtc-call-controls')}, ${exportParts('rtc-device-settings')}"
                  ></rtc-call-controls>`
              : nothing
          }
          <rtc-group-call
            exportparts="${exportParts('rtc-group-call')}, ${exportParts('rtc-device-settings')}"
            ?hidden=${!group}
          ></rtc-group-call>
          ${
            this.chatPeer
              ? html`<rtc-chat
                  exportparts=${`${exportParts('rtc-chat')}, ${exportParts('rtc-file-transfers')}`}
                  peer-id=${this.chatPeer}
                ></rtc-chat>`
              : call || group || precall
                ? nothing
                : html`<div class="welcome" part="welcome">
                    ${icon('chat')}
                    <p>
                      <strong>${renderAbout(words.hello, state.user?.name ?? '', undefined)}</strong>
                    </p>
                    <p>${words.welcome}</p>
                  </div>`
          }
          ${roomChat ? html`<rtc-room-chat exportparts=${exportParts('rtc-room-chat')} room-id=${roomChat}></rtc-room-chat>` : nothing}
        </section>
      </div>
    `;
  }

  private togglePrecall() {
    this.precallOpen = !this.precallOpen;
  }

  /** Closed from inside the check: focus goes back to the button that opened it, not to the page. */
  private async closePrecall() {
    this.precallOpen = false;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLButtonElement>('[part~="precall-toggle"]')?.focus();
  }

  private onRelayOnly(event: Event) {
    const on = (event.target as HTMLInputElement).checked;
    void attempt(this, this.provided, 'call', (s) => s.setRelayOnly(on));
  }
}
