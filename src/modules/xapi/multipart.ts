// multipart/mixed as xAPI uses it for attachments (Communication 1.5.2): the first part is the statement JSON, each
// further part one attachment's raw bytes with Content-Type, Content-Transfer-Encoding: binary and
// X-Experience-API-Hash (its SHA-2). Bodies are already in memory (bounded by the LRS body limit).
import { XapiError } from './xapi-errors.js';

export interface Part {
  headers: Record<string, string>;
  body: Buffer;
}

export function boundaryOf(contentType: string): string | null {
  const match = /boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

export function parseMultipart(body: Buffer, boundary: string): Part[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let position = body.indexOf(delimiter);
  if (position === -1) throw new XapiError(400, 'The multipart/mixed body does not contain its boundary.');
  for (;;) {
    position += delimiter.length;
    // "--" after a delimiter closes the body.
    if (body[position] === 0x2d && body[position + 1] === 0x2d) return parts;
    position = skipLineBreak(body, position);
    const next = body.indexOf(delimiter, position);
    if (next === -1) throw new XapiError(400, 'The multipart/mixed body is not closed by its final boundary.');
    // The line break before a delimiter belongs to the delimiter.
    let end = next;
    if (body[end - 1] === 0x0a) end--;
    if (body[end - 1] === 0x0d) end--;
    parts.push(parsePart(body.subarray(position, end)));
    position = next;
  }
}

function skipLineBreak(body: Buffer, at: number): number {
  let position = at;
  while (body[position] === 0x20 || body[position] === 0x09) position++;
  if (body[position] === 0x0d) position++;
  if (body[position] === 0x0a) position++;
  return position;
}

function parsePart(raw: Buffer): Part {
  let split = raw.indexOf('\r\n\r\n');
  let gap = 4;
  if (split === -1) {
    split = raw.indexOf('\n\n');
    gap = 2;
  }
  if (split === -1) throw new XapiError(400, 'A multipart/mixed part has no blank line after its headers.');
  const headers: Record<string, string> = {};
  for (const line of raw.subarray(0, split).toString('utf8').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: raw.subarray(split + gap) };
}

/** Builds a multipart/mixed body: the JSON first, then each attachment. */
export function buildMultipart(json: unknown, attachments: { sha2: string; contentType: string; content: Buffer }[]) {
  const boundary = `sun-scorm-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const chunks: Buffer[] = [Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(json)}\r\n`)];
  for (const a of attachments) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: ${a.contentType}\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: ${a.sha2}\r\n\r\n`), a.content, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: Buffer.concat(chunks) };
}
