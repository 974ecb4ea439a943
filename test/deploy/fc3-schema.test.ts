import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findFc3Schema } from '../../local/fc/props-check.js';
import { loadSYaml } from '../../local/fc/s-yaml.js';
import { checkAgainstFc3Schema, FC3_SCHEMA_PATH } from '../../scripts/deploy/fc3-schema.js';
import { previewSYaml } from '../../scripts/deploy/s-cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ACCOUNT = '1234567890123456';
/** Placeholders for every setting s.yaml reads without a default (docs/deploy.md). */
const PLACEHOLDERS = {
  REGION: 'cn-shanghai',
  OSS_BUCKET: 'qlib-batches',
  MYSQL_URL: 'mysql://loader@rm-placeholder.mysql.rds.aliyuncs.com:3306/qlib',
  FC_ROLE_ARN: `acs:ram::${ACCOUNT}:role/qlib-ingest`,
  VPC_ID: 'vpc-placeholder',
  VSWITCH_ID: 'vsw-placeholder',
  SECURITY_GROUP_ID: 'sg-placeholder',
};
// FC3_SCHEMA, else Serverless Devs' cached fc3 (after `s` downloaded it), else the path below (never committed).
const SCHEMA = findFc3Schema() ?? FC3_SCHEMA_PATH;

describe('s.yaml as Serverless Devs resolves it', () => {
  let resolved: { resources: Record<string, { component: string; props: Record<string, unknown> }> };

  beforeAll(async () => {
    resolved = (await previewSYaml(ROOT, PLACEHOLDERS, ACCOUNT)) as typeof resolved;
  });

  it('is what the local runtime resolves too (local/fc/s-yaml.ts), resource by resource', async () => {
    const local = await loadSYaml(resolve(ROOT, 's.yaml'), {
      env: PLACEHOLDERS,
      config: { AccountID: ACCOUNT },
    });
    expect(Object.keys(resolved.resources).length).toBeGreaterThan(0);
    expect(local.resources).toEqual(resolved.resources);
  });

  // The vendored schema (FC3_SCHEMA_PATH) is the published devsapp/fc3 src/schema.json; see the README's note.
  it.runIf(existsSync(SCHEMA))('validates against the fc3 component’s published props schema', async () => {
    expect(await checkAgainstFc3Schema(SCHEMA, resolved)).toEqual([]);
    const broken = structuredClone(resolved);
    const ingest = broken.resources.ingest?.props as Record<string, unknown>;
    ingest.runtime = 'nodejs99';
    ingest.timeout = 0;
    const problems = await checkAgainstFc3Schema(SCHEMA, broken);
    expect(problems.map((p) => `${p.resource} ${p.path}`).sort()).toEqual([
      'ingest props.runtime',
      'ingest props.timeout',
    ]);
  });
});
