import { existsSync } from 'node:fs';
import {
  type AsyncBuffer,
  asyncBufferFromFile,
  type FileMetaData,
  parquetMetadataAsync,
  parquetRead,
} from 'hyparquet';
import { canonicalInstrument, isValidInstrument } from '../../core/csv/index.js';
import { TerminalError } from '../../core/errors.js';
import { tableSource, valueProblem } from './csv-export.js';
import { columnSpecs, type ExportOptions, exportDate, selectColumns } from './export-columns.js';
import { type ExportColumn, splitTupleName } from './export-header.js';
import { ExportTable } from './export-table.js';
import { ProblemBuffer } from './problem-buffer.js';
import type { FactorSource } from './source.js';

const NUMERIC = new Set(['FLOAT', 'DOUBLE', 'INT32', 'INT64']);

/**
 * A factors batch from a Parquet file as pandas/pyarrow write a qlib handler's output: the index stored as
 * columns `datetime` (timestamp[ns]) and `instrument` (string), MultiIndex column names flattened to
 * `('feature', 'KMID')`, any codec hyparquet reads (snappy, pyarrow's default, built in). Read one row
 * group at a time into a compact table, then handed out in canonical order.
 */
export async function openParquetExport(options: ExportOptions): Promise<FactorSource> {
  const path = options.path;
  if (!existsSync(path)) throw new TerminalError('EXPORT_NOT_FOUND', `export file ${path} does not exist`);
  const file = await asyncBufferFromFile(path);
  const metadata = await readMetadata(path, file);
  const leaves = metadata.schema.slice(1).filter((e) => !e.num_children);
  const names = leaves.map((e) => e.name);
  for (const index of ['datetime', 'instrument']) {
    if (!names.includes(index)) {
      throw new TerminalError(
        'EXPORT_HEADER',
        `${path} has no "${index}" column (write the index with df.to_parquet(), which keeps it as columns)`,
      );
    }
  }
  const candidates: ExportColumn[] = [];
  leaves.forEach((e, position) => {
    if (e.name === 'datetime' || e.name === 'instrument' || e.name.startsWith('__index_level_')) return;
    if (!NUMERIC.has(e.type ?? '')) {
      throw new TerminalError('EXPORT_COLUMN_TYPE', `${path}: column "${e.name}" is ${e.type}, not numeric`);
    }
    candidates.push({ position, ...splitTupleName(e.name) });
  });
  const columns = selectColumns(path, candidates, options.exclude);
  const float64 = options.float64 ?? false;
  const table = new ExportTable(columns.length, float64);
  const problems = new ProblemBuffer();
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const wanted = ['datetime', 'instrument', ...columns.map((c) => names[c.position] as string)];
    await parquetRead({
      file,
      metadata,
      columns: wanted,
      rowStart,
      rowEnd,
      rowFormat: 'array',
      onComplete: (rows: unknown[][]) => {
        for (const [i, row] of rows.entries())
          addRow(row, rowStart + i + 1, columns, table, problems, float64);
      },
    });
    rowStart = rowEnd;
  }
  return tableSource(options, columnSpecs(columns, float64), table, problems);
}

async function readMetadata(path: string, file: AsyncBuffer): Promise<FileMetaData> {
  try {
    return await parquetMetadataAsync(file);
  } catch (cause) {
    throw new TerminalError(
      'EXPORT_PARQUET',
      `${path} is not a readable Parquet file: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

/** `row` is [datetime, instrument, …values]; `line` is the 1-based row number in the file. */
function addRow(
  row: unknown[],
  line: number,
  columns: ExportColumn[],
  table: ExportTable,
  problems: ProblemBuffer,
  float64: boolean,
): void {
  const date = parquetDate(row[0]);
  if (date === undefined) {
    const value = String(row[0]).slice(0, 80);
    problems.add({
      code: 'CSV_BAD_DATE',
      message: 'datetime must be a date at midnight',
      line,
      field: 'datetime',
      value,
    });
    return;
  }
  const instrument = row[1];
  if (typeof instrument !== 'string' || !isValidInstrument(instrument)) {
    const value = String(instrument).slice(0, 80);
    const message = 'instrument codes are 1-64 printable ASCII characters without , " or \\';
    problems.add({ code: 'CSV_BAD_INSTRUMENT', message, line, field: 'instrument', value });
    return;
  }
  const values = new Array<number>(columns.length);
  for (let c = 0; c < columns.length; c++) {
    const raw = row[c + 2];
    const v = raw === null || raw === undefined ? Number.NaN : Number(raw);
    const problem = valueProblem(v, float64);
    if (problem !== undefined) {
      problems.add({ ...problem, line, field: (columns[c] as ExportColumn).name, value: String(raw) });
      return;
    }
    values[c] = v;
  }
  table.add(date, canonicalInstrument(instrument), values);
}

/** A pandas timestamp (hyparquet gives a Date for TIMESTAMP columns) at midnight → `YYYY-MM-DD`. */
function parquetDate(value: unknown): string | undefined {
  if (value instanceof Date && !Number.isNaN(value.getTime())) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : undefined;
  }
  return typeof value === 'string' ? exportDate(value) : undefined;
}
