/** The red, green and blue components (0-255) of a #rrggbb colour, as the request schema spells them. */
export function rgbOf(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The luminance (0 black to 255 white) every reader of our images weighs colour by. */
export const luma = (r: number, g: number, b: number) => (r * 77 + g * 150 + b * 29) >> 8;

/** A level (0-255) at `alpha` composited on white, as a label shows it. */
export const onWhite = (level: number, alpha: number) => (alpha === 255 ? level : 255 - (((255 - level) * alpha) >> 8));
