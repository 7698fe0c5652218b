/**
 * Every HTTP error leaves as `{ error: { code, message } }` (PROTOCOL.md §1),
 * including Fastify's own (bad JSON, wrong content type, oversized body,
 * schema validation).
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { ApiErrorBody, ApiErrorCode } from '../../src/protocol/index.js';

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly apiCode: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function errorBody(code: ApiErrorCode, message: string): ApiErrorBody {
  return { error: { code, message } };
}

/** Maps Fastify's own error codes to the contract's. */
function toApiError(error: FastifyError | ApiError): ApiError {
  if (error instanceof ApiError) return error;
  if (error.validation) {
    return new ApiError(400, 'invalid_input', error.message);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(400, 'invalid_input', 'body is not valid JSON');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'payload_too_large', 'body is larger than 16 KiB');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(415, 'unsupported_media_type', 'body must be application/json');
  }
  // Malformed JSON reaches us as a SyntaxError with status 400 from the JSON parser.
  if (error instanceof SyntaxError || error.statusCode === 400) {
    return new ApiError(400, 'invalid_input', 'body is not valid JSON');
  }
  if (error.statusCode === 413) return new ApiError(413, 'payload_too_large', 'body is larger than 16 KiB');
  if (error.statusCode === 415) return new ApiError(415, 'unsupported_media_type', 'body must be application/json');
  // A path the static server refuses (e.g. traversal) is simply not there.
  if (error.statusCode === 404 || error.statusCode === 403) return new ApiError(404, 'not_found', 'not found');
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new ApiError(error.statusCode, 'invalid_input', error.message);
  }
  return new ApiError(500, 'internal', 'internal error');
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const api = toApiError(error);
    if (api.statusCode >= 500) request.log.error(error);
    return reply.status(api.statusCode).send(errorBody(api.apiCode, api.message));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`)),
  );
}
