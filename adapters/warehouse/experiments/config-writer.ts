import type { PoolConnection } from 'mysql2/promise';
import type { ConfigRecord } from '../../../core/experiments/lines.js';
import { segmentDate } from '../../../core/experiments/model-config.js';
import { execute } from '../sql.js';

/** A config is stored once per content: a second batch with the same hash changes nothing. */
export async function insertConfig(conn: PoolConnection, c: ConfigRecord, batchId: string): Promise<void> {
  const f = c.fields;
  const bound = (name: string, i: 0 | 1) => segmentDate(f.segments[name]?.[i]);
  await execute(
    conn,
    `INSERT IGNORE INTO model_configs (config_hash, source, name, config_text, model_class, model_module, dataset_class,
       dataset_module, handler_class, handler_module, market, benchmark, label, train_start, train_end, valid_start,
       valid_end, test_start, test_end, segments_json, first_batch_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))`,
    [
      c.hash,
      c.source,
      c.name,
      c.text,
      f.modelClass,
      f.modelModule,
      f.datasetClass,
      f.datasetModule,
      f.handlerClass,
      f.handlerModule,
      f.market,
      f.benchmark,
      f.label,
      bound('train', 0),
      bound('train', 1),
      bound('valid', 0),
      bound('valid', 1),
      bound('test', 0),
      bound('test', 1),
      JSON.stringify(f.segments),
      batchId,
    ],
  );
}
