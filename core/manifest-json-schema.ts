import { z } from 'zod';
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
      'checks: dates are real (2024-02-30 is refused) and dateRange.start <= dateRange.end; column names are ' +
      'unique case-insensitively and not trade_date, instrument, batch_id or datetime; a factors batch has ' +
      '1-1000 columns and a calendar batch none; payload.format is csv for factors and calendar; payload.key ' +
      'is exactly incoming/<kind>/<dataset>/<batchId>/data.csv.gz; batchId and createdAt name real instants; ' +
      'crc64 is at most 2^64-1; no object repeats a key.',
    ...rest,
  };
}
