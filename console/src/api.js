// The Step Functions API (AWS JSON 1.0) on the console's own origin.
import { sign } from './sigv4.js';
import { signing, SERVICE } from './signing.js';

export class APIError extends Error {
  constructor(type, message, status) {
    super(`${type}: ${message}`);
    this.type = type;
    this.status = status;
  }
}

// call posts one operation and returns the decoded reply. With request
// signing on (signing.js), the request carries a SigV4 signature for the
// service execute-api over the host the browser sends (location.host).
export async function call(operation, body = {}) {
  const url = new URL('/', location.href);
  const payload = JSON.stringify(body);
  const headers = {
    'Content-Type': 'application/x-amz-json-1.0',
    'X-Amz-Target': `AWSStepFunctions.${operation}`,
  };
  const s = signing();
  if (s) {
    const signed = await sign({ method: 'POST', url, headers, body: payload }, { region: s.region, service: SERVICE, credentials: s });
    Object.assign(headers, signed.headers);
  }
  const res = await fetch(url, { method: 'POST', headers, body: payload });
  const text = await res.text();
  let data = {};
  try { data = text ? JSON.parse(text) : {}; } catch { data = { message: text }; }
  if (!res.ok) {
    const type = String(data.__type || data.code || `HTTP ${res.status}`).split('#').pop();
    let message = data.message || data.Message || res.statusText;
    // API Gateway's IAM authorizer answers 403 without a __type.
    if (res.status === 403 && !data.__type) {
      message += s ? ' (check the region and credentials in Request signing)'
        : ' (a deployed stack accepts only signed requests: turn on Request signing)';
    }
    throw new APIError(type, message, res.status);
  }
  return data;
}

// allHistory reads a whole execution history, page by page (1000 events a
// page), calling onPage with the events so far.
export async function allHistory(executionArn, onPage) {
  const events = [];
  let nextToken;
  do {
    const page = await call('GetExecutionHistory', { executionArn, maxResults: 1000, nextToken });
    events.push(...(page.events || []));
    nextToken = page.nextToken;
    if (onPage) onPage(events);
  } while (nextToken);
  return events;
}

// newEvents reads the events after lastID, newest first until it reaches
// a known one, and returns them oldest first.
export async function newEvents(executionArn, lastID) {
  const found = [];
  let nextToken;
  for (;;) {
    const page = await call('GetExecutionHistory', { executionArn, maxResults: 100, reverseOrder: true, nextToken });
    for (const e of page.events || []) {
      if (e.id <= lastID) return found.reverse();
      found.push(e);
    }
    nextToken = page.nextToken;
    if (!nextToken) return found.reverse();
  }
}
