// Where files live: extracted packages (a directory per course version) and generated artifacts (PDFs, zips, job
// inputs and outputs, each one object under a key).
//
// Packages: staged in a local directory, published under a key by a rename, served by the content origin from disk
// (range requests, caching). Every implementation keeps packages on the local disk for now: moving them to S3 means
// the content origin streaming files from the bucket, which is a later step.
//
// Artifacts: put / get (a stream with its size and content type) / exists / delete, by key. The local store keeps
// them under DATA_DIR/artifacts; S3ContentStore (s3-content-store.ts) keeps them in a bucket, so that any process
// can read what another wrote; createContentStore (storage.ts) picks one from the configuration. Choices, and why:
// - Keys are checked before any I/O (checkArtifactKey): `/`-separated segments of letters, digits, `.`, `_` and
//   `-`, no `.`/`..` segment, no leading or trailing `/`, at most 512 bytes. Keys are made by our code from ids, so
//   a narrow alphabet costs nothing, means the same thing on a filesystem and in S3, and never needs escaping. A bad
//   key is a BadRequestError (400) naming the problem, never a path outside the store.
// - A missing key is a NotFoundError (404) naming the key, so a route can pass it straight on.
// - S3 semantics locally: "a" and "a/b" may both exist, so the bytes of key K live in K + ".data" and its content
//   type in K + ".meta" (neither suffix can collide with a directory named after a key segment).
// - A put is all or nothing: the bytes go to a temporary file in DATA_DIR/tmp and are renamed into place only when
//   complete (and as long as declared, when a size is given); a failed source stream leaves no object. The .meta
//   file is written before the .data rename, so an object that exists always has its type. Two puts racing on one
//   key: the last rename wins (keys are per job, so this does not happen in practice).
// - Objects are streamed both ways, never held in memory whole.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BadRequestError, NotFoundError } from './errors.js';

/** 512 bytes: deep enough for tenant/job/file keys, half of S3's own limit (1,024) to leave room for a prefix. */
export const MAX_KEY_BYTES = 512;
const KEY_SEGMENT = /^[A-Za-z0-9._-]+$/;
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** Refuses a key that is not a plain relative `a/b/c` path in the narrow alphabet (see the header). */
export function checkArtifactKey(key: string): string {
  const refuse = (why: string) => new BadRequestError(`Invalid storage key ${JSON.stringify(key.slice(0, 80))}: ${why}.`);
  if (typeof key !== 'string' || key.length === 0) throw refuse('it is empty');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw refuse(`it is longer than ${MAX_KEY_BYTES} bytes`);
  if (key.startsWith('/')) throw refuse('it must not start with /');
  for (const segment of key.split('/')) {
    if (segment === '') throw refuse('it has an empty segment (// or a trailing /)');
    if (segment === '.' || segment === '..') throw refuse('. and .. are not allowed');
    if (!KEY_SEGMENT.test(segment)) throw refuse('only letters, digits, ".", "_", "-" and "/" are allowed');
  }
  return key;
}

/** A MIME type as a header value: printable ASCII only, so it can never split or smuggle a header. */
export function checkContentType(contentType: string | undefined): string {
  if (contentType === undefined) return DEFAULT_CONTENT_TYPE;
  if (!/^[\x21-\x7e][\x20-\x7e]{0,199}$/.test(contentType) || !contentType.includes('/')) {
    throw new BadRequestError(`Invalid content type ${JSON.stringify(contentType.slice(0, 80))}.`);
  }
  return contentType;
}

/**
 * Passes a stream through unchanged and fails it if it does not carry exactly `size` bytes, so that a short or long
 * producer can never leave a truncated object (or an S3 request waiting forever for the bytes it was promised).
 */
export function exactLength(size: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > size) return done(new Error(`the stream is longer than its declared size of ${size} bytes`));
      done(null, chunk);
    },
    flush(done) {
      done(seen === size ? null : new Error(`the stream ended after ${seen} of its declared ${size} bytes`));
    },
  });
}

/** Writes `body` to `path` completely, or removes what was written and rethrows. */
export async function writeWhole(path: string, body: Readable | Buffer, size: number | undefined): Promise<void> {
  try {
    if (Buffer.isBuffer(body)) await writeFile(path, body);
    else if (size === undefined) await pipeline(body, createWriteStream(path));
    else await pipeline(body, exactLength(size), createWriteStream(path));
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
}

export interface PutOptions {
  /** Stored with the object and returned by get; default application/octet-stream. */
  contentType?: string;
  /** The exact length of a stream, when known: S3 then streams it straight through instead of spooling it first. */
  size?: number;
}

export interface StoredObject {
  body: Readable;
  size: number;
  contentType: string;
}

/** Generated files by key. */
export interface ArtifactStore {
  put(key: string, body: Readable | Buffer, options?: PutOptions): Promise<void>;
  /** Throws NotFoundError when there is no object under `key`. */
  get(key: string): Promise<StoredObject>;
  exists(key: string): Promise<boolean>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
}

/** Package content (local directories) plus artifacts. */
export interface ContentStore extends ArtifactStore {
  /** A fresh, empty local directory to extract into; remove it with discardStaging on failure. */
  createStaging(): Promise<string>;
  discardStaging(dir: string): Promise<void>;
  /** Makes a staged directory the content of `key`, atomically (rename on one filesystem). */
  publish(stagingDir: string, key: string): Promise<void>;
  remove(key: string): Promise<void>;
  /** The local directory holding `key`, for serving with range support. */
  localRoot(key: string): string;
  /** A local temporary file path for an upload in progress. */
  tempFile(suffix: string): Promise<string>;
}

export class LocalContentStore implements ContentStore {
  private readonly contentDir: string;
  private readonly artifactDir: string;
  private readonly tmpDir: string;

  constructor(dataDir: string) {
    this.contentDir = join(dataDir, 'content');
    this.artifactDir = join(dataDir, 'artifacts');
    this.tmpDir = join(dataDir, 'tmp');
  }

  async put(key: string, body: Readable | Buffer, options: PutOptions = {}) {
    const path = this.artifactPath(key);
    const contentType = checkContentType(options.contentType);
    const temp = await this.tempFile('.artifact');
    await writeWhole(temp, body, options.size);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(`${path}.meta`, JSON.stringify({ contentType }));
      await rename(temp, `${path}.data`);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<StoredObject> {
    const path = this.artifactPath(key);
    let handle;
    try {
      // One open file: a delete after this point cannot change what is read or its size.
      handle = await open(`${path}.data`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`No stored file under ${key}.`);
      throw error;
    }
    try {
      const { size } = await handle.stat();
      const meta = await readFile(`${path}.meta`, 'utf8').catch(() => '{}');
      const contentType = (JSON.parse(meta) as { contentType?: string }).contentType ?? DEFAULT_CONTENT_TYPE;
      return { body: handle.createReadStream(), size, contentType };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async exists(key: string) {
    return (await stat(`${this.artifactPath(key)}.data`).catch(() => null))?.isFile() ?? false;
  }

  async delete(key: string) {
    const path = this.artifactPath(key);
    await rm(`${path}.data`, { force: true });
    await rm(`${path}.meta`, { force: true });
  }

  private artifactPath(key: string) {
    // checkArtifactKey already rules out any escape; the prefix check is a second line in case it ever changes.
    const path = normalize(join(this.artifactDir, checkArtifactKey(key)));
    if (!path.startsWith(this.artifactDir + sep)) throw new BadRequestError(`Invalid storage key: ${key}`);
    return path;
  }

  async createStaging() {
    const dir = join(this.tmpDir, `import-${randomUUID()}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async discardStaging(dir: string) {
    await rm(dir, { recursive: true, force: true });
  }

  async publish(stagingDir: string, key: string) {
    const target = this.localRoot(key);
    await mkdir(join(target, '..'), { recursive: true });
    await rename(stagingDir, target);
  }

  async remove(key: string) {
    await rm(this.localRoot(key), { recursive: true, force: true });
  }

  localRoot(key: string) {
    const path = normalize(join(this.contentDir, key));
    if (!path.startsWith(this.contentDir + sep)) throw new Error(`content key escapes the store: ${key}`);
    return path;
  }

  async tempFile(suffix: string) {
    await mkdir(this.tmpDir, { recursive: true });
    return join(this.tmpDir, `${randomUUID()}${suffix}`);
  }
}
