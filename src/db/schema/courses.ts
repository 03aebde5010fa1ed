import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenants } from './tenants.js';
import { users } from './users.js';

/**
 * 'deleted': the course's content is gone and it is out of every list, but the row stays, so its learners'
 * registrations, attempts and results (compliance evidence) keep their course and stay reportable.
 */
export const courseStatus = pgEnum('course_status', ['active', 'archived', 'deleted']);
// 'cmi5' courses keep the course structure (cmi5.xml) in activity_tree; the name stays for the column's history.
export const scormStandard = pgEnum('scorm_standard', ['scorm12', 'scorm2004', 'cmi5']);

/** A course as people see it in lists. Its content lives in immutable versions. */
export const courses = pgTable(
  'courses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    description: text('description'),
    status: courseStatus('status').notNull().default('active'),
    /** The version new learners get; learners already started stay on theirs. */
    currentVersionId: uuid('current_version_id'),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    deletedBy: uuid('deleted_by').references(() => users.id),
  },
  (t) => [
    index('courses_tenant_updated_idx').on(t.tenantId, t.updatedAt.desc()),
    index('courses_tenant_status_idx').on(t.tenantId, t.status),
    index('courses_tenant_title_idx').on(t.tenantId, sql`lower(${t.title})`),
  ],
);

export interface VersionProblem {
  code: string;
  message: string;
  path?: string;
}

/** One uploaded package, never changed after import. */
export const courseVersions = pgTable(
  'course_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    courseId: uuid('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    versionNumber: integer('version_number').notNull(),
    standard: scormStandard('standard').notNull(),
    edition: text('edition'),
    schemaVersion: text('schema_version'),
    manifestIdentifier: text('manifest_identifier'),
    title: text('title').notNull(),
    /** The parsed manifest: organizations, item tree with launch URLs, resources, sequencing, metadata. */
    activityTree: jsonb('activity_tree').notNull(),
    itemCount: integer('item_count').notNull(),
    scoCount: integer('sco_count').notNull(),
    assetCount: integer('asset_count').notNull(),
    fileCount: integer('file_count').notNull(),
    totalBytes: bigint('total_bytes', { mode: 'number' }).notNull(),
    warnings: jsonb('warnings').$type<VersionProblem[]>().notNull().default([]),
    /** Where the extracted files live in content storage. */
    storageKey: text('storage_key').notNull(),
    sourceFilename: text('source_filename'),
    sourceBytes: bigint('source_bytes', { mode: 'number' }),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('course_versions_course_number_key').on(t.courseId, t.versionNumber),
    index('course_versions_tenant_course_idx').on(t.tenantId, t.courseId),
  ],
);

export type Course = typeof courses.$inferSelect;
export type CourseVersion = typeof courseVersions.$inferSelect;
