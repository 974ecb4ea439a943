import type { Problem } from './errors.js';

type Json = Record<string, unknown>;

/**
 * Reads an untrusted JSON document field by field and collects every problem with its JSON path,
 * so a producer sees all of them at once instead of fixing one per round trip.
 */
export class DocReader {
  readonly problems: Problem[] = [];

  constructor(private readonly prefix: string) {}

  /** An object with exactly the allowed keys (unknown keys are reported). */
  object(value: unknown, path: string, allowed: readonly string[]): Json | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.add(
        path,
        value === undefined ? 'REQUIRED' : 'TYPE',
        value === undefined ? 'is required' : 'must be an object',
      );
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key))
        this.add(`${path}.${key}`, 'UNKNOWN_FIELD', 'is not a field of this format');
    }
    return value as Json;
  }

  array(parent: Json | undefined, key: string, path: string): unknown[] | undefined {
    const value = this.field(parent, key, path);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) return this.fail(`${path}.${key}`, 'TYPE', 'must be an array');
    return value;
  }

  string(parent: Json | undefined, key: string, path: string, rule?: Rule<string>): string | undefined {
    const value = this.field(parent, key, path);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return this.fail(`${path}.${key}`, 'TYPE', 'must be a string');
    return this.check(value, `${path}.${key}`, rule);
  }

  integer(parent: Json | undefined, key: string, path: string, rule?: Rule<number>): number | undefined {
    const value = this.field(parent, key, path);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      return this.fail(`${path}.${key}`, 'TYPE', 'must be an integer');
    }
    return this.check(value, `${path}.${key}`, rule);
  }

  add(path: string, code: string, message: string, value?: unknown): void {
    const problem: Problem = { code: `${this.prefix}_${code}`, path, message };
    if (value !== undefined) problem.value = String(value).slice(0, 80);
    this.problems.push(problem);
  }

  private field(parent: Json | undefined, key: string, path: string): unknown {
    if (parent === undefined) return undefined; // the parent's own problem is already reported
    const value = parent[key];
    if (value === undefined) this.add(`${path}.${key}`, 'REQUIRED', 'is required');
    return value;
  }

  private check<T>(value: T, path: string, rule?: Rule<T>): T | undefined {
    if (rule === undefined || rule.test(value)) return value;
    this.add(path, rule.code ?? 'VALUE', rule.message, value);
    return undefined;
  }

  private fail(path: string, code: string, message: string): undefined {
    this.add(path, code, message);
    return undefined;
  }
}

export interface Rule<T> {
  test: (value: T) => boolean;
  message: string;
  code?: string;
}
