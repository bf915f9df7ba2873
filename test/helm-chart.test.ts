/**
 * packaging/helm/spotrunner rendered and checked. No Helm renderer runs here (no helm binary on
 * this machine, and no maintained Helm-template renderer on npm), so the chart's templates keep
 * to plain `{{ .Values.a.b }}`, `{{ .Release.Name }}` and `{{ .Chart.AppVersion }}` references,
 * which this test substitutes explicitly; any other template action fails the test. The
 * manifests are then parsed as YAML and checked: one replica recreated, config.toml from a
 * Secret, ${VAR}s from another Secret, state on a PVC, probes on /livez and /health, non-root.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './support/pack-tarball.js';

const CHART = join(REPO_ROOT, 'packaging', 'helm', 'spotrunner');
const RELEASE = 'ci-fleet';

type Tree = { [key: string]: unknown };

function lookup(tree: unknown, path: string, template: string): unknown {
  let node = tree;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || !(part in node)) {
      throw new Error(`${template}: no value for .${path}`);
    }
    node = (node as Tree)[part];
  }
  if (typeof node === 'object') throw new Error(`${template}: .${path} is not a scalar`);
  return node;
}

/** Substitutes `{{ .Values.x }}`, `{{ .Release.Name }}`, `{{ .Chart.X }}`; nothing else. */
function renderTemplate(text: string, scope: Tree, template: string): string {
  const out = text.replace(/\{\{\s*\.([A-Za-z][\w.]*)\s*\}\}/g, (_m, path: string) =>
    String(lookup(scope, path, template)),
  );
  const left = /\{\{.*?\}\}/.exec(out);
  if (left) throw new Error(`${template}: template action this test cannot render: ${left[0]}`);
  return out;
}

async function renderChart(overrides: Tree = {}): Promise<Tree[]> {
  const values = { ...(parse(await readFile(join(CHART, 'values.yaml'), 'utf8')) as Tree) };
  Object.assign(values, overrides);
  const chart = parse(await readFile(join(CHART, 'Chart.yaml'), 'utf8')) as Tree;
  const scope: Tree = {
    Values: values,
    Release: { Name: RELEASE },
    Chart: { Name: chart['name'], AppVersion: chart['appVersion'], Version: chart['version'] },
  };
  const manifests: Tree[] = [];
  for (const name of (await readdir(join(CHART, 'templates'))).sort()) {
    const text = await readFile(join(CHART, 'templates', name), 'utf8');
    const rendered = renderTemplate(text, scope, name);
    if (!name.endsWith('.yaml')) continue;
    for (const doc of parseAllDocuments(rendered)) {
      if (doc.errors.length > 0) throw new Error(`${name}: ${doc.errors[0]!.message}`);
      const manifest = doc.toJS() as Tree | null;
      if (manifest !== null) manifests.push(manifest);
    }
  }
  return manifests;
}

interface Container {
  args: string[];
  image: string;
  envFrom: { secretRef: { name: string } }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  securityContext: { allowPrivilegeEscalation: boolean; readOnlyRootFilesystem: boolean };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Deployment {
  metadata: { name: string };
  spec: {
    replicas: number;
    strategy: { type: string };
    template: {
      spec: {
        terminationGracePeriodSeconds: number;
        securityContext: { runAsNonRoot: boolean; runAsUser: number; fsGroup: number };
        containers: Container[];
        volumes: {
          name: string;
          secret?: { secretName: string; items: { key: string; path: string }[] };
          persistentVolumeClaim?: { claimName: string };
        }[];
      };
    };
  };
}

function byKind<T>(manifests: Tree[], kind: string): T[] {
  return manifests.filter((m) => m['kind'] === kind) as T[];
}

describe('packaging/helm/spotrunner', () => {
  it('renders one Deployment and its state PVC', async () => {
    const manifests = await renderChart();
    expect(manifests.map((m) => m['kind']).sort()).toEqual(['Deployment', 'PersistentVolumeClaim']);
  });

  it('runs one replica, recreated, as a non-root user with a read-only root filesystem', async () => {
    const [deployment] = byKind<Deployment>(await renderChart(), 'Deployment');
    expect(deployment!.spec.replicas).toBe(1);
    expect(deployment!.spec.strategy.type).toBe('Recreate');
    const pod = deployment!.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBe(10001);
    expect(pod.securityContext.fsGroup).toBe(10001);
    const container = pod.containers[0]!;
    expect(container.image).toBe('spotrunner:0.1.0');
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it('mounts config.toml from a Secret read-only and its ${VAR}s from another Secret', async () => {
    const [deployment] = byKind<Deployment>(
      await renderChart({ config: { secretName: 'my-config', key: 'runner.toml' } }),
      'Deployment',
    );
    const pod = deployment!.spec.template.spec;
    const container = pod.containers[0]!;
    const config = pod.volumes.find((v) => v.secret !== undefined)!;
    expect(config.secret).toEqual({
      secretName: 'my-config',
      items: [{ key: 'runner.toml', path: 'config.toml' }],
    });
    const mount = container.volumeMounts.find((m) => m.name === config.name)!;
    expect(mount).toEqual({ name: config.name, mountPath: '/etc/spotrunner', readOnly: true });
    expect(container.args).toEqual([
      'run',
      '--config',
      '/etc/spotrunner/config.toml',
      '--state-dir',
      '/var/lib/spotrunner',
    ]);
    expect(container.envFrom).toEqual([{ secretRef: { name: 'spotrunner-env' } }]);
  });

  it('keeps state on the chart PVC at the --state-dir path', async () => {
    const manifests = await renderChart({
      persistence: { size: '5Gi', accessMode: 'ReadWriteOnce' },
    });
    const [pvc] = byKind<{ metadata: { name: string }; spec: Tree }>(
      manifests,
      'PersistentVolumeClaim',
    );
    expect(pvc!.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '5Gi' } },
    });
    const pod = byKind<Deployment>(manifests, 'Deployment')[0]!.spec.template.spec;
    const state = pod.volumes.find((v) => v.persistentVolumeClaim !== undefined)!;
    expect(state.persistentVolumeClaim!.claimName).toBe(pvc!.metadata.name);
    const mount = pod.containers[0]!.volumeMounts.find((m) => m.name === state.name)!;
    expect(mount.mountPath).toBe('/var/lib/spotrunner');
    expect(mount.readOnly).toBeUndefined();
  });

  it('probes /livez (liveness) and /health (readiness) on the listen_address port and waits terminationGracePeriodSeconds', async () => {
    const [deployment] = byKind<Deployment>(
      await renderChart({ statusPort: 9300, terminationGracePeriodSeconds: 150 }),
      'Deployment',
    );
    const pod = deployment!.spec.template.spec;
    const container = pod.containers[0]!;
    expect(container.ports).toEqual([{ name: 'status', containerPort: 9300 }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/livez', port: 'status' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health', port: 'status' });
    expect(pod.terminationGracePeriodSeconds).toBe(150);
  });

  it('defaults terminationGracePeriodSeconds above the default shutdown_timeout', async () => {
    const { DEFAULTS } = await import('../src/config/defaults.js');
    const [deployment] = byKind<Deployment>(await renderChart(), 'Deployment');
    const graceMs = deployment!.spec.template.spec.terminationGracePeriodSeconds * 1000;
    expect(graceMs).toBeGreaterThan(DEFAULTS.shutdownTimeoutMs);
  });

  it('versions the chart with the package', async () => {
    const chart = parse(await readFile(join(CHART, 'Chart.yaml'), 'utf8')) as Tree;
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as Tree;
    expect(chart['appVersion']).toBe(pkg['version']);
    const values = parse(await readFile(join(CHART, 'values.yaml'), 'utf8')) as {
      image: { tag: string };
    };
    expect(values.image.tag).toBe(pkg['version']);
  });
});
