// Collects every problem found in one pass over a manifest: errors (the package cannot play, or is unsafe) and
// warnings (it plays, but the author should know). Parsing never stops at the first problem.
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
