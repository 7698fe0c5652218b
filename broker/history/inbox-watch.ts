/**
 * What the broker does with the inbox messages it relays for PROTOCOL.md §7, beside relaying
 * them: the call recorder sees each call message; an invite to someone with do-not-disturb on
 * is declined by the backend (the callee never rings, the caller gets `reject busy` with
 * `dnd: true`); and a person who is invisible becomes visible to whoever they write to or call,
 * by a contact card on that person's notice topic, taken back when they go offline or visible.
 *
 * Several nodes (`link`): what is relayed here of a call another node holds goes to that node,
 * and so do the drops and returns of its connections (broker/cluster/shared-recorder.ts).
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
import type { RecorderEvent, RecorderLink } from '../cluster/shared-recorder.js';
import type { CallRecorder, PendingSnapshot, RelayContext } from './call-recorder.js';
import type { PrivacyBook } from './privacy-book.js';

/** Inbox types the recorder follows; the rest (candidates, media state, chat) are not parsed again. */
const RECORDED = new Set(['invite', 'ringing', 'accept', 'reject', 'cancel', 'hangup', 'answer']);
/** Types that start a conversation: an invisible sender's card goes out with each. */
const CONTACTING = new Set(['invite', 'chat']);

/** Who has been shown each invisible user's card; with several nodes, in Redis (cluster/shared-cards.ts). */
export interface ShownCards {
  add(from: string, to: string): void;
  /** Everyone shown `from`'s card, forgotten now: each is told once that it no longer holds. */
  take(from: string): Promise<string[]>;
}

export interface InboxWatchDeps {
  recorder: CallRecorder | null;
  privacy: PrivacyBook;
  /** The user's presence as it would be published (ignoring invisibility); undefined when offline. */
  card(userId: string): Presence | undefined;
  /** The broker's own publish (bypasses the client ACL). */
  publish(packet: PublishPacket): void;
  /** The clientIds of `userId`'s connections now. */
  tabsOf(userId: string): string[];
  /** The other nodes, with REDIS_URL. */
  link?: RecorderLink;
  /** With several nodes, whom every node showed the cards (Redis); on one node this node's own list is all there is. */
  cards?: ShownCards;
}

export class InboxWatch {
  /** Who this node has shown each invisible user's card (not shown again with each message). */
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
    this.#record(from, to, message);
    return false;
  }

  clientReady(clientId: string): void {
    this.deps.recorder?.reconnected(clientId);
    if (this.deps.link?.watches(clientId)) this.deps.link.tell({ type: 'reconnected', sid: clientId });
  }

  /** A connection of `userId` closed; `online`: they still have another here. */
  clientGone(userId: string, clientId: string, online: boolean): void {
    this.deps.recorder?.disconnected(clientId);
    if (this.deps.link?.watches(clientId)) this.deps.link.tell({ type: 'disconnected', sid: clientId });
    if (!online) this.offlineHere(userId);
  }

  /** `userId` has no tab on this node: their cards are taken back unless they have one on another node. */
  offlineHere(userId: string): void {
    const link = this.deps.link;
    if (!link) return this.hideCards(userId);
    this.#shownTo.delete(userId);
    void link.tabs(userId).then(
      (tabs) => tabs === 0 && this.hideCards(userId),
      () => undefined,
    );
  }

  /** What another node told of a call this one may hold. */
  heard(event: RecorderEvent): void {
    const recorder = this.deps.recorder;
    if (!recorder) return;
    switch (event.type) {
      case 'relayed': {
        const message = validateInboxMessage(event.message);
        if (message) recorder.relayed(event.from, event.to, message, { name: event.name, tabs: event.tabs });
        return;
      }
      case 'disconnected':
        return recorder.disconnected(event.sid);
      case 'reconnected':
        return recorder.reconnected(event.sid);
      case 'adopt':
        for (const call of event.calls) void this.#adopt(call);
        return;
    }
  }

  /** This node stops: the calls it holds go to another node (`local`: a connection to this node). */
  handOver(local: (sid: string) => boolean): void {
    const calls = this.deps.recorder?.handOver(local) ?? [];
    if (calls.length > 0) this.deps.link?.tell({ type: 'adopt', calls });
  }

  async #adopt(call: PendingSnapshot): Promise<void> {
    const link = this.deps.link!;
    if (!(await link.claim(call).catch(() => false))) return;
    // Handed over as lost when a side was on the stopping node: back already if it reconnected elsewhere.
    if (call.lostAt !== null) {
      const sids = [call.callerSid, call.calleeSid].filter((sid): sid is string => sid !== null);
      const back = await Promise.all(sids.map((sid) => link.connected(sid).catch(() => false)));
      if (back.every(Boolean)) call = { ...call, lostAt: null, timer: null };
    }
    this.deps.recorder?.adopt([call]);
  }

  /**
   * Feeds the recorder; with several nodes, a message of a call held elsewhere goes there, with
   * the sender's name (known here, their tab is here) and, for a refusal, the callee's tabs everywhere.
   */
  #record(from: string, to: string, message: InboxMessage): void {
    const { recorder, link } = this.deps;
    if (!recorder) return;
    if (!link) {
      recorder.relayed(from, to, message);
      return;
    }
    const context: RelayContext = { name: this.deps.card(from)?.name };
    const record = () => {
      if (!recorder.relayed(from, to, message, context) && message.type !== 'invite') {
        link.tell({ type: 'relayed', from, to, message, ...context });
      }
    };
    if (message.type !== 'reject') return record();
    void link.tabs(from).then(
      (tabs) => {
        context.tabs = tabs;
        record();
      },
      // Redis away: the refusal counts against this node's tabs of the callee.
      () => {
        context.tabs = this.deps.tabsOf(from).length;
        record();
      },
    );
  }

  /** `userId` went offline or visible: whoever was shown their card is told it no longer holds. */
  hideCards(userId: string): void {
    const shownHere = [...(this.#shownTo.get(userId) ?? [])];
    this.#shownTo.delete(userId);
    void (this.deps.cards?.take(userId) ?? Promise.resolve(shownHere)).then(
      (shown) => shown.forEach((to) => this.notify(to, { type: 'contact-gone', id: userId })),
      () => undefined,
    );
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
    this.deps.cards?.add(from, to);
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
