import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  configFields,
  derivedName,
  segmentDate,
  taskFromParams,
} from '../../core/experiments/model-config.js';
import { parsePythonLiteral } from '../../core/experiments/python-literal.js';
import {
  formatSnapshotFile,
  isSnapshotId,
  SNAPSHOT_TAG,
  snapshotOf,
} from '../../core/experiments/snapshot.js';
import { FiguresBuilder, latestValue } from '../../core/experiments/summary.js';
import { lightgbmParams, workflowYaml } from '../support/qlib-runs.js';

describe('parsePythonLiteral (MLflow logs str(value))', () => {
  it.each([
    ['0.0421', 0.0421],
    ['-3', -3],
    ['1e-05', 1e-5],
    ["'mse'", 'mse'],
    ['True', true],
    ['None', null],
    ["['2008-01-01', '2014-12-31']", ['2008-01-01', '2014-12-31']],
    ['(1, 2.5)', [1, 2.5]],
    ['[datetime.date(2008, 1, 1), datetime.date(2014, 12, 31)]', ['2008-01-01', '2014-12-31']],
    ["Timestamp('2017-01-01 00:00:00')", '2017-01-01'],
    [
      "{'class': 'SignalRecord', 'kwargs': {'model': '<MODEL>'}}",
      { class: 'SignalRecord', kwargs: { model: '<MODEL>' } },
    ],
    ["'it\\'s'", "it's"],
  ])('%s', (text, value) => {
    expect(parsePythonLiteral(text)).toEqual(value);
  });

  it.each(['LGBModel', 'inf', '<object at 0x7f>', '[1, 2', "'open"])('%s is not a literal', (text) => {
    expect(parsePythonLiteral(text)).toBeUndefined();
  });
});

describe('model configs', () => {
  it('rebuilds the task from the params qlib logs and reads the query fields from it', () => {
    const task = taskFromParams(lightgbmParams()) as Record<string, unknown>;
    expect(task).toMatchObject({
      model: {
        class: 'LGBModel',
        module_path: 'qlib.contrib.model.gbdt',
        kwargs: { learning_rate: 0.2, max_depth: 8, loss: 'mse' },
      },
      dataset: { kwargs: { segments: { train: ['2008-01-01', '2014-12-31'] } } },
      record: [
        expect.objectContaining({ class: 'SignalRecord' }),
        expect.objectContaining({ class: 'SigAnaRecord' }),
      ],
    });
    const fields = configFields(task);
    expect(fields).toEqual({
      modelClass: 'LGBModel',
      modelModule: 'qlib.contrib.model.gbdt',
      datasetClass: 'DatasetH',
      datasetModule: 'qlib.data.dataset',
      handlerClass: 'Alpha158',
      handlerModule: 'qlib.contrib.data.handler',
      market: 'csi300',
      benchmark: null,
      label: null,
      segments: {
        train: ['2008-01-01', '2014-12-31'],
        valid: ['2015-01-01', '2016-12-31'],
        test: ['2017-01-01', '2020-08-01'],
      },
    });
    expect(derivedName(fields)).toBe('LGBModel-Alpha158-csi300');
    expect(taskFromParams({ 'cmd-sys.argv': "['python']" })).toBeUndefined();
  });

  it('reads a whole qrun YAML (anchors, aliases, market and benchmark at the top)', () => {
    const fields = configFields(parse(workflowYaml(), { merge: true }));
    expect(fields).toMatchObject({
      modelClass: 'LGBModel',
      handlerClass: 'Alpha158',
      market: 'csi300',
      benchmark: 'SH000300',
    });
    expect(fields.segments.test).toEqual(['2017-01-01', '2020-08-01']);
  });

  it('reads a label and a list of instruments', () => {
    const doc = {
      task: {
        dataset: {
          kwargs: {
            handler: {
              class: 'DataHandlerLP',
              kwargs: {
                instruments: ['SH600000', 'SZ000001'],
                label: [['Ref($close, -2)/Ref($close, -1) - 1'], ['LABEL0']],
              },
            },
          },
        },
      },
    };
    expect(configFields(doc)).toMatchObject({
      market: 'SH600000,SZ000001',
      label: 'Ref($close, -2)/Ref($close, -1) - 1',
    });
    expect(segmentDate('2017-01-01 00:00:00')).toBe('2017-01-01');
    expect(segmentDate('last year')).toBeNull();
  });
});

describe('run summary figures', () => {
  it('takes the latest value of each qlib figure, per frequency and cost', () => {
    const b = new FiguresBuilder();
    b.add({
      type: 'metric',
      runId: 'r',
      key: 'IC',
      history: [
        [0, 10, 0.01],
        [1, 5, 0.02],
      ],
    });
    b.add({ type: 'metric', runId: 'r', key: 'Rank ICIR', history: [[0, 10, 'NaN']] });
    b.add({
      type: 'metric',
      runId: 'r',
      key: '5min.excess_return_with_cost.max_drawdown',
      history: [[0, 1, -0.2]],
    });
    b.add({ type: 'metric', runId: 'r', key: 'train.loss', history: [[0, 1, 3]] });
    const figures = b.result();
    expect(figures).toMatchObject({ ic: 0.02, icir: null, rankIc: null, rankIcir: null });
    expect(figures.excess).toEqual([
      {
        frequency: '5min',
        cost: 'with_cost',
        mean: null,
        std: null,
        annualizedReturn: null,
        informationRatio: null,
        maxDrawdown: -0.2,
      },
    ]);
    expect(
      latestValue([
        [3, 1, 1],
        [3, 2, 2],
        [2, 9, 3],
      ]),
    ).toBe(2);
  });
});

describe('the snapshot tag', () => {
  it('names the factor snapshot a run trained on', () => {
    expect(snapshotOf({ [SNAPSHOT_TAG]: ' alpha158@20240103T203000000Z-0b52e4772383\n' })).toBe(
      'alpha158@20240103T203000000Z-0b52e4772383',
    );
    expect(snapshotOf({ [SNAPSHOT_TAG]: 'two words' })).toBeNull();
    expect(snapshotOf({})).toBeNull();
    expect(isSnapshotId('x'.repeat(129))).toBe(false);
    expect(formatSnapshotFile('s1')).toBe('s1\n');
  });
});
