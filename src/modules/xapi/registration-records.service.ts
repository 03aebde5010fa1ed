// What other modules may write in the LRS for a registration: the state document a cmi5 launch leaves for its AU
// (LMS.LaunchData) and the purge of a registration's statements and documents. Reads may use the queries directly.
import type { Db } from '../../db/client.js';
import { saveDocument, type DocumentScope } from './documents.queries.js';
import { deleteRegistrationRecords } from './purge.queries.js';

export function saveStateDocument(db: Db, scope: DocumentScope, stateId: string, doc: { contentType: string; content: Buffer; etag: string }) {
  return saveDocument(db, scope, stateId, doc);
}

/** Runs in the caller's transaction (see purge.queries.ts for what goes and what stays). */
export function purgeRegistrationRecords(db: Db, scope: { tenantId: string; registrationIds: string[] }) {
  return deleteRegistrationRecords(db, scope);
}
