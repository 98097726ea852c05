// AWS Signature Version 4 (header signing) with WebCrypto: HMAC-SHA256 and
// SHA-256 from crypto.subtle, so it runs the same in the page and in Node
// (globalThis.crypto). The steps and names follow AWS's description:
// canonical request, string to sign, signing key, signature, Authorization
// header.
//
// sign() returns the headers to add to the request. It never returns Host:
// a browser sets Host itself (fetch forbids it), so the signer signs the
// host the URL names, which is the one the browser sends.

const ALGORITHM = 'AWS4-HMAC-SHA256';
const enc = new TextEncoder();

function subtle() {
  const s = globalThis.crypto && globalThis.crypto.subtle;
  if (!s) throw new Error('SigV4 signing needs WebCrypto (crypto.subtle), which browsers offer only on https:// or localhost pages');
  return s;
}

const bytes = (data) => (typeof data === 'string' ? enc.encode(data) : data);

export function hex(buf) {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// sha256Hex is the lower-case hex SHA-256 of a string (UTF-8) or bytes.
export async function sha256Hex(data) {
  return hex(await subtle().digest('SHA-256', bytes(data ?? '')));
}

async function hmac(key, data) {
  const k = await subtle().importKey('raw', bytes(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', k, bytes(data)));
}

// signingKey derives kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date),
// region), service), "aws4_request"); date is YYYYMMDD.
export async function signingKey(secretAccessKey, date, region, service) {
  const kDate = await hmac(`AWS4${secretAccessKey}`, date);
  const kRegion = await hmac(kDate, region);
  const kService = await hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

// amzDate formats a time as X-Amz-Date wants it: 20150830T123600Z.
export function amzDate(d) {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

// uriEncode is RFC 3986 encoding: everything but A-Z a-z 0-9 - _ . ~ is
// %XX, upper-case hex.
export function uriEncode(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

// canonicalURI takes the path as the URL parser leaves it (dot segments
// removed, percent-encoded once) and encodes each segment again: services
// other than S3, execute-api among them, expect the path encoded twice.
function canonicalURI(pathname) {
  return pathname.split('/').map(uriEncode).join('/') || '/';
}

// canonicalQuery sorts the parameters by encoded name, then value.
function canonicalQuery(searchParams) {
  const pairs = [...searchParams].map(([k, v]) => [uriEncode(k), uriEncode(v)]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

// canonicalRequest builds the canonical request from the method, a URL
// object, the headers to sign (lower-case name -> value, Host included)
// and the payload hash. It returns the text and the signed header list.
export function canonicalRequest(method, url, headers, payloadHash) {
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${String(headers[n]).trim().replace(/ +/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const text = [method.toUpperCase(), canonicalURI(url.pathname), canonicalQuery(url.searchParams),
    canonicalHeaders, signedHeaders, payloadHash].join('\n');
  return { text, signedHeaders };
}

// sign signs one request.
//
//   request: { method, url (string or URL), headers ({name: value}), body
//     (string or bytes) }
//   options: { region, service, credentials: { accessKeyId,
//     secretAccessKey, sessionToken? }, now? (Date) }
//
// All of the request's headers are signed, with host (from the URL),
// x-amz-date and, with a session token, x-amz-security-token. It returns
// { headers, canonicalRequest, stringToSign, signature }: headers holds
// Authorization, X-Amz-Date and X-Amz-Security-Token to add to the
// request (never Host).
export async function sign(request, { region, service, credentials, now = new Date() }) {
  const { accessKeyId, secretAccessKey, sessionToken } = credentials || {};
  if (!accessKeyId || !secretAccessKey) throw new Error('SigV4: an access key id and a secret access key are required');
  if (!region) throw new Error('SigV4: a region is required');
  if (!service) throw new Error('SigV4: a service is required');
  const url = request.url instanceof URL ? request.url : new URL(request.url);
  const date = amzDate(now);
  const day = date.slice(0, 8);
  const toSign = {};
  for (const [k, v] of Object.entries(request.headers || {})) {
    const name = k.toLowerCase();
    if (name === 'authorization') continue;
    toSign[name] = v;
  }
  toSign.host = url.host;
  toSign['x-amz-date'] = date;
  if (sessionToken) toSign['x-amz-security-token'] = sessionToken;
  const payloadHash = await sha256Hex(request.body ?? '');
  const canon = canonicalRequest(request.method || 'GET', url, toSign, payloadHash);
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, date, scope, await sha256Hex(canon.text)].join('\n');
  const key = await signingKey(secretAccessKey, day, region, service);
  const signature = hex(await hmac(key, stringToSign));
  const headers = {
    Authorization: `${ALGORITHM} Credential=${accessKeyId}/${scope}, SignedHeaders=${canon.signedHeaders}, Signature=${signature}`,
    'X-Amz-Date': date,
  };
  if (sessionToken) headers['X-Amz-Security-Token'] = sessionToken;
  return { headers, canonicalRequest: canon.text, stringToSign, signature };
}
