/**
 * Which failures mean "Redis cannot be reached now" (REDIS_URL): the HTTP
 * API answers them with `503 unavailable` and MQTT CONNECT with CONNACK 3,
 * so clients retry with backoff instead of taking them for a bad request or
 * a bad token. ioredis reports a lost connection in a few shapes: a command
 * queued past its retries, a command on a closed connection, or the
 * socket's own error.
 */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTCONN', 'EHOSTUNREACH']);

export function isRedisUnavailable(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause.name === 'MaxRetriesPerRequestError') return true;
    if (cause.message === 'Connection is closed.' || cause.message.startsWith("Stream isn't writeable")) return true;
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== undefined && SOCKET_CODES.has(code)) return true;
  }
  return false;
}
