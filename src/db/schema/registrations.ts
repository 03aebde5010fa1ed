import { doublePrecision, index, integer, jsonb, pgTable, real, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { courses, courseVersions } from './courses.js';
import { tenants } from './tenants.js';
import { users } from './users.js';

/**
 * A learner's enrolment in a course, pinned to the version they started: a new upload never changes what they
 * are taking. Holds the course result, updated on every commit, so lists and reports never read CMI documents.
 */
export const registrations = pgTable(
  'registrations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // Learner records outlive their course: deleting a course only marks it deleted, and the database refuses to
    // drop a course or version that records still point to (no action: a purge removes the records first).
    courseId: uuid('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'no action' }),
    courseVersionId: uuid('course_version_id')
      .notNull()
      .references(() => courseVersions.id, { onDelete: 'no action' }),
    /** SCORM 2004 vocabulary for the course: not attempted | incomplete | completed | unknown. */
    completionStatus: text('completion_status').notNull().default('not attempted'),
    /** unknown | passed | failed. */
    successStatus: text('success_status').notNull().default('unknown'),
    scoreScaled: real('score_scaled'),
    scoreRaw: real('score_raw'),
    scoreMin: real('score_min'),
    scoreMax: real('score_max'),
    totalTimeSeconds: doublePrecision('total_time_seconds').notNull().default(0),
    /** The item the learner was last in, for Resume. */
    lastItemIdentifier: text('last_item_identifier'),
    firstAccessedAt: timestamp('first_accessed_at', { withTimezone: true }),
    lastAccessedAt: timestamp('last_accessed_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    /** SCORM 2004: the sequencing engine's snapshot and global objectives, per registration. */
    sequencingState: jsonb('sequencing_state'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('registrations_tenant_user_course_key').on(t.tenantId, t.userId, t.courseId),
    index('registrations_tenant_course_accessed_idx').on(t.tenantId, t.courseId, t.lastAccessedAt.desc()),
    index('registrations_tenant_user_accessed_idx').on(t.tenantId, t.userId, t.lastAccessedAt.desc()),
  ],
);

/**
 * One SCO (or asset) attempt inside a registration: the whole CMI as the content left it (one document, not one
 * row per element), plus the columns reports filter on. `lastSequence` makes commits idempotent and ordered.
 */
export const scoAttempts = pgTable(
  'sco_attempts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    registrationId: uuid('registration_id')
      .notNull()
      .references(() => registrations.id, { onDelete: 'cascade' }),
    itemIdentifier: text('item_identifier').notNull(),
    attemptNumber: integer('attempt_number').notNull().default(1),
    cmi: jsonb('cmi').$type<Record<string, unknown>>().notNull().default({}),
    completionStatus: text('completion_status').notNull().default('not attempted'),
    successStatus: text('success_status').notNull().default('unknown'),
    scoreScaled: real('score_scaled'),
    scoreRaw: real('score_raw'),
    scoreMin: real('score_min'),
    scoreMax: real('score_max'),
    totalTimeSeconds: doublePrecision('total_time_seconds').notNull().default(0),
    location: text('location'),
    exit: text('exit'),
    suspendData: text('suspend_data'),
    /**
     * The launch currently allowed to commit. Each launch (resume included) starts a new session whose commit
     * sequence starts again at 1; commits from an older session (a late beacon, a second tab) are refused.
     */
    runtimeSession: uuid('runtime_session'),
    lastSequence: integer('last_sequence').notNull().default(0),
    terminatedAt: timestamp('terminated_at', { withTimezone: true }),
    lastCommittedAt: timestamp('last_committed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('sco_attempts_registration_item_attempt_key').on(t.registrationId, t.itemIdentifier, t.attemptNumber)],
);

/**
 * Interactions (question responses) the content reported, one row each, kept in step with the attempt's CMI so
 * reports can ask across learners (how often was question X answered right?) without reading CMI documents.
 * `session` is the run-time session for SCORM 1.2, whose interactions are write-only and journaled (a resumed
 * session starts again at index 0 and must not overwrite the earlier ones), and '' for 2004, whose interactions
 * are carried over on resume and keep their index.
 */
export const scoInteractions = pgTable(
  'sco_interactions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    courseId: uuid('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'no action' }),
    registrationId: uuid('registration_id')
      .notNull()
      .references(() => registrations.id, { onDelete: 'cascade' }),
    attemptId: uuid('attempt_id')
      .notNull()
      .references(() => scoAttempts.id, { onDelete: 'cascade' }),
    session: text('session').notNull().default(''),
    position: integer('position').notNull(),
    interactionId: text('interaction_id').notNull(),
    type: text('type'),
    description: text('description'),
    learnerResponse: text('learner_response'),
    correctResponses: jsonb('correct_responses').$type<string[]>().notNull().default([]),
    result: text('result'),
    weighting: real('weighting'),
    latencySeconds: doublePrecision('latency_seconds'),
    timestamp: text('timestamp'),
    objectiveIds: jsonb('objective_ids').$type<string[]>().notNull().default([]),
  },
  (t) => [
    uniqueIndex('sco_interactions_attempt_session_position_key').on(t.attemptId, t.session, t.position),
    index('sco_interactions_tenant_course_interaction_idx').on(t.tenantId, t.courseId, t.interactionId),
    index('sco_interactions_tenant_registration_idx').on(t.tenantId, t.registrationId),
  ],
);

/** Objectives the content reported (cmi.objectives), one row each, kept in step with the attempt's CMI. */
export const scoObjectives = pgTable(
  'sco_objectives',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    courseId: uuid('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'no action' }),
    registrationId: uuid('registration_id')
      .notNull()
      .references(() => registrations.id, { onDelete: 'cascade' }),
    attemptId: uuid('attempt_id')
      .notNull()
      .references(() => scoAttempts.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    objectiveId: text('objective_id').notNull(),
    successStatus: text('success_status'),
    completionStatus: text('completion_status'),
    scoreScaled: real('score_scaled'),
    scoreRaw: real('score_raw'),
    scoreMin: real('score_min'),
    scoreMax: real('score_max'),
    progressMeasure: real('progress_measure'),
  },
  (t) => [
    uniqueIndex('sco_objectives_attempt_position_key').on(t.attemptId, t.position),
    index('sco_objectives_tenant_course_objective_idx').on(t.tenantId, t.courseId, t.objectiveId),
    index('sco_objectives_tenant_registration_idx').on(t.tenantId, t.registrationId),
  ],
);

export type Registration = typeof registrations.$inferSelect;
export type ScoAttempt = typeof scoAttempts.$inferSelect;
