// A tiny zip writer with full control over names, headers and attributes, for building hostile archives that
// well-behaved zip libraries refuse to make (zip-slip names, symlinks, lying sizes, encrypted flags, bombs).
import { crc32, deflateRawSync, createDeflateRaw } from 'node:zlib';
import { once } from 'node:events';

export interface ZipEntrySpec {
  name: string;
  data?: Buffer | string;
  deflate?: boolean;
  /** Unix mode for the external attributes (e.g. 0o120777 for a symlink). */
  unixMode?: number;
  encrypted?: boolean;
  /** Lie about the uncompressed size in the headers (a bomb that hides behind a small declared size). */
  declaredSize?: number;
}

interface Built {
  name: Buffer;
  crc: number;
  compressed: Buffer;
  uncompressedSize: number;
  method: number;
  flags: number;
  externalAttr: number;
}

function header(size: number) {
  return Buffer.alloc(size);
}

export function buildZip(entries: ZipEntrySpec[]): Buffer {
  return assemble(entries.map(buildEntry));
}

function buildEntry(entry: ZipEntrySpec): Built {
  const data = Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data ?? '');
  const method = entry.deflate ? 8 : 0;
  return {
    name: Buffer.from(entry.name, 'utf8'),
    crc: crc32(data),
    // Traditional encryption prefixes the data with a 12-byte header; the bytes need not decrypt to anything.
    compressed: Buffer.concat([entry.encrypted ? Buffer.alloc(12) : Buffer.alloc(0), method === 8 ? deflateRawSync(data) : data]),
    uncompressedSize: entry.declaredSize ?? data.length,
    method,
    flags: 0x0800 | (entry.encrypted ? 0x0001 : 0),
    externalAttr: entry.unixMode ? (entry.unixMode << 16) >>> 0 : 0,
  };
}

/** One entry of `bytes` zeros, deflated as it streams, so a gigabyte bomb never sits in memory. */
export async function buildBombZip(name: string, bytes: number, extra: ZipEntrySpec[] = []): Promise<Buffer> {
  const deflate = createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
  const zeros = Buffer.alloc(1024 * 1024);
  let crc = 0;
  for (let written = 0; written < bytes; written += zeros.length) {
    const piece = bytes - written >= zeros.length ? zeros : zeros.subarray(0, bytes - written);
    crc = crc32(piece, crc);
    if (!deflate.write(piece)) await once(deflate, 'drain');
  }
  deflate.end();
  await once(deflate, 'end');
  const bomb: Built = { name: Buffer.from(name), crc, compressed: Buffer.concat(chunks), uncompressedSize: bytes, method: 8, flags: 0x0800, externalAttr: 0 };
  return assemble([...extra.map(buildEntry), bomb]);
}

function assemble(built: Built[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of built) {
    const local = header(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.flags, 6);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(e.compressed.length, 18);
    local.writeUInt32LE(e.uncompressedSize, 22);
    local.writeUInt16LE(e.name.length, 26);
    locals.push(local, e.name, e.compressed);

    const central = header(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so external attributes carry a Unix mode
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.flags, 8);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt32LE(e.crc >>> 0, 16);
    central.writeUInt32LE(e.compressed.length, 20);
    central.writeUInt32LE(e.uncompressedSize, 24);
    central.writeUInt16LE(e.name.length, 28);
    central.writeUInt32LE(e.externalAttr, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, e.name);
    offset += 30 + e.name.length + e.compressed.length;
  }
  const centralSize = centrals.reduce((sum, b) => sum + b.length, 0);
  const zip64: Buffer[] = [];
  if (built.length >= 0xffff) {
    // More entries than the classic end record can count: add a zip64 end record and its locator.
    const record = header(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(built.length), 24);
    record.writeBigUInt64LE(BigInt(built.length), 32);
    record.writeBigUInt64LE(BigInt(centralSize), 40);
    record.writeBigUInt64LE(BigInt(offset), 48);
    const locator = header(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + centralSize), 8);
    locator.writeUInt32LE(1, 16);
    zip64.push(record, locator);
  }
  const end = header(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(built.length, 0xffff), 8);
  end.writeUInt16LE(Math.min(built.length, 0xffff), 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, ...zip64, end]);
}
