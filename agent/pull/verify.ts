import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { featureDirName } from '../../core/csv/instrument.js';
import { TerminalError } from '../../core/errors.js';
import type { ApiSource } from '../api-client.js';
import { columnsOf, valueSpan } from './columns.js';
import { ProviderDir } from './provider-dir.js';
import { encodeBin, featureFile } from './qlib-bin.js';
import { fetchRange, type InstrumentRows } from './values-fetch.js';

export interface VerifyReport {
  dataset: string;
  dir: string;
  snapshot: string;
  checked: number;
  differ: { file: string; disk: string | null; cloud: string | null }[];
  bytesReceived: number;
  seconds: number;
}

/**
 * `pull --verify` (docs/pull.md): read the committed snapshot again from the API (as_of its load time, every
 * page checked to be that snapshot), encode each file as a pull writes it, and compare SHA-256 with the file on
 * disk. A missing file, an extra file and a changed byte are all differences. Bytes past the calendar's end
 * (appended by a pull that was killed before its commit; the next pull cuts them) are not part of the snapshot.
 */
export async function verifyPull(api: ApiSource, dir: string, onPage: () => void): Promise<VerifyReport> {
  const began = Date.now();
  // Nothing to verify is said before anything is created: --verify writes nothing.
  const committed = existsSync(join(dir, '.qlib-sync', 'current')) ? ProviderDir.open(dir).current() : null;
  if (committed === null)
    throw new TerminalError('PULL_NOTHING', `${dir} holds no pulled snapshot to verify`);
  const { state, gen } = committed;
  const days = readFileSync(join(gen.path, 'calendars', 'day.txt'), 'utf8')
    .split('\n')
    .filter((d) => d !== '');
  const codes = readFileSync(join(gen.path, 'instruments', 'all.txt'), 'utf8')
    .split('\n')
    .map((l) => l.split('\t')[0] ?? '')
    .filter((c) => c !== '');
  const scope = {
    dataset: state.dataset,
    fields: state.fields,
    snapshot: state.snapshot,
    dayIndex: new Map(days.map((d, i) => [d, i])),
  };
  // The instruments the directory has, and (without --market) every one the cloud has: a missing one is a finding.
  if (state.market === null) {
    const { body } = await api.json<{ instruments: { instrument: string }[] }>(
      `/v1/datasets/${encodeURIComponent(state.dataset)}/updates`,
    );
    const known = new Set(codes);
    codes.push(...body.instruments.map((i) => i.instrument).filter((c) => !known.has(c)));
  }
  const tally = { rows: 0, offCalendar: 0 };
  const onDisk = listFeatures(join(gen.path, 'features'));
  const differ: VerifyReport['differ'] = [];
  let checked = 0;
  // Group by group, so memory stays bounded whatever the directory's size.
  const perInstrument = Math.max(1, days.length * (state.fields.length * 4 + 96));
  const size = Math.max(1, Math.min(1000, Math.floor((256 * 1048576) / perInstrument)));
  for (let i = 0; i < codes.length && days.length > 0; i += size) {
    const group = codes.slice(i, i + size);
    const rows = new Map<string, InstrumentRows>();
    const range = { start: days[0] as string, end: days.at(-1) as string, instruments: group };
    await fetchRange(api, scope, range, rows, tally, onPage);
    const expected = expectedFiles(rows, state.fields, days.length);
    const mine = group.flatMap((code) =>
      state.fields.map((f) => `${featureDirName(code)}/${featureFile(f)}`),
    );
    for (const file of new Set([...expected.keys(), ...mine.filter((f) => onDisk.has(f))])) {
      const finding = compare(join(gen.path, 'features', file), expected.get(file));
      if (finding !== null) differ.push({ file: `features/${file}`, ...finding });
      onDisk.delete(file);
    }
    checked += expected.size;
  }
  for (const file of onDisk)
    differ.push({
      file: `features/${file}`,
      disk: sha256(readFileSync(join(gen.path, 'features', file))),
      cloud: null,
    });
  return {
    dataset: state.dataset,
    dir,
    snapshot: state.snapshot.batchId,
    checked,
    differ,
    bytesReceived: api.received.bytes,
    seconds: (Date.now() - began) / 1000,
  };
}

/** Null when the file on disk is what a pull writes (bytes past the calendar's end aside), else both digests. */
function compare(path: string, want: { bytes: Buffer; endsAtCalendarEnd: boolean } | undefined) {
  let disk: Buffer | null = null;
  try {
    disk = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const fine =
    want !== undefined &&
    disk !== null &&
    (disk.equals(want.bytes) ||
      (want.endsAtCalendarEnd && disk.subarray(0, want.bytes.length).equals(want.bytes)));
  if (fine) return null;
  return { disk: disk === null ? null : sha256(disk), cloud: want === undefined ? null : sha256(want.bytes) };
}

/** Every file a pull writes for these rows: `<dir>/<field>.day.bin` → its bytes. */
function expectedFiles(rows: Map<string, InstrumentRows>, fields: readonly string[], days: number) {
  const out = new Map<string, { bytes: Buffer; endsAtCalendarEnd: boolean }>();
  for (const [code, byDay] of rows) {
    const columns = columnsOf(byDay, fields.length, days);
    const span = valueSpan(columns);
    if (span === null) continue;
    const { start, end } = span;
    fields.forEach((field, f) => {
      const bytes = encodeBin(start, (columns[f] as Float32Array).subarray(start, end + 1));
      out.set(`${featureDirName(code)}/${featureFile(field)}`, {
        bytes,
        endsAtCalendarEnd: end === days - 1,
      });
    });
  }
  return out;
}

function listFeatures(root: string): Set<string> {
  const out = new Set<string>();
  for (const dir of readdirSync(root))
    for (const file of readdirSync(join(root, dir))) out.add(`${dir}/${file}`);
  return out;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
