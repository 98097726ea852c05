// Browser tests of the console against the fake Step Functions API:
// Debian's chromium driven by playwright-core. Screenshots go to
// test/artifacts/. Run with test/run.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { start, requests } from './fake-sfn.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const artifacts = path.join(here, 'artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ACCOUNT = 'arn:aws:states:us-east-1:123456789012';
let server, browser, base;

before(async () => {
  fs.mkdirSync(artifacts, { recursive: true });
  server = await start(0);
  base = `http://127.0.0.1:${server.address().port}/console/`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'], // playwright adds a fresh empty --user-data-dir
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function open(hash) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const offsite = [];
  page.on('request', (r) => { if (!r.url().startsWith('http://127.0.0.1')) offsite.push(r.url()); });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base + hash);
  page.check = () => {
    assert.deepEqual(offsite, [], 'the page must not load anything from elsewhere');
    assert.deepEqual(errors, [], 'no script errors');
  };
  return page;
}
const execHash = (m, n) => `#/execution/${encodeURIComponent(`${ACCOUNT}:execution:${m}:${n}`)}`;
const statusOf = (page, name) => page.locator(`svg.graph g.node[data-name="${name}"]`).getAttribute('data-status');
async function statuses(page) {
  return page.$$eval('svg.graph g.node', (gs) => Object.fromEntries(gs.map((g) => [g.dataset.name, `${g.dataset.status}|${g.querySelector('.status').textContent}`])));
}

test('state machines list', async () => {
  const page = await open('');
  await page.waitForSelector('#machines');
  const names = await page.$$eval('#machines tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
  assert.deepEqual(names, ['ContactForm', 'Large500']);
  await page.screenshot({ path: path.join(artifacts, 'machines.png'), fullPage: true });
  page.check();
  await page.close();
});

test('executions: status filter and pagination', async () => {
  const page = await open(`#/machine/${encodeURIComponent(`${ACCOUNT}:stateMachine:ContactForm`)}`);
  await page.waitForSelector('#executions');
  assert.equal(await page.locator('#executions tbody tr').count(), 20);
  assert.equal(await page.locator('#executions tbody tr').first().locator('td').nth(1).textContent(), '✓ Succeeded');
  await page.click('#next-page');
  await page.waitForFunction(() => document.querySelector('.pager span')?.textContent.includes('Page 2'));
  assert.equal(await page.locator('#executions tbody tr').count(), 20);
  await page.click('#next-page');
  await page.waitForFunction(() => document.querySelector('.pager span')?.textContent.includes('Page 3'));
  assert.equal(await page.locator('#executions tbody tr').count(), 8); // 48 executions
  assert.equal(await page.locator('#next-page').isDisabled(), true);
  await page.selectOption('#status-filter', 'FAILED');
  await page.waitForFunction(() => document.querySelector('.pager span')?.textContent.includes('Page 1') && document.querySelectorAll('#executions tbody tr').length === 15);
  const st = await page.$$eval('#executions tbody tr td:nth-child(2)', (tds) => [...new Set(tds.map((t) => t.textContent))]);
  assert.deepEqual(st, ['✕ Failed']);
  await page.screenshot({ path: path.join(artifacts, 'executions.png'), fullPage: true });
  page.check();
  await page.close();
});

test('succeeded execution with a retried task', async () => {
  const page = await open(execHash('ContactForm', 'succeeded'));
  await page.waitForSelector('#history tbody tr');
  assert.deepEqual(await statuses(page), {
    Process: 'retried|↻ Succeeded after retry',
    Store: 'succeeded|✓ Succeeded',
    Notify: 'succeeded|✓ Succeeded',
    SendEmail: 'succeeded|✓ Succeeded',
    'Is urgent?': 'succeeded|✓ Succeeded',
    'Page on-call': 'notstarted|○ Not started',
    'Notify failed': 'notstarted|○ Not started',
    Done: 'succeeded|✓ Succeeded',
    Invalid: 'notstarted|○ Not started',
  });
  assert.match(await page.locator('svg.graph g.node[data-name="Process"]').getAttribute('aria-label'), /Process, Task state, Succeeded after retry/);
  // History: 44 events on one page, elapsed from the first.
  assert.equal(await page.locator('#history tbody tr').count(), 44);
  assert.match(await page.locator('#history-info').textContent(), /44 of 44 events/);
  const row5 = await page.$$eval('#history tbody tr:nth-child(5) td', (tds) => tds.map((t) => t.textContent));
  assert.equal(row5[1], 'TaskFailed');
  assert.equal(row5[2], 'Process');
  assert.match(row5[5], /Lambda.TooManyRequestsException/);
  await page.fill('#history-filter', 'MapIteration');
  await page.waitForFunction(() => document.querySelectorAll('#history tbody tr').length === 6);
  // Detail panel: the Map's iterations.
  await page.click('svg.graph g.node[data-name="Notify"] > text.name'); // the box's middle is its processor
  await page.waitForSelector('#iterations');
  assert.deepEqual(await page.$$eval('#iterations li', (lis) => lis.map((l) => l.textContent)), ['#0 ✓ Succeeded', '#1 ✓ Succeeded', '#2 ✓ Succeeded']);
  await page.screenshot({ path: path.join(artifacts, 'execution-succeeded.png'), fullPage: true });
  page.check();
  await page.close();
});

test('execution with a caught failure: detail panel and keyboard', async () => {
  const page = await open(execHash('ContactForm', 'caught'));
  await page.waitForSelector('#history tbody tr');
  const s = await statuses(page);
  assert.equal(s.Notify, 'caught|⚠ Caught error');
  assert.equal(s.SendEmail, 'failed|✕ Failed');
  assert.equal(s['Notify failed'], 'succeeded|✓ Succeeded');
  assert.equal(s['Is urgent?'], 'notstarted|○ Not started');
  // Keyboard: focus the first state, move with the arrows, open with Enter.
  await page.locator('svg.graph g.node[data-name="Process"]').focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.name), 'Store');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.name), 'Notify');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#detail-error');
  assert.equal(await page.locator('#detail h2').textContent(), 'Notify');
  assert.equal(await page.locator('#detail-status').textContent(), '⚠ Caught error');
  assert.equal(await page.locator('#detail-error').textContent(), 'SESV2.MessageRejectedException');
  assert.equal(await page.locator('#detail-cause').textContent(), 'Email address is not verified.');
  assert.match(await page.locator('#detail-output').textContent(), /"notify"|"error"/);
  assert.deepEqual(await page.$$eval('#iterations li', (lis) => lis.map((l) => l.textContent)), ['#0 ✓ Succeeded', '#1 ✕ Failed']);
  // The focus outline is visible on the focused state.
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement.querySelector('.shape')).strokeWidth);
  assert.equal(outline, '4px');
  await page.keyboard.press('Tab');
  await page.click('svg.graph g.node[data-name="SendEmail"] > .shape');
  await page.waitForFunction(() => document.querySelector('#detail h2')?.textContent === 'SendEmail');
  assert.equal(await page.locator('#detail-input').textContent(), '"support@example.com"');
  // Contrast (WCAG AA, 4.5:1) of every state's name and status text on
  // its fill, whatever the status.
  const low = await page.$$eval('svg.graph g.node', (gs) => {
    const rgb = (c) => c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
    const lum = (c) => {
      const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
    const bad = [];
    for (const g of gs) {
      const fill = getComputedStyle(g.querySelector('.shape')).fill;
      for (const cls of ['name', 'status', 'type']) {
        const t = g.querySelector(':scope > .' + cls);
        const r = ratio(getComputedStyle(t).fill, fill);
        if (r < 4.5) bad.push(`${g.dataset.name} .${cls} ${r.toFixed(2)}`);
      }
    }
    return bad;
  });
  assert.deepEqual(low, [], 'text contrast below 4.5:1');
  await page.screenshot({ path: path.join(artifacts, 'execution-caught.png'), fullPage: true });
  page.check();
  await page.close();
});

test('running execution updates by polling', async () => {
  const page = await open(execHash('ContactForm', 'live'));
  await page.waitForSelector('#history tbody tr');
  assert.match(await page.locator('.exec-head h1').textContent(), /Running/);
  await page.screenshot({ path: path.join(artifacts, 'execution-running.png'), fullPage: true });
  await page.waitForFunction(() => document.querySelector('.exec-head h1')?.textContent.includes('Succeeded'), null, { timeout: 20000 });
  assert.equal(await statusOf(page, 'Done'), 'succeeded');
  assert.match(await page.locator('#history-info').textContent(), /44 of 44 events/);
  page.check();
  await page.close();
});

test('500 states and 10,000 events: time to first paint', async () => {
  requests.length = 0;
  const t = Date.now();
  const page = await open(execHash('Large500', 'big'));
  await page.waitForFunction(() => window.stepwiseTimings?.historyRendered, null, { timeout: 60000 });
  const wall = Date.now() - t;
  const timings = await page.evaluate(() => window.stepwiseTimings);
  assert.equal(timings.graphNodes, 500);
  assert.equal(timings.events, 10000);
  assert.equal(await page.locator('#history tbody tr').count(), 100);
  assert.match(await page.locator('#history-info').textContent(), /10000 of 10000 events · page 1 of 100/);
  await page.click('#history-next');
  assert.equal(await page.locator('#history tbody tr:first-child td:first-child').textContent(), '101');
  assert.equal(await statusOf(page, 'S0499'), 'succeeded');
  const line = `graph first paint ${timings.graphPaint.toFixed(0)} ms; graph coloured and history table rendered ${timings.historyRendered.toFixed(0)} ms (10,000 events, ${requests.filter((r) => r === 'GetExecutionHistory').length} GetExecutionHistory pages); page load to done ${wall} ms`;
  console.log(`# ${line}`);
  fs.writeFileSync(path.join(artifacts, 'timings.txt'), line + '\n');
  await page.screenshot({ path: path.join(artifacts, 'execution-large.png') });
  page.check();
  await page.close();
});
