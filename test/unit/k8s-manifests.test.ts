// docker/k8s as a platform team reviews it: every object valid against the Kubernetes (1.27) and KEDA
// schemas (npm kubernetes-models and @kubernetes-models/keda, offline), probes and resources on every
// long-running role, a locked-down securityContext, images by version, a migration Job per release, no
// secret values, and NetworkPolicies that give each role only the connections it needs.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';
import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as batch from 'kubernetes-models/batch/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as core from 'kubernetes-models/v1';
import { ROOT } from '../support/harness.ts';

const K8S = path.join(ROOT, 'docker', 'k8s');
const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
type Manifest = Record<string, any>;
const documents = readdirSync(K8S)
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(K8S, file), 'utf8')).map((doc) => ({
      file,
      manifest: doc.toJS() as Manifest,
    })),
  );
const ofKind = (kind: string) => documents.filter(({ manifest }) => manifest.kind === kind).map((d) => d.manifest);

type Model = new (data: any) => { validate(): void };
const MODELS: Record<string, Model> = {
  'apps/v1 Deployment': apps.Deployment,
  'batch/v1 Job': batch.Job,
  'v1 ConfigMap': core.ConfigMap,
  'v1 Service': core.Service,
  'policy/v1 PodDisruptionBudget': policy.PodDisruptionBudget,
  'autoscaling/v2 HorizontalPodAutoscaler': autoscaling.HorizontalPodAutoscaler,
  'networking.k8s.io/v1 NetworkPolicy': networking.NetworkPolicy,
  'keda.sh/v1alpha1 ScaledObject': keda.ScaledObject,
  'keda.sh/v1alpha1 TriggerAuthentication': keda.TriggerAuthentication,
};
/** The schema's errors for a manifest ('' when valid). */
function schemaErrors(manifest: Manifest): string {
  const Model = MODELS[`${manifest.apiVersion} ${manifest.kind}`];
  if (!Model) return `no schema for ${manifest.apiVersion} ${manifest.kind}`;
  try {
    new Model(manifest).validate();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

/** Pod templates of the long-running roles (Deployments) and the one-shot ones (Jobs). */
const workloads = [...ofKind('Deployment'), ...ofKind('Job')].map((m) => ({
  name: m.metadata.name as string,
  kind: m.kind as string,
  labels: m.spec.template.metadata.labels as Record<string, string>,
  pod: m.spec.template.spec,
}));
const roles = workloads.map((w) => w.labels.role);

describe('docker/k8s against the Kubernetes and KEDA schemas', () => {
  it('every object validates', () => {
    expect(documents.length).toBeGreaterThan(10);
    for (const { file, manifest } of documents)
      expect(schemaErrors(manifest), `${file} ${manifest.kind}/${manifest.metadata?.name}`).toBe('');
  });

  it('and the check can fail: a wrong type, a missing field, an unknown kind', () => {
    const deployment = ofKind('Deployment')[0]!;
    expect(schemaErrors({ ...deployment, spec: { ...deployment.spec, replicas: 'two' } })).toMatch(/replicas/);
    const { containers: _, ...noContainers } = deployment.spec.template.spec;
    const broken = { ...deployment, spec: { ...deployment.spec, template: { spec: noContainers } } };
    expect(schemaErrors(broken)).toMatch(/containers/);
    expect(schemaErrors({ apiVersion: 'v1', kind: 'Secrt' })).toMatch(/no schema/);
  });
});

describe('workloads', () => {
  it('cover every role', () => {
    expect(roles.sort()).toEqual(['api', 'batches', 'maintenance', 'migrate', 'render', 'webhooks']);
  });

  it('every long-running container has startup, liveness and readiness probes, and resources', () => {
    for (const { name, kind, pod } of workloads.filter((w) => w.kind === 'Deployment')) {
      for (const c of pod.containers) {
        const where = `${kind}/${name} ${c.name}`;
        for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'])
          expect(c[probe]?.httpGet?.path, `${where} ${probe}`).toMatch(/^\/(healthz|readyz)$/);
        expect(c.readinessProbe.httpGet.path, where).toBe('/readyz');
        const port = c.ports.find((p: { name: string }) => p.name === c.livenessProbe.httpGet.port);
        expect(port, `${where}: the probe's port is declared`).toBeDefined();
        expect(c.resources.requests, where).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
        expect(c.resources.limits?.memory, where).toBeDefined();
      }
    }
  });

  it('every pod runs as non-root with RuntimeDefault seccomp; every container read-only, no capabilities', () => {
    for (const { name, kind, pod } of workloads) {
      const where = `${kind}/${name}`;
      expect(pod.securityContext, where).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.securityContext.runAsUser, where).toBeGreaterThan(0);
      expect(pod.automountServiceAccountToken, where).toBe(false);
      const emptyDirs = new Set(pod.volumes.filter((v: any) => v.emptyDir).map((v: any) => v.name));
      for (const c of pod.containers) {
        expect(c.securityContext, `${where} ${c.name}`).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        // The only writable paths are emptyDirs (/tmp).
        for (const mount of c.volumeMounts ?? [])
          expect(emptyDirs, `${where} ${mount.mountPath}`).toContain(mount.name);
        expect(
          c.volumeMounts.map((m: { mountPath: string }) => m.mountPath),
          where,
        ).toContain('/tmp');
      }
    }
  });

  it('every image is the package version, never :latest', () => {
    for (const { name, pod } of workloads)
      for (const c of pod.containers) expect(c.image, name).toBe(`codes:${version}`);
  });

  it('migrations run as one Job per release, named with the version', () => {
    const jobs = ofKind('Job');
    expect(jobs.map((j) => j.metadata.name)).toEqual([`codes-migrate-${version.replaceAll('.', '-')}`]);
    expect(jobs[0]!.spec.template.spec.containers[0].command).toEqual(['node', 'src/cli.ts', 'migrate']);
    expect(jobs[0]!.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
  });
});

describe('secrets', () => {
  it('no Secret is committed; every workload reads the operator-created codes-secrets', () => {
    expect(ofKind('Secret')).toEqual([]);
    for (const { name, pod } of workloads)
      for (const c of pod.containers)
        expect(c.envFrom.map((f: any) => f.secretRef?.name).filter(Boolean), name).toEqual(['codes-secrets']);
    for (const { file } of documents)
      expect(readFileSync(path.join(K8S, file), 'utf8'), file).not.toMatch(/password:\s*\S|change-me/i);
  });

  it('docs/operations.md says how to create it, with every key the manifests and the production check need', () => {
    const docs = readFileSync(path.join(ROOT, 'docs', 'operations.md'), 'utf8');
    const command = /kubectl create secret generic codes-secrets[\s\S]*?(?=\n\s*```)/.exec(docs)?.[0] ?? '';
    const keys = [...command.matchAll(/--from-literal=([A-Z_]+)=/g)].map((m) => m[1]);
    const referenced = ofKind('TriggerAuthentication').flatMap((t) => t.spec.secretTargetRef.map((r: any) => r.key));
    for (const key of ['DATABASE_URL', 'REDIS_URL', 'SECRETS_KEY', 'LINK_SIGNING_KEY', ...referenced])
      expect(keys, key).toContain(key);
  });
});

describe('NetworkPolicies', () => {
  const policies = ofKind('NetworkPolicy');
  const selects = (p: Manifest, labels: Record<string, string>) =>
    Object.entries(p.spec.podSelector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const egressOf = (role: string) => {
    const labels = workloads.find((w) => w.labels.role === role)!.labels;
    return policies.filter((p) => selects(p, labels)).flatMap((p) => p.spec.egress ?? []);
  };
  const ports = (rules: Manifest[]) => new Set(rules.flatMap((r) => (r.ports ?? []).map((p: any) => p.port)));
  const ipBlocks = (rules: Manifest[]) => rules.flatMap((r) => (r.to ?? []).map((t: any) => t.ipBlock).filter(Boolean));

  it('deny everything by default for every codes pod, in and out', () => {
    const deny = policies.filter((p) => !p.spec.ingress && !p.spec.egress && selects(p, { app: 'codes' }));
    expect(deny.map((p) => [...p.spec.policyTypes].sort())).toEqual([['Egress', 'Ingress']]);
    expect(Object.keys(deny[0]!.spec.podSelector.matchLabels)).toEqual(['app']);
  });

  it('exist for every role', () => {
    for (const role of roles)
      expect(
        policies.some((p) => p.spec.podSelector.matchLabels?.role === role),
        role,
      ).toBe(true);
  });

  it('let API, render, batches, maintenance and migrate pods reach only Redis, PostgreSQL and DNS', () => {
    for (const role of ['api', 'render', 'batches', 'maintenance', 'migrate']) {
      const egress = egressOf(role);
      expect([...ports(egress)].sort(), role).toEqual([53, 5432, 6379]);
      expect(ipBlocks(egress), role).toEqual([]);
      for (const rule of egress) expect(rule.to?.length, `${role}: every rule names its peers`).toBeGreaterThan(0);
    }
  });

  it('let the webhooks worker reach the internet but not the private ranges', () => {
    const blocks = ipBlocks(egressOf('webhooks'));
    const v4 = blocks.find((b) => b.cidr === '0.0.0.0/0');
    const v6 = blocks.find((b) => b.cidr === '::/0');
    for (const range of [
      '10.0.0.0/8',
      '172.16.0.0/12',
      '192.168.0.0/16',
      '169.254.0.0/16',
      '127.0.0.0/8',
      '100.64.0.0/10',
    ])
      expect(v4?.except, range).toContain(range);
    for (const range of ['fc00::/7', 'fe80::/10', '::1/128']) expect(v6?.except, range).toContain(range);
    expect(ports(egressOf('webhooks'))).toEqual(new Set([53, 5432, 6379]));
  });
});
