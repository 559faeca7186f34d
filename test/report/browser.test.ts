/**
 * The run report in a real browser: Debian's chromium, headless, driven by playwright-core.
 * The page must load from its file with no console error and no request beyond its own files,
 * hold exactly the manifest's insertions across its gallery pages, toggle its outlines, and
 * lead from a thumbnail's marker to the insertion on another page. A screenshot of the
 * gallery is written into the test's temporary folder. Skipped only when chromium is absent.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { AugmentResult } from '../../src/augment/driver.ts';
import { GALLERY_PAGE } from '../../src/report/page-script.ts';
import { tempFolders } from '../helpers/temp.ts';
import { REPORT_PAGE, reportedRun, sampleDataset } from './fixtures.ts';

const CHROMIUM = process.env.NUCLEIMIX_CHROMIUM ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no chromium at ${CHROMIUM} (CI installs Debian's chromium; apt-get install chromium)`;

/** Opens `file` and records what the page says and asks for. */
async function open(browser: Browser, file: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-ready="true"]');
  return { page, errors, requests };
}

const cardIds = (page: Page): Promise<number[]> => page.locator('#cards figure.card').evaluateAll((cards) => cards.map((c) => Number(c.getAttribute('data-index'))));
const outlineShown = (page: Page): Promise<string> => page.locator('#cards svg.outline').first().evaluate((e) => getComputedStyle(e).display);

describe('the run report in chromium', { skip, timeout: 600_000 }, () => {
  const tmp = tempFolders('nucleimix-browser-');
  let run: AugmentResult;
  let browser: Browser;

  before(async () => {
    const dataset = await sampleDataset(join(tmp.root(), 'input'));
    // More insertions than one gallery page holds.
    run = await reportedRun('copypaste', dataset, join(tmp.root(), 'run'), GALLERY_PAGE + 5);
  });

  it('loads offline without errors, holds every insertion, toggles outlines and follows markers', async () => {
    assert.ok(run.manifest.insertions.length > GALLERY_PAGE, `${run.manifest.insertions.length} insertions`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking'] });
    try {
      const { page, errors, requests } = await open(browser, REPORT_PAGE(run.out));
      // Every gallery page, through the pager's next button.
      const seen: number[] = [];
      for (;;) {
        seen.push(...(await cardIds(page)));
        const next = page.locator('#gallery-pager button.next');
        if (await next.isDisabled()) break;
        await next.click();
      }
      assert.deepEqual([...seen].sort((a, b) => a - b), run.manifest.insertions.map((ins) => ins.index).sort((a, b) => a - b));
      assert.equal(new Set(seen).size, seen.length, 'no insertion shown twice');
      assert.match(await page.locator('#gallery-pager .where').textContent() ?? '', new RegExp(`page 2 of 2 · ${run.manifest.insertions.length} in all`));

      // A marker on the first image's thumbnail leads to its insertion, on whatever page it is.
      await page.locator('#gallery-pager .page-select').selectOption('0');
      const last = run.manifest.insertions[run.manifest.insertions.length - 1];
      const marker = page.locator(`#thumbs a[href="#i-${last.index}"] circle`);
      await marker.scrollIntoViewIfNeeded();
      await marker.click();
      await page.waitForSelector(`#i-${last.index}.hit`);
      assert.ok((await cardIds(page)).includes(last.index));

      // The outline toggle hides and shows the outlines.
      await page.locator('#gallery-pager .page-select').selectOption('0');
      assert.notEqual(await outlineShown(page), 'none');
      await page.locator('#outlines').uncheck();
      assert.equal(await outlineShown(page), 'none');
      await page.locator('#outlines').check();
      assert.notEqual(await outlineShown(page), 'none');

      // A screenshot of the gallery with its first crops loaded.
      await page.locator('#gallery').scrollIntoViewIfNeeded();
      await page.evaluate(() => document.getElementById('gallery')!.scrollIntoView());
      await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('#cards img')].slice(0, 4).every((i) => i.complete && i.naturalWidth > 0));
      const shot = join(tmp.root(), 'report-gallery.png');
      await page.screenshot({ path: shot });
      assert.ok((await stat(shot)).size > 10_000);
      if (process.env.NUCLEIMIX_SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.NUCLEIMIX_SCREENSHOT_DIR, 'report-gallery.png') });

      assert.deepEqual(errors, []);
      const foreign = requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'));
      assert.deepEqual(foreign, [], 'only the report\'s own files are loaded');
      assert.ok(requests.some((u) => u.endsWith('.png')) && requests.some((u) => u.endsWith('.jpg')), 'crops and thumbnails were loaded from their files');
    } finally {
      await browser.close();
    }
  });
});
