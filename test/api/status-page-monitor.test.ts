// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's locator.innerText() is the rendered text, what a person sees
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentStore } from '../../adapters/warehouse/incident-store.js';
import { setSla } from '../../adapters/warehouse/sla-store.js';
import type { IncidentFinding } from '../../core/incident-message.js';
import { incidentKey, type Verdict } from '../../core/incidents.js';
import { todayIn } from '../../functions/api/day-strips.js';
import { ManualClock } from '../../local/fc/clock.js';
import { experiment, linesBatch, metric, newRunId, run, T } from '../experiments/lines-builder.js';
import { factorRows, floatColumns, makeBatch } from '../ingest/batch-builder.js';
import { ARTIFACTS, openBrowser, requireChromium } from '../support/chromium.js';
import { type ApiEnvironment, startApi, weekdaysUpTo } from './api-harness.js';

/**
 * The status page's monitor and experiments sections in the system's Chromium (see status-page.test.ts): the open
 * incidents (errors first, with what to do; resolved ones gone), a dataset whose SLA says today is late, and the
 * runs leaderboard (top 10 by IC and by excess return, deleted runs left out). A screenshot goes to test-artifacts/.
 */
const TODAY = todayIn('Asia/Shanghai', new Date());
const DAYS = weekdaysUpTo(TODAY, 5);
const COLUMNS = floatColumns(2);

describe('the status page in Chromium: incidents, SLA state, runs leaderboard', () => {
  let api: ApiEnvironment;
  let browser: Awaited<ReturnType<typeof openBrowser>> | undefined;
  let context: BrowserContext;
  let token: string;
  // 12 runs with IC 0.010 … 0.120 (run i has IC i/100), a deleted run with the best IC, one without figures.
  const ranked = Array.from({ length: 12 }, (_, i) => ({ id: newRunId(), ic: (i + 1) / 100 }));
  const deleted = newRunId();
  const bare = newRunId();

  beforeAll(async () => {
    requireChromium();
    api = await startApi('page_monitor', {}, { clock: new ManualClock(new Date()) });
    token = await api.token(['read:status'], 'desk');
    const calendar = makeBatch({ kind: 'calendar', dataset: 'cn', days: DAYS });
    expect(await api.push(calendar)).toMatchObject({ status: 'loaded' });
    for (let d = 0; d < DAYS.length - 1; d++) {
      const rows = factorRows({ dates: [DAYS[d] as string], instruments: 20, columns: COLUMNS, seed: d + 1 });
      const batch = makeBatch({ dataset: 'pm_daily', columns: COLUMNS, rows });
      expect(await api.push(batch)).toMatchObject({ status: 'loaded' });
    }
    // Today is past due from 00:00: late on the strip, error as the SLA's state.
    await setSla(
      api.db.pool,
      'pm_daily',
      { set: { due: '00:00', warnAfter: '00:00', errorAfter: '00:00' } },
      'test',
    );

    const incidents = new IncidentStore({ source: 'monitor', mail: false });
    const now = new Date();
    await incidents.apply(api.db.pool, finding('pm_daily', DAYS[1] as string, 'warn'), now);
    await incidents.apply(api.db.pool, finding('pm_daily', DAYS[1] as string, 'ok'), now);
    await incidents.apply(api.db.pool, finding('pm_daily', DAYS[2] as string, 'warn'), now);
    await incidents.apply(api.db.pool, finding('pm_other', DAYS[3] as string, 'warn'), now);
    await incidents.apply(api.db.pool, finding('pm_other', DAYS[3] as string, 'error'), now);

    const lines = [experiment('1', { name: 'alpha158_lgb' })];
    for (const r of ranked) {
      lines.push(run(r.id, '1', { name: `lgb-${r.ic.toFixed(2)}` }));
      lines.push(metric(r.id, 'IC', [[0, T, r.ic]]));
      lines.push(metric(r.id, '1day.excess_return_with_cost.annualized_return', [[0, T, 1 - r.ic]]));
    }
    lines.push(run(deleted, '1', { lifecycleStage: 'deleted' }), metric(deleted, 'IC', [[0, T, 0.5]]));
    lines.push(run(bare, '1'));
    expect(await api.push(linesBatch('node1', lines))).toMatchObject({ status: 'loaded' });

    browser = await openBrowser();
    context = browser.context;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  function finding(dataset: string, day: string, verdict: Verdict): IncidentFinding {
    return {
      check: 'freshness',
      subject: dataset,
      key: incidentKey('freshness', dataset, day),
      verdict,
      dataset,
      tradingDay: day,
      code: 'NOT_LOADED',
      headline: `${dataset} ${day} not loaded`,
      what: [`no loaded batch covers ${day}`],
      where: {},
      todo: [`qlib-sync push … --dataset ${dataset}`],
    };
  }

  it('lists the open incidents (errors first, with what to do), shows the SLA state, and the top 10 runs', async () => {
    const page = await context.newPage();
    await page.goto(`${api.base}/`);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Show status' }).click();
    await page.waitForSelector('h2:has-text("Open incidents")');

    const incidents = page.locator('.incident');
    await expect(incidents.count()).resolves.toBe(2);
    await expect(incidents.nth(0).locator('.summary').innerText()).resolves.toContain(`pm_other ${DAYS[3]}`);
    await expect(incidents.nth(0).innerText()).resolves.toContain('error');
    await expect(incidents.nth(1).locator('.summary').innerText()).resolves.toContain(`pm_daily ${DAYS[2]}`);
    await expect(incidents.nth(0).locator('.todo').innerText()).resolves.toContain(
      'qlib-sync push … --dataset pm_other',
    );
    await expect(
      page.locator(`[data-incident="${incidentKey('freshness', 'pm_daily', DAYS[1] as string)}"]`).count(),
    ).resolves.toBe(0);

    const section = page.locator('section[data-dataset="pm_daily"]');
    await expect(section.locator('[data-sla]').innerText()).resolves.toBe('error');
    await expect(section.locator(`rect[data-day="${TODAY}"]`).getAttribute('data-state')).resolves.toBe(
      'late',
    );
    await expect(section.locator('[data-days="late"]').innerText()).resolves.toBe(`late: ${TODAY}`);

    const ic = page.locator('table[data-board="ic"] tbody tr');
    await expect(ic.count()).resolves.toBe(10);
    const order = await ic.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run')));
    expect(order).toEqual(
      [...ranked]
        .reverse()
        .slice(0, 10)
        .map((r) => r.id),
    );
    await expect(ic.nth(0).innerText()).resolves.toMatch(/^1\s+0\.1200\s+lgb-0\.12\s+alpha158_lgb/);
    const excess = page.locator('table[data-board="ann_return_with_cost_1day"] tbody tr');
    await expect(excess.nth(0).getAttribute('data-run')).resolves.toBe(ranked[0]?.id);
    await expect(page.locator(`tr[data-run="${deleted}"]`).count()).resolves.toBe(0);
    await expect(page.locator(`tr[data-run="${bare}"]`).count()).resolves.toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-monitor.png'), fullPage: true });

    // On a phone nothing but the tables (which scroll) is wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  }, 120_000);
});
