import { Hono } from 'hono';
import { isTransient } from '../../core/errors.js';
import type { ApiEnv } from './deps.js';
import { HttpError } from './http-error.js';
import { batchRoutes } from './routes/batches.js';
import { calendarRoutes } from './routes/calendars.js';
import { datasetRoutes } from './routes/datasets.js';
import { experimentRoutes } from './routes/experiments.js';
import { healthRoutes } from './routes/health.js';
import { incidentRoutes } from './routes/incidents.js';
import { manageRoutes } from './routes/manage.js';
import { marketRoutes } from './routes/markets.js';
import { statusRoutes } from './routes/status.js';
import { updatesRoutes } from './routes/updates.js';
import { valuesRoutes } from './routes/values.js';

/**
 * The HTTP API and the status page (docs/api.md), one Hono app. Built once per instance; each request gets its
 * deps as Hono's env (`app.fetch(request, deps)`). Concerns are route groups: the monitor's incidents and the
 * experiments' runs join as groups of their own.
 */
export function createApp(): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  statusRoutes(app);
  datasetRoutes(app);
  valuesRoutes(app);
  updatesRoutes(app);
  calendarRoutes(app);
  marketRoutes(app);
  batchRoutes(app);
  healthRoutes(app);
  incidentRoutes(app);
  manageRoutes(app);
  experimentRoutes(app);
  app.notFound((c) =>
    c.json(
      new HttpError(404, 'NOT_FOUND', `no endpoint ${c.req.method} ${new URL(c.req.url).pathname}`, {
        hint: 'docs/api.md lists the endpoints',
      }).body(c.env.requestId),
      404,
    ),
  );
  app.onError((error, c) => {
    if (error instanceof HttpError)
      return c.json(error.body(c.env.requestId), error.status, error.extra.headers);
    if (isTransient(error)) {
      c.env.logger.warn('a dependency is unavailable', { error });
      const busy = new HttpError(503, 'UNAVAILABLE', 'the database is unavailable; try again shortly');
      return c.json(busy.body(c.env.requestId), 503, { 'retry-after': '5' });
    }
    c.env.logger.error('request failed', { error, path: new URL(c.req.url).pathname });
    return c.json(
      {
        error: {
          code: 'INTERNAL',
          message: 'the request failed; the function log has the details',
          requestId: c.env.requestId,
        },
      },
      500,
    );
  });
  return app;
}
