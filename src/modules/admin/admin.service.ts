// What an organisation's overview shows: people by role and recent activity, each from one indexed query.
import type { Db } from '../../db/client.js';
import { TENANT_ROLES } from '../../db/schema/index.js';
import { countUsersByRole } from '../accounts/accounts.queries.js';
import { listAuditEvents } from '../audit/audit.queries.js';

export async function organisationOverview(db: Db, { tenantId }: { tenantId: string }) {
  const [byRole, recent] = await Promise.all([
    countUsersByRole(db, { tenantId }),
    listAuditEvents(db, { tenantId, limit: 10 }),
  ]);
  const roles = TENANT_ROLES.map((role) => ({
    role,
    active: byRole.filter((r) => r.role === role && r.isActive).reduce((sum, r) => sum + r.value, 0),
    inactive: byRole.filter((r) => r.role === role && !r.isActive).reduce((sum, r) => sum + r.value, 0),
  }));
  const activeUsers = roles.reduce((sum, r) => sum + r.active, 0);
  return { roles, activeUsers, recent };
}
