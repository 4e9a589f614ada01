// A bounded memo of a pure function of a text. The verifier reads the same glyph outlines back in every
// render at a font size (an SVG's <defs>, a PDF's forms, an EPS's procedures), and parsing one costs far
// more than hashing its text. Cleared whole when full: the working set (the glyphs of the few sizes in use)
// refills it at once, and memory stays bounded whatever texts come through.
export function memoOfText<T>(fn: (text: string) => T, limit: number): (text: string) => T {
  const cache = new Map<string, T>();
  return (text) => {
    let value = cache.get(text);
    if (value === undefined) {
      if (cache.size >= limit) cache.clear();
      cache.set(text, (value = fn(text)));
    }
    return value;
  };
}
