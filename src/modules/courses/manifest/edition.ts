// Which SCORM a manifest is: <schemaversion> when it says (SCORM CAM, <metadata>/<schemaversion>: "1.2",
// "CAM 1.3" = 2004 2nd Edition, "2004 3rd Edition", "2004 4th Edition"), otherwise inferred from the namespaces
// and from elements that only exist in later editions. A guess is always reported, never silent.
import type { Problem, ScormEdition, ScormStandard } from './types.js';
import { attr, descendants, type XmlElement } from './xml.js';

export interface EditionResult {
  standard: ScormStandard;
  edition: ScormEdition | null;
  warnings: Problem[];
}

type Stated = { standard: 'scorm12' } | { standard: 'scorm2004'; edition: ScormEdition | null } | null;

function fromSchemaVersion(value: string | null): Stated {
  if (!value) return null;
  const v = value.replace(/\s+/g, ' ').trim().toLowerCase();
  if (/^(scorm )?1\.2$/.test(v)) return { standard: 'scorm12' };
  if (v === 'cam 1.3' || /2004.*(2nd|second)/.test(v)) return { standard: 'scorm2004', edition: '2nd' };
  if (/2004.*(3rd|third)/.test(v)) return { standard: 'scorm2004', edition: '3rd' };
  if (/2004.*(4th|fourth)/.test(v)) return { standard: 'scorm2004', edition: '4th' };
  if (/2004|1\.3/.test(v)) return { standard: 'scorm2004', edition: null };
  if (/1\.2/.test(v)) return { standard: 'scorm12' };
  return null;
}

function standardFromNamespaces(root: XmlElement, namespaces: readonly string[]): ScormStandard | null {
  const ns = namespaces.map((n) => n.toLowerCase());
  const is2004 = ns.some((n) => /adlcp_v1p3|imsss|adlseq|adlnav|imscp_v1p1(?!p)/.test(n));
  if (is2004) return 'scorm2004';
  if (ns.some((n) => /adlcp_rootv1p2|imscp_rootv1p1p2/.test(n))) return 'scorm12';
  // No telling namespace: the spelling of scormType is the last hint (1.2 writes it in lower case).
  for (const el of descendants(root)) {
    if (el.local !== 'resource') continue;
    if (el.attrs.some((a) => a.local === 'scormType')) return 'scorm2004';
    if (el.attrs.some((a) => a.local === 'scormtype')) return 'scorm12';
  }
  return null;
}

/** The edition a 2004 manifest's own elements prove, or null when nothing tells 2nd from 3rd from 4th. */
function editionFromFeatures(root: XmlElement): ScormEdition | null {
  let atLeastThird = false;
  for (const el of descendants(root)) {
    const name = el.local.toLowerCase();
    if (el.ns === 'adlcp' && (name === 'data' || name === 'map')) return '4th';
    if (el.ns === 'adlseq' && name === 'objectives') return '4th';
    if (name === 'completionthreshold') {
      // 4th Edition made completionThreshold an element with attributes; 3rd had a bare decimal.
      if (el.attrs.length > 0) return '4th';
      atLeastThird = true;
    }
    if (name === 'organization' && attr(el, 'sharedDataGlobalToSystem') !== undefined) return '4th';
    if (name === 'organization' && attr(el, 'objectivesGlobalToSystem') !== undefined) atLeastThird = true;
    if (el.ns === 'adlseq' && (name === 'constrainedchoiceconsiderations' || name === 'rollupconsiderations')) atLeastThird = true;
    if (name === 'hidelmsui' && /^(exitAll|abandonAll|suspendAll)$/.test(el.text.trim())) atLeastThird = true;
  }
  return atLeastThird ? '3rd' : null;
}

export function detectEdition(root: XmlElement, namespaces: readonly string[], schemaVersion: string | null): EditionResult {
  const warnings: Problem[] = [];
  const stated = fromSchemaVersion(schemaVersion);
  if (stated?.standard === 'scorm12') return { standard: 'scorm12', edition: null, warnings };
  if (stated?.standard === 'scorm2004' && stated.edition) return { standard: 'scorm2004', edition: stated.edition, warnings };

  const standard = stated?.standard ?? standardFromNamespaces(root, namespaces);
  const said = schemaVersion ? `Its <schemaversion> "${schemaVersion}" is not one SCORM defines` : 'The manifest has no <schemaversion>';
  if (standard === 'scorm12') {
    // SCORM 1.2 gave <schemaversion> no controlled vocabulary, so free text there is legal.
    if (!schemaVersion) warnings.push({ code: 'SCHEMA_VERSION_MISSING', message: `${said}; it is treated as SCORM 1.2 because of the namespaces it uses.` });
    return { standard, edition: null, warnings };
  }
  if (standard === 'scorm2004') {
    const proven = editionFromFeatures(root);
    if (proven) {
      warnings.push({ code: 'SCHEMA_VERSION_MISSING', message: `${said}; it is treated as SCORM 2004 ${proven} Edition, the earliest edition that has every element it uses.` });
      return { standard, edition: proven, warnings };
    }
    warnings.push({
      code: 'EDITION_GUESSED',
      message: `${said}, and nothing in it tells which SCORM 2004 edition it was written for; it is played as SCORM 2004 3rd Edition. Add <schemaversion>2004 3rd Edition</schemaversion> (or the right edition) to the manifest's <metadata>.`,
    });
    return { standard, edition: '3rd', warnings };
  }
  warnings.push({
    code: 'EDITION_GUESSED',
    message: `${said} and no SCORM namespace, so its SCORM version cannot be told; it is played as SCORM 1.2.`,
  });
  return { standard: 'scorm12', edition: null, warnings };
}
