// Tests of the SigV4 signer (src/sigv4.js, WebCrypto in Node) against the
// values AWS publishes: the worked example of the Signature Version 4
// documentation (IAM ListUsers: canonical request hash, signing key,
// signature) and cases of AWS's SigV4 test suite (aws-sig-v4-test-suite,
// 2015-08-30, credentials AKIDEXAMPLE, region us-east-1, service
// "service"). Each expected signature is AWS's, not computed here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sign, signingKey, sha256Hex, hex, amzDate, uriEncode } from '../src/sigv4.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const now = new Date('2015-08-30T12:36:00Z');
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const STS_TOKEN = 'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';

test('documentation example: IAM ListUsers (signing key, string to sign, signature)', async () => {
  assert.equal(hex(await signingKey(credentials.secretAccessKey, '20150830', 'us-east-1', 'iam')),
    'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9');
  const r = await sign({
    method: 'GET',
    url: 'https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
  }, { region: 'us-east-1', service: 'iam', credentials, now });
  assert.equal(r.canonicalRequest, [
    'GET', '/', 'Action=ListUsers&Version=2010-05-08',
    'content-type:application/x-www-form-urlencoded; charset=utf-8', 'host:iam.amazonaws.com', 'x-amz-date:20150830T123600Z', '',
    'content-type;host;x-amz-date', EMPTY].join('\n'));
  assert.equal(r.stringToSign, 'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59');
  assert.equal(r.signature, '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
  assert.equal(r.headers.Authorization, 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
  assert.equal(r.headers['X-Amz-Date'], '20150830T123600Z');
  assert.equal(r.headers.Host, undefined, 'the browser sets Host');
  assert.equal(r.headers['X-Amz-Security-Token'], undefined);
});

// The test suite's cases: request, AWS's signed headers and signature.
const SUITE = [
  { name: 'get-vanilla', method: 'GET', url: 'https://example.amazonaws.com/', signed: 'host;x-amz-date',
    sig: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31' },
  { name: 'get-vanilla-query-order-key-case', method: 'GET', url: 'https://example.amazonaws.com/?Param2=value2&Param1=value1', signed: 'host;x-amz-date',
    sig: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500' },
  { name: 'post-vanilla', method: 'POST', url: 'https://example.amazonaws.com/', signed: 'host;x-amz-date',
    sig: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b' },
  { name: 'post-vanilla-query', method: 'POST', url: 'https://example.amazonaws.com/?Param1=value1', signed: 'host;x-amz-date',
    sig: '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11' },
  { name: 'post-header-key-case', method: 'POST', url: 'https://example.amazonaws.com/', headers: { 'X-AMZ-DATE': 'replaced by the signer' }, signed: 'host;x-amz-date',
    sig: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b' },
  { name: 'post-header-value-case', method: 'POST', url: 'https://example.amazonaws.com/', headers: { 'My-Header1': 'VALUE1' }, signed: 'host;my-header1;x-amz-date',
    sig: 'cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d' },
  { name: 'post-x-www-form-urlencoded', method: 'POST', url: 'https://example.amazonaws.com/', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'Param1=value1',
    signed: 'content-type;host;x-amz-date', sig: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
    canonicalHash: '42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281' },
  { name: 'post-sts-header-before', method: 'POST', url: 'https://example.amazonaws.com/', sessionToken: STS_TOKEN, signed: 'host;x-amz-date;x-amz-security-token',
    sig: '85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead',
    canonicalHash: 'c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6' },
];

for (const c of SUITE) {
  test(`AWS SigV4 test suite: ${c.name}`, async () => {
    const creds = c.sessionToken ? { ...credentials, sessionToken: c.sessionToken } : credentials;
    const r = await sign({ method: c.method, url: c.url, headers: c.headers, body: c.body },
      { region: 'us-east-1', service: 'service', credentials: creds, now });
    assert.equal(r.headers.Authorization,
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${c.signed}, Signature=${c.sig}`);
    if (c.canonicalHash) assert.equal(r.stringToSign.split('\n')[3], c.canonicalHash);
    if (c.sessionToken) assert.equal(r.headers['X-Amz-Security-Token'], c.sessionToken);
  });
}

test('a wrong secret, region, service, date or body changes the signature', async () => {
  const req = { method: 'POST', url: 'https://example.amazonaws.com/', headers: {}, body: '' };
  const opts = { region: 'us-east-1', service: 'service', credentials, now };
  const base = (await sign(req, opts)).signature;
  assert.equal(base, '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b');
  const variants = [
    [req, { ...opts, credentials: { ...credentials, secretAccessKey: 'x' } }],
    [req, { ...opts, region: 'eu-west-1' }],
    [req, { ...opts, service: 'execute-api' }],
    [req, { ...opts, now: new Date('2015-08-30T12:36:01Z') }],
    [{ ...req, body: '{}' }, opts],
    [{ ...req, url: 'https://example.amazonaws.com:8443/' }, opts],
  ];
  for (const [rq, o] of variants) assert.notEqual((await sign(rq, o)).signature, base);
});

test('the console request: x-amz-target, content-type and the JSON body are signed; host carries the port', async () => {
  const body = JSON.stringify({ maxResults: 100 });
  const r = await sign({
    method: 'POST', url: 'http://127.0.0.1:8080/',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AWSStepFunctions.ListStateMachines' }, body,
  }, { region: 'eu-west-1', service: 'execute-api', credentials: { ...credentials, sessionToken: 'tok en' }, now });
  const lines = r.canonicalRequest.split('\n');
  assert.deepEqual(lines.slice(0, 8), ['POST', '/', '',
    'content-type:application/x-amz-json-1.0', 'host:127.0.0.1:8080', 'x-amz-date:20150830T123600Z',
    'x-amz-security-token:tok en', 'x-amz-target:AWSStepFunctions.ListStateMachines']);
  assert.equal(lines[9], 'content-type;host;x-amz-date;x-amz-security-token;x-amz-target');
  assert.equal(lines[10], await sha256Hex(body));
  assert.match(r.headers.Authorization, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20150830\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/);
});

test('helpers: dates, RFC 3986 encoding, bad input', async () => {
  assert.equal(amzDate(new Date('2026-01-02T03:04:05.678Z')), '20260102T030405Z');
  assert.equal(uriEncode("a b/c*!'()~-_.ሴ"), 'a%20b%2Fc%2A%21%27%28%29~-_.%E1%88%B4');
  assert.equal(await sha256Hex(''), EMPTY);
  const req = { method: 'POST', url: 'https://example.amazonaws.com/' };
  await assert.rejects(sign(req, { region: 'us-east-1', service: 's', credentials: { accessKeyId: 'A' } }), /secret access key/);
  await assert.rejects(sign(req, { region: '', service: 's', credentials }), /region is required/);
});
