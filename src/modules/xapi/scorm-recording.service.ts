// Writes the SCORM player's activity to the tenant's LRS when the tenant wants it (tenants.settings.scormToXapi,
// on unless turned off). Analytics must never cost a learner their progress: the statements are stored in a
// savepoint of the caller's transaction, and a failure there is logged and rolled back alone.
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { tenants, type TenantSettings } from '../../db/schema/index.js';
import { recordStatements } from './statements.service.js';

const SETTINGS_TTL_MS = 30_000;
const cache = new Map<string, { enabled: boolean; at: number }>();

export async function scormToXapiEnabled(db: Db, tenantId: string): Promise<boolean> {
  const hit = cache.get(tenantId);
  if (hit && Date.now() - hit.at < SETTINGS_TTL_MS) return hit.enabled;
  const [row] = await db.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, tenantId));
  const enabled = row?.settings.scormToXapi !== false;
  cache.set(tenantId, { enabled, at: Date.now() });
  return enabled;
}

export async function setScormToXapi(db: Db, tenantId: string, enabled: boolean) {
  const patch: TenantSettings = { scormToXapi: enabled };
  await db.update(tenants).set({ settings: sql`${tenants.settings} || ${JSON.stringify(patch)}::jsonb` }).where(eq(tenants.id, tenantId));
  cache.delete(tenantId);
}

/** Stores the statements if the tenant records SCORM activity; never throws. */
export async function recordScormActivity(db: Db, tenantId: string, lrsOrigin: string, statements: Record<string, unknown>[]) {
  if (!statements.length) return;
  try {
    if (!(await scormToXapiEnabled(db, tenantId))) return;
    await db.transaction(async (savepoint) => recordStatements(savepoint, tenantId, lrsOrigin, statements));
  } catch (error) {
    console.error(`[lrs] SCORM activity of tenant ${tenantId} was not recorded as xAPI statements:`, error);
  }
}
