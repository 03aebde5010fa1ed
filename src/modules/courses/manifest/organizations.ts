// <organizations>: the activity trees. Each item gets its resource's type and a launch URL (resource base + href +
// item parameters, checked against the package's files), the SCORM 1.2 adlcp extensions (masteryscore,
// maxtimeallowed, timelimitaction, datafromlms, prerequisites), the 2004 ones (completionThreshold, adlnav
// presentation, adlcp:data) and its resolved sequencing.
import type { MetadataContext } from './metadata.js';
import { parseMetadata } from './metadata.js';
import { appendParameters } from './paths.js';
import type { ResourceEntry } from './resources.js';
import { resolveSequencing } from './sequencing.js';
import type { CompletionThreshold, Item, Organization, ScormStandard, SharedDataMap } from './types.js';
import { attr, kid, kids, textOf, textOrNull, type XmlElement } from './xml.js';

export interface OrganizationContext extends MetadataContext {
  standard: ScormStandard;
  resources: Map<string, ResourceEntry>;
  collection: Map<string, XmlElement>;
  /** Launch files (decoded paths) of launched resources, for the undeclared-file check. */
  launchFiles: Set<string>;
  /** Launch files already reported missing, so they are not reported twice. */
  missingLaunchFiles: Set<string>;
  itemIds: Set<string>;
  /** Resources already reported for lacking adlcp:scormType. */
  typelessReported: Set<string>;
  lowerCaseFiles: Map<string, string>;
}

function bool(value: string | undefined, fallback: boolean): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return fallback;
}

function number(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) ? n : fallback;
}

/** 4th Edition: attributes (defaults false / 1.0 / 1.0). 3rd Edition: the element's text is the threshold. */
function completionThreshold(el: XmlElement | undefined): CompletionThreshold | null {
  if (!el) return null;
  const hasAttributes = ['completedByMeasure', 'minProgressMeasure', 'progressWeight'].some((name) => attr(el, name) !== undefined);
  const text = textOf(el);
  if (!hasAttributes && text !== '' && Number.isFinite(Number(text))) {
    return { completedByMeasure: true, minProgressMeasure: Number(text), progressWeight: 1 };
  }
  return {
    completedByMeasure: bool(attr(el, 'completedByMeasure'), false),
    minProgressMeasure: number(attr(el, 'minProgressMeasure'), 1),
    progressWeight: number(attr(el, 'progressWeight'), 1),
  };
}

function masteryScore(item: XmlElement, where: string, path: string, ctx: OrganizationContext): number | null {
  const text = textOrNull(kid(item, 'masteryscore'));
  if (text === null) return null;
  const n = Number(text);
  if (Number.isFinite(n) && n >= 0 && n <= 100) return n;
  ctx.problems.warn('MASTERY_SCORE_INVALID', `The mastery score of ${where} is "${text}", not a number from 0 to 100; it is ignored.`, path);
  return null;
}

/** Resolves an item's launch URL and checks that the page exists; reports what stops it from playing. */
function launchOf(item: Item, entry: ResourceEntry, where: string, path: string, ctx: OrganizationContext): string | null {
  const { resource, launch } = entry;
  if (!launch) {
    ctx.problems.error(
      'MISSING_LAUNCH_URL',
      `The ${where} launches the resource "${resource.identifier}", but that resource has no href, so there is no page to open.`,
      path,
    );
    return null;
  }
  if (launch.kind === 'unsafe') return null; // reported once, on the resource
  if (launch.kind === 'remote') return appendParameters(launch.url, item.parameters);

  let url = launch.url;
  ctx.launchFiles.add(launch.file);
  if (!ctx.files.has(launch.file)) {
    const actual = ctx.lowerCaseFiles.get(launch.file.toLowerCase());
    if (actual) {
      // Windows-made packages often differ in case only; launch the file that is really there.
      ctx.launchFiles.add(actual);
      url = actual.split('/').map(encodeURIComponent).join('/') + launch.query + launch.fragment;
      if (!ctx.missingLaunchFiles.has(launch.file)) {
        ctx.missingLaunchFiles.add(launch.file);
        ctx.problems.warn(
          'LAUNCH_FILE_CASE_MISMATCH',
          `The resource "${resource.identifier}" launches "${launch.file}", but the package has "${actual}" (different capital letters); "${actual}" is launched.`,
          path,
        );
      }
      resource.launchUrl = url;
    } else if (!ctx.missingLaunchFiles.has(launch.file)) {
      ctx.missingLaunchFiles.add(launch.file);
      ctx.problems.error(
        'LAUNCH_FILE_MISSING',
        `The ${where} launches "${launch.file}" (resource "${resource.identifier}"), but that file is not in the package.`,
        path,
      );
    }
  }
  return appendParameters(url, item.parameters);
}

function parseItem(el: XmlElement, parentPath: string, ctx: OrganizationContext): Item {
  const { problems } = ctx;
  let identifier = attr(el, 'identifier') ?? '';
  if (!identifier) {
    identifier = `__item_${ctx.itemIds.size + 1}`;
    problems.warn('ITEM_IDENTIFIER_MISSING', `An item in ${parentPath} has no identifier; it is called "${identifier}" here, but progress on it cannot be matched to a later version of the course.`, parentPath);
  } else if (ctx.itemIds.has(identifier)) {
    problems.warn('DUPLICATE_IDENTIFIER', `Two items are called "${identifier}"; learners' progress on them will be mixed up.`, parentPath);
  }
  ctx.itemIds.add(identifier);
  const path = `${parentPath}/item[${identifier}]`;
  const where = `item "${identifier}"`;

  let title = textOrNull(kid(el, 'title'))?.replace(/\s+/g, ' ') ?? null;
  if (title === null) {
    problems.warn('ITEM_TITLE_MISSING', `The ${where} has no title; its identifier is shown instead.`, path);
    title = identifier;
  }
  const presentation = kid(el, 'presentation');
  const data = kid(el, 'data', (k) => k === 'adlcp');
  const item: Item = {
    identifier,
    title,
    isVisible: bool(attr(el, 'isvisible'), true),
    parameters: attr(el, 'parameters') || null,
    resourceId: null,
    scormType: null,
    launchUrl: null,
    masteryScore: masteryScore(el, where, path, ctx),
    maxTimeAllowed: textOrNull(kid(el, 'maxtimeallowed')),
    timeLimitAction: textOrNull(kid(el, 'timelimitaction')),
    dataFromLms: textOrNull(kid(el, 'datafromlms')),
    prerequisites: textOrNull(kid(el, 'prerequisites')),
    completionThreshold: completionThreshold(kid(el, 'completionThreshold')),
    presentation: presentation ? { hideLMSUI: kids(kid(presentation, 'navigationInterface'), 'hideLMSUI').map(textOf).filter(Boolean) } : null,
    sharedData: kids(data, 'map').map(
      (m): SharedDataMap => ({
        targetID: attr(m, 'targetID') ?? '',
        readSharedData: bool(attr(m, 'readSharedData'), true),
        writeSharedData: bool(attr(m, 'writeSharedData'), true),
      }),
    ),
    sequencing: resolveSequencing(el, where, ctx.collection, problems),
    metadata: parseMetadata(el, where, ctx),
    children: [],
  };

  const ref = attr(el, 'identifierref');
  if (ref) {
    const entry = ctx.resources.get(ref);
    if (!entry) {
      problems.error('MISSING_RESOURCE', `The ${where} ("${title}") refers to the resource "${ref}", but the manifest has no resource with that identifier.`, path);
    } else {
      item.resourceId = ref;
      item.scormType = entry.resource.scormType;
      if (!entry.scormTypeStated && !ctx.typelessReported.has(ref)) {
        ctx.typelessReported.add(ref);
        problems.warn(
          'SCORM_TYPE_MISSING',
          `The resource "${ref}" launched by ${where} does not say whether it is a SCO or an asset (adlcp:scormType); it is treated as an asset, so the LMS will not track what the learner does in it.`,
          `resources/resource[${ref}]`,
        );
      }
      item.launchUrl = launchOf(item, entry, where, path, ctx);
    }
  }
  item.children = kids(el, 'item').map((child) => parseItem(child, path, ctx));
  if (ctx.standard === 'scorm2004' && item.resourceId && item.children.length > 0) {
    problems.warn(
      'RESOURCE_ON_PARENT_ITEM',
      `The ${where} has child items and also a resource. SCORM 2004 only launches leaf items, so its own resource is not launched by sequencing.`,
      path,
    );
  }
  return item;
}

/** One <organization>. `index` names organizations without an identifier. */
export function parseOrganization(el: XmlElement, index: number, ctx: OrganizationContext): Organization & { titleStated: boolean } {
  let identifier = attr(el, 'identifier') ?? '';
  if (!identifier) {
    identifier = `__organization_${index + 1}`;
    ctx.problems.warn(
      'ORGANIZATION_IDENTIFIER_MISSING',
      `Organization number ${index + 1} has no identifier (it is required). It is still used, under the name "${identifier}".`,
      `organizations/organization[${index + 1}]`,
    );
  }
  const path = `organization[${identifier}]`;
  const stated = textOrNull(kid(el, 'title'))?.replace(/\s+/g, ' ') ?? null;
  if (stated === null) ctx.problems.warn('ORGANIZATION_TITLE_MISSING', `The organization "${identifier}" has no title; the course title comes from elsewhere.`, path);
  return {
    identifier,
    title: stated ?? identifier,
    titleStated: stated !== null,
    items: kids(el, 'item').map((item) => parseItem(item, path, ctx)),
    sequencing: resolveSequencing(el, `organization "${identifier}"`, ctx.collection, ctx.problems),
    objectivesGlobalToSystem: bool(attr(el, 'objectivesGlobalToSystem'), true),
    sharedDataGlobalToSystem: bool(attr(el, 'sharedDataGlobalToSystem'), true),
    metadata: parseMetadata(el, `organization "${identifier}"`, ctx),
  };
}

/**
 * No organization at all, but launchable resources: like Moodle, make one item per SCO resource (or per asset
 * with a launch page when there is no SCO) so that the package still plays.
 */
export function fallbackOrganization(title: string, ctx: OrganizationContext): Organization {
  const entries = [...ctx.resources.values()].filter((e) => e.launch !== null && e.launch.kind !== 'unsafe');
  const scos = entries.filter((e) => e.resource.scormType === 'sco');
  const chosen = scos.length > 0 ? scos : entries;
  const items = chosen.map(({ resource }): Item => {
    const item: Item = {
      identifier: resource.identifier,
      title: resource.metadata?.title ?? (chosen.length === 1 ? title : resource.identifier),
      isVisible: true,
      parameters: null,
      resourceId: resource.identifier,
      scormType: resource.scormType,
      launchUrl: null,
      masteryScore: null,
      maxTimeAllowed: null,
      timeLimitAction: null,
      dataFromLms: null,
      prerequisites: null,
      completionThreshold: null,
      presentation: null,
      sharedData: [],
      sequencing: null,
      metadata: null,
      children: [],
    };
    const entry = ctx.resources.get(resource.identifier);
    if (entry) item.launchUrl = launchOf(item, entry, `item for resource "${resource.identifier}"`, `resources/resource[${resource.identifier}]`, ctx);
    return item;
  });
  return { identifier: '__default_organization', title, items, sequencing: null, objectivesGlobalToSystem: true, sharedDataGlobalToSystem: true, metadata: null };
}
