import type { Hono } from 'hono';
import { type IncidentRow, listIncidents } from '../../../adapters/warehouse/incident-queries.js';
import { incidentsCursor, readIncidentsRequest } from '../../../core/api/incidents-request.js';
import { isoInstant } from '../../../core/api/params.js';
import { requireScope } from '../auth.js';
import type { ApiEnv } from '../deps.js';
import { badParameters } from '../http-error.js';

/**
 * GET /v1/incidents?state=open|resolved&dataset=&since=&limit=&cursor=: the incidents the monitor and ingest opened
 * (migrations/0008, docs/monitor.md), newest first, each with its message (what happened, where to look, what to do).
 */
export function incidentRoutes(app: Hono<ApiEnv>): void {
  app.get('/v1/incidents', requireScope('read:status'), async (c) => {
    const read = readIncidentsRequest(c.req.query());
    if (!read.ok) throw badParameters(read.problems);
    const rows = await listIncidents(c.env.pool, { ...read.value, limit: read.value.limit + 1 });
    const page = rows.slice(0, read.value.limit);
    const last = page.at(-1);
    const next = rows.length > page.length && last !== undefined ? incidentsCursor(last.id) : null;
    return c.json({ incidents: page.map(incidentView), next });
  });
}

/** An incident as the API shows it (times ISO 8601 UTC; the message's sections beside the summary). */
export function incidentView(i: IncidentRow) {
  return {
    id: i.id,
    key: i.key,
    check: i.check,
    subject: i.subject,
    dataset: i.dataset,
    tradingDay: i.tradingDay,
    batchId: i.batchId,
    code: i.code,
    state: i.state,
    severity: i.severity,
    revision: i.revision,
    summary: i.summary,
    what: i.detail?.what ?? [],
    where: i.detail?.where ?? {},
    whatToDo: i.detail?.whatToDo ?? [],
    figures: i.detail?.figures ?? {},
    openedAt: isoInstant(i.openedAt),
    escalatedAt: isoInstant(i.escalatedAt),
    resolvedAt: isoInstant(i.resolvedAt),
    updatedAt: isoInstant(i.updatedAt),
  };
}
