// The Kubernetes manifests (deploy/k8s): valid against the Kubernetes API's schemas
// (scripts/validate-k8s.mjs), and saying what the processes need: one worker Deployment per task
// queue, probes on the API's health endpoints, grace periods above the worker's force time, an
// HPA per Deployment, commands that exist in the compiled build.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../config';

const root = path.resolve(__dirname, '..', '..');
const dir = path.join(root, 'deploy', 'k8s');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}
interface Container {
  name: string;
  command?: string[];
  env?: { name: string; value?: string }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  ports?: { name?: string; containerPort: number }[];
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  containers: Container[];
}

const resources = (
  parseAllDocuments(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as {
    resources: string[];
  }
).resources;
const objects: K8sObject[] = resources.flatMap((file) =>
  parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'))
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null),
);
const find = (kind: string, name: string): K8sObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return found;
};
const podOf = (o: K8sObject): PodSpec => (o.spec as { template: { spec: PodSpec } }).template.spec;
const env = (c: Container, name: string) => c.env?.find((e) => e.name === name)?.value;
const configMap = find('ConfigMap', 'order-orchestrator').data!;

function validate(folder: string): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [path.join(root, 'scripts', 'validate-k8s.mjs'), folder], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: run.status, output: run.stdout + run.stderr };
}

test('every manifest is valid against the Kubernetes schemas', () => {
  const { status, output } = validate(dir);
  expect(
    output
      .trim()
      .split('\n')
      .filter((line) => !line.endsWith(': valid')),
  ).toEqual([]);
  expect(status).toBe(0);
  expect(output.match(/: valid$/gm)).toHaveLength(objects.filter((o) => o.kind !== 'Kustomization').length);
});

test('the schema check refuses a manifest the API server would refuse', () => {
  const copy = mkdtempSync(path.join(tmpdir(), 'k8s-manifests-'));
  try {
    cpSync(dir, copy, { recursive: true });
    const api = path.join(copy, 'api.yaml');
    writeFileSync(
      api,
      readFileSync(api, 'utf8').replace('containerPort: 3000', "containerPort: 'three thousand'"),
    );
    const { status, output } = validate(copy);
    expect(status).toBe(1);
    expect(output).toMatch(/api\.yaml: Deployment api: .*containerPort must be integer/);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('the configuration the ConfigMap sets is one the processes accept', () => {
  const values = Object.fromEntries(Object.entries(configMap).filter(([, v]) => v !== ''));
  expect(() => loadConfig({ ...values, DATABASE_URL: 'postgresql://x@db:5432/orders' })).not.toThrow();
});

test('one worker Deployment per task queue, each with its HPA, stopping within its grace period', () => {
  const forceMs = loadConfig(configMap).WORKER_SHUTDOWN_FORCE_MS;
  for (const queue of ['orders', 'provisioning']) {
    const deployment = find('Deployment', `worker-${queue}`);
    const pod = podOf(deployment);
    const [container] = pod.containers;
    expect(container!.command).toEqual(['node', 'dist/worker/main.js']);
    expect(env(container!, 'WORKER_TASK_QUEUES')).toBe(queue);
    // The worker exits by its force time; the kubelet's SIGKILL comes after the grace period.
    expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(forceMs);
    expect(container!.livenessProbe?.httpGet).toEqual({ path: '/metrics', port: 'metrics' });
    const hpa = find('HorizontalPodAutoscaler', `worker-${queue}`);
    expect((hpa.spec as { scaleTargetRef: unknown }).scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: `worker-${queue}`,
    });
  }
});

test("the API's probes are its health endpoints, and its command and the job's exist in the build", () => {
  const [api] = podOf(find('Deployment', 'api')).containers;
  expect(api!.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
  expect(api!.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
  expect(api!.ports).toContainEqual({ name: 'http', containerPort: Number(env(api!, 'PORT')) });
  const [migrate] = podOf(find('Job', 'migrate')).containers;
  // The compiled entry points: dist/ mirrors the sources (tsconfig.build.json).
  for (const command of [api!.command!, migrate!.command!]) {
    const source = path.join(root, command[1]!.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
    expect(readFileSync(source, 'utf8').length).toBeGreaterThan(0);
  }
  expect(find('HorizontalPodAutoscaler', 'api')).toBeDefined();
});
