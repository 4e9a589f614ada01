// What KEDA's metrics-api scaler reads from a Prometheus text page, reproduced so a test can evaluate a
// ScaledObject's trigger against a real /metrics scrape. Mirrors getValueFromPrometheusResponse in
// kedacore/keda pkg/scalers/metrics_api_scaler.go: valueLocation is a metric selector (`name{label="v",…}`);
// the page is parsed strictly (a family split in two or described twice is an error, as in Prometheus'
// expfmt text parser); the value is the first sample of that family whose labels include every matcher.

type Sample = { labels: Record<string, string>; value: number };

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;

function labelsOf(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(LABEL)].map((m) => [m[1]!, m[2]!.replace(/\\(.)/g, '$1')]));
}

/** A metric selector's name and label matchers. */
export function parseSelector(selector: string): { name: string; matchers: Record<string, string> } {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/.exec(selector.trim());
  if (!match) throw new Error(`not a metric selector: ${selector}`);
  return { name: match[1]!, matchers: labelsOf(match[2] ?? '') };
}

/** Families of a text exposition page; throws where expfmt would refuse the page. */
export function parseExposition(text: string): Map<string, Sample[]> {
  const families = new Map<string, Sample[]>();
  const described = new Set<string>();
  let current: string | undefined;
  const familyOf = (sample: string) => sample.replace(/_(bucket|sum|count)$/, '');
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const meta = /^# (HELP|TYPE) (\S+)/.exec(line);
    if (meta) {
      const key = `${meta[1]} ${meta[2]}`;
      if (described.has(key)) throw new Error(`second ${meta[1]} line for metric name "${meta[2]}"`);
      described.add(key);
      current = meta[2];
      if (!families.has(current!)) families.set(current!, []);
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!sample) throw new Error(`unreadable line: ${line}`);
    const name = sample[1]!;
    const family = families.has(name) ? name : familyOf(name);
    if (current !== undefined && family !== current && families.has(family) && families.get(family)!.length > 0)
      throw new Error(`metric family ${family} is split`);
    if (!families.has(family)) families.set(family, []);
    current = family;
    if (family === name) families.get(family)!.push({ labels: labelsOf(sample[2] ?? ''), value: Number(sample[3]) });
  }
  return families;
}

/** The number KEDA's metrics-api trigger (format: prometheus) reads at `valueLocation`. */
export function kedaPrometheusValue(page: string, valueLocation: string): number {
  const { name, matchers } = parseSelector(valueLocation);
  const family = parseExposition(page).get(name);
  if (!family) throw new Error(`metric '${name}' not found`);
  const hit = family.find((s) => Object.entries(matchers).every(([k, v]) => s.labels[k] === v));
  if (!hit) throw new Error(`value ${valueLocation} not found`);
  return hit.value;
}
