// The verifier's memo of glyph outlines it reads back: one computation per distinct text, and bounded.
import { describe, expect, it } from 'vitest';
import { memoOfText } from '../../../src/render/memo.ts';

describe('memoOfText', () => {
  it('computes a text longer than its longest each time, and keeps none of it', () => {
    const seen: string[] = [];
    const parse = memoOfText((text) => seen.push(text), 8, 4);
    for (const text of ['abcde', 'abcde', 'abcd', 'abcd']) parse(text);
    expect(seen).toEqual(['abcde', 'abcde', 'abcd']);
  });

  it('computes each distinct text once and hands back the same value', () => {
    const seen: string[] = [];
    const parse = memoOfText((text) => {
      seen.push(text);
      return { text };
    }, 8);
    const first = parse('M0 0h1z');
    expect(parse('M0 0h1z')).toBe(first);
    parse('M1 1h1z');
    expect(seen).toEqual(['M0 0h1z', 'M1 1h1z']);
  });

  it('holds at most its limit: full, it starts again, and recomputes what it dropped', () => {
    const seen: string[] = [];
    const parse = memoOfText((text) => seen.push(text), 2);
    for (const text of ['a', 'b', 'a', 'b']) parse(text);
    expect(seen).toEqual(['a', 'b']);
    parse('c'); // full: cleared, then holds c
    parse('a');
    expect(seen).toEqual(['a', 'b', 'c', 'a']);
    parse('c');
    expect(seen).toEqual(['a', 'b', 'c', 'a']);
  });
});
