import { RENDER_FIELDS } from '../domain/requests.ts';

/** Columns (CSV) or keys (JSONL) a batch row may carry besides render fields and `metadata.*`. */
const ROW_FIELDS = ['filename', 'custom_id'] as const;
const KNOWN = new Set<string>([...RENDER_FIELDS, ...ROW_FIELDS]);
// Text that must stay text even when it looks like a number ("007" is a valid code and filename, "05" an add-on).
const TEXT_FIELDS = new Set(['data', 'addon', 'filename', 'custom_id']);

/** Whether a column name is accepted: a render field, filename, custom_id or metadata.<key>. */
export function isKnownField(name: string): boolean {
  return KNOWN.has(name) || /^metadata\.[^.\s]{1,40}$/.test(name);
}

/** A CSV cell or query parameter as the value the render spec expects: numbers and booleans typed. */
export function coerceCell(field: string, cell: string): unknown {
  if (TEXT_FIELDS.has(field) || field.startsWith('metadata.')) return cell;
  if (/^-?\d+(\.\d+)?$/.test(cell)) return Number(cell);
  if (cell === 'true' || cell === 'false') return cell === 'true';
  return cell;
}

/** Where a row's values go: render fields flat, `metadata.k` under metadata. */
export type RowFields = {
  render: Record<string, unknown>;
  metadata: Record<string, unknown>;
  filename: string | null;
  custom_id: string | null;
};

/** Splits a row's named values into render fields, metadata, filename and custom_id. */
export function splitRow(values: Record<string, unknown>): RowFields {
  const out: RowFields = { render: {}, metadata: {}, filename: null, custom_id: null };
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === '') continue;
    if (key === 'filename' || key === 'custom_id') out[key] = String(value);
    else if (key.startsWith('metadata.')) out.metadata[key.slice('metadata.'.length)] = value;
    else if (key === 'metadata' && typeof value === 'object' && !Array.isArray(value))
      Object.assign(out.metadata, value);
    else out.render[key] = value;
  }
  return out;
}
