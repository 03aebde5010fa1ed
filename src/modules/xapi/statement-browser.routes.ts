// The organisation's statements for owners and admins, newest first: every source in one list (SCORM activity,
// cmi5 AUs and the LMS, outside xAPI clients), filtered by learner, verb, activity or registration. Paging is a
// key range on the storage order, so it stays fast on millions of statements.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import { isUuid } from '../../lib/ids.js';
import { findUserIdByEmail } from '../accounts/accounts.queries.js';
import { agentKey } from './agents.js';
import * as q from './statements.queries.js';

const PAGE_SIZE = 50;
type Json = Record<string, unknown>;

interface BrowserQuery {
  learner?: string;
  verb?: string;
  activity?: string;
  registration?: string;
  before?: string;
}

export default async function statementBrowserRoutes(app: FastifyInstance, { config }: { config: Config }) {
  app.get<{ Querystring: BrowserQuery }>('/admin/lrs/statements', { preHandler: app.requireRole('owner', 'admin') }, async (request, reply) => {
    const tenantId = request.tenantId();
    const query = request.query;
    const trim = (value: string | undefined, max = 500) => (value ?? '').trim().slice(0, max);
    const form = { learner: trim(query.learner, 254), verb: trim(query.verb), activity: trim(query.activity), registration: trim(query.registration, 36) };
    const filter: q.StatementFilter = {};
    const problems: string[] = [];
    if (form.learner) filter.agentKey = await learnerKey(form.learner);
    if (form.verb) filter.verbId = form.verb.includes(':') ? form.verb : `http://adlnet.gov/expapi/verbs/${form.verb}`;
    if (form.activity) filter.activityId = form.activity;
    if (form.registration) {
      if (isUuid(form.registration)) filter.registration = form.registration.toLowerCase();
      else problems.push('A registration is a UUID.');
    }
    const before = /^\d{1,18}$/.test(query.before ?? '') ? Number(query.before) : undefined;
    const rows = problems.length ? [] : await q.queryStatements(app.db, tenantId, filter, { limit: PAGE_SIZE + 1, after: before });
    const shown = rows.slice(0, PAGE_SIZE);
    // Statements often name their object only by id (cmi5 AUs do): the name another statement gave it is shown.
    const unnamed = shown.map((r) => r.statement.object as Json).filter((o) => o.objectType !== 'StatementRef' && o.objectType !== 'SubStatement' && !text((o.definition as Json | undefined)?.name));
    const names = await q.findActivityNames(app.db, { tenantId, ids: [...new Set(unnamed.map((o) => String(o.id)))] });
    const next = rows.length > PAGE_SIZE ? new URLSearchParams({ ...definedOnly(form), before: String(shown.at(-1)!.seq) }).toString() : null;
    return reply.page('lrs/statements', { title: 'Statements', form, problems, statements: shown.map((r) => describe(r.statement, names)), next, first: before !== undefined });

    /** A learner by email: one of ours (the account our statements use), or anyone else's mailbox. */
    async function learnerKey(email: string): Promise<string> {
      const userId = await findUserIdByEmail(app.db, { tenantId, email });
      return agentKey(userId ? { account: { homePage: config.appOrigin, name: userId } } : { mbox: `mailto:${email}` })!;
    }
  });
}

const definedOnly = (form: Record<string, string>) => Object.fromEntries(Object.entries(form).filter(([, v]) => v));

const text = (map: unknown): string | null => {
  if (!map || typeof map !== 'object') return null;
  const m = map as Record<string, string>;
  return m['en-US'] ?? m.en ?? m.und ?? Object.values(m)[0] ?? null;
};

/** What a person reads in the list: who did what to what, with the result and when. */
function describe(statement: Json, names: Map<string, Record<string, string>>) {
  const actor = statement.actor as Json;
  const account = actor.account as Json | undefined;
  const verb = statement.verb as Json;
  const object = statement.object as Json;
  const result = statement.result as Json | undefined;
  const score = result?.score as Json | undefined;
  const context = statement.context as Json | undefined;
  return {
    id: statement.id as string,
    timestamp: String(statement.timestamp).slice(0, 19).replace('T', ' '),
    actor: (actor.name as string | undefined) ?? (actor.mbox as string | undefined)?.replace(/^mailto:/, '') ?? (account ? `${account.name as string}` : 'group'),
    verb: text(verb.display) ?? String(verb.id).split('/').pop(),
    verbId: verb.id as string,
    object: object.objectType === 'StatementRef' ? `statement ${String(object.id).slice(0, 8)}…` : object.objectType === 'SubStatement' ? 'a sub-statement' : text((object.definition as Json | undefined)?.name) ?? text(names.get(object.id as string)) ?? (object.id as string),
    objectId: object.id as string,
    result: [
      result?.success === true ? 'success' : result?.success === false ? 'failure' : null,
      result?.completion === true ? 'complete' : null,
      typeof score?.scaled === 'number' ? `${Math.round((score.scaled as number) * 100)}%` : null,
      typeof result?.duration === 'string' ? result.duration : null,
    ].filter(Boolean).join(' · '),
    registration: (context?.registration as string | undefined) ?? null,
  };
}
