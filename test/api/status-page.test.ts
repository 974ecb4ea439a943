// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's locator.innerText() is the rendered text, what a person sees
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setSla } from '../../adapters/warehouse/sla-store.js';
import { todayIn } from '../../functions/api/day-strips.js';
import { type Batch, factorRows, floatColumns, makeBatch } from '../ingest/batch-builder.js';
import { ARTIFACTS, openBrowser, requireChromium } from '../support/chromium.js';
import { type ApiEnvironment, startApi, weekdaysUpTo } from './api-harness.js';

/**
 * The status page in a real browser: the system's Chromium (Debian package `chromium`; .ci/run installs it),
 * driven by playwright-core. What a person sees is checked (the strip's days, the late and missing days in
 * words, the quarantined batch with its reason and fix), on a laptop and a phone; screenshots are kept in
 * test-artifacts/ (gitignored).
 */
const TODAY = todayIn('Asia/Shanghai', new Date());
const DAYS = weekdaysUpTo(TODAY, 70);
const COLUMNS = floatColumns(2);

function daily(d: number, seed = d + 1): Batch {
  const rows = factorRows({ dates: [DAYS[d] as string], instruments: 25, columns: COLUMNS, seed });
  return makeBatch({ dataset: 'cn_daily', columns: COLUMNS, rows });
}

describe('the status page in Chromium', () => {
  let api: ApiEnvironment;
  let browser: Awaited<ReturnType<typeof openBrowser>> | undefined;
  let context: BrowserContext;
  let token: string;
  let broken: Batch;

  beforeAll(async () => {
    requireChromium();
    api = await startApi('page');
    token = await api.token(['read:status'], 'desk');
    // Today is never past due (its due time is tomorrow 00:00): what is late does not depend on the hour.
    const times = { due: '00:00+1d', warnAfter: '00:00+1d', errorAfter: '00:00+1d' };
    await setSla(api.db.pool, 'cn_daily', { set: times }, 'test');
    expect(await api.push(makeBatch({ kind: 'calendar', dataset: 'cn', days: DAYS }))).toMatchObject({
      status: 'loaded',
    });
    // Days 0..65 in four batches but day 60 (missing); day 62 restated; day 66 quarantined; 67.. not in (late).
    const spans: [number, number][] = [
      [40, 59],
      [61, 65],
    ];
    for (const [from, to] of spans) {
      const rows = Array.from({ length: to - from + 1 }, (_, i) => from + i).flatMap((d) =>
        factorRows({ dates: [DAYS[d] as string], instruments: 25, columns: COLUMNS, seed: d + 1 }),
      );
      expect(await api.push(makeBatch({ dataset: 'cn_daily', columns: COLUMNS, rows }))).toMatchObject({
        status: 'loaded',
      });
    }
    expect(await api.push(daily(62, 1000))).toMatchObject({ status: 'loaded' });
    const rows = factorRows({ dates: [DAYS[66] as string], instruments: 25, columns: COLUMNS, seed: 7 });
    broken = makeBatch({
      dataset: 'cn_daily',
      columns: COLUMNS,
      rows: [...rows, rows[0] as (typeof rows)[number]],
    });
    expect(await api.push(broken)).toMatchObject({ status: 'rejected', error_code: 'DUPLICATE_KEY' });
    browser = await openBrowser();
    context = browser.context;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  /** From signed out (the browser profile is shared by the tests, in any order) to the page. */
  async function signIn(page: Page): Promise<void> {
    await page.goto(`${api.base}/?logout=1`);
    const first = await page.goto(`${api.base}/`);
    expect(first?.status()).toBe(401);
    expect(await page.getByLabel('API token').count()).toBe(1);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Show status' }).click();
    await page.waitForSelector('h2:has-text("Datasets")');
  }

  it('asks for the token once, then shows each day as it is, and the quarantined batch with its reason and fix', async () => {
    const page = await context.newPage();
    await signIn(page);
    const section = page.locator('section[data-dataset="cn_daily"]');
    await expect(section.locator('h3').textContent()).resolves.toBe('cn_daily');
    const cells = section.locator('svg.strip rect');
    expect(await cells.count()).toBe(60);
    const stateOf = (d: number) => section.locator(`rect[data-day="${DAYS[d]}"]`).getAttribute('data-state');
    expect(await stateOf(20)).toBe('none');
    expect(await stateOf(59)).toBe('loaded');
    expect(await stateOf(60)).toBe('missing');
    expect(await stateOf(62)).toBe('restated');
    expect(await stateOf(66)).toBe('quarantined');
    expect(await stateOf(67)).toBe('late');
    expect(await section.locator(`rect[data-day="${DAYS[60]}"] title`).textContent()).toBe(
      `${DAYS[60]}: missing`,
    );
    // In words, too: what a person reads without decoding colours.
    const late = DAYS.slice(67).filter((d) => d < TODAY);
    await expect(section.locator('[data-days="late"]').innerText()).resolves.toBe(`late: ${late.join(', ')}`);
    await expect(section.locator('[data-days="missing"]').innerText()).resolves.toBe(`missing: ${DAYS[60]}`);
    await expect(section.locator('[data-days="quarantined"]').innerText()).resolves.toBe(
      `quarantined: ${DAYS[66]}`,
    );
    await expect(section.innerText()).resolves.toContain(`complete through ${DAYS[59]}`);
    // The quarantined batch: its reason and the fix, visible.
    const q = page.locator(`[data-quarantined="${broken.batchId}"]`);
    expect(await q.isVisible()).toBe(true);
    await expect(q.locator('.reason').innerText()).resolves.toContain('DUPLICATE_KEY');
    await expect(q.locator('.fix').innerText()).resolves.toContain('Fix the rows listed under findings');
    // Recent batches: outcome, rows, duration.
    const row = page.locator(`tr[data-batch="${broken.batchId}"]`);
    await expect(row.innerText()).resolves.toMatch(/rejected\s+DUPLICATE_KEY/);
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-laptop.png'), fullPage: true });
    // Asked once: a new visit goes straight to the page.
    const again = await page.goto(`${api.base}/`);
    expect(again?.status()).toBe(200);
    expect(await page.locator('section[data-dataset="cn_daily"]').count()).toBe(1);
    await page.close();
  }, 120_000);

  it('is readable on a phone: nothing wider than the screen but the tables, which scroll', async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(page);
    await page.waitForSelector('section[data-dataset="cn_daily"]');
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    const strip = await page.locator('section[data-dataset="cn_daily"] svg.strip').boundingBox();
    expect(strip?.width).toBeLessThanOrEqual(390);
    expect(strip?.width).toBeGreaterThan(200);
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-phone.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('refuses a wrong token and a token without read:status, and signs out', async () => {
    const page = await context.newPage();
    await page.goto(`${api.base}/?logout=1`);
    await page.getByLabel('API token').fill('qct_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    await page.getByRole('button', { name: 'Show status' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toBe('the token is not valid');
    const dataOnly = await api.token(['read:data'], 'data-only');
    await page.getByLabel('API token').fill(dataOnly);
    await page.getByRole('button', { name: 'Show status' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toContain('lacks the scope read:status');
    const after = await page.goto(`${api.base}/`);
    expect(after?.status()).toBe(401);
    await page.close();
  }, 60_000);
});
