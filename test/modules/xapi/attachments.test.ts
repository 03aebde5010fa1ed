// Attachments in multipart/mixed, signed statements (xAPI Data 2.4.11, 2.6; Communication 1.5.2) and the 1.0.3
// alternate request syntax (Communication 1.3), through the real routes.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import t from 'tap';
import { buildTestApp } from '../../helpers/build-app.js';
import { lrsClient, statement } from './helpers.js';

const ctx = await buildTestApp();
t.teardown(() => ctx.close());
const { app } = ctx;

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function multipart(json: unknown, parts: { content: Buffer; contentType?: string; hash?: string; encoding?: string }[]) {
  const boundary = 'test-boundary-7f3a';
  const chunks: Buffer[] = [Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(json)}\r\n`)];
  for (const p of parts) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Type: ${p.contentType ?? 'text/plain'}\r\nContent-Transfer-Encoding: ${p.encoding ?? 'binary'}\r\nX-Experience-API-Hash: ${p.hash ?? sha256(p.content)}\r\n\r\n`),
      p.content,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/mixed; boundary=${boundary}` };
}

const attachment = (content: Buffer, extra: Record<string, unknown> = {}) => ({
  usageType: 'http://example.com/attachment-usage/certificate',
  display: { 'en-US': 'Certificate' },
  contentType: 'text/plain',
  length: content.length,
  sha2: sha256(content),
  ...extra,
});

t.test('a statement with an attachment is stored with its bytes and returned with attachments=true', async (t) => {
  const lrs = await lrsClient(app);
  const content = Buffer.from('Certified: golf etiquette, with love ♥');
  const s = statement({ attachments: [attachment(content)] });
  const { body, contentType } = multipart(s, [{ content }]);
  const posted = await app.inject({ method: 'POST', url: '/xapi/statements', headers: lrs.headers({ 'content-type': contentType }), payload: body });
  t.equal(posted.statusCode, 200, posted.body);
  const [id] = posted.json() as string[];

  const plain = await lrs.get(`/xapi/statements?statementId=${id}`);
  t.match(plain.headers['content-type'], /^application\/json/, 'without attachments=true: JSON only');
  const withBytes = await lrs.get(`/xapi/statements?statementId=${id}&attachments=true`);
  t.match(withBytes.headers['content-type'], /^multipart\/mixed; boundary=/);
  t.ok(withBytes.rawPayload.includes(content), 'the attachment bytes come back');
  t.match(withBytes.body, `X-Experience-API-Hash: ${sha256(content)}`);
  const list = await lrs.get('/xapi/statements?attachments=true');
  t.ok(list.rawPayload.includes(content), 'also on a statement list');
});

t.test('attachment mistakes are refused and nothing is stored', async (t) => {
  const lrs = await lrsClient(app);
  const content = Buffer.from('bytes');
  const post = (body: Buffer, contentType: string) => app.inject({ method: 'POST', url: '/xapi/statements', headers: lrs.headers({ 'content-type': contentType }), payload: body });
  const asJson = await lrs.post('/xapi/statements', statement({ attachments: [attachment(content)] }));
  t.equal(asJson.statusCode, 400, 'an attachment without fileUrl needs multipart/mixed');
  const missing = multipart(statement({ attachments: [attachment(content)] }), []);
  t.equal((await post(missing.body, missing.contentType)).statusCode, 400, 'the part is missing');
  const extra = multipart(statement(), [{ content }]);
  t.equal((await post(extra.body, extra.contentType)).statusCode, 400, 'a part no attachment refers to');
  const lying = multipart(statement({ attachments: [attachment(content)] }), [{ content: Buffer.from('other bytes'), hash: sha256(content) }]);
  t.equal((await post(lying.body, lying.contentType)).statusCode, 400, 'a part whose bytes do not have the declared hash');
  const encoded = multipart(statement({ attachments: [attachment(content)] }), [{ content, encoding: 'base64' }]);
  t.equal((await post(encoded.body, encoded.contentType)).statusCode, 400, 'Content-Transfer-Encoding must be binary');
  const linked = await lrs.post('/xapi/statements', statement({ attachments: [attachment(content, { fileUrl: 'https://files.example.com/cert.txt' })] }));
  t.equal(linked.statusCode, 200, 'an attachment with a fileUrl may come as plain JSON');
  t.equal((await lrs.get('/xapi/statements')).json().statements.length, 1, 'only that one was stored');
});

t.test('signed statements: the JWS must be RS256/384/512 and match the statement', async (t) => {
  const lrs = await lrsClient(app);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jws = (payload: unknown, alg = 'RS256') => {
    const head = Buffer.from(JSON.stringify({ alg })).toString('base64url');
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    const signature = alg.startsWith('RS') ? sign(`sha${alg.slice(2)}`, Buffer.from(`${head}.${body}`), privateKey).toString('base64url') : 'c2ln';
    return Buffer.from(`${head}.${body}.${signature}`);
  };
  const signedPost = (original: Record<string, unknown>, token: Buffer, contentType = 'application/octet-stream') => {
    const signed = { ...original, attachments: [attachment(token, { usageType: 'http://adlnet.gov/expapi/attachments/signature', contentType })] };
    const { body, contentType: type } = multipart(signed, [{ content: token, contentType: 'application/octet-stream' }]);
    return app.inject({ method: 'POST', url: '/xapi/statements', headers: lrs.headers({ 'content-type': type }), payload: body });
  };
  const original = statement({ result: { duration: 'PT1.0011S' } });
  t.equal((await signedPost(original, jws({ ...original, result: { duration: 'PT1.001S' } }))).statusCode, 200, 'a matching signature (durations compared to 0.01 s)');
  t.equal((await signedPost(original, jws(statement()))).statusCode, 400, 'a signature of another statement');
  t.equal((await signedPost(original, jws(original, 'HS256'))).statusCode, 400, 'an algorithm other than RS256/384/512');
  t.equal((await signedPost(original, Buffer.from('not-a-jws'))).statusCode, 400, 'not a JWS');
  t.equal((await signedPost(original, jws(original), 'text/plain')).statusCode, 400, 'a signature attachment that is not application/octet-stream');
});

t.test('1.0.3 alternate request syntax: a PUT or GET sent as a form POST; refused in 2.0', async (t) => {
  const lrs = await lrsClient(app, { version: '1.0.3' });
  const id = '9a0b8c7d-6e5f-4a3b-8c1d-2e3f4a5b6c7d';
  const form = new URLSearchParams({ statementId: id, content: JSON.stringify(statement()), Authorization: lrs.headers().authorization, 'X-Experience-API-Version': '1.0.3' });
  const put = await app.inject({ method: 'POST', url: '/xapi/statements?method=PUT', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() });
  t.equal(put.statusCode, 204, 'headers and parameters travel in the form');
  const get = await app.inject({ method: 'POST', url: '/xapi/statements?method=GET', headers: { ...lrs.headers(), 'content-type': 'application/x-www-form-urlencoded' }, payload: `statementId=${id}` });
  t.equal(get.statusCode, 200);
  t.equal(get.json().id, id);
  const notPost = await app.inject({ method: 'PUT', url: '/xapi/statements?method=PUT', headers: { ...lrs.headers(), 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() });
  t.equal(notPost.statusCode, 400, 'the alternate syntax must be a POST');
  const v2 = await app.inject({ method: 'POST', url: '/xapi/statements?method=GET', headers: { ...lrs.headers({ 'x-experience-api-version': '2.0.0' }), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'limit=1' });
  t.equal(v2.statusCode, 400, 'xAPI 2.0 has no alternate syntax');
});
