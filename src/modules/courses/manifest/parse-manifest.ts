// SCORM manifest parser: imsmanifest.xml text + the package's file list in, the activity trees and every problem
// out. Pure (no I/O besides the optional metadata reader), never throws on bad input, and collects all problems in
// one pass. Errors are kept for what cannot play or is unsafe; everything else is a warning (REFERENCE.md §2:
// "reject only what cannot play").
import { detectEdition } from './edition.js';
import type { MetadataContext } from './metadata.js';
import { parseMetadata } from './metadata.js';
import { fallbackOrganization, parseOrganization, type OrganizationContext } from './organizations.js';
import { Problems, unstorableTextProblem } from './problems.js';
import { checkPackageFiles, parseResources } from './resources.js';
import { readSequencingCollection } from './sequencing.js';
import type { Item, ManifestInput, ManifestResult, Organization, ParsedPackage } from './types.js';
import { attr, kid, kids, loadXml, textOrNull } from './xml.js';

export type * from './types.js';

interface Counts {
  itemCount: number;
  scoCount: number;
  assetCount: number;
  launchableCount: number;
  /** Items whose identifierref names a real resource, whether or not its launch page turned out usable. */
  referencingCount: number;
}

function countItems(items: readonly Item[], counts: Counts): Counts {
  for (const item of items) {
    counts.itemCount += 1;
    if (item.resourceId !== null) counts.referencingCount += 1;
    if (item.launchUrl !== null) {
      counts.launchableCount += 1;
      if (item.scormType === 'sco') counts.scoCount += 1;
      else counts.assetCount += 1;
    }
    countItems(item.children, counts);
  }
  return counts;
}

export function parseManifest(input: ManifestInput): ManifestResult {
  const problems = new Problems();
  const loaded = loadXml(input.xml);
  if (!loaded.ok) return { ok: false, errors: [loaded.problem], warnings: [] };
  const root = loaded.root;
  if (root.local !== 'manifest') {
    const message = `imsmanifest.xml should start with a <manifest> element, but it starts with <${root.local}>. This is not a SCORM manifest.`;
    return { ok: false, errors: [{ code: 'NOT_A_MANIFEST', message }], warnings: [] };
  }

  const identifier = attr(root, 'identifier') ?? '';
  if (!identifier) problems.warn('MANIFEST_IDENTIFIER_MISSING', 'The <manifest> has no identifier attribute (it is required); the course is still imported.', 'manifest');
  const schemaVersion = textOrNull(kid(kid(root, 'metadata'), 'schemaversion'));
  const edition = detectEdition(root, loaded.namespaces, schemaVersion);
  problems.warnings.push(...edition.warnings);

  const metaCtx: MetadataContext = { problems, files: input.files, readFile: input.readFile, metadataFiles: new Set() };
  const metadata = parseMetadata(root, 'the manifest', metaCtx);
  const collection = readSequencingCollection(root, problems);
  const resources = parseResources(root, metaCtx);
  const ctx: OrganizationContext = {
    ...metaCtx,
    standard: edition.standard,
    resources: resources.byId,
    collection,
    launchFiles: new Set(),
    missingLaunchFiles: new Set(),
    itemIds: new Set(),
    typelessReported: new Set(),
    lowerCaseFiles: new Map([...input.files].map((f) => [f.toLowerCase(), f])),
  };

  const organizationsEl = kid(root, 'organizations');
  const parsed = kids(organizationsEl, 'organization').map((el, index) => parseOrganization(el, index, ctx));
  const organizations: Organization[] = parsed.map(({ titleStated: _unused, ...org }) => org);
  let defaultOrg: Organization | undefined;
  let defaultTitleStated = false;
  if (parsed.length === 0) {
    const fallbackTitle = metadata?.title ?? (identifier || 'Untitled course');
    const fallback = fallbackOrganization(fallbackTitle, ctx);
    if (fallback.items.length > 0) {
      problems.warn(
        'NO_ORGANIZATION',
        `The manifest has no <organization>, so there is no table of contents. One was made with ${fallback.items.length === 1 ? 'one entry' : `${fallback.items.length} entries`}, one for each ${fallback.items.some((i) => i.scormType === 'sco') ? 'SCO' : 'launchable'} resource.`,
        'organizations',
      );
      organizations.push(fallback);
      defaultOrg = fallback;
    }
  } else {
    const wanted = attr(organizationsEl, 'default');
    const index = wanted ? parsed.findIndex((o) => o.identifier === wanted) : -1;
    const chosen = index >= 0 ? index : 0;
    defaultOrg = organizations[chosen];
    defaultTitleStated = parsed[chosen]?.titleStated ?? false;
    if (index < 0 && (wanted || parsed.length > 1)) {
      const said = wanted ? `The default organization "${wanted}" does not exist` : 'The manifest does not say which organization is the default';
      problems.warn('DEFAULT_ORGANIZATION_MISSING', `${said}; the first organization, "${defaultOrg?.title}", is used.`, 'organizations');
    }
  }

  const counts = countItems(defaultOrg?.items ?? [], { itemCount: 0, scoCount: 0, assetCount: 0, launchableCount: 0, referencingCount: 0 });
  if (!defaultOrg || counts.referencingCount === 0) {
    problems.error(
      'NO_LAUNCHABLE_ITEM',
      defaultOrg
        ? `The organization "${defaultOrg.title}" has no item that launches a resource, so there is nothing for a learner to open.`
        : 'The manifest has no organization and no resource with a launch page, so there is nothing for a learner to open.',
      defaultOrg ? `organization[${defaultOrg.identifier}]` : 'organizations',
    );
  }
  checkPackageFiles(metaCtx, resources.declaredFiles, ctx.launchFiles, ctx.missingLaunchFiles);

  if (problems.errors.length > 0 || !defaultOrg) return { ok: false, errors: problems.errors, warnings: problems.warnings };
  const orgMetadata = defaultOrg.metadata;
  const pkg: ParsedPackage = {
    standard: edition.standard,
    edition: edition.edition,
    schemaVersion,
    identifier,
    title: (defaultTitleStated ? defaultOrg.title : null) ?? metadata?.title ?? orgMetadata?.title ?? (identifier || defaultOrg.title),
    description: metadata?.description ?? orgMetadata?.description ?? null,
    defaultOrganizationId: defaultOrg.identifier,
    organizations,
    resources: resources.list,
    metadata,
    itemCount: counts.itemCount,
    scoCount: counts.scoCount,
    assetCount: counts.assetCount,
    launchableCount: counts.launchableCount,
  };
  const unstorable = unstorableTextProblem(pkg, 'imsmanifest.xml');
  if (unstorable) return { ok: false, errors: [unstorable], warnings: problems.warnings };
  return { ok: true, pkg, warnings: problems.warnings };
}
