// Windows refuses these names whatever the extension; a ZIP is opened everywhere.
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;
const MAX_NAME = 100;

/**
 * A safe ZIP entry name for a row: the row's filename, else its custom_id, else its row number,
 * reduced to one path segment (no directories, no absolute paths, no traversal, no control
 * characters, no reserved device names) with the format's extension.
 */
export function entryName(
  row: { filename: string | null; custom_id: string | null; row_number: number },
  extension: string,
): string {
  const wanted = row.filename ?? row.custom_id ?? `row-${row.row_number}`;
  const lastSegment = wanted.split(/[\\/]/).filter(Boolean).at(-1) ?? '';
  let base = lastSegment
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  const ext = `.${extension.replace(/^\./, '')}`;
  if (base.toLowerCase().endsWith(ext)) base = base.slice(0, -ext.length);
  if (base === '' || /^\.+$/.test(base)) base = `row-${row.row_number}`;
  if (RESERVED.test(base.split('.')[0] ?? '')) base = `_${base}`;
  return `${base.slice(0, MAX_NAME)}${ext}`;
}

/** Hands out names, adding " (2)", " (3)" … to repeats (case-insensitively, as most file systems compare). */
export function createNameRegistry() {
  const used = new Set<string>();
  return (name: string): string => {
    const dot = name.lastIndexOf('.');
    const stem = dot > 0 ? name.slice(0, dot) : name;
    const ext = dot > 0 ? name.slice(dot) : '';
    let candidate = name;
    for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`;
    used.add(candidate.toLowerCase());
    return candidate;
  };
}
