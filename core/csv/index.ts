export { isValidDate } from './date.js';
export { formatFloat32, formatFloat64 } from './float-format.js';
export {
  canonicalInstrument,
  featureDirName,
  instrumentOfFeatureDir,
  isValidInstrument,
  MAX_INSTRUMENT_LENGTH,
} from './instrument.js';
export { assertLayout, csvHeader, layoutFieldNames } from './layout.js';
export { CsvRowParser, DEFAULT_MAX_LINE_BYTES } from './parser.js';
export type {
  ColumnSpec,
  ColumnType,
  CsvLayout,
  CsvProblem,
  InfPolicy,
  MysqlParseOptions,
  ParsedRow,
  ParseOptions,
  ProblemHandler,
  RowHandler,
  RowValues,
} from './types.js';
export { CsvRowWriter, WRITER_CHUNK_BYTES } from './writer.js';
