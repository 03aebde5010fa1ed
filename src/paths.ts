// Where the project's own files are, whether we run from src/ (tsx) or from dist/ (compiled): both sit one level
// below the project root, so views/, public/ and drizzle/ are found the same way in development and production.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const VIEWS_DIR = resolve(PROJECT_ROOT, 'views');
export const PUBLIC_DIR = resolve(PROJECT_ROOT, 'public');
export const MIGRATIONS_DIR = resolve(PROJECT_ROOT, 'drizzle');

export const VERSION: string = JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'package.json'), 'utf8')).version;
