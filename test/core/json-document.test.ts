import { describe, expect, it } from 'vitest';
import { duplicateKeyPaths, readJsonDocument } from '../../core/json-document.js';

describe('readJsonDocument', () => {
  it('returns the value and no problems for a document without repeated keys', () => {
    const text = '{"a": {"b": [1, {"c": "x,\\"}{["}, {"c": 2}]}, "d": "a", "e": []}';
    expect(readJsonDocument(text, 'DOC')).toEqual({ ok: true, value: JSON.parse(text), problems: [] });
    expect(readJsonDocument(Buffer.from(text), 'DOC')).toMatchObject({ ok: true, problems: [] });
  });

  it('reports a repeated key at every nesting level, with its JSON path', () => {
    const text = JSON.stringify({ top: 1, obj: { inner: 1 }, list: [{ k: 1 }, { k: 2 }] })
      .replace('"top":1', '"top":1,"top":2')
      .replace('"inner":1', '"inner":1,"inner":3')
      .replace('"k":2', '"k":2,"k":2');
    expect(duplicateKeyPaths(text)).toEqual(['$.top', '$.obj.inner', '$.list[1].k']);
    const doc = readJsonDocument(text, 'DOC');
    expect(doc.ok && doc.problems).toEqual([
      expect.objectContaining({ code: 'DOC_DUPLICATE_KEY', path: '$.top' }),
      expect.objectContaining({ code: 'DOC_DUPLICATE_KEY', path: '$.obj.inner' }),
      expect.objectContaining({ code: 'DOC_DUPLICATE_KEY', path: '$.list[1].k' }),
    ]);
  });

  it('compares keys as JSON.parse reads them (escapes), and never mistakes a value for a key', () => {
    expect(duplicateKeyPaths('{"a": 1, "\\u0061": 2}')).toEqual(['$.a']);
    expect(duplicateKeyPaths('{"a": "a", "b": "a"}')).toEqual([]);
    expect(duplicateKeyPaths('{"a\\\\": 1, "a\\\\\\"": 2, "x": {"a": 1}, "y": {"a": 1}}')).toEqual([]);
    expect(duplicateKeyPaths('[{"a": 1}, {"a": 1}, [{"b": 1, "b": 2}]]')).toEqual(['$[2][0].b']);
  });

  it('says why text is not JSON', () => {
    expect(readJsonDocument('{"a": 1,', 'DOC')).toMatchObject({ ok: false, message: expect.any(String) });
  });
});
