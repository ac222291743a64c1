/**
 * Docker cannot run here, so docker/docker-compose.yml and docker/k8s/*.yaml are kept correct by
 * reading them: YAML parses, images pinned, env names exist in config/config.ts, ports consistent.
 */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';

const ROOT = path.resolve(__dirname, '../..');
const DOCKER = path.join(ROOT, 'docker');
const K8S = path.join(DOCKER, 'k8s');
const POOLS = ['workflows', 'collect', 'embed', 'cluster', 'summarize'] as const;
const API_PORT = 8080;
const METRICS_PORT = 9464;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The keys of `const envSchema = z.object({ ... })` in config/config.ts (it is not exported). */
function schemaEnvNames(): Set<string> {
  const src = fs.readFileSync(path.join(ROOT, 'config/config.ts'), 'utf8');
  const start = src.indexOf('const envSchema = z.object({');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = src.indexOf('\n});', start);
  const body = src.slice(start, end);
  const names = new Set([...body.matchAll(/^\s{2}([A-Z][A-Z0-9_]*)\s*:/gm)].map((m) => m[1] as string));
  return names;
}

function loadCompose(): Obj {
  return obj(yaml.load(fs.readFileSync(path.join(DOCKER, 'docker-compose.yml'), 'utf8')));
}

interface K8sDoc {
  file: string;
  doc: Obj;
}
function loadK8s(): K8sDoc[] {
  const files = fs.readdirSync(K8S).filter((f) => /\.ya?ml$/.test(f)).sort();
  return files.flatMap((file) =>
    yaml.loadAll(fs.readFileSync(path.join(K8S, file), 'utf8')).filter(Boolean).map((doc) => ({ file, doc: obj(doc) })),
  );
}

/** Compose `${VAR:-default}` resolved to its default, for image checks. */
const resolveDefaults = (s: string): string => s.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');

function assertPinned(image: string, where: string): void {
  const resolved = resolveDefaults(image);
  const lastSegment = resolved.split('/').pop() ?? '';
  const tag = lastSegment.includes('@') ? 'digest' : lastSegment.split(':')[1];
  expect({ where, image, tag: tag ?? null }).toEqual({ where, image, tag: expect.stringMatching(/^(?!latest$).+/) });
  expect(resolved).not.toMatch(/\$\{/); // a bare ${VAR} with no default pins nothing
}

const podSpecs = (docs: K8sDoc[]) =>
  docs
    .filter(({ doc }) => doc.kind === 'Deployment' || doc.kind === 'Job')
    .map(({ file, doc }) => ({ file, name: String(obj(doc.metadata).name), spec: obj(obj(obj(doc.spec).template).spec) }));
const containersOf = (spec: Obj) => arr(spec.containers).map(obj);

describe('deploy config: docker-compose.yml and docker/k8s', () => {
  const envNames = schemaEnvNames();
  const compose = loadCompose();
  const services = obj(compose.services);
  const k8s = loadK8s();
  const deployments = k8s.filter(({ doc }) => doc.kind === 'Deployment');

  it('reads the env schema of config/config.ts', () => {
    for (const n of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'API_PORT', 'WORKER_METRICS_PORT', 'QDRANT_URL']) expect(envNames).toContain(n);
    expect(envNames.size).toBeGreaterThan(30);
  });

  it('parses docker-compose.yml and every manifest in docker/k8s', () => {
    expect(Object.keys(services).length).toBeGreaterThan(5);
    expect(k8s.length).toBeGreaterThanOrEqual(8);
    for (const { file, doc } of k8s) {
      expect({ file, apiVersion: typeof doc.apiVersion, kind: typeof doc.kind }).toEqual({ file, apiVersion: 'string', kind: 'string' });
    }
  });

  it('pins every image (a tag or digest, never latest)', () => {
    const images: Array<[string, string]> = [];
    for (const [name, svc] of Object.entries(services)) {
      const image = obj(svc).image;
      if (typeof image === 'string') images.push([`compose ${name}`, image]);
    }
    for (const { file, name, spec } of podSpecs(k8s)) {
      for (const c of [...containersOf(spec), ...arr(spec.initContainers).map(obj)]) images.push([`${file} ${name}`, String(c.image)]);
    }
    expect(images.length).toBeGreaterThan(10);
    for (const [where, image] of images) {
      // The compose app image is built locally (`build:`); its tag is the build's name, so only non-app images must be pinned.
      if (where.startsWith('compose') && image.startsWith('${TRENDFLOW_IMAGE')) continue;
      assertPinned(image, where);
    }
  });

  it('sets only env names that config/config.ts reads, on trendflow services', () => {
    const appServices = Object.entries(services).filter(([, s]) => String(obj(s).image).includes('TRENDFLOW_IMAGE'));
    expect(appServices.map(([n]) => n).sort()).toEqual(['api', 'migrate', ...POOLS.map((p) => `worker-${p}`)].sort());
    const used: Array<[string, string]> = [];
    for (const [name, svc] of appServices) for (const key of Object.keys(obj(obj(svc).environment))) used.push([`compose ${name}`, key]);
    for (const { file, doc } of k8s) {
      if (doc.kind === 'ConfigMap' || doc.kind === 'Secret') {
        for (const key of Object.keys({ ...obj(doc.data), ...obj(doc.stringData) })) used.push([`${file} ${String(doc.kind)}`, key]);
      }
    }
    for (const { file, name, spec } of podSpecs(k8s)) {
      for (const c of containersOf(spec)) for (const e of arr(c.env).map(obj)) used.push([`${file} ${name}`, String(e.name)]);
    }
    expect(used.length).toBeGreaterThan(40);
    const unknown = used.filter(([, key]) => !envNames.has(key));
    expect(unknown).toEqual([]);
  });

  it('wires k8s Deployments to the ConfigMap and Secret that exist', () => {
    const configMaps = k8s.filter(({ doc }) => doc.kind === 'ConfigMap').map(({ doc }) => obj(doc.metadata).name);
    const secrets = k8s.filter(({ doc }) => doc.kind === 'Secret').map(({ doc }) => obj(doc.metadata).name);
    for (const { name, spec } of podSpecs(k8s)) {
      for (const c of containersOf(spec)) {
        const from = arr(c.envFrom).map(obj);
        expect({ name, cm: from.map((f) => obj(f.configMapRef).name).filter(Boolean) }).toEqual({ name, cm: configMaps });
        expect({ name, secret: from.map((f) => obj(f.secretRef).name).filter(Boolean) }).toEqual({ name, secret: secrets });
      }
    }
  });

  it('runs the same commands as compose, one Deployment per worker pool plus the API', () => {
    const commands = new Map(
      deployments.map(({ doc }) => [String(obj(doc.metadata).name), JSON.stringify(containersOf(obj(obj(obj(doc.spec).template).spec))[0]?.command)]),
    );
    expect(commands.get('trendflow-api')).toBe(JSON.stringify(obj(services.api).command));
    for (const pool of POOLS) {
      expect(commands.get(`trendflow-worker-${pool}`)).toBe(JSON.stringify(obj(services[`worker-${pool}`]).command));
    }
    for (const { doc } of deployments) {
      const c = containersOf(obj(obj(obj(doc.spec).template).spec))[0] ?? {};
      const res = obj(c.resources);
      expect(Object.keys(obj(res.requests)).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(obj(res.limits)).sort()).toEqual(['cpu', 'memory']);
      expect(c.readinessProbe).toBeDefined();
      expect(c.livenessProbe).toBeDefined();
    }
  });

  it('uses API port 8080 in compose, the k8s Service and the probes', () => {
    const api = obj(services.api);
    expect(obj(api.environment).API_PORT).toBe(String(API_PORT));
    expect(arr(api.ports).map(String).some((p) => p.endsWith(`:${API_PORT}:${API_PORT}`))).toBe(true);
    expect(JSON.stringify(obj(api.healthcheck).test)).toContain(`:${API_PORT}/health`);

    const dep = deployments.find(({ doc }) => obj(doc.metadata).name === 'trendflow-api');
    const c = containersOf(obj(obj(obj(dep?.doc.spec).template).spec))[0] ?? {};
    expect(arr(c.env).map(obj).find((e) => e.name === 'API_PORT')?.value).toBe(String(API_PORT));
    expect(arr(c.ports).map((p) => obj(p).containerPort)).toEqual([API_PORT]);
    expect(obj(obj(c.readinessProbe).httpGet)).toEqual({ path: '/ready', port: API_PORT });
    expect(obj(obj(c.livenessProbe).httpGet)).toEqual({ path: '/health', port: API_PORT });

    const svc = k8s.find(({ doc }) => doc.kind === 'Service' && obj(doc.metadata).name === 'trendflow-api');
    expect(svc).toBeDefined();
    const labels = obj(obj(obj(obj(dep?.doc.spec).template).metadata).labels);
    for (const [k, v] of Object.entries(obj(obj(svc?.doc.spec).selector))) expect(labels[k]).toBe(v);
    expect(arr(obj(svc?.doc.spec).ports).map((p) => obj(p).targetPort)).toEqual([API_PORT]);

    const prom = obj(yaml.load(fs.readFileSync(path.join(DOCKER, 'prometheus/prometheus.yml'), 'utf8')));
    const apiJob = arr(prom.scrape_configs).map(obj).find((j) => j.job_name === 'trendflow-api');
    expect(arr(obj(arr(apiJob?.static_configs)[0]).targets)).toEqual([`api:${API_PORT}`]);
  });

  it('uses worker metrics port 9464 in compose, prometheus.yml and the k8s probes', () => {
    const prom = obj(yaml.load(fs.readFileSync(path.join(DOCKER, 'prometheus/prometheus.yml'), 'utf8')));
    const job = arr(prom.scrape_configs).map(obj).find((j) => j.job_name === 'trendflow-workers');
    const sd = obj(arr(job?.dns_sd_configs)[0]);
    expect(sd.port).toBe(METRICS_PORT);
    expect([...arr(sd.names)].sort()).toEqual(POOLS.map((p) => `worker-${p}`).sort());
    for (const pool of POOLS) {
      const svc = obj(services[`worker-${pool}`]);
      expect({ pool, port: obj(svc.environment).WORKER_METRICS_PORT }).toEqual({ pool, port: String(METRICS_PORT) });
      expect(JSON.stringify(obj(svc.healthcheck).test)).toContain(`:${METRICS_PORT}/metrics`);
      const dep = deployments.find(({ doc }) => obj(doc.metadata).name === `trendflow-worker-${pool}`);
      const c = containersOf(obj(obj(obj(dep?.doc.spec).template).spec))[0] ?? {};
      expect(arr(c.env).map(obj).find((e) => e.name === 'WORKER_METRICS_PORT')?.value).toBe(String(METRICS_PORT));
      for (const probe of [c.readinessProbe, c.livenessProbe].map(obj)) {
        const port = obj(probe.httpGet).port ?? obj(probe.tcpSocket).port;
        expect({ pool, port }).toEqual({ pool, port: METRICS_PORT });
      }
    }
  });

  it('keeps every worker pool scalable in compose (no container_name, no host ports)', () => {
    for (const pool of POOLS) {
      const svc = obj(services[`worker-${pool}`]);
      expect({ pool, command: svc.command }).toEqual({ pool, command: ['node', `dist/workers/${pool}.js`] });
      expect({ pool, container_name: svc.container_name }).toEqual({ pool, container_name: undefined });
      expect({ pool, ports: svc.ports }).toEqual({ pool, ports: undefined });
    }
  });

  it('autoscales on task-queue backlog with KEDA ScaledObjects that target real Deployments and queues', () => {
    const names = new Set(deployments.map(({ doc }) => String(obj(doc.metadata).name)));
    const scaled = k8s.filter(({ doc }) => doc.kind === 'ScaledObject');
    expect(scaled.length).toBeGreaterThan(0);
    const queues = fs.readFileSync(path.join(ROOT, 'workflows/task-queues.ts'), 'utf8');
    for (const { doc } of scaled) {
      const spec = obj(doc.spec);
      expect(names).toContain(String(obj(spec.scaleTargetRef).name));
      for (const t of arr(spec.triggers).map(obj)) {
        expect(t.type).toBe('temporal');
        expect(queues).toContain(`'${String(obj(t.metadata).taskQueue)}'`);
      }
    }
  });
});
