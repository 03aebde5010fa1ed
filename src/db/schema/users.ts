import { sql } from 'drizzle-orm';
import { boolean, check, index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenants } from './tenants.js';

/** owner > admin > author > learner inside a tenant; operator is the platform's own staff and has no tenant. */
export const userRole = pgEnum('user_role', ['owner', 'admin', 'author', 'learner', 'operator']);
export type UserRole = (typeof userRole.enumValues)[number];
export type TenantRole = Exclude<UserRole, 'operator'>;
export const TENANT_ROLES: TenantRole[] = ['owner', 'admin', 'author', 'learner'];

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    displayName: text('display_name').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: userRole('role').notNull(),
    isActive: boolean('is_active').notNull().default(true),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // An email is unique inside a tenant; the same person may hold accounts in several tenants.
    uniqueIndex('users_tenant_email_key').on(t.tenantId, sql`lower(${t.email})`).where(sql`${t.tenantId} is not null`),
    uniqueIndex('users_operator_email_key').on(sql`lower(${t.email})`).where(sql`${t.tenantId} is null`),
    index('users_email_idx').on(sql`lower(${t.email})`),
    index('users_tenant_created_idx').on(t.tenantId, t.createdAt),
    check('users_operator_has_no_tenant', sql`(${t.role} = 'operator') = (${t.tenantId} is null)`),
  ],
);

export type User = typeof users.$inferSelect;
