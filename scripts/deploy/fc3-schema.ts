import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';

/**
 * Where a copy of the fc3 component's published props schema (devsapp/fc3 `src/schema.json`, which `s deploy`
 * checks every fc3 resource's `props` against) may be placed by hand; it is not committed. FC3_SCHEMA, or the copy
 * in Serverless Devs' component cache, comes first (local/fc/props-check.ts findFc3Schema).
 */
export const FC3_SCHEMA_PATH = resolve(import.meta.dirname, '../../local/fc/fc3-props.schema.json');

export interface SchemaProblem {
  resource: string;
  path: string;
  message: string;
}

/**
 * Check every fc3 resource of a resolved s.yaml (as `s preview -o json` prints it) against the schema at
 * `schemaPath`; returns every problem (empty when all props validate).
 */
export async function checkAgainstFc3Schema(schemaPath: string, resolved: unknown): Promise<SchemaProblem[]> {
  const schema = JSON.parse(await readFile(schemaPath, 'utf8')) as object;
  // strict: false — the published schema carries keywords Ajv's strict mode rejects (e.g. "default" beside
  // "$ref"); allErrors: report everything at once.
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  const resources = (resolved as { resources?: Record<string, { component?: string; props?: unknown }> })
    .resources;
  const problems: SchemaProblem[] = [];
  for (const [resource, { component, props }] of Object.entries(resources ?? {})) {
    if (component !== 'fc3' || validate(props)) continue;
    for (const e of validate.errors ?? []) problems.push(problemOf(resource, e));
  }
  return problems;
}

function problemOf(resource: string, e: ErrorObject): SchemaProblem {
  const detail = e.params && Object.keys(e.params).length > 0 ? ` ${JSON.stringify(e.params)}` : '';
  return {
    resource,
    path: `props${e.instancePath.replaceAll('/', '.')}`,
    message: `${e.message ?? ''}${detail}`,
  };
}
