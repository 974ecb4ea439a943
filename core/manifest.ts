import type { ColumnSpec } from './csv/index.js';
import { TerminalError } from './errors.js';
import { readJsonDocument } from './json-document.js';
import type { BatchKind } from './keys.js';
import { ManifestSchema } from './manifest-schema.js';
import { checkWith } from './schema.js';

export { MAX_COLUMNS, ManifestSchema, payloadFormatOf } from './manifest-schema.js';

/** Manifest format v1: what the payload must be. The function trusts nothing the manifest does not let it check. */
export interface ManifestV1 {
  formatVersion: 1;
  batchId: string;
  kind: BatchKind;
  dataset: string;
  frequency: 'day';
  dateRange: { start: string; end: string };
  columns: ColumnSpec[];
  rowCount: number;
  payload: PayloadSpec;
  producer: { host: string; agentVersion: string; sourcePath: string };
  createdAt: string;
}

export interface PayloadSpec {
  key: string;
  format: 'csv' | 'jsonl';
  compression: 'gzip';
  bytes: number;
  sha256: string;
  crc64: string;
}

/** The codes this format has documented since v1: a pattern or a bound that fails is MANIFEST_VALUE. */
const KINDS = { FORMAT: 'VALUE', RANGE: 'VALUE' };

/**
 * Parse a manifest (JSON text or bytes); every problem is reported at once with its JSON path, including every
 * key an object repeats (MANIFEST_DUPLICATE_KEY: JSON.parse would silently keep the last).
 */
export function parseManifest(input: string | Uint8Array): ManifestV1 {
  const doc = readJsonDocument(input, 'MANIFEST');
  if (!doc.ok) {
    throw new TerminalError('MANIFEST_NOT_JSON', `manifest.json is not valid JSON: ${doc.message}`);
  }
  const checked = checkWith(ManifestSchema, doc.value, 'MANIFEST', { kinds: KINDS });
  const problems = [...doc.problems, ...(checked.ok ? [] : checked.problems)];
  if (problems.length > 0 || !checked.ok) {
    const list = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    throw new TerminalError('MANIFEST_INVALID', `manifest.json is invalid: ${list}`, { problems });
  }
  return checked.value satisfies ManifestV1;
}

/** Format a manifest as canonical JSON (fixed key order, 2-space indent, trailing newline). */
export function formatManifest(m: ManifestV1): string {
  const ordered = {
    formatVersion: m.formatVersion,
    batchId: m.batchId,
    kind: m.kind,
    dataset: m.dataset,
    frequency: m.frequency,
    dateRange: { start: m.dateRange.start, end: m.dateRange.end },
    columns: m.columns.map((c) => ({ name: c.name, type: c.type })),
    rowCount: m.rowCount,
    payload: { ...m.payload },
    producer: {
      host: m.producer.host,
      agentVersion: m.producer.agentVersion,
      sourcePath: m.producer.sourcePath,
    },
    createdAt: m.createdAt,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}
