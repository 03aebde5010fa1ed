// The layering the README's "How the code is laid out" describes, checked on the source tree itself so that a new
// import across a line fails here instead of in review. Imports are read from the text (static, `export ... from`
// and dynamic `import('...')`); type-only imports count too, since they tie the same files together.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

interface Import {
  /** The importing file, relative to src/ ("plugins/auth.ts"). */
  file: string;
  /** The imported file, relative to src/ with a .ts ending ("modules/accounts/accounts.queries.ts"), or the package. */
  target: string;
  /** Named bindings (`import { a, b as c }` gives a and b); '*' for a namespace import. */
  names: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(path: string): Import[] {
  const text = readFileSync(path, 'utf8');
  const file = relative(SRC, path);
  const found: Import[] = [];
  const add = (specifier: string, clause: string) => {
    const target = specifier.startsWith('.') ? relative(SRC, resolve(dirname(path), specifier)).replace(/\.js$/, '.ts') : specifier;
    const braces = /\{([^}]*)\}/.exec(clause);
    const names = braces
      ? braces[1]!.split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!).filter(Boolean)
      : clause.includes('*') ? ['*'] : [];
    found.push({ file, target, names });
  };
  for (const m of text.matchAll(/^\s*(?:import|export)\s+([^;]*?)\s+from\s+'([^']+)'/gms)) add(m[2]!, m[1]!);
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) add(m[1]!, '');
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) add(m[1]!, '*');
  return found;
}

const imports = sourceFiles(SRC).flatMap(importsOf);
const moduleOf = (path: string) => /^modules\/([^/]+)\//.exec(path)?.[1] ?? null;
const show = (list: Import[]) => list.map((i) => `${i.file} -> ${i.target}`);

t.test('the source tree was read (a broken reader would make every rule below pass)', async (t) => {
  t.ok(imports.length > 200, `${imports.length} imports read`);
  t.ok(imports.some((i) => i.file === 'app.ts' && i.target === 'plugins/auth.ts'), 'app.ts registers the auth plugin');
  t.ok(imports.some((i) => i.file.endsWith('.routes.ts') && i.target === 'fastify'), 'routes import fastify (packages are read too)');
});

t.test('plugins get what they need from modules through app.ts, never by importing module files', async (t) => {
  t.same(show(imports.filter((i) => i.file.startsWith('plugins/') && i.target.startsWith('modules/'))), []);
});

t.test('the database layer (schema, client, migrations) and lib import no module', async (t) => {
  t.same(show(imports.filter((i) => /^(db|lib)\//.test(i.file) && i.target.startsWith('modules/'))), []);
});

t.test('inside a module only the routes speak HTTP: services, queries and helpers import no Fastify', async (t) => {
  const http = imports.filter((i) => moduleOf(i.file) && !i.file.endsWith('.routes.ts') && /^(fastify|@fastify\/|fastify-plugin)/.test(i.target));
  t.same(show(http), []);
});

t.test("no module imports another module's routes", async (t) => {
  const upward = imports.filter((i) => {
    const from = moduleOf(i.file);
    const to = moduleOf(i.target);
    return from && to && from !== to && i.target.endsWith('.routes.ts');
  });
  t.same(show(upward), []);
});

// Reads may use another module's queries; writes go through that module's service, where its rules live.
const WRITE = /^(insert|update|delete|save|touch|purge|upsert|set|mark|finish|claim|fail|record|create|remove|void|revoke)/;

t.test("a module writes another module's rows only through that module's service", async (t) => {
  const writes = imports.filter((i) => {
    const from = moduleOf(i.file);
    const to = moduleOf(i.target);
    if (!from || !to || from === to || !i.target.endsWith('.queries.ts')) return false;
    // A namespace import could call anything: import the read functions by name instead.
    return i.names.some((n) => n === '*' || WRITE.test(n));
  });
  t.same(
    writes.map((i) => `${i.file} -> ${i.target} { ${i.names.filter((n) => n === '*' || WRITE.test(n)).join(', ')} }`),
    [],
  );
});

// courses/ owns every package format and cmi5/ holds the cmi5 runtime, which may import downward into courses/ but
// not the other way round. Today they still import each other: these are the imports that stand in the way, listed
// so that no new one slips in. The course-format work (issue 11, "Course formats behind one contract": cmi5's package
// reading moves under courses/, and courses asks the format instead of importing cmi5) removes them; remove each line
// here when its import goes (a line whose import is gone fails this test, so the list only shrinks).
const COURSES_CMI5_EXCEPTIONS = [
  'modules/courses/courses.import.ts -> modules/cmi5/cmi5.import.ts',
  'modules/courses/courses.routes.ts -> modules/cmi5/cmi5-plan.ts',
  'modules/courses/courses.routes.ts -> modules/cmi5/progress.ts',
];

t.test('courses and cmi5 do not import each other (cmi5 may import courses, courses never imports cmi5)', async (t) => {
  const coursesToCmi5 = show(imports.filter((i) => moduleOf(i.file) === 'courses' && moduleOf(i.target) === 'cmi5'));
  t.same(coursesToCmi5.filter((edge) => !COURSES_CMI5_EXCEPTIONS.includes(edge)), [], 'no new import of cmi5 from courses');
  t.same(COURSES_CMI5_EXCEPTIONS.filter((edge) => !coursesToCmi5.includes(edge)), [], 'every listed exception still exists (remove the ones that are gone)');
});
