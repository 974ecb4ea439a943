import { isTerminal } from '../errors.js';
import { parseSlaSettings, SLA_SETTINGS_SCHEMA, type SlaSettings } from '../sla.js';
import { type ApiProblem, apiProblem, type ParamsResult } from './params.js';

/** The SLA settings a body may name (core/sla.ts). */
export const SLA_FIELDS = Object.keys(SLA_SETTINGS_SCHEMA.shape) as (keyof SlaSettings)[];

export interface SlaChange {
  set: SlaSettings;
  unset: (keyof SlaSettings)[];
  note?: string;
}

/**
 * PUT /v1/datasets/{dataset}/sla (admin, docs/api.md): the settings to set, checked by the same parser as
 * `npm run sla -- set` (core/sla.ts parseSlaSettings), `inherit` naming the ones to inherit again (its
 * `--inherit`), and a note for the change log. Every problem at once, each naming its field.
 */
export function readSlaChange(body: unknown): ParamsResult<SlaChange> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail([{ code: 'BODY_TYPE', param: 'body', message: 'must be a JSON object of SLA settings' }]);
  }
  const { inherit, note, ...settings } = body as Record<string, unknown>;
  const problems: ApiProblem[] = [];
  const unset: (keyof SlaSettings)[] = [];
  if (inherit !== undefined) {
    if (!Array.isArray(inherit)) {
      problems.push({ code: 'BODY_VALUE', param: 'inherit', message: 'must be a list of setting names' });
    } else {
      for (const field of inherit) {
        if (SLA_FIELDS.includes(field as keyof SlaSettings)) unset.push(field as keyof SlaSettings);
        else
          problems.push({
            code: 'BODY_VALUE',
            param: 'inherit',
            message: `${String(field)} is not an SLA setting`,
            allowed: SLA_FIELDS,
          });
      }
    }
  }
  if (note !== undefined && (typeof note !== 'string' || note.length > 255)) {
    problems.push({ code: 'BODY_VALUE', param: 'note', message: 'must be text of at most 255 characters' });
  }
  let set: SlaSettings = {};
  try {
    set = parseSlaSettings(settings);
  } catch (error) {
    if (!isTerminal(error)) throw error;
    problems.push(...error.problems.map(apiProblem));
  }
  const both = unset.filter((k) => set[k] !== undefined);
  if (both.length > 0) {
    problems.push({ code: 'BODY_VALUE', param: 'inherit', message: `sets and inherits ${both.join(', ')}` });
  }
  if (problems.length === 0 && Object.keys(set).length === 0 && unset.length === 0) {
    problems.push({
      code: 'BODY_VALUE',
      param: 'body',
      message: `changes nothing: give one of ${SLA_FIELDS.join(', ')} or inherit`,
    });
  }
  if (problems.length > 0) return fail(problems);
  return { ok: true, value: note === undefined ? { set, unset } : { set, unset, note: note as string } };
}

function fail(problems: ApiProblem[]): ParamsResult<SlaChange> {
  return { ok: false, problems };
}
