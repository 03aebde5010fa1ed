// Picks the content store from the configuration. Its own file so that content-store.ts (the contract and the
// local store) and s3-content-store.ts (which builds on it) do not import each other.
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { Config } from '../config.js';
import { LocalContentStore, type ContentStore } from './content-store.js';
import { S3ContentStore } from './s3-content-store.js';

/** S3 when S3_BUCKET is set (generated files in the bucket; package content on this disk), else the local directory. */
export function createContentStore(config: Config, logger?: S3ClientConfig['logger']): ContentStore {
  const local = new LocalContentStore(config.dataDir);
  return config.s3 ? new S3ContentStore(local, config.s3, logger) : local;
}
