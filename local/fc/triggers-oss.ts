import { TerminalError } from '../../core/errors.js';
import type { OssEventRecord } from '../../core/oss-event.js';
import type { FunctionSpec, TriggerSpec } from './function-spec.js';
import { deployedTriggerRole, invocationRoleProblem } from './trigger-role.js';

/** An OSS trigger reduced to what decides delivery (devsapp/fc3 event-template/oss.json). */
export interface OssTriggerRule {
  fn: string;
  triggerName: string;
  bucket: string;
  events: string[];
  prefix: string;
  suffix: string;
  /** the role OSS assumes to invoke the function (checked as CreateTrigger checks it) */
  invocationRole: string;
}

export function ossTriggerRule(spec: FunctionSpec, trigger: TriggerSpec, accountId: string): OssTriggerRule {
  const invocationRole = deployedTriggerRole(trigger.invocationRole, accountId);
  const roleProblem = invocationRoleProblem(invocationRole);
  if (roleProblem !== undefined)
    throw new TerminalError('FC_TRIGGER_INVALID', `${spec.name}/${trigger.triggerName}: ${roleProblem}`);
  const bucket = /^acs:oss:[^:]*:[^:]*:([^:/]+)$/.exec(trigger.sourceArn ?? '')?.[1];
  if (bucket === undefined) {
    // FC's CreateTrigger needs the bucket ARN; without it nothing could be delivered.
    throw new TerminalError(
      'FC_TRIGGER_INVALID',
      `${spec.name}/${trigger.triggerName}: an oss trigger needs sourceArn acs:oss:<region>:<account>:<bucket>`,
    );
  }
  const config = trigger.triggerConfig;
  const key = ((config.filter ?? {}) as { key?: { prefix?: string; suffix?: string } }).key ?? {};
  return {
    fn: spec.name,
    triggerName: trigger.triggerName,
    bucket,
    events: (config.events ?? []) as string[],
    prefix: key.prefix ?? '',
    suffix: key.suffix ?? '',
    invocationRole,
  };
}

/**
 * Does this record fire the trigger? Same bucket, `oss:<eventName>` listed (a `…:*` entry covers its
 * family, e.g. `oss:ObjectCreated:*`), and the key starts with the prefix and ends with the suffix —
 * literal matches, no patterns (https://help.aliyun.com/document_detail/62922.htm).
 */
export function matchesOssTrigger(rule: OssTriggerRule, record: OssEventRecord): boolean {
  if (record.oss.bucket.name !== rule.bucket) return false;
  const event = `oss:${record.eventName}`;
  const listed = rule.events.some((e) => (e.endsWith(':*') ? event.startsWith(e.slice(0, -1)) : e === event));
  const key = record.oss.object.key;
  return listed && key.startsWith(rule.prefix) && key.endsWith(rule.suffix);
}

/** The event FC hands the function: one record per notification. */
export function ossEventPayload(record: OssEventRecord): Buffer {
  return Buffer.from(JSON.stringify({ events: [record] }));
}
