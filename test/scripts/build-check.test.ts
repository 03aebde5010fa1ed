// `npm start` skips tsc only when dist/ is current: any changed, added, moved or deleted source file (or a changed
// tsconfig.json/package-lock.json) builds again, and a failed build never counts as current.
import { mkdir, mkdtemp, readdir, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { buildIsUpToDate, buildWithStamp, needsBuild } from '../../scripts/build-check.mjs';

t.test('the pure check: a stamp strictly newer than every input', async (t) => {
  t.equal(buildIsUpToDate(null, [1, 2]), false, 'never built');
  t.equal(buildIsUpToDate(10, [1, 2, 9]), true, 'nothing changed since');
  t.equal(buildIsUpToDate(10, [1, 12]), false, 'one input is newer');
  t.equal(buildIsUpToDate(10, [10]), false, 'a tie builds again');
});

/** A small project whose inputs were all last touched an hour ago, then built (the stamp is "now"). */
async function builtProject(t: Test) {
  const root = await mkdtemp(join(tmpdir(), 'sun-scorm-build-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'src', 'lib'), { recursive: true });
  await writeFile(join(root, 'src', 'server.ts'), 'export {};\n');
  await writeFile(join(root, 'src', 'lib', 'ids.ts'), 'export {};\n');
  await writeFile(join(root, 'tsconfig.json'), '{}\n');
  await writeFile(join(root, 'package-lock.json'), '{}\n');
  await ageInputs(root);
  buildWithStamp(root, () => {});
  return root;
}

const anHourAgo = () => new Date(Date.now() - 3_600_000);

async function ageInputs(root: string) {
  const age = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) await age(join(dir, entry.name));
      else await utimes(join(dir, entry.name), anHourAgo(), anHourAgo());
    }
    await utimes(dir, anHourAgo(), anHourAgo());
  };
  await age(join(root, 'src'));
  for (const file of ['tsconfig.json', 'package-lock.json']) await utimes(join(root, file), anHourAgo(), anHourAgo());
}

t.test('a fresh checkout builds; right after a build nothing does', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'sun-scorm-build-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'src'));
  await writeFile(join(root, 'src', 'server.ts'), 'export {};\n');
  t.equal(needsBuild(root), true, 'no dist/ yet');
  t.equal(needsBuild(await builtProject(t)), false);
});

t.test('an edited source file builds again', async (t) => {
  const root = await builtProject(t);
  await writeFile(join(root, 'src', 'lib', 'ids.ts'), 'export const x = 1;\n');
  t.equal(needsBuild(root), true);
});

t.test('an added file builds again, even one that keeps an old time (copied or unpacked)', async (t) => {
  const root = await builtProject(t);
  await writeFile(join(root, 'src', 'lib', 'new.ts'), 'export {};\n');
  await utimes(join(root, 'src', 'lib', 'new.ts'), anHourAgo(), anHourAgo());
  t.equal(needsBuild(root), true);
});

t.test('a deleted file builds again', async (t) => {
  const root = await builtProject(t);
  await unlink(join(root, 'src', 'lib', 'ids.ts'));
  t.equal(needsBuild(root), true);
});

t.test('a changed tsconfig.json or package-lock.json builds again', async (t) => {
  for (const file of ['tsconfig.json', 'package-lock.json']) {
    const root = await builtProject(t);
    await writeFile(join(root, file), '{ "changed": true }\n');
    t.equal(needsBuild(root), true, file);
  }
});

t.test('a failed build is not current, even after an earlier successful one', async (t) => {
  const root = await builtProject(t);
  t.throws(() => buildWithStamp(root, () => {
    throw new Error('tsc: error TS2322');
  }), /TS2322/);
  t.equal(needsBuild(root), true);
});
