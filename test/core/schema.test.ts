import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { checkWith, jsonPath } from '../../core/schema.js';

const Thing = z.strictObject({
  name: z.string().regex(/^[a-z]+$/, 'must be lower-case letters'),
  size: z.int().min(1, 'must be at least 1'),
  tags: z.array(z.strictObject({ key: z.string() })),
});

describe('checkWith', () => {
  it('returns the parsed value when the input is valid', () => {
    expect(checkWith(Thing, { name: 'ab', size: 2, tags: [] }, 'THING')).toEqual({
      ok: true,
      value: { name: 'ab', size: 2, tags: [] },
    });
  });

  it('reports every problem at once with a code, a JSON path, a message and the value', () => {
    const result = checkWith(Thing, { name: 'AB', size: 0, tags: [{ key: 1 }], extra: true }, 'THING');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        { code: 'THING_FORMAT', path: '$.name', message: 'must be lower-case letters', value: 'AB' },
        { code: 'THING_RANGE', path: '$.size', message: 'must be at least 1', value: '0' },
        expect.objectContaining({ code: 'THING_TYPE', path: '$.tags[0].key', value: '1' }),
        { code: 'THING_UNKNOWN_FIELD', path: '$.extra', message: 'is not a field of this format' },
      ]),
    );
    expect(result.problems).toHaveLength(4);
  });

  it('says a missing field is required', () => {
    const result = checkWith(Thing, { size: 1, tags: [] }, 'THING');
    expect(result).toEqual({
      ok: false,
      problems: [{ code: 'THING_REQUIRED', path: '$.name', message: 'is required' }],
    });
  });

  it("takes a refinement's own kind, and renames kinds for a reader with older documented codes", () => {
    const Range = z
      .strictObject({ start: z.int(), end: z.int().min(0) })
      .refine((r) => r.start <= r.end, { message: 'start is after end', params: { kind: 'ORDER' } });
    expect(checkWith(Range, { start: 2, end: 1 }, 'R')).toEqual({
      ok: false,
      problems: [{ code: 'R_ORDER', path: '$', message: 'start is after end' }],
    });
    const renamed = checkWith(Range, { start: -5, end: -1, x: 1, y: 2 }, 'R', {
      kinds: { RANGE: 'VALUE', UNKNOWN_FIELD: 'UNKNOWN' },
    });
    expect(renamed.ok === false && renamed.problems.map((p) => `${p.code} ${p.path}`)).toEqual([
      'R_VALUE $.end',
      'R_UNKNOWN $.x',
      'R_UNKNOWN $.y',
    ]);
  });

  it('words the problems a schema leaves unworded', () => {
    const Plain = z.strictObject({ n: z.int(), s: z.string(), e: z.enum(['a', 'b']), o: z.object({}) });
    const result = checkWith(Plain, { n: 1.5, s: 1, e: 'c', o: [] }, 'P');
    expect(result.ok === false && result.problems.map((p) => `${p.path} ${p.message}`)).toEqual([
      '$.n must be an integer',
      '$.s must be a string',
      '$.e must be one of a, b',
      '$.o must be an object',
    ]);
  });

  it('writes paths the way the rest of the project prints them', () => {
    expect(jsonPath([])).toBe('$');
    expect(jsonPath(['columns', 2, 'type'])).toBe('$.columns[2].type');
  });
});
