// The audit trail's one way in: append-only rows of who did what. Requests write through the audit plugin (which
// app.ts gives this function); work outside a request (jobs) calls it directly with the requesting actor.
import type { Db } from '../../db/client.js';
import { insertAuditEvents, type NewAuditEvent } from './audit.queries.js';

export type { NewAuditEvent };

export function recordAuditEvents(db: Db, events: NewAuditEvent[]): Promise<void> {
  return insertAuditEvents(db, events);
}
