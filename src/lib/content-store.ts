// Where extracted package files live. Today a directory under DATA_DIR; the interface is what an S3-compatible
// store will implement later (stage locally, publish under a key, serve by key and path, remove by key).
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';

export interface ContentStore {
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
  private readonly tmpDir: string;

  constructor(dataDir: string) {
    this.contentDir = join(dataDir, 'content');
    this.tmpDir = join(dataDir, 'tmp');
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
