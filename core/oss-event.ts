import { type Problem, TerminalError } from './errors.js';

/**
 * The OSS event as Function Compute 3.0 delivers it to an OSS-triggered function
 * (devsapp/fc3 event-template/oss.json). `eventName` has no `oss:` prefix,
 * `eTag` is upper-case hex without quotes, `objectMeta` is optional (older events lack it).
 */
export interface OssEventRecord {
  eventName: string;
  eventSource: 'acs:oss';
  eventTime: string;
  eventVersion: '1.0';
  oss: {
    bucket: { arn: string; name: string; ownerIdentity: string; virtualBucket?: string };
    object: {
      deltaSize: number;
      eTag: string;
      key: string;
      size: number;
      objectMeta?: { mimeType?: string; userMeta?: Record<string, string> };
    };
    ossSchemaVersion: '1.0';
    ruleId: string;
  };
  region: string;
  requestParameters: { sourceIPAddress: string };
  responseElements: { requestId: string };
  userIdentity: { principalId: string };
}

export interface OssEvent {
  events: OssEventRecord[];
}

/** Decode the FC event payload (Buffer of JSON) into OSS event records, or say precisely why not. */
export function parseOssEvent(payload: Uint8Array | string): OssEvent {
  const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new TerminalError('EVENT_NOT_JSON', 'the event is not JSON', { cause });
  }
  const problems: Problem[] = [];
  const events = isObject(doc) ? doc.events : undefined;
  if (!Array.isArray(events) || events.length === 0) {
    problems.push({ code: 'EVENT_SHAPE', path: '$.events', message: 'expected a non-empty array' });
  } else {
    events.forEach((record, i) => {
      checkRecord(record, `$.events[${i}]`, problems);
    });
  }
  if (problems.length > 0) {
    throw new TerminalError('EVENT_SHAPE', 'the event is not an OSS event', { problems });
  }
  return doc as OssEvent;
}

function checkRecord(record: unknown, path: string, problems: Problem[]): void {
  if (!isObject(record)) {
    problems.push({ code: 'EVENT_SHAPE', path, message: 'expected an object' });
    return;
  }
  if (typeof record.eventName !== 'string') {
    problems.push({ code: 'EVENT_SHAPE', path: `${path}.eventName`, message: 'expected a string' });
  }
  const oss = isObject(record.oss) ? record.oss : undefined;
  const bucket = oss && isObject(oss.bucket) ? oss.bucket : undefined;
  const object = oss && isObject(oss.object) ? oss.object : undefined;
  if (typeof bucket?.name !== 'string') {
    problems.push({ code: 'EVENT_SHAPE', path: `${path}.oss.bucket.name`, message: 'expected a string' });
  }
  if (typeof object?.key !== 'string') {
    problems.push({ code: 'EVENT_SHAPE', path: `${path}.oss.object.key`, message: 'expected a string' });
  }
  if (typeof object?.size !== 'number') {
    problems.push({ code: 'EVENT_SHAPE', path: `${path}.oss.object.size`, message: 'expected a number' });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
