// cmi5 launches (cmi5 spec 8, 9 and 10): one row per AU session, with the one-time fetch key and the AU's auth
// token kept as hashes, and one row per AU, block and course of a registration with what moveOn needs. The
// registration itself is the learner's `registrations` row: its id is the cmi5 registration UUID.
import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, real, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { registrations } from './registrations.js';
import { tenants } from './tenants.js';
import { users } from './users.js';

/** launched -> initialized -> terminated, or abandoned by the LMS; waived sessions are the LMS's own (spec 9.3.7). */
export type Cmi5SessionState = 'launched' | 'initialized' | 'terminated' | 'abandoned' | 'waived';

export const cmi5Sessions = pgTable(
  'cmi5_sessions',
  {
    /** The session id the statements carry (context extension sessionid). */
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    registrationId: uuid('registration_id')
      .notNull()
      .references(() => registrations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The AU's position in the course structure (document order, 0-based) and its LMS activity id. */
    auIndex: integer('au_index').notNull(),
    auActivityId: text('au_activity_id').notNull(),
    launchMode: text('launch_mode').notNull(),
    /** The actor given at launch: every statement of the session, the LMS's included, uses exactly this one. */
    actor: jsonb('actor').$type<Record<string, unknown>>().notNull(),
    state: text('state').$type<Cmi5SessionState>().notNull().default('launched'),
    /** cmi5 defined verbs the AU has used in this session (no verb twice, spec 9.3). */
    verbs: jsonb('verbs').$type<string[]>().notNull().default([]),
    fetchKeyHash: text('fetch_key_hash'),
    fetchedAt: timestamp('fetched_at', { withTimezone: true }),
    authSecretHash: text('auth_secret_hash'),
    /** For the player frame until the AU fetches its token (it holds the fetch key), then cleared. */
    launchUrl: text('launch_url'),
    /** When the AU read cmi5LearnerPreferences; it must before "initialized" (cmi5 11). */
    preferencesReadAt: timestamp('preferences_read_at', { withTimezone: true }),
    launchedAt: timestamp('launched_at', { withTimezone: true }).notNull().defaultNow(),
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (t) => [
    index('cmi5_sessions_tenant_registration_idx').on(t.tenantId, t.registrationId, t.launchedAt),
    // The sweep that abandons sessions left open reads only open ones, oldest activity first.
    index('cmi5_sessions_open_activity_idx').on(t.lastActivityAt).where(sql`${t.state} in ('launched', 'initialized')`),
  ],
);

/** What the registration has reached per AU, block and course (node = its LMS activity id). */
export const cmi5NodeStates = pgTable(
  'cmi5_node_states',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    registrationId: uuid('registration_id')
      .notNull()
      .references(() => registrations.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    completed: boolean('completed').notNull().default(false),
    passed: boolean('passed').notNull().default(false),
    failed: boolean('failed').notNull().default(false),
    scoreScaled: real('score_scaled'),
    waivedReason: text('waived_reason'),
    satisfiedAt: timestamp('satisfied_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.registrationId, t.nodeId] }), index('cmi5_node_states_tenant_registration_idx').on(t.tenantId, t.registrationId)],
);

export type Cmi5Session = typeof cmi5Sessions.$inferSelect;
export type Cmi5NodeState = typeof cmi5NodeStates.$inferSelect;
