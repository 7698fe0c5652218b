/**
 * Every HTTP error leaves as `{ error: { code, message } }` (PROTOCOL.md §1),
 * including Fastify's own (bad JSON, wrong content type, oversized body,
 * schema validation, malformed URLs) and Node's (unparsable requests).
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RESPONSE_HEADERS } from './headers.js';
import type { ApiErrorBody, ApiErrorCode } from '../../src/protocol/index.js';
import { isRedisUnavailable } from '../cluster/redis-errors.js';

/** An error the HTTP API answers with: its status and the contract's `{ error: { code, message } }`. */
export class HttpApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly apiCode: ApiErrorCode,
    message: string,
    /** `cause`: what went wrong underneath, for the log (a 5xx is logged), never sent. */
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'HttpApiError';
  }
}

export function errorBody(code: ApiErrorCode, message: string): ApiErrorBody {
  return { error: { code, message } };
}

/** Maps Fastify's own error codes to the contract's. */
function toHttpApiError(error: FastifyError | HttpApiError): HttpApiError {
  if (error instanceof HttpApiError) return error;
  if (error.validation) {
    return new HttpApiError(400, 'invalid_input', error.message);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpApiError(400, 'invalid_input', 'body is not valid JSON');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpApiError(413, 'payload_too_large', 'body is larger than 16 KiB');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpApiError(415, 'unsupported_media_type', 'body must be application/json');
  }
  // Malformed JSON reaches us as a SyntaxError with status 400 from the JSON parser.
  if (error instanceof SyntaxError) return new HttpApiError(400, 'invalid_input', 'body is not valid JSON');
  // The static server's 400: a path it cannot decode or with a NUL byte.
  if (error.statusCode === 400) return new HttpApiError(400, 'invalid_input', 'the URL is not valid');
  if (error.statusCode === 413) return new HttpApiError(413, 'payload_too_large', 'body is larger than 16 KiB');
  if (error.statusCode === 415) return new HttpApiError(415, 'unsupported_media_type', 'body must be application/json');
  // A path the static server refuses (e.g. traversal) is simply not there.
  if (error.statusCode === 404 || error.statusCode === 403) return new HttpApiError(404, 'not_found', 'not found');
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new HttpApiError(error.statusCode, 'invalid_input', error.message);
  }
  // Several nodes (REDIS_URL): Redis cannot be reached now; the client retries later, nothing it sent was wrong.
  if (isRedisUnavailable(error)) {
    return new HttpApiError(503, 'unavailable', 'the service cannot reach its storage right now; try again shortly', { cause: error });
  }
  return new HttpApiError(500, 'internal', 'internal error');
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpApiError, request, reply) => {
    const api = toHttpApiError(error);
    // Redis away is an outage to watch, not a bug: one line each, at warn.
    if (api.apiCode === 'unavailable') request.log.warn(api.message);
    else if (api.statusCode >= 500) request.log.error(error);
    return reply.status(api.statusCode).send(errorBody(api.apiCode, api.message));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`)),
  );
}

/**
 * Fastify's `frameworkErrors`: a URL the router cannot decode (`/%zz`) or a
 * parameter too long, answered before any route or hook runs.
 */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const message = error.code === 'FST_ERR_BAD_URL' ? 'the URL is not valid (bad percent-encoding)' : 'the URL is not valid';
  void reply.status(400).headers(RESPONSE_HEADERS).send(errorBody('invalid_input', message));
}

/**
 * Fastify's `clientErrorHandler`: Node could not parse the request (bad
 * request line, headers too large), so there is no request to route; the
 * socket gets a bare HTTP answer in the contract's shape and is closed.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message]: [number, ApiErrorCode, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'invalid_input', 'request headers are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'invalid_input', 'the request took too long to arrive']
        : [400, 'invalid_input', 'the request is not valid HTTP'];
  const body = JSON.stringify(errorBody(code, message));
  const headers = Object.entries(RESPONSE_HEADERS)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n${headers}connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
