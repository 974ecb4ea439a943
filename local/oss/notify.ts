import { createHash } from 'node:crypto';
import type { Logger } from '../../core/logger.js';
import type { OssEventRecord } from '../../core/oss-event.js';
import type { ObjectMeta } from './store.js';

/** The facts an ObjectCreated record is built from. */
export interface ObjectCreated {
  eventName:
    | 'ObjectCreated:PutObject'
    | 'ObjectCreated:PostObject'
    | 'ObjectCreated:CopyObject'
    | 'ObjectCreated:CompleteMultipartUpload';
  region: string;
  accountId: string;
  bucket: string;
  meta: ObjectMeta;
  previousSize: number;
  requestId: string;
  sourceIp: string;
  time: Date;
}

/**
 * One record exactly as FC 3.0 delivers it to an OSS-triggered function (devsapp/fc3 src/subCommands/trigger-template/event-template/oss.json): eventName without
 * the `oss:` prefix, eTag upper-case hex without quotes (`<HEX>-<n>` for multipart), userMeta keys with
 * their `x-oss-meta-` prefix, deltaSize = new size − old size.
 */
export function objectCreatedRecord(e: ObjectCreated): OssEventRecord {
  return {
    eventName: e.eventName,
    eventSource: 'acs:oss',
    eventTime: e.time.toISOString(),
    eventVersion: '1.0',
    oss: {
      bucket: {
        arn: `acs:oss:${e.region}:${e.accountId}:${e.bucket}`,
        name: e.bucket,
        ownerIdentity: e.accountId,
      },
      object: {
        deltaSize: e.meta.size - e.previousSize,
        eTag: e.meta.etag,
        key: e.meta.key,
        size: e.meta.size,
        objectMeta: { mimeType: e.meta.contentType, userMeta: { ...e.meta.userMeta } },
      },
      ossSchemaVersion: '1.0',
      ruleId: ruleId(e.accountId, e.region, e.bucket),
    },
    region: e.region,
    requestParameters: { sourceIPAddress: e.sourceIp },
    responseElements: { requestId: e.requestId },
    userIdentity: { principalId: e.accountId },
  };
}

/** A notification rule id is 40 hex characters; one stable rule per bucket here. */
function ruleId(accountId: string, region: string, bucket: string): string {
  return createHash('sha1').update(`${accountId}:${region}:${bucket}`).digest('hex');
}

export type EventListener = (record: OssEventRecord) => void | Promise<void>;

/**
 * Fan-out to listeners. Each listener runs on its own turn of the event loop; a throwing or rejecting
 * listener is logged and never reaches the HTTP server.
 */
export class EventHub {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly logger: Logger) {}

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(record: OssEventRecord): void {
    for (const listener of this.listeners) {
      setImmediate(() => {
        Promise.resolve()
          .then(() => listener(record))
          .catch((error: unknown) => {
            this.logger.error('oss event listener failed', {
              eventName: record.eventName,
              key: record.oss.object.key,
              error: error instanceof Error ? error : String(error),
            });
          });
      });
    }
  }
}
