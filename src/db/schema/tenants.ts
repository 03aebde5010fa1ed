import { sql } from 'drizzle-orm';
import { jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export interface TenantSettings {
  /** Write SCORM run-time activity to the LRS as xAPI statements too. */
  scormToXapi?: boolean;
}

export const tenants = pgTable(
  'tenants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    /** URL-safe short name, unique across the platform; typed at sign-in when an email exists in several tenants. */
    slug: text('slug').notNull(),
    /** Optional host name that maps requests to this tenant (e.g. learn.acme.com). */
    domain: text('domain'),
    settings: jsonb('settings').$type<TenantSettings>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('tenants_slug_key').on(t.slug),
    uniqueIndex('tenants_domain_key').on(sql`lower(${t.domain})`).where(sql`${t.domain} is not null`),
  ],
);

export type Tenant = typeof tenants.$inferSelect;
