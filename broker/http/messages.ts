/**
 * Messages while away over HTTP (PROTOCOL.md §8): leaving one for someone offline, the sender's
 * list of what still waits, taking one back, and the recipient's acknowledgement. What a person
 * may touch follows from the token alone: their own sent messages, and messages kept for them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  MAX_CHAT_TEXT_LENGTH,
  MAX_DELIVERED_IDS,
  MESSAGES_DELIVERED_PATH,
  MESSAGES_PATH,
  MESSAGE_ID_PATTERN,
  isUserId,
  isValidChatText,
  messagePath,
  type DeliveredRequest,
  type LeaveMessageRequest,
  type LeaveMessageResponse,
  type WaitingMessagesResponse,
} from '../../src/protocol/index.js';
import { MessagesAway, RecipientNotFoundError } from '../messages/messages-away.js';
import { MessageIdTakenError, PendingLimitError } from '../store/message-store.js';
import type { StoredUser } from '../store/user-store.js';
import { HttpApiError } from './errors.js';

export interface MessageRoutesDeps {
  messages: MessagesAway;
  authenticatedUser(req: FastifyRequest): Promise<StoredUser>;
}

const messageId = { type: 'string', pattern: MESSAGE_ID_PATTERN.source } as const;

const leaveBody = {
  type: 'object',
  required: ['id', 'to', 'text'],
  additionalProperties: false,
  properties: { id: messageId, to: { type: 'string' }, text: { type: 'string' } },
} as const;

const deliveredBody = {
  type: 'object',
  required: ['ids'],
  additionalProperties: false,
  properties: { ids: { type: 'array', minItems: 1, maxItems: MAX_DELIVERED_IDS, items: messageId } },
} as const;

export function registerMessageRoutes(app: FastifyInstance, deps: MessageRoutesDeps): void {
  app.post<{ Body: LeaveMessageRequest }>(MESSAGES_PATH, { schema: { body: leaveBody } }, async (req, reply) => {
    const user = await deps.authenticatedUser(req);
    const { id, to, text } = req.body;
    if (!isValidChatText(text)) {
      throw new HttpApiError(400, 'invalid_input', `text must have 1–${MAX_CHAT_TEXT_LENGTH} characters, not only white space`);
    }
    // A malformed id is nobody: the same refusal as someone out of reach.
    if (!isUserId(to)) throw new HttpApiError(404, 'recipient_not_found', new RecipientNotFoundError().message);
    try {
      const { message, added } = await deps.messages.leave(user.id, { id, to, text });
      const body: LeaveMessageResponse = { message };
      return reply.status(added ? 201 : 200).send(body);
    } catch (error) {
      if (error instanceof RecipientNotFoundError) throw new HttpApiError(404, 'recipient_not_found', error.message);
      if (error instanceof PendingLimitError) throw new HttpApiError(409, 'pending_limit', `${error.message}: wait until they read them`);
      if (error instanceof MessageIdTakenError) throw new HttpApiError(409, 'message_id_taken', error.message);
      throw error;
    }
  });

  app.get(MESSAGES_PATH, async (req): Promise<WaitingMessagesResponse> => {
    const user = await deps.authenticatedUser(req);
    return { messages: await deps.messages.waitingFrom(user.id) };
  });

  app.delete<{ Params: { id: string } }>(messagePath(':id'), async (req, reply) => {
    const user = await deps.authenticatedUser(req);
    if (!(await deps.messages.withdraw(user.id, req.params.id))) {
      throw new HttpApiError(404, 'message_not_found', 'no message of yours with this id is waiting (delivered, expired or never kept)');
    }
    return reply.status(204).send();
  });

  app.post<{ Body: DeliveredRequest }>(MESSAGES_DELIVERED_PATH, { schema: { body: deliveredBody } }, async (req, reply) => {
    const user = await deps.authenticatedUser(req);
    await deps.messages.delivered(user.id, req.body.ids);
    return reply.status(204).send();
  });
}
