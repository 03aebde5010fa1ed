// Safe XML loading for manifests and metadata files, and a small namespace-aware element tree to read them with.
// Safety: a DOCTYPE that declares entities is refused before any parsing (XXE, "billion laughs"); entity
// expansion in fast-xml-parser is switched off and only the five XML built-ins and character references are
// decoded here; nothing is ever fetched. Namespaces: packages bind adlcp/imsss/adlseq/adlnav to any prefix (or
// the default namespace), so every element is tagged with the kind of namespace it belongs to, resolved from the
// xmlns declarations in scope, and lookups go by local name. Lookups ignore case, because real packages spell
// 1.2's `adlcp:scormtype`/`datafromlms` and 2004's `adlcp:scormType`/`dataFromLMS` interchangeably.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Problem } from './types.js';

export type NsKind = 'cp' | 'adlcp' | 'imsss' | 'adlseq' | 'adlnav' | 'lom' | 'xml' | 'other';

export interface XmlAttr {
  prefix: string | null;
  local: string;
  value: string;
}

export interface XmlElement {
  local: string;
  ns: NsKind;
  attrs: XmlAttr[];
  children: XmlElement[];
  /** Concatenated direct text (entities decoded, not trimmed). */
  text: string;
}

export type LoadedXml = { ok: true; root: XmlElement; namespaces: string[] } | { ok: false; problem: Problem };

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** The kind of SCORM namespace a URI names. Matched loosely: versions and hosts vary between packages. */
export function kindOfNamespace(uri: string): NsKind {
  const u = uri.toLowerCase();
  if (u === XML_NS.toLowerCase()) return 'xml';
  if (u.includes('adlcp')) return 'adlcp';
  if (u.includes('adlseq')) return 'adlseq';
  if (u.includes('adlnav')) return 'adlnav';
  if (u.includes('imsss')) return 'imsss';
  if (u.includes('imscp') || u.includes('ims_cp')) return 'cp';
  if (u.includes('imsmd') || u.includes('/lom')) return 'lom';
  return 'other';
}

const KNOWN_PREFIXES: Record<string, NsKind> = { adlcp: 'adlcp', imsss: 'imsss', adlseq: 'adlseq', adlnav: 'adlnav', imsmd: 'lom', lom: 'lom', xml: 'xml' };

/**
 * Parses untrusted XML text. Never throws: a refusal or a syntax error comes back as one Problem naming `what`
 * (e.g. "The manifest", "The metadata file metadata.xml").
 */
export function loadXml(xmlText: string, what = 'The manifest'): LoadedXml {
  const xml = xmlText.replace(/^\uFEFF/, '');
  // Entity declarations are the only way to XXE or an entity-expansion bomb; SCORM manifests never need them.
  const withoutCommentsAndCdata = xml.replace(/<!--[\s\S]*?-->/g, '').replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  if (/<!ENTITY/i.test(withoutCommentsAndCdata)) {
    return {
      ok: false,
      problem: {
        code: 'XML_ENTITIES_FORBIDDEN',
        message: `${what} declares its own XML entities (<!ENTITY> in a DOCTYPE). That is refused for safety: it is how XML files are made to read server files or to expand into gigabytes. Remove the DOCTYPE; SCORM manifests do not need one.`,
      },
    };
  }
  if (!/<[A-Za-z_]/.test(withoutCommentsAndCdata.replace(/<\?[\s\S]*?\?>/g, ''))) {
    return { ok: false, problem: { code: 'EMPTY_MANIFEST', message: `${what} is empty: it has no root element (it should start with <manifest ...>).` } };
  }
  const valid = XMLValidator.validate(xml, { allowBooleanAttributes: false });
  if (valid !== true) {
    const { line, msg } = valid.err;
    return { ok: false, problem: { code: 'MALFORMED_XML', message: `${what} is not well-formed XML: line ${line}: ${msg}`, path: `line ${line}` } };
  }
  let raw: unknown;
  try {
    const parser = new XMLParser({
      preserveOrder: true,
      ignoreAttributes: false,
      attributeNamePrefix: '',
      parseTagValue: false,
      parseAttributeValue: false,
      processEntities: false,
      htmlEntities: false,
      trimValues: false,
      cdataPropName: '#cdata',
      ignoreDeclaration: true,
      ignorePiTags: true,
    });
    raw = parser.parse(xml);
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^\[SECURITY\]\s*/, '') : String(error);
    return { ok: false, problem: { code: 'MALFORMED_XML', message: `${what} could not be read as XML: ${detail}` } };
  }
  const namespaces = new Set<string>();
  const roots = Array.isArray(raw) ? raw.filter(isElementNode) : [];
  const first = roots[0];
  if (!first) return { ok: false, problem: { code: 'EMPTY_MANIFEST', message: `${what} is empty: it has no root element.` } };
  const root = convert(first, new Map(), namespaces);
  return { ok: true, root, namespaces: [...namespaces] };
}

type RawNode = Record<string, unknown>;

function isElementNode(node: unknown): node is RawNode {
  return typeof node === 'object' && node !== null && elementName(node as RawNode) !== null;
}

function elementName(node: RawNode): string | null {
  for (const key of Object.keys(node)) if (key !== ':@' && key !== '#text' && key !== '#cdata') return key;
  return null;
}

function convert(node: RawNode, inherited: Map<string, string>, namespaces: Set<string>): XmlElement {
  const name = elementName(node) ?? '';
  const rawAttrs = (node[':@'] ?? {}) as Record<string, unknown>;
  let scope = inherited;
  const attrs: XmlAttr[] = [];
  for (const [qname, rawValue] of Object.entries(rawAttrs)) {
    const value = normaliseAttr(String(rawValue ?? ''));
    if (qname === 'xmlns' || qname.startsWith('xmlns:')) {
      if (scope === inherited) scope = new Map(inherited);
      scope.set(qname === 'xmlns' ? '' : qname.slice(6), value);
      if (value) namespaces.add(value);
      continue;
    }
    const colon = qname.indexOf(':');
    attrs.push(colon > 0 ? { prefix: qname.slice(0, colon), local: qname.slice(colon + 1), value } : { prefix: null, local: qname, value });
  }
  const colon = name.indexOf(':');
  const prefix = colon > 0 ? name.slice(0, colon) : '';
  const local = colon > 0 ? name.slice(colon + 1) : name;
  const uri = scope.get(prefix);
  const ns: NsKind = uri !== undefined && uri !== '' ? kindOfNamespace(uri) : prefix ? (KNOWN_PREFIXES[prefix.toLowerCase()] ?? 'other') : 'cp';

  const children: XmlElement[] = [];
  let text = '';
  const content = node[name];
  if (Array.isArray(content)) {
    for (const child of content as RawNode[]) {
      if (typeof child !== 'object' || child === null) continue;
      if ('#text' in child) text += decodeEntities(String(child['#text'] ?? ''));
      else if ('#cdata' in child) text += cdataText(child['#cdata']);
      else if (isElementNode(child)) children.push(convert(child, scope, namespaces));
    }
  }
  return { local, ns, attrs, children, text };
}

function cdataText(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' && v !== null ? String((v as RawNode)['#text'] ?? '') : '')).join('');
  return String(value ?? '');
}

/** XML attribute-value normalisation (whitespace characters become spaces), entities decoded, trimmed. */
function normaliseAttr(value: string): string {
  return decodeEntities(value.replace(/[\t\n\r]/g, ' ')).trim();
}

const BUILT_IN: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five XML built-in entities and numeric character references; anything else is left as written. */
export function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return BUILT_IN[ref] ?? whole;
  });
}

// ---- lookups ----

type Accept = (kind: NsKind) => boolean;

/** Child elements with this local name (any case), optionally only of some namespace kinds. */
export function kids(el: XmlElement | undefined, local: string, accept?: Accept): XmlElement[] {
  if (!el) return [];
  const wanted = local.toLowerCase();
  return el.children.filter((c) => c.local.toLowerCase() === wanted && (!accept || accept(c.ns)));
}

export function kid(el: XmlElement | undefined, local: string, accept?: Accept): XmlElement | undefined {
  return kids(el, local, accept)[0];
}

/** Trimmed text of an element ('' when absent). */
export function textOf(el: XmlElement | undefined): string {
  return el ? el.text.trim() : '';
}

/** Trimmed text, or null when the element is absent or empty. */
export function textOrNull(el: XmlElement | undefined): string | null {
  const t = textOf(el);
  return t === '' ? null : t;
}

/** An attribute by local name: exact spelling first, then any case (scormtype/scormType, isvisible/isVisible). */
export function attr(el: XmlElement | undefined, local: string): string | undefined {
  if (!el) return undefined;
  const exact = el.attrs.find((a) => a.local === local && a.prefix !== 'xml');
  if (exact) return exact.value;
  const wanted = local.toLowerCase();
  return el.attrs.find((a) => a.local.toLowerCase() === wanted && a.prefix !== 'xml')?.value;
}

/** xml:base on this element ('' when absent). */
export function xmlBase(el: XmlElement | undefined): string {
  return el?.attrs.find((a) => a.prefix === 'xml' && a.local === 'base')?.value ?? '';
}

export const notAdlseq: Accept = (kind) => kind !== 'adlseq';
export const onlyAdlseq: Accept = (kind) => kind === 'adlseq';

/** Every element below `el` (depth first), for feature sniffing. */
export function* descendants(el: XmlElement): Generator<XmlElement> {
  for (const child of el.children) {
    yield child;
    yield* descendants(child);
  }
}
