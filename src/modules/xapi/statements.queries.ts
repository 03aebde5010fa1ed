// SQL for statements. Every function takes the tenant id; every index starts with it. Queries page by `seq` (a
// key range, never OFFSET) and hide voided statements.
import { and, asc, desc, eq, gt, inArray, lt, lte, sql, type SQL } from 'drizzle-orm';
import { alias, type AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.js';
import { xapiActivities, xapiAttachments, xapiStatementActivities, xapiStatementAgents, xapiStatements } from '../../db/schema/index.js';

export interface NewStatement {
  id: string;
  stored: Date;
  timestamp: Date;
  verbId: string;
  voidsId: string | null;
  targetId: string | null;
  registration: string | null;
  statement: Record<string, unknown>;
  attachmentHashes: string[];
  agents: { key: string; direct: boolean }[];
  activities: { id: string; direct: boolean; definition?: Record<string, unknown> }[];
}

export async function findStatementsByIds(db: Db, { tenantId, ids }: { tenantId: string; ids: string[] }) {
  if (!ids.length) return [];
  return db
    .select({ id: xapiStatements.id, verbId: xapiStatements.verbId, voided: xapiStatements.voided, statement: xapiStatements.statement })
    .from(xapiStatements)
    .where(and(eq(xapiStatements.tenantId, tenantId), sql`${xapiStatements.id} = any(${pgArray(ids)}::uuid[])`));
}

/**
 * Inserts statements with their agent and activity links, in the caller's transaction, as one SQL statement (the
 * link rows join the inserted statements by id to get their seq). Each insert sends one array per column (unnest)
 * rather than one parameter per value: a batch of 100 statements is a few hundred link rows, and building a query
 * with thousands of parameters cost more than running it.
 */
export async function insertStatements(db: Db, tenantId: string, rows: NewStatement[], definitions: { id: string; definition: Record<string, unknown> }[] = []) {
  if (!rows.length) return;
  const column = <T>(pick: (r: NewStatement) => T) => rows.map(pick);
  const agents = rows.flatMap((r) => r.agents.map((a) => ({ id: r.id, key: a.key, direct: a.direct })));
  const activities = rows.flatMap((r) => r.activities.map((a) => ({ id: r.id, key: a.id, direct: a.direct })));
  await db.execute(sql`
    with inserted as (
      insert into ${xapiStatements} (tenant_id, id, stored, timestamp, verb_id, voids_id, target_id, registration, statement, attachment_hashes)
      select ${tenantId}::uuid, t.id, t.stored, t.ts, t.verb, t.voids, t.target, t.registration, j.statement, t.hashes::jsonb
      from unnest(${pgArray(column((r) => r.id))}::uuid[], ${pgArray(column((r) => r.stored.toISOString()))}::timestamptz[],
        ${pgArray(column((r) => r.timestamp.toISOString()))}::timestamptz[], ${pgArray(column((r) => r.verbId))}::text[],
        ${pgArray(column((r) => r.voidsId))}::uuid[], ${pgArray(column((r) => r.targetId))}::uuid[], ${pgArray(column((r) => r.registration))}::uuid[],
        ${pgArray(column((r) => JSON.stringify(r.attachmentHashes)))}::text[])
        with ordinality as t(id, stored, ts, verb, voids, target, registration, hashes, n)
      -- The statements travel as one JSON array (parsed once, no array-literal escaping), paired by position.
      join jsonb_array_elements(${JSON.stringify(column((r) => r.statement))}::jsonb) with ordinality as j(statement, n) using (n)
      returning id, seq
    ), definitions as (
      -- The stored definition merged with the new one: top-level keys replaced, language maps and extensions merged.
      insert into ${xapiActivities} as a (tenant_id, activity_id, definition)
      select ${tenantId}::uuid, d.id, d.definition::jsonb
      from unnest(${pgArray(definitions.map((d) => d.id))}::text[], ${pgArray(definitions.map((d) => JSON.stringify(d.definition)))}::text[]) as d(id, definition)
      on conflict (tenant_id, activity_id) do update set definition = ${MERGED}, updated_at = now()
      where a.definition is distinct from ${MERGED}
    ), agent_links as (
      insert into ${xapiStatementAgents} (tenant_id, statement_seq, agent_key, direct)
      select ${tenantId}::uuid, inserted.seq, a.key, a.direct
      from unnest(${pgArray(agents.map((a) => a.id))}::uuid[], ${pgArray(agents.map((a) => a.key))}::text[], ${pgArray(agents.map((a) => a.direct))}::boolean[]) as a(id, key, direct)
      join inserted on inserted.id = a.id
      on conflict do nothing
    )
    insert into ${xapiStatementActivities} (tenant_id, statement_seq, activity_id, direct)
    select ${tenantId}::uuid, inserted.seq, a.key, a.direct
    from unnest(${pgArray(activities.map((a) => a.id))}::uuid[], ${pgArray(activities.map((a) => a.key))}::text[], ${pgArray(activities.map((a) => a.direct))}::boolean[]) as a(id, key, direct)
    join inserted on inserted.id = a.id
    on conflict do nothing`);
}

const mergedPart = (key: string) =>
  sql.raw(`case when jsonb_typeof(a.definition->'${key}') = 'object' and jsonb_typeof(excluded.definition->'${key}') = 'object' then jsonb_build_object('${key}', (a.definition->'${key}') || (excluded.definition->'${key}')) else '{}'::jsonb end`);
const MERGED = sql`(coalesce(a.definition, '{}'::jsonb) || excluded.definition || ${mergedPart('name')} || ${mergedPart('description')} || ${mergedPart('extensions')})`;

/** A Postgres array literal, sent as one text parameter (both drivers pass it through unchanged). */
function pgArray(values: (string | number | boolean | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : typeof v === 'string' ? `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : String(v))).join(',')}}`;
}

/** Marks statements voided (only ones that are not voiding statements themselves). */
export async function voidStatements(db: Db, { tenantId, ids }: { tenantId: string; ids: string[] }) {
  if (!ids.length) return;
  await db.update(xapiStatements).set({ voided: true }).where(and(eq(xapiStatements.tenantId, tenantId), inArray(xapiStatements.id, ids)));
}

/** The display names statements gave these activities (language maps), for lists of statements. */
export async function findActivityNames(db: Db, { tenantId, ids }: { tenantId: string; ids: string[] }) {
  if (!ids.length) return new Map<string, Record<string, string>>();
  const rows = await db
    .select({ activityId: xapiActivities.activityId, name: sql<Record<string, string> | null>`${xapiActivities.definition}->'name'` })
    .from(xapiActivities)
    .where(and(eq(xapiActivities.tenantId, tenantId), sql`${xapiActivities.activityId} = any(${pgArray(ids)}::text[])`));
  return new Map(rows.filter((r) => r.name).map((r) => [r.activityId, r.name!]));
}

export async function findActivity(db: Db, { tenantId, activityId }: { tenantId: string; activityId: string }) {
  const [row] = await db
    .select({ definition: xapiActivities.definition })
    .from(xapiActivities)
    .where(and(eq(xapiActivities.tenantId, tenantId), eq(xapiActivities.activityId, activityId)));
  return row ?? null;
}

/** One statement by id: `voided` says which of statementId (not voided) or voidedStatementId (voided) applies. */
export async function findStatement(db: Db, { tenantId, id, voided }: { tenantId: string; id: string; voided: boolean }) {
  const [row] = await db
    .select({ statement: xapiStatements.statement, attachmentHashes: xapiStatements.attachmentHashes })
    .from(xapiStatements)
    .where(and(eq(xapiStatements.tenantId, tenantId), eq(xapiStatements.id, id), eq(xapiStatements.voided, voided)));
  return row ?? null;
}

export interface StatementFilter {
  agentKey?: string;
  relatedAgents?: boolean;
  verbId?: string;
  activityId?: string;
  relatedActivities?: boolean;
  registration?: string;
  since?: Date;
  until?: Date;
  ascending?: boolean;
}

/**
 * A page of statements matching the filter, in storage order. `after` is the last seq already returned and
 * `ceiling` the highest seq that existed when the first page was asked for, so later pages neither repeat nor
 * pick up statements stored since.
 */
export async function queryStatements(
  db: Db,
  tenantId: string,
  filter: StatementFilter,
  { limit, after, ceiling }: { limit: number; after?: number; ceiling?: number },
) {
  const s = xapiStatements;
  const order = filter.ascending ? sql`asc` : sql`desc`;
  const window: SQL[] = [eq(s.voided, false)];
  if (filter.since) window.push(gt(s.stored, filter.since));
  if (filter.until) window.push(lte(s.stored, filter.until));
  if (ceiling !== undefined) window.push(lte(s.seq, ceiling));
  if (after !== undefined) window.push(filter.ascending ? gt(s.seq, after) : lt(s.seq, after));

  // Direct matches, driven by the most selective index: the agent links, the activity links, or the statements.
  const a = xapiStatementAgents;
  const act = xapiStatementActivities;
  let direct: SQL;
  if (filter.agentKey) {
    direct = sql`select ${s.seq}, ${s.statement}, ${s.attachmentHashes} from ${a} join ${s} on ${s.tenantId} = ${a.tenantId} and ${s.seq} = ${a.statementSeq}
      where ${a.tenantId} = ${tenantId} and ${a.agentKey} = ${filter.agentKey}${filter.relatedAgents ? sql`` : sql` and ${a.direct}`}
      and ${and(...window, ...ownConditions(s, filter, { skipAgent: true }))} order by ${a.statementSeq} ${order} limit ${limit}`;
  } else if (filter.activityId) {
    direct = sql`select ${s.seq}, ${s.statement}, ${s.attachmentHashes} from ${act} join ${s} on ${s.tenantId} = ${act.tenantId} and ${s.seq} = ${act.statementSeq}
      where ${act.tenantId} = ${tenantId} and ${act.activityId} = ${filter.activityId}${filter.relatedActivities ? sql`` : sql` and ${act.direct}`}
      and ${and(...window, ...ownConditions(s, filter, { skipActivity: true }))} order by ${act.statementSeq} ${order} limit ${limit}`;
  } else {
    direct = sql`select ${s.seq}, ${s.statement}, ${s.attachmentHashes} from ${s}
      where ${s.tenantId} = ${tenantId} and ${and(...window, ...ownConditions(s, filter, {}))} order by ${s.seq} ${order} limit ${limit}`;
  }
  const rows = await pageRows(db, direct);
  if (!matches(s, filter)) return rows;

  // A statement that refers to another (StatementRef, voiding included) meets the filter if its target does
  // (Communication 2.1.3). Such statements are few: the partial index on target_id finds them.
  const t = alias(xapiStatements, 'target');
  const viaTarget = sql`select ${s.seq}, ${s.statement}, ${s.attachmentHashes} from ${s}
    where ${s.tenantId} = ${tenantId} and ${s.targetId} is not null and ${and(...window)}
    and not (${matches(s, filter)!})
    and exists (select 1 from ${sql.raw('"xapi_statements" as "target"')} where ${t.tenantId} = ${s.tenantId} and ${t.id} = ${s.targetId} and ${matches(t, filter)!})
    order by ${s.seq} ${order} limit ${limit}`;
  const referring = await pageRows(db, viaTarget);
  if (!referring.length) return rows;
  return [...rows, ...referring].sort((x, y) => (filter.ascending ? x.seq - y.seq : y.seq - x.seq)).slice(0, limit);
}

interface StatementPageRow {
  seq: number;
  statement: Record<string, unknown>;
  attachmentHashes: string[];
}

/** Raw rows from either driver: postgres.js returns an array, PGlite an object with rows. */
async function rowsOf(db: Db, query: SQL): Promise<Record<string, unknown>[]> {
  const result = (await db.execute(query)) as unknown as Record<string, unknown>[] | { rows: Record<string, unknown>[] };
  return Array.isArray(result) ? result : result.rows;
}

async function pageRows(db: Db, query: SQL): Promise<StatementPageRow[]> {
  return (await rowsOf(db, query)).map((r) => ({ seq: Number(r.seq), statement: r.statement as Record<string, unknown>, attachmentHashes: (r.attachment_hashes as string[]) ?? [] }));
}

/** The direct-match conditions on the statement row itself (the driving link table handles its own filter). */
function ownConditions(s: typeof xapiStatements, filter: StatementFilter, { skipAgent = false, skipActivity = false }: { skipAgent?: boolean; skipActivity?: boolean }): SQL[] {
  const parts: SQL[] = [];
  if (filter.verbId) parts.push(eq(s.verbId, filter.verbId));
  if (filter.registration) parts.push(eq(s.registration, filter.registration));
  if (filter.agentKey && !skipAgent) parts.push(agentMatch(s, filter));
  if (filter.activityId && !skipActivity) parts.push(activityMatch(s, filter));
  return parts;
}

type StatementsTable = { tenantId: AnyPgColumn; seq: AnyPgColumn; verbId: AnyPgColumn; registration: AnyPgColumn };

function agentMatch(s: StatementsTable, filter: StatementFilter): SQL {
  const a = xapiStatementAgents;
  return sql`exists (select 1 from ${a} where ${a.tenantId} = ${s.tenantId} and ${a.agentKey} = ${filter.agentKey} and ${a.statementSeq} = ${s.seq}${filter.relatedAgents ? sql`` : sql` and ${a.direct}`})`;
}

function activityMatch(s: StatementsTable, filter: StatementFilter): SQL {
  const a = xapiStatementActivities;
  return sql`exists (select 1 from ${a} where ${a.tenantId} = ${s.tenantId} and ${a.activityId} = ${filter.activityId} and ${a.statementSeq} = ${s.seq}${filter.relatedActivities ? sql`` : sql` and ${a.direct}`})`;
}

/** The filters other than time and paging, on one statements table (or alias); null when there are none. */
function matches(s: StatementsTable, filter: StatementFilter): SQL | null {
  const parts: SQL[] = [];
  if (filter.verbId) parts.push(eq(s.verbId, filter.verbId));
  if (filter.registration) parts.push(eq(s.registration, filter.registration));
  if (filter.agentKey) parts.push(agentMatch(s, filter));
  if (filter.activityId) parts.push(activityMatch(s, filter));
  return parts.length ? and(...parts)! : null;
}

export async function maxSeq(db: Db, tenantId: string): Promise<number> {
  const [row] = await db.select({ max: sql<number | null>`max(${xapiStatements.seq})` }).from(xapiStatements).where(eq(xapiStatements.tenantId, tenantId));
  return Number(row?.max ?? 0);
}

export async function saveAttachments(db: Db, tenantId: string, attachments: { sha2: string; contentType: string; content: Buffer }[]) {
  if (!attachments.length) return;
  await db
    .insert(xapiAttachments)
    .values(attachments.map((a) => ({ tenantId, sha2: a.sha2, contentType: a.contentType, length: a.content.length, content: a.content })))
    .onConflictDoNothing();
}

export async function findAttachments(db: Db, { tenantId, hashes }: { tenantId: string; hashes: string[] }) {
  if (!hashes.length) return [];
  return db
    .select({ sha2: xapiAttachments.sha2, contentType: xapiAttachments.contentType, content: xapiAttachments.content })
    .from(xapiAttachments)
    .where(and(eq(xapiAttachments.tenantId, tenantId), inArray(xapiAttachments.sha2, hashes)));
}
