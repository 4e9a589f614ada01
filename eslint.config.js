// typescript-eslint's recommended rules over everything we run; Prettier owns formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'test-output/', 'bench-results/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        setImmediate: 'readonly',
        Response: 'readonly',
        Request: 'readonly',
        Headers: 'readonly',
        ReadableStream: 'readonly',
        document: 'readonly',
        window: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          caughtErrors: 'none',
        },
      ],
      // Matching control characters is the point where we sanitise text (GS1's GS, file names, NUL checks).
      'no-control-regex': 'off',
    },
  },
  // Migrations are frozen code on Kysely<any> by design (they must not import src/ types that change later).
  { files: ['migrations/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // Tests read JSON bodies of the public contract loosely and assert on them; the contract tests check their shapes.
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
