/** The issue's SVG logo bomb: `<use>` nested `perLevel` to a level, `levels` deep (10 and 11: about 3.5 KB). */
export function useBomb(perLevel = 10, levels = 11): string {
  const groups = Array.from(
    { length: levels },
    (_, i) => `<g id="l${i + 1}">${`<use xlink:href="#l${i}"/>`.repeat(perLevel)}</g>`,
  ).join('');
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64">' +
    `<defs><rect id="l0" width="1" height="1"/>${groups}</defs><use xlink:href="#l${levels}"/></svg>`
  );
}
