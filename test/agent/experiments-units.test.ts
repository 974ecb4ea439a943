import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { artifactKey, artifactPolicy, listArtifacts } from '../../agent/experiments/artifacts.js';
import { paramsConfigText, qrunYaml } from '../../agent/experiments/qrun-yaml.js';
import { metricValueOf } from '../../agent/experiments/store-model.js';
import { TerminalError } from '../../core/errors.js';
import { taskFromParams } from '../../core/experiments/model-config.js';
import { lightgbmParams, workflowYaml } from '../support/qlib-runs.js';

describe('the YAML qrun takes, from a stored config', () => {
  it('gives a stored workflow YAML back byte for byte', () => {
    expect(qrunYaml(workflowYaml())).toBe(workflowYaml());
  });

  it('points qlib_init at the training node’s data, keeping the rest (anchors, aliases) as written', () => {
    const text = qrunYaml(workflowYaml(), { providerUri: '/data/pulled/cn', region: 'cn' });
    const doc = parse(text, { merge: true });
    expect(doc.qlib_init).toEqual({ provider_uri: '/data/pulled/cn', region: 'cn' });
    expect(doc.task.dataset.kwargs.handler.kwargs.instruments).toBe('csi300');
    expect(text).toContain('&data_handler_config');
  });

  it('turns a config rebuilt from params into a runnable qrun file once it knows where the data is', () => {
    const stored = paramsConfigText(taskFromParams(lightgbmParams()) as Record<string, unknown>);
    expect(() => qrunYaml(stored)).toThrowError(expect.objectContaining({ code: 'CONFIG_NO_PROVIDER' }));
    const doc = parse(qrunYaml(stored, { providerUri: '~/.qlib/qlib_data/cn_data' }));
    expect(doc.qlib_init).toEqual({ provider_uri: '~/.qlib/qlib_data/cn_data' });
    expect(doc.task.model).toMatchObject({
      class: 'LGBModel',
      module_path: 'qlib.contrib.model.gbdt',
      kwargs: { learning_rate: 0.2, num_leaves: 210 },
    });
    expect(doc.task.dataset.kwargs.segments.valid).toEqual(['2015-01-01', '2016-12-31']);
    expect(doc.task.dataset.kwargs.handler).toMatchObject({
      class: 'Alpha158',
      kwargs: { instruments: 'csi300', start_time: '2008-01-01' },
    });
    // the same params always give the same text: the config's hash is its identity
    expect(paramsConfigText(taskFromParams(lightgbmParams()) as Record<string, unknown>)).toBe(stored);
  });

  it('refuses a text that is not a qrun workflow', () => {
    expect(() => qrunYaml('just: a mapping\n')).toThrow(TerminalError);
    expect(() => qrunYaml('- a list\n')).toThrowError(expect.objectContaining({ code: 'CONFIG_NOT_QRUN' }));
  });
});

describe('artifacts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'artifacts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'sig_analysis'), { recursive: true });
  writeFileSync(join(dir, 'sig_analysis', 'ic.pkl'), Buffer.alloc(10));
  writeFileSync(join(dir, 'params.pkl'), Buffer.alloc(5000));
  writeFileSync(join(dir, 'résumé 1.txt'), 'x');

  it('selects by policy: none, small up to the cap, all', () => {
    const keys = (mode: 'none' | 'small' | 'all', cap?: number) =>
      listArtifacts(dir, 'research01', 'r1', artifactPolicy(mode, cap)).map((a) => [
        a.path,
        a.bytes,
        a.key !== null,
      ]);
    expect(keys('none')).toEqual([
      ['params.pkl', 5000, false],
      ['résumé 1.txt', 1, false],
      ['sig_analysis/ic.pkl', 10, false],
    ]);
    expect(keys('small', 100)).toEqual([
      ['params.pkl', 5000, false],
      ['résumé 1.txt', 1, true],
      ['sig_analysis/ic.pkl', 10, true],
    ]);
    expect(keys('small').every(([, , up]) => up)).toBe(true);
    expect(keys('all').every(([, , up]) => up)).toBe(true);
    expect(keys('all', 5).map(([, , up]) => up)).toEqual([false, true, false]);
  });

  it('keys each file under the run prefix, any name as printable ASCII', () => {
    expect(artifactKey('research01', 'r1', 'sig_analysis/ic.pkl')).toBe(
      'artifacts/research01/r1/sig_analysis/ic.pkl',
    );
    expect(artifactKey('research01', 'r1', 'résumé 1.txt')).toBe(
      'artifacts/research01/r1/r%C3%A9sum%C3%A9%201.txt',
    );
  });
});

describe('metric values as MLflow writes them', () => {
  it.each([
    ['0.1', 0.1],
    ['1e-05', 1e-5],
    ['-2', -2],
    ['nan', 'NaN'],
    ['inf', 'Infinity'],
    ['-inf', '-Infinity'],
    ['abc', 'abc'],
  ])('%s', (text, value) => {
    expect(metricValueOf(text)).toEqual(value);
  });
});
