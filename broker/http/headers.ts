/**
 * Headers every response carries, whatever produced it (route, static file,
 * error, 404): no MIME sniffing, no Referer leaking the page a visitor came
 * from, and nothing from /api/ kept in a cache (tokens, TURN credentials,
 * the user's e-mail). The bundle stays loadable from any site, including
 * sites that isolate themselves with `Cross-Origin-Embedder-Policy`.
 */
import type { FastifyInstance } from 'fastify';

export const RESPONSE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'cross-origin',
} as const;

export function installResponseHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply) => {
    reply.headers(RESPONSE_HEADERS);
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });
}
