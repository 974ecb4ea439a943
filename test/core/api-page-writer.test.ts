import { describe, expect, it } from 'vitest';
import { PageWriter } from '../../core/api/page-writer.js';
import { formatToken, grants, parseToken, secretDigest, secretMatches } from '../../core/api/token.js';
import { formatFloat32 } from '../../core/csv/index.js';

describe('PageWriter', () => {
  const f32 = Math.fround(0.1);

  it('writes compact columnar JSON rows: canonical float32, shortest float64, null', () => {
    const w = new PageWriter('json', ['float32', 'float64', 'float32'], 1 << 16);
    expect(w.write(['2024-01-02', 'SH600000', f32, 0.1, null])).toBe(true);
    expect(w.write(['2024-01-02', 'SZ000001', -0, 1e-7, Math.fround(3.4e38)])).toBe(true);
    const text = `[${w.body().toString('utf8')}]`;
    expect(text).toBe('[["2024-01-02","SH600000",0.1,0.1,null],["2024-01-02","SZ000001",-0,1e-7,3.4e+38]]');
    expect(JSON.parse(text)[0][2]).toBe(Number(formatFloat32(f32)));
  });

  it('writes CSV lines with NULL as an empty field', () => {
    const w = new PageWriter('csv', ['float32', 'float64'], 1 << 16);
    w.write(['2024-01-02', 'SH600000', null, 2.5]);
    expect(w.body().toString('utf8')).toBe('2024-01-02,SH600000,,2.5\n');
  });

  it('never goes past its byte budget: a row that might not fit is refused whole', () => {
    const w = new PageWriter('json', Array(158).fill('float32'), 16_384);
    let n = 0;
    while (w.write(['2024-01-02', 'SH600000', ...Array(158).fill(Math.fround(-1.2345678e-12))])) n++;
    expect(n).toBeGreaterThan(3);
    expect(w.rows).toBe(n);
    expect(w.bytes).toBeLessThanOrEqual(16_384);
    expect(JSON.parse(`[${w.body().toString('utf8')}]`)).toHaveLength(n);
  });
});

describe('API tokens', () => {
  it('format and parse round-trip; only the digest is needed to check one', () => {
    const token = formatToken('0123456789ab', new Uint8Array(32).fill(7));
    const parsed = parseToken(token);
    expect(parsed?.id).toBe('0123456789ab');
    expect(secretMatches(parsed?.secret as string, secretDigest(parsed?.secret as string))).toBe(true);
    expect(secretMatches(`${parsed?.secret.slice(0, -1)}A`, secretDigest(parsed?.secret as string))).toBe(
      false,
    );
    expect(parseToken(`${token}x`)).toBeUndefined();
    expect(parseToken('Bearer abc')).toBeUndefined();
  });

  it('admin holds every scope; a read scope only itself', () => {
    expect(grants(['admin'], 'read:data')).toBe(true);
    expect(grants(['read:status'], 'read:data')).toBe(false);
    expect(grants(['read:data', 'read:status'], 'admin')).toBe(false);
  });
});
