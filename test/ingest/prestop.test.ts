import { describe, expect, it } from 'vitest';
import { floatColumns, makeBatch } from './batch-builder.js';
import { FUNCTION, startStackEnv } from './stack-harness.js';

describe('ingest instance lifecycle (the repo s.yaml on the local stack)', () => {
  it('ends the MySQL pool in its preStop hook before FC destroys the instance', async () => {
    const env = await startStackEnv('prestop');
    let closed = false;
    try {
      const rows = [{ date: '2024-03-01', instrument: 'SH600000', values: [1.5] }];
      await env.upload(makeBatch({ dataset: 'prestop_x', columns: floatColumns(1), rows }));
      await env.stack.fc.waitForInvocations((r) => r.fn === FUNCTION && r.status === 'succeeded');
      expect(env.logs.some((l) => l.includes('database pool closed'))).toBe(false);
      await env.close();
      closed = true;
      const lines = env.logs.filter((l) => l.includes('instance stopping: database pool closed'));
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 'info', fn: 'ingest' });
    } finally {
      if (!closed) await env.close();
    }
  });
});
