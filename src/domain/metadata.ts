import * as v from 'valibot';

/** Small string key/value metadata echoed on a code; limits come from config. */
export function metadataSchema(limits: { maxKeys: number; maxValueLength: number }) {
  return v.pipe(
    v.record(
      v.pipe(v.string(), v.minLength(1), v.maxLength(40, 'metadata keys are at most 40 characters')),
      v.pipe(v.string('metadata values must be strings'), v.maxLength(limits.maxValueLength)),
    ),
    v.maxEntries(limits.maxKeys, `metadata has at most ${limits.maxKeys} keys`),
  );
}
