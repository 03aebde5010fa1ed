// Collects every problem found in one pass over a manifest: errors (the package cannot play, or is unsafe) and
// warnings (it plays, but the author should know). Parsing never stops at the first problem.
import { findUnstorable } from '../../../lib/input-checks.js';
import type { Problem } from './types.js';

export class Problems {
  readonly errors: Problem[] = [];
  readonly warnings: Problem[] = [];

  error(code: string, message: string, path?: string): void {
    this.errors.push(path === undefined ? { code, message } : { code, message, path });
  }

  warn(code: string, message: string, path?: string): void {
    this.warnings.push(path === undefined ? { code, message } : { code, message, path });
  }
}

/**
 * A problem when a parsed package holds text the database cannot store: a NUL or a lone UTF-16 surrogate (XML
 * character references such as `&#xD800;` decode to one). Refused with the package's other problems, before anything
 * is stored, instead of failing as a database error half-way through the import.
 */
export function unstorableTextProblem(parsed: unknown, file: string): Problem | null {
  const found = findUnstorable(parsed, file);
  return found ? { code: 'UNSTORABLE_CHARACTER', message: `${file} contains a character that cannot be stored (${found.what}) in ${found.where}.` } : null;
}
