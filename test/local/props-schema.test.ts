import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFc3Props, FC3_RUNTIMES, fc3Lists, findFc3Schema } from '../../local/fc/props-check.js';
import { loadSYaml } from '../../local/fc/s-yaml.js';

/**
 * local/fc/props-check.ts takes fc3's enums from the component's own schema when the machine has it (FC3_SCHEMA,
 * or Serverless Devs' component cache after `s` downloaded fc3), else from its hand-copied lists, and says which.
 * The schemas written here are small stand-ins of the published one's shape (definitions with enums), made up
 * for the test.
 */
const home = mkdtempSync(join(tmpdir(), 'props-schema-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function standIn(runtimes: string[]): object {
  return {
    definitions: {
      IRuntime: { enum: runtimes, type: 'string' },
      IRegion: { enum: ['cn-hangzhou', 'xx-test-1'], type: 'string' },
      ITriggerType: { enum: ['oss', 'timer', 'http'], type: 'string' },
      IOssTriggerConfig: {
        properties: { events: { items: { enum: ['oss:ObjectCreated:PutObject'] }, type: 'array' } },
      },
    },
  };
}

function cacheVersion(version: string, runtimes: string[]): string {
  const dir = join(home, '.s', 'components', 'devsapp.cn', 'v3', `fc3@${version}`, 'dist');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'schema.json'), JSON.stringify(standIn(runtimes)));
  return join(dir, 'schema.json');
}

const base = {
  region: 'xx-test-1',
  functionName: 'f',
  runtime: 'nodejs99',
  code: './x',
  handler: 'index.handler',
};

describe('which fc3 enums the props check uses', () => {
  it('falls back to the hand-copied lists, and says so, when the machine has no schema', () => {
    expect(findFc3Schema({}, join(home, 'nobody'))).toBeUndefined();
    const lists = fc3Lists(undefined);
    expect(lists.source).toMatch(/^hand-copied lists \(no fc3 schema on this machine/);
    expect(lists.runtimes).toEqual(FC3_RUNTIMES);
    const problems = checkFc3Props(base, 'props', lists);
    expect(problems.map((p) => p.path).sort()).toEqual(['props.region', 'props.runtime']);
    expect(problems[0]?.message).toContain('per the hand-copied lists');
    const missing = fc3Lists(join(home, 'no-such-schema.json'));
    expect(missing.source).toContain('does not exist');
  });

  it('reads the newest fc3 in Serverless Devs’ component cache, and FC3_SCHEMA before it', () => {
    cacheVersion('0.1.9', ['nodejs20']);
    const newest = cacheVersion('0.1.10', ['nodejs20', 'nodejs99']);
    expect(findFc3Schema({}, home)).toBe(newest);
    const lists = fc3Lists(findFc3Schema({}, home));
    expect(lists.source).toBe(`fc3 schema ${newest}`);
    expect(checkFc3Props(base, 'props', lists)).toEqual([]);
    const older = join(home, '.s', 'components', 'devsapp.cn', 'v3', 'fc3@0.1.9', 'dist', 'schema.json');
    expect(findFc3Schema({ FC3_SCHEMA: older }, home)).toBe(older);
    const problems = checkFc3Props(base, 'props', fc3Lists(older));
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['props.runtime', `is not an fc3 runtime (per the fc3 schema ${older})`],
    ]);
  });

  it('falls back when the schema lacks an enum it needs', () => {
    const partial = join(home, 'partial.json');
    writeFileSync(partial, JSON.stringify({ definitions: { IRuntime: { enum: ['nodejs20'] } } }));
    expect(fc3Lists(partial).source).toMatch(/^hand-copied lists \(.*has no IRuntime, IRegion/);
  });

  const published = process.env.FC3_SCHEMA ?? '';
  it.runIf(published !== '' && existsSync(published))(
    'with the published schema (FC3_SCHEMA): the repo’s s.yaml passes, and every hand-copied value is in it',
    async () => {
      const lists = fc3Lists(published);
      expect(lists.source).toBe(`fc3 schema ${published}`);
      for (const r of FC3_RUNTIMES) expect(lists.runtimes).toContain(r);
      const doc = await loadSYaml(resolve(import.meta.dirname, '../../s.yaml'), {
        env: {
          OSS_BUCKET: 'qlib-batches',
          MYSQL_URL: 'mysql://u@h/d',
          FC_ROLE_ARN: 'acs:ram::1:role/qlib-ingest',
          VPC_ID: 'v',
          VSWITCH_ID: 's',
          SECURITY_GROUP_ID: 'g',
        },
        config: { AccountID: '1' },
      });
      for (const [name, r] of Object.entries(doc.resources))
        expect(checkFc3Props(r.props, `resources.${name}.props`, lists)).toEqual([]);
    },
  );
});
