// Browser tests of the console against the real `stepwise serve` (Debian's
// chromium driven by playwright-core). The page reads only the public Step
// Functions API; the tests start executions through the same API and the
// contact route, wait for them to end, then check what the page shows
// against what the API returns. Screenshots and timings go to
// test/artifacts/. Run with test/run.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { start, createMachine, startExecution, waitDone, history, submit, repoRoot } from './serve.mjs';
import { fanout, hold, router, retryCatch, large } from './machines.mjs';
import { sign } from '../src/sigv4.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const artifacts = path.join(here, 'artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const contactForm = JSON.parse(fs.readFileSync(path.join(repoRoot, 'statemachines/contact-form.asl.json'), 'utf8'));
let srv, browser;
const arn = {}; // state machine ARNs by test name
const ex = {}; // execution ARNs
let largeDone;

before(async () => {
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  srv = await start();
  const machines = await srv.sfn('ListStateMachines', {});
  for (const m of machines.stateMachines) arn[m.name] = m.stateMachineArn;
  // The big one first: it runs while the other tests do.
  arn.large = await createMachine(srv, 'console-large', large.definition);
  ex.large = await startExecution(srv, arn.large, 'ten-thousand-events', large.input);
  largeDone = waitDone(srv, ex.large, 120000);
  largeDone.catch(() => {}); // awaited by its test
  arn.fanout = await createMachine(srv, 'console-fanout', fanout);
  arn.hold = await createMachine(srv, 'console-wait', hold);
  arn.router = await createMachine(srv, 'console-list', router);
  ex.fanout = await startExecution(srv, arn.fanout, 'map-caught', { items: [0, 1, 2] });
  ex.valid = await submit(srv, { name: 'Ada Lovelace', email: 'ada@example.com', message: 'Hello, I would like to know more about stepwise.' });
  ex.invalid = await submit(srv, { name: 'Mallory\r\nBcc: victim@example.org', email: 'Mallory <mallory@example.com>', message: '' });
  // 45 executions: every third fails.
  const runs = [];
  for (let i = 0; i < 45; i++) runs.push(startExecution(srv, arn.router, `run-${String(i).padStart(2, '0')}`, { ok: i % 3 !== 0 }));
  ex.runs = await Promise.all(runs);
  await Promise.all([ex.fanout, ex.valid, ex.invalid, ...ex.runs].map((a) => waitDone(srv, a)));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'], // playwright adds a fresh empty --user-data-dir
  });
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

async function open(hash) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const offsite = [];
  const apiCalls = [];
  const apiRequests = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(srv.base)) offsite.push(r.url());
    const target = r.headers()['x-amz-target'];
    if (target) apiCalls.push(target.replace('AWSStepFunctions.', ''));
    if (target) apiRequests.push({ url: r.url(), method: r.method(), body: r.postData(), headers: r.allHeaders() });
  });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${srv.base}/console/${hash}`);
  page.apiCalls = apiCalls;
  page.apiRequests = apiRequests;
  page.check = () => {
    assert.deepEqual(offsite, [], 'the page must not load anything from elsewhere');
    assert.deepEqual(errors, [], 'no script errors');
  };
  return page;
}
const execHash = (a) => `#/execution/${encodeURIComponent(a)}`;
const shot = (page, name, full = true) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: full });
async function statuses(page) {
  return page.$$eval('svg.graph g.node', (gs) => Object.fromEntries(gs.map((g) => [g.dataset.name, g.dataset.status])));
}
async function statusTexts(page) {
  return page.$$eval('svg.graph g.node', (gs) => Object.fromEntries(gs.map((g) => [g.dataset.name, g.querySelector('.status').textContent])));
}
const TEXT = { notstarted: '○ Not started', running: '◔ In progress', succeeded: '✓ Succeeded', failed: '✕ Failed', caught: '⚠ Caught error', retried: '↻ Succeeded after retry', cancelled: '⊘ Cancelled' };
const pretty = (s) => { try { return JSON.stringify(JSON.parse(s), null, 2); } catch { return String(s); } };
const details = (e) => Object.entries(e).find(([k]) => k.endsWith('EventDetails'))?.[1] || {};
const timeText = (t) => new Date(t * 1000).toISOString().replace('T', ' ').replace('Z', ' UTC');

async function openState(page, name) {
  await page.locator(`svg.graph g.node[data-name="${name}"]`).first().focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction((n) => document.querySelector('#detail h2')?.textContent === n, name);
}
const text = (page, sel) => page.locator(sel).textContent();

// expectedContact returns each state's status in a contact-form execution
// from how it ended: success, ValidationError (caught by InvalidForm), or
// ServiceError (a step caught by ServiceFailed; the step is in the cause).
function expectedContact(d) {
  const all = Object.fromEntries(Object.keys(contactForm.States).map((n) => [n, 'notstarted']));
  const steps = ['Process', 'Store', 'Notify'];
  if (d.status === 'SUCCEEDED') return { ...all, Process: 'succeeded', Store: 'succeeded', Notify: 'succeeded', Accepted: 'succeeded' };
  assert.equal(d.status, 'FAILED');
  if (d.error === 'ValidationError') return { ...all, Process: 'caught', InvalidForm: 'succeeded', Failed: 'failed' };
  assert.equal(d.error, 'ServiceError', `contact form failed with ${d.error}: ${d.cause}`);
  const step = JSON.parse(d.cause).step;
  const out = { ...all, ServiceFailed: 'succeeded', Failed: 'failed' };
  for (const s of steps.slice(0, steps.indexOf(step))) out[s] = 'succeeded';
  out[step] = 'caught';
  return out;
}

// checkHistory compares the history table's first page with the API's.
async function checkHistory(page, events) {
  await page.waitForFunction((n) => document.querySelectorAll('#history tbody tr').length === n, Math.min(events.length, 100));
  const rows = await page.$$eval('#history tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const head = await page.$$eval('#history thead th', (ths) => ths.map((t) => t.textContent));
  assert.deepEqual(head, ['ID', 'Type', 'State', 'Time', 'Elapsed', 'Details']);
  rows.forEach(([id, type, state, time, elapsed, det], i) => {
    const e = events[i];
    assert.equal(id, String(e.id));
    assert.equal(type, e.type);
    assert.equal(time, timeText(e.timestamp));
    assert.equal(elapsed, `${Math.round((e.timestamp - events[0].timestamp) * 1000)} ms`);
    const d = details(e);
    if (d.name) assert.match(det, new RegExp(`"name":"${d.name}"`));
    if (d.name) assert.equal(state, d.name);
    if (e.type.startsWith('Execution')) assert.equal(state, '');
    if (d.error) assert.ok(det.includes(JSON.stringify(d.error)), `row ${e.id} shows its error`);
  });
  assert.match(await text(page, '#history-info'), new RegExp(`${events.length} of ${events.length} events`));
}

test('state machines list', async () => {
  const page = await open('');
  await page.waitForSelector('#machines');
  const rows = await page.$$eval('#machines tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const byName = Object.fromEntries(rows.map((r) => [r[0], r[1]]));
  for (const [n, t] of [['contact-form', 'STANDARD'], ['contact-form-express', 'EXPRESS'], ['console-fanout', 'STANDARD'], ['console-large', 'STANDARD']]) {
    assert.equal(byName[n], t, `${n} listed as ${t}`);
  }
  for (const r of rows) assert.match(r[2], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC$/);
  await shot(page, 'machines');
  page.check();
  await page.close();
});

// Request signing: off by default; turned on in its dialog (keyboard
// only), every API call carries a SigV4 signature for execute-api that
// `stepwise serve` ignores, so the page works as before. Each signature is
// recomputed here from what the browser sent (host, headers, body).
test('request signing: off by default, on in the dialog, every API call signed for execute-api', async () => {
  const page = await open('');
  await page.waitForSelector('#machines');
  const unsigned = await Promise.all(page.apiRequests.map((r) => r.headers));
  assert.ok(unsigned.length > 0);
  for (const h of unsigned) {
    assert.equal(h.authorization, undefined, 'no signature by default');
    assert.equal(h['x-amz-date'], undefined);
  }
  assert.equal(await text(page, '#signing-open'), 'Request signing: off');

  // Open the dialog from the keyboard; its fields are found by their labels.
  await page.focus('#signing-open');
  await page.keyboard.press('Enter');
  await page.waitForSelector('dialog#signing[open]');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'signing-on');
  assert.equal(await page.evaluate(() => document.querySelector('dialog#signing').getAttribute('aria-labelledby')), 'signing-title');
  await page.keyboard.press(' ');
  assert.ok(await page.getByLabel('Sign requests (SigV4)').isChecked());
  await page.getByLabel('Region').fill('eu-west-1');
  await page.getByLabel('Access key ID').fill('not a key');
  await page.getByLabel('Secret access key').fill('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
  await page.getByLabel(/^Session token/).fill('FQoGZXIvYXdzEXAMPLEtoken/+=');
  await page.focus('#signing-save');
  await page.keyboard.press('Enter');
  assert.match(await text(page, '#signing-error'), /^Access key ID: /, 'a bad key id is refused, naming the field');
  assert.ok(await page.locator('dialog#signing[open]').count(), 'the dialog stays open');
  await page.getByLabel('Access key ID').fill('AKIAIOSFODNN7EXAMPLE');
  await shot(page, 'signing-dialog', false);
  const before = page.apiRequests.length;
  await page.focus('#signing-save');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => !document.getElementById('signing').open);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'signing-open', 'focus returns to the button');
  assert.equal(await text(page, '#signing-open'), 'Request signing: on (eu-west-1)');
  assert.equal(await page.evaluate(() => document.getElementById('signing-secret').value), '', 'the secret is not left in the form');

  // The page reloads its view, signed, and still works; so does an execution.
  await page.waitForSelector('#machines');
  await page.evaluate((h) => { location.hash = h; }, execHash(ex.fanout));
  await page.waitForSelector('#history tbody tr');
  assert.equal(await page.$eval('.exec-head h1', (e) => e.textContent.includes('map-caught')), true);
  const signed = page.apiRequests.slice(before);
  const ops = new Set();
  const host = new URL(srv.base).host;
  for (const r of signed) {
    const h = await r.headers;
    ops.add(h['x-amz-target']);
    const m = /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/(\d{8})\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(h.authorization || '');
    assert.ok(m, `well-formed Authorization: ${h.authorization}`);
    assert.equal(m[2], 'content-type;host;x-amz-date;x-amz-security-token;x-amz-target');
    assert.match(h['x-amz-date'], /^\d{8}T\d{6}Z$/);
    assert.equal(m[1], h['x-amz-date'].slice(0, 8), 'the credential scope has the request date');
    assert.equal(h['x-amz-security-token'], 'FQoGZXIvYXdzEXAMPLEtoken/+=');
    assert.equal(h.host ?? host, host);
    const d = h['x-amz-date'];
    const now = new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`);
    const again = await sign({ method: r.method, url: r.url, headers: { 'Content-Type': h['content-type'], 'X-Amz-Target': h['x-amz-target'] }, body: r.body },
      { region: 'eu-west-1', service: 'execute-api', credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'FQoGZXIvYXdzEXAMPLEtoken/+=' }, now });
    assert.equal(m[3], again.signature, `the signature covers what was sent (${h['x-amz-target']})`);
  }
  for (const op of ['ListStateMachines', 'DescribeExecution', 'DescribeStateMachineForExecution', 'GetExecutionHistory']) {
    assert.ok(ops.has(`AWSStepFunctions.${op}`), `${op} signed`);
  }
  // Session storage only.
  const storage = await page.evaluate(() => ({ local: localStorage.length, session: JSON.parse(sessionStorage.getItem('stepwise.signing')) }));
  assert.equal(storage.local, 0, 'nothing in localStorage');
  assert.equal(storage.session.accessKeyId, 'AKIAIOSFODNN7EXAMPLE');

  // Escape closes the dialog unchanged; Forget credentials turns signing off.
  await page.focus('#signing-open');
  await page.keyboard.press('Enter');
  await page.waitForSelector('dialog#signing[open]');
  assert.equal(await page.getByLabel('Access key ID').inputValue(), 'AKIAIOSFODNN7EXAMPLE');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.getElementById('signing').open);
  assert.equal(await text(page, '#signing-open'), 'Request signing: on (eu-west-1)');
  await page.focus('#signing-open');
  await page.keyboard.press('Enter');
  await page.focus('#signing-forget');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => !document.getElementById('signing').open);
  assert.equal(await text(page, '#signing-open'), 'Request signing: off');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('stepwise.signing')), null);
  const after = page.apiRequests.length;
  await page.waitForSelector('#history tbody tr');
  await page.evaluate(() => { location.hash = '#/'; });
  await page.waitForSelector('#machines');
  for (const r of page.apiRequests.slice(after)) assert.equal((await r.headers).authorization, undefined, 'unsigned after Forget');
  assert.ok(page.apiRequests.length > after);
  page.check();
  await page.close();
});

test('executions: status, start, duration; filter by status; pages by nextToken', async () => {
  const page = await open(`#/machine/${encodeURIComponent(arn.router)}`);
  await page.waitForSelector('#executions');
  const listed = [];
  const readPage = () => page.$$eval('#executions tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const rows1 = await readPage();
  assert.equal(rows1.length, 20);
  for (const [name, status, started, dur] of rows1) {
    const i = Number(name.slice(4));
    assert.equal(status, i % 3 === 0 ? '✕ Failed' : '✓ Succeeded');
    assert.match(started, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC$/);
    assert.match(dur, /^\d+ ms$|^\d+\.\d s$/);
  }
  listed.push(...rows1.map((r) => r[0]));
  await shot(page, 'executions');
  await page.click('#next-page');
  await page.waitForFunction(() => document.querySelector('.pager span')?.textContent.includes('Page 2'));
  listed.push(...(await readPage()).map((r) => r[0]));
  await page.click('#next-page');
  await page.waitForFunction(() => document.querySelector('.pager span')?.textContent.includes('Page 3'));
  const rows3 = await readPage();
  assert.equal(rows3.length, 5);
  listed.push(...rows3.map((r) => r[0]));
  assert.equal(await page.locator('#next-page').isDisabled(), true);
  assert.equal(new Set(listed).size, 45, 'every execution once over the three pages');
  assert.ok(page.apiCalls.filter((c) => c === 'ListExecutions').length >= 3);
  // Back to page 2, then filter: the pages restart.
  await page.click('#prev-page');
  await page.waitForFunction(() => document.querySelector('.pager span')?.textContent.includes('Page 2'));
  await page.selectOption('#status-filter', 'FAILED');
  await page.waitForFunction(() => document.querySelector('.pager span')?.textContent.includes('Page 1') && document.querySelectorAll('#executions tbody tr').length === 15);
  assert.deepEqual([...new Set((await readPage()).map((r) => r[1]))], ['✕ Failed']);
  assert.equal(await page.locator('#next-page').isDisabled(), true);
  await page.selectOption('#status-filter', 'RUNNING');
  await page.waitForSelector('text=No running executions.');
  await shot(page, 'executions-filtered');
  // An execution row opens the execution.
  await page.selectOption('#status-filter', '');
  await page.waitForSelector('#executions');
  await page.click('#executions tbody tr:first-child a');
  await page.waitForSelector('#history tbody tr');
  page.check();
  await page.close();

  // EXPRESS: ListExecutions refuses it; the page says why.
  const exp = await open(`#/machine/${encodeURIComponent(arn['contact-form-express'])}`);
  await exp.waitForSelector('#no-list');
  assert.match(await text(exp, '#no-list'), /EXPRESS state machine/);
  assert.equal(await exp.locator('.error').count(), 0);
  exp.check();
  await exp.close();
});

for (const kind of ['valid', 'invalid']) {
  test(`contact form, ${kind} submission: graph, statuses, detail panel, history`, async () => {
    const d = await srv.sfn('DescribeExecution', { executionArn: ex[kind] });
    const events = await history(srv, ex[kind]);
    const want = expectedContact(d);
    console.log(`# contact form ${kind}: ${d.status}${d.error ? ` ${d.error}` : ''}`);
    const page = await open(execHash(ex[kind]));
    await page.waitForSelector('#history tbody tr');
    // Every state of the definition is a node, coloured by its status,
    // with the status in words too.
    assert.deepEqual(await statuses(page), want);
    const texts = await statusTexts(page);
    for (const [n, st] of Object.entries(want)) assert.equal(texts[n], TEXT[st], `${n}'s status text`);
    for (const [n, st] of Object.entries(want)) {
      const label = await page.locator(`svg.graph g.node[data-name="${n}"]`).getAttribute('aria-label');
      assert.equal(label, `${n}, ${contactForm.States[n].Type} state, ${TEXT[st].slice(2)}`);
    }
    // Catch edges are dashed.
    const catchDash = await page.$$eval('svg.graph path.edge.catch', (ps) => ps.map((p) => getComputedStyle(p).strokeDasharray));
    const catches = new Set(Object.entries(contactForm.States).flatMap(([n, st]) => (st.Catch || []).map((c) => `${n}>${c.Next}`)));
    assert.equal(catchDash.length, catches.size);
    for (const dash of catchDash) assert.notEqual(dash, 'none');
    assert.match(await text(page, '.exec-head h1'), d.status === 'SUCCEEDED' ? /Succeeded/ : /Failed/);

    // The detail panel of each state that ran: input and output as the
    // history has them; error and cause of the caught one.
    for (const [name, st] of Object.entries(want)) {
      if (st === 'notstarted') continue;
      await openState(page, name);
      assert.equal(await text(page, '#detail-status'), TEXT[st]);
      const entered = events.find((e) => e.type.endsWith('StateEntered') && details(e).name === name);
      assert.equal(await text(page, '#detail-input'), pretty(details(entered).input));
      const exited = events.find((e) => e.type.endsWith('StateExited') && details(e).name === name);
      if (exited) assert.equal(await text(page, '#detail-output'), pretty(details(exited).output));
      if (st === 'caught') {
        const failed = events.filter((e) => e.id > entered.id && e.id < exited.id && /Failed$|TimedOut$/.test(e.type)).pop();
        assert.equal(await text(page, '#detail-error'), details(failed).error);
        assert.equal(await text(page, '#detail-cause'), pretty(details(failed).cause));
        await shot(page, `contact-${kind}-caught-detail`);
      }
      if (st === 'failed') {
        assert.equal(await text(page, '#detail-error'), d.error);
        assert.equal(await text(page, '#detail-cause'), pretty(d.cause));
      }
    }
    await checkHistory(page, events);
    await shot(page, `contact-${kind}`);
    page.check();
    await page.close();
  });
}

test('Map iterations with their own status, Parallel branches, caught failure', async () => {
  const events = await history(srv, ex.fanout);
  const page = await open(execHash(ex.fanout));
  await page.waitForSelector('#history tbody tr');
  assert.deepEqual(await statuses(page), {
    Both: 'succeeded', Fan: 'caught', Check: 'succeeded', Accept: 'succeeded', Reject: 'failed',
    Recovered: 'succeeded', Side: 'succeeded', Done: 'succeeded',
  });
  // The Map is a box around its processor, inside the Parallel's first
  // branch; the Parallel's branches side by side.
  const box = (n) => page.locator(`svg.graph g.node[data-name="${n}"] > rect.shape`).boundingBox();
  const inside = (a, b) => a.x > b.x && a.y > b.y && a.x + a.width < b.x + b.width && a.y + a.height < b.y + b.height;
  assert.ok(inside(await box('Check'), await box('Fan')), 'Check inside Fan');
  assert.ok(inside(await box('Fan'), await box('Both')), 'Fan inside Both');
  const frames = await page.locator('svg.graph g.node[data-name="Both"] > g.frame > rect').evaluateAll((rs) => rs.map((r) => r.getBoundingClientRect().toJSON()));
  assert.equal(frames.length, 2);
  assert.ok(Math.abs(frames[0].y - frames[1].y) < 1 && frames[0].x + frames[0].width < frames[1].x, 'branches side by side');
  assert.ok(inside(await box('Side'), frames[1]), 'Side in the second branch');

  await openState(page, 'Fan');
  assert.equal(await text(page, '#detail-status'), '⚠ Caught error');
  assert.equal(await text(page, '#detail-error'), 'ItemRejected');
  assert.equal(await text(page, '#detail-cause'), 'item 2 is not allowed');
  assert.deepEqual(await page.$$eval('#iterations li', (lis) => lis.map((l) => l.textContent)), ['#0 ✓ Succeeded', '#1 ✓ Succeeded', '#2 ✕ Failed']);
  assert.equal(await text(page, '#iteration-summary'), '2 succeeded, 1 failed');
  const exited = events.find((e) => e.type === 'MapStateExited');
  assert.equal(await text(page, '#detail-output'), pretty(details(exited).output));
  await shot(page, 'execution-map');
  await openState(page, 'Reject');
  assert.equal(await text(page, '#detail-status'), '✕ Failed');
  assert.equal(await text(page, '#detail-input'), '2');
  assert.equal(await text(page, '#detail-error'), 'ItemRejected');
  await openState(page, 'Check');
  assert.match(await text(page, '#detail p'), /Choice state · 3 runs/);

  // History: filter by type, by state name, by text in the details.
  await checkHistory(page, events);
  const stateCol = await page.$$eval('#history tbody tr', (trs) => Object.fromEntries(trs.map((tr) => [tr.children[0].textContent, tr.children[2].textContent])));
  for (const e of events) {
    if (/^(Parallel|Map)State(Started|Succeeded|Failed)$/.test(e.type)) assert.equal(stateCol[e.id], e.type.startsWith('Map') ? 'Fan' : 'Both', `state of ${e.type}`);
  }
  await page.fill('#history-filter', 'MapIteration');
  const iters = events.filter((e) => e.type.startsWith('MapIteration')).length;
  await page.waitForFunction((n) => document.querySelectorAll('#history tbody tr').length === n, iters);
  assert.match(await text(page, '#history-info'), new RegExp(`${iters} of ${events.length} events`));
  await page.fill('#history-filter', 'itemrejected');
  await page.waitForFunction(() => document.querySelectorAll('#history tbody tr').length >= 1);
  for (const t of await page.$$eval('#history tbody tr td:last-child', (tds) => tds.map((x) => x.textContent.toLowerCase()))) assert.match(t, /itemrejected/);
  await page.fill('#history-filter', 'no such thing');
  await page.waitForFunction(() => document.querySelectorAll('#history tbody tr').length === 0);
  await shot(page, 'history-filtered');
  page.check();
  await page.close();
});

test('keyboard navigation, statuses in words, text contrast', async () => {
  const page = await open(execHash(ex.fanout));
  await page.waitForSelector('#history tbody tr');
  // Tab reaches the graph's states.
  let focused = null;
  for (let i = 0; i < 30 && !focused; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement?.closest?.('g.node')?.dataset.name || null);
  }
  assert.ok(focused, 'Tab reaches a state');
  // Home, then the arrows visit every state once, top to bottom.
  await page.keyboard.press('Home');
  const seen = [await page.evaluate(() => document.activeElement.dataset.name)];
  for (let i = 0; i < 7; i++) {
    await page.keyboard.press('ArrowDown');
    seen.push(await page.evaluate(() => document.activeElement.dataset.name));
  }
  assert.equal(seen[0], 'Both');
  assert.deepEqual([...seen].sort(), ['Accept', 'Both', 'Check', 'Done', 'Fan', 'Recovered', 'Reject', 'Side']);
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.name), seen[6]);
  await page.keyboard.press('End');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.name), 'Done');
  // Enter and Space open the details; the focus ring is visible.
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#detail h2')?.textContent === 'Done');
  assert.equal(await page.evaluate(() => getComputedStyle(document.activeElement.querySelector('.shape')).strokeWidth), '4px');
  await page.keyboard.press('Home');
  await page.keyboard.press(' ');
  await page.waitForFunction(() => document.querySelector('#detail h2')?.textContent === 'Both');

  // Statuses are told in words (and an icon), not by colour alone: in each
  // state box, its accessible name, the badges and the iteration list.
  for (const g of await page.$$eval('svg.graph g.node', (gs) => gs.map((x) => [x.querySelector('.status').textContent, x.getAttribute('aria-label')]))) {
    assert.match(g[0], /^. (Not started|In progress|Succeeded|Failed|Caught error|Succeeded after retry|Cancelled)$/);
    assert.ok(g[1].endsWith(g[0].slice(2)));
  }

  // Contrast (WCAG AA, 4.5:1) of every status's text on its fill, in the
  // graph and in badges, for every status (applied to a copy of a node).
  const low = await page.evaluate(() => {
    const rgb = (c) => c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
    const lum = (c) => {
      const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
    const bad = [];
    const ratios = {};
    const node = document.querySelector('svg.graph g.node:not(.box)');
    for (const st of ['notstarted', 'running', 'succeeded', 'failed', 'caught', 'retried', 'cancelled']) {
      const g = node.cloneNode(true);
      g.setAttribute('class', g.getAttribute('class').replace(/\bst-\w+/, `st-${st}`));
      node.parentNode.appendChild(g);
      const fill = getComputedStyle(g.querySelector('.shape')).fill;
      for (const cls of ['name', 'status', 'type']) {
        const r = ratio(getComputedStyle(g.querySelector(`:scope > .${cls}`)).fill, fill);
        ratios[`graph ${st} .${cls}`] = r;
        if (r < 4.5) bad.push(`graph ${st} .${cls} ${r.toFixed(2)}`);
      }
      g.remove();
      const b = document.createElement('span');
      b.className = `badge st-${st}`;
      b.textContent = 'x';
      document.body.appendChild(b);
      const cs = getComputedStyle(b);
      const r = ratio(cs.color, cs.backgroundColor);
      ratios[`badge ${st}`] = r;
      if (r < 4.5) bad.push(`badge ${st} ${r.toFixed(2)}`);
      b.remove();
    }
    for (const sel of ['.crumbs', '#detail h3', '#history td', '#history th', 'a', 'header.top', 'button:disabled']) {
      const e = document.querySelector(sel);
      const cs = getComputedStyle(e);
      let bg = cs.backgroundColor;
      for (let p = e; p && /rgba\(0, 0, 0, 0\)|transparent/.test(bg); p = p.parentElement) bg = getComputedStyle(p).backgroundColor;
      if (/rgba\(0, 0, 0, 0\)|transparent/.test(bg)) bg = 'rgb(255, 255, 255)';
      const r = ratio(cs.color, bg);
      ratios[sel] = r;
      if (r < 4.5) bad.push(`${sel} ${r.toFixed(2)}`);
    }
    return { bad, min: Math.min(...Object.values(ratios)) };
  });
  assert.deepEqual(low.bad, [], 'text contrast below 4.5:1');
  console.log(`# lowest text contrast ratio ${low.min.toFixed(2)}:1`);
  page.check();
  await page.close();
});

test('live: a running execution updates without reload', async () => {
  const exec = await startExecution(srv, arn.hold, 'live', { wait: 3 });
  const page = await open(execHash(exec));
  await page.waitForSelector('#history tbody tr');
  await page.evaluate(() => { window.notReloaded = true; });
  await page.waitForFunction(() => document.querySelector('svg.graph g.node[data-name="Hold"]')?.dataset.status === 'running');
  assert.match(await text(page, '.exec-head h1'), /Running/);
  assert.equal(await page.locator('svg.graph g.node[data-name="Hold"] .status').textContent(), '◔ In progress');
  assert.equal((await statuses(page)).Finish, 'notstarted');
  await shot(page, 'execution-running');
  await page.waitForFunction(() => document.querySelector('.exec-head h1')?.textContent.includes('Succeeded'), null, { timeout: 20000 });
  assert.deepEqual(await statuses(page), { Prepare: 'succeeded', Hold: 'succeeded', Finish: 'succeeded' });
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'updated in place, not reloaded');
  const events = await history(srv, exec);
  await checkHistory(page, events);
  assert.ok(page.apiCalls.filter((c) => c === 'GetExecutionHistory').length >= 2, 'history polled');
  await shot(page, 'execution-live-done');
  page.check();
  await page.close();
});

test('retried, then caught', async (t) => {
  let a;
  try {
    a = await createMachine(srv, 'console-retry', retryCatch);
  } catch (err) {
    t.skip(`CreateStateMachine refused the Task: ${err.message}`);
    return;
  }
  const exec = await startExecution(srv, a, 'retry');
  await waitDone(srv, exec);
  const page = await open(execHash(exec));
  await page.waitForSelector('#history tbody tr');
  assert.deepEqual(await statuses(page), { Call: 'caught', Recover: 'succeeded' });
  await openState(page, 'Call');
  assert.match(await text(page, '#detail p'), /Task state · 1 retry/);
  const events = await history(srv, exec);
  assert.equal(events.filter((e) => e.type === 'TaskScheduled').length, 2);
  assert.equal(await text(page, '#detail-error'), details(events.filter((e) => e.type.endsWith('Failed')).pop()).error);
  page.check();
  await page.close();
});

test('500 states and a 10,000-event history: first paint and render times', async () => {
  const d = await largeDone;
  assert.equal(d.status, 'SUCCEEDED');
  const last = (await srv.sfn('GetExecutionHistory', { executionArn: ex.large, reverseOrder: true, maxResults: 1 })).events[0].id;
  const t = Date.now();
  const page = await open(execHash(ex.large));
  await page.waitForFunction(() => window.stepwiseTimings?.historyRendered, null, { timeout: 60000 });
  const wall = Date.now() - t;
  const tm = await page.evaluate(() => window.stepwiseTimings);
  assert.equal(tm.graphNodes, large.states);
  assert.equal(tm.events, last);
  assert.equal(await page.locator('svg.graph g.node').count(), large.states);
  const pages = Math.ceil(last / 100);
  assert.match(await text(page, '#history-info'), new RegExp(`${last} of ${last} events · page 1 of ${pages}`));
  assert.equal(await page.locator('#history tbody tr').count(), 100);
  await page.click('#history-next');
  assert.equal(await page.locator('#history tbody tr:first-child td:first-child').textContent(), '101');
  assert.equal(await page.locator('#history tbody tr').count(), 100);
  assert.equal((await statuses(page)).S000, 'succeeded');
  assert.equal((await statuses(page)).I50, 'succeeded');
  // The filter over all 10,000 events, timed.
  const filterMs = await page.evaluate(async () => {
    const t0 = performance.now();
    const input = document.querySelector('#history-filter');
    input.value = 'MapIterationSucceeded';
    input.dispatchEvent(new Event('input'));
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - t0;
  });
  assert.match(await text(page, '#history-info'), new RegExp(`${large.items} of ${last} events`));
  await openState(page, 'Fan');
  assert.equal(await text(page, '#iteration-summary'), `${large.items} succeeded`);
  const calls = page.apiCalls.filter((c) => c === 'GetExecutionHistory').length;
  const f = (x) => (x === undefined ? 'n/a' : `${Math.round(x)} ms`);
  const line = `${tm.graphNodes} states, ${tm.events} events: graph first paint ${f(tm.graphPaint)} after navigation ` +
    `(layout and SVG ${f(tm.graphLayout)}); history fetched in ${f(tm.historyFetch)} (${calls} GetExecutionHistory pages), ` +
    `statuses and table rendered in ${f(tm.historyRender)}, painted ${f(tm.historyPaint)} after navigation; ` +
    `filter over all events ${f(filterMs)}; longest main-thread task ${f(tm.longestTask)}; page load to done ${wall} ms`;
  console.log(`# ${line}`);
  fs.writeFileSync(path.join(artifacts, 'timings.txt'), line + '\n');
  await shot(page, 'execution-large', false);
  page.check();
  await page.close();
});
