// Checks the synthesizer's HTML page in headless Debian Chromium, as a
// reader would see it: it renders without console errors and loads
// nothing from outside itself, it shows every goal and the Next 3, a task
// titled <script>alert(1)</script> is text (no script runs, no dialog
// opens), it fits a 390 px phone without sideways scrolling, and it prints.
// Screenshots and a PDF go to the artifacts directory.
//
//   node snapshot-page.mjs DEPS_DIR ARTIFACTS_DIR LANTERN.html LANTERN_PLAN.json HOSTILE.html
//
// DEPS_DIR holds node_modules/playwright-core (installed by the suite into
// .work/, never globally). Exits 1 listing every failed check.

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const [depsDir, artifacts, lanternHtml, lanternPlan, hostileHtml] = process.argv.slice(2);
if (!hostileHtml) {
  console.error('usage: node snapshot-page.mjs DEPS_DIR ARTIFACTS_DIR LANTERN.html LANTERN_PLAN.json HOSTILE.html');
  process.exit(2);
}
const { chromium } = createRequire(path.join(path.resolve(depsDir), 'noop.js'))('playwright-core');

const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

// Serve each page as the synthesizer does: same media type, same policy.
const policy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const pages = { '/lantern.html': readFileSync(lanternHtml), '/hostile.html': readFileSync(hostileHtml) };
const server = http.createServer((req, res) => {
  const body = pages[req.url];
  if (!body) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': policy });
  res.end(body);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run'],
});

/** Opens `url` in a fresh context and records what a reader would not want to see. */
async function open(url, contextOptions) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const seen = { errors: [], dialogs: [], requests: [] };
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') seen.errors.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => seen.errors.push(`pageerror: ${e.message}`));
  page.on('dialog', async (d) => { seen.dialogs.push(d.message()); await d.dismiss(); });
  page.on('request', (r) => { if (!r.url().startsWith('data:') && r.url() !== url) seen.requests.push(r.url()); });
  const response = await page.goto(url, { waitUntil: 'load' });
  check(response && response.status() === 200, `${url} loads`);
  return { context, page, seen };
}

try {
  const plan = JSON.parse(readFileSync(lanternPlan, 'utf8'));

  // Desktop.
  {
    const { context, page, seen } = await open(`${base}/lantern.html`, { viewport: { width: 1280, height: 900 } });
    for (const goal of plan.goals) {
      check(await page.locator('#goals .goal', { hasText: goal.title }).first().isVisible(), `goal ${goal.goal} "${goal.title}" is shown`);
    }
    const actions = page.locator('#next li.action');
    check(await actions.count() === plan.next_actions.length, `the Next 3 show ${plan.next_actions.length} actions`);
    for (const action of plan.next_actions) {
      check(await page.locator('#next li.action h3', { hasText: action.title }).first().isVisible(), `next action ${action.task} "${action.title}" is shown`);
    }
    check((await page.locator('#current .summary').innerText()).trim().length > 0, 'the summary is shown');
    const drawn = await page.locator('svg.task-graph g.task').count();
    check(drawn > 0, `the task graph draws the remaining tasks (${drawn})`);
    check(await page.locator('svg.task-graph g.task.critical').count() > 0, 'the critical path is highlighted');
    check(await page.locator('script').count() === 0, 'the page has no script element');
    await page.screenshot({ path: path.join(artifacts, 'snapshot.png'), fullPage: true });
    await page.locator('#graph').screenshot({ path: path.join(artifacts, 'snapshot-graph.png') });

    // Paper.
    await page.emulateMedia({ media: 'print' });
    const printable = await page.evaluate(() => {
      const svg = document.querySelector('svg.task-graph');
      return !svg || svg.getBoundingClientRect().right <= document.documentElement.clientWidth + 1;
    });
    check(printable, 'in print the task graph fits the page width');
    await page.pdf({ path: path.join(artifacts, 'snapshot.pdf'), format: 'A4', printBackground: true });
    check(seen.errors.length === 0, `no console errors or warnings${seen.errors.length ? ': ' + seen.errors.join(' | ') : ''}`);
    check(seen.requests.length === 0, `nothing is loaded from outside the page${seen.requests.length ? ': ' + seen.requests.join(', ') : ''}`);
    await context.close();
  }

  // Phone.
  {
    const { context, page, seen } = await open(`${base}/lantern.html`, {
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `at 390 px nothing scrolls sideways (overflow ${overflow} px)`);
    check(await page.locator('#next li.action').first().isVisible(), 'on a phone the Next 3 are shown');
    await page.screenshot({ path: path.join(artifacts, 'snapshot-phone.png') });
    await page.locator('#next').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, 'snapshot-phone-next.png') });
    check(seen.errors.length === 0, `phone: no console errors${seen.errors.length ? ': ' + seen.errors.join(' | ') : ''}`);
    await context.close();
  }

  // Hostile text.
  {
    const { context, page, seen } = await open(`${base}/hostile.html`, { viewport: { width: 1280, height: 900 } });
    const title = '<script>alert(1)</script>';
    check(await page.locator('#next li.action h3', { hasText: title }).first().isVisible(), 'a task titled <script>alert(1)</script> is shown as text in the Next 3');
    const inSvg = await page.evaluate((t) => [...document.querySelectorAll('svg.task-graph text')].some((n) => n.textContent.includes(t)), title);
    check(inSvg, 'and as text in the task graph');
    check(await page.locator('script').count() === 0, 'no script element was injected');
    check(await page.locator('img, iframe, body svg svg').count() === 0, 'no image, frame or nested svg was injected');
    check(seen.dialogs.length === 0, `no dialog opened${seen.dialogs.length ? ': ' + seen.dialogs.join(', ') : ''}`);
    check(seen.errors.length === 0, `hostile: no console errors${seen.errors.length ? ': ' + seen.errors.join(' | ') : ''}`);
    check(seen.requests.length === 0, `hostile: nothing loaded from outside${seen.requests.length ? ': ' + seen.requests.join(', ') : ''}`);
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}

if (failures.length) {
  console.error(`\n${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('\nall page checks passed');
