// One place that turns any thrown error into the answer the caller can use: the JSON envelope under /api, an htmx
// fragment for htmx requests, a full page otherwise. 5xx answers never carry internals; they are logged instead.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DomainError, RateLimitedError, ValidationError } from '../lib/errors.js';
import { isHtmxFragment, wantsJson } from '../lib/http.js';
import { BAD_VALUE_MESSAGE, isBadValueDatabaseError } from '../lib/input-checks.js';

interface HttpProblem {
  statusCode: number;
  code: string;
  message: string;
  details?: unknown;
}

const FASTIFY_CODES: Record<string, Omit<HttpProblem, 'details'>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than this server accepts.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'This content type is not accepted here.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { statusCode: 400, code: 'INVALID_JSON', message: 'The request says it is JSON but its body is empty.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { statusCode: 400, code: 'BAD_REQUEST', message: 'The Content-Length header does not match the body.' },
  FST_REQ_FILE_TOO_LARGE: { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The file is larger than this server accepts for uploads.' },
  FST_FILES_LIMIT: { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: 'Upload one file at a time.' },
  FST_PARTS_LIMIT: { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The upload form has too many fields.' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the package as multipart/form-data with a "file" field.' },
};

export function toProblem(error: FastifyError | Error): HttpProblem {
  if (error instanceof DomainError) {
    return { statusCode: error.statusCode, code: error.code, message: error.message, details: error.details };
  }
  const fastifyError = error as FastifyError;
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return known;
  // A value the database refused as data (a number or date out of range, a byte it cannot store): the caller's
  // mistake, told without the SQL, the value or the table.
  if (isBadValueDatabaseError(error)) return { statusCode: 400, code: 'INVALID_VALUE', message: BAD_VALUE_MESSAGE };
  if (fastifyError.validation) {
    return {
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message: `The request is not valid: ${fastifyError.message}.`,
      details: fastifyError.validation.map((v) => ({ path: v.instancePath || v.params?.missingProperty, message: v.message })),
    };
  }
  if (fastifyError.statusCode === 400 && (error instanceof SyntaxError || fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY')) {
    return { statusCode: 400, code: 'INVALID_JSON', message: `The request body is not valid JSON: ${error.message}` };
  }
  const statusCode = fastifyError.statusCode ?? 500;
  if (statusCode === 429) return { statusCode, code: 'RATE_LIMITED', message: 'Too many requests. Please slow down and try again shortly.' };
  if (statusCode >= 400 && statusCode < 500) return { statusCode, code: 'BAD_REQUEST', message: error.message };
  return { statusCode: 500, code: 'INTERNAL_ERROR', message: 'Something went wrong on our side. It has been logged; please try again.' };
}

async function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: HttpProblem) {
  reply.code(problem.statusCode);
  if (wantsJson(request)) {
    const error: Record<string, unknown> = { code: problem.code, message: problem.message };
    if (problem.details !== undefined) error.details = problem.details;
    return reply.type('application/json; charset=utf-8').send({ success: false, error });
  }
  // A person who is not signed in is taken to the sign-in page and brought back afterwards.
  if (problem.statusCode === 401 && request.method === 'GET') {
    const location = `/login?next=${encodeURIComponent(request.url)}`;
    if (request.headers['hx-request'] === 'true') return reply.code(200).header('HX-Redirect', location).send();
    return reply.redirect(location, 303);
  }
  const template = isHtmxFragment(request) ? 'errors/_error' : 'errors/page';
  return reply.page(template, { title: titleFor(problem.statusCode), problem });
}

function titleFor(statusCode: number): string {
  const titles: Record<number, string> = {
    400: 'Bad request', 401: 'Please sign in', 403: 'Not allowed', 404: 'Page not found', 409: 'Conflict',
    413: 'Too large', 422: 'Check your input', 429: 'Too many requests',
  };
  return titles[statusCode] ?? (statusCode >= 500 ? 'Something went wrong' : 'Request failed');
}

export default fp(
  async (app) => {
    app.setErrorHandler(async (error: FastifyError, request, reply) => {
      const problem = toProblem(error);
      if (problem.statusCode >= 500) request.log.error({ err: error }, 'request failed');
      // Our checks should have caught it first: logged in full (server side only) so the missing check is found.
      else if (problem.code === 'INVALID_VALUE') request.log.warn({ err: error }, 'the database refused a value from the request');
      else request.log.info({ code: problem.code, statusCode: problem.statusCode }, problem.message);
      if (error instanceof RateLimitedError) reply.header('Retry-After', String(error.retryAfterSeconds));
      try {
        return await sendProblem(request, reply, problem);
      } catch (renderError) {
        // The error page itself failed (a template bug): fall back to plain text rather than a second 500 loop.
        request.log.error({ err: renderError }, 'error page failed to render');
        return reply.code(problem.statusCode).type('text/plain; charset=utf-8').send(problem.message);
      }
    });

    app.setNotFoundHandler(async (request, reply) => {
      const message = wantsJson(request) ? `No API route ${request.method} ${request.url.split('?')[0]}.` : 'There is no page at this address.';
      return sendProblem(request, reply, { statusCode: 404, code: 'NOT_FOUND', message });
    });
  },
  { name: 'errors' },
);

export { ValidationError };
