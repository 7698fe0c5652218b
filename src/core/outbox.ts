/**
 * The one narrow way every part of the engine talks to signalling: publish to a user's inbox,
 * publish the own status. The session implements it over its current MQTT link; node tests use
 * a fake that records what was sent.
 */
import type { ChatMessage, FileMessage, GroupMessage, InboxMessage, PresenceStatus } from '../protocol/index.js';

export interface SendOptions {
  /** 1: resolves when the broker acknowledged it (chat); 0 (default): fire and forget. */
  qos?: 0 | 1;
  /** Kept and sent after a reconnect when the link is down now (call signalling). */
  queue?: boolean;
}

export interface Outbox {
  /** This tab's session id (its MQTT clientId, the `sid` of its messages); '' when signed out. */
  readonly sid: string;
  /** Whether the signalling link is up now. */
  readonly online: boolean;
  /** Publishes `message` to user `to`'s inbox. Rejects when it could not be published. */
  send(to: string, message: InboxMessage | GroupMessage | FileMessage, options?: SendOptions): Promise<void>;
  /** Publishes `message` to `roomId`'s chat (PROTOCOL.md §6); resolves once the broker acknowledged it. */
  sendRoomChat(roomId: string, message: ChatMessage): Promise<void>;
  /** Publishes the own status (presence). */
  publishStatus(status: PresenceStatus): Promise<void>;
}
