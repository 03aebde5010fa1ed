// Courses: upload pages (streamed multipart, import as a job the page polls), the course list and course page, and
// the JSON API (which imports in the request and answers with the result). HTTP only; rules live in the services.
import fastifyMultipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import type { Job } from '../../db/schema/index.js';
import type { ContentStore } from '../../lib/content-store.js';
import { NotFoundError, PayloadTooLargeError, ValidationError } from '../../lib/errors.js';
import { formatBytes } from '../../lib/zip.js';
import { isUuid } from '../../lib/ids.js';
import { documentUpload, IdParams, Nullable, Open, Page, responses } from '../../lib/api-schema.js';
import { ok, pageNumber, redirectAfterPost } from '../../lib/http.js';
import { recordAuditEvents } from '../audit/audit.service.js';
import { findJob } from '../jobs/jobs.queries.js';
import { importPackage, type ImportInput } from './courses.import.js';
import { listCourses } from './courses.queries.js';
import * as courses from './courses.service.js';
import type { ParsedPackage } from './manifest/types.js';
import { planForVersion } from '../cmi5/cmi5-plan.js';
import { describeProgress } from '../cmi5/progress.js';

const PAGE_SIZE = 25;
const STANDARDS = ['scorm12', 'scorm2004', 'cmi5'] as const;
const IMPORT_JOB = 'course_import';

interface ListQuery {
  q?: string;
  status?: string;
  standard?: string;
  page?: string;
}

export default async function coursesRoutes(app: FastifyInstance, { config, store }: { config: Config; store: ContentStore }) {
  await app.register(fastifyMultipart, { limits: { fileSize: config.uploadMaxBytes, files: 1, fields: 5, parts: 6 } });
  const managers = { preHandler: app.requireRole(...courses.COURSE_MANAGERS) };
  const owners = { preHandler: app.requireRole('owner') };
  const deps = { db: app.db, store, limits: config.import, lmsOrigin: config.appOrigin };

  /** Streams the upload's `file` field to a temporary file; nothing is held in memory. */
  async function receiveUpload(request: FastifyRequest): Promise<{ path: string; filename: string | null }> {
    const part = await request.file();
    if (!part || part.fieldname !== 'file' || !part.filename) {
      throw new ValidationError({ file: 'Choose a SCORM package (.zip) to upload.' });
    }
    const path = await store.tempFile('.zip');
    try {
      await pipeline(part.file, createWriteStream(path));
      if (part.file.truncated) throw new PayloadTooLargeError(`The file is larger than the ${formatBytes(config.uploadMaxBytes)} this server accepts for uploads.`);
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    return { path, filename: part.filename.slice(0, 255) };
  }

  async function importNow(request: FastifyRequest, courseId?: string) {
    const upload = await receiveUpload(request);
    try {
      const input: ImportInput = { tenantId: request.tenantId(), userId: request.user!.userId, zipPath: upload.path, filename: upload.filename, courseId };
      const result = await importPackage(deps, input);
      request.audit(courseId ? 'course.version_added' : 'course.imported', { type: 'course', id: result.course.id }, {
        versionId: result.version.id, versionNumber: result.version.versionNumber, filename: upload.filename, warnings: result.warnings.length,
      });
      return result;
    } finally {
      await rm(upload.path, { force: true });
    }
  }

  app.jobs.register(IMPORT_JOB, async (job, progress) => {
    const input = job.input as { path: string; filename: string | null; courseId?: string };
    try {
      const result = await importPackage(deps, { tenantId: job.tenantId, userId: job.createdBy, zipPath: input.path, filename: input.filename, courseId: input.courseId }, progress);
      await recordAuditEvents(app.db, [{
        tenantId: job.tenantId, actorId: job.createdBy, action: input.courseId ? 'course.version_added' : 'course.imported',
        entityType: 'course', entityId: result.course.id,
        metadata: { versionId: result.version.id, versionNumber: result.version.versionNumber, filename: input.filename, warnings: result.warnings.length, jobId: job.id },
      }]).catch((err) => app.log.error({ err }, 'AUDIT WRITE FAILED for a course import'));
      return { courseId: result.course.id, versionId: result.version.id, title: result.course.title, warnings: result.warnings };
    } finally {
      await rm(input.path, { force: true });
    }
  });

  async function enqueueImport(request: FastifyRequest, courseId?: string) {
    const upload = await receiveUpload(request);
    return app.jobs.enqueue({
      tenantId: request.tenantId(),
      kind: IMPORT_JOB,
      input: { path: upload.path, filename: upload.filename, ...(courseId ? { courseId } : {}) },
      createdBy: request.user!.userId,
    });
  }

  // ---- pages ----

  app.get<{ Querystring: ListQuery }>('/courses', managers, async (request, reply) => {
    const page = pageNumber(request.query.page);
    const filter = {
      search: request.query.q?.trim() || undefined,
      status: request.query.status === 'all' ? undefined : courses.courseListStatus(request.user!, request.query.status ?? 'active') ?? ('active' as const),
      standard: STANDARDS.find((s) => s === request.query.standard),
    };
    const { rows, total } = await listCourses(app.db, { tenantId: request.tenantId(), ...filter, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    const template = request.headers['hx-target'] === 'course-table' ? 'courses/_table' : 'courses/list';
    return reply.page(template, {
      title: 'Courses', courses: rows, total, page, pageSize: PAGE_SIZE, seesDeleted: isOwnerOrAdmin(request.user!),
      query: { q: filter.search ?? '', status: filter.status ?? 'all', standard: filter.standard ?? '' },
    });
  });

  app.get('/courses/new', managers, async (_request, reply) => reply.page('courses/new', { title: 'Upload a SCORM package', course: null, fields: {} }));

  app.post('/courses/upload', managers, async (request, reply) => {
    const job = await enqueueImport(request);
    return redirectAfterPost(request, reply, `/courses/jobs/${job.id}`);
  });

  app.get<{ Params: { id: string } }>('/courses/jobs/:id', managers, async (request, reply) => {
    const job = isUuid(request.params.id) ? await findJob(app.db, { tenantId: request.tenantId(), jobId: request.params.id }) : null;
    if (!job || job.kind !== IMPORT_JOB) throw new NotFoundError('No such upload.');
    const template = request.headers['hx-request'] === 'true' && request.headers['hx-target'] === 'job' ? 'courses/_job' : 'courses/job';
    return reply.page(template, { title: 'Importing package', job: describeJob(job) });
  });

  app.get<{ Params: { id: string } }>('/courses/:id', managers, async (request, reply) => {
    // Owners and admins open a deleted course's page too: its learners' reports live on.
    const detail = await courses.getCourseDetail(app.db, request.user!, request.params.id, { withDeleted: true });
    const cmi5 = detail.current ? planForVersion(detail.current) : null;
    if (cmi5) return reply.page('courses/detail', { title: detail.course.title, ...detail, pkg: null, organization: null, cmi5: { plan: cmi5, nodes: describeProgress(cmi5, []).nodes } });
    const pkg = detail.current?.activityTree as ParsedPackage | undefined;
    return reply.page('courses/detail', { title: detail.course.title, ...detail, pkg, organization: pkg ? courses.defaultOrganization(pkg) : null, cmi5: null });
  });

  app.get<{ Params: { id: string }; Querystring: { item?: string } }>('/courses/:id/preview', managers, async (request, reply) => {
    const detail = await courses.getCourseDetail(app.db, request.user!, request.params.id);
    if (detail.current?.standard === 'cmi5') throw new NotFoundError('cmi5 units are launched by the LMS with a learner\'s registration, so they have no preview here.');
    const pkg = detail.current?.activityTree as ParsedPackage | undefined;
    const organization = pkg ? courses.defaultOrganization(pkg) : null;
    const item = organization && (request.query.item ? courses.findItem(organization.items, request.query.item) : courses.firstLaunchable(organization.items));
    if (!detail.current || !item?.launchUrl) throw new NotFoundError('This item has nothing to launch.');
    const src = courses.itemContentUrl(config, request.user!, detail.current, item, { preview: true });
    return reply.page('courses/preview', { title: `Preview: ${item.title}`, course: detail.course, item, src });
  });

  app.post<{ Params: { id: string } }>('/courses/:id/versions', managers, async (request, reply) => {
    const course = await courses.getVisibleCourse(app.db, request.user!, request.params.id);
    const job = await enqueueImport(request, course.id);
    return redirectAfterPost(request, reply, `/courses/jobs/${job.id}`);
  });

  app.get<{ Params: { id: string } }>('/courses/:id/versions/new', managers, async (request, reply) => {
    const course = await courses.getVisibleCourse(app.db, request.user!, request.params.id);
    return reply.page('courses/new', { title: `New version of ${course.title}`, course, fields: {} });
  });

  for (const [action, archived] of [['archive', true], ['restore', false]] as const) {
    app.post<{ Params: { id: string } }>(`/courses/:id/${action}`, managers, async (request, reply) => {
      const course = await courses.setCourseArchived(app.db, request.user!, request.params.id, archived);
      request.audit(archived ? 'course.archived' : 'course.restored', { type: 'course', id: course!.id });
      return redirectAfterPost(request, reply, `/courses/${course!.id}`);
    });
  }

  // Deleting asks first: a page that says what goes and what stays, and takes the course title typed.
  app.get<{ Params: { id: string } }>('/courses/:id/delete', managers, async (request, reply) => {
    const check = await courses.deletionCheck(app.db, request.user!, request.params.id);
    return reply.page('courses/delete', { title: `Delete ${check.course.title}`, ...check, fields: {} });
  });

  app.post<{ Params: { id: string }; Body: { confirm?: string } }>('/courses/:id/delete', managers, async (request, reply) => {
    try {
      const { course, learnerRecords } = await courses.deleteCourse(app.db, store, request.user!, request.params.id, request.body?.confirm);
      request.audit('course.deleted', { type: 'course', id: course.id }, { title: course.title, learnerRecords });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const check = await courses.deletionCheck(app.db, request.user!, request.params.id);
      reply.code(422);
      return reply.page('courses/delete', { title: `Delete ${check.course.title}`, ...check, fields: error.fields, error: error.message });
    }
    return redirectAfterPost(request, reply, '/courses');
  });

  // Purging learner records is its own owner-only action, typed like deleting.
  app.get<{ Params: { id: string } }>('/courses/:id/purge', owners, async (request, reply) => {
    const check = await courses.purgeCheck(app.db, request.user!, request.params.id);
    return reply.page('courses/purge', { title: `Purge learner records: ${check.course.title}`, ...check, fields: {} });
  });

  app.post<{ Params: { id: string }; Body: { confirm?: string } }>('/courses/:id/purge', owners, async (request, reply) => {
    try {
      const purged = await courses.purgeLearnerRecords(app.db, request.user!, request.params.id, request.body?.confirm);
      request.audit('course.learner_records_purged', { type: 'course', id: purged.course.id }, describePurge(purged));
      return redirectAfterPost(request, reply, `/courses/${purged.course.id}/learners`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const check = await courses.purgeCheck(app.db, request.user!, request.params.id);
      reply.code(422);
      return reply.page('courses/purge', { title: `Purge learner records: ${check.course.title}`, ...check, fields: error.fields, error: error.message });
    }
  });

  // ---- JSON API ----
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const Course = Open({ id: Type.String(), title: Type.String(), status: Type.String() });
  const Imported = Open({
    course: Open({ id: Type.String(), title: Type.String() }),
    version: Open({ id: Type.String(), versionNumber: Type.Integer(), standard: Type.String() }),
    warnings: Type.Array(Open({ code: Type.String(), message: Type.String() })),
  });
  const upload = documentUpload('file', 'The package: a zip (SCORM 1.2, SCORM 2004 or cmi5), or a bare imsmanifest.xml or cmi5.xml.');
  // An empty body is allowed: only a course someone has taken needs the typed confirmation.
  const Confirm = Type.Union([Type.Object({ confirm: Type.Optional(Type.String({ maxLength: 1000, description: 'The course title, typed.' })) }), Type.Null()]);

  api.post('/api/courses', {
    ...managers,
    schema: { summary: 'Import a package as a new course (multipart/form-data, one "file" field)', response: responses({ 201: Imported }) },
    config: { swaggerTransform: upload },
  }, async (request, reply) => {
    const result = await importNow(request);
    return ok(reply, describeImport(result), 201);
  });

  api.post('/api/courses/:id/versions', {
    ...managers,
    schema: { summary: 'Import a package as the course\'s new version', params: IdParams, response: responses({ 201: Imported }) },
    config: { swaggerTransform: upload },
  }, async (request, reply) => {
    const course = await courses.getVisibleCourse(app.db, request.user!, request.params.id);
    const result = await importNow(request, course.id);
    return ok(reply, describeImport(result), 201);
  });

  api.get('/api/courses', {
    ...managers,
    schema: {
      querystring: Type.Object({
        q: Type.Optional(Type.String({ maxLength: 200 })),
        status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('archived'), Type.Literal('deleted')])),
        standard: Type.Optional(Type.Union([Type.Literal('scorm12'), Type.Literal('scorm2004'), Type.Literal('cmi5')])),
        page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
      }),
      summary: 'List courses',
      response: responses({ 200: Page(Open({ id: Type.String(), title: Type.String(), status: Type.String(), standard: Type.Optional(Nullable(Type.String())) })) }),
    },
  }, async (request, reply) => {
    const page = request.query.page ?? 1;
    const status = courses.courseListStatus(request.user!, request.query.status);
    const { rows, total } = await listCourses(app.db, { tenantId: request.tenantId(), search: request.query.q, status, standard: request.query.standard, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    return ok(reply, { items: rows, total, page, pageSize: PAGE_SIZE });
  });

  api.get('/api/courses/:id', {
    ...managers,
    schema: {
      summary: 'A course with its versions',
      params: IdParams,
      response: responses({ 200: Open({ course: Course, versions: Type.Array(Open({ id: Type.String(), versionNumber: Type.Integer() })), currentVersion: Nullable(Open({ id: Type.String() })) }) }),
    },
  }, async (request, reply) => {
    const { course, versions, current } = await courses.getCourseDetail(app.db, request.user!, request.params.id, { withDeleted: true });
    return ok(reply, { course, versions, currentVersion: current });
  });

  // The body confirms: { "confirm": "<the course title>" }.
  api.delete('/api/courses/:id', {
    ...managers,
    schema: {
      summary: 'Delete a course (learner records stay reportable)',
      params: IdParams,
      body: Confirm,
      response: responses({ 200: Open({ id: Type.String(), status: Type.Literal('deleted'), learnerRecords: Type.Integer() }) }),
    },
  }, async (request, reply) => {
    const { course, learnerRecords } = await courses.deleteCourse(app.db, store, request.user!, request.params.id, confirmOf(request.body));
    request.audit('course.deleted', { type: 'course', id: course.id }, { title: course.title, learnerRecords });
    return ok(reply, { id: course.id, status: 'deleted', learnerRecords });
  });

  api.delete('/api/courses/:id/registrations', {
    ...owners,
    schema: {
      summary: 'Purge every learner record of a course (owners only)',
      params: IdParams,
      body: Confirm,
      response: responses({ 200: Open({ id: Type.String(), registrations: Type.Number(), statements: Type.Number(), documents: Type.Number() }) }),
    },
  }, async (request, reply) => {
    const purged = await courses.purgeLearnerRecords(app.db, request.user!, request.params.id, confirmOf(request.body));
    request.audit('course.learner_records_purged', { type: 'course', id: purged.course.id }, describePurge(purged));
    return ok(reply, { id: purged.course.id, registrations: purged.registrations, statements: purged.statements, documents: purged.documents });
  });

  api.post('/api/courses/:id/archive', {
    ...managers,
    schema: { summary: 'Archive a course: it leaves learners\' lists, its records stay', params: IdParams, response: responses({ 200: Course }) },
  }, async (request, reply) => {
    const course = await courses.setCourseArchived(app.db, request.user!, request.params.id, true);
    request.audit('course.archived', { type: 'course', id: course!.id });
    return ok(reply, course);
  });
}

const isOwnerOrAdmin = (user: { role: string }) => user.role === 'owner' || user.role === 'admin';

/** The typed confirmation from a JSON body (or none). */
function confirmOf(body: unknown): unknown {
  return body && typeof body === 'object' ? (body as { confirm?: unknown }).confirm : undefined;
}

function describePurge({ course, registrations, statements, documents }: Awaited<ReturnType<typeof courses.purgeLearnerRecords>>) {
  return { title: course.title, status: course.status, registrations, statements, documents };
}

function describeImport({ course, version, warnings }: Awaited<ReturnType<typeof importPackage>>) {
  return {
    course: { id: course.id, title: course.title },
    version: {
      id: version.id,
      versionNumber: version.versionNumber,
      standard: version.standard,
      edition: version.edition,
      itemCount: version.itemCount,
      scoCount: version.scoCount,
      assetCount: version.assetCount,
      fileCount: version.fileCount,
    },
    warnings,
  };
}

function describeJob(job: Job) {
  return {
    id: job.id,
    status: job.status,
    progress: job.progress,
    message: job.message,
    result: job.result as { courseId: string; title: string; warnings: { code: string; message: string }[] } | null,
    error: job.error,
    filename: (job.input as { filename?: string }).filename ?? null,
  };
}
