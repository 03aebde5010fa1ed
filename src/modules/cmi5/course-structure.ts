// cmi5 course structure parser: cmi5.xml text (+ the zip's file list, when it came in a zip) in, a plain-JSON course
// tree or every problem found out. Owns what an LMS must check at import (cmi5 spec sections 13 and 14, and the
// launch-parameter rule of 8.1): absolute IRIs, unique ids, AU URLs that are valid, fully qualified when there is no
// zip and present in the zip when relative, and the value spaces of moveOn, launchMethod and masteryScore. The
// XSD's structural rules live in course-structure-xsd.ts. Pure (no I/O) and never throws on bad input. Unlike the
// SCORM importer, cmi5 says what to reject ("The LMS must reject..."), so those are errors, not warnings.
import { Problems, unstorableTextProblem } from '../courses/manifest/problems.js';
import type { Problem } from '../courses/manifest/types.js';
import { attrOf, checkXsd, childPath, CMI5_NS, cmi5Kids, loadCourseXml, type NsElement } from './course-structure-xsd.js';

export type { Problem };

export interface Cmi5Input {
  xml: string;
  /** Every path inside the zip ('/'-separated, no leading '/'); null for a bare cmi5.xml upload. */
  files: ReadonlySet<string> | null;
}

export type Cmi5Result = { ok: true; course: Cmi5Course; warnings: Problem[] } | { ok: false; errors: Problem[]; warnings: Problem[] };

/** {language tag: text}; a langstring without a lang attribute is filed under 'und' (BCP 47 "undetermined"). */
export type LangMap = Record<string, string>;
export type MoveOn = 'NotApplicable' | 'Passed' | 'Completed' | 'CompletedAndPassed' | 'CompletedOrPassed';
export type LaunchMethod = 'AnyWindow' | 'OwnWindow';

export interface Cmi5Objective {
  id: string;
  title: LangMap;
  description: LangMap;
}

export interface Cmi5Au {
  type: 'au';
  id: string;
  title: LangMap;
  description: LangMap;
  /** The url as written, trimmed (CDATA unwrapped, entities decoded). */
  url: string;
  /** True when the url has no scheme: it names a file in the zip, relative to the zip's root. */
  urlIsRelative: boolean;
  launchMethod: LaunchMethod;
  moveOn: MoveOn;
  /** 0..1, or null when the AU has none. */
  masteryScore: number | null;
  launchParameters: string | null;
  entitlementKey: string | null;
  activityType: string | null;
  /** Ids of the objectives the AU references (objectives/objective/@idref). */
  objectives: string[];
}

export interface Cmi5Block {
  type: 'block';
  id: string;
  title: LangMap;
  description: LangMap;
  objectives: string[];
  children: Cmi5Node[];
}

export type Cmi5Node = Cmi5Au | Cmi5Block;

export interface Cmi5Course {
  id: string;
  title: LangMap;
  description: LangMap;
  objectives: Cmi5Objective[];
  /** Top-level blocks and AUs, in document order. */
  children: Cmi5Node[];
  auCount: number;
  blockCount: number;
}

const MOVE_ON: readonly MoveOn[] = ['NotApplicable', 'Passed', 'Completed', 'CompletedAndPassed', 'CompletedOrPassed'];
const LAUNCH_METHOD: readonly LaunchMethod[] = ['AnyWindow', 'OwnWindow'];
/** The query string names the LMS appends at launch (8.1); compared case-sensitively, as the spec spells them. */
const LAUNCH_PARAMETERS = ['endpoint', 'fetch', 'actor', 'registration', 'activityId'];
/** Schemes that would run code in the LMS's own page instead of loading an AU. */
const FORBIDDEN_SCHEMES = new Set(['javascript', 'vbscript', 'data']);
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
// Characters RFC 1738 / RFC 3987 never allow unencoded in a URL or IRI (whitespace, controls, <>"{}|\^`).
const UNSAFE = /[\s\u0000-\u001f\u007f<>"{}|\\^`]/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
// xs:language, the type of langstring/@lang.
const LANGUAGE = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;
// xs:decimal: no exponent, no "NaN"/"INF".
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

type Kind = 'course' | 'block' | 'au' | 'objective';

interface Context {
  problems: Problems;
  files: ReadonlySet<string> | null;
  /** id -> path of its first holder, per kind (ids must be unique among blocks, among AUs, among objectives). */
  seen: Record<Exclude<Kind, 'course'>, Map<string, string>>;
  /** Objective references, checked once every declared objective is known. */
  references: { idref: string; path: string }[];
  auCount: number;
  blockCount: number;
}

export function parseCourseStructure(input: Cmi5Input): Cmi5Result {
  const loaded = loadCourseXml(input.xml);
  if (!loaded.ok) return { ok: false, errors: [loaded.problem], warnings: [] };
  const root = loaded.root;
  if (root.local !== 'courseStructure' || root.ns !== CMI5_NS) {
    const message =
      root.local !== 'courseStructure'
        ? `This is not a cmi5 course structure: it starts with <${root.local}>, but a cmi5.xml starts with <courseStructure>.`
        : `<courseStructure> is not in the cmi5 namespace${root.ns ? ` (it is in "${root.ns}")` : ''}. It must declare xmlns="${CMI5_NS}".`;
    return { ok: false, errors: [{ code: 'NOT_COURSE_STRUCTURE', message, path: root.local }], warnings: [] };
  }
  const problems = new Problems();
  // Structure first, then meaning: both run to the end, so the author sees every problem in one go.
  checkXsd(root, 'courseStructure', '', problems);
  const ctx: Context = { problems, files: input.files, seen: { block: new Map(), au: new Map(), objective: new Map() }, references: [], auCount: 0, blockCount: 0 };

  const courseEl = cmi5Kids(root, 'course')[0];
  const coursePath = courseEl ? childPath('', courseEl, root) : 'course';
  const courseId = courseEl ? readId(courseEl, 'course', coursePath, ctx) : '';
  const title = courseEl ? langMap(courseEl, 'title', coursePath, ctx) : {};
  const description = courseEl ? langMap(courseEl, 'description', coursePath, ctx) : {};
  const objectives = cmi5Kids(root, 'objectives').flatMap((list) =>
    cmi5Kids(list, 'objective').map((el) => {
      const path = childPath('objectives', el, list);
      return { id: readId(el, 'objective', path, ctx), title: langMap(el, 'title', path, ctx), description: langMap(el, 'description', path, ctx) };
    }),
  );
  const children = readNodes(root, '', ctx);
  for (const ref of ctx.references) {
    if (!ctx.seen.objective.has(ref.idref)) {
      problems.warn('OBJECTIVE_REFERENCE_UNKNOWN', `The objective "${ref.idref}" is referenced but not declared in the course's <objectives>; the reference is kept but means nothing to the LMS.`, ref.path);
    }
  }
  if (problems.errors.length > 0 || !courseEl) return { ok: false, errors: problems.errors, warnings: problems.warnings };
  const course: Cmi5Course = { id: courseId, title, description, objectives, children, auCount: ctx.auCount, blockCount: ctx.blockCount };
  const unstorable = unstorableTextProblem(course, 'cmi5.xml');
  if (unstorable) return { ok: false, errors: [unstorable], warnings: problems.warnings };
  return { ok: true, course, warnings: problems.warnings };
}

function readNodes(parent: NsElement, parentPath: string, ctx: Context): Cmi5Node[] {
  return cmi5Kids(parent, 'au', 'block').map((el) => {
    const path = childPath(parentPath, el, parent);
    const id = readId(el, el.local as 'au' | 'block', path, ctx);
    const base = { id, title: langMap(el, 'title', path, ctx), description: langMap(el, 'description', path, ctx), objectives: objectiveRefs(el, path, ctx) };
    if (el.local === 'block') {
      ctx.blockCount += 1;
      return { type: 'block', ...base, children: readNodes(el, path, ctx) };
    }
    ctx.auCount += 1;
    const urlEl = cmi5Kids(el, 'url')[0];
    const url = (urlEl?.text ?? '').trim();
    const activityType = attrOf(el, 'activityType') || null;
    if (activityType !== null && !isAbsoluteIri(activityType)) {
      ctx.problems.error('ACTIVITY_TYPE_NOT_IRI', `The AU's activityType "${activityType}" is not an absolute IRI (it must start with a scheme such as "http://"); cmi5 says IRIs must be fully qualified.`, path);
    }
    const au: Cmi5Au = {
      type: 'au',
      ...base,
      url,
      urlIsRelative: url !== '' && !SCHEME.test(url),
      launchMethod: oneOf(el, 'launchMethod', LAUNCH_METHOD, 'AnyWindow', 'LAUNCH_METHOD_INVALID', path, ctx),
      moveOn: oneOf(el, 'moveOn', MOVE_ON, 'NotApplicable', 'MOVE_ON_INVALID', path, ctx),
      masteryScore: masteryScore(el, path, ctx),
      launchParameters: textOrNull(cmi5Kids(el, 'launchParameters')[0]),
      entitlementKey: textOrNull(cmi5Kids(el, 'entitlementKey')[0]),
      activityType,
    };
    if (urlEl) checkAuUrl(url, `${path}/url`, ctx); // a missing <url> is reported by the XSD check
    return au;
  });
}

function textOrNull(el: NsElement | undefined): string | null {
  const text = el?.text.trim() ?? '';
  return text === '' ? null : text;
}

/** An absolute IRI: a scheme, something after it, and no character an IRI can never hold. */
function isAbsoluteIri(value: string): boolean {
  const scheme = SCHEME.exec(value);
  return scheme !== null && value.length > scheme[0].length && !UNSAFE.test(value) && !BAD_ESCAPE.test(value);
}

function readId(el: NsElement, kind: Kind, path: string, ctx: Context): string {
  const id = attrOf(el, 'id');
  if (id === undefined) return ''; // reported by the XSD check
  const label = kind === 'au' ? 'AU' : kind;
  if (!isAbsoluteIri(id)) {
    ctx.problems.error('ID_NOT_IRI', `The ${label} id "${id}" is not an absolute IRI. cmi5 ids must be fully qualified, with a scheme: for example "https://example.com/${kind}/1", not "example.com/${kind}/1".`, path);
  }
  if (kind === 'course') return id;
  const first = ctx.seen[kind].get(id);
  if (first !== undefined) {
    const code = kind === 'au' ? 'DUPLICATE_AU_ID' : kind === 'block' ? 'DUPLICATE_BLOCK_ID' : 'DUPLICATE_OBJECTIVE_ID';
    const where = first === path ? '' : ` (the first is at ${first})`;
    ctx.problems.error(code, `Two ${label === 'AU' ? 'AUs' : `${label}s`} have the id "${id}"${where}; each ${label} id must be unique in the course.`, path);
  } else ctx.seen[kind].set(id, path);
  return id;
}

function langMap(el: NsElement, name: 'title' | 'description', path: string, ctx: Context): LangMap {
  const map: LangMap = {};
  for (const holder of cmi5Kids(el, name)) {
    for (const ls of cmi5Kids(holder, 'langstring')) {
      const lang = attrOf(ls, 'lang') || 'und';
      if (lang !== 'und' && !LANGUAGE.test(lang)) {
        ctx.problems.error('LANG_INVALID', `The language "${lang}" of a <${name}> is not a language tag (like "en" or "en-US").`, `${path}/${name}`);
      }
      if (lang in map) ctx.problems.warn('LANGSTRING_DUPLICATE', `The <${name}> has two texts for the language "${lang}"; the first is used.`, `${path}/${name}`);
      else map[lang] = ls.text.trim();
    }
  }
  return map;
}

function objectiveRefs(el: NsElement, path: string, ctx: Context): string[] {
  const ids: string[] = [];
  for (const list of cmi5Kids(el, 'objectives')) {
    for (const ref of cmi5Kids(list, 'objective')) {
      const idref = attrOf(ref, 'idref');
      const refPath = childPath(`${path}/objectives`, ref, list);
      if (!idref) {
        ctx.problems.warn('OBJECTIVE_REFERENCE_UNKNOWN', 'An objective reference has no idref, so it names no objective; it is ignored.', refPath);
        continue;
      }
      if (!isAbsoluteIri(idref)) {
        ctx.problems.error('ID_NOT_IRI', `The objective reference "${idref}" is not an absolute IRI; objective ids must be fully qualified, with a scheme.`, refPath);
      }
      ids.push(idref);
      ctx.references.push({ idref, path: refPath });
    }
  }
  return ids;
}

function oneOf<T extends string>(el: NsElement, name: string, allowed: readonly T[], fallback: T, code: string, path: string, ctx: Context): T {
  const value = attrOf(el, name);
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const near = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  const hint = near ? ` (values are case-sensitive: write "${near}")` : '';
  ctx.problems.error(code, `${name}="${value}" is not allowed${hint}. It must be one of: ${allowed.join(', ')}.`, path);
  return fallback;
}

function masteryScore(el: NsElement, path: string, ctx: Context): number | null {
  const raw = attrOf(el, 'masteryScore');
  if (raw === undefined) return null;
  const value = Number(raw);
  if (DECIMAL.test(raw) && value >= 0 && value <= 1) return value;
  ctx.problems.error('MASTERY_SCORE_INVALID', `masteryScore="${raw}" is not allowed: it must be a decimal number from 0 to 1 (for example 0.8 for 80%).`, path);
  return null;
}

/** The part of a URL before its query, and the query without '?'; the fragment is dropped. */
function splitUrl(url: string): { path: string; query: string } {
  const noFragment = url.split('#')[0] ?? '';
  const q = noFragment.indexOf('?');
  return q < 0 ? { path: noFragment, query: '' } : { path: noFragment.slice(0, q), query: noFragment.slice(q + 1) };
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function checkAuUrl(url: string, path: string, ctx: Context): void {
  const { problems, files } = ctx;
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase() ?? null;
  // RFC 1738 (13.1.4): no spaces or other unsafe characters, well-formed %-escapes, at most one '#'; and a URL
  // that WHATWG URL parsing (what the browser will do at launch) accepts.
  let parses = true;
  try {
    new URL(url, 'https://lms.invalid/package/');
  } catch {
    parses = false;
  }
  if (url === '' || UNSAFE.test(url) || BAD_ESCAPE.test(url) || url.split('#').length > 2 || !parses) {
    const why = url === '' ? 'it is empty' : UNSAFE.test(url) ? 'it contains a space or another character that must be %-encoded' : 'it cannot be read as a URL';
    problems.error('AU_URL_INVALID', `The AU url "${url}" is not a valid URL: ${why}.`, path);
    return;
  }
  if (scheme !== null && FORBIDDEN_SCHEMES.has(scheme)) {
    problems.error('AU_URL_SCHEME_FORBIDDEN', `The AU url uses the "${scheme}:" scheme, which runs code instead of loading a page; it is refused.`, path);
    return;
  }
  const { path: filePart, query } = splitUrl(url);
  const names = query === '' ? [] : query.split('&').map((pair) => decode((pair.split('=')[0] ?? '').replace(/\+/g, ' ')));
  const clashes = LAUNCH_PARAMETERS.filter((p) => names.includes(p));
  if (clashes.length > 0) {
    problems.error('AU_URL_LAUNCH_PARAMETER_CONFLICT', `The AU url's query string already has ${clashes.map((c) => `"${c}"`).join(', ')}, which the LMS adds itself at launch (cmi5 8.1). Rename ${clashes.length === 1 ? 'that parameter' : 'those parameters'}.`, path);
  }
  if (scheme !== null) return;
  if (files === null) {
    problems.error('AU_URL_RELATIVE_WITHOUT_ZIP', `The AU url "${url}" is relative, but this cmi5.xml was uploaded on its own, so there is no package for it to point into. Use a full URL (https://...) or upload a zip with cmi5.xml and the AU's files.`, path);
    return;
  }
  // Relative URLs are relative to the zip's root (where cmi5.xml is). A leading '/' or too many '..' would leave
  // the package: such a URL cannot work wherever the LMS serves the package from.
  const segments: string[] = [];
  let escapes = filePart.startsWith('/');
  for (const segment of filePart.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') escapes = segments.pop() === undefined || escapes;
    else segments.push(decode(segment));
  }
  if (escapes) {
    problems.error('AU_URL_OUTSIDE_PACKAGE', `The AU url "${url}" points outside the package (it starts with "/" or climbs above the zip's root with ".."). Write it relative to cmi5.xml, e.g. "index.html".`, path);
    return;
  }
  const file = segments.join('/');
  if (files.has(file)) return;
  const sameButCase = [...files].find((f) => f.toLowerCase() === file.toLowerCase());
  const hint = sameButCase ? ` The zip has "${sameButCase}": file names are case-sensitive.` : ' An AU outside the package needs a full URL (https://...).';
  problems.error('AU_URL_FILE_MISSING', `The AU url "${url}" names the file "${file}", which is not in the zip.${hint}`, path);
}
