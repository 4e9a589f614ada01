// What an integrator does first: generate types from the live /openapi.json with openapi-typescript, then send
// what the docs show. Every JSON request body of a curl command in README.md and docs/*.md is typechecked as an
// openapi-fetch call against those types, and the docs' client snippets against the client built on them.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startStack, type TestStack } from '../support/harness.ts';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md'),
);

type Body = { where: string; method: string; url: string; json: string };

/** The JSON bodies of the curl commands in a Markdown file's ```sh blocks, with method and path. */
function curlBodies(file: string): Body[] {
  const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const bodies: Body[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```sh') continue;
    while (lines[++i] !== undefined && lines[i]!.trim() !== '```') {
      const start = i;
      let command = lines[i]!;
      while (command.endsWith('\\') && lines[i + 1] !== undefined) command = `${command.slice(0, -1)} ${lines[++i]}`;
      if (!/\bcurl\b/.test(command)) continue;
      const json = /\s-d\s+'(\{.*?\})'/.exec(command)?.[1];
      const url = /localhost:\d+(\/[^\s'"?]*)/.exec(command)?.[1];
      if (!json || !url) continue;
      const method = /-X\s+(\w+)/.exec(command)?.[1] ?? 'POST';
      bodies.push({ where: `${file}:${start + 1}`, method: method.toLowerCase(), url, json });
    }
  }
  return bodies;
}

const bodies = DOCS.flatMap(curlBodies);
/** The ```ts blocks that use the client through the package name, each with where it is. */
const snippets = DOCS.flatMap((file) => {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)]
    .filter((m) => m[1]!.includes(`from 'codegen-platform/client'`))
    .map((m) => ({ where: `${file}:${text.slice(0, m.index).split('\n').length}`, code: m[1]! }));
});

let stack: TestStack;
let dir: string;
let program: ts.Program;
const files = new Map<string, string>();
beforeAll(async () => {
  stack = await startStack({ workers: 0 });
  const doc = (await (await stack.request('GET', '/openapi.json', undefined, { authorization: '' })).json()) as any;
  mkdirSync(path.join(ROOT, 'test-output'), { recursive: true });
  // Inside the package so that `openapi-fetch` and @types/node resolve from its node_modules.
  dir = mkdtempSync(path.join(ROOT, 'test-output', 'openapi-types-'));
  mkdirSync(path.join(dir, 'client'));
  writeFileSync(path.join(dir, 'client', 'schema.ts'), astToString(await openapiTS(doc)));
  // The client's own code over the types just generated (not the committed src/client/schema.ts).
  for (const f of ['index.ts', 'sse.ts'])
    copyFileSync(path.join(ROOT, 'src', 'client', f), path.join(dir, 'client', f));

  const templates = Object.entries(doc.paths as Record<string, object>).map(([p, item]) => ({
    path: p,
    methods: Object.keys(item).filter((m) => METHODS.includes(m)),
    pattern: new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));
  bodies.forEach((body, n) => {
    const template = templates.find((t) => t.pattern.test(body.url) && t.methods.includes(body.method));
    const params = [...(template?.path ?? '').matchAll(/\{(\w+)\}/g)].map(([, name]) => `${name}: 'x'`);
    const file = path.join(dir, `body-${n}.ts`);
    files.set(body.where, file);
    writeFileSync(
      file,
      [
        `import createClient from 'openapi-fetch';`,
        `import type { paths } from './client/schema.ts';`,
        `const api = createClient<paths>({ baseUrl: 'http://127.0.0.1:3000' });`,
        `// ${body.where}: ${body.method.toUpperCase()} ${body.url}`,
        `export const sent = api.${body.method.toUpperCase()}('${template?.path ?? body.url}', {`,
        params.length ? `  params: { path: { ${params.join(', ')} } },` : '',
        `  body: ${body.json},`,
        `});`,
      ].join('\n'),
    );
  });
  snippets.forEach(({ where, code }, n) => {
    files.set(where, path.join(dir, `snippet-${n}.ts`));
    writeFileSync(path.join(dir, `snippet-${n}.ts`), code);
  });
  program = ts.createProgram([...files.values()], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    types: ['node'],
    lib: ['lib.es2024.d.ts'],
    paths: { 'codegen-platform/client': ['./client/index.ts'] },
    baseUrl: dir,
  });
});
afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await stack?.close();
});

function errorsOf(where: string): string[] {
  const source = program.getSourceFile(files.get(where)!)!;
  return ts
    .getPreEmitDiagnostics(program, source)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n').slice(-2).join(' '));
}

describe('types generated by openapi-typescript from the live /openapi.json', () => {
  it('finds the request bodies of the docs and the client snippets of README.md and docs/api.md', () => {
    expect(bodies.length).toBeGreaterThan(8);
    expect(snippets.map((s) => s.where.split(':')[0])).toEqual(expect.arrayContaining(['README.md', 'docs/api.md']));
  });

  for (const { where } of snippets)
    it(`compile the client snippet at ${where} (codegen-platform/client over the generated types)`, () => {
      expect(errorsOf(where)).toEqual([]);
    });

  for (const body of bodies)
    it(`compile the body at ${body.where} (${body.method.toUpperCase()} ${body.url}) as an openapi-fetch call`, () => {
      expect(errorsOf(body.where)).toEqual([]);
    });
});
