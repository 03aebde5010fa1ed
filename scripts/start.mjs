#!/usr/bin/env node
// `npm start`: install what is missing, compile when a source changed, and run the server (embedded database and
// demo data by default). Skipping an unneeded tsc run makes a restart take seconds instead of half a minute.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildWithStamp, needsBuild } from './build-check.mjs';
import { ensureDependencies } from './ensure-installed.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
ensureDependencies();
if (needsBuild(root)) {
  buildWithStamp(root, () =>
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' }),
  );
}
await import(pathToFileURL(join(root, 'dist', 'server.js')).href);
