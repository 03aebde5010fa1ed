// The Learning Record Store (xAPI 1.0.3 and 2.0): per-tenant client credentials, statements with the fields that
// queries filter on pulled out of the JSON, link tables for the agents and activities a statement mentions, the
// three document resources, and attachments by content hash. Tenant first in every key and index.
import { sql } from 'drizzle-orm';
import { bigint, boolean, customType, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenants } from './tenants.js';
import { users } from './users.js';

/** bytea, read back as a Buffer whichever driver (postgres.js gives Buffers, PGlite Uint8Arrays). */
export const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/**
 * An LRS client's Basic credentials. The secret is random (32 bytes), so a SHA-256 of it is safe to store and quick
 * to check. Scopes follow xAPI's OAuth scope names: all, all/read, statements/write, statements/read.
 */
export const lrsCredentials = pgTable(
  'lrs_credentials',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    key: text('key').notNull(),
    secretHash: text('secret_hash').notNull(),
    scope: text('scope').notNull(),
    /**
     * The xAPI version this client speaks ('2.0.0' or '1.0.3'): what the LRS answers in X-Experience-API-Version
     * when a request of this client does not say (such a request is refused, but its answer still names a version).
     */
    xapiVersion: text('xapi_version').notNull().default('2.0.0'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('lrs_credentials_key_key').on(t.key), index('lrs_credentials_tenant_created_idx').on(t.tenantId, t.createdAt.desc())],
);

/**
 * One statement as stored (with `stored`, `authority`, `version` and a `timestamp` set by the LRS). `seq` is the
 * storage order: statement queries page by it (a key-range scan, never OFFSET), and `more` links carry it.
 */
export const xapiStatements = pgTable(
  'xapi_statements',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    id: uuid('id').notNull(),
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity().notNull(),
    stored: timestamp('stored', { withTimezone: true, precision: 3 }).notNull(),
    timestamp: timestamp('timestamp', { withTimezone: true, precision: 3 }).notNull(),
    verbId: text('verb_id').notNull(),
    /** Set when this statement is voided by a later one; voided statements are left out of queries. */
    voided: boolean('voided').notNull().default(false),
    /** For a voiding statement: the id of the statement it voids. */
    voidsId: uuid('voids_id'),
    /**
     * The statement this one's object refers to (StatementRef), voiding or not: a query's filters also match a
     * statement whose target matches them (Communication 2.1.3).
     */
    targetId: uuid('target_id'),
    registration: uuid('registration'),
    /** The statement as the LRS returns it with format=exact. */
    statement: jsonb('statement').$type<Record<string, unknown>>().notNull(),
    /** SHA-2 hashes of its attachments (with fileUrl-only attachments left out). */
    attachmentHashes: jsonb('attachment_hashes').$type<string[]>().notNull().default([]),
  },
  (t) => [
    primaryKey({ name: 'xapi_statements_pkey', columns: [t.tenantId, t.id] }),
    uniqueIndex('xapi_statements_tenant_seq_key').on(t.tenantId, t.seq),
    index('xapi_statements_tenant_verb_seq_idx').on(t.tenantId, t.verbId, t.seq),
    index('xapi_statements_tenant_registration_seq_idx').on(t.tenantId, t.registration, t.seq).where(sql`${t.registration} is not null`),
    index('xapi_statements_tenant_stored_idx').on(t.tenantId, t.stored),
    index('xapi_statements_tenant_target_idx').on(t.tenantId, t.targetId).where(sql`${t.targetId} is not null`),
  ],
);

/**
 * The agents and groups a statement mentions. `direct` rows are its actor and its object (what the `agent` filter
 * matches); the others (authority, instructor, team, context agents and groups, sub-statement) count for related_agents.
 *
 * This and xapi_statement_activities are an index of xapi_statements, written in the same transaction: they carry
 * no foreign key. A batch of 100 statements writes about 400 link rows, and a key check per row cost a third of
 * ingestion (measured on PGlite: 12 ms of a 32 ms batch, 6.5 ms without). Whatever deletes a tenant's statements
 * deletes these rows with them (by tenant_id).
 */
export const xapiStatementAgents = pgTable(
  'xapi_statement_agents',
  {
    tenantId: uuid('tenant_id').notNull(),
    statementSeq: bigint('statement_seq', { mode: 'number' }).notNull(),
    agentKey: text('agent_key').notNull(),
    direct: boolean('direct').notNull(),
  },
  (t) => [
    primaryKey({ name: 'xapi_statement_agents_pkey', columns: [t.tenantId, t.agentKey, t.statementSeq, t.direct] }),
  ],
);

/** The activities a statement mentions: `direct` for its object, the others (context, sub-statement) for related (no foreign key: see above). */
export const xapiStatementActivities = pgTable(
  'xapi_statement_activities',
  {
    tenantId: uuid('tenant_id').notNull(),
    statementSeq: bigint('statement_seq', { mode: 'number' }).notNull(),
    activityId: text('activity_id').notNull(),
    direct: boolean('direct').notNull(),
  },
  (t) => [
    primaryKey({ name: 'xapi_statement_activities_pkey', columns: [t.tenantId, t.activityId, t.statementSeq, t.direct] }),
  ],
);

/** Activity definitions as statements describe them, merged, for GET /activities. */
export const xapiActivities = pgTable(
  'xapi_activities',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    activityId: text('activity_id').notNull(),
    definition: jsonb('definition').$type<Record<string, unknown>>(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'xapi_activities_pkey', columns: [t.tenantId, t.activityId] })],
);

/**
 * State, activity profile and agent profile documents in one table. Absent parts of the key are '' so that the
 * unique index holds (NULLs would never collide).
 */
export const xapiDocuments = pgTable(
  'xapi_documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    /** state | activity-profile | agent-profile */
    kind: text('kind').notNull(),
    activityId: text('activity_id').notNull().default(''),
    agentKey: text('agent_key').notNull().default(''),
    registration: text('registration').notNull().default(''),
    documentId: text('document_id').notNull(),
    contentType: text('content_type').notNull(),
    content: bytea('content').notNull(),
    /** Quoted SHA-1 of the content, as sent in ETag. */
    etag: text('etag').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('xapi_documents_key').on(t.tenantId, t.kind, t.activityId, t.agentKey, t.registration, t.documentId),
    index('xapi_documents_tenant_kind_updated_idx').on(t.tenantId, t.kind, t.activityId, t.agentKey, t.registration, t.updatedAt),
  ],
);

/** Attachment content, once per tenant and SHA-2. */
export const xapiAttachments = pgTable(
  'xapi_attachments',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    sha2: text('sha2').notNull(),
    contentType: text('content_type').notNull(),
    length: integer('length').notNull(),
    content: bytea('content').notNull(),
  },
  (t) => [primaryKey({ name: 'xapi_attachments_pkey', columns: [t.tenantId, t.sha2] })],
);

export type LrsCredential = typeof lrsCredentials.$inferSelect;
export type XapiStatementRow = typeof xapiStatements.$inferSelect;
export type XapiDocument = typeof xapiDocuments.$inferSelect;
