// <resources>: identifiers, SCO/asset type, launch href resolved through the xml:base chain (manifest, resources,
// resource: SCORM CAM "xml:base"), declared files, dependencies (transitively, cycle-safe), and the checks of the
// declared files against what is really in the package.
import { parseMetadata, type MetadataContext } from './metadata.js';
import { joinBases, resolveHref, unsafeBase, type ResolvedHref } from './paths.js';
import type { Resource, ScormType } from './types.js';
import { attr, kid, kids, xmlBase, type XmlElement } from './xml.js';

export interface ResourceEntry {
  resource: Resource;
  /** The href resolved against the bases; null when the resource has no href. */
  launch: ResolvedHref | null;
  scormTypeStated: boolean;
}

export interface ParsedResources {
  list: Resource[];
  byId: Map<string, ResourceEntry>;
  /** Every declared <file> path, in order, for the missing-file check. */
  declaredFiles: string[];
}

export function parseResources(manifest: XmlElement, ctx: MetadataContext): ParsedResources {
  const { problems } = ctx;
  const resourcesEl = kid(manifest, 'resources');
  const baseChain = [xmlBase(manifest), xmlBase(resourcesEl)];
  // A bad xml:base is reported once where it is written, not again for every file below it.
  const sharedBaseProblem = unsafeBase(baseChain);
  if (sharedBaseProblem) {
    problems.error('UNSAFE_PATH', `The xml:base of <manifest> or <resources> ("${joinBases(baseChain)}") cannot be used: ${sharedBaseProblem}. No resource can be launched.`, 'resources');
  }
  const byId = new Map<string, ResourceEntry>();
  const list: Resource[] = [];
  const declaredFiles: string[] = [];

  kids(resourcesEl, 'resource').forEach((el, index) => {
    const identifier = attr(el, 'identifier') ?? '';
    const where = identifier ? `resource "${identifier}"` : `resource number ${index + 1}`;
    const path = `resources/resource[${identifier || index + 1}]`;
    const bases = [...baseChain, xmlBase(el)];
    const baseProblem = sharedBaseProblem ?? unsafeBase(bases);
    if (baseProblem && !sharedBaseProblem) {
      problems.error('UNSAFE_PATH', `The ${where} has xml:base "${xmlBase(el)}", which cannot be used: ${baseProblem}.`, path);
    }

    const files: string[] = [];
    const seen = new Set<string>();
    for (const file of baseProblem ? [] : kids(el, 'file')) {
      const href = attr(file, 'href');
      if (!href) continue;
      const resolved = resolveHref(bases, href);
      if (resolved.kind === 'unsafe') {
        problems.error('UNSAFE_PATH', `The ${where} lists the file "${href}", which is not allowed: ${resolved.reason}.`, path);
      } else if (resolved.kind === 'local' && !seen.has(resolved.file)) {
        seen.add(resolved.file);
        files.push(resolved.file);
        declaredFiles.push(resolved.file);
      }
    }

    const href = attr(el, 'href') || null;
    let launch: ResolvedHref | null = null;
    if (href && baseProblem) {
      launch = { kind: 'unsafe', reason: baseProblem };
    } else if (href) {
      launch = resolveHref(bases, href);
      if (launch.kind === 'unsafe') problems.error('UNSAFE_PATH', `The launch page of ${where}, "${href}", is not allowed: ${launch.reason}.`, path);
    }

    const stated = attr(el, 'scormType')?.toLowerCase();
    let scormType: ScormType = 'asset';
    if (stated === 'sco' || stated === 'asset') scormType = stated;
    else if (stated) problems.warn('SCORM_TYPE_INVALID', `The ${where} has scormType "${stated}", which is neither "sco" nor "asset"; it is treated as an asset.`, path);

    if (!identifier) {
      problems.warn('RESOURCE_IDENTIFIER_MISSING', `The ${where} has no identifier, so no item can launch it.`, path);
      return;
    }
    const resource: Resource = {
      identifier,
      scormType,
      href,
      base: joinBases(bases),
      files,
      dependencies: kids(el, 'dependency')
        .map((d) => attr(d, 'identifierref') ?? '')
        .filter((d) => d !== ''),
      allFiles: [],
      launchUrl: launch?.kind === 'local' || launch?.kind === 'remote' ? launch.url : null,
      metadata: parseMetadata(el, where, ctx),
    };
    if (byId.has(identifier)) {
      problems.warn('DUPLICATE_IDENTIFIER', `Two resources are called "${identifier}"; items that refer to it get the first one.`, path);
      list.push(resource);
      return;
    }
    byId.set(identifier, { resource, launch, scormTypeStated: stated === 'sco' || stated === 'asset' });
    list.push(resource);
  });

  for (const resource of list) {
    for (const dep of resource.dependencies) {
      if (!byId.has(dep)) {
        problems.warn(
          'DEPENDENCY_MISSING',
          `The resource "${resource.identifier}" depends on "${dep}", but there is no resource with that identifier; files it may need could be missing.`,
          `resources/resource[${resource.identifier}]`,
        );
      }
    }
    resource.allFiles = collectFiles(resource, byId);
  }
  return { list, byId, declaredFiles };
}

/** Own files, then each dependency's files, depth first; a dependency cycle is followed once. */
function collectFiles(start: Resource, byId: Map<string, ResourceEntry>): string[] {
  const seen = new Set<string>();
  const files = new Set<string>();
  const visit = (resource: Resource) => {
    if (seen.has(resource.identifier)) return;
    seen.add(resource.identifier);
    for (const f of resource.files) files.add(f);
    for (const dep of resource.dependencies) {
      const next = byId.get(dep);
      if (next) visit(next.resource);
    }
  };
  visit(start);
  return [...files];
}

const MAX_MISSING_LISTED = 50;

function isJunk(path: string): boolean {
  const segments = path.split('/');
  const name = segments[segments.length - 1] ?? '';
  return segments.includes('__MACOSX') || name === '.DS_Store' || name === 'Thumbs.db' || name === 'desktop.ini';
}

/** Checks declared files against the package: missing ones, undeclared ones, macOS junk. Warnings only. */
export function checkPackageFiles(
  ctx: MetadataContext,
  declaredFiles: readonly string[],
  launchFiles: ReadonlySet<string>,
  alreadyReported: ReadonlySet<string>,
): void {
  const { files, problems } = ctx;
  const missing = [...new Set(declaredFiles)].filter((f) => !files.has(f) && !alreadyReported.has(f));
  const lowerCase = new Map([...files].map((f) => [f.toLowerCase(), f]));
  for (const file of missing.slice(0, MAX_MISSING_LISTED)) {
    const other = lowerCase.get(file.toLowerCase());
    const hint = other ? ` (there is "${other}", which differs only in capital letters; web servers treat them as different files)` : '';
    problems.warn('DECLARED_FILE_MISSING', `The manifest lists "${file}", but that file is not in the package${hint}.`, file);
  }
  if (missing.length > MAX_MISSING_LISTED) {
    const rest = missing.length - MAX_MISSING_LISTED;
    problems.warn('DECLARED_FILE_MISSING', `${rest} more files listed in the manifest are not in the package (the first ${MAX_MISSING_LISTED} are listed above).`);
  }

  const declared = new Set([...declaredFiles, ...launchFiles]);
  const undeclared = [...files].filter((f) => {
    if (f.endsWith('/') || declared.has(f) || isJunk(f) || ctx.metadataFiles.has(f)) return false;
    if (f.toLowerCase() === 'imsmanifest.xml') return false;
    return !/\.(xsd|dtd)$/i.test(f);
  });
  if (undeclared.length > 0) {
    const examples = undeclared.slice(0, 5).map((f) => `"${f}"`).join(', ');
    const one = undeclared.length === 1;
    problems.warn(
      'UNDECLARED_FILES',
      `${one ? '1 file in the package is' : `${undeclared.length} files in the package are`} not listed in any resource of the manifest (${undeclared.length > 5 ? 'for example ' : ''}${examples}). ${one ? 'It is' : 'They are'} kept and served here, but other LMSs may leave undeclared files out.`,
    );
  }
  if ([...files].some((f) => f.split('/').includes('__MACOSX'))) {
    problems.warn('MACOSX_JUNK', 'The package contains macOS "__MACOSX" folders (left by zipping on a Mac). They do no harm, but are not part of the course.');
  }
}
