import type { Config, Plan } from '../config.ts';
import type { RenderPolicy } from '../domain/render-spec.ts';
import type { Identity } from './env.ts';

/** The plan a caller's limits and defaults come from (a key's own rate override keeps its plan's name). */
export function planOf(config: Config, identity: Identity): Plan {
  return config.plans[identity.policy.name] ?? config.plans[config.defaultPlan]!;
}

/** LOGO_SVG_MAX_ELEMENTS and LOGO_SVG_MAX_USES. */
export function logoSvgLimits(config: Config) {
  return { maxElements: config.logoSvgMaxElements, maxUses: config.logoSvgMaxUses };
}

/** What a render request defaults to for this plan: verification on or off, and the contrast floor. */
export function renderPolicyOf(config: Config, plan: Plan): RenderPolicy {
  return { verify: plan.verify, minContrast: config.minContrast, logoSvg: logoSvgLimits(config) };
}
