// `request.audit(action, entity, meta)` records who did what. Events are queued during the request and written just
// before a successful response is sent, so a failed action leaves no "succeeded" row. Writing the audit row must
// never break the user's action: a failure is logged loudly and the response goes out. The rows are written by the
// audit module: app.ts passes its `recordAuditEvents` in, so this plugin imports no module.
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../db/client.js';
import type { auditEvents } from '../db/schema/index.js';

type NewAuditEvent = typeof auditEvents.$inferInsert;

export interface AuditPluginOptions {
  recordAuditEvents(db: Db, events: NewAuditEvent[]): Promise<unknown>;
}

export interface AuditEntity {
  type: string;
  id?: string | null;
}

export interface AuditOverrides {
  /** For events before a user is signed in (sign-in itself) or on behalf of another tenant (the operator). */
  tenantId?: string | null;
  actorId?: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    audit(action: string, entity: AuditEntity, meta?: Record<string, unknown>, overrides?: AuditOverrides): void;
    /** Writes at once, whatever the response: for failures worth recording (failed sign-in). */
    auditNow(action: string, entity: AuditEntity, meta?: Record<string, unknown>, overrides?: AuditOverrides): Promise<void>;
    auditQueue: NewAuditEvent[] | null;
  }
}

function toEvent(
  request: FastifyRequest,
  action: string,
  entity: AuditEntity,
  meta: Record<string, unknown> = {},
  overrides: AuditOverrides = {},
): NewAuditEvent {
  return {
    tenantId: overrides.tenantId !== undefined ? overrides.tenantId : (request.user?.tenantId ?? null),
    actorId: overrides.actorId !== undefined ? overrides.actorId : (request.user?.userId ?? null),
    action,
    entityType: entity.type,
    entityId: entity.id ?? null,
    metadata: meta,
    ip: request.ip,
    userAgent: request.headers['user-agent']?.slice(0, 500) ?? null,
  };
}

export default fp<AuditPluginOptions>(
  async (app, { recordAuditEvents }) => {
    const write = async (request: FastifyRequest, events: NewAuditEvent[]) => {
      try {
        await recordAuditEvents(app.db, events);
      } catch (err) {
        request.log.error({ err, events }, 'AUDIT WRITE FAILED: events were not recorded');
      }
    };

    app.decorateRequest('auditQueue', null);
    app.decorateRequest('audit', function (this: FastifyRequest, action, entity, meta, overrides) {
      (this.auditQueue ??= []).push(toEvent(this, action, entity, meta, overrides));
    });
    app.decorateRequest('auditNow', async function (this: FastifyRequest, action, entity, meta, overrides) {
      await write(this, [toEvent(this, action, entity, meta, overrides)]);
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const events = request.auditQueue;
      if (!events || events.length === 0) return payload;
      request.auditQueue = null;
      if (reply.statusCode < 400) await write(request, events);
      return payload;
    });
  },
  { name: 'audit', dependencies: ['db', 'auth'] },
);
