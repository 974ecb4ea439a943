import { describe, expect, it } from 'vitest';
import { formatJournalEntry, type JournalEntry, parseJournalEntry } from '../../agent/journal/entry.js';
import { TerminalError } from '../../core/errors.js';

const ID = '20240103T203000000Z-0b52e4772383';
const FILE = `/j/batches/${ID}.json`;

function entry(): JournalEntry {
  return {
    formatVersion: 2,
    state: 'uploaded',
    manifest: {
      formatVersion: 1,
      batchId: ID,
      kind: 'factors',
      dataset: 'alpha158',
      frequency: 'day',
      dateRange: { start: '2024-01-02', end: '2024-01-03' },
      columns: [{ name: 'KMID', type: 'float32' }],
      rowCount: 4,
      payload: {
        key: `incoming/factors/alpha158/${ID}/data.csv.gz`,
        format: 'csv',
        compression: 'gzip',
        bytes: 143,
        sha256: '0b52e47723831223c66d806b62a3b7a0107235a76f9633e3e52533de229518c9',
        crc64: '11734346800268690096',
      },
      producer: { host: 'research-01', agentVersion: 'qlib-sync/0.1.0', sourcePath: '/data/qlib' },
      createdAt: '2024-01-03T20:30:00.000Z',
    },
    createdAt: '2024-01-03T20:30:00.000Z',
    updatedAt: '2024-01-03T20:30:01.000Z',
    attempts: 0,
  };
}

function corruption(text: string, file = FILE): { message: string; paths: string[] } {
  try {
    parseJournalEntry(text, file);
  } catch (e) {
    if (!(e instanceof TerminalError) || e.code !== 'JOURNAL_CORRUPT') throw e;
    return { message: e.message, paths: e.problems.map((p) => `${p.code} ${p.path}`) };
  }
  throw new Error('expected JOURNAL_CORRUPT');
}

describe('journal entries', () => {
  it('round-trips an entry, keeps fields it does not know, and counts no attempts by default', () => {
    const e = entry();
    expect(parseJournalEntry(formatJournalEntry(e), FILE)).toEqual(e);
    const { attempts: _, ...older } = e;
    const text = JSON.stringify({ ...older, futureField: { x: 1 } });
    expect(parseJournalEntry(text, FILE)).toEqual({ ...e, futureField: { x: 1 } });
  });

  it('reports every inconsistency at once, with JSON paths into the entry and its manifest', () => {
    const e = { ...entry(), state: 'uploading', attempts: -1 } as Record<string, unknown>;
    (e.manifest as Record<string, unknown>).rowCount = 0;
    delete e.updatedAt;
    const { paths } = corruption(JSON.stringify(e));
    expect(paths.sort()).toEqual(
      [
        'JOURNAL_RANGE $.attempts',
        'JOURNAL_RANGE $.manifest.rowCount',
        'JOURNAL_REQUIRED $.updatedAt',
        'JOURNAL_VALUE $.spoolPath',
      ].sort(),
    );
  });

  it('refuses text that is not JSON, repeated keys, a wrong cloud status and a file named for another batch', () => {
    expect(corruption('{ not json').message).toMatch(/is corrupt: /);
    const repeated = formatJournalEntry(entry()).replace(
      '"state": "uploaded",',
      '"state": "built",\n  "state": "uploaded",',
    );
    expect(corruption(repeated).paths).toEqual(['JOURNAL_DUPLICATE_KEY $.state']);
    const cloud = JSON.stringify({ ...entry(), cloud: { status: 'loaded' } });
    expect(corruption(cloud).paths).toContain('JOURNAL_REQUIRED $.cloud.batchId');
    expect(corruption(formatJournalEntry(entry()), '/j/batches/other.json').message).toContain(
      'file name and batch id differ',
    );
  });

  it('reads a format-1 entry (ali-oss checkpoint) as format 2 (our multipart fields), and refuses a newer one', () => {
    const doneParts = [{ number: 1, etag: '"A1"' }];
    const v1 = {
      ...entry(),
      formatVersion: 1,
      state: 'uploading',
      spoolPath: '/j/spool/x.csv.gz',
      checkpoint: {
        file: '/j/spool/x.csv.gz',
        name: 'k',
        fileSize: 143,
        partSize: 102400,
        uploadId: 'U1',
        doneParts,
      },
    };
    const read = parseJournalEntry(JSON.stringify(v1), FILE);
    expect(read).toMatchObject({
      formatVersion: 2,
      multipart: { uploadId: 'U1', partSize: 102400, doneParts },
    });
    expect(read).not.toHaveProperty('checkpoint');
    const bad = { ...read, multipart: { uploadId: '', partSize: 0, doneParts: [{ number: 0 }] } };
    expect(corruption(JSON.stringify(bad)).paths.sort()).toEqual(
      [
        'JOURNAL_RANGE $.multipart.uploadId',
        'JOURNAL_RANGE $.multipart.partSize',
        'JOURNAL_RANGE $.multipart.doneParts[0].number',
        'JOURNAL_REQUIRED $.multipart.doneParts[0].etag',
      ].sort(),
    );
    expect(corruption(JSON.stringify({ ...entry(), formatVersion: 3 })).message).toContain(
      'must be 1 to 2 (a format this qlib-sync reads)',
    );
  });
});
