/**
 * Follows MQTT framing in a connection's inbound bytes and flags a packet
 * whose declared remaining length is over the limit. mqtt-packet buffers a
 * packet until all of its declared bytes arrived, and the WebSocket frame
 * limit only bounds one frame: without this, one socket (even before CONNECT)
 * could declare 256 MB and stream it in small frames into the broker's memory.
 */
export class PacketSizeGuard {
  #state: 'header' | 'length' | 'body' = 'header';
  #length = 0;
  #multiplier = 1;
  #lengthBytes = 0;
  #remaining = 0;

  constructor(private readonly maxRemainingLength: number) {}

  /** False once a packet declares more than the limit or a malformed length: drop the connection. */
  accept(chunk: Uint8Array): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (this.#state === 'body') {
        const n = Math.min(this.#remaining, chunk.length - i);
        i += n;
        this.#remaining -= n;
        if (this.#remaining === 0) this.#state = 'header';
      } else if (this.#state === 'header') {
        i += 1;
        this.#state = 'length';
        this.#length = 0;
        this.#multiplier = 1;
        this.#lengthBytes = 0;
      } else {
        // Remaining length: 1–4 bytes, 7 bits each, least significant first.
        const byte = chunk[i++]!;
        this.#length += (byte & 0x7f) * this.#multiplier;
        this.#multiplier *= 128;
        this.#lengthBytes += 1;
        if (this.#length > this.maxRemainingLength) return false;
        if (byte & 0x80) {
          if (this.#lengthBytes === 4) return false;
        } else if (this.#length === 0) {
          this.#state = 'header';
        } else {
          this.#remaining = this.#length;
          this.#state = 'body';
        }
      }
    }
    return true;
  }
}
