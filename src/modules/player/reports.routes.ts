// Results for owners and admins: a course's learners (filters, pagination, CSV), one registration in full (every
// SCO attempt with its status, interactions, objectives and the raw CMI), and the course's question analysis.
// Deleted courses stay reportable here: their learners' records are kept as evidence.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { IdParams, Open, Page, responses } from '../../lib/api-schema.js';
import { ok, pageNumber } from '../../lib/http.js';
import { getReportableCourse } from '../courses/courses.service.js';
import {
  listAttempts,
  listCourseRegistrations,
  listRegistrationInteractions,
  listRegistrationObjectives,
  summarizeCourseInteractions,
  type CourseRegistrationFilter,
} from './player.queries.js';
import { getRegistration } from './player.service.js';

const PAGE_SIZE = 50;
const STATUSES = ['not attempted', 'incomplete', 'completed', 'passed', 'failed'] as const;
type Status = (typeof STATUSES)[number];
const asStatus = (value: unknown): Status | undefined => (STATUSES as readonly unknown[]).includes(value) ? (value as Status) : undefined;

export default async function reportsRoutes(app: FastifyInstance) {
  const admins = { preHandler: app.requireRole('owner', 'admin') };

  app.get<{ Params: { id: string }; Querystring: { q?: string; status?: string; page?: string; format?: string } }>(
    '/courses/:id/learners',
    admins,
    async (request, reply) => {
      const course = await getReportableCourse(app.db, request.user!, request.params.id);
      const filter = { tenantId: course.tenantId, courseId: course.id, search: request.query.q?.trim() || undefined, status: asStatus(request.query.status) };
      if (request.query.format === 'csv') {
        request.audit('report.exported', { type: 'course', id: course.id }, { format: 'csv' });
        reply.header('Content-Disposition', `attachment; filename="learners-${course.id}.csv"`);
        return reply.type('text/csv; charset=utf-8').send(Readable.from(csvRows(app, filter)));
      }
      const page = pageNumber(request.query.page);
      const { rows, total } = await listCourseRegistrations(app.db, { ...filter, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
      const template = request.headers['hx-target'] === 'learner-table' ? 'reports/_learners-table' : 'reports/learners';
      return reply.page(template, {
        title: `Learners: ${course.title}`, course, rows, total, page, pageSize: PAGE_SIZE,
        query: { q: filter.search ?? '', status: filter.status ?? '' }, statuses: STATUSES,
      });
    },
  );

  app.get<{ Params: { id: string } }>('/registrations/:id', admins, async (request, reply) => {
    const { registration, courseTitle, courseStatus, version } = await getRegistration(app.db, request.user!, request.params.id);
    if (version.standard === 'cmi5') return reply.redirect(`/cmi5/registrations/${registration.id}`);
    const scope = { tenantId: registration.tenantId, registrationId: registration.id };
    const [attempts, interactions, objectives] = await Promise.all([listAttempts(app.db, scope), listRegistrationInteractions(app.db, scope), listRegistrationObjectives(app.db, scope)]);
    return reply.page('reports/registration', { title: `Registration: ${courseTitle}`, registration, courseTitle, courseDeleted: courseStatus === 'deleted', attempts, interactions, objectives });
  });

  // Question analysis: every interaction id the course's content reported, across learners.
  app.get<{ Params: { id: string } }>('/courses/:id/questions', admins, async (request, reply) => {
    const course = await getReportableCourse(app.db, request.user!, request.params.id);
    const rows = await summarizeCourseInteractions(app.db, { tenantId: course.tenantId, courseId: course.id });
    return reply.page('reports/questions', { title: `Questions: ${course.title}`, course, rows });
  });

  app.withTypeProvider<TypeBoxTypeProvider>().get('/api/courses/:id/questions', {
    ...admins,
    schema: {
      summary: 'Question analysis: every interaction the course reported, across learners',
      params: IdParams,
      response: responses({ 200: Open({ items: Type.Array(Open({})) }) }),
    },
  }, async (request, reply) => {
    const course = await getReportableCourse(app.db, request.user!, request.params.id);
    return ok(reply, { items: await summarizeCourseInteractions(app.db, { tenantId: course.tenantId, courseId: course.id }) });
  });

  app.withTypeProvider<TypeBoxTypeProvider>().get('/api/courses/:id/registrations', {
    ...admins,
    schema: {
      summary: 'A course\'s learners and their results',
      params: IdParams,
      querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), status: Type.Optional(Type.String({ maxLength: 20 })), page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })) }),
      response: responses({ 200: Page(Open({})) }),
    },
  }, async (request, reply) => {
    const course = await getReportableCourse(app.db, request.user!, request.params.id);
    const page = request.query.page ?? 1;
    const { rows, total } = await listCourseRegistrations(app.db, {
      tenantId: course.tenantId, courseId: course.id, search: request.query.q, status: asStatus(request.query.status), limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE,
    });
    return ok(reply, { items: rows, total, page, pageSize: PAGE_SIZE });
  });
}

/** The CSV, a page of rows at a time, so a course with a hundred thousand learners streams in constant memory. */
async function* csvRows(app: FastifyInstance, filter: Omit<CourseRegistrationFilter, 'limit' | 'offset'>) {
  yield csvLine(['learner', 'email', 'completion', 'success', 'score_scaled', 'score_raw', 'total_time_seconds', 'first_access', 'last_access', 'completed_at']);
  for (let offset = 0; ; offset += 1000) {
    const { rows } = await listCourseRegistrations(app.db, { ...filter, limit: 1000, offset });
    for (const r of rows) {
      yield csvLine([
        r.learnerName, r.learnerEmail, r.completionStatus, r.successStatus, r.scoreScaled, r.scoreRaw, Math.round(r.totalTimeSeconds),
        r.firstAccessedAt?.toISOString(), r.lastAccessedAt?.toISOString(), r.completedAt?.toISOString(),
      ]);
    }
    if (rows.length < 1000) return;
  }
}

function csvLine(values: unknown[]): string {
  return values
    .map((value) => {
      const text = value === null || value === undefined ? '' : String(value);
      // Quote what needs it, and defuse spreadsheet formulas (=, +, -, @ at the start) from learner-typed names.
      const safe = typeof value === 'string' && /^[=+\-@]/.test(text) ? `'${text}` : text;
      return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
    })
    .join(',') + '\r\n';
}
