/**
 * Pure routing decisions: which topic a message came on, and what the
 * session does with an inbox message given the call it has. No I/O, so node
 * unit tests cover every branch.
 */
import {
  parseInboxMessage,
  parseJsonPayload,
  parseRoomCallFilter,
  validateGroupMessage,
  validateFileMessage,
  type FileMessage,
  validateInboxMessage,
  validateRoomCall,
  validateChatDelivered,
  type ChatMessage,
  type GroupMessage,
  type RoomCall,
  parseRoomPresenceTopic,
  parseTopic,
  validatePresence,
  type InboxMessage,
  type InviteMessage,
  type Presence,
  parseNoticeTopic,
  validateNotice,
  type Notice,
} from '../protocol/index.js';
import type { CallDirection } from './types.js';
import type { MachinePhase } from './call-state-machine.js';
import { winsAccept } from './call/callee-tabs.js';

/** The room of presence from an older backend's `rtc/v1/presence/<userId>` (one list, no rooms). */
export const LEGACY_ROOM = '';

export type MqttRoute =
  /** `presence` null: the retained presence was deleted (user went offline, or left `room`). */
  | { kind: 'presence'; room: string; userId: string; presence: Presence | null }
  | { kind: 'inbox'; from: string; message: InboxMessage }
  /** A group call message in the inbox (PROTOCOL.md §6): per-pair signalling or a ring. */
  | { kind: 'group'; from: string; message: GroupMessage }
  /** The backend: `ids` of our messages kept for `from` reached them (PROTOCOL.md §8). */
  | { kind: 'chat-delivered'; from: string; ids: string[] }
  /** A file transfer message in the inbox (PROTOCOL.md §9). */
  | { kind: 'file'; from: string; message: FileMessage }
  /** A room's call as its retained topic says; `call` null: none is on (the topic was cleared). */
  | { kind: 'room-call'; roomId: string; call: RoomCall | null }
  /** A message of a room's chat, from `from`. */
  | { kind: 'room-chat'; roomId: string; from: string; message: ChatMessage }
  /** The backend's word to this user's own tabs (PROTOCOL.md §7). */
  | { kind: 'notice'; notice: Notice };

const isEmpty = (payload: Uint8Array | string) => (typeof payload === 'string' ? payload.length === 0 : payload.byteLength === 0);

/** A room's call topic or one of its chat topics (PROTOCOL.md §6); null when invalid or not one of them. */
function roomCallRoute(topic: string, payload: Uint8Array | string): MqttRoute | null | undefined {
  const parsed = parseRoomCallFilter(topic);
  if (!parsed) return undefined;
  if (parsed.kind === 'call') {
    if (isEmpty(payload)) return { kind: 'room-call', roomId: parsed.roomId, call: null };
    const call = validateRoomCall(parseJsonPayload(payload));
    return call && call.room === parsed.roomId ? { kind: 'room-call', roomId: parsed.roomId, call } : null;
  }
  if (parsed.from === null) return null;
  const message = validateInboxMessage(parseJsonPayload(payload));
  return message?.type === 'chat' ? { kind: 'room-chat', roomId: parsed.roomId, from: parsed.from, message } : null;
}

/** A retained presence payload of `userId` (empty: deleted), or null when it is not valid. */
function presenceRoute(room: string, userId: string, payload: Uint8Array | string): MqttRoute | null {
  if (isEmpty(payload)) return { kind: 'presence', room, userId, presence: null };
  const presence = validatePresence(parseJsonPayload(payload));
  if (!presence || presence.id !== userId) return null;
  return { kind: 'presence', room, userId, presence };
}

/**
 * Validates one incoming MQTT message for user `me`; `null` for anything the
 * widget must ignore (unknown topic, someone else's inbox, invalid payload,
 * presence whose id does not match its topic).
 */
export function routeMqttMessage(topic: string, payload: Uint8Array | string, me: string): MqttRoute | null {
  const inRoom = parseRoomPresenceTopic(topic);
  if (inRoom) return presenceRoute(inRoom.roomId, inRoom.userId, payload);
  const inRoomCall = roomCallRoute(topic, payload);
  if (inRoomCall !== undefined) return inRoomCall;
  const noticeFor = parseNoticeTopic(topic);
  if (noticeFor !== null) {
    const notice = noticeFor === me ? validateNotice(parseJsonPayload(payload)) : null;
    return notice ? { kind: 'notice', notice } : null;
  }
  const parsed = parseTopic(topic);
  if (!parsed) return null;
  if (parsed.kind === 'presence') return presenceRoute(LEGACY_ROOM, parsed.userId, payload);
  if (parsed.kind === 'inbox' && parsed.to === me) {
    const message = parseInboxMessage(payload);
    if (message) return { kind: 'inbox', from: parsed.from, message };
    // Group call messages are validated apart: a widget without group calls never sees them (§6).
    const value = parseJsonPayload(payload);
    const group = validateGroupMessage(value);
    if (group) return { kind: 'group', from: parsed.from, message: group };
    // Only the backend can publish it (the broker disconnects a client that tries).
    const delivered = validateChatDelivered(value);
    if (delivered) return { kind: 'chat-delivered', from: parsed.from, ids: delivered.ids };
    // File messages too (§9): the backend checked an offer's size against its MAX_FILE_BYTES.
    const file = validateFileMessage(value);
    return file ? { kind: 'file', from: parsed.from, message: file } : null;
  }
  return null;
}

/** What the session knows about its current call, for routing. */
export interface CallRouteContext {
  callId: string;
  peerId: string;
  direction: CallDirection;
  phase: MachinePhase;
  /** The sid of the peer's tab this call is bound to (caller's sid for incoming; the accepting tab's for outgoing). */
  peerSid: string | null;
}

export type InboxRoute =
  | { action: 'ignore'; why: string }
  | { action: 'chat'; from: string; message: Extract<InboxMessage, { type: 'chat' }> }
  /** A new incoming call. */
  | { action: 'invite'; from: string; message: InviteMessage }
  /** We are in another call: reply `reject busy`. */
  | { action: 'busy'; from: string; message: InviteMessage }
  /** Both called each other; their call wins: cancel ours, take theirs. */
  | { action: 'glare-yield'; from: string; message: InviteMessage }
  /** Another tab of ours answered or declined the ringing call. */
  | { action: 'handled-elsewhere' }
  /** A message for the current call, from the right peer and tab. */
  | { action: 'call'; message: Exclude<InboxMessage, { type: 'chat' } | InviteMessage> };

const isLive = (phase: MachinePhase) => phase === 'ringing' || phase === 'connecting' || phase === 'connected';

/**
 * Decides what to do with an inbox message from `from`. `me` is our user id,
 * `mySid` this tab's clientId, `call` the current call (null when idle or
 * when the last call has ended), `inGroupCall` whether this tab is in a group call.
 */
export function routeInbox(
  me: string,
  mySid: string,
  call: CallRouteContext | null,
  from: string,
  message: InboxMessage,
  inGroupCall = false,
): InboxRoute {
  if (message.type === 'chat') {
    return from === me ? { action: 'ignore', why: 'own chat' } : { action: 'chat', from, message };
  }
  if (message.sid === mySid) return { action: 'ignore', why: 'own echo' };
  const live = call !== null && isLive(call.phase);

  if (from === me) {
    // Our own inbox carries only `handled` from our other tabs.
    if (message.type !== 'handled' || !live || call.callId !== message.callId || call.direction !== 'incoming') {
      return { action: 'ignore', why: 'own-user message not for our incoming call' };
    }
    if (call.phase === 'ringing') return { action: 'handled-elsewhere' };
    // Both tabs accepted at once: the smaller sid wins, on every tab and at the caller alike.
    if (call.phase === 'connecting' && winsAccept(message.sid, mySid)) return { action: 'handled-elsewhere' };
    return { action: 'ignore', why: 'we won a simultaneous accept' };
  }

  if (message.type === 'invite') {
    // In a group call this tab is as busy as in a 1:1 call (PROTOCOL.md §6).
    if (!live) return inGroupCall ? { action: 'busy', from, message } : { action: 'invite', from, message };
    if (call.callId === message.callId) return { action: 'ignore', why: 'duplicate invite' };
    if (call.peerId === from && call.direction === 'outgoing' && call.phase === 'ringing') {
      // Glare: both sides compare the two call ids the same way, so exactly one call survives.
      return message.callId < call.callId ? { action: 'glare-yield', from, message } : { action: 'ignore', why: 'glare: our call wins' };
    }
    return { action: 'busy', from, message };
  }

  if (!call || call.callId !== message.callId) return { action: 'ignore', why: 'unknown call' };
  if (call.peerId !== from) return { action: 'ignore', why: 'not from the call peer' };
  if (!live) return { action: 'ignore', why: 'call already ended' };
  if (message.type === 'handled') return { action: 'ignore', why: 'handled is only for own tabs' };
  if (call.peerSid !== null && message.sid !== call.peerSid) {
    // Other tabs of the callee may still report ringing or busy, or accept at the same instant.
    const fromOtherCalleeTab =
      call.direction === 'outgoing' && (message.type === 'ringing' || message.type === 'reject' || message.type === 'accept');
    if (!fromOtherCalleeTab) return { action: 'ignore', why: 'from another tab of the peer' };
  }
  return { action: 'call', message };
}
