// SQL for the three document resources (state, activity profile, agent profile), one table keyed by tenant, kind,
// activity, agent, registration and document id ('' where a resource has no such part).
import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { xapiDocuments } from '../../db/schema/index.js';

export type DocumentKind = 'state' | 'activity-profile' | 'agent-profile';

export interface DocumentScope {
  tenantId: string;
  kind: DocumentKind;
  activityId: string;
  agentKey: string;
  registration: string;
}

function where(scope: DocumentScope, documentId?: string): SQL {
  const d = xapiDocuments;
  const parts = [eq(d.tenantId, scope.tenantId), eq(d.kind, scope.kind), eq(d.activityId, scope.activityId), eq(d.agentKey, scope.agentKey), eq(d.registration, scope.registration)];
  if (documentId !== undefined) parts.push(eq(d.documentId, documentId));
  return and(...parts)!;
}

export async function findDocument(db: Db, scope: DocumentScope, documentId: string) {
  const [row] = await db.select().from(xapiDocuments).where(where(scope, documentId));
  return row ?? null;
}

/** The ids of the scope's documents (updated after `since`, when given), oldest first. */
export async function listDocumentIds(db: Db, scope: DocumentScope, since?: Date) {
  const rows = await db
    .select({ documentId: xapiDocuments.documentId })
    .from(xapiDocuments)
    .where(since ? and(where(scope), gt(xapiDocuments.updatedAt, since)) : where(scope))
    .orderBy(asc(xapiDocuments.updatedAt))
    .limit(10_000);
  return rows.map((r) => r.documentId);
}

export async function saveDocument(db: Db, scope: DocumentScope, documentId: string, doc: { contentType: string; content: Buffer; etag: string }) {
  await db
    .insert(xapiDocuments)
    .values({ ...scope, documentId, ...doc })
    .onConflictDoUpdate({
      target: [xapiDocuments.tenantId, xapiDocuments.kind, xapiDocuments.activityId, xapiDocuments.agentKey, xapiDocuments.registration, xapiDocuments.documentId],
      set: { contentType: doc.contentType, content: doc.content, etag: doc.etag, updatedAt: sql`now()` },
    });
}

/** Deletes one document, or every document of the scope when no id is given (State DELETE without stateId). */
export async function deleteDocuments(db: Db, scope: DocumentScope, documentId?: string) {
  await db.delete(xapiDocuments).where(where(scope, documentId));
}
