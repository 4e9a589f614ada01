// The painting operators PDF content streams and PostScript share (m l c h f* / eofill, rg / setrgbcolor,
// q Q / gsave grestore, cm / concat), written from a drawing and read back into one: verification
// rasterizes the delivered PDF/EPS from these operators, not from a second rendering.
import type { Affine, Drawing, Mark, Seg, Shape } from './vector.ts';
import { decimalAt, markOutlines, markShape, rect } from './vector.ts';
import { rgbOf } from '../domain/colour.ts';
import { memoOfText } from './memo.ts';

// Three decimals, no trailing zeros: integers (every bar edge) print as they are.
const num = (n: number) => (Number.isInteger(n) ? String(n) : String(Math.round(n * 1000) / 1000));

function rgb(hex: string): string {
  return rgbOf(hex)
    .map((c) => num(c / 255))
    .join(' ');
}

/** A path's construction operators, one segment a line. */
export function pathOps(d: readonly Seg[]): string {
  let path = '';
  for (const seg of d) {
    if (seg[0] === 'Z') path += 'h\n';
    else if (seg[0] === 'C')
      path += `${num(seg[1])} ${num(seg[2])} ${num(seg[3])} ${num(seg[4])} ${num(seg[5])} ${num(seg[6])} c\n`;
    else path += `${num(seg[1])} ${num(seg[2])} ${seg[0] === 'M' ? 'm' : 'l'}\n`;
  }
  return path;
}

const OUTLINE_OPS = new WeakMap<readonly Seg[], string>();
/** pathOps of an outline that recurs (a glyph), formatted once. */
export function outlineOps(d: readonly Seg[]): string {
  let ops = OUTLINE_OPS.get(d);
  if (ops === undefined) OUTLINE_OPS.set(d, (ops = pathOps(d)));
  return ops;
}

/** The marks' outlines (each written once by the caller) and the operators placing every mark. */
export function markOps(
  marks: readonly Mark[],
  place: (id: number, at: string) => string,
): { outlines: (readonly Seg[])[]; ops: string } {
  const { outlines, index } = markOutlines(marks);
  let ops = '';
  let fill = '';
  marks.forEach((m, i) => {
    if (m.fill !== fill) ops += `${rgb((fill = m.fill))} rg\n`;
    ops += `${place(index[i]!, m.at.map(num).join(' '))}\n`;
  });
  return { outlines, ops };
}

/** Operators painting the drawing's shapes in its pixel coordinates (the caller sets the transform). */
export function paintOps(dr: Drawing, fillOp: string): string {
  const lines: string[] = [];
  const paint = (s: Shape) => {
    const rects = s.rects ?? [];
    if (s.d.length === 0 && rects.length === 0) return;
    let ops = pathOps(s.d);
    for (let i = 0; i + 3 < rects.length; i += 4)
      ops += `${num(rects[i]!)} ${num(rects[i + 1]!)} ${num(rects[i + 2]!)} ${num(rects[i + 3]!)} re\n`;
    lines.push(`${rgb(s.fill)} rg`, `${ops}${fillOp}`);
  };
  paint({ fill: dr.background, d: rect(0, 0, dr.width, dr.height) });
  for (const s of dr.shapes) paint(s);
  return `${lines.join('\n')}\n`;
}

const IDENTITY: Affine = [1, 0, 0, 1, 0, 0];
// m x ctm: the new transform applied first, as cm and concat do.
function times([a, b, c, d, e, f]: Affine, [A, B, C, D, E, F]: Affine): Affine {
  return [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F];
}

type Token = number | string;

// A fill colour's operands (0 to 1 each) as #rrggbb.
const hexOf = (operands: readonly number[]) =>
  `#${operands
    .map((c) =>
      Math.round(c * 255)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;

// What split(/\s+/) splits a latin1 string on: tab to carriage return, space and no-break space.
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13) || c === 0xa0;
const isDigitOrDot = (c: number) => (c >= 48 && c <= 57) || c === 46;

const PATH_OPERATORS = new Set(['m', 'l', 'c', 'h']);

// The operators readPaintOps acts on, each one string: a token that is one of them is pushed as this string
// (compared by identity after), not as a new one cut from the stream.
const OPERATORS = new Map(
  ['m', 'l', 'c', 'h', 're', 'f*', 'rg', 'q', 'Q', 'cm', 'Do', 'gsave', 'grestore', 'concat'].map((o) => [o, o]),
);
const ONE_CHAR_OPERATORS = new Map(
  [...OPERATORS.keys()].filter((o) => o.length === 1).map((o) => [o.charCodeAt(0), o]),
);

// Operands as numbers (a token of digits and dots, with an optional leading minus), operators and names as
// they are; array brackets dropped. A scan by character codes: the streams hold thousands of tokens.
export function tokenize(ops: string): Token[] {
  const tokens: Token[] = [];
  const n = ops.length;
  let i = 0;
  while (i < n) {
    if (isSpace(ops.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    let numeric = true;
    for (; i < n; i++) {
      const c = ops.charCodeAt(i);
      if (isSpace(c)) break;
      if (!isDigitOrDot(c) && !(c === 45 && i === start)) numeric = false;
    }
    const one = i - start === 1 ? ops.charCodeAt(start) : -1;
    if (numeric && one !== 45) tokens.push(decimalAt(ops, start, i));
    else if (one >= 0 && ONE_CHAR_OPERATORS.has(one)) tokens.push(ONE_CHAR_OPERATORS.get(one)!);
    else if (one !== 91 && one !== 93) {
      const token = ops.slice(start, i); // [ and ] dropped
      tokens.push(OPERATORS.get(token) ?? token);
    }
  }
  return tokens;
}

// A form's or procedure's operators (a glyph outline) as read back: the same few recur in every render,
// each tokenized once. Read only.
const OUTLINES_KEPT = 1024;
const outlineTokens = memoOfText(tokenize, OUTLINES_KEPT);

/**
 * Reads operators written by paintOps and markOps back into shapes (background first); `called` gives the
 * operators of a named form or procedure (PDF `/Gn Do`, an EPS procedure `Gn`), read at the current transform.
 */
export function readPaintOps(
  body: string,
  width: number,
  height: number,
  fillOp: string,
  called: (name: string) => string | undefined = () => undefined,
): Drawing {
  const shapes: Shape[] = [];
  let fill = '#000000';
  let d: Seg[] = [];
  let rects: number[] = [];
  let corner: [number, number] | undefined; // where a rectangle kept as one left the current point
  const marks: Mark[] = [];
  let ctm = IDENTITY;
  const saved: Affine[] = [];
  const stack: number[] = [];
  let name = '';
  const x = (u: number, v: number) => ctm[0] * u + ctm[2] * v + ctm[4];
  const y = (u: number, v: number) => ctm[1] * u + ctm[3] * v + ctm[5];
  // A form or procedure is tokenized once, however many times it is called (a glyph: once per character).
  const calls = new Map<string, Token[] | undefined>();
  const callee = (name: string): Token[] | undefined => {
    if (!calls.has(name)) {
      const ops = called(name);
      calls.set(name, ops === undefined ? undefined : outlineTokens(ops));
    }
    return calls.get(name);
  };
  // Each operator takes the operands stacked since the one before, and clears them.
  const run = (tokens: readonly Token[], depth: number): void => {
    for (const token of tokens) {
      if (typeof token === 'number') {
        stack.push(token);
        continue;
      }
      if (token.charCodeAt(0) === 47) {
        name = token.slice(1); // a /Name
        continue;
      }
      if (!operate(token) && depth < 2) {
        stack.length = 0;
        const inner = callee(token === 'Do' ? name : token);
        // A call that only fills one outline, with no path pending, is a mark placed at the transform.
        const outline = inner && d.length === 0 && rects.length === 0 ? outlineOf(inner, fillOp) : null;
        if (outline) marks.push({ d: outline, fill, at: ctm });
        else if (inner !== undefined) run(inner, depth + 1);
        continue; // what the callee left stacked goes to the next operator, as a procedure's results do
      }
      stack.length = 0;
    }
  };
  // One painting operator on the stacked operands; false for any other token (a call, or unknown).
  const operate = (token: string): boolean => {
    const a = stack;
    // re leaves the current point at its corner: a path continued there without a move starts from it.
    if (PATH_OPERATORS.has(token)) {
      if (corner && token !== 'm') d.push(['M', corner[0], corner[1]]);
      corner = undefined;
    }
    switch (token) {
      case 'rg':
        fill = hexOf(a);
        return true;
      case 'm':
      case 'l':
        d.push([token === 'm' ? 'M' : 'L', x(a[0]!, a[1]!), y(a[0]!, a[1]!)]);
        return true;
      case 'c':
        d.push([
          'C',
          x(a[0]!, a[1]!),
          y(a[0]!, a[1]!),
          x(a[2]!, a[3]!),
          y(a[2]!, a[3]!),
          x(a[4]!, a[5]!),
          y(a[4]!, a[5]!),
        ]);
        return true;
      case 'h':
        d.push(['Z']);
        return true;
      case 're':
        rectangle(a[0]!, a[1]!, a[2]!, a[3]!);
        return true;
      case 'q':
      case 'gsave':
        saved.push(ctm);
        return true;
      case 'Q':
      case 'grestore':
        ctm = saved.pop() ?? IDENTITY;
        return true;
      case 'cm':
      case 'concat':
        if (a.length === 6) ctm = times([a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!], ctm);
        return a.length === 6;
    }
    if (token !== fillOp) return false;
    corner = undefined;
    // A shape after marks is painted over them: the marks become shapes first, to keep the order.
    shapes.push(...marks.splice(0).map(markShape));
    shapes.push(rects.length > 0 ? { fill, d, rects } : { fill, d });
    d = [];
    rects = [];
    return true;
  };
  // Under a transform that keeps axes, a rectangle stays one: kept as x, y, width, height.
  // Its sides must come out where the segments' would: min + width is the far side exactly (always, for the
  // whole pixels our writers use).
  const rectangle = (u: number, v: number, w: number, h: number): void => {
    const [left, right, top, bottom] = [x(u, v), x(u + w, v), y(u, v), y(u, v + h)];
    const [x0, y0, width, height] = [
      Math.min(left, right),
      Math.min(top, bottom),
      Math.abs(right - left),
      Math.abs(bottom - top),
    ];
    if (ctm[1] === 0 && ctm[2] === 0 && x0 + width === Math.max(left, right) && y0 + height === Math.max(top, bottom)) {
      rects.push(x0, y0, width, height);
      corner = [left, top];
      return;
    }
    d.push(['M', x(u, v), y(u, v)], ['L', x(u + w, v), y(u + w, v)], ['L', x(u + w, v + h), y(u + w, v + h)]);
    d.push(['L', x(u, v + h), y(u, v + h)], ['Z']);
  };
  run(tokenize(body), 0);
  const [background, ...rest] = shapes;
  const drawing: Drawing = { width, height, background: background?.fill ?? '#ffffff', shapes: rest, pictures: [] };
  return marks.length > 0 ? { ...drawing, marks } : drawing;
}

// A form's or procedure's tokens as the outline it fills: only path construction (m l c h, each with its
// operands) and one fill at the end, else null (then it is run as it is). Read once per token list.
const OUTLINES = new WeakMap<readonly Token[], { fillOp: string; outline: Seg[] | null }>();
function outlineOf(tokens: readonly Token[], fillOp: string): Seg[] | null {
  let known = OUTLINES.get(tokens);
  if (known?.fillOp !== fillOp) OUTLINES.set(tokens, (known = { fillOp, outline: onlyOutline(tokens, fillOp) }));
  return known.outline;
}

const OUTLINE_OPERANDS = new Map([
  ['m', 2],
  ['l', 2],
  ['c', 6],
  ['h', 0],
]);
function onlyOutline(tokens: readonly Token[], fillOp: string): Seg[] | null {
  const d: Seg[] = [];
  const a: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (typeof t === 'number') {
      a.push(t);
      continue;
    }
    if (t === fillOp) return i === tokens.length - 1 && a.length === 0 && d.length > 0 ? d : null;
    if (OUTLINE_OPERANDS.get(t) !== a.length) return null;
    if (t === 'm' || t === 'l') d.push([t === 'm' ? 'M' : 'L', a[0]!, a[1]!]);
    else if (t === 'c') d.push(['C', a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!]);
    else d.push(['Z']);
    a.length = 0;
  }
  return null;
}
