// Where a verifier should look in a delivered image, as the renderer knows it: the hints travel with a
// render result; the pixels are always read from the delivered bytes.

/** Where a plain matrix PNG's modules sit (first module's top-left corner, pixels per module): lets the verifier read module centres. */
export type ModuleGrid = { left: number; top: number; scale: number };

/** Lines across a linear symbol in the delivered image: rows (or columns, when turned) from..to-1 cross every bar. */
export type Scan = { axis: 'row' | 'column'; from: number; to: number };

/** A symbol whose every element spans at least this many pixels both ways: it may be read at every n-th pixel. */
export type Stride = number;
