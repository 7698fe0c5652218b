/**
 * Messages while away (PROTOCOL.md §8): a chat to someone offline who shares a room with the
 * sender is kept by the backend and delivered at the recipient's next sign-in. One definition of
 * its HTTP shapes and of the two inbox additions, for the widget and the backend.
 */
import { isId, isObject } from './messages.js';

/** `POST` (leave one), `GET` (the caller's still waiting). */
export const MESSAGES_PATH = '/api/messages';
/** `POST { ids }`: the recipient's widget has shown these; the backend forgets them. */
export const MESSAGES_DELIVERED_PATH = '/api/messages/delivered';
/** `DELETE /api/messages/<id>`: the sender takes back a message not delivered yet. */
export const messagePath = (id: string): string => `${MESSAGES_PATH}/${id.startsWith(':') ? id : encodeURIComponent(id)}`;

/** A message id, chosen by the sender's widget (the chat id it shows): url-safe, 8–64 characters. */
export const MESSAGE_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
/** Ids acknowledged in one `POST /api/messages/delivered`. */
export const MAX_DELIVERED_IDS = 100;

/** What the sender sends: its own message id, the recipient's user id, the text (the chat rule of §3). */
export interface LeaveMessageRequest {
  id: string;
  to: string;
  text: string;
}

/** A message kept for its recipient, as its sender sees it. Times are Unix ms of the backend's clock. */
export interface WaitingMessage {
  id: string;
  to: string;
  text: string;
  sentAt: number;
  /** Past this it is dropped undelivered (`MESSAGE_TTL`). */
  expiresAt: number;
}

export interface LeaveMessageResponse {
  message: WaitingMessage;
}

export interface WaitingMessagesResponse {
  messages: WaitingMessage[];
}

export interface DeliveredRequest {
  ids: string[];
}

/**
 * Sent by the backend only, on the sender's inbox `rtc/v1/inbox/<sender>/<recipient>`: these of
 * the sender's waiting messages have reached the recipient. A client publishing it is disconnected.
 */
export const CHAT_DELIVERED_TYPE = 'chat-delivered';

export interface ChatDeliveredMessage {
  type: typeof CHAT_DELIVERED_TYPE;
  ids: string[];
}

export function validateChatDelivered(value: unknown): ChatDeliveredMessage | null {
  if (!isObject(value) || value.type !== CHAT_DELIVERED_TYPE || !Array.isArray(value.ids)) return null;
  if (value.ids.length === 0 || value.ids.length > MAX_DELIVERED_IDS || !value.ids.every((id) => isId(id))) return null;
  return { type: CHAT_DELIVERED_TYPE, ids: [...(value.ids as string[])] };
}
