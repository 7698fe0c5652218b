/**
 * Messages while away (PROTOCOL.md §8): a chat to someone offline who shares a room with its
 * sender is kept (MessageStore), and delivered over MQTT, on the recipient's own inbox, each time
 * one of their connections subscribes to it, until their widget acknowledges it over HTTP. Then
 * it is forgotten, and the sender's connections hear that it was delivered.
 *
 * Why "deliver over MQTT, then acknowledge": a message is removed only once a tab has shown it,
 * so a delivery that races a disconnect is delivered again at the next subscription (the widget
 * drops an id it already shows); every tab subscribed at that moment gets the same delivery, as
 * with a live chat, so two tabs each show it once; the acknowledgement is idempotent.
 */
import {
  CHAT_DELIVERED_TYPE,
  inboxTopic,
  shareRoom,
  type ChatDeliveredMessage,
  type ChatMessage,
  type LeaveMessageRequest,
  type WaitingMessage,
} from '../../src/protocol/index.js';
import type { Config } from '../config.js';
import type { Membership } from '../rooms/membership.js';
import type { MessageStore, PendingMessage } from '../store/message-store.js';
import type { UserStore } from '../store/user-store.js';

/** No such person, or nobody the sender shares a room with: one refusal for both (no enumeration). */
export class RecipientNotFoundError extends Error {
  override name = 'RecipientNotFoundError';
  constructor() {
    super('messages can be left only for someone who shares a room with you');
  }
}

/** Sends one backend message on an inbox topic. */
export type InboxSend = (topic: string, payload: object) => void;

/** How the broker (attached after the HTTP app) carries deliveries. */
export interface MessageCarrier {
  /** Publishes a backend message on an inbox topic (QoS 1), to every connection subscribed to it. */
  publish: InboxSend;
  /** Whether `userId` has a connection to this broker now. */
  isOnline(userId: string): boolean;
}

export interface MessagesAwayDeps {
  store: MessageStore;
  users: UserStore;
  membership: Membership;
  config: Pick<Config, 'maxPendingPerPair' | 'maxPendingBytesPerPair' | 'maxPendingPerRecipient' | 'messageTtlSeconds'>;
  now?: () => number;
}

/** The sender's view of a kept message. */
export const waitingView = ({ id, to, text, sentAt, expiresAt }: PendingMessage): WaitingMessage => ({ id, to, text, sentAt, expiresAt });

/** The chat the recipient's inbox gets for a kept message: its time is the backend's, and it says "later". */
const laterChat = (m: PendingMessage): ChatMessage => ({ type: 'chat', id: m.id, text: m.text, ts: m.sentAt, later: true });

export class MessagesAway {
  #carrier: MessageCarrier | undefined;
  readonly #now: () => number;

  constructor(private readonly deps: MessagesAwayDeps) {
    this.#now = deps.now ?? Date.now;
  }

  /** Plugs in the broker (it is attached after the HTTP app that keeps messages). */
  attach(carrier: MessageCarrier): void {
    this.#carrier = carrier;
  }

  /** Keeps a message from `senderId`; a recipient online now gets it at once. */
  async leave(senderId: string, request: LeaveMessageRequest): Promise<{ message: WaitingMessage; added: boolean }> {
    const [sender, recipient] = await Promise.all([this.deps.users.findById(senderId), this.deps.users.findById(request.to)]);
    const { membership } = this.deps;
    if (!sender || !recipient || recipient.id === sender.id) throw new RecipientNotFoundError();
    if (!shareRoom(sender.id, membership.roomsOf(sender), recipient.id, membership.roomsOf(recipient))) throw new RecipientNotFoundError();
    const now = this.#now();
    const { config } = this.deps;
    const kept = await this.deps.store.add(
      {
        id: request.id,
        from: sender.id,
        to: recipient.id,
        text: request.text,
        sentAt: now,
        expiresAt: now + config.messageTtlSeconds * 1000,
      },
      { perPair: config.maxPendingPerPair, bytesPerPair: config.maxPendingBytesPerPair, perRecipient: config.maxPendingPerRecipient },
    );
    // The sender's view was stale, or they came online meanwhile: deliver now rather than at their next sign-in.
    if (this.#carrier?.isOnline(recipient.id)) this.#push([kept.message]);
    return { message: waitingView(kept.message), added: kept.added };
  }

  /**
   * A connection of `userId` subscribed to its inbox: everything kept for them goes to that
   * connection alone (`send`), so a tab already open does not get it a second time.
   */
  async deliverTo(userId: string, send: InboxSend): Promise<void> {
    for (const m of await this.deps.store.pendingFor(userId)) send(inboxTopic(m.to, m.from), laterChat(m));
  }

  /** `userId`'s widget has shown `ids`: forget them, and tell each sender which of theirs arrived. */
  async delivered(userId: string, ids: readonly string[]): Promise<void> {
    const gone = await this.deps.store.delivered(userId, ids);
    const bySender = new Map<string, string[]>();
    for (const m of gone) bySender.set(m.from, [...(bySender.get(m.from) ?? []), m.id]);
    for (const [sender, senderIds] of bySender) {
      const note: ChatDeliveredMessage = { type: CHAT_DELIVERED_TYPE, ids: senderIds };
      this.#carrier?.publish(inboxTopic(sender, userId), note);
    }
  }

  /** The messages `userId` left that still wait. */
  async waitingFrom(userId: string): Promise<WaitingMessage[]> {
    return (await this.deps.store.sentBy(userId)).map(waitingView);
  }

  /** Takes back `id` if `userId` sent it and it was not delivered yet; whether it was. */
  withdraw(userId: string, id: string): Promise<boolean> {
    return this.deps.store.withdraw(userId, id);
  }

  #push(messages: readonly PendingMessage[]): void {
    for (const m of messages) this.#carrier?.publish(inboxTopic(m.to, m.from), laterChat(m));
  }
}
