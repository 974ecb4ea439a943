import * as z from 'zod';

/**
 * The lines of an `experiments` payload (docs/batch-format.md §7): gzip'd JSON Lines, one record per line, in
 * this order: experiments, configs, then each run followed by its metrics and artifacts. Every line is checked
 * with these schemas through core/schema.ts; the limits are the warehouse's columns (migrations 0005, 0010).
 */

/** MLflow's run statuses (mlflow/entities/run_status.py); the file store writes them as 1..5 in meta.yaml. */
export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const LIFECYCLE_STAGES = ['active', 'deleted'] as const;

/** run_params.param_value and run_tags.tag_value are TEXT: 65,535 bytes of UTF-8. */
export const MAX_TEXT_BYTES = 65_535;
/** Param, tag and metric keys are VARCHAR(250), MLflow's own limit. */
export const MAX_KEY_CHARS = 250;
/** model_configs.config_text is MEDIUMTEXT; a workflow config is a few KiB. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
/** A metric value JSON cannot hold as a number: MLflow logs them, they are stored as NULL with this flag. */
export const NON_FINITE = { NaN: 'nan', Infinity: 'inf', '-Infinity': '-inf' } as const;
export type NonFiniteText = keyof typeof NON_FINITE;

const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const text = z
  .string()
  .refine((s) => utf8Bytes(s) <= MAX_TEXT_BYTES, `is longer than ${MAX_TEXT_BYTES} bytes (a TEXT column)`);
const key = z.string().min(1).max(MAX_KEY_CHARS);
const id = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1..64 of [A-Za-z0-9_.-]');
const epochMs = z.int().min(0).max(253_402_300_799_999).nullable();
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');
const name = z.string().max(255).nullable();

export const ExperimentLine = z.strictObject({
  type: z.literal('experiment'),
  experimentId: id,
  name: z.string().min(1).max(255),
  artifactLocation: z.string().nullable(),
  lifecycleStage: z.enum(LIFECYCLE_STAGES),
  creationTime: epochMs,
  lastUpdateTime: epochMs,
  tags: z.record(key, text),
});

const segment = z.tuple([z.string().max(32), z.string().max(32)]);

export const ConfigLine = z.strictObject({
  type: z.literal('config'),
  hash: sha256,
  source: z.enum(['yaml', 'params']),
  name,
  text: z.string().refine((s) => utf8Bytes(s) <= MAX_CONFIG_BYTES, 'is longer than 4 MiB'),
  fields: z.strictObject({
    modelClass: name,
    modelModule: name,
    datasetClass: name,
    datasetModule: name,
    handlerClass: name,
    handlerModule: name,
    market: name,
    benchmark: z.string().max(64).nullable(),
    label: z.string().nullable(),
    segments: z.record(z.string().max(32), segment),
  }),
});

export const RunLine = z.strictObject({
  type: z.literal('run'),
  runId: id,
  experimentId: id,
  name,
  status: z.enum(RUN_STATUSES),
  startTime: epochMs,
  endTime: epochMs,
  lifecycleStage: z.enum(LIFECYCLE_STAGES),
  artifactUri: z.string().nullable(),
  configHash: sha256.nullable(),
  params: z.record(key, text),
  tags: z.record(key, text),
});

/** One logged value: [step, timestamp in ms, value] — the value a number, or "NaN", "Infinity", "-Infinity". */
const metricValue = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);
export const MetricLine = z.strictObject({
  type: z.literal('metric'),
  runId: id,
  key,
  history: z.array(z.tuple([z.int(), z.int(), metricValue])).min(1),
});

export const ArtifactLine = z.strictObject({
  type: z.literal('artifact'),
  runId: id,
  path: z.string().min(1).max(500),
  bytes: z.int().min(0),
  sha256: sha256.nullable(),
  key: z.string().min(1).max(1023).nullable(),
});

export type ExperimentRecord = z.output<typeof ExperimentLine>;
export type ConfigRecord = z.output<typeof ConfigLine>;
export type RunRecord = z.output<typeof RunLine>;
export type MetricRecord = z.output<typeof MetricLine>;
export type ArtifactRecord = z.output<typeof ArtifactLine>;
export type ExperimentsLine = ExperimentRecord | ConfigRecord | RunRecord | MetricRecord | ArtifactRecord;
export type MetricPoint = MetricRecord['history'][number];

export const LINE_SCHEMAS = {
  experiment: ExperimentLine,
  config: ConfigLine,
  run: RunLine,
  metric: MetricLine,
  artifact: ArtifactLine,
} as const;
export type LineType = keyof typeof LINE_SCHEMAS;

/** One line as canonical JSON: keys in schema order (the agent's payload is byte-for-byte reproducible). */
export function formatLine(record: ExperimentsLine): string {
  return `${JSON.stringify(record)}\n`;
}
