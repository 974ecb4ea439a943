import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOG_FIELDS, renderSlsIndex, type SlsType } from '../../scripts/deploy/log-index.js';
import { SLS_INDEX } from '../../scripts/deploy/policies.js';
import { floatColumns, makeBatch } from '../ingest/batch-builder.js';
import { FUNCTION, startStackEnv } from '../ingest/stack-harness.js';

/** Does a JSON value fit the SLS type its field is indexed as? (SLS has no boolean: true/false index as text.) */
function fits(type: SlsType, value: unknown): boolean {
  switch (type) {
    case 'text':
      return typeof value === 'string' || typeof value === 'boolean';
    case 'long':
      return Number.isInteger(value);
    case 'double':
      return typeof value === 'number';
    case 'json':
      return typeof value === 'object' && value !== null;
  }
}

describe('log lines as SLS indexes them', () => {
  it('deploy/sls-index.json is the index the field table renders', () => {
    expect(JSON.parse(readFileSync(SLS_INDEX, 'utf8'))).toEqual(renderSlsIndex());
  });

  it('every line ingest writes is one JSON object whose fields are declared, with their declared types', async () => {
    const env = await startStackEnv('log_fields', { env: { LOG_LEVEL: 'debug' } });
    try {
      const rows = (v: number) =>
        ['SH600000', 'SH600001'].map((instrument) => ({ date: '2024-03-01', instrument, values: [v] }));
      const batch = (v: number, patch?: Parameters<typeof makeBatch>[0]['patch']) =>
        makeBatch({
          dataset: 'logs_x',
          columns: floatColumns(1),
          rows: rows(v),
          ...(patch ? { patch } : {}),
        });
      const broken = batch(3, (m) => {
        m.payload.sha256 = '0'.repeat(64);
      });
      // loaded, duplicate, restated, rejected: every outcome's lines
      for (const [i, b] of [batch(1), batch(1), batch(2), broken].entries()) {
        await env.upload(b);
        await env.stack.fc.waitForInvocations(
          (r) => r.fn === FUNCTION && r.status === 'succeeded',
          i + 1,
          60_000,
        );
      }
    } finally {
      await env.close();
    }
    expect(env.logs.length).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const line of env.logs) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      for (const key of ['time', 'level', 'msg', 'fn', 'requestId'])
        if (!(key in entry)) problems.push(`no ${key}: ${line}`);
      for (const [key, value] of Object.entries(entry)) {
        const declared = LOG_FIELDS[key];
        if (declared === undefined) problems.push(`undeclared field ${key}: ${line}`);
        else if (!fits(declared.type, value)) problems.push(`${key} is not ${declared.type}: ${line}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
