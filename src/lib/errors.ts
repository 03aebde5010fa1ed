// Domain errors: services throw these; the errors plugin maps them to an HTML page, an htmx fragment or JSON.
// Nothing here imports Fastify, so services and queries stay free of HTTP.

export type FieldErrors = Record<string, string>;

export class DomainError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  constructor(message = 'Not found.') {
    super(404, 'NOT_FOUND', message);
  }
}

/** A request that makes no sense as sent (unknown action, missing part); 400 with a message. */
export class BadRequestError extends DomainError {
  constructor(message: string) {
    super(400, 'BAD_REQUEST', message);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = 'Please sign in.') {
    super(401, 'UNAUTHORIZED', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'You do not have permission to do that.') {
    super(403, 'FORBIDDEN', message);
  }
}

/** Bad input a person can fix; `fields` maps each form field to what is wrong with it. */
export class ValidationError extends DomainError {
  constructor(
    readonly fields: FieldErrors,
    message = 'Some fields need attention.',
  ) {
    super(422, 'VALIDATION_FAILED', message, fields);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details?: unknown) {
    super(409, 'CONFLICT', message, details);
  }
}

export class PayloadTooLargeError extends DomainError {
  constructor(message = 'The request is too large.') {
    super(413, 'PAYLOAD_TOO_LARGE', message);
  }
}

export class RateLimitedError extends DomainError {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many attempts. Please wait and try again.',
  ) {
    super(429, 'RATE_LIMITED', message, { retryAfterSeconds });
  }
}
