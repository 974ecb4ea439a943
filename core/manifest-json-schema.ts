import * as z from 'zod';
import { HISTORY_SEPARATOR, RESERVED_COLUMNS } from './identifiers.js';
import { ManifestSchema } from './manifest-schema.js';

/**
 * The manifest's JSON Schema (draft 2020-12), generated from the zod schema the parser uses, so the published
 * contract cannot drift from the code. Rules a JSON Schema cannot state are listed in its description.
 */
export function manifestJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(ManifestSchema, { io: 'input', unrepresentable: 'throw' });
  const { $schema, ...rest } = generated as Record<string, unknown>;
  return {
    $schema,
    title: 'qlib-cloud-sync batch manifest, format v1',
    description:
      'Generated from core/manifest-schema.ts (npm run docs:schema). Beyond this schema the parser also ' +
      'checks: dates are real (2024-02-30 is refused) and dateRange.start <= dateRange.end; the dataset has no ' +
      `"${HISTORY_SEPARATOR}"; column names are unique case-insensitively and not ${RESERVED_COLUMNS.join(', ')}; ` +
      'a factors batch has 1-1000 columns, calendar and experiments batches none; payload.format is csv for ' +
      'factors and calendar, jsonl for experiments; payload.key is exactly ' +
      'incoming/<kind>/<dataset>/<batchId>/data.csv.gz (data.jsonl.gz for experiments); batchId and createdAt name real instants; ' +
      'crc64 is at most 2^64-1; no object repeats a key.',
    ...rest,
  };
}
