import type { ApiProblem } from '../../core/api/params.js';

/**
 * An answer other than 2xx that the caller may see in full (docs/api.md, "Errors"): the status, a stable code,
 * a message a person can act on, and the problems (which parameter, what is allowed). Anything else thrown is a
 * bug or an outage and is answered 500/503 without its details.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 503,
    readonly code: string,
    message: string,
    readonly extra: { problems?: ApiProblem[]; hint?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }

  /** The JSON body: `{ error: { code, message, problems?, hint?, requestId } }`. */
  body(requestId: string): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.extra.problems !== undefined) error.problems = this.extra.problems;
    if (this.extra.hint !== undefined) error.hint = this.extra.hint;
    error.requestId = requestId;
    return { error };
  }
}

/** 400 for parameters that failed their checks. */
export function badParameters(problems: ApiProblem[]): HttpError {
  const names = [...new Set(problems.map((p) => p.param))].join(', ');
  return new HttpError(
    400,
    'BAD_PARAMETERS',
    `invalid parameter${problems.length === 1 ? '' : 's'}: ${names}`,
    {
      problems,
    },
  );
}

export function notFound(what: string): HttpError {
  return new HttpError(404, 'NOT_FOUND', `${what} does not exist`);
}
