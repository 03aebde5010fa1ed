// The slice of archiver 8's API that bench/import.ts uses to build its test package. archiver 8 is an ES module with
// a named `ZipArchive` class and ships no types; @types/archiver describes the default-export factory of 6/7.
// See node_modules/archiver/README.md and lib/core.js (`file`, `finalize`, `pointer`).
declare module 'archiver' {
  import type { Transform } from 'node:stream';

  interface ZipArchiveOptions {
    /** Passed to zlib's deflate (e.g. `{ level: 6 }`). */
    zlib?: { level?: number };
    /** STORE every entry instead of deflating. */
    store?: boolean;
    forceZip64?: boolean;
  }

  interface EntryData {
    /** The entry's path inside the archive, '/'-separated. */
    name: string;
    date?: Date;
    mode?: number;
    /** STORE this entry instead of deflating it. */
    store?: boolean;
  }

  export class ZipArchive extends Transform {
    constructor(options?: ZipArchiveOptions);
    /** Queues a file from disk; it is read lazily when its turn comes. */
    file(path: string, data: EntryData): this;
    append(source: NodeJS.ReadableStream | Buffer | string, data: EntryData): this;
    /** Resolves when the archive has been fully emitted (not when the destination stream has flushed it). */
    finalize(): Promise<void>;
    /** Bytes emitted so far. */
    pointer(): number;
  }
}
