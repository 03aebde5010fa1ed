import { and, count, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { auditEvents, users } from '../../db/schema/index.js';

export type NewAuditEvent = typeof auditEvents.$inferInsert;

export async function insertAuditEvents(db: Db, events: NewAuditEvent[]) {
  if (events.length > 0) await db.insert(auditEvents).values(events);
}

export interface AuditFilter {
  tenantId: string;
  action?: string;
  entityType?: string;
  entityId?: string;
  limit: number;
  /** Keyset paging: events older than this id. */
  beforeId?: number;
}

/** Newest first, with the actor's name; keyset-paged on id so deep pages cost the same as the first. */
export function listAuditEvents(db: Db, filter: AuditFilter) {
  const conditions: SQL[] = [eq(auditEvents.tenantId, filter.tenantId)];
  if (filter.action) conditions.push(eq(auditEvents.action, filter.action));
  if (filter.entityType) conditions.push(eq(auditEvents.entityType, filter.entityType));
  if (filter.entityId) conditions.push(eq(auditEvents.entityId, filter.entityId));
  if (filter.beforeId) conditions.push(lt(auditEvents.id, filter.beforeId));
  return db
    .select({
      id: auditEvents.id,
      action: auditEvents.action,
      entityType: auditEvents.entityType,
      entityId: auditEvents.entityId,
      metadata: auditEvents.metadata,
      ip: auditEvents.ip,
      createdAt: auditEvents.createdAt,
      actorId: auditEvents.actorId,
      actorEmail: users.email,
      actorName: users.displayName,
    })
    .from(auditEvents)
    .leftJoin(users, eq(users.id, auditEvents.actorId))
    .where(and(...conditions))
    .orderBy(desc(auditEvents.id))
    .limit(filter.limit);
}

export async function countAuditEvents(db: Db, { tenantId }: { tenantId: string }) {
  const [row] = await db.select({ value: count() }).from(auditEvents).where(eq(auditEvents.tenantId, tenantId));
  return row?.value ?? 0;
}
