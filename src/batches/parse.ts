import { Readable } from 'node:stream';
import { parse as parseCsv, CsvError } from 'csv-parse';
import { findTextFaults, printableKey, textFault } from '../domain/text.ts';
import { coerceCell, isKnownField } from './fields.ts';

export type BatchSourceType = 'csv' | 'jsonl';
export type ParsedRow = { row: number; values: Record<string, unknown> };
export type ParseLimits = { maxRows: number; maxBytes: number; rowMaxBytes: number };

/** A problem with the file itself; `row` as a spreadsheet shows it (CSV header = row 1). */
export class BatchFileError extends Error {
  readonly row: number | undefined;
  readonly field: string | undefined;
  readonly tooLarge: boolean;
  /** true when the CSV header row is at fault */
  readonly header: boolean;
  constructor(message: string, where: { row?: number; field?: string; tooLarge?: boolean; header?: boolean } = {}) {
    super(message);
    this.row = where.row;
    this.field = where.field;
    this.tooLarge = where.tooLarge ?? false;
    this.header = where.header ?? false;
  }
}

/** Decodes UTF-8 strictly while counting bytes against the upload limit. */
async function* decodeUtf8(body: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.byteLength;
    if (bytes > maxBytes) throw new BatchFileError(`the file is over ${maxBytes} bytes`, { tooLarge: true });
    try {
      yield decoder.decode(chunk, { stream: true });
    } catch {
      throw new BatchFileError(`the file is not valid UTF-8 (near byte ${bytes - chunk.byteLength})`);
    }
  }
  try {
    yield decoder.decode();
  } catch {
    throw new BatchFileError('the file is not valid UTF-8 (it ends inside a character)');
  }
}

/** A row whose strings are not storable text (NUL, lone surrogate) is refused, naming the field. */
function refuseBadText(row: number, values: unknown): void {
  const [fault] = findTextFaults(values, '', 1);
  if (fault) throw new BatchFileError(`row ${row}: ${fault.path} ${fault.message}`, { row, field: fault.path });
}

function checkHeader(header: string[]): void {
  const seen = new Set<string>();
  for (const name of header) {
    const fault = textFault(name);
    if (fault)
      throw new BatchFileError(`column "${printableKey(name)}" ${fault}`, {
        row: 1,
        field: printableKey(name),
        header: true,
      });
    if (!isKnownField(name))
      throw new BatchFileError(`unknown column "${name}"`, { row: 1, field: name, header: true });
    if (seen.has(name))
      throw new BatchFileError(`column "${name}" appears twice`, { row: 1, field: name, header: true });
    seen.add(name);
  }
  if (!seen.has('data'))
    throw new BatchFileError('the header has no "data" column', { row: 1, field: 'data', header: true });
}

async function* parseCsvRows(text: AsyncGenerator<string>, limits: ParseLimits): AsyncGenerator<ParsedRow> {
  // bom strips a UTF-8 BOM; quoted fields may hold commas and newlines; CRLF or LF; blank lines skipped.
  const parser = parseCsv({
    bom: true,
    skip_empty_lines: true,
    max_record_size: limits.rowMaxBytes,
    relax_quotes: false,
  });
  let header: string[] | undefined;
  let records = 0;
  const source = Readable.from(text);
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      records++;
      if (!header) {
        header = record.map((name) => name.trim());
        checkHeader(header);
        continue;
      }
      const row = records;
      if (record.length !== header.length)
        throw new BatchFileError(`row ${row} has ${record.length} columns; the header has ${header.length}`, { row });
      if (record.reduce((n, cell) => n + cell.length, 0) > limits.rowMaxBytes)
        throw new BatchFileError(`row ${row} is over ${limits.rowMaxBytes} bytes`, { row });
      if (row - 1 > limits.maxRows)
        throw new BatchFileError(`the file has more than ${limits.maxRows} rows`, { row, tooLarge: true });
      const values: Record<string, unknown> = {};
      header.forEach((name, i) => {
        const cell = record[i]!;
        if (cell !== '') values[name] = coerceCell(name, cell);
      });
      refuseBadText(row, values);
      yield { row, values };
    }
  } catch (error) {
    if (error instanceof CsvError) {
      // csv-parse may fail a chunk before its earlier records reached us: its own count is the truth.
      const parsed = (error as CsvError & { records?: number }).records;
      const row = (typeof parsed === 'number' ? parsed : records) + 1;
      const message =
        error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH'
          ? `row ${row} has a different number of columns than the header`
          : `row ${row}: ${error.message}`;
      throw new BatchFileError(message, { row });
    }
    throw error;
  }
  if (!header) throw new BatchFileError('the file is empty: it needs a header row with a "data" column', { row: 1 });
}

async function* parseJsonlRows(text: AsyncGenerator<string>, limits: ParseLimits): AsyncGenerator<ParsedRow> {
  let buffer = '';
  let line = 0;
  let rows = 0;
  function toRow(raw: string): ParsedRow | undefined {
    line++;
    const content = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).replace(/\r$/, '');
    if (content.trim() === '') return undefined;
    if (Buffer.byteLength(content) > limits.rowMaxBytes)
      throw new BatchFileError(`row ${line} is over ${limits.rowMaxBytes} bytes`, { row: line });
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      throw new BatchFileError(`row ${line} is not valid JSON: ${(error as Error).message}`, { row: line });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new BatchFileError(`row ${line} must be a JSON object`, { row: line });
    refuseBadText(line, value);
    for (const key of Object.keys(value)) {
      if (key !== 'metadata' && !isKnownField(key))
        throw new BatchFileError(`row ${line} has an unknown field "${key}"`, { row: line, field: key });
    }
    if (++rows > limits.maxRows)
      throw new BatchFileError(`the file has more than ${limits.maxRows} rows`, { row: line, tooLarge: true });
    return { row: line, values: value as Record<string, unknown> };
  }
  for await (const chunk of text) {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const parsed = toRow(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      if (parsed) yield parsed;
    }
    if (Buffer.byteLength(buffer) > limits.rowMaxBytes)
      throw new BatchFileError(`row ${line + 1} is over ${limits.rowMaxBytes} bytes`, { row: line + 1 });
  }
  const last = toRow(buffer);
  if (last) yield last;
}

/**
 * Parses an upload as it streams in, one row at a time: strict UTF-8, the byte and row limits, and
 * the file's structure (header, column counts, JSON syntax), and every string being storable text
 * (no NUL, no lone surrogate: the rows are stored as jsonb). Per-row render validation is separate.
 */
export function parseBatch(
  body: AsyncIterable<Uint8Array>,
  type: BatchSourceType,
  limits: ParseLimits,
): AsyncGenerator<ParsedRow> {
  const text = decodeUtf8(body, limits.maxBytes);
  return type === 'csv' ? parseCsvRows(text, limits) : parseJsonlRows(text, limits);
}
