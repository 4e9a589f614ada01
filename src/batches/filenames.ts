// Windows refuses these names whatever the extension (CONIN$/CONOUT$ and the superscript-digit COM¹/LPT¹
// ports too); a ZIP is opened everywhere.
const RESERVED = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3])$/i;
// Bidirectional controls: U+202E makes "photo\u202Egnp.exe" show as "photoexe.png". Removed, not replaced.
const BIDI = /[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]/g;
const MAX_GRAPHEMES = 100;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** The first `max` user-perceived characters: never half a surrogate pair, an emoji sequence or an accent. */
function cut(text: string, max: number): string {
  let out = '';
  let n = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (++n > max) break;
    out += segment;
  }
  return out;
}

const trimDotsAndSpaces = (s: string) => s.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');

/**
 * A safe ZIP entry name for a row: the row's filename, else its custom_id, else its row number,
 * reduced to one path segment (no directories, no absolute paths, no traversal, no control or bidi
 * characters, no reserved device names, at most 100 characters) with the format's extension. It never
 * starts with = + - @, so the manifest's `file` cell (guarded against formulas) is the name itself.
 */
export function entryName(
  row: { filename: string | null; custom_id: string | null; row_number: number },
  extension: string,
): string {
  const wanted = row.filename ?? row.custom_id ?? `row-${row.row_number}`;
  const lastSegment = wanted.split(/[\\/]/).filter(Boolean).at(-1) ?? '';
  let base = trimDotsAndSpaces(
    lastSegment
      .toWellFormed()
      .replace(BIDI, '')
      .replace(/[\u0000-\u001f\u007f-\u009f<>:"|?*]/g, '_'),
  ).replace(/^[=+\-@]/, '_');
  const ext = `.${extension.replace(/^\./, '')}`;
  if (base.toLowerCase().endsWith(ext)) base = base.slice(0, -ext.length);
  base = trimDotsAndSpaces(cut(base, MAX_GRAPHEMES));
  if (base === '') base = `row-${row.row_number}`;
  if (RESERVED.test((base.split('.')[0] ?? '').trimEnd())) base = `_${base}`;
  return `${base}${ext}`;
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
