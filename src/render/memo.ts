// A bounded memo of a pure function of a text. The verifier reads the same glyph outlines back in every
// render at a font size (an SVG's <defs>, a PDF's forms, an EPS's procedures), and parsing one costs far
// more than hashing its text. Cleared whole when full: the working set (the glyphs of the few sizes in use)
// refills it at once, and memory stays bounded whatever texts come through.

/**
 * The longest text memoOfText keeps (a glyph's outline is a kilobyte or two); longer ones are computed each
 * time. With at most a thousand or so of them per memo, a memo holds some megabytes at worst.
 */
export const MEMO_TEXT_MAX = 1 << 13;

/** `fn` remembered for at most `limit` texts of at most `longest` characters each. */
export function memoOfText<T>(fn: (text: string) => T, limit: number, longest = MEMO_TEXT_MAX): (text: string) => T {
  const cache = new Map<string, T>();
  return (text) => {
    let value = cache.get(text);
    if (value !== undefined) return value;
    if (text.length > longest) return fn(text);
    // Kept as a copy of its own: the text is often a slice of a whole document, which a slice keeps alive,
    // and so would anything cut from it.
    const own = Buffer.from(text, 'utf16le').toString('utf16le');
    if (cache.size >= limit) cache.clear();
    cache.set(own, (value = fn(own)));
    return value;
  };
}
