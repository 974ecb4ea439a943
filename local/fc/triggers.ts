import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/logger.js';
import type { OssServer } from '../oss/server.js';
import type { Clock } from './clock.js';
import type { FunctionSpec } from './function-spec.js';
import type { InvokeResult, TriggerKind } from './invocation.js';
import { type HttpTrigger, httpRule, startHttpTrigger } from './triggers-http.js';
import { matchesOssTrigger, type OssTriggerRule, ossEventPayload, ossTriggerRule } from './triggers-oss.js';
import { startTimers, timerRule } from './triggers-timer.js';

export interface TriggerDeps {
  oss?: OssServer;
  clock: Clock;
  host: string;
  accountId: string;
  logger: Logger;
  /** async invocation (OSS and timer triggers are async in FC) */
  enqueue: (fn: string, payload: Buffer, trigger: TriggerKind, requestId: string) => string;
  /** sync invocation with a given requestId (HTTP triggers) */
  invoke: (fn: string, payload: Buffer, requestId: string) => Promise<InvokeResult>;
}

export interface Triggers {
  httpUrls: Map<string, string>;
  close(): Promise<void>;
}

/** Parse every trigger first (a bad one refuses the whole s.yaml), then wire them up. */
export async function startTriggers(specs: readonly FunctionSpec[], deps: TriggerDeps): Promise<Triggers> {
  const of = (type: string) =>
    specs.flatMap((spec) => spec.triggers.filter((t) => t.triggerType === type).map((t) => ({ spec, t })));
  const ossRules = of('oss').map(({ spec, t }) => ossTriggerRule(spec, t, deps.accountId));
  const timerRules = of('timer').map(({ spec, t }) => timerRule(spec, t));
  const httpRules = of('http').map(({ spec, t }) => httpRule(spec, t));
  for (const { spec, t } of of('mns_topic').concat(
    of('log'),
    of('cdn_events'),
    of('tablestore'),
    of('eventbridge'),
  ))
    deps.logger.warn('fc trigger type not emulated', {
      fn: spec.name,
      trigger: t.triggerName,
      type: t.triggerType,
    });

  const unsubscribe = subscribeOss(ossRules, deps);
  const stopTimers = startTimers(timerRules, deps.clock, (rule, payload) => {
    const requestId = randomUUID();
    deps.logger.info('fc timer fired', { fn: rule.fn, trigger: rule.triggerName, requestId });
    deps.enqueue(rule.fn, payload, 'timer', requestId);
  });
  const servers = new Map<string, HttpTrigger>();
  const close = async () => {
    unsubscribe();
    stopTimers();
    await Promise.all([...servers.values()].map((s) => s.close()));
  };
  try {
    for (const rule of httpRules) {
      if (!servers.has(rule.fn))
        servers.set(rule.fn, await startHttpTrigger(rule, { ...deps, now: () => deps.clock.now() }));
    }
  } catch (error) {
    await close();
    throw error;
  }
  const httpUrls = new Map([...servers].map(([fn, s]) => [fn, s.url]));
  return { httpUrls, close };
}

/** Deliver each matching OSS notification as an async invocation; returns the unsubscribe function. */
function subscribeOss(rules: readonly OssTriggerRule[], deps: TriggerDeps): () => void {
  if (rules.length === 0) return () => {};
  if (deps.oss === undefined) {
    deps.logger.warn('fc oss triggers inactive: no OSS server given', { triggers: rules.length });
    return () => {};
  }
  return deps.oss.onEvent((record) => {
    for (const rule of rules.filter((r) => matchesOssTrigger(r, record))) {
      const requestId = randomUUID();
      const key = record.oss.object.key;
      deps.logger.info('fc oss event delivered', { fn: rule.fn, trigger: rule.triggerName, key, requestId });
      deps.enqueue(rule.fn, ossEventPayload(record), 'oss', requestId);
    }
  });
}
