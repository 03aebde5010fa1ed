// Platform-level SQL: tenants are the one table not scoped by a tenant id; only operators reach these.
import { count, desc, eq, ilike, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { tenants, users } from '../../db/schema/index.js';

export async function listTenants(db: Db, { search, limit, offset }: { search?: string; limit: number; offset: number }) {
  const pattern = search ? `%${search.replace(/[\\%_]/g, (c) => '\\' + c)}%` : undefined;
  const where = pattern ? or(ilike(tenants.name, pattern), ilike(tenants.slug, pattern)) : undefined;
  // User counts come from one grouped subquery joined once, not a query per tenant.
  const userCounts = db
    .select({ tenantId: users.tenantId, total: count().as('total') })
    .from(users)
    .groupBy(users.tenantId)
    .as('user_counts');
  const [rows, [total]] = await Promise.all([
    db
      .select({
        id: tenants.id,
        name: tenants.name,
        slug: tenants.slug,
        domain: tenants.domain,
        createdAt: tenants.createdAt,
        userCount: sql<number>`coalesce(${userCounts.total}, 0)`.mapWith(Number),
      })
      .from(tenants)
      .leftJoin(userCounts, eq(userCounts.tenantId, tenants.id))
      .where(where)
      .orderBy(desc(tenants.createdAt), tenants.id)
      .limit(limit)
      .offset(offset),
    db.select({ value: count() }).from(tenants).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

export async function insertTenant(db: Db, values: { name: string; slug: string; domain: string | null }) {
  const [row] = await db.insert(tenants).values(values).returning();
  return row!;
}

export async function countTenantsAndUsers(db: Db) {
  const [row] = await db.select({
    tenants: sql<number>`(select count(*) from ${tenants})`.mapWith(Number),
    users: sql<number>`(select count(*) from ${users})`.mapWith(Number),
  }).from(sql`(select 1) as one`);
  return row ?? { tenants: 0, users: 0 };
}

export async function findTenantConflicts(db: Db, { slug, domain }: { slug: string; domain: string | null }) {
  const rows = await db
    .select({ slug: tenants.slug, domain: tenants.domain })
    .from(tenants)
    .where(domain ? or(eq(tenants.slug, slug), eq(sql`lower(${tenants.domain})`, domain)) : eq(tenants.slug, slug));
  return { slug: rows.some((r) => r.slug === slug), domain: Boolean(domain) && rows.some((r) => r.domain?.toLowerCase() === domain) };
}
