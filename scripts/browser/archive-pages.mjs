// Checks the archivist's project pages in headless Debian Chromium, served
// by the real archivist (its own headers and policy), as a project lead who
// bookmarked them would see them:
//
//  * /v1/projects/lantern renders without console errors and loads nothing
//    from outside; it shows the latest snapshot (as of 2026-11-23), marked
//    verified, with its Next 3; the earlier snapshot (as of 2026-11-16) is
//    listed with its date, Next 3 and status, and its link opens that
//    snapshot's own page;
//  * /v1/projects/lantern/latest is the latest snapshot's full page;
//  * a project whose task is titled <script>alert(1)</script> shows that
//    title as text: no script runs, no dialog opens.
//
//   node archive-pages.mjs DEPS_DIR ARTIFACTS_DIR ARCHIVIST_URL HOSTILE_PROJECT_ID
//
// Exits 1 listing every failed check; writes archive-project.png.

import { createRequire } from 'node:module';
import path from 'node:path';

const [depsDir, artifacts, base, hostileProject] = process.argv.slice(2);
if (!hostileProject) {
  console.error('usage: node archive-pages.mjs DEPS_DIR ARTIFACTS_DIR ARCHIVIST_URL HOSTILE_PROJECT_ID');
  process.exit(2);
}
const { chromium } = createRequire(path.join(path.resolve(depsDir), 'noop.js'))('playwright-core');

const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });

/** Opens `url` and records what a reader would not want to see. */
async function open(url) {
  const page = await context.newPage();
  const seen = { errors: [], dialogs: [], outside: [] };
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') seen.errors.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => seen.errors.push(`pageerror: ${e.message}`));
  page.on('dialog', async (d) => { seen.dialogs.push(d.message()); await d.dismiss(); });
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) seen.outside.push(r.url()); });
  const response = await page.goto(url, { waitUntil: 'load' });
  check(response && response.status() === 200, `${url} answers 200`);
  return { page, seen };
}

function clean(label, seen) {
  check(seen.errors.length === 0, `${label}: no console errors ${JSON.stringify(seen.errors)}`);
  check(seen.dialogs.length === 0, `${label}: no dialog opened ${JSON.stringify(seen.dialogs)}`);
  check(seen.outside.length === 0, `${label}: nothing loaded from outside ${JSON.stringify(seen.outside)}`);
}

// The project page.
{
  const { page, seen } = await open(`${base}/v1/projects/lantern`);
  clean('project page', seen);
  const latest = page.locator('#latest');
  check((await latest.locator('h2').first().innerText()).includes('2026-11-23'), 'latest snapshot is the one as of 2026-11-23');
  check(await latest.locator('[data-verified="true"]').count() === 1, 'latest snapshot is marked verified');
  const next = await latest.locator('ol.next > li').allInnerTexts();
  check(next.length === 3, `latest snapshot shows the Next 3 (${next.length})`);
  const rows = page.locator('#history tbody tr');
  check(await rows.count() >= 1, 'earlier snapshots are listed');
  const earlier = rows.filter({ hasText: '2026-11-16' });
  check(await earlier.count() === 1, 'the snapshot as of 2026-11-16 is listed');
  check(await earlier.locator('li').count() === 3, 'the earlier snapshot lists its Next 3');
  check((await earlier.innerText()).includes('verified'), 'the earlier snapshot shows its verification status');
  await page.screenshot({ path: path.join(artifacts, 'archive-project.png'), fullPage: true });

  // Following the earlier snapshot's link opens its own page.
  const href = await earlier.locator('a').first().getAttribute('href');
  const { page: record, seen: recordSeen } = await open(new URL(href, base).toString());
  clean('earlier snapshot page', recordSeen);
  const body = await record.locator('body').innerText();
  check(body.includes('2026-11-16'), 'the earlier snapshot page is the one as of 2026-11-16');
  check(body.includes('Next 3'), 'the earlier snapshot page shows its Next 3');
}

// The latest snapshot's page at its stable URL.
{
  const { page, seen } = await open(`${base}/v1/projects/lantern/latest`);
  clean('latest page', seen);
  const body = await page.locator('body').innerText();
  check(body.includes('2026-11-23'), 'the latest page is the snapshot as of 2026-11-23');
  for (const section of ['Current', 'Goals', 'Next 3']) {
    check(body.includes(section), `the latest page shows ${section}`);
  }
}

// Hostile text stays text.
{
  const { page, seen } = await open(`${base}/v1/projects/${hostileProject}`);
  clean('hostile project page', seen);
  const text = await page.locator('#latest').innerText();
  check(text.includes('<script>alert(1)</script>'), 'a task titled <script>alert(1)</script> appears as text');
  check(await page.locator('#latest script').count() === 0, 'no script element was made from the title');
  const { page: full, seen: fullSeen } = await open(`${base}/v1/projects/${hostileProject}/latest`);
  clean('hostile latest page', fullSeen);
  check((await full.locator('body').innerText()).includes('<script>alert(1)</script>'), 'the hostile title is text on the full page too');
}

await browser.close();
if (failures.length) {
  console.error(`${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('all archive page checks passed');
