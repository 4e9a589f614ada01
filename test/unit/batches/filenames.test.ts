// ZIP entry names of a batch's results (issue 15, finding 15): device names, the length cut, bidi
// controls, and the manifest's file cell being the entry's name exactly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNameRegistry, entryName } from '../../../src/batches/filenames.ts';
import { csvCell } from '../../../src/batches/manifest.ts';

const named = (filename: string) => entryName({ filename, custom_id: null, row_number: 7 }, 'png');

describe('entryName', () => {
  it.each(['CON', 'nul', 'CONIN$', 'conout$', 'COM1', 'com\u00b9', 'LPT\u00b2', 'lpt\u00b3', 'AUX.tar', 'PRN .x'])(
    '%s is not left a device name',
    (name) => {
      const stem = named(name).split('.')[0]!.trimEnd();
      expect(stem.startsWith('_')).toBe(true);
    },
  );

  it('keeps ordinary names that only look like device names', () => {
    expect(named('console')).toBe('console.png');
    expect(named('COM10')).toBe('COM10.png');
    expect(named('CONIN')).toBe('CONIN.png');
  });

  it('cuts at 100 characters without splitting a surrogate pair or an emoji sequence', () => {
    const name = named(`${'a'.repeat(99)}\u{1f600}tail`);
    expect(name).toBe(`${'a'.repeat(99)}\u{1f600}.png`);
    expect(name.isWellFormed()).toBe(true);
    const family = '\u{1f468}\u200d\u{1f469}\u200d\u{1f467}';
    expect(named(`${'b'.repeat(99)}${family}${family}`)).toBe(`${'b'.repeat(99)}${family}.png`);
  });

  it('removes bidi controls (a right-to-left override cannot disguise the extension)', () => {
    expect(named('photo\u202egnp.exe')).toBe('photognp.exe.png');
    for (const ch of [
      '\u202a',
      '\u202b',
      '\u202c',
      '\u202d',
      '\u202e',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
      '\u200e',
      '\u200f',
    ])
      expect(named(`a${ch}b`)).toBe('ab.png');
  });

  it('never starts with a formula character, so the manifest cell equals the entry name', () => {
    for (const lead of ['=', '+', '-', '@', ' =', '..@']) expect(named(`${lead}HYPERLINK("x")`)).toMatch(/^_/);
    expect(named('=1+2')).toBe('_1+2.png');
  });

  it('over random names: one safe segment, well formed, at most 100 graphemes, and its manifest cell is itself', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.string({ unit: 'grapheme', maxLength: 150 }),
        (raw, text) => {
          for (const wanted of [raw, text]) {
            const names = createNameRegistry();
            const name = names(entryName({ filename: wanted, custom_id: null, row_number: 3 }, 'png'));
            expect(name.isWellFormed()).toBe(true);
            expect(name).not.toMatch(/[\\/\u0000-\u001f\u007f<>:"|?*\u202a-\u202e\u2066-\u2069\u200e\u200f]/);
            expect(name).not.toMatch(/^[=+\-@.\s]/);
            expect(
              [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(name.slice(0, -4))].length,
            ).toBeLessThanOrEqual(100);
            // RFC 4180 quoting aside, the cell's text is the name.
            const cell = csvCell(name);
            expect(cell.startsWith('"') ? cell.slice(1, -1).replaceAll('""', '"') : cell).toBe(name);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
