import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenants } from './tenants.js';
import { users } from './users.js';

export const jobStatus = pgEnum('job_status', ['queued', 'running', 'succeeded', 'failed']);

/**
 * Long work (package imports, later PDF and dispatch builds) runs as a job row that a runner claims with
 * FOR UPDATE SKIP LOCKED; pages poll its progress. Shared state lives here, so any process can report on it.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    status: jobStatus('status').notNull().default('queued'),
    progress: integer('progress').notNull().default(0),
    message: text('message'),
    input: jsonb('input').$type<Record<string, unknown>>().notNull().default({}),
    result: jsonb('result').$type<Record<string, unknown>>(),
    error: jsonb('error').$type<{ code: string; message: string; details?: unknown }>(),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('jobs_status_created_idx').on(t.status, t.createdAt), index('jobs_tenant_created_idx').on(t.tenantId, t.createdAt.desc())],
);

export type Job = typeof jobs.$inferSelect;
