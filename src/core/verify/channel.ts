/**
 * The verification exchange's path: a data channel of the call's own connection, negotiated
 * out of band (a fixed id on both sides, no in-band announcement), so it needs no signalling of
 * its own and exists from the first offer: adding it later would renegotiate the call.
 */
import type { VerifyChannel } from './exchange.js';

/** The channel's fixed stream id (PROTOCOL.md §5). Both sides must agree on it. */
export const VERIFY_CHANNEL_ID = 5;
export const VERIFY_CHANNEL_LABEL = 'rtc-call-verify';

/** Opens the link's verification channel; call before the first description is made. */
export function openVerifyChannel(pc: RTCPeerConnection): VerifyChannel {
  return new DataChannelPath(pc.createDataChannel(VERIFY_CHANNEL_LABEL, { negotiated: true, id: VERIFY_CHANNEL_ID, ordered: true }));
}

/** Sends queue until the channel opens; messages that came before anyone listened wait for the first listener. */
class DataChannelPath implements VerifyChannel {
  private readonly outgoing: string[] = [];
  private readonly incoming: string[] = [];
  private handler: ((text: string) => void) | null = null;

  constructor(private readonly channel: RTCDataChannel) {
    channel.onopen = () => {
      for (const text of this.outgoing.splice(0)) this.channel.send(text);
    };
    channel.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return;
      if (this.handler) this.handler(ev.data);
      else if (this.incoming.length < 16) this.incoming.push(ev.data);
    };
  }

  send(text: string): void {
    if (this.channel.readyState === 'open') this.channel.send(text);
    else if (this.channel.readyState === 'connecting') this.outgoing.push(text);
  }

  listen(handler: (text: string) => void): () => void {
    this.handler = handler;
    for (const text of this.incoming.splice(0)) handler(text);
    return () => {
      if (this.handler === handler) this.handler = null;
    };
  }
}
