// `npm run bench` (second part), or alone: `npx tsx bench/import.ts`. Import of a large SCORM package, timed
// against Info-ZIP's `unzip` on the same file in the same run, with the memory the import adds to the process.
// The issue's goals: importPackage() takes at most 1.5x as long as `unzip -q -o pkg.zip -d dir`, and adds less than
// 256 MB to the process's peak RSS.
//
// A realistic package is generated first (not timed): a SCORM 1.2 manifest with ~200 SCOs that list their files, a
// few thousand varied HTML/JS/CSS/JSON files and a few hundred incompressible media files (~300 MB in all), zipped
// with archiver. Then, alternating and rotating their order so that none always runs first or last:
//   unzip          the baseline: what "just unpacking this zip" costs on this disk and CPU right now;
//   extractZip     our safe extraction alone (src/lib/zip.ts), to tell extraction from the rest of the import;
//   importPackage  the whole import (src/modules/courses/courses.import.ts): extraction, manifest parsing, the
//                  course and version rows in a real database (in-memory PGlite, or Postgres with DATABASE_URL),
//                  publishing the files.
// The machines have 2 cores and are shared, so absolute milliseconds drift from run to run; the ratios to unzip,
// measured seconds apart in this process, are what to compare across commits.
//
// Memory: in-memory PGlite lives in this process and takes hundreds of MB by itself (more while it initdb's), so the
// process's maximum RSS says little about the import. What counts is the peak during the import minus the RSS just
// before it: sampled every 20 ms from a worker thread (a synchronous stretch on the main thread cannot hide a peak
// from it), and checked against the kernel's exact high-water mark (VmHWM, reset before each run) where Linux allows.
// With DATABASE_URL set, one more import runs in a fresh child process without PGlite, whose maxRSS is then the
// import's absolute footprint.
//
// Env: BENCH_IMPORT_MB (default 300), BENCH_IMPORT_FILES (default 4000), BENCH_IMPORT_ROUNDS (default 3),
// DATABASE_URL (Postgres instead of in-memory PGlite).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { ZipArchive } from 'archiver';
import { eq } from 'drizzle-orm';
import { loadConfig } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { courses, tenants } from '../src/db/schema/index.js';
import { LocalContentStore } from '../src/lib/content-store.js';
import { extractZip } from '../src/lib/zip.js';
import { importPackage, type ImportDeps } from '../src/modules/courses/courses.import.js';
import { insertTenant } from '../src/modules/operator/operator.queries.js';
import { positiveInt } from './env.js';

const MB = 1024 * 1024;
const GOAL_RATIO = 1.5;
const GOAL_MEMORY_MB = 256;
const SAMPLE_MS = 20;
const UNZIP = '/usr/bin/unzip';
/** Set in the child process that measures one import against Postgres on its own (see the header). */
const CHILD_ENV = 'BENCH_IMPORT_CHILD';


const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

// ---------------------------------------------------------------------------------------------------------------
// The package
// ---------------------------------------------------------------------------------------------------------------

/** Seeded, so every run builds the same text and sizes (the media bytes are random, hence incompressible, anyway). */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = 'html' | 'js' | 'css' | 'json' | 'mp4' | 'jpg';

interface PlannedFile {
  path: string;
  kind: Kind;
  bytes: number;
  /** The resource that lists it: a lesson number, or 0 for the shared asset resource. */
  lesson: number;
}

interface Package {
  dir: string;
  zipPath: string;
  files: PlannedFile[];
  lessons: number;
  zipBytes: number;
  uncompressedBytes: number;
}

/** Text that compresses like real course text: real words plus made-up ones, so deflate finds some, not all, repeats. */
class TextMaker {
  private readonly words: string[];
  constructor(readonly random: () => number) {
    const common = (
      'the learner course module lesson quiz score answer question complete progress review section page next back ' +
      'safety policy customer data privacy training employee manager process report incident risk compliance audit ' +
      'click select drag drop video audio transcript summary objective assessment feedback correct incorrect try again ' +
      'and or with for from about before after during each every this that these those your our their will can must ' +
      'should may not is are was were be been have has had do does did use using used make made find found show shown'
    ).split(' ');
    const syllables = ['ka', 'lo', 'mi', 'ter', 'sion', 'pro', 'ment', 'al', 're', 'con', 'ti', 'ver', 'na', 'dis', 'ex', 'ple', 'um', 'or', 'ic', 'ly'];
    const made: string[] = [];
    for (let i = 0; i < 3000; i++) {
      let word = '';
      const length = 2 + Math.floor(random() * 3);
      for (let s = 0; s < length; s++) word += syllables[Math.floor(random() * syllables.length)];
      made.push(word);
    }
    this.words = [...common, ...common, ...made];
  }
  int(max: number) {
    return Math.floor(this.random() * max);
  }
  word() {
    return this.words[this.int(this.words.length)]!;
  }
  id() {
    return `${this.word()}-${this.word()}-${this.int(1000)}`;
  }
  sentence(min = 6, max = 18) {
    const n = min + this.int(max - min + 1);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(this.word());
    const text = parts.join(' ');
    return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
  }
  hex() {
    return this.int(0xffffff).toString(16).padStart(6, '0');
  }

  /** Content of about `bytes` bytes (at least, never cut mid-construct). */
  make(kind: Kind, bytes: number, title: string): string {
    const out: string[] = [];
    let length = 0;
    const push = (s: string) => {
      out.push(s);
      length += s.length;
    };
    switch (kind) {
      case 'html':
        push(`<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${title}</title>\n`);
        push(`<link rel="stylesheet" href="../../shared/css/theme-1.css">\n<script src="../../shared/js/player-1.js"></script>\n</head>\n<body>\n<main id="${this.id()}">\n`);
        while (length < bytes) {
          const block = this.int(4);
          if (block === 0) push(`<h2 class="heading-${this.int(6)}">${this.sentence(3, 8)}</h2>\n`);
          else if (block === 1) push(`<p>${this.sentence()} ${this.sentence()} ${this.sentence()}</p>\n`);
          else if (block === 2) push(`<ul class="${this.id()}">\n${Array.from({ length: 3 + this.int(4) }, () => `  <li>${this.sentence(3, 10)}</li>\n`).join('')}</ul>\n`);
          else push(`<div class="card" data-step="${this.int(500)}"><button type="button" onclick="course.go(${this.int(200)})">${this.sentence(2, 4)}</button></div>\n`);
        }
        push('</main>\n</body>\n</html>\n');
        break;
      case 'js':
        push(`// ${title}\n'use strict';\n`);
        while (length < bytes) {
          const name = `${this.word()}_${this.int(100000)}`;
          push(
            `function ${name}(state, event) {\n  const label = ${JSON.stringify(this.sentence(3, 9))};\n` +
              `  if (event.step > ${this.int(100)}) {\n    state.score = Math.min(100, state.score + ${this.int(20)});\n  }\n` +
              `  return tracker.record('${this.word()}', { id: ${this.int(100000)}, label, weight: ${(this.random() * 10).toFixed(3)} });\n}\n`,
          );
        }
        break;
      case 'css':
        push(`/* ${title} */\n`);
        while (length < bytes) {
          push(
            `.${this.id()} > .${this.word()} {\n  color: #${this.hex()};\n  background: #${this.hex()};\n` +
              `  margin: ${this.int(40)}px ${this.int(40)}px;\n  font-size: ${(0.6 + this.random()).toFixed(2)}rem;\n}\n`,
          );
        }
        break;
      case 'json': {
        push(`{"title":${JSON.stringify(title)},"questions":[\n`);
        let first = true;
        while (length < bytes) {
          const choices = Array.from({ length: 3 + this.int(3) }, () => this.sentence(2, 7));
          push(
            `${first ? '' : ',\n'}${JSON.stringify({ id: this.id(), prompt: this.sentence(), choices, correct: this.int(choices.length), feedback: this.sentence() })}`,
          );
          first = false;
        }
        push('\n]}\n');
        break;
      }
      default:
        throw new Error(`not a text kind: ${kind}`);
    }
    return out.join('');
  }
}

/** `count` sizes, each drawn from [min, max) (log-uniform when asked), scaled so that they sum to `total`. */
function sizes(random: () => number, count: number, total: number, min: number, max: number, logUniform: boolean): number[] {
  const raw = Array.from({ length: count }, () => (logUniform ? min * (max / min) ** random() : min + (max - min) * random()));
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((r) => Math.max(64, Math.round((r / sum) * total)));
}

function planPackage(totalBytes: number, fileCount: number): { files: PlannedFile[]; lessons: number } {
  const random = prng(42);
  // Media is most of the bytes in real packages (video, narration, images): ~80% here, in files of 0.5-2 MB.
  const mediaBytes = Math.round(totalBytes * 0.8);
  const mediaCount = Math.max(1, Math.min(Math.floor(fileCount / 4), Math.round(mediaBytes / (1.25 * MB))));
  const textCount = fileCount - 1 - mediaCount; // one is imsmanifest.xml
  const lessons = Math.max(1, Math.min(200, Math.floor(textCount / 2)));
  const shared = Math.max(2, Math.min(40, Math.round(textCount * 0.01)));
  const rest = textCount - lessons - shared;
  if (rest < 0) throw new Error(`BENCH_IMPORT_FILES=${fileCount} is too few files for a package`);

  const textSizes = sizes(random, textCount, totalBytes - mediaBytes, 1024, 64 * 1024, true);
  const mediaSizes = sizes(random, mediaCount, mediaBytes, 0.5 * MB, 2 * MB, false);
  const files: PlannedFile[] = [];
  let t = 0;
  // player-1.js and theme-1.css come first: every page links to them.
  for (let i = 0; i < shared; i++) {
    const kind: Kind = i % 3 === 1 ? 'css' : 'js';
    const number = kind === 'css' ? Math.floor(i / 3) + 1 : i - Math.floor((i + 1) / 3) + 1;
    files.push({ path: kind === 'css' ? `shared/css/theme-${number}.css` : `shared/js/player-${number}.js`, kind, bytes: textSizes[t++]!, lesson: 0 });
  }
  for (let n = 1; n <= lessons; n++) files.push({ path: `lessons/lesson-${n}/index.html`, kind: 'html', bytes: textSizes[t++]!, lesson: n });
  const cycle: Array<[Kind, string, string]> = [
    ['html', '', 'html'], ['js', 'js/', 'js'], ['json', 'data/', 'json'], ['html', '', 'html'], ['css', 'css/', 'css'],
    ['js', 'js/', 'js'], ['html', '', 'html'], ['json', 'data/', 'json'],
  ];
  for (let i = 0; i < rest; i++) {
    const lesson = (i % lessons) + 1;
    const k = Math.floor(i / lessons) + 1;
    const [kind, folder, ext] = cycle[i % cycle.length]!;
    const stem = kind === 'html' ? 'page' : kind === 'json' ? 'quiz' : kind === 'css' ? 'style' : 'lesson';
    files.push({ path: `lessons/lesson-${lesson}/${folder}${stem}-${k}.${ext}`, kind, bytes: textSizes[t++] ?? 1024, lesson });
  }
  for (let i = 0; i < mediaCount; i++) {
    const lesson = (i % lessons) + 1;
    const kind: Kind = i % 3 === 2 ? 'jpg' : 'mp4';
    files.push({ path: `lessons/lesson-${lesson}/media/${kind === 'mp4' ? 'clip' : 'image'}-${i + 1}.${kind}`, kind, bytes: mediaSizes[i]!, lesson });
  }
  return { files, lessons };
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

/** SCORM 1.2 (CAM 1.2 §2.3): one organization, one item per lesson SCO, each resource listing its files. */
function manifestXml(files: PlannedFile[], lessons: number, text: TextMaker): string {
  const byLesson = new Map<number, string[]>();
  for (const file of files) byLesson.set(file.lesson, [...(byLesson.get(file.lesson) ?? []), file.path]);
  const fileList = (paths: string[]) => paths.map((p) => `      <file href="${xmlEscape(p)}"/>\n`).join('');
  const items: string[] = [];
  const resources: string[] = [];
  for (let n = 1; n <= lessons; n++) {
    items.push(`      <item identifier="ITEM-${n}" identifierref="RES-${n}" isvisible="true">\n        <title>Lesson ${n}: ${xmlEscape(text.sentence(2, 6).slice(0, -1))}</title>\n        <adlcp:masteryscore>80</adlcp:masteryscore>\n      </item>\n`);
    resources.push(
      `    <resource identifier="RES-${n}" type="webcontent" adlcp:scormtype="sco" href="lessons/lesson-${n}/index.html">\n` +
        `${fileList(byLesson.get(n) ?? [])}      <dependency identifierref="RES-SHARED"/>\n    </resource>\n`,
    );
  }
  resources.push(`    <resource identifier="RES-SHARED" type="webcontent" adlcp:scormtype="asset">\n${fileList(byLesson.get(0) ?? [])}    </resource>\n`);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<manifest identifier="com.example.bench.large-course" version="1.0"\n` +
    `  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"\n` +
    `  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n` +
    `  xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">\n` +
    `  <metadata>\n    <schema>ADL SCORM</schema>\n    <schemaversion>1.2</schemaversion>\n  </metadata>\n` +
    `  <organizations default="ORG-1">\n    <organization identifier="ORG-1">\n      <title>Benchmark: a large generated course</title>\n` +
    `${items.join('')}    </organization>\n  </organizations>\n  <resources>\n${resources.join('')}  </resources>\n</manifest>\n`
  );
}

/** A few magic bytes, then random ones: looks like media to a sniffer, and deflate cannot shrink it. */
function mediaBytes(kind: Kind, bytes: number): Buffer {
  const data = randomBytes(bytes);
  const magic = kind === 'jpg' ? Buffer.from([0xff, 0xd8, 0xff, 0xe0]) : Buffer.from('\0\0\0\x18ftypmp42', 'latin1');
  magic.copy(data, 0, 0, Math.min(magic.length, bytes));
  return data;
}

async function generatePackage(root: string, totalBytes: number, fileCount: number): Promise<Package> {
  const { files, lessons } = planPackage(totalBytes, fileCount);
  const text = new TextMaker(prng(7));
  const dir = join(root, 'package');
  const made = new Set<string>();
  let uncompressedBytes = 0;
  for (const file of files) {
    const path = join(dir, file.path);
    if (!made.has(dirname(path))) {
      await mkdir(dirname(path), { recursive: true });
      made.add(dirname(path));
    }
    const data = file.kind === 'mp4' || file.kind === 'jpg' ? mediaBytes(file.kind, file.bytes) : Buffer.from(text.make(file.kind, file.bytes, file.path));
    file.bytes = data.length;
    uncompressedBytes += data.length;
    await writeFile(path, data);
  }
  const manifest = manifestXml(files, lessons, text);
  await writeFile(join(dir, 'imsmanifest.xml'), manifest);
  uncompressedBytes += Buffer.byteLength(manifest);

  // Deflate at zlib's default level for every entry, media included, as authoring tools' exports usually do.
  const zipPath = join(root, 'package.zip');
  const output = createWriteStream(zipPath);
  const archive = new ZipArchive({ zlib: { level: 6 } });
  archive.pipe(output);
  const failed = new Promise<never>((_, reject) => archive.on('error', reject));
  archive.file(join(dir, 'imsmanifest.xml'), { name: 'imsmanifest.xml' });
  for (const file of files) archive.file(join(dir, file.path), { name: file.path });
  await Promise.race([Promise.all([archive.finalize(), finished(output)]), failed]);
  return { dir, zipPath, files, lessons, zipBytes: (await stat(zipPath)).size, uncompressedBytes };
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------------------------

// A forced collection before each run, so that garbage from the previous one is not collected (or counted) inside
// the next. `--expose-gc` cannot be passed through `npx tsx`, hence the flag at run time.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Peak RSS while something runs, sampled every SAMPLE_MS ms by a worker thread (RSS is the whole process's, and the
 * worker keeps sampling while the main thread is busy in synchronous code).
 */
class RssSampler {
  private readonly shared = new BigInt64Array(new SharedArrayBuffer(16));
  private readonly worker: Worker;
  constructor() {
    const code = `
      const { workerData } = require('node:worker_threads');
      const shared = new BigInt64Array(workerData.buffer);
      setInterval(() => {
        const rss = BigInt(process.memoryUsage.rss());
        if (rss > Atomics.load(shared, 0)) Atomics.store(shared, 0, rss);
        Atomics.add(shared, 1, 1n);
      }, ${SAMPLE_MS});`;
    this.worker = new Worker(code, { eval: true, workerData: { buffer: this.shared.buffer } });
    this.worker.unref();
  }
  /** Starts a new measurement and returns the RSS it starts from. */
  start(): number {
    const rss = process.memoryUsage.rss();
    Atomics.store(this.shared, 0, BigInt(rss));
    Atomics.store(this.shared, 1, 0n);
    return rss;
  }
  stop(): { peak: number; samples: number } {
    const now = process.memoryUsage.rss();
    return { peak: Math.max(now, Number(Atomics.load(this.shared, 0))), samples: Number(Atomics.load(this.shared, 1)) };
  }
  close() {
    return this.worker.terminate();
  }
}

/** The kernel's own high-water mark of this process's RSS, which Linux lets a process reset (proc(5), clear_refs). */
const kernelPeak = {
  reset(): boolean {
    try {
      writeFileSync('/proc/self/clear_refs', '5');
      return true;
    } catch {
      return false;
    }
  },
  read(): number | null {
    try {
      const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
      return kb ? Number(kb) * 1024 : null;
    } catch {
      return null;
    }
  },
};

interface Sample {
  ms: number;
  /** RSS just before the run. */
  baseline: number;
  /** Sampled peak RSS during the run. */
  peak: number;
  /** The kernel's peak RSS during the run, when it can be reset. */
  kernelPeak: number | null;
}

/**
 * Writes back what the previous run left dirty, so that its writeback does not land inside the next timed run, and
 * collects the previous run's garbage; V8 returns the freed pages from background threads, hence the pause.
 */
async function settle(pauseMs = 100) {
  spawnSync('sync');
  gc();
  await sleep(pauseMs);
}

async function measured(sampler: RssSampler, run: () => Promise<void>): Promise<Sample> {
  await settle();
  const kernelResettable = kernelPeak.reset();
  const baseline = sampler.start();
  const started = performance.now();
  await run();
  const ms = performance.now() - started;
  const { peak } = sampler.stop();
  return { ms, baseline, peak, kernelPeak: kernelResettable ? kernelPeak.read() : null };
}

function runUnzip(zipPath: string, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(UNZIP, ['-q', '-o', zipPath, '-d', dest], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`unzip exited with ${code}: ${stderr.trim()}`))));
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function createBenchTenant(database: Database) {
  const slug = `bench-import-${randomUUID().slice(0, 8)}`;
  return insertTenant(database.db, { name: 'Import benchmark', slug, domain: null });
}

function importLimits(pkg: { uncompressedBytes: number; fileCount: number }): ImportDeps['limits'] {
  const limits = loadConfig({ NODE_ENV: 'test' }).import;
  return {
    ...limits,
    maxTotalBytes: Math.max(limits.maxTotalBytes, pkg.uncompressedBytes * 2),
    maxEntries: Math.max(limits.maxEntries, pkg.fileCount * 2),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The child process: one import against Postgres, in a process that never held PGlite
// ---------------------------------------------------------------------------------------------------------------

interface ChildJob {
  zipPath: string;
  dataDir: string;
  uncompressedBytes: number;
  fileCount: number;
}

interface ChildReport {
  ms: number;
  baselineRss: number;
  peakRss: number;
  maxRss: number;
}

async function childMain(job: ChildJob): Promise<void> {
  const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL!, dataDir: '' });
  try {
    await runMigrations(database);
    const tenant = await createBenchTenant(database);
    const store = new LocalContentStore(job.dataDir);
    const sampler = new RssSampler();
    try {
      await settle();
      const maxRssBefore = process.resourceUsage().maxRSS * 1024; // before measured() resets it
      const sample = await measured(sampler, async () => {
        await importPackage({ db: database.db, store, limits: importLimits(job), lmsOrigin: 'http://localhost' }, { tenantId: tenant.id, userId: null, zipPath: job.zipPath, filename: 'package.zip' });
      });
      const report: ChildReport = { ms: sample.ms, baselineRss: sample.baseline, peakRss: sample.kernelPeak ?? sample.peak, maxRss: Math.max(maxRssBefore, process.resourceUsage().maxRSS * 1024) };
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } finally {
      await sampler.close();
      await database.db.delete(tenants).where(eq(tenants.id, tenant.id));
    }
  } finally {
    await database.close();
  }
}

function runChild(job: ChildJob): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    // Same node flags (tsx's loader), same file, in child mode.
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
      env: { ...process.env, [CHILD_ENV]: JSON.stringify(job) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`the child import exited with ${code}: ${stdout.trim()}`));
      resolve(JSON.parse(line) as ChildReport);
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The benchmark
// ---------------------------------------------------------------------------------------------------------------

type Step = 'unzip' | 'extractZip' | 'importPackage';
const STEPS: Step[] = ['unzip', 'extractZip', 'importPackage'];

async function main() {
  const targetBytes = positiveInt('BENCH_IMPORT_MB', 300) * MB;
  const fileCount = positiveInt('BENCH_IMPORT_FILES', 4000);
  const rounds = positiveInt('BENCH_IMPORT_ROUNDS', 3);
  const root = await mkdtemp(join(tmpdir(), 'sun-scorm-bench-import-'));
  const sampler = new RssSampler();
  let database: Database | null = null;
  let tenantId: string | null = null;
  try {
    process.stdout.write(`generating a package of ~${mb(targetBytes)} in ${fileCount} files under ${root} (not timed)...\n`);
    const generationStarted = performance.now();
    const pkg = await generatePackage(root, targetBytes, fileCount);
    const entries = pkg.files.length + 1;
    const media = pkg.files.filter((f) => f.kind === 'mp4' || f.kind === 'jpg');
    console.log(
      `package: ${mb(pkg.zipBytes)} zipped (${pkg.zipBytes} bytes), ${mb(pkg.uncompressedBytes)} uncompressed (${pkg.uncompressedBytes} bytes), ` +
        `${entries} files (${media.length} media files, ${mb(media.reduce((s, f) => s + f.bytes, 0))}), ${pkg.lessons} SCOs; ` +
        `generated and zipped in ${((performance.now() - generationStarted) / 1000).toFixed(1)} s`,
    );

    database = await openDatabase({ databaseUrl: process.env.DATABASE_URL ?? null, dataDir: '', inMemory: true });
    await runMigrations(database);
    const db = database.db;
    const tenant = await createBenchTenant(database);
    tenantId = tenant.id;
    const dataDir = join(root, 'data');
    const store = new LocalContentStore(dataDir);
    const limits = importLimits({ uncompressedBytes: pkg.uncompressedBytes, fileCount: entries });
    // PGlite's initdb leaves a lot of freed memory behind; let it go before the first baseline is taken.
    await settle(1000);
    // Read now: resetting the kernel's high-water mark before each run (below) also resets getrusage's maxRSS.
    const maxRssBefore = process.resourceUsage().maxRSS * 1024;
    console.log(
      `database: ${database.driver}${database.driver === 'pglite' ? ' (in memory, in this process)' : ''}; RSS now ${mb(process.memoryUsage.rss())}, ` +
        `maxRSS so far ${mb(maxRssBefore)} (generation, database start)`,
    );

    const samples: Record<Step, Sample[]> = { unzip: [], extractZip: [], importPackage: [] };
    const cleanups: Array<() => Promise<void>> = [];
    const run: Record<Step, (dest: string) => Promise<void>> = {
      unzip: (dest) => runUnzip(pkg.zipPath, dest),
      extractZip: async (dest) => {
        const result = await extractZip(pkg.zipPath, dest, limits);
        if (result.files.length !== entries) throw new Error(`extractZip wrote ${result.files.length} files, not ${entries}`);
      },
      importPackage: async () => {
        const result = await importPackage({ db, store, limits, lmsOrigin: 'http://localhost' }, { tenantId: tenant.id, userId: null, zipPath: pkg.zipPath, filename: 'package.zip' });
        if (result.version.fileCount !== entries) throw new Error(`the import recorded ${result.version.fileCount} files, not ${entries}`);
        if (result.version.scoCount !== pkg.lessons) throw new Error(`the import found ${result.version.scoCount} SCOs, not ${pkg.lessons}`);
        if (result.warnings.length > 0 && samples.importPackage.length === 0) {
          console.log(`  (the import warns: ${result.warnings.map((w) => w.code).join(', ')})`);
        }
        // Removed after the timer stops, like the other steps' output.
        cleanups.push(async () => {
          await store.remove(result.version.storageKey);
          await db.delete(courses).where(eq(courses.id, result.course.id));
        });
      },
    };

    for (let round = 0; round < rounds; round++) {
      // Rotated each round, so that no step always follows the same other step (page cache, writeback, JIT).
      const order = STEPS.map((_, i) => STEPS[(i + round) % STEPS.length]!);
      for (const step of order) {
        const dest = join(root, `out-${step}-${round}`);
        await mkdir(dest);
        const sample = await measured(sampler, () => run[step](dest));
        samples[step].push(sample);
        await rm(dest, { recursive: true, force: true });
        for (const cleanup of cleanups.splice(0)) await cleanup();
        console.log(
          `round ${round + 1}/${rounds} ${step.padEnd(13)} ${sample.ms.toFixed(0).padStart(6)} ms, ` +
            `peak RSS +${mb(sample.peak - sample.baseline)} (from ${mb(sample.baseline)}` +
            `${sample.kernelPeak === null ? '' : `; kernel peak +${mb(sample.kernelPeak - sample.baseline)}`})`,
        );
      }
    }

    let child: ChildReport | null = null;
    if (database.driver === 'postgres') {
      process.stdout.write('one more import in a fresh child process (Postgres, no PGlite)...\n');
      child = await runChild({ zipPath: pkg.zipPath, dataDir: join(root, 'child-data'), uncompressedBytes: pkg.uncompressedBytes, fileCount: entries });
    }
    printReport(samples, pkg, entries, child, database.driver, maxRssBefore);
  } finally {
    await sampler.close();
    // On Postgres the bench tenant (and by cascade its courses) must not outlive the run.
    if (database && tenantId) await database.db.delete(tenants).where(eq(tenants.id, tenantId));
    await database?.close();
    await rm(root, { recursive: true, force: true });
  }
}

function printReport(samples: Record<Step, Sample[]>, pkg: Package, entries: number, child: ChildReport | null, driver: string, maxRssBefore: number) {
  const med = (step: Step) => median(samples[step].map((s) => s.ms));
  // The worst run's added memory, by the kernel's exact peak where available, else the 20 ms samples.
  const added = (step: Step) => Math.max(...samples[step].map((s) => (s.kernelPeak ?? s.peak) - s.baseline));
  const sampledAdded = (step: Step) => Math.max(...samples[step].map((s) => s.peak - s.baseline));
  const unzip = med('unzip');
  const labels: Record<Step, string> = { unzip: 'unzip -q -o (baseline)', extractZip: 'extractZip (src/lib/zip.ts)', importPackage: 'importPackage (whole import)' };
  const table = [
    ['step', 'median ms', 'runs ms', 'vs unzip', 'MB/s', 'peak RSS added'],
    ...STEPS.map((step) => [
      labels[step],
      med(step).toFixed(0),
      samples[step].map((s) => s.ms.toFixed(0)).join(' '),
      `${(med(step) / unzip).toFixed(2)}x`,
      (pkg.uncompressedBytes / MB / (med(step) / 1000)).toFixed(0),
      step === 'unzip' ? '(other process)' : `${(added(step) / MB).toFixed(0)} MB (sampled ${(sampledAdded(step) / MB).toFixed(0)})`,
    ]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  console.log('');
  for (const row of table) console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));

  const importRatio = med('importPackage') / unzip;
  const extractRatio = med('extractZip') / unzip;
  const importAdded = added('importPackage') / MB;
  const allPeaks = samples.importPackage.map((s) => Math.max(s.peak, s.kernelPeak ?? 0));
  console.log('');
  console.log(`package: ${mb(pkg.zipBytes)} zip, ${mb(pkg.uncompressedBytes)} uncompressed, ${entries} files; ${samples.unzip.length} rounds, medians; database ${driver}`);
  const rest = med('importPackage') - med('extractZip');
  console.log(
    `ratios: import/unzip ${importRatio.toFixed(2)}x, extractZip/unzip ${extractRatio.toFixed(2)}x; the rest of the import (manifest, rows, publish): ` +
      `${rest > 0 ? `~${rest.toFixed(0)} ms` : 'lost in the noise'} (difference of the medians)`,
  );
  console.log(
    `memory: the import adds at most ${importAdded.toFixed(0)} MB to this process's RSS (peak during the import minus the RSS just before it). ` +
      `For context, the absolute peak RSS during the imports was ${mb(Math.max(...allPeaks))} and the process's maxRSS before the timed runs ${mb(maxRssBefore)}: ` +
      `${driver === 'pglite' ? 'both include the in-memory PGlite database in this process (and its initdb), which is why the added figure is the one that counts' : 'both include the package generation in this process'}.`,
  );
  if (child) {
    console.log(
      `child process (Postgres, one import, nothing else): ${child.ms.toFixed(0)} ms, RSS ${mb(child.baselineRss)} before, peak ${mb(child.peakRss)} ` +
        `(+${mb(child.peakRss - child.baselineRss)}), maxRSS ${mb(child.maxRss)}`,
    );
  }
  console.log(`goal: import <= ${GOAL_RATIO}x unzip: ${importRatio.toFixed(2)}x, ${importRatio <= GOAL_RATIO ? 'met' : 'NOT met'}`);
  console.log(`goal: import adds < ${GOAL_MEMORY_MB} MB of RSS: ${importAdded.toFixed(0)} MB, ${importAdded < GOAL_MEMORY_MB ? 'met' : 'NOT met'}`);
}

const childJob = process.env[CHILD_ENV];
if (childJob) await childMain(JSON.parse(childJob) as ChildJob);
else await main();
