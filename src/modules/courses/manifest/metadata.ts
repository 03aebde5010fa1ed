// <metadata> at any level of a manifest: inline IEEE LOM (SCORM 2004: <lom><general><title><string>; SCORM 1.2's
// IMS MD: <lom><general><title><langstring>) and/or an external LOM file named by adlcp:location (SCORM CAM,
// "<adlcp:location>"), read through the caller's reader and parsed with the same safe loader as the manifest.
import { resolveHref } from './paths.js';
import type { Problems } from './problems.js';
import type { Metadata } from './types.js';
import { kid, kids, loadXml, textOf, type XmlElement } from './xml.js';

export interface MetadataContext {
  problems: Problems;
  files: ReadonlySet<string>;
  readFile: ((path: string) => string | null) | undefined;
  /** Every external metadata file referenced, so that it does not count as an undeclared file. */
  metadataFiles: Set<string>;
}

interface LomSummary {
  title: string | null;
  description: string | null;
  keywords: string[];
}

/** First non-empty language string of a LOM LangString element (2004 <string>, 1.2 <langstring>). */
function langString(el: XmlElement | undefined): string | null {
  if (!el) return null;
  for (const s of [...kids(el, 'string'), ...kids(el, 'langstring')]) {
    const value = textOf(s).replace(/\s+/g, ' ');
    if (value) return value;
  }
  const own = textOf(el);
  return own && el.children.length === 0 ? own : null;
}

function summariseLom(lom: XmlElement): LomSummary {
  const general = kid(lom, 'general');
  const keywords: string[] = [];
  for (const keyword of kids(general, 'keyword')) {
    for (const s of [...kids(keyword, 'string'), ...kids(keyword, 'langstring')]) {
      const value = textOf(s);
      if (value && !keywords.includes(value)) keywords.push(value);
    }
  }
  return { title: langString(kid(general, 'title')), description: langString(kid(general, 'description')), keywords };
}

function readExternal(location: string, where: string, ctx: MetadataContext): { path: string; lom: LomSummary | null } | null {
  const resolved = resolveHref([], location);
  if (resolved.kind !== 'local') {
    ctx.problems.warn(
      'METADATA_LOCATION_INVALID',
      `The metadata of ${where} points to "${location}", which is not a file inside the package, so it was not read.`,
      where,
    );
    return null;
  }
  const path = resolved.file;
  ctx.metadataFiles.add(path);
  const text = ctx.readFile ? ctx.readFile(path) : null;
  if (text === null) {
    if (!ctx.files.has(path)) {
      ctx.problems.warn('METADATA_FILE_MISSING', `The metadata file "${path}" named by ${where} is not in the package; its title and description are not used.`, where);
    }
    return { path, lom: null };
  }
  const loaded = loadXml(text, `The metadata file "${path}"`);
  if (!loaded.ok) {
    // A hostile entity declaration is as unsafe in a metadata file as in the manifest itself.
    if (loaded.problem.code === 'XML_ENTITIES_FORBIDDEN') ctx.problems.error(loaded.problem.code, loaded.problem.message, path);
    else ctx.problems.warn('METADATA_UNREADABLE', `${loaded.problem.message} Its title and description are not used.`, path);
    return { path, lom: null };
  }
  const root = loaded.root;
  const lom = root.local.toLowerCase() === 'lom' ? root : kid(root, 'lom');
  return { path, lom: lom ? summariseLom(lom) : null };
}

/**
 * The metadata of one element (manifest, organization, item, resource). Inline LOM wins over the external file
 * for each field; keywords are merged. Null when the element carries no descriptive metadata at all.
 */
export function parseMetadata(owner: XmlElement | undefined, where: string, ctx: MetadataContext): Metadata | null {
  const metadata = kid(owner, 'metadata');
  if (!metadata) return null;
  const inline = kid(metadata, 'lom');
  const inlineLom = inline ? summariseLom(inline) : null;
  const locationText = textOf(kid(metadata, 'location'));
  const external = locationText ? readExternal(locationText, where, ctx) : null;
  if (!inlineLom && !external) return null;

  const result: Metadata = {
    title: inlineLom?.title ?? external?.lom?.title ?? null,
    description: inlineLom?.description ?? external?.lom?.description ?? null,
    keywords: [...new Set([...(inlineLom?.keywords ?? []), ...(external?.lom?.keywords ?? [])])],
  };
  if (external) result.location = external.path;
  return result;
}
