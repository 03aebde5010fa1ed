// cmi5.xml as XML: safe, namespace-aware loading, and the structural rules of CourseStructure.xsd written out by hand
// (which elements may appear where, in what order and how often, and which attributes each may carry). Values
// (IRIs, URLs, moveOn, masteryScore...) are judged by course-structure.ts, which owns the cmi5 meaning.
// Why not the SCORM loader in ../courses/manifest/xml.ts: its tree keeps a SCORM "kind" per element, not the
// namespace URI, and the XSD turns on exact URIs (cmi5 elements vs `xs:any namespace="##other"` extensions).
// Safety is the same as there: a DOCTYPE declaring entities is refused, nothing is expanded or fetched.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { decodeEntities } from '../courses/manifest/xml.js';
import type { Problems } from '../courses/manifest/problems.js';
import type { Problem } from '../courses/manifest/types.js';

export const CMI5_NS = 'https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
// A schema-validating parser accepts xsi:schemaLocation & co. on any element, whatever the schema says.
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

export interface NsAttr {
  /** Namespace URI; '' for an unprefixed attribute (attributes never take the default namespace). */
  ns: string;
  local: string;
  value: string;
}

export interface NsElement {
  /** Namespace URI; '' when the element is in no namespace. */
  ns: string;
  local: string;
  attrs: NsAttr[];
  children: NsElement[];
  /** Direct text and CDATA, entities decoded, not trimmed. */
  text: string;
}

export type LoadedXml = { ok: true; root: NsElement } | { ok: false; problem: Problem };

class UnboundPrefix extends Error {}

/** Parses untrusted cmi5.xml text. Never throws: a refusal or a syntax error comes back as one Problem. */
export function loadCourseXml(xmlText: string): LoadedXml {
  const xml = xmlText.replace(/^\uFEFF/, '');
  const bare = xml.replace(/<!--[\s\S]*?-->/g, '').replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  if (/<!ENTITY/i.test(bare)) {
    const message = 'cmi5.xml declares its own XML entities (<!ENTITY> in a DOCTYPE). That is refused for safety: it is how XML files are made to read server files or to expand into gigabytes. Remove the DOCTYPE; cmi5.xml does not need one.';
    return { ok: false, problem: { code: 'XML_ENTITIES_FORBIDDEN', message } };
  }
  if (!/<[A-Za-z_]/.test(bare.replace(/<\?[\s\S]*?\?>/g, ''))) {
    return { ok: false, problem: { code: 'NOT_XML', message: 'The course structure is not XML: it has no element at all (a cmi5.xml starts with <courseStructure ...>).' } };
  }
  const valid = XMLValidator.validate(xml, { allowBooleanAttributes: false });
  if (valid !== true) {
    const { line, msg } = valid.err;
    return { ok: false, problem: { code: 'MALFORMED_XML', message: `cmi5.xml is not well-formed XML: line ${line}: ${msg}`, path: `line ${line}` } };
  }
  try {
    const parser = new XMLParser({
      preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false,
      processEntities: false, htmlEntities: false, trimValues: false, cdataPropName: '#cdata', ignoreDeclaration: true, ignorePiTags: true,
    });
    const raw: unknown = parser.parse(xml);
    const first = (Array.isArray(raw) ? raw : []).find(isElementNode);
    if (!first) return { ok: false, problem: { code: 'NOT_XML', message: 'The course structure is not XML: it has no root element.' } };
    return { ok: true, root: convert(first, new Map([['xml', XML_NS]])) };
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^\[SECURITY\]\s*/, '') : String(error);
    return { ok: false, problem: { code: 'MALFORMED_XML', message: `cmi5.xml could not be read as XML: ${detail}` } };
  }
}

type RawNode = Record<string, unknown>;

function elementName(node: RawNode): string | null {
  for (const key of Object.keys(node)) if (key !== ':@' && key !== '#text' && key !== '#cdata') return key;
  return null;
}

function isElementNode(node: unknown): node is RawNode {
  return typeof node === 'object' && node !== null && elementName(node as RawNode) !== null;
}

function resolve(scope: Map<string, string>, prefix: string, qname: string): string {
  const uri = scope.get(prefix);
  if (uri === undefined) {
    if (prefix === '') return '';
    throw new UnboundPrefix(`cmi5.xml is not well-formed XML: <${qname}> uses the prefix "${prefix}:" without declaring it (xmlns:${prefix}="...").`);
  }
  return uri;
}

function convert(node: RawNode, inherited: Map<string, string>): NsElement {
  const name = elementName(node) ?? '';
  const raw = Object.entries((node[':@'] ?? {}) as Record<string, unknown>);
  let scope = inherited;
  for (const [qname, value] of raw) {
    if (qname !== 'xmlns' && !qname.startsWith('xmlns:')) continue;
    if (scope === inherited) scope = new Map(inherited);
    scope.set(qname === 'xmlns' ? '' : qname.slice(6), String(value ?? '').trim());
  }
  const attrs: NsAttr[] = [];
  for (const [qname, rawValue] of raw) {
    if (qname === 'xmlns' || qname.startsWith('xmlns:')) continue;
    // Attribute-value normalisation, then the spec's own rule: leading/trailing whitespace is removed (13.1).
    const value = decodeEntities(String(rawValue ?? '').replace(/[\t\n\r]/g, ' ')).trim();
    const colon = qname.indexOf(':');
    if (colon > 0) attrs.push({ ns: resolve(scope, qname.slice(0, colon), qname), local: qname.slice(colon + 1), value });
    else attrs.push({ ns: '', local: qname, value });
  }
  const colon = name.indexOf(':');
  const element: NsElement = { ns: resolve(scope, colon > 0 ? name.slice(0, colon) : '', name), local: colon > 0 ? name.slice(colon + 1) : name, attrs, children: [], text: '' };
  const content = node[name];
  for (const child of Array.isArray(content) ? (content as RawNode[]) : []) {
    if (typeof child !== 'object' || child === null) continue;
    if ('#text' in child) element.text += decodeEntities(String(child['#text'] ?? ''));
    else if ('#cdata' in child) element.text += cdataText(child['#cdata']);
    else if (isElementNode(child)) element.children.push(convert(child, scope));
  }
  return element;
}

function cdataText(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' && v !== null ? String((v as RawNode)['#text'] ?? '') : '')).join('');
  return String(value ?? '');
}

/** An unprefixed attribute (the only kind the XSD declares), exact spelling: XML is case-sensitive. */
export function attrOf(el: NsElement, local: string): string | undefined {
  return el.attrs.find((a) => a.ns === '' && a.local === local)?.value;
}

/** The cmi5 children of `el`, optionally only those with one of the given names. */
export function cmi5Kids(el: NsElement, ...names: string[]): NsElement[] {
  return el.children.filter((c) => c.ns === CMI5_NS && (names.length === 0 || names.includes(c.local)));
}

/** How a problem names an element: by its id (or idref) when it has one, else by position among its namesakes. */
export function childPath(parentPath: string, el: NsElement, parent: NsElement): string {
  const key = attrOf(el, 'id') ?? attrOf(el, 'idref');
  const namesakes = parent.children.filter((c) => c.local === el.local);
  const label = key ? `${el.local}[${key}]` : namesakes.length > 1 ? `${el.local}[${namesakes.indexOf(el) + 1}]` : el.local;
  return parentPath ? `${parentPath}/${label}` : label;
}

// ---- CourseStructure.xsd, by hand ----

type TypeName = 'courseStructure' | 'course' | 'objectives' | 'objective' | 'block' | 'au' | 'objectiveRefs' | 'objectiveRef' | 'text' | 'langstring' | 'url' | 'anyType';

interface Particle {
  /** Element name -> its type (several names = an xs:choice). */
  elements: Record<string, TypeName>;
  min: number;
  max: number;
}

interface ComplexType {
  /** sequence = in order; all = any order, each once; text = simple content; anyType = anything goes (lax). */
  content: 'sequence' | 'all' | 'text' | 'empty' | 'anyType';
  particles?: Particle[];
  /** A trailing `<xs:any namespace="##other">`: elements of any namespace but cmi5's (and not of none). */
  extensions?: boolean;
  attributes?: string[];
  required?: string[];
  /** `<xs:anyAttribute namespace="##other">`: attributes in a namespace other than cmi5's (xml:lang, vendor:x). */
  anyAttribute?: boolean;
}

const one = (name: string, type: TypeName, min = 1): Particle => ({ elements: { [name]: type }, min, max: 1 });
const many = (elements: Record<string, TypeName>): Particle => ({ elements, min: 1, max: Infinity });
const AUS_AND_BLOCKS = many({ au: 'au', block: 'block' });
const TITLE_DESCRIPTION = [one('title', 'text'), one('description', 'text')];

const TYPES: Record<TypeName, ComplexType> = {
  courseStructure: { content: 'sequence', particles: [one('course', 'course'), one('objectives', 'objectives', 0), AUS_AND_BLOCKS], extensions: true, anyAttribute: true },
  course: { content: 'sequence', particles: TITLE_DESCRIPTION, extensions: true, attributes: ['id'], required: ['id'], anyAttribute: true },
  objectives: { content: 'sequence', particles: [many({ objective: 'objective' })], extensions: true, anyAttribute: true },
  // The declared objective is the one element with neither extensions nor foreign attributes.
  objective: { content: 'all', particles: TITLE_DESCRIPTION, attributes: ['id'], required: ['id'] },
  block: { content: 'sequence', particles: [...TITLE_DESCRIPTION, one('objectives', 'objectiveRefs', 0), AUS_AND_BLOCKS], extensions: true, attributes: ['id'], required: ['id'], anyAttribute: true },
  au: {
    content: 'sequence',
    particles: [...TITLE_DESCRIPTION, one('objectives', 'objectiveRefs', 0), one('url', 'url'), one('launchParameters', 'anyType', 0), one('entitlementKey', 'anyType', 0)],
    extensions: true,
    attributes: ['id', 'moveOn', 'masteryScore', 'launchMethod', 'activityType'],
    required: ['id'],
    anyAttribute: true,
  },
  objectiveRefs: { content: 'sequence', particles: [many({ objective: 'objectiveRef' })], extensions: true, anyAttribute: true },
  objectiveRef: { content: 'empty', attributes: ['idref'] },
  text: { content: 'sequence', particles: [many({ langstring: 'langstring' })], extensions: true, anyAttribute: true },
  langstring: { content: 'text', attributes: ['lang'], anyAttribute: true },
  url: { content: 'text' },
  // launchParameters and entitlementKey are declared without a type, which in XSD means xs:anyType.
  anyType: { content: 'anyType' },
};

function describeOrder(type: ComplexType): string {
  const parts = (type.particles ?? []).map((p) => {
    const names = Object.keys(p.elements).map((n) => `<${n}>`).join(' or ');
    return p.max > 1 ? `${names} (one or more)` : p.min === 0 ? `${names} (optional)` : names;
  });
  return type.extensions ? [...parts, 'extension elements in their own namespace'].join(', ') : parts.join(', ');
}

/** Checks `el` and everything below it against its XSD type; one problem per issue, and never stops early. */
export function checkXsd(el: NsElement, typeName: TypeName, path: string, problems: Problems): void {
  const type = TYPES[typeName];
  if (type.content === 'anyType') return;
  const where = path || el.local;
  for (const a of el.attrs) {
    const declared = a.ns === '' && (type.attributes ?? []).includes(a.local);
    const foreign = a.ns !== '' && a.ns !== CMI5_NS;
    if (declared || a.ns === XSI_NS || (foreign && type.anyAttribute)) continue;
    const why = foreign ? `<${el.local}> takes no attributes from other namespaces` : `<${el.local}> has no attribute "${a.local}" in cmi5${(type.attributes ?? []).length ? ` (it may have: ${type.attributes?.join(', ')})` : ''}`;
    problems.error('XSD_UNEXPECTED_ATTRIBUTE', `The attribute "${a.local}" is not allowed here: ${why}.`, where);
  }
  for (const name of type.required ?? []) {
    if (attrOf(el, name) === undefined) problems.error('XSD_MISSING_ATTRIBUTE', `<${el.local}> has no ${name} attribute, which is required.`, where);
  }
  const particles = type.particles ?? [];
  if (type.content === 'text' || type.content === 'empty') {
    for (const child of el.children) problems.error('XSD_UNEXPECTED_ELEMENT', `<${el.local}> may only contain text, not a <${child.local}> element.`, where);
    if (type.content === 'empty' && el.text.trim()) problems.error('XSD_UNEXPECTED_TEXT', `<${el.local}> must be empty, but it contains text.`, where);
    return;
  }
  if (el.text.trim()) problems.error('XSD_UNEXPECTED_TEXT', `<${el.local}> contains text outside its child elements: "${el.text.trim().slice(0, 60)}".`, where);
  const counts = particles.map(() => 0);
  let furthest = -1;
  let orderReported = false;
  for (const child of el.children) {
    const index = child.ns === CMI5_NS ? particles.findIndex((p) => child.local in p.elements) : -1;
    const isExtension = child.ns !== CMI5_NS && child.ns !== '' && type.extensions === true;
    if (index < 0 && !isExtension) {
      const why = child.ns === CMI5_NS ? `it is not an element cmi5 allows inside <${el.local}>` : child.ns === '' ? 'it is in no namespace (an extension element needs its own namespace)' : `<${el.local}> takes no extension elements`;
      problems.error('XSD_UNEXPECTED_ELEMENT', `<${child.local}> is not allowed here: ${why}. Expected: ${describeOrder(type)}.`, where);
      continue;
    }
    const position = isExtension ? particles.length : index;
    if (type.content === 'sequence' && position < furthest && !orderReported) {
      orderReported = true;
      problems.error('XSD_ELEMENT_ORDER', `The elements inside <${el.local}> are out of order (<${child.local}> comes too late). The order must be: ${describeOrder(type)}.`, where);
    }
    furthest = Math.max(furthest, position);
    if (isExtension) continue;
    const particle = particles[index] as Particle;
    counts[index] = (counts[index] ?? 0) + 1;
    checkXsd(child, particle.elements[child.local] as TypeName, childPath(path, child, el), problems);
  }
  particles.forEach((p, i) => {
    const count = counts[i] ?? 0;
    const names = Object.keys(p.elements).map((n) => `<${n}>`).join(' or ');
    if (count > p.max) problems.error('XSD_DUPLICATE_ELEMENT', `<${el.local}> has ${count} ${names} elements; only one is allowed.`, where);
    if (count >= p.min) return;
    if (typeName === 'courseStructure' && 'course' in p.elements) problems.error('COURSE_MISSING', 'cmi5.xml has no <course> element (with the course id, title and description); it must come first inside <courseStructure>.', where);
    else problems.error('XSD_MISSING_ELEMENT', `<${el.local}> has no ${names}, which is required. Expected: ${describeOrder(type)}.`, where);
  });
}
