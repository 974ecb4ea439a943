/**
 * Incidents, not alert storms (docs/monitor.md): every finding of ingest, the monitor and FC is an incident keyed
 * by (check, subject, day), which opens, escalates warn → error, resolves, and may reopen. Each state change
 * sends exactly one message; evaluations that change nothing send none.
 */

/** What a check concluded about its subject right now. */
export type Verdict = 'ok' | 'warn' | 'error';
export type Severity = 'warn' | 'error';
export type Transition = 'opened' | 'escalated' | 'resolved' | 'reopened';

/** The checks that raise incidents; the first part of every incident key. */
export const CHECKS = [
  'freshness',
  'calendar',
  'drift',
  'batch_rejected',
  'load_warning',
  'batch_stuck',
  'redrive_failed',
  'fc_failure',
  'monitor_silent',
] as const;
export type CheckName = (typeof CHECKS)[number];

/** An incident as stored: its state and the highest severity it reached while open. */
export interface IncidentState {
  state: 'open' | 'resolved';
  severity: Severity;
  revision: number;
}

/** The change a verdict makes to an incident (pure): none, or one transition to a new state. */
export function decideTransition(
  current: IncidentState | undefined,
  verdict: Verdict,
): { transition: Transition; state: IncidentState['state']; severity: Severity } | undefined {
  if (current === undefined) {
    return verdict === 'ok' ? undefined : { transition: 'opened', state: 'open', severity: verdict };
  }
  if (current.state === 'resolved') {
    return verdict === 'ok' ? undefined : { transition: 'reopened', state: 'open', severity: verdict };
  }
  if (verdict === 'ok') return { transition: 'resolved', state: 'resolved', severity: current.severity };
  // Never back down from error to warn while open: a flapping figure would otherwise send a message each run.
  if (verdict === 'error' && current.severity === 'warn') {
    return { transition: 'escalated', state: 'open', severity: 'error' };
  }
  return undefined;
}

/** `<check>|<subject>|<day or id>`: the identity of an incident (fits incidents.incident_key, 255). */
export function incidentKey(check: CheckName, subject: string, detail: string): string {
  return `${check}|${subject}|${detail}`.slice(0, 255);
}

/** The outbox key of one message: the incident, the revision that sent it, and the channel. */
export function messageKey(incident: string, revision: number, channel: 'topic' | 'mail'): string {
  const key = `${incident}#${revision}`;
  return channel === 'topic' ? key : `${key}@${channel}`;
}

/** The first word of a message's summary line. */
export function summaryPrefix(transition: Transition, severity: Severity): string {
  if (transition === 'resolved') return 'RESOLVED';
  return severity === 'error' ? 'ERROR' : 'WARN';
}
