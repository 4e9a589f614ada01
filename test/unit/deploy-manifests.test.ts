import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import { ENV_NAMES, loadConfig } from '../../src/config.ts';
import { heapFlags } from '../../src/supervisor.ts';
import { ROOT } from '../support/harness.ts';

const DOCKER = path.join(ROOT, 'docker');
const packageJson = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  scripts: Record<string, string>;
};
/** npm script name by the command it runs (`node src/main.ts api` → api). */
const scriptByCommand = new Map(Object.entries(packageJson.scripts).map(([name, line]) => [line, name]));
const config = loadConfig({}, ROOT);
// Variables the runtime reads besides our own config: Node's flags.
const KNOWN_ENV = new Set([...Object.keys(ENV_NAMES), 'NODE_OPTIONS']);
const PROBE_PATHS = new Set(['/healthz', '/readyz']);
// Images by version, never :latest: a rollout names what it runs.
const IMAGE = `codes:${packageJson.version}`;

/**
 * A container command runs node itself on the entry point of one of our npm scripts (npm would take the
 * SIGTERM and leave node serving); returns that script's name.
 */
function expectEntryPoint(command: unknown, where: string): string {
  expect(Array.isArray(command), where).toBe(true);
  const line = (command as string[]).join(' ');
  expect(line, where).toMatch(/^node /);
  const script = scriptByCommand.get(line);
  expect(script, `${where}: ${line} is no npm script's command`).toBeDefined();
  return script!;
}

/**
 * Every long-running role, run alone, gets the heap bounds `npm start` gives it (heapFlags): the API
 * its own young generation, every worker the workers' one. The one-shot migration is left out.
 */
function expectHeapFlags(script: string, nodeOptions: string | undefined, where: string): void {
  if (script === 'migrate') return;
  expect(nodeOptions, where).toBe(heapFlags(config, script === 'api' ? 'api' : 'worker').join(' '));
}

type ComposeService = {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown> | string[];
  volumes?: (string | { type?: string; source?: string })[];
};
type ComposeFile = { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };

const COMPOSE_FILE = path.join(DOCKER, 'compose.yml');
// The Compose Specification's JSON schema, vendored (test/schemas/README.md says from where).
const COMPOSE_SCHEMA = JSON.parse(readFileSync(path.join(ROOT, 'test', 'schemas', 'compose-spec.json'), 'utf8'));
// Compose reads YAML merge keys (`<<: *app`), so the file is read with them too.
const compose = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as ComposeFile;

/** `docker compose config`'s rendering of the file, or undefined when no Compose is installed. */
function composeConfig(): string | undefined {
  for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
    const result = spawnSync(cmd[0]!, [...cmd.slice(1), '-f', COMPOSE_FILE, 'config'], { encoding: 'utf8' });
    if (result.status === 0) return result.stdout;
    if (result.error === undefined && !/unknown (shorthand flag|command)|is not a docker command/.test(result.stderr))
      throw new Error(result.stderr);
  }
  return undefined;
}

/** The schema's verdict on a compose document: its errors, empty when valid. */
function composeSchemaErrors(document: unknown): string[] {
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(COMPOSE_SCHEMA);
  return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** Named volumes a service mounts (bind mounts start with . or /). */
const namedVolumes = (service: ComposeService) =>
  (service.volumes ?? [])
    .map((v) => (typeof v === 'string' ? v.split(':')[0]! : (v.source ?? '')))
    .filter((source) => source !== '' && !/^[./~]/.test(source));

describe('docker/compose.yml', () => {
  it('is valid against the Compose Specification schema, which refuses a broken file', () => {
    expect(composeSchemaErrors(compose)).toEqual([]);
    // The check can fail: a misspelt top-level key and a wrongly typed field are both refused.
    expect(composeSchemaErrors({ ...compose, servics: compose.services })).not.toEqual([]);
    const api = { ...compose.services.api, restart: 5 };
    expect(composeSchemaErrors({ ...compose, services: { ...compose.services, api } })).not.toEqual([]);
  });

  it('refers only to services, volumes and files that exist (what `docker compose config` checks past the schema)', () => {
    const names = Object.keys(compose.services);
    for (const [name, service] of Object.entries(compose.services)) {
      const dependsOn = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const dependency of dependsOn) expect(names, `${name} depends_on`).toContain(dependency);
      for (const volume of namedVolumes(service))
        expect(Object.keys(compose.volumes ?? {}), `${name} volume`).toContain(volume);
      for (const v of service.volumes ?? []) {
        const source = typeof v === 'string' ? v.split(':')[0]! : v.source;
        if (source?.startsWith('.'))
          expect(existsSync(path.join(DOCKER, source)), `${name} mounts ${source}`).toBe(true);
      }
      if (service.build) {
        const context = path.join(DOCKER, service.build.context);
        expect(existsSync(path.join(context, service.build.dockerfile ?? 'Dockerfile')), `${name} build`).toBe(true);
      }
    }
  });

  it('runs only our scripts with our variables and heap flags (and `docker compose config` agrees, where installed)', () => {
    const rendered = composeConfig();
    const sources: [string, ComposeFile][] = [['compose.yml', compose]];
    if (rendered !== undefined) sources.push(['docker compose config', parse(rendered) as ComposeFile]);
    for (const [source, document] of sources) {
      const ours = Object.entries(document.services).filter(([, s]) => s.image === IMAGE);
      expect(ours.map(([name]) => name).sort(), source).toEqual([
        'api',
        'batches',
        'maintenance',
        'migrate',
        'render',
        'webhooks',
      ]);
      for (const [name, service] of ours) {
        const where = `${source}: ${name}`;
        const script = expectEntryPoint(service.command, where);
        expectHeapFlags(script, service.environment?.NODE_OPTIONS, where);
        for (const variable of Object.keys(service.environment ?? {})) expect(KNOWN_ENV, where).toContain(variable);
      }
    }
    expect(readFileSync(path.join(DOCKER, 'redis.conf'), 'utf8')).toMatch(/maxmemory-policy noeviction/);
    expect(readFileSync(path.join(DOCKER, 'Dockerfile'), 'utf8')).toMatch(/npm ci --omit=dev/);
  });
});

describe('docker/k8s', () => {
  const documents = readdirSync(path.join(DOCKER, 'k8s'))
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(path.join(DOCKER, 'k8s', file), 'utf8')).map((doc) => {
        expect(doc.errors, file).toEqual([]);
        return { file, manifest: doc.toJS() as Record<string, any> };
      }),
    );

  it('parses, and every container names our image, scripts, port, variables, heap flags and probe paths', () => {
    const containers = documents.flatMap(({ file, manifest }) => {
      const spec = manifest.spec?.template?.spec;
      return (spec?.containers ?? []).map((c: any) => ({
        file,
        kind: manifest.kind,
        grace: spec.terminationGracePeriodSeconds,
        container: c,
      }));
    });
    expect(containers.length).toBeGreaterThanOrEqual(5);
    // What a container sees: its own env over the ConfigMaps it imports (Kubernetes' precedence).
    const configMaps = new Map(
      documents
        .filter(({ manifest }) => manifest.kind === 'ConfigMap')
        .map(({ manifest }) => [manifest.metadata.name, manifest.data ?? {}]),
    );
    const envOf = (container: any, name: string): string | undefined =>
      container.env?.find((v: { name: string }) => v.name === name)?.value ??
      (container.envFrom ?? [])
        .map((from: any) => from.configMapRef && configMaps.get(from.configMapRef.name)?.[name])
        .find(Boolean);
    for (const { file, kind, grace, container } of containers) {
      const where = `${file} ${container.name}`;
      expect(container.image, where).toBe(IMAGE);
      const script = expectEntryPoint(container.command, where);
      expectHeapFlags(script, envOf(container, 'NODE_OPTIONS'), where);
      // The API listens on PORT, a worker's probes on WORKER_HEALTH_PORT.
      const listens = script === 'api' ? config.port : Number(envOf(container, 'WORKER_HEALTH_PORT'));
      for (const port of container.ports ?? []) expect(port.containerPort, where).toBe(listens);
      for (const variable of container.env ?? []) expect(KNOWN_ENV, where).toContain(variable.name);
      for (const probe of [container.livenessProbe, container.readinessProbe].filter(Boolean))
        expect(PROBE_PATHS, where).toContain(probe.httpGet.path);
      if (kind === 'Deployment')
        expect(grace * 1000, `${where}: grace above the drain bound`).toBeGreaterThan(config.shutdownTimeoutMs);
      expect(container.resources?.requests, where).toBeDefined();
    }
    const settings = documents.filter(({ manifest }) => manifest.kind === 'ConfigMap' || manifest.kind === 'Secret');
    for (const { file, manifest } of settings.filter(({ manifest }) =>
      ['codes-config', 'codes-secrets'].includes(manifest.metadata.name),
    )) {
      for (const variable of Object.keys(manifest.data ?? manifest.stringData ?? {}))
        expect(KNOWN_ENV, file).toContain(variable);
    }
  });

  it('has probes, disruption budgets, an API HPA and a KEDA scaler on the whole render backlog', () => {
    const kinds = documents.map(({ manifest }) => `${manifest.kind}/${manifest.metadata.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Deployment/codes-api',
        'Deployment/codes-render',
        'Deployment/codes-batches',
        'Deployment/codes-maintenance',
        'Service/codes-api',
        `Job/codes-migrate-${packageJson.version.replaceAll('.', '-')}`,
        'PodDisruptionBudget/codes-api',
        'PodDisruptionBudget/codes-render',
        'HorizontalPodAutoscaler/codes-api',
        'ScaledObject/codes-render',
      ]),
    );
    // One trigger on the summed backlog (KEDA scales on the largest of several triggers, not their sum);
    // test/integration/autoscaling.test.ts evaluates it against a real scrape.
    const scaler = documents.find(({ manifest }) => manifest.kind === 'ScaledObject')!.manifest;
    expect(scaler.spec.triggers.map((t: any) => t.metadata.valueLocation)).toEqual(['queue_backlog{queue="render"}']);
  });
});
