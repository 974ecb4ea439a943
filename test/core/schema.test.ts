import { describe, expect, it } from 'vitest';
import { z } from 'zod';
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
        expect.objectContaining({ code: 'THING_UNKNOWN_FIELD', path: '$' }),
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

  it('writes paths the way the rest of the project prints them', () => {
    expect(jsonPath([])).toBe('$');
    expect(jsonPath(['columns', 2, 'type'])).toBe('$.columns[2].type');
  });
});
