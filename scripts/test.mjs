#!/usr/bin/env node
// `npm test`: runs tap (the whole suite, or the files given) and ends with one plain line,
// `tap: N passed, N failed`, computed from tap's own summary; exits with tap's exit code.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ensureChromium, ensureDependencies } from './ensure-installed.mjs';

ensureDependencies();
ensureChromium();
const require = createRequire(import.meta.url);
const tapBin = join(dirname(require.resolve('tap/package.json')), 'dist', 'esm', 'run.mjs');
const child = spawn(process.execPath, [tapBin, ...process.argv.slice(2)], { stdio: ['ignore', 'pipe', 'inherit'] });

let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4000);
});

child.on('close', (code, signal) => {
  // tap's closing summary looks like: # { total: 120, pass: 118, fail: 2, skip: 1 }
  const summaries = [...tail.matchAll(/#\s*\{\s*total:\s*(\d+)([^}]*)\}/g)];
  const last = summaries.at(-1);
  const field = (name) => Number(new RegExp(`${name}:\\s*(\\d+)`).exec(last?.[2] ?? '')?.[1] ?? 0);
  const passed = last ? field('pass') : 0;
  let failed = last ? field('fail') : 0;
  const exitCode = code ?? 1;
  if (exitCode !== 0 && failed === 0) failed = 1; // a crash or timeout tap did not count as an assertion
  const skipped = last ? field('skip') + field('todo') : 0;
  console.log(`tap: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(signal ? 1 : exitCode);
});
