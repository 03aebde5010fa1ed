// The server checks the data model too: a commit is replayed, element by element, into scorm-again's own CMI
// implementation (the same code the browser runs), so types, vocabularies, ranges and read-only elements are
// judged exactly as the run-time API judges them, and a forged request cannot store what the API would refuse.
import { Scorm12API, Scorm2004API } from 'scorm-again';
import type { Standard } from './cmi.js';

export type Validation = { ok: true } | { ok: false; errorCode: number; element: string };

/** Elements the LMS owns (read-only to content, or set by the LMS itself); commits cannot change them. */
const LMS_OWNED: Record<Standard, RegExp> = {
  scorm12: /^cmi\.(core\.(student_id|student_name|credit|entry|total_time|lesson_mode)|launch_data|comments_from_lms|student_data\..*)$|\._(children|count|version)$/,
  scorm2004:
    /^cmi\.(learner_id|learner_name|credit|entry|mode|total_time|launch_data|completion_threshold|scaled_passing_score|max_time_allowed|time_limit_action|comments_from_lms\..*)$|\._(children|count|version)$/,
};

/** 1.2 RTE 3.4.2 allows 4,096 characters of suspend data; real content needs more, so the limit is a setting. */
export interface ValidationOptions {
  suspendDataLimit12: number;
}

export function flattenCmi(node: unknown, prefix = 'cmi', out: [string, string][] = []): [string, string][] {
  for (const [key, value] of Object.entries((node ?? {}) as Record<string, unknown>)) {
    const path = `${prefix}.${key}`;
    if (value !== null && typeof value === 'object') flattenCmi(value, path, out);
    else out.push([path, value === null || value === undefined ? '' : String(value)]);
  }
  return out;
}

export function validateCmi(standard: Standard, cmi: Record<string, unknown>, options: ValidationOptions): Validation {
  const owned = LMS_OWNED[standard];
  const api12 = standard === 'scorm12' ? new Scorm12API({ logLevel: 5 }) : null;
  const api2004 = standard === 'scorm2004' ? new Scorm2004API({ logLevel: 5 }) : null;
  if (api12) api12.LMSInitialize('');
  else api2004!.Initialize('');
  for (const [element, value] of flattenCmi(cmi)) {
    // Unset elements travel as empty strings in a full commit; the API would reject some of them as values.
    if (value === '' || owned.test(element)) continue;
    // The LMS's initial status travels in every full commit until the SCO sets one; content may not set it itself.
    if (standard === 'scorm12' && element === 'cmi.core.lesson_status' && value === 'not attempted') continue;
    if (standard === 'scorm12' && element === 'cmi.suspend_data' && value.length > options.suspendDataLimit12) {
      return { ok: false, errorCode: 405, element };
    }
    const accepted = api12 ? api12.LMSSetValue(element, value) : api2004!.SetValue(element, value);
    if (accepted !== 'true') {
      return { ok: false, errorCode: Number(api12 ? api12.LMSGetLastError() : api2004!.GetLastError()), element };
    }
  }
  return { ok: true };
}
