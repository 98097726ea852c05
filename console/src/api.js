// The Step Functions API (AWS JSON 1.0) on the console's own origin.

export class APIError extends Error {
  constructor(type, message, status) {
    super(`${type}: ${message}`);
    this.type = type;
    this.status = status;
  }
}

// call posts one operation and returns the decoded reply.
export async function call(operation, body = {}) {
  const res = await fetch(new URL('/', location.href), {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `AWSStepFunctions.${operation}`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let data = {};
  try { data = text ? JSON.parse(text) : {}; } catch { data = { message: text }; }
  if (!res.ok) {
    const type = String(data.__type || data.code || `HTTP ${res.status}`).split('#').pop();
    throw new APIError(type, data.message || data.Message || res.statusText, res.status);
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
