// The LRS side of an owner's purge of a course's learner records (courses.service purgeLearnerRecords): the
// statements recorded for those registrations (the LMS's SCORM and cmi5 statements, and what cmi5 AUs sent in
// their sessions, all carry the registration) with their link rows, and the registrations' state documents
// (LMS.LaunchData, an AU's bookmarks). A purge that left them would keep every result it was meant to remove.
// Activity definitions and agent/activity profiles belong to no registration and stay. Runs in the caller's
// transaction; the registration ids travel as one JSON array, whatever their number.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { xapiDocuments, xapiStatementActivities, xapiStatementAgents, xapiStatements } from '../../db/schema/index.js';

export async function deleteRegistrationRecords(db: Db, { tenantId, registrationIds }: { tenantId: string; registrationIds: string[] }) {
  if (registrationIds.length === 0) return { statements: 0, documents: 0 };
  const ids = JSON.stringify(registrationIds);
  const purged = sql`(select value::uuid from jsonb_array_elements_text(${ids}::jsonb))`;
  // The link rows carry no foreign key (an index of xapi_statements, see the schema): they go first, found by seq.
  const seqs = sql`(select ${xapiStatements.seq} from ${xapiStatements} where ${xapiStatements.tenantId} = ${tenantId} and ${xapiStatements.registration} in ${purged})`;
  await db.delete(xapiStatementAgents).where(and(eq(xapiStatementAgents.tenantId, tenantId), sql`${xapiStatementAgents.statementSeq} in ${seqs}`));
  await db.delete(xapiStatementActivities).where(and(eq(xapiStatementActivities.tenantId, tenantId), sql`${xapiStatementActivities.statementSeq} in ${seqs}`));
  const statements = await db
    .delete(xapiStatements)
    .where(and(eq(xapiStatements.tenantId, tenantId), sql`${xapiStatements.registration} in ${purged}`))
    .returning({ seq: xapiStatements.seq });
  const documents = await db
    .delete(xapiDocuments)
    .where(and(eq(xapiDocuments.tenantId, tenantId), eq(xapiDocuments.kind, 'state'), sql`${xapiDocuments.registration} in (select value from jsonb_array_elements_text(${ids}::jsonb))`))
    .returning({ id: xapiDocuments.id });
  return { statements: statements.length, documents: documents.length };
}
