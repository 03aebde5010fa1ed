// The content store on S3 (or anything that speaks its protocol: MinIO, Ceph, R2, s3rver in the tests), chosen
// when S3_BUCKET is set. Artifacts live in the bucket under their key, so a job's output written by one process is
// read by any other. Package content still lives on the local disk (delegated to LocalContentStore): the content
// origin serves it from there with range requests, and moving it to the bucket is the next step.
//
// Why it is written this way:
// - Plain PutObject, one request per object: @aws-sdk/lib-storage (multipart upload) is not a dependency. S3 needs
//   the length of a PutObject body up front, so a stream of known size (PutOptions.size) goes straight through,
//   checked to be exactly that long, and a stream of unknown size is first spooled to a file in DATA_DIR/tmp to
//   learn its length (disk, not memory), then streamed from there. The limit: one PutObject carries at most 5 GB;
//   larger artifacts would need multipart upload. Our artifacts (PDFs, export zips) are far below that.
// - A PutObject is atomic in S3: an upload that fails half way (its source stream broke) leaves no object.
// - get streams the response body (never buffered); a missing key is NotFoundError, like the local store; keys and
//   content types are checked by the same functions as the local store, before any request is made.
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { pipeline, Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import type { S3Config } from '../config.js';
import {
  checkArtifactKey,
  checkContentType,
  exactLength,
  writeWhole,
  type ContentStore,
  type LocalContentStore,
  type PutOptions,
  type StoredObject,
} from './content-store.js';
import { NotFoundError } from './errors.js';

function isMissing(error: unknown): boolean {
  const name = (error as S3ServiceException | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

export class S3ContentStore implements ContentStore {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(
    private readonly local: LocalContentStore,
    settings: S3Config,
    /** The app's logger: without one the SDK writes its warnings with console.warn. */
    logger?: S3ClientConfig['logger'],
  ) {
    this.bucket = settings.bucket;
    this.client = new S3Client({
      region: settings.region,
      ...(logger ? { logger } : {}),
      forcePathStyle: settings.forcePathStyle,
      // The SDK's default (since 3.729) adds a CRC32 trailer to streamed uploads in "aws-chunked" encoding; many
      // S3-compatible servers do not decode it and store the chunk framing as part of the object (s3rver does:
      // a 5 MB object came back 756 bytes longer). Checksums only where an operation requires them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      // Without keys, the SDK's own chain applies (instance role, AWS_PROFILE, web identity...).
      ...(settings.accessKeyId && settings.secretAccessKey
        ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
        : {}),
    });
  }

  async put(key: string, body: Readable | Buffer, options: PutOptions = {}) {
    checkArtifactKey(key);
    const contentType = checkContentType(options.contentType);
    if (Buffer.isBuffer(body)) {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length, ContentType: contentType }));
    } else if (options.size !== undefined) {
      await this.putStream(key, body, options.size, contentType);
    } else {
      const spool = await this.local.tempFile('.s3-upload');
      try {
        await writeWhole(spool, body, undefined);
        await this.putStream(key, createReadStream(spool), (await stat(spool)).size, contentType);
      } finally {
        await rm(spool, { force: true });
      }
    }
  }

  /**
   * The SDK pipes the body into the HTTP request, and pipe() does not pass on a source's failure: the request would
   * wait for the promised bytes forever. So a failing (or short, or long) source aborts the request, which S3
   * discards, and its own error is what the caller sees.
   */
  private async putStream(key: string, source: Readable, size: number, contentType: string) {
    const abort = new AbortController();
    let failure: Error | null = null;
    const body = pipeline(source, exactLength(size), (error) => {
      if (!error) return;
      failure = error;
      abort.abort(error);
    });
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: size, ContentType: contentType }),
        { abortSignal: abort.signal },
      );
    } catch (error) {
      throw failure ?? error;
    }
    if (failure) throw failure;
  }

  async get(key: string): Promise<StoredObject> {
    checkArtifactKey(key);
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        // In Node the SDK's body is the HTTP response itself, a Readable.
        body: object.Body as Readable,
        size: object.ContentLength ?? 0,
        contentType: object.ContentType ?? 'application/octet-stream',
      };
    } catch (error) {
      if (isMissing(error)) throw new NotFoundError(`No stored file under ${key}.`);
      throw error;
    }
  }

  async exists(key: string) {
    checkArtifactKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async delete(key: string) {
    checkArtifactKey(key);
    // S3 answers 204 for a key that is not there: deleting a missing key is not an error, as locally.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  // Package content: the local disk (see the header).
  createStaging() {
    return this.local.createStaging();
  }
  discardStaging(dir: string) {
    return this.local.discardStaging(dir);
  }
  publish(stagingDir: string, key: string) {
    return this.local.publish(stagingDir, key);
  }
  remove(key: string) {
    return this.local.remove(key);
  }
  localRoot(key: string) {
    return this.local.localRoot(key);
  }
  tempFile(suffix: string) {
    return this.local.tempFile(suffix);
  }
}
