// Safe zip extraction for untrusted uploads. The central directory is read and every entry checked before a single
// byte is written (so a rejected zip leaves nothing behind). Then four entries at a time are extracted: large ones
// streamed to disk, small ones (up to WHOLE_READ_MAX_BYTES compressed) read and inflated whole, so memory stays
// bounded at a few megabytes whatever the package size. Real sizes must match the headers (yauzl checks streamed
// entries; whole reads cap the inflate at the declared size), so a lying header cannot slip a bomb past the checks.
import { createWriteStream } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { inflateRaw } from 'node:zlib';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

export interface ZipLimits {
  maxTotalBytes: number;
  maxEntries: number;
  maxCompressionRatio: number;
  /** Entries smaller than this may compress any amount (tiny files of spaces compress 1000:1 legitimately). */
  ratioFloorBytes?: number;
}

export interface ZipProblem {
  code: string;
  message: string;
  path?: string;
}

export class UnsafeZipError extends Error {
  constructor(readonly problems: ZipProblem[]) {
    super(problems.map((p) => p.message).join(' '));
    this.name = 'UnsafeZipError';
  }
}

export interface ExtractedZip {
  /** Extracted file paths, '/'-separated, relative to the destination. */
  files: string[];
  totalBytes: number;
  /** Entries deliberately not extracted (macOS resource forks, .DS_Store). */
  skipped: string[];
}

const inflate = promisify(inflateRaw) as (buffer: Buffer, options: { maxOutputLength: number }) => Promise<Buffer>;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const EXTRACT_CONCURRENCY = 4;
/** Entries up to this compressed size are read, inflated and written whole (memory: concurrency x 2 x this). */
const WHOLE_READ_MAX_BYTES = 2 * 1024 * 1024;
const JUNK = /(^|\/)(__MACOSX\/|\.DS_Store$|Thumbs\.db$)/;

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) =>
    // decodeStrings: false, so that yauzl does not stop at the first bad name; we decode and judge every name
    // ourselves and report them all.
    yauzl.open(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true, decodeStrings: false }, (err, zip) =>
      err ? reject(err) : resolve(zip!),
    ),
  );
}

function readAllEntries(zip: ZipFile, maxEntries: number): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on('entry', (entry: Entry) => {
      // Raw names: UTF-8 when flagged (or via the Info-ZIP Unicode extra field), else CP437; backslashes kept.
      entry.fileName = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileName as unknown as Buffer, entry.extraFields, true);
      entries.push(entry);
      if (entries.length > maxEntries) {
        zip.removeAllListeners();
        reject(new UnsafeZipError([{ code: 'TOO_MANY_ENTRIES', message: `The zip has more than ${maxEntries.toLocaleString('en')} entries, more than this server accepts.` }]));
        return;
      }
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', reject);
    zip.readEntry();
  });
}

/** Why an entry name is unsafe, or null. Names are what the zip says, before any normalisation by us. */
export function unsafeNameReason(name: string): string | null {
  if (name.includes('\0')) return 'contains a NUL character';
  if (name.includes('\\')) return 'uses backslashes (a Windows path)';
  if (name.startsWith('/')) return 'is an absolute path';
  if (/^[a-zA-Z]:/.test(name)) return 'starts with a drive letter';
  if (name.split('/').some((segment) => segment === '..')) return 'climbs out of the package with ".."';
  return null;
}

/** Checks every entry against the limits and the safety rules; collects all problems, not just the first. */
function checkEntries(entries: Entry[], limits: ZipLimits): ZipProblem[] {
  const problems: ZipProblem[] = [];
  const seen = new Set<string>();
  let total = 0;
  const ratioFloor = limits.ratioFloorBytes ?? 1024 * 1024;
  for (const entry of entries) {
    const name = entry.fileName;
    const unsafe = unsafeNameReason(name);
    if (unsafe) {
      problems.push({ code: 'UNSAFE_PATH', message: `"${name}" ${unsafe}.`, path: name });
      continue;
    }
    const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
    if (mode === S_IFLNK) problems.push({ code: 'SYMLINK', message: `"${name}" is a symbolic link; links are not allowed in packages.`, path: name });
    if (entry.isEncrypted()) problems.push({ code: 'ENCRYPTED', message: `"${name}" is encrypted; upload a zip without a password.`, path: name });
    const key = name.normalize('NFC').replace(/\/+$/, '');
    if (seen.has(key)) problems.push({ code: 'DUPLICATE_ENTRY', message: `"${name}" appears twice in the zip.`, path: name });
    seen.add(key);
    total += entry.uncompressedSize;
    if (
      entry.uncompressedSize > ratioFloor &&
      entry.uncompressedSize / Math.max(entry.compressedSize, 1) > limits.maxCompressionRatio
    ) {
      problems.push({
        code: 'ZIP_BOMB',
        message: `"${name}" expands ${Math.round(entry.uncompressedSize / Math.max(entry.compressedSize, 1))} times its compressed size; that looks like a zip bomb.`,
        path: name,
      });
    }
  }
  if (total > limits.maxTotalBytes) {
    problems.push({
      code: 'TOO_LARGE',
      message: `The package would expand to ${formatBytes(total)}, more than the ${formatBytes(limits.maxTotalBytes)} this server accepts.`,
    });
  }
  return problems;
}

function openEntryStream(zip: ZipFile, entry: Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream!))));
}

async function openZipOrExplain(path: string): Promise<ZipFile> {
  try {
    return await openZip(path);
  } catch (error) {
    throw new UnsafeZipError([
      { code: 'NOT_A_ZIP', message: `The file is not a complete zip archive (${(error as Error).message}). Upload the .zip file exported by your authoring tool.` },
    ]);
  }
}

/**
 * Extracts `zipPath` into `destDir` (which must exist and be empty). Throws UnsafeZipError listing every problem;
 * on any failure the caller removes `destDir`. `onProgress` receives the fraction of bytes written.
 */
export async function extractZip(
  zipPath: string,
  destDir: string,
  limits: ZipLimits,
  onProgress?: (fraction: number) => void,
): Promise<ExtractedZip> {
  const zip = await openZipOrExplain(zipPath);
  try {
    let entries: Entry[];
    try {
      entries = await readAllEntries(zip, limits.maxEntries);
    } catch (error) {
      if (error instanceof UnsafeZipError) throw error;
      throw new UnsafeZipError([{ code: 'NOT_A_ZIP', message: `The zip is damaged: ${(error as Error).message}.` }]);
    }
    const problems = checkEntries(entries, limits);
    if (problems.length > 0) throw new UnsafeZipError(problems);

    const declaredTotal = entries.reduce((sum, e) => sum + e.uncompressedSize, 0) || 1;
    const files: string[] = [];
    const skipped: string[] = [];
    const madeDirs = new Map<string, Promise<unknown>>();
    let written = 0;
    let lastReported = 0;

    const handle = await open(zipPath, 'r');
    const extractOne = async (entry: Entry) => {
      const name = entry.fileName.normalize('NFC');
      const target = join(destDir, name);
      const parent = dirname(target);
      if (!madeDirs.has(parent)) madeDirs.set(parent, mkdir(parent, { recursive: true }));
      await madeDirs.get(parent);
      const count = (bytes: number) => {
        written += bytes;
        if (onProgress && written - lastReported > 4 * 1024 * 1024) {
          lastReported = written;
          onProgress(Math.min(1, written / declaredTotal));
        }
      };
      try {
        if (entry.compressedSize <= WHOLE_READ_MAX_BYTES && (entry.compressionMethod === 0 || entry.compressionMethod === 8)) {
          // Small entries (most of a package) in one read, one inflate and one write: far fewer round trips than
          // a stream per file. maxOutputLength keeps the bomb guard: inflating past the declared size fails.
          const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
          const compressed = Buffer.allocUnsafe(entry.compressedSize);
          const { bytesRead } = await handle.read(compressed, 0, entry.compressedSize, fileDataStart);
          if (bytesRead !== entry.compressedSize) throw new Error('unexpected end of file');
          const data = entry.compressionMethod === 0 ? compressed : await inflate(compressed, { maxOutputLength: Math.max(entry.uncompressedSize, 1) });
          if (data.length !== entry.uncompressedSize) throw new Error(`expected ${entry.uncompressedSize} bytes, found ${data.length}`);
          // 'wx': never overwrite, so even a name collision we failed to predict cannot replace a file.
          await writeFile(target, data, { flag: 'wx' });
          count(data.length);
        } else {
          const source = await openEntryStream(zip, entry);
          source.on('data', (chunk: Buffer) => count(chunk.length));
          await pipeline(source, createWriteStream(target, { flags: 'wx', highWaterMark: 1024 * 1024 }));
        }
      } catch (error) {
        throw new UnsafeZipError([{ code: 'CORRUPT_ENTRY', message: `"${entry.fileName}" could not be extracted: ${(error as Error).message}.`, path: entry.fileName }]);
      }
      files.push(name);
    };

    const queue: Entry[] = [];
    for (const entry of entries) {
      const name = entry.fileName.normalize('NFC');
      if (name.endsWith('/')) continue;
      if (JUNK.test(name)) skipped.push(name);
      else queue.push(entry);
    }
    // A few entries at a time: inflating (on libuv's thread pool) overlaps with disk writes, which is what lets a
    // streaming extractor keep up with a native unzip on many small files.
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (!failed && next < queue.length) {
        try {
          await extractOne(queue[next++]!);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    };
    // Every worker settles before we report a failure, so nothing is still writing when the caller cleans up.
    const outcomes = await Promise.allSettled(Array.from({ length: Math.min(EXTRACT_CONCURRENCY, queue.length) }, worker)).finally(() => handle.close());
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) throw failure.reason;
    files.sort();
    onProgress?.(1);
    return { files, totalBytes: written, skipped };
  } finally {
    zip.close();
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
