import * as z from 'zod';
import { isTerminal } from '../errors.js';
import { DATASET_PATTERN } from '../identifiers.js';
import { parsePolicy } from '../quality/policy.js';
import { checkWith } from '../schema.js';
import { type ApiProblem, apiProblem, type ParamsResult } from './params.js';

/**
 * PATCH /v1/datasets/{dataset} (admin, docs/api.md "Managing"): the settings ingest reads for every batch.
 * `rules` is the quality policy (core/quality/policy.ts) and is checked by the same parser ingest uses, so a
 * change the API accepts is one ingest can apply.
 */
const Patch = z
  .strictObject({
    contract: z.enum(['evolve', 'freeze'], 'must be evolve or freeze').optional(),
    rules: z
      .record(z.string(), z.unknown(), 'must be an object of rules, or null for the defaults')
      .nullable()
      .optional(),
    calendar: z.string().regex(DATASET_PATTERN, 'must be a calendar name').nullable().optional(),
    retired: z.boolean('must be true or false').optional(),
    note: z.string().max(255, 'must be at most 255 characters').optional(),
  })
  .refine(
    (p) =>
      p.contract !== undefined ||
      p.rules !== undefined ||
      p.calendar !== undefined ||
      p.retired !== undefined,
    'changes nothing: give contract, rules, calendar or retired',
  );

export interface DatasetPatch {
  contract?: 'evolve' | 'freeze';
  /** The rules as the registry stores them (JSON text), or null for the defaults. */
  rules?: string | null;
  calendar?: string | null;
  retired?: boolean;
  note?: string;
}

/** Check a PATCH body; every problem at once, each naming its field (`rules.nullRatio.max`). */
export function readDatasetPatch(body: unknown): ParamsResult<DatasetPatch> {
  const checked = checkWith(Patch, body, 'BODY');
  if (!checked.ok) return { ok: false, problems: checked.problems.map(apiProblem) };
  const { rules, ...rest } = checked.value;
  if (rules === undefined) return { ok: true, value: rest };
  if (rules === null) return { ok: true, value: { ...rest, rules: null } };
  const text = JSON.stringify(rules);
  try {
    parsePolicy(text);
  } catch (error) {
    if (!isTerminal(error)) throw error;
    const problems: ApiProblem[] = error.problems.map((p) => ({
      ...apiProblem(p),
      param: `rules${(p.path ?? '$').slice(1)}`,
    }));
    return {
      ok: false,
      problems:
        problems.length > 0 ? problems : [{ code: error.code, param: 'rules', message: error.message }],
    };
  }
  return { ok: true, value: { ...rest, rules: text } };
}
