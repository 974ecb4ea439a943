import { type CheckName, type Severity, summaryPrefix, type Transition, type Verdict } from './incidents.js';

/**
 * One finding, as a check (or ingest, or the FC failure queue) reports it: what the incident is about, the verdict,
 * and everything a person needs to act: a headline, what happened, where to look, what to do.
 */
export interface IncidentFinding {
  check: CheckName;
  /** dataset, calendar, batch id or function name */
  subject: string;
  /** incidentKey(check, subject, day or id) */
  key: string;
  verdict: Verdict;
  dataset?: string;
  tradingDay?: string;
  batchId?: string;
  /** a machine code: NOT_LOADED, DUPLICATE_KEY, DRIFT, … */
  code?: string;
  /** one line, without the severity word: `cn_daily 2024-01-29 not loaded by 20:00 Asia/Shanghai (…)` */
  headline: string;
  what: string[];
  /** evidence: object keys, console links, the ledger query */
  where: Record<string, string>;
  /** the exact commands */
  todo: string[];
  figures?: Record<string, unknown>;
}

/** The incident a message is about, as stored after the transition. */
export interface IncidentRef {
  id: number;
  key: string;
  revision: number;
  openedAt: string;
}

/** The JSON body every subscriber receives (docs/monitor.md, "Message format"). */
export interface MessageBody {
  summary: string;
  severity: Severity;
  transition: Transition;
  state: 'open' | 'resolved';
  check: CheckName;
  code: string | null;
  dataset: string | null;
  tradingDay: string | null;
  batchId: string | null;
  what: string[];
  where: Record<string, string>;
  whatToDo: string[];
  figures: Record<string, unknown>;
  incident: IncidentRef;
  at: string;
}

/** Build a message body; `summary` comes first so a person reading the raw JSON sees it before anything else. */
export function formatMessage(
  finding: IncidentFinding,
  transition: Transition,
  severity: Severity,
  incident: IncidentRef,
  at: Date,
): MessageBody {
  return {
    summary: `${summaryPrefix(transition, severity)} ${finding.headline}`,
    severity,
    transition,
    state: transition === 'resolved' ? 'resolved' : 'open',
    check: finding.check,
    code: finding.code ?? null,
    dataset: finding.dataset ?? null,
    tradingDay: finding.tradingDay ?? null,
    batchId: finding.batchId ?? null,
    what: finding.what,
    where: finding.where,
    whatToDo: finding.todo,
    figures: finding.figures ?? {},
    incident,
    at: at.toISOString(),
  };
}

export interface EmailSettings {
  /** subject prefix, e.g. `[qlib-sync]` */
  subjectPrefix: string;
}

/** A readable plain-text email for a message body (DirectMail sends MessageBody as the mail's text). */
export function formatEmail(body: MessageBody, settings: EmailSettings): { subject: string; text: string } {
  const lines = [body.summary, ''];
  if (body.what.length > 0) lines.push('What happened:', ...body.what.map((l) => `  - ${l}`), '');
  const where = Object.entries(body.where);
  if (where.length > 0) lines.push('Where to look:', ...where.map(([k, v]) => `  ${k}: ${v}`), '');
  if (body.whatToDo.length > 0) lines.push('What to do:', ...body.whatToDo.map((l) => `  ${l}`), '');
  const since = body.transition === 'opened' ? '' : `; opened ${body.incident.openedAt}`;
  lines.push(
    `Incident ${body.incident.id} (${body.incident.key}): ${body.transition} at ${body.at}${since}.`,
  );
  // A subject is one line; DirectMail takes up to 100 characters (SingleSendMail Subject).
  const subject = `${settings.subjectPrefix} ${body.summary}`.replace(/\s+/g, ' ').slice(0, 100);
  return { subject, text: `${lines.join('\n')}\n` };
}
