// npm run bench:admission — the admission webhook under load over HTTPS on 127.0.0.1.
//
// Realistic Pod and Deployment AdmissionReviews (as the API server sends them: managedFields, the
// last-applied annotation, ownerReferences; a third of them violating the restricted level) go to
// `kubecomply serve`'s server and decider, and the same requests to a bare Node HTTPS server that
// parses each review and answers allowed: true (the floor: what any webhook must at least do). The
// server, the floor and the load generator each run in their own process.
//
// Cases: fixed rates (open loop: bench/admission-load.mjs releases requests on a schedule; latency
// from release to answer, waiting for a connection included) and the max rate (closed loop,
// autocannon, 16 connections; BENCH_ROUNDS rounds, kubecomply and the floor alternating, medians
// reported, because a shared 2-core machine drifts by 20 % within a minute). One JSON line per case:
//   {bench, case, rate_per_s, per_s, p50_ms, p99_ms, errors, floor_per_s, floor_p99_ms, ratio_vs_floor}
// ratio_vs_floor is per_s / floor_per_s (at the max rate: throughput relative to the bare server;
// there also rounds and round_ratios, each round's own ratio).
// At the max rate, cpu_us and floor_cpu_us are the server processes' CPU time per answered review.
// A last line, max-server-only, runs kubecomply's server with a decision that allows everything: it
// tells the server's own cost (HTTP, TLS, limits, metrics) from the decision's.
// Targets (issue 4): p99 ≤ 5 ms at 1,000 reviews/s; max throughput ≥ 70 % of the floor.
// Environment: BENCH_RATES (default 250,500,1000,2000), BENCH_SECONDS per case (default 5),
// BENCH_ROUNDS of the max case (default 3).
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { generateCa, issueServingCert } from '../dist/server/certs.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.join(here, '..', '.bench', 'admission');
mkdirSync(dir, { recursive: true });
const rates = (process.env.BENCH_RATES ?? '250,500,1000,2000').split(',').map(Number);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const CONNECTIONS = 16;
const PATH = '/validate';
const run = promisify(execFile);

// ---- certificates and requests ----
const ca = await generateCa({ commonName: 'bench-ca', days: 1 });
const leaf = await issueServingCert(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], days: 1 });
writeFileSync(path.join(dir, 'ca.crt'), ca.certPem);
writeFileSync(path.join(dir, 'tls.crt'), leaf.certPem);
writeFileSync(path.join(dir, 'tls.key'), leaf.keyPem);

let uid = 0;
const image = (name, good) => (good ? `registry.example.com/shop/${name}@sha256:${'0123456789abcdef'.repeat(4)}` : `docker.io/library/${name}:latest`);

function podSpec(name, good) {
  const sc = good
    ? { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } }
    : { privileged: true, capabilities: { add: ['NET_ADMIN', 'SYS_TIME'] } };
  return {
    ...(good ? { securityContext: { runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } } } : { hostNetwork: true }),
    serviceAccountName: name,
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
    containers: [
      {
        name,
        image: image(name, good),
        imagePullPolicy: good ? 'IfNotPresent' : 'Always',
        args: ['--port=8080', '--log-format=json', `--config=/etc/${name}/config.yaml`],
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }],
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
          { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
          { name: 'LOG_LEVEL', value: 'info' },
          { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: `${name}-db`, key: 'url' } } },
        ],
        resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
        livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
        readinessProbe: { httpGet: { path: '/readyz', port: 'http', scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
        volumeMounts: [{ name: 'config', mountPath: `/etc/${name}`, readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
        securityContext: sc,
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      },
      {
        name: 'proxy',
        image: image('envoy', good),
        imagePullPolicy: 'IfNotPresent',
        ports: [{ name: 'https', containerPort: 8443, protocol: 'TCP' }],
        resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
        securityContext: good ? { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } } : {},
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      },
    ],
    volumes: [{ name: 'config', configMap: { name: `${name}-config`, defaultMode: 420 } }, { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }],
  };
}

function managedFields(manager) {
  return [{ manager, operation: 'Update', apiVersion: 'apps/v1', time: '2026-11-30T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {}, 'f:owner': {} } }, 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': {} } } } } }];
}

function review(kind, name, good) {
  const labels = { app: name, owner: 'team-shop', 'app.kubernetes.io/name': name, 'app.kubernetes.io/version': '1.4.2' };
  const meta = { name, namespace: 'shop', labels, annotations: {}, managedFields: managedFields(kind === 'Pod' ? 'kube-controller-manager' : 'kubectl-client-side-apply') };
  let object;
  let resource;
  let group = '';
  if (kind === 'Pod') {
    resource = 'pods';
    object = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...meta, name: `${name}-7d9c5b8f4-x2x9k`, generateName: `${name}-7d9c5b8f4-`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-7d9c5b8f4`, uid: '6a3a3c1e-1f7d-4c2e-9f1a-2b9e8d7c6b5a', controller: true, blockOwnerDeletion: true }] },
      spec: podSpec(name, good),
    };
  } else {
    group = 'apps';
    resource = 'deployments';
    const spec = { replicas: 3, selector: { matchLabels: { app: name } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } }, template: { metadata: { labels }, spec: podSpec(name, good) } };
    object = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta, spec };
    meta.annotations['kubectl.kubernetes.io/last-applied-configuration'] = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'shop', labels }, spec });
  }
  const gvk = { group, version: 'v1', kind };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `2b8c1f0e-0000-4000-8000-${String(++uid).padStart(12, '0')}`,
      kind: gvk,
      resource: { group, version: 'v1', resource },
      requestKind: gvk,
      requestResource: { group, version: 'v1', resource },
      name: object.metadata.name,
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: kind === 'Pod' ? { username: 'system:serviceaccount:kube-system:replicaset-controller', uid: 'b0c1', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] } : { username: 'alice@example.com', groups: ['shop-developers', 'system:authenticated'] },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions', fieldManager: 'kubectl-client-side-apply' },
    },
  };
}

const bodies = [];
for (const [i, name] of ['checkout', 'cart', 'catalog', 'payments', 'search', 'frontend'].entries()) {
  const good = i % 3 !== 2;
  bodies.push(JSON.stringify(review('Pod', name, good)), JSON.stringify(review('Deployment', name, good)));
}
const bodiesFile = path.join(dir, 'reviews.json');
writeFileSync(bodiesFile, JSON.stringify(bodies));

// ---- processes ----
function startServer(kind) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, 'admission-server.mjs'), kind, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
      const nl = out.indexOf('\n');
      if (nl !== -1) resolve({ child, port: JSON.parse(out.slice(0, nl)).port });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

async function fixedRate(port, rate) {
  const opts = { port, ca: path.join(dir, 'ca.crt'), bodies: bodiesFile, path: PATH, rate, durationMs: seconds * 1000, warmupMs: 1000, connections: CONNECTIONS };
  const { stdout } = await run(process.execPath, [path.join(here, 'admission-load.mjs'), JSON.stringify(opts)], { timeout: (seconds + 15) * 1000 });
  return JSON.parse(stdout);
}

/** CPU time (user + system) of a process so far, in µs, from /proc (undefined where there is none). */
function cpuUs(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
const CLOCK_TICKS = Number((await run('getconf', ['CLK_TCK']).catch(() => ({ stdout: '100' }))).stdout) || 100;

async function maxRate(server) {
  const port = server.port;
  const c0 = cpuUs(server.child.pid);
  const r = await autocannon({
    url: `https://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    servername: 'localhost',
    tlsOptions: { ca: readFileSync(path.join(dir, 'ca.crt')) },
    requests: bodies.map((body) => ({ method: 'POST', path: PATH, headers: { 'content-type': 'application/json' }, body })),
  });
  const c1 = cpuUs(server.child.pid);
  // The server's CPU per answered review: what the ratio is made of (the load generator has its own core).
  const cpu = c0 !== undefined && c1 !== undefined && r.requests.total > 0 ? +((c1 - c0) / r.requests.total).toFixed(1) : undefined;
  return { per_s: Math.round(r.requests.average), p50_ms: r.latency.p50, p99_ms: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx, cpu_us: cpu };
}

const servers = { kubecomply: await startServer('kubecomply'), floor: await startServer('floor'), serverOnly: await startServer('server-only') };
const started = Date.now();
try {
  // Warm both up (JIT, TLS session setup) before measuring.
  for (const s of Object.values(servers)) await fixedRate(s.port, 1000);
  const emit = (name, rate, k, f, extra = {}) =>
    process.stdout.write(
      JSON.stringify({
        bench: 'admission',
        case: name,
        rate_per_s: rate,
        per_s: k.per_s,
        p50_ms: k.p50_ms,
        p99_ms: k.p99_ms,
        errors: k.errors,
        floor_per_s: f.per_s,
        floor_p99_ms: f.p99_ms,
        ratio_vs_floor: +(k.per_s / f.per_s).toFixed(2),
        ...(k.cpu_us !== undefined && f.cpu_us !== undefined ? { cpu_us: k.cpu_us, floor_cpu_us: f.cpu_us } : {}),
        ...extra,
      }) + '\n',
    );
  for (const rate of rates) {
    const k = await fixedRate(servers.kubecomply.port, rate);
    const f = await fixedRate(servers.floor.port, rate);
    emit(`fixed-${rate}`, rate, k, f);
  }
  // Rounds alternate the servers, so that drift on the machine hits each alike; each figure is the
  // median of its rounds, and the ratio is that of the medians (each round's own ratio is listed too).
  const runs = { kubecomply: [], floor: [], serverOnly: [] };
  for (let i = 0; i < rounds; i++) for (const name of Object.keys(runs)) runs[name].push(await maxRate(servers[name]));
  const med = (list) => {
    const mid = (key) => {
      const xs = list.map((r) => r[key]).filter((v) => v !== undefined).sort((a, b) => a - b);
      return xs.length === 0 ? undefined : xs[Math.floor(xs.length / 2)];
    };
    return { per_s: mid('per_s'), p50_ms: mid('p50_ms'), p99_ms: mid('p99_ms'), errors: list.reduce((a, r) => a + r.errors, 0), cpu_us: mid('cpu_us') };
  };
  const f = med(runs.floor);
  const perRound = (name) => ({ rounds, round_ratios: runs[name].map((r, i) => +(r.per_s / runs.floor[i].per_s).toFixed(2)) });
  emit('max', 'max', med(runs.kubecomply), f, perRound('kubecomply'));
  // The same server with a decision that allows everything: the server's own cost next to the floor's.
  emit('max-server-only', 'max', med(runs.serverOnly), f, perRound('serverOnly'));
} finally {
  for (const s of Object.values(servers)) {
    s.child.removeAllListeners('exit');
    s.child.kill('SIGTERM');
  }
}
process.stderr.write(`bench:admission: ${bodies.length} distinct reviews (${Math.round(bodies.reduce((a, b) => a + b.length, 0) / bodies.length)} bytes on average), ${CONNECTIONS} connections, ${seconds} s per case, ${rounds} rounds at the max rate, ${Math.round((Date.now() - started) / 1000)} s in all\n`);
