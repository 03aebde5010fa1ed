// Refuses, before any handler runs, text Postgres cannot store: a NUL or a lone UTF-16 surrogate in the route's
// parameters, its query string or a parsed body (JSON, form). Without this, such a value travels to the database
// and comes back as a 500. Raw bodies (Buffers: LRS documents and attachments, uploads) may hold any bytes and are
// not looked at; the LRS checks the statements it parses itself (statements.service.ts).
// Used by the app and by the content origin (src/content/content-app.ts).
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { assertStorable } from '../lib/input-checks.js';

export function checkRequestInput(request: FastifyRequest): void {
  assertStorable(request.params, 'the address');
  assertStorable(request.query, 'the query string');
  if (request.body !== undefined && !Buffer.isBuffer(request.body)) assertStorable(request.body, 'the request body');
}

export default fp(
  async (app) => {
    // preValidation: after the body is parsed, before schemas, CSRF checks and handlers.
    app.addHook('preValidation', async (request) => checkRequestInput(request));
  },
  { name: 'input-guard' },
);
