// Whether `npm start` may skip `tsc`: dist/ is current when the stamp left by the last successful build is newer
// than everything the build reads. Uses only Node built-ins, because it runs before anything is installed.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the build reads besides src/: a changed compiler option or dependency (types) changes the output. */
const BUILD_INPUTS = ['tsconfig.json', 'package-lock.json'];
const STAMP = join('dist', '.build-stamp');
const STARTED = join('dist', '.build-started');

/**
 * Up to date only when a stamp exists and is strictly newer than every input (a tie rebuilds: same-tick edits are
 * possible). `inputMtimesMs` holds every file and directory under src/ and the other inputs.
 */
export function buildIsUpToDate(stampMtimeMs, inputMtimesMs) {
  if (stampMtimeMs === null) return false;
  return inputMtimesMs.every((mtime) => mtime < stampMtimeMs);
}

/**
 * Modification times of every file and directory under src/ plus the other inputs. Directories count because
 * deleting or renaming a file changes only its directory's time, and a file moved in keeps its old time.
 */
export function buildInputMtimes(root) {
  const times = [];
  const walk = (dir) => {
    times.push(statSync(dir).mtimeMs);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else times.push(statSync(path).mtimeMs);
    }
  };
  walk(join(root, 'src'));
  for (const file of BUILD_INPUTS) if (existsSync(join(root, file))) times.push(statSync(join(root, file)).mtimeMs);
  return times;
}

export function needsBuild(root) {
  const stamp = join(root, STAMP);
  return !buildIsUpToDate(existsSync(stamp) ? statSync(stamp).mtimeMs : null, buildInputMtimes(root));
}

/**
 * Runs `compile` and leaves the stamp only if it succeeded (a failed build may have written part of dist/). The
 * stamp is written before compiling and renamed after, so its time is the filesystem's own clock at the start: a
 * file saved while tsc runs is newer, and the next start builds again.
 */
export function buildWithStamp(root, compile) {
  mkdirSync(join(root, 'dist'), { recursive: true });
  rmSync(join(root, STAMP), { force: true });
  writeFileSync(join(root, STARTED), '');
  compile();
  renameSync(join(root, STARTED), join(root, STAMP));
}
