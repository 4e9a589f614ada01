import { describe, expect, it } from 'vitest';
import { svgComplexityIssue } from '../../../src/domain/svg-complexity.ts';
import { useBomb } from '../../support/svg-bomb.ts';

const limits = { maxElements: 2000, maxUses: 100 };
const svg = (body: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">${body}</svg>`;

describe('svgComplexityIssue', () => {
  it("refuses the issue's nested-<use> bomb (10 per level, 11 levels), and a 2-level one under the count limit", () => {
    expect(useBomb().length).toBeLessThan(4096);
    expect(svgComplexityIssue(useBomb(), limits)).toMatch(/<use>/);
    expect(svgComplexityIssue(useBomb(5, 2), limits)).toMatch(/nested/);
  });

  it('accepts a logo that reuses a shape a few times, with quoted ">" in attributes', () => {
    const logo = svg(
      '<defs><path id="leaf" d="M0 0 L10 10" data-note="a > b"/></defs>' +
        '<use href="#leaf"/><use xlink:href="#leaf" x="5"/><use href=\'#leaf\' y="5"/><circle r="3"/>',
    );
    expect(svgComplexityIssue(logo, limits)).toBeUndefined();
  });

  it('counts each <use> as its target: a wide target drawn many times is over the element limit', () => {
    const wide = `<g id="wide">${'<rect width="1" height="1"/>'.repeat(100)}</g>`;
    expect(svgComplexityIssue(svg(`<defs>${wide}</defs>${'<use href="#wide"/>'.repeat(30)}`), limits)).toMatch(
      /draw at most 2000/,
    );
    expect(svgComplexityIssue(svg('<rect/>'.repeat(2001)), limits)).toMatch(/at most 2000 elements/);
    expect(svgComplexityIssue(svg('<use href="#x"/>'.repeat(101)), limits)).toMatch(/at most 100 <use>/);
  });

  it('refuses entity declarations (a billion laughs)', () => {
    const laughs = '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "lol">]><svg>&a;</svg>';
    expect(svgComplexityIssue(laughs, limits)).toMatch(/entities/);
  });
});
