/**
 * What the broker does with the inbox messages it relays for PROTOCOL.md §7, beside relaying
 * them: the call recorder sees each call message; an invite to someone with do-not-disturb on
 * is declined by the backend (the callee never rings, the caller gets `reject busy` with
 * `dnd: true`); and a person who is invisible becomes visible to whoever they write to or call,
 * by a contact card on that person's notice topic, taken back when they go offline or visible.
 */
import type { PublishPacket } from 'aedes';
import {
  noticeTopic,
  inboxTopic,
  validateInboxMessage,
  parseJsonPayload,
  type InboxMessage,
  type Notice,
  type Presence,
} from '../../src/protocol/index.js';
import type { CallRecorder } from './call-recorder.js';
import type { PrivacyBook } from './privacy-book.js';

/** Inbox types the recorder follows; the rest (candidates, media state, chat) are not parsed again. */
const RECORDED = new Set(['invite', 'ringing', 'accept', 'reject', 'cancel', 'hangup', 'answer']);
/** Types that start a conversation: an invisible sender's card goes out with each. */
const CONTACTING = new Set(['invite', 'chat']);

export interface InboxWatchDeps {
  recorder: CallRecorder | null;
  privacy: PrivacyBook;
  /** The user's presence as it would be published (ignoring invisibility); undefined when offline. */
  card(userId: string): Presence | undefined;
  /** The broker's own publish (bypasses the client ACL). */
  publish(packet: PublishPacket): void;
  /** The clientIds of `userId`'s connections now. */
  tabsOf(userId: string): string[];
}

export class InboxWatch {
  /** Who has been shown each invisible user's card. */
  readonly #shownTo = new Map<string, Set<string>>();

  constructor(private readonly deps: InboxWatchDeps) {}

  /**
   * An inbox message from `from` to `to` that passed every check. Returns true when it must not
   * be delivered (the backend declined it for the callee).
   */
  relayed(from: string, to: string, type: string, payload: Buffer): boolean {
    if (from === to) return false;
    if (this.deps.privacy.invisible(from) && (CONTACTING.has(type) || !this.#shownTo.get(from)?.has(to))) this.#showCard(from, to);
    // Someone in do-not-disturb is not rung into a group call either; nothing is recorded (§6 calls are not).
    if (type === 'group-ring') return this.deps.privacy.dnd(to);
    if (!RECORDED.has(type)) return false;
    const message = validateInboxMessage(parseJsonPayload(payload));
    if (!message) return false;
    if (message.type === 'invite' && this.deps.privacy.dnd(to)) {
      this.#declineForDnd(from, to, message);
      return true;
    }
    this.deps.recorder?.relayed(from, to, message);
    return false;
  }

  clientReady(clientId: string): void {
    this.deps.recorder?.reconnected(clientId);
  }

  /** A connection of `userId` closed; `online`: they still have another. */
  clientGone(userId: string, clientId: string, online: boolean): void {
    this.deps.recorder?.disconnected(clientId);
    if (!online) this.hideCards(userId);
  }

  /** `userId` went offline or visible: whoever was shown their card is told it no longer holds. */
  hideCards(userId: string): void {
    const shown = this.#shownTo.get(userId);
    if (!shown) return;
    this.#shownTo.delete(userId);
    for (const to of shown) this.notify(to, { type: 'contact-gone', id: userId });
  }

  /** The backend tells `userId`'s own tabs something (non-retained: a tab that is offline reads it over HTTP). */
  notify(userId: string, notice: Notice): void {
    this.#send(noticeTopic(userId), notice);
  }

  #showCard(from: string, to: string): void {
    const presence = this.deps.card(from);
    if (!presence) return;
    let shown = this.#shownTo.get(from);
    if (!shown) this.#shownTo.set(from, (shown = new Set()));
    shown.add(to);
    this.notify(to, { type: 'contact', presence });
  }

  #declineForDnd(caller: string, callee: string, invite: Extract<InboxMessage, { type: 'invite' }>): void {
    this.deps.recorder?.declinedForDnd(caller, callee, invite.callId, invite.sid, invite.media);
    // From the callee's inbox slot, as the callee's own refusal would be: one per tab of theirs, so that an
    // older caller's widget, which ends a busy call once every tab of the callee refused, ends it at once too.
    const tabs = this.deps.tabsOf(callee);
    for (const sid of tabs.length > 0 ? tabs : [`${callee}:dnd`]) {
      const reject: InboxMessage = { type: 'reject', callId: invite.callId, sid, reason: 'busy', dnd: true };
      this.#send(inboxTopic(caller, callee), reject);
    }
  }

  /** The broker's own non-retained message. */
  #send(topic: string, body: Notice | InboxMessage): void {
    this.deps.publish({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(body)), qos: 0, retain: false, dup: false });
  }
}
