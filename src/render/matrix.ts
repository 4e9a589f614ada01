// Module matrices and their pixel layout: shared by the PNG and SVG writers.
import type { Rotation } from '../domain/render-spec.ts';

/** A grid of modules, row-major; 1 = dark. */
export type Matrix = { cols: number; rows: number; cells: Uint8Array };

/** Where the modules land: px per module and quiet-zone pixels per side. */
export type Layout = {
  scale: number;
  left: number;
  top: number;
  right: number;
  bottom: number;
  width: number;
  height: number;
};

/**
 * Layout for a matrix. With `size`, the largest whole px/module that fits the width; the leftover
 * pixels widen the quiet zone evenly (and vertically too for square symbols, so the image is size x size).
 * Returns undefined when `size` is too small for one pixel per module.
 */
export function layoutMatrix(
  m: Matrix,
  margin: number,
  scale: number | undefined,
  size: number | undefined,
): Layout | undefined {
  const wm = m.cols + 2 * margin;
  const hm = m.rows + 2 * margin;
  const s = size === undefined ? (scale ?? 1) : Math.floor(size / wm);
  if (s < 1) return undefined;
  const extraX = size === undefined ? 0 : size - s * wm;
  const extraY = size !== undefined && m.cols === m.rows ? extraX : 0;
  const left = margin * s + Math.floor(extraX / 2);
  const top = margin * s + Math.floor(extraY / 2);
  const width = wm * s + extraX;
  const height = hm * s + extraY;
  return { scale: s, left, top, right: width - left - m.cols * s, bottom: height - top - m.rows * s, width, height };
}

/** The matrix turned clockwise by `rotate` degrees, and the layout turned with it. */
export function rotateMatrix(m: Matrix, l: Layout, rotate: Rotation): { matrix: Matrix; layout: Layout } {
  if (rotate === 0) return { matrix: m, layout: l };
  const { cols, rows, cells } = m;
  const out = new Uint8Array(cells.length);
  const turned = rotate !== 180;
  const nc = turned ? rows : cols;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = cells[r * cols + c] ?? 0;
      if (rotate === 90) out[c * nc + (rows - 1 - r)] = v;
      else if (rotate === 180) out[(rows - 1 - r) * nc + (cols - 1 - c)] = v;
      else out[(cols - 1 - c) * nc + r] = v;
    }
  }
  const matrix = { cols: nc, rows: turned ? cols : rows, cells: out };
  const { scale, left, top, right, bottom, width, height } = l;
  const layout =
    rotate === 90
      ? { scale, left: bottom, top: left, right: top, bottom: right, width: height, height: width }
      : rotate === 180
        ? { scale, left: right, top: bottom, right: left, bottom: top, width, height }
        : { scale, left: top, top: right, right: bottom, bottom: left, width: height, height: width };
  return { matrix, layout };
}
