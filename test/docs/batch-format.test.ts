import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CsvRowParser, type ParsedRow } from '../../core/csv/index.js';
import { digestBytes } from '../../core/digest.js';
import { formatBatchKey } from '../../core/keys.js';
import { parseManifest } from '../../core/manifest.js';
import { manifestJsonSchema } from '../../core/manifest-json-schema.js';
import { BatchInspector } from '../../core/quality/inspector.js';
import { DEFAULT_POLICY } from '../../core/quality/policy.js';
import { BLOCK_END, BLOCK_START, SCHEMA_FILE, withSchemaBlock } from '../../scripts/manifest-schema.js';

/** The worked example of docs/batch-format.md must be a valid batch: a producer copies it. */
const DOC = readFileSync(resolve(import.meta.dirname, '../../docs/batch-format.md'), 'utf8');

function blocks(lang: string): string[] {
  return [...DOC.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] as string);
}

describe('docs/batch-format.md worked example', () => {
  const manifestText = blocks('json').find(
    (b) => b.includes('"formatVersion": 1') && b.includes('"payload"'),
  ) as string;
  const gz = Buffer.from((blocks('base64')[0] as string).trim(), 'base64');
  const csv = blocks('csv')[0] as string;

  it('has a manifest that parses', () => {
    const m = parseManifest(manifestText);
    expect(m.payload.key).toBe(
      formatBatchKey({
        area: 'incoming',
        kind: m.kind,
        dataset: m.dataset,
        batchId: m.batchId,
        file: 'data.csv.gz',
      }),
    );
  });

  it('has a payload whose size, SHA-256 and CRC-64 are the manifest’s', () => {
    const m = parseManifest(manifestText);
    expect(digestBytes(gz)).toEqual({
      bytes: m.payload.bytes,
      sha256: m.payload.sha256,
      crc64: m.payload.crc64,
    });
    expect(gunzipSync(gz).toString('utf8')).toBe(csv);
  });

  it('has rows that pass the codec and every quality rule', () => {
    const m = parseManifest(manifestText);
    const rows: ParsedRow[] = [];
    const problems: unknown[] = [];
    const parser = new CsvRowParser({
      layout: { kind: 'factors', columns: m.columns },
      inf: 'reject',
      onRow: (row) => rows.push(row),
      onProblem: (p) => problems.push(p),
    });
    parser.push(gunzipSync(gz));
    parser.end();
    expect(problems).toEqual([]);
    const inspector = new BatchInspector(m, {
      ...DEFAULT_POLICY,
      constantFactor: { severity: 'warn', minInstruments: 2 },
    });
    for (const row of rows) inspector.row(row);
    const report = inspector.finish();
    expect(report.findings).toEqual([]);
    expect(report.rows).toBe(m.rowCount);
    expect(report.dates).toEqual([m.dateRange.start, m.dateRange.end]);
  });

  it('gives the CRC-64/XZ check value the Python snippet asserts', () => {
    expect(DOC).toContain('assert crc64_xz(b"123456789") == 11051210869376104954');
  });
});

describe('docs: the manifest JSON Schema generated from the zod schema', () => {
  const fresh = manifestJsonSchema();

  it('docs/manifest.schema.json is the schema the parser uses (npm run docs:schema when this fails)', () => {
    expect(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'))).toEqual(fresh);
  });

  it('docs/batch-format.md carries the same schema between its markers', () => {
    const block = DOC.slice(DOC.indexOf(BLOCK_START), DOC.indexOf(BLOCK_END));
    const json = /```json\n([\s\S]*?)```/.exec(block)?.[1];
    expect(json, 'the generated block is missing').toBeDefined();
    expect(JSON.parse(json as string)).toEqual(fresh);
    expect(withSchemaBlock(DOC, readFileSync(SCHEMA_FILE, 'utf8'))).toBe(DOC);
  });

  it('states the rules a JSON Schema can: required fields, no others, enums and patterns', () => {
    expect(fresh).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: expect.arrayContaining(['formatVersion', 'batchId', 'columns', 'payload', 'createdAt']),
      properties: {
        formatVersion: { const: 1 },
        kind: { enum: ['factors', 'calendar', 'experiments'] },
        dataset: { pattern: '^[a-z][a-z0-9_]{0,47}$' },
        rowCount: { type: 'integer', minimum: 1 },
        columns: { items: { properties: { type: { enum: ['float32', 'float64'] } } } },
        payload: { properties: { sha256: { pattern: '^[0-9a-f]{64}$' } }, additionalProperties: false },
      },
    });
  });
});
