// The migration that keeps learner records when a course is deleted (course status 'deleted', ON DELETE NO ACTION
// from courses and versions to learner records) must apply to a database that already holds courses and results.
// The database is brought to the migration before it, filled, then migrated to the end.
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import t from 'tap';
import { openDatabase, type Database } from '../../../src/db/client.js';
import { runMigrations } from '../../../src/db/migrate.js';
import { MIGRATIONS_DIR } from '../../../src/paths.js';
import { throwawayPostgresDatabase, usingPostgres } from '../../helpers/database.js';

const MIGRATION = '0011_course_deleted_status';

/** A copy of drizzle/ whose journal stops just before MIGRATION. */
function migrationsBefore(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sun-scorm-migrations-'));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((e) => e.tag === tag);
  if (at < 1) throw new Error(`no migration ${tag}`);
  journal.entries = journal.entries.slice(0, at);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

/** A brand-new database with nothing applied: its own in-memory PGlite, or a throwaway Postgres database. */
async function freshDatabase(): Promise<Database> {
  if (!usingPostgres) return openDatabase({ databaseUrl: null, dataDir: '', inMemory: true });
  return throwawayPostgresDatabase('sunscorm_migration');
}

t.test(`${MIGRATION} applies to a database with courses and learner records, and keeps them`, async (t) => {
  const database = await freshDatabase();
  const older = migrationsBefore(MIGRATION);
  t.teardown(async () => {
    await database.close();
    rmSync(older, { recursive: true, force: true });
  });
  const rows = async (query: SQL) => {
    const result = (await database.db.execute(query)) as unknown as Record<string, unknown>[] | { rows: Record<string, unknown>[] };
    return Array.isArray(result) ? result : result.rows;
  };

  await runMigrations(database, older);
  const [tenant, user, course, version, registration, attempt] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  await database.db.execute(sql`insert into tenants (id, name, slug) values (${tenant}, 'Existing', ${`existing-${tenant.slice(0, 8)}`})`);
  await database.db.execute(sql`insert into users (id, tenant_id, email, display_name, password_hash, role) values (${user}, ${tenant}, 'ana@example.test', 'Ana', 'x', 'learner')`);
  await database.db.execute(sql`insert into courses (id, tenant_id, title, status, current_version_id) values (${course}, ${tenant}, 'Fire safety', 'archived', ${version})`);
  await database.db.execute(sql`
    insert into course_versions (id, tenant_id, course_id, version_number, standard, title, activity_tree, item_count, sco_count, asset_count, file_count, total_bytes, storage_key)
    values (${version}, ${tenant}, ${course}, 1, 'scorm12', 'Fire safety', '{}'::jsonb, 1, 1, 0, 1, 10, ${`${tenant}/${version}`})`);
  await database.db.execute(sql`
    insert into registrations (id, tenant_id, user_id, course_id, course_version_id, completion_status, success_status)
    values (${registration}, ${tenant}, ${user}, ${course}, ${version}, 'completed', 'passed')`);
  await database.db.execute(sql`insert into sco_attempts (id, tenant_id, registration_id, item_identifier) values (${attempt}, ${tenant}, ${registration}, 'i1')`);
  await database.db.execute(sql`
    insert into sco_interactions (tenant_id, course_id, registration_id, attempt_id, position, interaction_id) values (${tenant}, ${course}, ${registration}, ${attempt}, 0, 'q1')`);
  await database.db.execute(sql`
    insert into sco_objectives (tenant_id, course_id, registration_id, attempt_id, position, objective_id) values (${tenant}, ${course}, ${registration}, ${attempt}, 0, 'o1')`);

  await runMigrations(database);

  t.match(await rows(sql`select status::text as status, deleted_at, deleted_by from courses where id = ${course}`), [{ status: 'archived', deleted_at: null, deleted_by: null }], 'the course is as it was');
  t.match(await rows(sql`select success_status from registrations where id = ${registration}`), [{ success_status: 'passed' }], 'the registration is kept');
  const rules = await rows(sql`
    select conname, confdeltype from pg_constraint
    where conname in ('registrations_course_id_courses_id_fk', 'registrations_course_version_id_course_versions_id_fk',
                      'sco_interactions_course_id_courses_id_fk', 'sco_objectives_course_id_courses_id_fk')
    order by conname`);
  t.equal(rules.length, 4);
  t.ok(rules.every((r) => r.confdeltype === 'a'), 'every key from a course or version to learner records is ON DELETE NO ACTION');

  const refused = await database.db.execute(sql`delete from courses where id = ${course}`).then(() => null, (error: Error & { cause?: Error }) => error.cause?.message ?? error.message);
  t.match(refused, /foreign key/, 'the database refuses to drop the records with the course');
  await database.db.execute(sql`update courses set status = 'deleted', deleted_at = now(), deleted_by = ${user} where id = ${course}`);
  t.match(await rows(sql`select count(*)::int as n from sco_interactions where registration_id = ${registration}`), [{ n: 1 }], 'a deleted course keeps its records');
});
