// Launch-path arithmetic: xml:base joining, dot-segment normalisation that refuses to leave the package root, and
// SCORM's rule for appending an item's `parameters` to its resource's href. Pure string work, no file system.

export type ResolvedHref =
  /** Inside the package. `url` keeps the href's own encoding (it is used in URLs); `file` is the decoded path. */
  | { kind: 'local'; url: string; file: string; query: string; fragment: string }
  /** An absolute http(s) URL: content hosted elsewhere. */
  | { kind: 'remote'; url: string }
  | { kind: 'unsafe'; reason: string };

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function splitSuffix(href: string): { path: string; query: string; fragment: string } {
  const hash = href.indexOf('#');
  const beforeHash = hash >= 0 ? href.slice(0, hash) : href;
  const fragment = hash >= 0 ? href.slice(hash) : '';
  const q = beforeHash.indexOf('?');
  return q >= 0 ? { path: beforeHash.slice(0, q), query: beforeHash.slice(q), fragment } : { path: beforeHash, query: '', fragment };
}

/** Why a path or URL may not be used, or null when it is fine as a relative reference. */
function absoluteProblem(value: string): string | null {
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme.length === 1) return 'it is a Windows drive path, and paths in a package must be relative to the package';
    if (scheme !== 'http' && scheme !== 'https') return `it uses the ${scheme}: scheme, and only relative paths and http(s) URLs can be launched`;
    return null;
  }
  if (value.startsWith('/')) return 'it is an absolute path, and paths in a package must be relative to the package';
  return null;
}

function isHttpUrl(value: string): boolean {
  return /^https?:/i.test(value);
}

/**
 * Resolves `href` against the chain of xml:base values (manifest, resources, resource), SCORM CAM "xml:base".
 * A base without a trailing '/' is taken as a folder, which is what authors mean. Backslashes (Windows-made
 * packages) count as '/'. Any '..' that would climb above the package root, even percent-encoded, is unsafe.
 */
export function resolveHref(bases: readonly string[], href: string): ResolvedHref {
  const cleanHref = href.trim().replace(/\\/g, '/');
  const hrefProblem = absoluteProblem(cleanHref);
  if (hrefProblem) return { kind: 'unsafe', reason: hrefProblem };
  if (isHttpUrl(cleanHref)) return { kind: 'remote', url: cleanHref };

  let remote: URL | null = null;
  const segments: string[] = [];
  for (const rawBase of bases) {
    const base = rawBase.trim().replace(/\\/g, '/');
    if (!base) continue;
    const problem = absoluteProblem(base);
    if (problem) return { kind: 'unsafe', reason: problem };
    const folder = base.endsWith('/') ? base : `${base}/`;
    if (isHttpUrl(folder)) {
      try {
        remote = new URL(folder);
      } catch {
        return { kind: 'unsafe', reason: `"${base}" is not a valid URL` };
      }
      segments.length = 0;
      continue;
    }
    if (remote) {
      remote = new URL(folder, remote);
      continue;
    }
    segments.push(...splitSuffix(folder).path.split('/'));
  }
  if (remote) return { kind: 'remote', url: new URL(cleanHref, remote).toString() };

  const { path, query, fragment } = splitSuffix(cleanHref);
  const stack: { raw: string; decoded: string }[] = [];
  for (const raw of [...segments, ...path.split('/')]) {
    const decoded = safeDecode(raw);
    if (decoded === '' || decoded === '.') continue;
    if (decoded === '..') {
      if (stack.length === 0) return { kind: 'unsafe', reason: 'it climbs out of the package with ".."' };
      stack.pop();
      continue;
    }
    if (decoded.includes('/') || decoded.includes('\\') || decoded.includes('\0')) {
      return { kind: 'unsafe', reason: 'it hides a path separator in percent-encoding' };
    }
    stack.push({ raw, decoded });
  }
  const url = stack.map((s) => s.raw).join('/');
  const file = stack.map((s) => s.decoded).join('/');
  return { kind: 'local', url: url + query + fragment, file, query, fragment };
}

/** Why a chain of xml:base values cannot be used (it leaves the package, or is an absolute path), or null. */
export function unsafeBase(bases: readonly string[]): string | null {
  const probe = resolveHref(bases, 'probe');
  return probe.kind === 'unsafe' ? probe.reason : null;
}

/**
 * Appends an item's `parameters` to a launch URL (SCORM CAM, <item> parameters attribute): a leading '#' is a
 * fragment, used only if the URL has none; otherwise leading '?'/'&' are dropped and the rest joins the query
 * with '&' if the URL already has one, '?' if not. The query goes before any fragment already in the URL.
 */
export function appendParameters(url: string, parameters: string | null): string {
  const params = parameters?.trim() ?? '';
  if (!params) return url;
  const hash = url.indexOf('#');
  const beforeHash = hash >= 0 ? url.slice(0, hash) : url;
  const existingFragment = hash >= 0 ? url.slice(hash) : '';
  if (params.startsWith('#')) return existingFragment ? url : url + params;

  const stripped = params.replace(/^[?&]+/, '');
  const paramHash = stripped.indexOf('#');
  const addQuery = paramHash >= 0 ? stripped.slice(0, paramHash) : stripped;
  const addFragment = paramHash >= 0 ? stripped.slice(paramHash) : '';
  let joined = beforeHash;
  if (addQuery) {
    const separator = !joined.includes('?') ? '?' : joined.endsWith('?') || joined.endsWith('&') ? '' : '&';
    joined += separator + addQuery;
  }
  return joined + (existingFragment || addFragment);
}

/** Joins xml:base values for display and storage ('' when none), each treated as a folder. */
export function joinBases(bases: readonly string[]): string {
  let joined = '';
  for (const raw of bases) {
    const base = raw.trim().replace(/\\/g, '/');
    if (!base) continue;
    const folder = base.endsWith('/') ? base : `${base}/`;
    joined = isHttpUrl(folder) ? folder : joined + folder;
  }
  return joined;
}
