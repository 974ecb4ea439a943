import * as z from 'zod';
import { TerminalError } from '../../core/errors.js';
import { checkWith } from '../../core/schema.js';

/**
 * RAM permission policies (https://help.aliyun.com/zh/ram/user-guide/policy-structure-and-syntax), the part the
 * local servers enforce: Allow/Deny statements, Action and Resource with `*` and `?` wildcards (actions
 * case-insensitive), and the string conditions our policies use. An explicit Deny wins; nothing is allowed
 * unless a statement allows it. Other condition operators are refused when the policy is read, so a policy the
 * local stack cannot evaluate fails loudly instead of being half-checked.
 */
const STRINGS = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const OPERATORS = ['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike'] as const;
type Operator = (typeof OPERATORS)[number];
const CONDITION = z.partialRecord(z.enum(OPERATORS), z.record(z.string(), STRINGS));

const POLICY = z.strictObject({
  Version: z.literal('1'),
  Statement: z
    .array(
      z.strictObject({
        Effect: z.enum(['Allow', 'Deny']),
        Action: STRINGS,
        Resource: STRINGS,
        Condition: CONDITION.optional(),
      }),
    )
    .min(1),
});

export type RamPolicy = z.output<typeof POLICY>;

/** One request as RAM sees it: the action, the resource ARN and the condition keys it carries. */
export interface RamRequest {
  action: string;
  resource: string;
  context?: Readonly<Record<string, string>>;
}

/** Read a policy document (JSON text or parsed); POLICY_* problems, all at once. */
export function parseRamPolicy(input: unknown, name = 'policy'): RamPolicy {
  const doc = typeof input === 'string' ? (JSON.parse(input) as unknown) : input;
  const checked = checkWith(POLICY, doc, 'POLICY');
  if (!checked.ok) {
    const detail = checked.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    throw new TerminalError(
      'POLICY_INVALID',
      `${name} is not a RAM policy this stack can evaluate: ${detail}`,
      {
        problems: checked.problems,
      },
    );
  }
  return checked.value;
}

/** Does the set of policies allow the request? */
export function isAllowed(policies: readonly RamPolicy[], request: RamRequest): boolean {
  let allowed = false;
  for (const policy of policies) {
    for (const s of policy.Statement) {
      if (!statementMatches(s, request)) continue;
      if (s.Effect === 'Deny') return false;
      allowed = true;
    }
  }
  return allowed;
}

/** The statements (by index in the policy) that allow a request: which grant a request used. */
export function allowingStatements(policy: RamPolicy, request: RamRequest): number[] {
  return policy.Statement.flatMap((s, i) =>
    s.Effect === 'Allow' && statementMatches(s, request) ? [i] : [],
  );
}

type Statement = RamPolicy['Statement'][number];

function statementMatches(s: Statement, request: RamRequest): boolean {
  const actions = list(s.Action);
  const resources = list(s.Resource);
  if (!actions.some((a) => wildcard(a, true).test(request.action))) return false;
  if (!resources.some((r) => wildcard(r, false).test(request.resource))) return false;
  return conditionHolds(s.Condition, request.context ?? {});
}

function conditionHolds(
  condition: Statement['Condition'],
  context: Readonly<Record<string, string>>,
): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {}) as [
    Operator,
    Record<string, string | string[]>,
  ][]) {
    for (const [key, expected] of Object.entries(keys)) {
      const value = context[key];
      const like = operator === 'StringLike' || operator === 'StringNotLike';
      const hit =
        value !== undefined &&
        list(expected).some((e) => (like ? wildcard(e, false).test(value) : e === value));
      const negated = operator === 'StringNotEquals' || operator === 'StringNotLike';
      if (negated ? hit : !hit) return false;
    }
  }
  return true;
}

function list(v: string | string[]): string[] {
  return Array.isArray(v) ? v : [v];
}

const cache = new Map<string, RegExp>();
function wildcard(pattern: string, ignoreCase: boolean): RegExp {
  const key = `${ignoreCase ? 'i' : 's'}:${pattern}`;
  let re = cache.get(key);
  if (re === undefined) {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.');
    re = new RegExp(`^${body}$`, ignoreCase ? 'i' : '');
    cache.set(key, re);
  }
  return re;
}
