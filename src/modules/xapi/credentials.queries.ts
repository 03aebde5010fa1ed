// SQL for LRS client credentials. Listing and revoking take the tenant id; the Basic-auth lookup goes by the key
// (unique across tenants), and the tenant comes from the row it finds.
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { lrsCredentials } from '../../db/schema/index.js';

export async function insertCredential(db: Db, values: typeof lrsCredentials.$inferInsert) {
  const [row] = await db.insert(lrsCredentials).values(values).returning();
  return row!;
}

export function listCredentials(db: Db, { tenantId }: { tenantId: string }) {
  return db
    .select({
      id: lrsCredentials.id, name: lrsCredentials.name, key: lrsCredentials.key, scope: lrsCredentials.scope, xapiVersion: lrsCredentials.xapiVersion,
      createdAt: lrsCredentials.createdAt, revokedAt: lrsCredentials.revokedAt, lastUsedAt: lrsCredentials.lastUsedAt,
    })
    .from(lrsCredentials)
    .where(eq(lrsCredentials.tenantId, tenantId))
    .orderBy(desc(lrsCredentials.createdAt))
    .limit(500);
}

/** Revokes an active credential of the tenant; returns it, or null when there is none to revoke. */
export async function revokeCredential(db: Db, { tenantId, id }: { tenantId: string; id: string }) {
  const [row] = await db
    .update(lrsCredentials)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(lrsCredentials.id, id), eq(lrsCredentials.tenantId, tenantId), isNull(lrsCredentials.revokedAt)))
    .returning({ id: lrsCredentials.id, key: lrsCredentials.key });
  return row ?? null;
}

export async function findActiveCredential(db: Db, key: string) {
  const [row] = await db
    .select({
      id: lrsCredentials.id, tenantId: lrsCredentials.tenantId, secretHash: lrsCredentials.secretHash, scope: lrsCredentials.scope,
      xapiVersion: lrsCredentials.xapiVersion, lastUsedAt: lrsCredentials.lastUsedAt,
    })
    .from(lrsCredentials)
    .where(and(eq(lrsCredentials.key, key), isNull(lrsCredentials.revokedAt)));
  return row ?? null;
}

export async function touchCredential(db: Db, id: string) {
  await db.update(lrsCredentials).set({ lastUsedAt: sql`now()` }).where(eq(lrsCredentials.id, id));
}
