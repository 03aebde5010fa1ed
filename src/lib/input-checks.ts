// What Postgres cannot hold, checked where input arrives so the caller hears a clear 400 instead of a 500:
// U+0000 (text and jsonb reject it), lone UTF-16 surrogates (they have no UTF-8 form), instants outside the years
// 1-9999 (Postgres has no year 0, and JSON/ISO dates beyond 9999 need a sign), and the SQLSTATEs that mean "the value
// sent is wrong", for whatever slips past the checks. No Fastify here: the app, the LRS and the content origin share it.
import { DomainError } from './errors.js';

// Without the u flag a regex sees UTF-16 code units, so an unpaired surrogate is visible to it.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export class UnstorableCharacterError extends DomainError {
  constructor(where: string, what: string) {
    super(400, 'UNSTORABLE_CHARACTER', `The request contains a character this server cannot store (${what}) in ${where}. Remove it and send the request again.`);
  }
}

function describe(text: string): string | null {
  const match = UNSTORABLE.exec(text);
  if (!match) return null;
  return match[0] === '\u0000' ? 'NUL, U+0000' : `an unpaired UTF-16 surrogate, U+${match[0].charCodeAt(0).toString(16).toUpperCase()}`;
}

/**
 * Where in `value` (strings, arrays, plain objects, their keys) a NUL or lone surrogate sits, or null. Walks with
 * its own stack, so deeply nested JSON cannot overflow the call stack. Binary bodies (Buffers) are not text.
 */
export function findUnstorable(value: unknown, name: string): { where: string; what: string } | null {
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  // The path is echoed to the caller: it holds only keys already found clean, cut short.
  const where = (path: string) => (path ? `"${path.length > 120 ? `${path.slice(0, 120)}...` : path}" in ${name}` : name);
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      const what = describe(current);
      if (what) return { where: where(path), what };
    } else if (Array.isArray(current)) {
      current.forEach((item, i) => stack.push({ value: item, path: `${path}[${i}]` }));
    } else if (current !== null && typeof current === 'object' && !Buffer.isBuffer(current) && !ArrayBuffer.isView(current)) {
      for (const [key, item] of Object.entries(current)) {
        const what = describe(key);
        if (what) return { where: `a field name in ${where(path)}`, what };
        stack.push({ value: item, path: path ? `${path}.${key}` : key });
      }
    }
  }
  return null;
}

/** Throws UnstorableCharacterError (400) when `value` holds a character Postgres cannot store. */
export function assertStorable(value: unknown, name: string): void {
  const found = findUnstorable(value, name);
  if (found) throw new UnstorableCharacterError(found.where, found.what);
}

/** An instant Postgres can store and give back as the same ISO 8601 text: UTC years 1 to 9999. */
export function isStorableInstant(ms: number): boolean {
  if (!Number.isFinite(ms)) return false;
  const year = new Date(ms).getUTCFullYear();
  return year >= 1 && year <= 9999;
}

/**
 * A database error caused by the value sent rather than by us: SQLSTATE class 22 (data exception: bad number,
 * date, encoding, text too long, bad JSON...) and 54000 (a value too large for an index or array). Drivers differ
 * (postgres.js PostgresError and PGlite's DatabaseError both carry `code`), and drizzle wraps them in
 * DrizzleQueryError whose `cause` is the driver's error, so the cause chain is followed.
 */
export function isBadValueDatabaseError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (/^22[0-9A-Z]{3}$/.test(code) || code === '54000')) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** What a caller is told about such an error: nothing of the SQL, the value or the table. */
export const BAD_VALUE_MESSAGE = 'A value in the request could not be stored or read: it is not valid for its field (a number or date out of range, text too long, or a character that cannot be stored). Check the request and send it again.';
