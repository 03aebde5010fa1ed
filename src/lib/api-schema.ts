// The JSON API's envelopes as TypeBox schemas, shared by every /api route: they validate nothing on the way out but
// give the OpenAPI document its shapes and fast-json-stringify its serialiser. Objects stay open
// (additionalProperties) so a field a route adds later is sent, never silently dropped by the serialiser.
import type { SwaggerTransform } from '@fastify/swagger';
import { Type, type TSchema } from 'typebox';

/** An object with the listed fields described and any other field passed through as is. */
export function Open<P extends Record<string, TSchema>>(properties: P, description?: string) {
  return Type.Object(properties, { additionalProperties: true, ...(description ? { description } : {}) });
}

/** `{ success: true, data }`: every successful JSON answer. */
export function Success<T extends TSchema>(data: T) {
  return Type.Object({ success: Type.Literal(true), data }, { additionalProperties: true });
}

/** `{ success: false, error: { code, message, details? } }`: every refused or failed JSON answer (plugins/errors.ts). */
export const ApiError = Type.Object({
  success: Type.Literal(false),
  error: Open({
    code: Type.String({ description: 'A stable machine-readable code, e.g. VALIDATION_FAILED, NOT_FOUND.' }),
    message: Type.String({ description: 'What went wrong, for a person.' }),
    details: Type.Optional(Type.Unknown()),
  }),
}, { additionalProperties: true, description: 'The error envelope.' });

/** A route's `response` schemas: its success answers wrapped in the envelope, and the error envelope for 4xx/5xx. */
export function responses(success: Record<number, TSchema>) {
  const out: Record<string, TSchema> = {};
  for (const [status, data] of Object.entries(success)) {
    // 204 has no body to describe.
    out[status] = status === '204' ? Type.Null({ description: 'No content.' }) : Success(data);
  }
  out['4xx'] = ApiError;
  out['5xx'] = ApiError;
  return out;
}

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
/** A timestamp as sent (an ISO 8601 string). */
export const Timestamp = Type.String({ format: 'date-time' });
/** A page of a list: `items` plus where the caller is. */
export function Page<T extends TSchema>(item: T) {
  return Open({ items: Type.Array(item), total: Type.Integer(), page: Type.Integer(), pageSize: Type.Integer() });
}

/**
 * A streamed upload (the route reads it with request.file(), so Fastify has no parsed body to validate): the
 * multipart body goes into the route's OpenAPI description only, through @fastify/swagger's per-route transform.
 */
export function documentUpload(field: string, description: string): SwaggerTransform {
  return ({ schema, url }) => ({
    url,
    schema: { ...schema, consumes: ['multipart/form-data'], body: Type.Object({ [field]: Type.String({ format: 'binary', description }) }) },
  });
}
