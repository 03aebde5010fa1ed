// The content store's contract for generated files (PDFs, zips, job inputs and outputs), run as ONE list of
// behaviours against both implementations: the local directory under DATA_DIR and S3, spoken to a real S3 protocol
// server (s3rver) started here on a free loopback port. Whatever passes here may be relied on by jobs and exports
// whichever store the operator configures.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config.js';
import { LocalContentStore, type ContentStore } from '../../src/lib/content-store.js';
import { createContentStore } from '../../src/lib/storage.js';
import { S3ContentStore } from '../../src/lib/s3-content-store.js';
import { BadRequestError, NotFoundError } from '../../src/lib/errors.js';

const BUCKET = 'sunscorm-artifacts';
const FIVE_MB = 5 * 1024 * 1024;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** `total` bytes of a repeating pattern, in 64 KiB chunks, so the object is never one buffer in the producer. */
function patternStream(total: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return this.push(null);
      const size = Math.min(64 * 1024, total - sent);
      const chunk = Buffer.alloc(size);
      for (let i = 0; i < size; i++) chunk[i] = (sent + i) % 251;
      sent += size;
      this.push(chunk);
    },
  });
}

function patternHash(total: number): string {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(total);
  for (let i = 0; i < total; i++) chunk[i] = i % 251;
  return hash.update(chunk).digest('hex');
}

const HOSTILE_KEYS = [
  '',
  '../outside',
  'exports/../../outside',
  'exports/..',
  '..',
  '.',
  'exports/./x',
  '/etc/passwd',
  'exports//x',
  'exports/',
  'exports\\..\\x',
  'exports/a\0b',
  'exports/line\nbreak',
  `exports/${'x'.repeat(600)}`,
];

/** The behaviours, for any store. `dataDir` is where a local store would write: nothing may escape it. */
function contract(name: string, open: () => Promise<{ store: ContentStore; dataDir: string }>) {
  t.test(`${name}: the artifact contract`, async (t) => {
    const { store, dataDir } = await open();
    const prefix = `t-${Math.random().toString(36).slice(2)}`;

    t.test('a put object comes back byte for byte, with its size and content type', async (t) => {
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i)); // every byte value, NUL and 0xFF included
      await store.put(`${prefix}/all-bytes.bin`, bytes, { contentType: 'application/pdf' });
      const object = await store.get(`${prefix}/all-bytes.bin`);
      t.equal(object.size, 256);
      t.equal(object.contentType, 'application/pdf');
      t.same(await readAll(object.body), bytes);
    });

    t.test('without a content type an object is application/octet-stream', async (t) => {
      await store.put(`${prefix}/untyped`, Buffer.from('hello'));
      const object = await store.get(`${prefix}/untyped`);
      t.equal(object.contentType, 'application/octet-stream');
      t.equal((await readAll(object.body)).toString(), 'hello');
    });

    t.test('exists is false before a put, true after it, false again after a delete', async (t) => {
      const key = `${prefix}/reports/one.zip`;
      t.equal(await store.exists(key), false);
      await store.put(key, Buffer.from('zip'), { contentType: 'application/zip' });
      t.equal(await store.exists(key), true);
      await store.delete(key);
      t.equal(await store.exists(key), false);
      await t.rejects(store.get(key), NotFoundError, 'a deleted object is not found');
    });

    t.test('a put replaces the object under the same key', async (t) => {
      const key = `${prefix}/replaced.txt`;
      await store.put(key, Buffer.from('first'), { contentType: 'text/plain' });
      await store.put(key, Buffer.from('second, longer'), { contentType: 'text/csv' });
      const object = await store.get(key);
      t.equal(object.contentType, 'text/csv');
      t.equal((await readAll(object.body)).toString(), 'second, longer');
    });

    t.test('a key and a key below it are two objects (as in S3)', async (t) => {
      await store.put(`${prefix}/nested`, Buffer.from('parent'));
      await store.put(`${prefix}/nested/child`, Buffer.from('child'));
      t.equal((await readAll((await store.get(`${prefix}/nested`)).body)).toString(), 'parent');
      t.equal((await readAll((await store.get(`${prefix}/nested/child`)).body)).toString(), 'child');
    });

    t.test('a missing key is a clear not-found error, not a crash', async (t) => {
      const error = await store.get(`${prefix}/never-written.pdf`).catch((e: unknown) => e);
      t.type(error, NotFoundError);
      t.match((error as Error).message, /never-written\.pdf/, 'the message names the key');
      t.equal(await store.exists(`${prefix}/never-written.pdf`), false);
      await t.resolves(store.delete(`${prefix}/never-written.pdf`), 'deleting a missing key is not an error');
    });

    t.test('hostile keys are refused by every operation, and nothing is written', async (t) => {
      for (const key of HOSTILE_KEYS) {
        const label = JSON.stringify(key.length > 40 ? `${key.slice(0, 20)}…(${key.length})` : key);
        await t.rejects(store.put(key, Buffer.from('x')), BadRequestError, `put ${label}`);
        await t.rejects(store.get(key), BadRequestError, `get ${label}`);
        await t.rejects(store.exists(key), BadRequestError, `exists ${label}`);
        await t.rejects(store.delete(key), BadRequestError, `delete ${label}`);
      }
      t.notOk(existsSync(join(dataDir, 'outside')), 'nothing beside the store');
      t.notOk(existsSync(join(dataDir, '..', 'outside')), 'nothing above DATA_DIR');
    });

    t.test('a 5 MB object is streamed in and out (known length and unknown length)', async (t) => {
      const expected = patternHash(FIVE_MB);
      await store.put(`${prefix}/big-known.bin`, patternStream(FIVE_MB), { contentType: 'application/zip', size: FIVE_MB });
      await store.put(`${prefix}/big-unknown.bin`, patternStream(FIVE_MB), { contentType: 'application/zip' });
      for (const key of [`${prefix}/big-known.bin`, `${prefix}/big-unknown.bin`]) {
        const object = await store.get(key);
        t.equal(object.size, FIVE_MB, `${key}: size`);
        t.type(object.body, Readable, 'a stream, not a buffer');
        const hash = createHash('sha256');
        let chunks = 0;
        for await (const chunk of object.body) {
          hash.update(chunk as Uint8Array);
          chunks++;
        }
        t.equal(hash.digest('hex'), expected, `${key}: every byte intact`);
        t.ok(chunks > 1, `${key}: arrives in several chunks`);
      }
    });

    t.test('a source stream that fails half way leaves nothing under the key (known and unknown length)', async (t) => {
      const failing = () => {
        let sent = 0;
        return new Readable({
          read() {
            if (sent >= 256 * 1024) return this.destroy(new Error('the producer died'));
            sent += 64 * 1024;
            this.push(Buffer.alloc(64 * 1024, 7));
          },
        });
      };
      for (const size of [undefined, 1024 * 1024]) {
        const key = `${prefix}/broken-${size ?? 'unknown'}.bin`;
        await t.rejects(store.put(key, failing(), { contentType: 'application/pdf', size }), /the producer died/);
        t.equal(await store.exists(key), false, `${key}: no object`);
      }
    });

    t.test('a stream shorter than its declared size is refused and leaves nothing', async (t) => {
      const key = `${prefix}/short.bin`;
      await t.rejects(store.put(key, Readable.from([Buffer.alloc(10)]), { size: 20 }));
      t.equal(await store.exists(key), false);
    });
  });
}

contract('local directory', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sunscorm-store-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  return { store: new LocalContentStore(dataDir), dataDir };
});

// One s3rver for the file: a real S3 protocol server (signatures, XML errors, streaming bodies) in a temp directory.
let s3: { endpoint: string; close: () => Promise<void> } | null = null;
async function startS3(): Promise<string> {
  if (s3) return s3.endpoint;
  const directory = await mkdtemp(join(tmpdir(), 'sunscorm-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  s3 = {
    endpoint,
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
  t.teardown(() => s3?.close());
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  client.destroy();
  return endpoint;
}

// The SDK warns when a streamed upload fails (as one does here on purpose); the app hands it its logger.
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function s3Env(endpoint: string) {
  return {
    S3_ENDPOINT: endpoint,
    S3_BUCKET: BUCKET,
    S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    S3_FORCE_PATH_STYLE: 'true',
  };
}

contract('S3 (s3rver)', async () => {
  const endpoint = await startS3();
  const dataDir = await mkdtemp(join(tmpdir(), 'sunscorm-store-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  // Built from the environment as the app builds it, so the configuration path is what is tested.
  const store = createContentStore(loadConfig({ ...s3Env(endpoint), DATA_DIR: dataDir }), quiet);
  t.type(store, S3ContentStore);
  return { store, dataDir };
});

t.test('S3 spools an unknown-length stream in DATA_DIR/tmp and removes the spool file afterwards', async (t) => {
  const endpoint = await startS3();
  const dataDir = await mkdtemp(join(tmpdir(), 'sunscorm-store-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const store = createContentStore(loadConfig({ ...s3Env(endpoint), DATA_DIR: dataDir }), quiet);
  await store.put('spool/check.bin', patternStream(300 * 1024));
  t.equal((await store.get('spool/check.bin')).size, 300 * 1024);
  const left = existsSync(join(dataDir, 'tmp')) ? await readdir(join(dataDir, 'tmp')) : [];
  t.same(left, [], 'no spool file left behind');
});

t.test('with S3 configured, package content is still staged, published and removed on the local disk', async (t) => {
  const endpoint = await startS3();
  const dataDir = await mkdtemp(join(tmpdir(), 'sunscorm-store-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const store = createContentStore(loadConfig({ ...s3Env(endpoint), DATA_DIR: dataDir }), quiet);
  const staging = await store.createStaging();
  await writeFile(join(staging, 'index.html'), '<p>hi</p>');
  await store.publish(staging, 'tenant-1/version-1');
  const root = store.localRoot('tenant-1/version-1');
  t.equal(root, join(dataDir, 'content', 'tenant-1', 'version-1'));
  t.equal(await readFile(join(root, 'index.html'), 'utf8'), '<p>hi</p>', 'the content origin serves it from here');
  await store.remove('tenant-1/version-1');
  t.notOk(existsSync(root));
});

t.test('without S3_BUCKET the store is the local directory (today\'s behaviour)', async (t) => {
  t.type(createContentStore(loadConfig({})), LocalContentStore);
  t.notOk(createContentStore(loadConfig({})) instanceof S3ContentStore);
  t.equal(loadConfig({}).s3, null);
});

t.test('S3 settings are checked at boot, every bad key listed', async (t) => {
  const error = t.throws(() =>
    loadConfig({ S3_ENDPOINT: 'ftp://x', S3_ACCESS_KEY_ID: 'only-the-id', S3_FORCE_PATH_STYLE: 'perhaps' }),
  ) as ConfigError;
  t.type(error, ConfigError);
  for (const key of ['S3_ENDPOINT', 'S3_BUCKET', 'S3_SECRET_ACCESS_KEY', 'S3_FORCE_PATH_STYLE']) {
    t.ok(error.problems.some((p) => p.startsWith(key)), `${key} is named`);
  }
  t.equal(loadConfig({ S3_REGION: 'us-east-1', S3_FORCE_PATH_STYLE: 'false' }).s3, null, '.env.example\'s defaults alone: local');
  const config = loadConfig({ S3_BUCKET: 'my-bucket' });
  t.same(config.s3, {
    endpoint: null,
    bucket: 'my-bucket',
    region: 'us-east-1',
    accessKeyId: null,
    secretAccessKey: null,
    forcePathStyle: false,
  }, 'AWS itself: default region, the SDK\'s own credential chain, virtual-hosted style');
});
