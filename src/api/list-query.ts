import * as v from 'valibot';

/** `?limit=` of a list route: a whole number from 1 to `max`, `defaultLimit` when absent. */
export function limitQuery(defaultLimit: number, max: number) {
  return v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d+$/, 'must be a whole number'),
      v.description(`Page size (default ${defaultLimit}). Checked by the server: from 1 to ${max}.`),
      v.transform(Number),
      v.minValue(1, 'must be at least 1'),
      v.maxValue(max, `must be at most ${max}`),
    ),
    String(defaultLimit),
  );
}
