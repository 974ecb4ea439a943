import { isTerminal } from '../../core/errors.js';
import { type OssEventRecord, parseOssEvent } from '../../core/oss-event.js';
import type { FcContext } from '../fc-context.js';
import type { IngestDeps } from './deps.js';
import { manifestRefOf } from './event-ref.js';
import { ingestBatch } from './ingest-batch.js';
import { quarantineInvalidKey } from './invalid-key.js';
import type { IngestOutcome } from './outcome.js';
import { ingestDeps, releaseIngestDeps } from './wiring.js';

/**
 * FC 3.0 handler for the OSS trigger on incoming/…/manifest.json (s.yaml). The event is a Buffer of JSON
 * (https://help.aliyun.com/document_detail/156876.html; devsapp/fc3 event-template/oss.json). Outcomes are returned; a TransientError or an unknown error is thrown so FC retries,
 * then tells the onFailure destination. An event that is not an OSS event cannot be fixed by retrying: logged, dropped.
 * Every record is processed even when one fails; the first error is thrown after the last record, and FC's retry
 * redelivers them all: the ledger makes the ones already settled no-ops.
 */
export const handler = async (event: Buffer, context: FcContext): Promise<{ outcomes: IngestOutcome[] }> => {
  const deps = await ingestDeps(context);
  deps.logger.debug('deps ready');
  let records: OssEventRecord[];
  try {
    records = parseOssEvent(event).events;
  } catch (error) {
    if (!isTerminal(error)) throw error;
    deps.logger.error('dropping an event that is not an OSS event', { error });
    return { outcomes: [] };
  }
  const outcomes: IngestOutcome[] = [];
  let failure: { error: unknown } | undefined;
  for (const record of records) {
    try {
      outcomes.push(await ingestRecord(deps, record));
    } catch (error) {
      deps.logger.error('event record failed; the rest go on, then FC retries the event', {
        key: record.oss.object.key,
        error,
      });
      failure ??= { error };
    }
  }
  if (failure !== undefined) throw failure.error;
  return { outcomes };
};

/** FC 3.0 preStop hook (s.yaml instanceLifecycleConfig): runs before FC destroys an idle instance. */
export const preStop = async (context: Pick<FcContext, 'requestId'>): Promise<void> => {
  await releaseIngestDeps(context.requestId);
};

async function ingestRecord(deps: IngestDeps, record: OssEventRecord): Promise<IngestOutcome> {
  const ref = manifestRefOf(record, deps.config.ossBucket);
  if ('invalid' in ref) return quarantineInvalidKey(deps, ref.invalid);
  if (!('ignored' in ref)) return ingestBatch(deps, ref);
  deps.logger.warn('event record ignored', { key: record.oss.object.key, reason: ref.ignored });
  return { status: 'skipped', key: record.oss.object.key, reason: ref.ignored };
}
