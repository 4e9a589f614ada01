export const MANIFEST_COLUMNS = ['row', 'custom_id', 'status', 'file', 'sha256', 'error'] as const;

/**
 * One CSV cell, safe to open in a spreadsheet: a cell starting with = + - @ or a tab/CR would be read
 * as a formula (CSV injection), so it is prefixed with a quote; then RFC 4180 quoting. File names never
 * start with those (entryName), so a `file` cell is always exactly the ZIP entry's name.
 */
export function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A manifest line for the given cells. */
export function csvLine(cells: readonly (string | number | null | undefined)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
