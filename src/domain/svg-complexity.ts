/** How complex an SVG logo may be before it is refused (LOGO_SVG_MAX_ELEMENTS, LOGO_SVG_MAX_USES). */
export type SvgLimits = { maxElements: number; maxUses: number };

const TAG = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*(\/?)>/g;
const ID = /\sid\s*=\s*(?:"([^"]*)"|'([^']*)')/;
const HREF = /\s(?:xlink:)?href\s*=\s*(?:"#([^"]*)"|'#([^']*)')/;
const isUse = (name: string) => /^(?:[\w-]+:)?use$/i.test(name);

type Node = { id?: string; size: number; hasUse: boolean };

/**
 * Why an SVG logo is too costly to rasterize, or undefined. librsvg's cost is the drawing as
 * expanded: every `<use>` draws its target again, so a few KB of `<use>` nested 10 to a level, 11
 * levels deep, is 10^11 elements (seconds of CPU before librsvg gives up). Refused, before any
 * rasterizer sees it: entity declarations, more than `maxUses` `<use>` elements, a `<use>` of
 * something that holds a `<use>` itself (nesting), and more than `maxElements` elements counting each
 * `<use>`'s target as many times as it is drawn. A text scan: nothing here expands anything.
 */
export function svgComplexityIssue(svg: string, limits: SvgLimits): string | undefined {
  if (/<!ENTITY/i.test(svg)) return 'an SVG logo may not declare entities';
  const stack: Node[] = [];
  const byId = new Map<string, Node>();
  const targets: string[] = [];
  let elements = 0;
  for (const [, closing, name, attributes = '', selfClosing] of svg.matchAll(TAG)) {
    if (closing) {
      const done = stack.pop();
      if (done && stack.length > 0) {
        stack.at(-1)!.size += done.size;
        stack.at(-1)!.hasUse ||= done.hasUse;
      }
      continue;
    }
    elements++;
    if (elements > limits.maxElements) return `an SVG logo may have at most ${limits.maxElements} elements`;
    const idMatch = ID.exec(attributes);
    const node: Node = { id: idMatch?.[1] ?? idMatch?.[2], size: 1, hasUse: false };
    if (node.id !== undefined) byId.set(node.id, node);
    if (isUse(name!)) {
      node.hasUse = true;
      const href = HREF.exec(attributes);
      const target = href?.[1] ?? href?.[2];
      if (target !== undefined) targets.push(target);
      if (targets.length > limits.maxUses) return `an SVG logo may have at most ${limits.maxUses} <use> elements`;
    }
    if (selfClosing) {
      if (stack.length > 0) {
        stack.at(-1)!.size += node.size;
        stack.at(-1)!.hasUse ||= node.hasUse;
      }
    } else stack.push(node);
  }
  let drawn = elements;
  for (const target of targets) {
    const node = byId.get(target);
    if (!node) continue;
    if (node.hasUse) return 'an SVG logo may not <use> an element that itself contains a <use> (nested references)';
    drawn += node.size;
    if (drawn > limits.maxElements)
      return `an SVG logo may draw at most ${limits.maxElements} elements, counting each <use> as its target`;
  }
  return undefined;
}
