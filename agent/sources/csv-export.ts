import { createReadStream, existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { type CsvError, parse } from 'csv-parse';
import { canonicalInstrument, isValidInstrument } from '../../core/csv/index.js';
import { TerminalError } from '../../core/errors.js';
import {
  columnSpecs,
  type ExportOptions,
  exportDate,
  exportNumber,
  selectColumns,
} from './export-columns.js';
import { type ExportColumn, type ExportHeader, ExportHeaderReader } from './export-header.js';
import { ExportTable } from './export-table.js';
import { ProblemBuffer } from './problem-buffer.js';
import type { FactorSource, SourceProblem } from './source.js';

interface CsvRecord {
  record: string[];
  info: { lines: number };
}

/**
 * A factors batch from a CSV written by pandas `DataFrame.to_csv` from a qlib handler (`.csv` or `.csv.gz`).
 * csv-parse handles quoting (pandas quotes fields holding `,` `"` or newlines). The whole file is read
 * up front (4 bytes a value, 8 with float64) and handed out in canonical order.
 */
export async function openCsvExport(options: ExportOptions): Promise<FactorSource> {
  const path = options.path;
  if (!existsSync(path)) throw new TerminalError('EXPORT_NOT_FOUND', `export file ${path} does not exist`);
  const headerReader = new ExportHeaderReader(path);
  let header: ExportHeader | undefined;
  let columns: ExportColumn[] = [];
  let table: ExportTable | undefined;
  const problems = new ProblemBuffer();
  try {
    for await (const { record, info } of records(path)) {
      if (header === undefined) {
        header = headerReader.push(record, info.lines);
        if (header !== undefined) {
          columns = selectColumns(path, header.columns, options.exclude);
          table = new ExportTable(columns.length, options.float64 ?? false);
        }
        continue;
      }
      readRow(record, info.lines, header, columns, table as ExportTable, problems, options.float64 ?? false);
    }
  } catch (error) {
    throw asSyntaxError(path, error);
  }
  if (header === undefined || table === undefined) {
    throw new TerminalError('EXPORT_HEADER', `${path} has no header row naming datetime and instrument`);
  }
  return tableSource(options, columnSpecs(columns, options.float64 ?? false), table, problems);
}

/** A FactorSource over rows read up front. */
export function tableSource(
  options: ExportOptions,
  columns: FactorSource['columns'],
  table: ExportTable,
  problems: ProblemBuffer,
): FactorSource {
  const source: FactorSource = {
    kind: 'factors',
    dataset: options.dataset,
    sourcePath: options.path,
    columns,
    blocks: async function* (report) {
      problems.replay(report);
      yield* table.blocks();
    },
  };
  if (options.calendar !== undefined) source.calendar = options.calendar;
  return source;
}

function records(path: string): AsyncIterable<CsvRecord> {
  const file = createReadStream(path);
  const input: Readable = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
  const parser = parse({ info: true, relax_column_count: true, skip_empty_lines: true, bom: true });
  file.on('error', (e) => parser.destroy(e));
  if (input !== file) input.on('error', (e) => parser.destroy(e));
  input.pipe(parser);
  return parser as AsyncIterable<CsvRecord>;
}

function readRow(
  record: string[],
  line: number,
  header: ExportHeader,
  columns: ExportColumn[],
  table: ExportTable,
  problems: ProblemBuffer,
  float64: boolean,
): void {
  const width = header.columns.length + 2;
  const at = (column: number, field: string, value: string): SourceProblem => ({
    code: '',
    message: '',
    line,
    column,
    field,
    value: value.slice(0, 80),
  });
  if (record.length !== width) {
    const p = at(record.length, '', '');
    problems.add({ ...p, code: 'CSV_RAGGED', message: `expected ${width} fields, got ${record.length}` });
    return;
  }
  const dateText = record[header.datetime] as string;
  const date = exportDate(dateText);
  if (date === undefined) {
    const message = 'datetime must be YYYY-MM-DD or YYYY-MM-DD 00:00:00';
    problems.add({ ...at(header.datetime + 1, 'datetime', dateText), code: 'CSV_BAD_DATE', message });
    return;
  }
  const instrument = record[header.instrument] as string;
  if (!isValidInstrument(instrument)) {
    const message = 'instrument codes are 1-64 printable ASCII characters without , " or \\';
    problems.add({
      ...at(header.instrument + 1, 'instrument', instrument),
      code: 'CSV_BAD_INSTRUMENT',
      message,
    });
    return;
  }
  const values = new Array<number>(columns.length);
  for (let c = 0; c < columns.length; c++) {
    const column = columns[c] as ExportColumn;
    const text = record[column.position] as string;
    const v = exportNumber(text);
    const problem = valueProblem(v, float64);
    if (problem !== undefined) {
      problems.add({ ...at(column.position + 1, column.name, text), ...problem });
      return;
    }
    values[c] = v as number;
  }
  table.add(date, canonicalInstrument(instrument), values);
}

/** A value that is not a number, or a finite number beyond float32 (it would become infinite). */
export function valueProblem(
  v: number | undefined,
  float64: boolean,
): { code: string; message: string } | undefined {
  if (v === undefined) return { code: 'CSV_BAD_NUMBER', message: 'not a number' };
  if (!float64 && Number.isFinite(v) && !Number.isFinite(Math.fround(v))) {
    return { code: 'VALUE_OUT_OF_RANGE', message: 'outside the float32 range (use --float64)' };
  }
  return undefined;
}

function asSyntaxError(path: string, error: unknown): unknown {
  const e = error as Partial<CsvError> & Error;
  if (typeof e?.code === 'string' && e.code.startsWith('CSV_')) {
    return new TerminalError('EXPORT_CSV_SYNTAX', `${path}: ${e.message}`, { cause: error });
  }
  if ((error as NodeJS.ErrnoException)?.code === 'Z_DATA_ERROR') {
    return new TerminalError('EXPORT_CSV_SYNTAX', `${path} is not valid gzip: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return error;
}
