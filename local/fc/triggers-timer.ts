import type { Clock } from './clock.js';
import { parseSchedule, type Schedule } from './cron.js';
import type { FunctionSpec, TriggerSpec } from './function-spec.js';

export interface TimerRule {
  fn: string;
  triggerName: string;
  schedule: Schedule;
  payload: string;
  enabled: boolean;
}

/** Parse a timer trigger (cronExpression is checked now, like `s deploy` would). */
export function timerRule(spec: FunctionSpec, trigger: TriggerSpec): TimerRule {
  const c = trigger.triggerConfig;
  return {
    fn: spec.name,
    triggerName: trigger.triggerName,
    schedule: parseSchedule(String(c.cronExpression)),
    payload: typeof c.payload === 'string' ? c.payload : '',
    enabled: c.enable === true,
  };
}

/** Timer event (https://help.aliyun.com/document_detail/171746.html): `{"triggerTime":"2023-12-26T07:49:00Z","triggerName":…,"payload":…}`. */
export function timerEventPayload(rule: TimerRule, at: Date): Buffer {
  const triggerTime = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return Buffer.from(JSON.stringify({ triggerTime, triggerName: rule.triggerName, payload: rule.payload }));
}

/**
 * Arm every enabled rule on `clock`; each firing hands the event to `fire` (an async invocation, as FC
 * does for timers) and arms the next occurrence. Returns a function that disarms them all.
 */
export function startTimers(
  rules: readonly TimerRule[],
  clock: Clock,
  fire: (rule: TimerRule, payload: Buffer) => void,
): () => void {
  const cancels = new Map<TimerRule, () => void>();
  let stopped = false;
  const arm = (rule: TimerRule, after: Date) => {
    const at = rule.schedule.next(after);
    cancels.set(
      rule,
      clock.schedule(at, () => {
        if (stopped) return;
        fire(rule, timerEventPayload(rule, at));
        arm(rule, at);
      }),
    );
  };
  for (const rule of rules) if (rule.enabled) arm(rule, clock.now());
  return () => {
    stopped = true;
    for (const cancel of cancels.values()) cancel();
  };
}
